//! @file linear_engine.cpp
//! The exact site-resolved linear master equation of one NC (spec section 3, `linear`): at most
//! one excitation in the NC, states {singlet on ligand l, triplet on ligand l, ion i in level j},
//! dp/dt = M p with absorbing fates. Built from the same tables as the kmc engine (system.hpp).
//!
//! Steady state (EL, low current): the expected time spent in each state per generated exciton,
//! tau = -M^{-1} p0 (p0: uniform over ligands, singlet with probability chi), by a sparse LU
//! (Eigen SparseLU, COLAMD ordering); every yield is a linear functional of tau, the fates are
//! the absorption probabilities and sum to 1 up to round-off. The mean populations at G_NC are
//! G_NC tau.
//!
//! A cross-relaxation that leaves both ions excited makes two independent excitations in this
//! linear limit: the expected numbers still obey a linear equation (the donor's column then
//! sums to +k instead of 0). Photons come from that equation; fates from the companion one in
//! which the acceptor's new excitation carries no fate weight (as in the kmc engine), so the
//! fates still sum to 1. A line into an excited level (a cascade photon) is the exciton's
//! radiative fate (first-photon bookkeeping, docs/nir.md): in the fate system its flow stops
//! there, in the photon system it goes on.
//!
//! Decays: on the states reachable from the initial ones, E = exp(h M) by scaling and squaring
//! with a Pade approximant (N. J. Higham, SIAM J. Matrix Anal. Appl. 26, 1179 (2005); Eigen's
//! MatrixFunctions), then p(t_{k+1}) = E p(t_k) on the equally spaced grid: exact up to
//! round-off (no truncation parameter), O(n^3) once per NC, so limited to
//! EnsembleOptions::linear_decay_max_states states. Pulses: the same with the augmented matrix
//! [[M, g], [0, 0]], whose exponential carries the integral of the source (C. F. Van Loan, IEEE
//! Trans. Autom. Control 23, 395 (1978)).
#include <Eigen/Dense>
#include <Eigen/Sparse>
#include <Eigen/SparseLU>
#include <unsupported/Eigen/MatrixFunctions>
#include <algorithm>
#include <stdexcept>
#include <string>

#include "relsim/core/error.hpp"
#include "summary.hpp"

namespace relsim::nanocrystal::detail {
namespace {

using Triplet = Eigen::Triplet<double>;

struct Functional {  //!< sum of coef * x[state]
    std::vector<std::pair<std::size_t, double>> terms;
    [[nodiscard]] double eval(const Eigen::VectorXd& x) const {
        double s = 0.0;
        for (const auto& [i, c] : terms) s += c * x[static_cast<Eigen::Index>(i)];
        return s;
    }
};

struct Generator {
    std::size_t n = 0;
    std::vector<Triplet> M;  //!< expected numbers (photons, populations)
    std::vector<Triplet>
        MW;  //!< fate weights (differs when a transfer splits or a cascade line emits)
    bool has_split = false;  //!< MW differs from M
    std::vector<Functional> lines, fates;
    Functional lig_S, lig_T, transfer;
    std::size_t ion_base = 0;
};

Generator build_generator(const Model& model, const NcSystem& sys) {
    Generator g;
    const std::size_t nL = sys.num_ligands();
    g.ion_base = 2 * nL;
    g.n = g.ion_base + sys.ion_level_rate_s.size();
    g.lines.resize(static_cast<std::size_t>(model.num_lines()));
    g.fates.resize(static_cast<std::size_t>(model.num_fates()));
    auto ion_state = [&](std::size_t i, int j) {
        return g.ion_base + sys.level_offset[i] + static_cast<std::size_t>(j);
    };
    auto diag = std::vector<double>(g.n, 0.0);
    auto flow = [&](std::size_t from, long to, double k) {
        if (k == 0.0) return;
        diag[from] -= k;
        if (to >= 0) {
            g.M.emplace_back(static_cast<int>(to), static_cast<int>(from), k);
            g.MW.emplace_back(static_cast<int>(to), static_cast<int>(from), k);
        }
    };
    auto fate = [&](std::size_t state, int f, double k) {
        if (f >= 0 && k != 0.0) g.fates[static_cast<std::size_t>(f)].terms.push_back({state, k});
    };
    for (std::size_t l = 0; l < nL; ++l) {
        const std::size_t S = 2 * l, T = 2 * l + 1;
        flow(S, -1, model.kS_rad);
        fate(S, fate_ligand_singlet_radiative, model.kS_rad);
        g.lig_S.terms.push_back({S, model.kS_rad});
        flow(S, -1, model.kS_nr);
        fate(S, fate_ligand_singlet_nonradiative, model.kS_nr);
        flow(S, static_cast<long>(T), model.k_isc);
        flow(T, -1, model.kT_rad);
        fate(T, fate_ligand_triplet_radiative, model.kT_rad);
        g.lig_T.terms.push_back({T, model.kT_rad});
        flow(T, -1, model.kT_nr);
        fate(T, fate_ligand_triplet_nonradiative, model.kT_nr);
        flow(T, -1, model.k_tpq);
        fate(T, fate_tpq, model.k_tpq);
        for (std::uint32_t m = sys.dexter.offset[l]; m < sys.dexter.offset[l + 1]; ++m) {
            const std::size_t i = sys.dexter.partner[m];
            const int a =
                model.species[static_cast<std::size_t>(sys.geo.ions[i].species)].accepting_level;
            const auto to = static_cast<long>(ion_state(i, a));
            flow(T, to, sys.dexter.rate[m]);
            flow(S, to, sys.dexter_singlet_rate[m]);
            g.transfer.terms.push_back({T, sys.dexter.rate[m]});
            g.transfer.terms.push_back({S, sys.dexter_singlet_rate[m]});
        }
    }
    for (std::size_t i = 0; i < sys.num_ions(); ++i) {
        const int s = sys.geo.ions[i].species;
        const SpeciesTable& t = model.species[static_cast<std::size_t>(s)];
        for (int j = 0; j < t.num_levels; ++j) {
            const std::size_t x = ion_state(i, j);
            for (const IntrinsicChannel& c : t.channels[static_cast<std::size_t>(j)]) {
                if (c.line >= 0 && c.to_level >= 0 && c.rate_s != 0.0) {
                    // A cascade photon: the excitation goes on (photons, populations) but its
                    // fate is booked here (first-photon bookkeeping): no fate weight goes on.
                    g.has_split = true;
                    diag[x] -= c.rate_s;
                    g.M.emplace_back(static_cast<int>(ion_state(i, c.to_level)),
                                     static_cast<int>(x), c.rate_s);
                } else {
                    flow(x, c.to_level >= 0 ? static_cast<long>(ion_state(i, c.to_level)) : -1,
                         c.rate_s);
                }
                fate(x, c.fate, c.rate_s);
                if (c.line >= 0)
                    g.lines[static_cast<std::size_t>(c.line)].terms.push_back({x, c.rate_s});
            }
            const double surf =
                sys.ion_level_surface_s[sys.level_offset[i] + static_cast<std::size_t>(j)];
            flow(x, -1, surf);
            fate(x, species_fate(s, sf_surface_quenching), surf);
            if (j == t.accepting_level) {
                for (std::uint32_t m = sys.back.offset[i]; m < sys.back.offset[i + 1]; ++m) {
                    flow(x, static_cast<long>(2 * sys.back.partner[m] + 1), sys.back.rate[m]);
                    g.transfer.terms.push_back({x, -sys.back.rate[m]});
                }
            }
            for (int ci :
                 sys.donor_channels[static_cast<std::size_t>(s)][static_cast<std::size_t>(j)]) {
                const PairChannel& c = sys.pairs[static_cast<std::size_t>(ci)];
                for (std::uint32_t m = c.forward.offset[i]; m < c.forward.offset[i + 1]; ++m) {
                    const std::size_t f = c.forward.partner[m];
                    const double k = c.forward.rate[m];
                    if (c.splits) {
                        g.has_split = true;
                        flow(x, static_cast<long>(ion_state(i, c.donor_to)), k);  // both systems
                        g.M.emplace_back(static_cast<int>(ion_state(f, c.acceptor_level)),
                                         static_cast<int>(x), k);
                    } else if (c.acceptor_level >= 0) {
                        flow(x, static_cast<long>(ion_state(f, c.acceptor_level)), k);
                    } else {
                        flow(x, c.donor_to >= 0 ? static_cast<long>(ion_state(i, c.donor_to)) : -1,
                             k);
                        fate(x, c.fate, k);
                    }
                }
            }
        }
    }
    for (std::size_t x = 0; x < g.n; ++x) {
        g.M.emplace_back(static_cast<int>(x), static_cast<int>(x), diag[x]);
        g.MW.emplace_back(static_cast<int>(x), static_cast<int>(x), diag[x]);
    }
    return g;
}

Eigen::VectorXd solve_absorbing(const std::vector<Triplet>& t, std::size_t n,
                                const Eigen::VectorXd& p0) {
    Eigen::SparseMatrix<double> M(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    M.setFromTriplets(t.begin(), t.end());
    M.makeCompressed();
    Eigen::SparseLU<Eigen::SparseMatrix<double>, Eigen::COLAMDOrdering<int>> lu;
    lu.analyzePattern(M);
    lu.factorize(M);
    if (lu.info() != Eigen::Success) {
        throw std::runtime_error(
            "linear engine: the NC's generator is singular (a state without any "
            "decay: give every level a line, relaxation or quench_s)");
    }
    Eigen::VectorXd tau = lu.solve(-p0);
    if (lu.info() != Eigen::Success || !tau.allFinite()) {
        throw std::runtime_error("linear engine: sparse solve failed");
    }
    return tau;
}

//! States reachable from `seeds` in the graph of `t` (column -> row), in increasing order.
std::vector<std::size_t> reachable(const std::vector<Triplet>& t, std::size_t n,
                                   const std::vector<std::size_t>& seeds) {
    std::vector<std::vector<std::size_t>> adj(n);
    for (const Triplet& e : t) {
        if (e.row() != e.col() && e.value() != 0.0)
            adj[static_cast<std::size_t>(e.col())].push_back(static_cast<std::size_t>(e.row()));
    }
    std::vector<char> seen(n, 0);
    std::vector<std::size_t> stack(seeds.begin(), seeds.end());
    for (std::size_t s : seeds) seen[s] = 1;
    while (!stack.empty()) {
        const std::size_t a = stack.back();
        stack.pop_back();
        for (std::size_t b : adj[a]) {
            if (!seen[b]) {
                seen[b] = 1;
                stack.push_back(b);
            }
        }
    }
    std::vector<std::size_t> out;
    for (std::size_t x = 0; x < n; ++x) {
        if (seen[x]) out.push_back(x);
    }
    return out;
}

Eigen::MatrixXd dense_on(const std::vector<Triplet>& t, const std::vector<long>& map,
                         std::size_t m) {
    Eigen::MatrixXd D =
        Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(m));
    for (const Triplet& e : t) {
        const long r = map[static_cast<std::size_t>(e.row())],
                   c = map[static_cast<std::size_t>(e.col())];
        if (r >= 0 && c >= 0) D(r, c) += e.value();
    }
    return D;
}

void check_size(std::size_t m, std::size_t max_states) {
    if (m > max_states) {
        throw InputError("", 0, 0, "nanocrystal.engine",
                         "the linear engine's exact decay needs a dense matrix exponential of " +
                             std::to_string(m) + " states, beyond the limit of " +
                             std::to_string(max_states),
                         "a smaller NC, or engine = \"kmc\"");
    }
}

}  // namespace

void fill_geometry_summary(const Model& model, const NcSystem& sys, const RadialBins& bins,
                           double radius_nm, NcSteady& out) {
    out.sites = static_cast<double>(sys.geo.re_sites);
    out.ions = static_cast<double>(sys.num_ions());
    out.ligands = static_cast<double>(sys.num_ligands());
    out.ions_by_species.assign(model.species.size(), 0.0);
    out.radial_ions.assign(model.species.size() * static_cast<std::size_t>(bins.count), 0.0);
    for (const Ion& ion : sys.geo.ions) {
        out.ions_by_species[static_cast<std::size_t>(ion.species)] += 1.0;
        if (bins.count > 0) {
            out.radial_ions[static_cast<std::size_t>(ion.species * bins.count +
                                                     bins.bin(ion, radius_nm))] += 1.0;
        }
    }
}

NcSteady linear_steady(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                       const RadialBins& bins) {
    const std::size_t nL = sys.num_ligands();
    if (nL == 0) throw std::invalid_argument("linear EL steady state: the NC has no ligands");
    const Generator g = build_generator(model, sys);
    Eigen::VectorXd p0 = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(g.n));
    for (std::size_t l = 0; l < nL; ++l) {
        p0[static_cast<Eigen::Index>(2 * l)] = model.chi / static_cast<double>(nL);
        p0[static_cast<Eigen::Index>(2 * l + 1)] = (1.0 - model.chi) / static_cast<double>(nL);
    }
    const Eigen::VectorXd tau = solve_absorbing(g.M, g.n, p0);
    const Eigen::VectorXd tauW = g.has_split ? solve_absorbing(g.MW, g.n, p0) : tau;
    NcSteady out;
    fill_geometry_summary(model, sys, bins, spec.radius_nm, out);
    for (const Functional& f : g.lines) out.lines.push_back(f.eval(tau));
    for (const Functional& f : g.fates) out.fates.push_back(f.eval(tauW));
    out.ligand_singlet_photons = g.lig_S.eval(tau);
    out.ligand_triplet_photons = g.lig_T.eval(tau);
    out.transfer = g.transfer.eval(tau);
    const LevelIndex li(model);
    out.excited.assign(static_cast<std::size_t>(li.total), 0.0);
    out.radial_excited.assign(static_cast<std::size_t>(li.total * bins.count), 0.0);
    const double G = model.generation_nc_s;
    for (std::size_t i = 0; i < sys.num_ions(); ++i) {
        const Ion& ion = sys.geo.ions[i];
        const int nl = model.species[static_cast<std::size_t>(ion.species)].num_levels;
        for (int j = 0; j < nl; ++j) {
            const double n = G * tau[static_cast<Eigen::Index>(g.ion_base + sys.level_offset[i] +
                                                               static_cast<std::size_t>(j))];
            const int f = li.at(ion.species, j);
            out.excited[static_cast<std::size_t>(f)] += n;
            if (bins.count > 0)
                out.radial_excited[static_cast<std::size_t>(f * bins.count +
                                                            bins.bin(ion, spec.radius_nm))] += n;
        }
    }
    for (std::size_t l = 0; l < nL; ++l) {
        out.singlets += G * tau[static_cast<Eigen::Index>(2 * l)];
        out.triplets += G * tau[static_cast<Eigen::Index>(2 * l + 1)];
    }
    out.dropped = sys.max_dropped_fraction;
    out.states = g.n;
    return out;
}

namespace {

//! Aggregates a state vector on `states` into the decay record at time index k.
void record(const Model& model, const NcSystem& sys, const Generator& g,
            const std::vector<std::size_t>& states, const Eigen::VectorXd& p, double scale,
            std::size_t k, std::size_t P, NcDecay& out) {
    const LevelIndex li(model);
    double photons = 0.0;
    for (std::size_t q = 0; q < states.size(); ++q) {
        const std::size_t x = states[q];
        const double v = p[static_cast<Eigen::Index>(q)] * scale;
        if (x < g.ion_base) {
            if (x % 2 == 0) {
                out.singlet[k] += v;
                photons += model.kS_rad * v;
            } else {
                out.triplet[k] += v;
                photons += model.kT_rad * v;
            }
            continue;
        }
        // Ion state: find its ion and level by the offset table (binary search).
        const std::size_t off = x - g.ion_base;
        const auto it = std::upper_bound(sys.level_offset.begin(), sys.level_offset.end(),
                                         static_cast<std::uint32_t>(off));
        const std::size_t i = static_cast<std::size_t>(it - sys.level_offset.begin()) - 1;
        const int j = static_cast<int>(off - sys.level_offset[i]);
        const int s = sys.geo.ions[i].species;
        out.population[static_cast<std::size_t>(li.at(s, j)) * P + k] += v;
        for (const IntrinsicChannel& c :
             model.species[static_cast<std::size_t>(s)].channels[static_cast<std::size_t>(j)]) {
            if (c.line >= 0) photons += c.rate_s * v;
        }
    }
    out.photon_rate[k] += photons;
}

}  // namespace

NcDecay linear_decay(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                     const std::vector<double>& times, std::size_t max_states) {
    const ExcitationSpec& ex = *spec.excitation;
    const Generator g = build_generator(model, sys);
    std::vector<std::size_t> seeds;
    if (ex.target_is_ligand) {
        for (std::size_t l = 0; l < sys.num_ligands(); ++l) seeds.push_back(2 * l);  // singlet
    } else {
        for (std::size_t i = 0; i < sys.num_ions(); ++i) {
            if (sys.geo.ions[i].species == ex.target.species) {
                seeds.push_back(g.ion_base + sys.level_offset[i] +
                                static_cast<std::size_t>(ex.target.level));
            }
        }
    }
    const LevelIndex li(model);
    const std::size_t P = times.size();
    NcDecay out;
    out.population.assign(static_cast<std::size_t>(li.total) * P, 0.0);
    out.singlet.assign(P, 0.0);
    out.triplet.assign(P, 0.0);
    out.photon_rate.assign(P, 0.0);
    if (seeds.empty()) return out;
    const std::vector<std::size_t> states = reachable(g.M, g.n, seeds);
    check_size(states.size(), max_states);
    std::vector<long> map(g.n, -1);
    for (std::size_t q = 0; q < states.size(); ++q) map[states[q]] = static_cast<long>(q);
    const Eigen::MatrixXd D = dense_on(g.M, map, states.size());
    const double h = P > 1 ? times[1] - times[0] : 0.0;
    const Eigen::MatrixXd E = (D * h).exp();
    Eigen::VectorXd p = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(states.size()));
    for (std::size_t x : seeds) p[map[x]] = 1.0 / static_cast<double>(seeds.size());
    // Expected numbers as if each of the N target sites were excited: N p (ratio estimator).
    const double N = static_cast<double>(seeds.size());
    out.initial = N;
    for (std::size_t k = 0; k < P; ++k) {
        if (k > 0) p = E * p;
        record(model, sys, g, states, p, N, k, P, out);
    }
    return out;
}

NcPulse linear_pulse(const Model& on, const Model& off, const NcSystem& sys, const NanocrystalSpec&,
                     const PulseSpec& pulse, const std::vector<double>& times,
                     std::size_t max_states) {
    const Generator gon = build_generator(on, sys);
    const Generator goff = build_generator(off, sys);
    const std::size_t nL = sys.num_ligands();
    std::vector<std::size_t> seeds;
    for (std::size_t l = 0; l < nL; ++l) {
        seeds.push_back(2 * l);
        seeds.push_back(2 * l + 1);
    }
    NcPulse out;
    const std::size_t P = times.size();
    out.photon_rate.assign(P, 0.0);
    out.species_rate.assign(on.species.size(), std::vector<double>(P, 0.0));
    if (seeds.empty()) return out;
    const std::vector<std::size_t> states = reachable(gon.M, gon.n, seeds);
    check_size(states.size() + 1, max_states);
    std::vector<long> map(gon.n, -1);
    for (std::size_t q = 0; q < states.size(); ++q) map[states[q]] = static_cast<long>(q);
    const auto m = static_cast<Eigen::Index>(states.size());
    // Source g: G_NC per ligand split chi / (1 - chi).
    Eigen::VectorXd src = Eigen::VectorXd::Zero(m);
    for (std::size_t l = 0; l < nL; ++l) {
        src[map[2 * l]] = on.generation_nc_s * on.chi / static_cast<double>(nL);
        src[map[2 * l + 1]] = on.generation_nc_s * (1.0 - on.chi) / static_cast<double>(nL);
    }
    const Eigen::MatrixXd Don = dense_on(gon.M, map, states.size());
    const Eigen::MatrixXd Doff = dense_on(goff.M, map, states.size());
    Eigen::VectorXd p = Eigen::VectorXd::Zero(m);
    // Photon coefficient per state, total and per species.
    Eigen::VectorXd coef = Eigen::VectorXd::Zero(m);
    std::vector<Eigen::VectorXd> coef_s(on.species.size(), Eigen::VectorXd::Zero(m));
    auto build_coef = [&](const Model& model) {
        coef.setZero();
        for (auto& c : coef_s) c.setZero();
        for (std::size_t q = 0; q < states.size(); ++q) {
            const std::size_t x = states[q];
            if (x < gon.ion_base) {
                coef[static_cast<Eigen::Index>(q)] = x % 2 == 0 ? model.kS_rad : model.kT_rad;
                continue;
            }
            const std::size_t offx = x - gon.ion_base;
            const auto it = std::upper_bound(sys.level_offset.begin(), sys.level_offset.end(),
                                             static_cast<std::uint32_t>(offx));
            const std::size_t i = static_cast<std::size_t>(it - sys.level_offset.begin()) - 1;
            const int j = static_cast<int>(offx - sys.level_offset[i]);
            const auto s = static_cast<std::size_t>(sys.geo.ions[i].species);
            for (const IntrinsicChannel& c :
                 model.species[s].channels[static_cast<std::size_t>(j)]) {
                if (c.line >= 0) {
                    coef[static_cast<Eigen::Index>(q)] += c.rate_s;
                    coef_s[s][static_cast<Eigen::Index>(q)] += c.rate_s;
                }
            }
        }
    };
    build_coef(on);
    std::size_t k = 0;
    const std::size_t n_on = static_cast<std::size_t>(pulse.points);  // intervals per phase
    {
        const double h = pulse.pulse_on_s / static_cast<double>(n_on);
        Eigen::MatrixXd A = Eigen::MatrixXd::Zero(m + 1, m + 1);
        A.topLeftCorner(m, m) = Don * h;
        A.topRightCorner(m, 1) = src * h;
        const Eigen::MatrixXd X = A.exp();
        const Eigen::MatrixXd E = X.topLeftCorner(m, m);
        const Eigen::VectorXd F = X.topRightCorner(m, 1);
        for (; k <= n_on; ++k) {
            if (k > 0) p = E * p + F;
            out.photon_rate[k] = coef.dot(p);
            for (std::size_t s = 0; s < coef_s.size(); ++s)
                out.species_rate[s][k] = coef_s[s].dot(p);
        }
    }
    build_coef(off);
    {
        const double h = pulse.off_s / static_cast<double>(n_on);
        const Eigen::MatrixXd E = (Doff * h).exp();
        for (; k < P; ++k) {
            p = E * p;
            out.photon_rate[k] = coef.dot(p);
            for (std::size_t s = 0; s < coef_s.size(); ++s)
                out.species_rate[s][k] = coef_s[s].dot(p);
        }
    }
    return out;
}

}  // namespace relsim::nanocrystal::detail
