//! @file processes.cpp
//! Compiles the per-species channels (once per ensemble) and the pair tables of one NC
//! (spec section 2). Pair enumeration uses a uniform cell grid when the pair law has a finite
//! reach (cutoff, or the negligible-rate floor), so building a table costs O(N * neighbours),
//! not O(N^2); a periodic box (validation sizes) and unbounded laws use the plain double loop.
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "relsim/core/constants.hpp"
#include "relsim/model/rate_model.hpp"
#include "system.hpp"

namespace relsim::nanocrystal::detail {
namespace {

constexpr double inf = std::numeric_limits<double>::infinity();

int excited_index(const model::LevelScheme& scheme, const std::string& name) {
    for (std::size_t j = 0; j < scheme.levels.size(); ++j) {
        if (scheme.levels[j].name == name) return static_cast<int>(j);
    }
    return -1;
}

struct Point {
    double p[3];
};

//! Calls f(a, b, r) for every a in A, b in B (indices into their point lists) with
//! distance r <= reach (a superset test; callers apply the exact floor), skipping a == b when
//! `same` (A and B the same list). Row order: A order; within a row, a fixed traversal order.
template <class F>
void enumerate_pairs(const Geometry& g, const std::vector<Point>& A, const std::vector<Point>& B,
                     bool same, double reach, F&& f) {
    const double margin = reach * (1.0 + 1e-9) + 1e-12;
    if (g.periodic || !std::isfinite(reach)) {
        for (std::size_t a = 0; a < A.size(); ++a) {
            for (std::size_t b = 0; b < B.size(); ++b) {
                if (same && a == b) continue;
                const double r = distance_nm(g, A[a].p, B[b].p);
                if (r <= margin) f(a, b, r);
            }
        }
        return;
    }
    if (B.empty() || A.empty()) return;
    double lo[3] = {inf, inf, inf}, hi[3] = {-inf, -inf, -inf};
    for (const Point& q : B) {
        for (int d = 0; d < 3; ++d) {
            lo[d] = std::min(lo[d], q.p[d]);
            hi[d] = std::max(hi[d], q.p[d]);
        }
    }
    double h = std::max(margin, 0.25);
    int n[3];
    for (;;) {
        for (int d = 0; d < 3; ++d) n[d] = static_cast<int>((hi[d] - lo[d]) / h) + 1;
        if (static_cast<double>(n[0]) * n[1] * n[2] <= 8.0 * static_cast<double>(B.size()) + 64.0)
            break;
        h *= 1.5;
    }
    const int span = static_cast<int>(std::ceil(margin / h));
    const std::size_t cells = static_cast<std::size_t>(n[0]) * n[1] * n[2];
    auto cell_of = [&](const double* p, int c[3]) {
        for (int d = 0; d < 3; ++d) {
            c[d] = std::clamp(static_cast<int>((p[d] - lo[d]) / h), 0, n[d] - 1);
        }
    };
    std::vector<std::uint32_t> start(cells + 1, 0), items(B.size());
    for (const Point& q : B) {
        int c[3];
        cell_of(q.p, c);
        ++start[(static_cast<std::size_t>(c[0]) * n[1] + c[1]) * n[2] + c[2] + 1];
    }
    for (std::size_t k = 0; k < cells; ++k) start[k + 1] += start[k];
    std::vector<std::uint32_t> fill(start.begin(), start.end() - 1);
    for (std::size_t b = 0; b < B.size(); ++b) {
        int c[3];
        cell_of(B[b].p, c);
        items[fill[(static_cast<std::size_t>(c[0]) * n[1] + c[1]) * n[2] + c[2]]++] =
            static_cast<std::uint32_t>(b);
    }
    for (std::size_t a = 0; a < A.size(); ++a) {
        int c[3];
        for (int d = 0; d < 3; ++d) c[d] = static_cast<int>(std::floor((A[a].p[d] - lo[d]) / h));
        for (int i = std::max(0, c[0] - span); i <= std::min(n[0] - 1, c[0] + span); ++i) {
            for (int j = std::max(0, c[1] - span); j <= std::min(n[1] - 1, c[1] + span); ++j) {
                for (int k = std::max(0, c[2] - span); k <= std::min(n[2] - 1, c[2] + span); ++k) {
                    const std::size_t cell = (static_cast<std::size_t>(i) * n[1] + j) * n[2] + k;
                    for (std::uint32_t m = start[cell]; m < start[cell + 1]; ++m) {
                        const std::uint32_t b = items[m];
                        if (same && a == b) continue;
                        const double r = distance_nm(g, A[a].p, B[b].p);
                        if (r <= margin) f(a, b, r);
                    }
                }
            }
        }
    }
}

//! Builds CSR rows (num_rows) from per-row (partner, rate) lists.
Csr make_csr(std::vector<std::vector<std::pair<std::uint32_t, double>>>& rows) {
    Csr c;
    c.offset.resize(rows.size() + 1, 0);
    std::size_t total = 0;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        c.offset[r] = static_cast<std::uint32_t>(total);
        total += rows[r].size();
    }
    c.offset[rows.size()] = static_cast<std::uint32_t>(total);
    c.partner.reserve(total);
    c.rate.reserve(total);
    c.prefix.reserve(total);
    for (auto& row : rows) {
        double sum = 0.0;
        for (const auto& [p, k] : row) {
            c.partner.push_back(p);
            c.rate.push_back(k);
            sum += k;
            c.prefix.push_back(sum);
        }
        row.clear();
        row.shrink_to_fit();
    }
    return c;
}

//! Transpose of `fwd` (rows_out rows), rates multiplied by factor(row_out).
template <class Factor>
Csr transpose(const Csr& fwd, std::size_t rows_out, Factor&& factor) {
    std::vector<std::vector<std::pair<std::uint32_t, double>>> rows(rows_out);
    for (std::size_t r = 0; r + 1 < fwd.offset.size(); ++r) {
        for (std::uint32_t m = fwd.offset[r]; m < fwd.offset[r + 1]; ++m) {
            const double k = fwd.rate[m] * factor(fwd.partner[m]);
            if (k > 0.0) rows[fwd.partner[m]].push_back({static_cast<std::uint32_t>(r), k});
        }
    }
    return make_csr(rows);
}

}  // namespace

double law_reach_nm(const PairLaw& law, double floor_s) {
    double r = inf;
    if (floor_s > 0.0) {
        if (law.exchange) {
            r = law.W0_s > floor_s ? law.r0_nm + 0.5 * law.L_nm * std::log(law.W0_s / floor_s)
                                   : 0.0;
        } else {
            r = std::pow(law.C_nm_s / floor_s, 1.0 / law.multipolarity);
        }
    }
    if (law.cutoff_nm) r = std::min(r, *law.cutoff_nm);
    return r;
}

Model compile_model(const NanocrystalSpec& spec, const model::ModelParams& params,
                    double current_density_mA_cm2) {
    const model::RateModel rm(params);  // validates level names, gives lines and the drive
    const model::Drive drive = rm.drive_at(current_density_mA_cm2 * 1.0e-3);
    Model m;
    const model::LigandParams& lig = params.ligand;
    m.kS_rad = lig.kS_rad_s;
    m.kS_nr = lig.kS_nr_s;
    m.k_isc = lig.k_isc_s;
    m.kT_rad = lig.kT_rad_s;
    m.kT_nr = lig.kT_nr_s;
    // Triplet-polaron quenching kTP n_p is first order in the triplet at a given n_p, as in the
    // mean-field linear regime; ligand-ligand annihilation (kTT, kSS, kST) is not modelled.
    m.k_tpq = lig.kTP_cm3_s * drive.polaron_density_cm3;
    m.chi = params.device.singlet_fraction;
    m.charge_balance = params.device.charge_balance;
    m.outcoupling = params.device.outcoupling;
    m.generation_nc_s = drive.generation_cm3_s / spec.nc_density_cm3;
    if (params.physics.polaron_decay)
        m.polaron_decay_rate_s = params.device.langevin_cm3_s * drive.polaron_density_cm3;
    if (spec.ligand) {
        m.ligand_r0_nm = spec.ligand->r0_nm;
        m.ligand_L_nm = spec.ligand->L_nm;
    }
    m.fate_names = {
        "ligand_blocked",           "ligand_singlet_radiative",    "ligand_singlet_nonradiative",
        "ligand_triplet_radiative", "ligand_triplet_nonradiative", "tpq"};
    const double kT_cm1 =
        constants::boltzmann_eV_K * params.device.temperature_K * constants::eV_in_cm1;
    const double ET_cm1 = lig.triplet_energy_eV * constants::eV_in_cm1;
    int line = 0;
    for (std::size_t s = 0; s < params.dopants.size(); ++s) {
        const model::DopantParams& d = params.dopants[s];
        SpeciesTable t;
        t.ion = d.ion;
        t.num_levels = static_cast<int>(d.scheme.levels.size());
        t.channels.resize(d.scheme.levels.size());
        for (const auto& lv : d.scheme.levels) t.level_names.push_back(lv.name);
        t.accepting_level = excited_index(d.scheme, d.accepting_level);
        const int si = static_cast<int>(s);
        for (const model::EmissionLine& ln : d.scheme.lines) {
            const int from = excited_index(d.scheme, ln.from);
            const int to = excited_index(d.scheme, ln.to);
            // Every line is the radiative fate of the exciton that emits its first photon
            // (a cascade line into an excited level too: first-photon bookkeeping, docs/nir.md).
            t.channels[static_cast<std::size_t>(from)].push_back(
                {ln.rate_s, to, species_fate(si, sf_radiative), line++});
        }
        for (const model::Relaxation& r : d.scheme.relaxations) {
            const int from = excited_index(d.scheme, r.from);
            const int to = excited_index(d.scheme, r.to);
            t.channels[static_cast<std::size_t>(from)].push_back(
                {r.rate_s, to, to < 0 ? species_fate(si, sf_nonradiative) : -1, -1});
        }
        for (const auto& [level, rate] : d.quench_s) {
            const int j = excited_index(d.scheme, level);
            t.channels[static_cast<std::size_t>(j)].push_back(
                {rate, -1, species_fate(si, sf_quenching), -1});
        }
        if (d.kLP_cm3_s > 0.0) {
            for (auto& ch : t.channels) {
                ch.push_back({d.kLP_cm3_s * drive.polaron_density_cm3, -1,
                              species_fate(si, sf_polaron_quenching), -1});
            }
        }
        for (auto& ch : t.channels) {
            double sum = 0.0;
            for (const IntrinsicChannel& c : ch) sum += c.rate_s;
            t.level_rate_s.push_back(sum);
        }
        // Ligand -> ion pair rates with the [physics] options (energy-gap law, degeneracy): the
        // mean-field model's function (model::ligand_ion_factors), applied to every pair. The
        // triplet prefactor carries the gap factor; back-transfer is the pair's triplet rate x
        // back / forward (pairwise detailed balance). Singlet transfer keeps kSET0 (as kSET in
        // the mean-field model).
        const double Ea = d.scheme.levels[static_cast<std::size_t>(t.accepting_level)].energy_cm1;
        const bool physics = params.physics.energy_gap_law || params.physics.degeneracy;
        const model::LigandIonFactors tf =
            physics ? model::ligand_ion_factors(params.physics, d, ET_cm1, Ea,
                                                params.device.temperature_K)
                    : model::LigandIonFactors{};
        if (spec.ligand) {
            if (s < spec.ligand->kTET0_s.size()) t.kTET0_s = spec.ligand->kTET0_s[s] * tf.forward;
            if (s < spec.ligand->kSET0_s.size()) t.kSET0_s = spec.ligand->kSET0_s[s];
        }
        // Without [physics] options: exp(-(E_T - E_a) / k_B T), the contract's pairwise balance.
        t.back_factor = !physics           ? std::exp(-(ET_cm1 - Ea) / kT_cm1)
                        : tf.forward > 0.0 ? tf.back / tf.forward
                                           : 0.0;
        for (const char* f : {"radiative", "nonradiative", "quenching", "surface_quenching",
                              "polaron_quenching", "etu"}) {
            m.fate_names.push_back(d.ion + "_" + f);
        }
        m.species.push_back(std::move(t));
    }
    for (const model::CompiledLine& cl : rm.lines()) {
        m.line_labels.push_back(cl.label);
        m.line_wavelength_nm.push_back(cl.line.wavelength_nm);
    }
    return m;
}

double pair_channel_rate(const NcSystem& sys, const PairChannel& c, std::size_t i, std::size_t j) {
    const Ion& a = sys.geo.ions[i];
    const Ion& b = sys.geo.ions[j];
    if (!sys.geo.periodic) {
        // Cheap rejection of far pairs; the margin makes it a superset of the table's test.
        const double dx = b.x_nm - a.x_nm, dy = b.y_nm - a.y_nm, dz = b.z_nm - a.z_nm;
        if (dx * dx + dy * dy + dz * dz > c.reach_nm * c.reach_nm * (1.0 + 1e-6)) return 0.0;
    }
    const double pa[3] = {a.x_nm, a.y_nm, a.z_nm}, pb[3] = {b.x_nm, b.y_nm, b.z_nm};
    const double r = distance_nm(sys.geo, pa, pb);
    if (r > c.reach_nm) return 0.0;
    const double k = pair_rate_s(c.law, r);
    return k >= c.floor_of(i) && k > 0.0 ? k : 0.0;
}

double annihilation_rate(const NcSystem& sys, const AnnihilationChannel& c, std::size_t i,
                         std::size_t j) {
    const Ion& a = sys.geo.ions[i];
    const Ion& b = sys.geo.ions[j];
    const double pa[3] = {a.x_nm, a.y_nm, a.z_nm}, pb[3] = {b.x_nm, b.y_nm, b.z_nm};
    const double k = pair_rate_s(c.law, distance_nm(sys.geo, pa, pb));
    return k >= c.floor_s && k > 0.0 ? k : 0.0;
}

DexterPair dexter_pair(const Model& model, const NcSystem& sys, std::size_t ligand,
                       std::size_t ion) {
    const SpeciesTable& t = model.species[static_cast<std::size_t>(sys.geo.ions[ion].species)];
    if (t.kTET0_s <= 0.0 && t.kSET0_s <= 0.0) return {};
    const LigandSite& l = sys.geo.ligands[ligand];
    const Ion& a = sys.geo.ions[ion];
    const double pl[3] = {l.x_nm, l.y_nm, l.z_nm}, pa[3] = {a.x_nm, a.y_nm, a.z_nm};
    const double r = distance_nm(sys.geo, pl, pa);
    const double kT = dexter_rate_s(t.kTET0_s, model.ligand_r0_nm, model.ligand_L_nm, r);
    const double kS = dexter_rate_s(t.kSET0_s, model.ligand_r0_nm, model.ligand_L_nm, r);
    if ((kT > 0.0 && kT >= sys.dexter_floor_T[ligand]) ||
        (kS > 0.0 && kS >= sys.dexter_floor_S[ligand])) {
        return {kT, kS};
    }
    return {};
}

std::size_t NcSystem::bytes() const {
    std::size_t b = geo.ions.size() * sizeof(Ion) + geo.ligands.size() * sizeof(LigandSite);
    b += level_offset.size() * 4 + (ion_level_rate_s.size() + ion_level_surface_s.size()) * 8;
    b += dexter.bytes() + back.bytes() +
         (dexter_singlet_rate.size() + dexter_singlet_prefix.size()) * 8;
    for (const PairChannel& c : pairs) b += c.forward.bytes() + c.reverse.bytes();
    return b;
}

NcSystem build_system(const NanocrystalSpec& spec, const Model& model, std::size_t nc_index,
                      const EnsembleOptions& options) {
    NcSystem sys;
    sys.geo = build_geometry(spec, nc_index);
    const Geometry& g = sys.geo;
    const std::size_t n_ions = g.ions.size();
    const std::size_t n_species = model.species.size();
    const double frac = options.negligible_rate_fraction;

    // Intrinsic and surface rates per (ion, level).
    sys.level_offset.resize(n_ions + 1);
    std::size_t off = 0;
    for (std::size_t i = 0; i < n_ions; ++i) {
        sys.level_offset[i] = static_cast<std::uint32_t>(off);
        off += static_cast<std::size_t>(
            model.species[static_cast<std::size_t>(g.ions[i].species)].num_levels);
    }
    sys.level_offset[n_ions] = static_cast<std::uint32_t>(off);
    sys.ion_level_surface_s.assign(off, 0.0);
    sys.ion_level_rate_s.assign(off, 0.0);
    if (!g.periodic) {
        for (const SurfaceQuenchSpec& q : spec.surface_quench) {
            for (std::size_t i = 0; i < n_ions; ++i) {
                if (g.ions[i].species != q.level.species) continue;
                sys.ion_level_surface_s[sys.level_offset[i] +
                                        static_cast<std::size_t>(q.level.level)] +=
                    q.k_surface_s * std::exp(-g.ions[i].depth_nm / q.surface_length_nm);
            }
        }
    }
    for (std::size_t i = 0; i < n_ions; ++i) {
        const SpeciesTable& t = model.species[static_cast<std::size_t>(g.ions[i].species)];
        for (int j = 0; j < t.num_levels; ++j) {
            const std::size_t k = sys.level_offset[i] + static_cast<std::size_t>(j);
            sys.ion_level_rate_s[k] =
                t.level_rate_s[static_cast<std::size_t>(j)] + sys.ion_level_surface_s[k];
        }
    }

    std::vector<std::vector<Point>> by_species(n_species);
    std::vector<std::vector<std::uint32_t>> index_of(n_species);
    for (std::size_t i = 0; i < n_ions; ++i) {
        const auto s = static_cast<std::size_t>(g.ions[i].species);
        by_species[s].push_back({{g.ions[i].x_nm, g.ions[i].y_nm, g.ions[i].z_nm}});
        index_of[s].push_back(static_cast<std::uint32_t>(i));
    }

    // Dexter ligand -> ion (triplet and singlet share the pair list) and back-transfer.
    {
        const double floorT = rate_floor(frac, model.kT_total());
        const double floorS = rate_floor(frac, model.kS_total());
        std::vector<Point> lig;
        for (const LigandSite& l : g.ligands) lig.push_back({{l.x_nm, l.y_nm, l.z_nm}});
        std::vector<std::vector<std::pair<std::uint32_t, double>>> rowsT(g.ligands.size());
        std::vector<std::vector<double>> rowsS(g.ligands.size());
        std::vector<double> droppedT(g.ligands.size(), 0.0);
        for (std::size_t s = 0; s < n_species; ++s) {
            const SpeciesTable& t = model.species[s];
            if (t.kTET0_s <= 0.0 && t.kSET0_s <= 0.0) continue;
            const double k0 = std::max(t.kTET0_s, t.kSET0_s);
            const double fl = std::min(t.kTET0_s > 0 ? floorT : inf, t.kSET0_s > 0 ? floorS : inf);
            const double reach = fl > 0.0 && std::isfinite(fl)
                                     ? model.ligand_r0_nm + 0.5 * model.ligand_L_nm *
                                                                std::log(std::max(k0 / fl, 1.0))
                                     : inf;
            enumerate_pairs(g, lig, by_species[s], false, frac > 0.0 ? reach : inf,
                            [&](std::size_t l, std::size_t b, double r) {
                                const double kT = dexter_rate_s(t.kTET0_s, model.ligand_r0_nm,
                                                                model.ligand_L_nm, r);
                                const double kS = dexter_rate_s(t.kSET0_s, model.ligand_r0_nm,
                                                                model.ligand_L_nm, r);
                                if ((kT > 0.0 && kT >= floorT) || (kS > 0.0 && kS >= floorS)) {
                                    rowsT[l].push_back({index_of[s][b], kT});
                                    rowsS[l].push_back(kS);
                                } else {
                                    droppedT[l] += kT;
                                }
                            });
        }
        // Second pass: the floor relative to each ligand's total decay rate with its transfers
        // (a dropped pair fires before the exciton leaves with probability <= fraction).
        sys.dexter_floor_T.assign(g.ligands.size(), 0.0);
        sys.dexter_floor_S.assign(g.ligands.size(), 0.0);
        for (std::size_t l = 0; l < g.ligands.size(); ++l) {
            double KT = 0.0, KS = 0.0;
            for (std::size_t m = 0; m < rowsT[l].size(); ++m) {
                KT += rowsT[l][m].second;
                KS += rowsS[l][m];
            }
            const double fT = rate_floor(frac, model.kT_total() + KT);
            const double fS = rate_floor(frac, model.kS_total() + KS);
            sys.dexter_floor_T[l] = fT;
            sys.dexter_floor_S[l] = fS;
            std::vector<std::pair<std::uint32_t, double>> keepT;
            std::vector<double> keepS;
            for (std::size_t m = 0; m < rowsT[l].size(); ++m) {
                const double kT = rowsT[l][m].second, kS = rowsS[l][m];
                if ((kT > 0.0 && kT >= fT) || (kS > 0.0 && kS >= fS)) {
                    keepT.push_back(rowsT[l][m]);
                    keepS.push_back(kS);
                } else {
                    droppedT[l] += kT;
                }
            }
            rowsT[l] = std::move(keepT);
            rowsS[l] = std::move(keepS);
            if (model.kT_total() + KT > 0.0) {
                sys.max_dropped_fraction =
                    std::max(sys.max_dropped_fraction, droppedT[l] / (model.kT_total() + KT));
            }
            for (double k : rowsS[l]) sys.dexter_singlet_rate.push_back(k);
        }
        sys.dexter = make_csr(rowsT);
        sys.dexter_singlet_prefix.resize(sys.dexter_singlet_rate.size());
        for (std::size_t l = 0; l < g.ligands.size(); ++l) {
            double sum = 0.0;
            for (std::uint32_t m = sys.dexter.offset[l]; m < sys.dexter.offset[l + 1]; ++m) {
                sum += sys.dexter_singlet_rate[m];
                sys.dexter_singlet_prefix[m] = sum;
            }
        }
        sys.back = transpose(sys.dexter, n_ions, [&](std::uint32_t ion) {
            return model.species[static_cast<std::size_t>(g.ions[ion].species)].back_factor;
        });
    }

    // Ion -> ion transfer channels.
    sys.donor_channels.resize(n_species);
    sys.acceptor_channels.resize(n_species);
    for (std::size_t s = 0; s < n_species; ++s) {
        sys.donor_channels[s].resize(static_cast<std::size_t>(model.species[s].num_levels));
    }
    for (const TransferSpec& tr : spec.transfers) {
        PairChannel c;
        c.donor_species = tr.donor.species;
        c.donor_level = tr.donor.level;
        c.donor_to = tr.donor_to.level;
        c.acceptor_species = tr.acceptor.species;
        c.acceptor_level = tr.acceptor.level;
        c.splits = c.donor_to >= 0 && c.acceptor_level >= 0;
        if (c.donor_to < 0 && c.acceptor_level < 0)
            c.fate = species_fate(c.donor_species, sf_nonradiative);
        c.law = tr.law;
        const auto ds = static_cast<std::size_t>(c.donor_species);
        const auto as = static_cast<std::size_t>(c.acceptor_species);
        const double decay =
            model.species[ds].level_rate_s[static_cast<std::size_t>(c.donor_level)];
        c.floor_s = rate_floor(frac, decay);
        const double reach = law_reach_nm(c.law, c.floor_s);
        c.reach_nm = std::isfinite(reach) ? reach * (1.0 + 1e-9) + 1e-12 : inf;
        std::vector<double> dropped(by_species[ds].size(), 0.0);
        const bool same = ds == as;
        std::vector<std::vector<std::pair<std::uint32_t, double>>> rows(n_ions);
        enumerate_pairs(g, by_species[ds], by_species[as], same, reach,
                        [&](std::size_t a, std::size_t b, double) {
                            const std::uint32_t i = index_of[ds][a], j = index_of[as][b];
                            const double k = pair_channel_rate(sys, c, i, j);
                            if (k > 0.0) rows[i].push_back({j, k});
                        });
        // Migration: the floor relative to the donor's whole out-rate. A dropped pair moves the
        // excitation to another ion like itself with probability <= fraction per hop, so the
        // walk changes by that fraction; the excitation's decay does not.
        const bool migration = ds == as && c.acceptor_level == c.donor_level && c.donor_to < 0;
        if (migration && frac > 0.0) {
            c.donor_floor_s.assign(n_ions, c.floor_s);
            for (std::size_t i = 0; i < n_ions; ++i) {
                if (rows[i].empty()) continue;
                double total = 0.0;
                for (const auto& e : rows[i]) total += e.second;
                const double fl = rate_floor(frac, decay + total);
                c.donor_floor_s[i] = fl;
                std::vector<std::pair<std::uint32_t, double>> keep;
                double lost = 0.0;
                for (const auto& e : rows[i]) {
                    if (e.second >= fl) {
                        keep.push_back(e);
                    } else {
                        lost += e.second;
                    }
                }
                rows[i] = std::move(keep);
                sys.max_dropped_fraction =
                    std::max(sys.max_dropped_fraction, lost / (decay + total));
            }
        }
        c.forward = make_csr(rows);
        c.reverse = transpose(c.forward, n_ions, [](std::uint32_t) { return 1.0; });
        // Dropped rate of the first donors (a bounded sample, O(N) each): what the floor costs.
        if (!migration && frac > 0.0 && decay > 0.0 && !std::isfinite(law_reach_nm(c.law, 0.0))) {
            const std::size_t sample = std::min<std::size_t>(by_species[ds].size(), 16);
            for (std::size_t a = 0; a < sample; ++a) {
                double lost = 0.0;
                const std::uint32_t i = index_of[ds][a];
                for (std::size_t b = 0; b < by_species[as].size(); ++b) {
                    if (same && a == b) continue;
                    const double r = distance_nm(g, by_species[ds][a].p, by_species[as][b].p);
                    const double k = pair_rate_s(c.law, r);
                    if (k < c.floor_s) lost += k;
                }
                (void)i;
                sys.max_dropped_fraction = std::max(sys.max_dropped_fraction, lost / decay);
            }
        }
        const int ci = static_cast<int>(sys.pairs.size());
        sys.donor_channels[ds][static_cast<std::size_t>(c.donor_level)].push_back(ci);
        sys.acceptor_channels[as].push_back(ci);
        sys.pairs.push_back(std::move(c));
    }
    for (const AnnihilationSpec& an : spec.annihilations) {
        AnnihilationChannel c;
        c.first_species = an.first.species;
        c.first_level = an.first.level;
        c.second_species = an.second.species;
        c.second_level = an.second.level;
        c.first_to = an.first_to.level;
        c.second_to = an.second_to.level;
        c.law = an.law;
        c.floor_s = rate_floor(frac, model.species[static_cast<std::size_t>(c.first_species)]
                                         .level_rate_s[static_cast<std::size_t>(c.first_level)]);
        sys.annihilations.push_back(c);
    }
    return sys;
}

}  // namespace relsim::nanocrystal::detail
