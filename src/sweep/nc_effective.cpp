//! @file nc_effective.cpp
//! Effective mean-field parameters of a microscopic EL steady state, and the mean-field config
//! that runs with them (/microscopic/effective/*, /microscopic/meanfield_config).
//!
//! Derivation (docs/microscopic.md, "Effective mean-field parameters"). The mean-field model in
//! its linear regime is a set of first-order flows between the states S, T and N[s][j]. Choose
//! every effective first-order constant as (ensemble-mean event rate of that process) /
//! (ensemble-mean population it drains); then the ensemble's mean populations satisfy the
//! mean-field balance equations exactly, so the mean-field steady state has the same
//! populations, hence the same photon rates, IQE, EQE, fates and colour. Per NC, with
//! G = G_NC generated excitons per s, fates f (per generated exciton), mean populations
//! T, S, N[s][j], ions n_s and ground fraction g_s = 1 - sum_j N[s][j] / n_s:
//!  - charge_balance = gamma (1 - f_ligand_blocked): an exciton born on an occupied ligand is lost;
//!  - density_cm3 = n_s n_NC, ligand density = ligands n_NC (the ensemble's own ion counts);
//!  - quench_s of the levels that quench (config quench_s or a surface_quench):
//!    (f_<Ion>_quenching + f_<Ion>_surface_quenching) G, shared among those levels in proportion
//!    to N[s][j] (quench_s[j] + k_surface[j]) (exact when one level of the species quenches),
//!    divided by N[s][j];
//!  - Phi_s = (sum of the species' fates) G: energy leaving species s per s;
//!  - inter-species transfers D -> A: the flux into A that is not direct ligand transfer,
//!    in_A = Phi_A - F_A, over N[D]: k_tr = in_A / N[D], k_cm3_s = k_tr / (g_A n_A n_NC);
//!    the direct ligand flux of an acceptor species, F_A, is the net ligand -> ion flux
//!    (transfer_efficiency G) shared by Dexter reach (kTET0_s T + kSET0_s S) g_s w_s, w_s the
//!    shell-composition integral of exp(-2 depth / L) -- an approximation where an acceptor is
//!    also sensitised directly (exact when it is not); a species that accepts no ion transfer
//!    gets F_s = Phi_s + its outgoing transfer flux (its own balance, exact);
//!  - kTET_s = F_s^T / (T g_s), kSET_s = F_s^S / (S g_s) (F_s split by kTET0_s T : kSET0_s S),
//!    kBT_s = 0 (F_s is the net flux), kETU_s = f_<Ion>_etu G / (X_s sum_j N[s][j]).
//!  The ligand's own rates, kLP_cm3_s and the level schemes are the config's; the ligand has no
//!  exciton-exciton annihilation in the microscopic model, so kTT = kSS = kST = 0.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "nc_point_evaluator.hpp"

namespace relsim::sweep {
namespace {

using nanocrystal::LevelRef;

//! Levels of species s that quench: listed in the dopant's quench_s (any value) or a
//! surface_quench.
std::vector<std::size_t> quench_levels(const model::DopantParams& d, std::size_t s,
                                       const nanocrystal::NanocrystalSpec& spec) {
    std::vector<std::size_t> out;
    for (std::size_t j = 0; j < d.scheme.levels.size(); ++j) {
        bool q = std::any_of(d.quench_s.begin(), d.quench_s.end(),
                             [&](const auto& e) { return e.first == d.scheme.levels[j].name; });
        for (const auto& sq : spec.surface_quench) {
            q = q ||
                (sq.level.species == static_cast<int>(s) && sq.level.level == static_cast<int>(j));
        }
        if (q) out.push_back(j);
    }
    return out;
}

double config_quench(const model::DopantParams& d, std::size_t j) {
    for (const auto& [name, v] : d.quench_s) {
        if (name == d.scheme.levels[j].name) return v;
    }
    return 0.0;
}

//! Transfers of the spec between different species whose donor returns to its ground: the
//! ones a mean-field [[transfer]] can stand for.
std::vector<std::size_t> inter_species(const nanocrystal::NanocrystalSpec& spec) {
    std::vector<std::size_t> out;
    for (std::size_t t = 0; t < spec.transfers.size(); ++t) {
        const auto& tr = spec.transfers[t];
        if (tr.donor.species != tr.acceptor.species && tr.donor_to.is_ground()) out.push_back(t);
    }
    return out;
}

std::string level_label(const io::RunConfig& c, const LevelRef& r) {
    const auto& d = c.model.dopants[static_cast<std::size_t>(r.species)];
    return d.ion + "_" + d.scheme.levels[static_cast<std::size_t>(r.level)].name;
}

//! Dexter reach of species s: sum over shells of c_s * integral r^2 exp(-2 depth / L) dr.
double dexter_reach(const nanocrystal::NanocrystalSpec& spec, std::size_t s) {
    if (!spec.ligand) return 0.0;
    const double L = spec.ligand->L_nm;
    const double R = spec.radius_nm;
    std::vector<std::pair<double, double>> layers;  // (outer radius, composition of s)
    if (spec.shells.empty()) {
        layers.emplace_back(R, s < spec.composition.size() ? spec.composition[s] : 0.0);
    } else {
        for (const auto& sh : spec.shells)
            layers.emplace_back(sh.outer_radius_nm,
                                s < sh.composition.size() ? sh.composition[s] : 0.0);
    }
    double w = 0.0, inner = 0.0;
    for (const auto& [outer, c] : layers) {
        constexpr int steps = 200;
        const double h = (outer - inner) / steps;
        for (int k = 0; k < steps; ++k) {
            const double r = inner + (k + 0.5) * h;
            w += c * r * r * std::exp(-2.0 * (R - r) / L) * h;
        }
        inner = outer;
    }
    return w;
}

std::string num(double v) { return fmt::format("{:.17g}", v); }

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char ch : s) {
        if (ch == '"' || ch == '\\') out += '\\';
        out += ch;
    }
    return out + "\"";
}

}  // namespace

std::vector<EffectiveKey> effective_keys(const io::RunConfig& config,
                                         const nanocrystal::NanocrystalConfig& nc) {
    std::vector<EffectiveKey> keys{{"charge_balance", "device.charge_balance", "1"},
                                   {"ligand_density_cm3", "ligand.density_cm3", "cm^-3"}};
    const auto& dop = config.model.dopants;
    for (std::size_t s = 0; s < dop.size(); ++s) {
        const std::string p = fmt::format("dopant.{}.", s);
        const std::string& ion = dop[s].ion;
        keys.push_back({ion + "/density_cm3", p + "density_cm3", "cm^-3"});
        keys.push_back({ion + "/kTET_s", p + "kTET_s", "s^-1"});
        keys.push_back({ion + "/kSET_s", p + "kSET_s", "s^-1"});
        keys.push_back({ion + "/kETU_s", p + "kETU_s", "s^-1"});
        for (std::size_t j : quench_levels(dop[s], s, nc.spec)) {
            const std::string& lv = dop[s].scheme.levels[j].name;
            keys.push_back({ion + "/quench_s/" + lv, p + "quench_s." + lv, "s^-1"});
        }
    }
    std::map<std::string, int> seen;
    const auto inter = inter_species(nc.spec);
    for (std::size_t m = 0; m < inter.size(); ++m) {
        const auto& tr = nc.spec.transfers[inter[m]];
        std::string name =
            "k_cm3_s/" + level_label(config, tr.donor) + "_to_" + level_label(config, tr.acceptor);
        if (seen[name]++ > 0) name += fmt::format("_{}", inter[m]);
        auto colon = [&](const LevelRef& r) {
            const std::string lab = level_label(config, r);
            const auto& d = config.model.dopants[static_cast<std::size_t>(r.species)];
            return d.ion + ":" + lab.substr(d.ion.size() + 1);
        };
        keys.push_back({name, fmt::format("transfer.{}.k_cm3_s", m), "cm^3 s^-1", colon(tr.donor),
                        colon(tr.acceptor)});
    }
    return keys;
}

std::vector<double> effective_values(const io::RunConfig& config,
                                     const nanocrystal::NanocrystalConfig& nc,
                                     const nanocrystal::NanocrystalSpec& spec,
                                     const model::ModelParams& params,
                                     const nanocrystal::SteadyStateResult& r) {
    (void)config;
    const auto& dop = params.dopants;
    const std::size_t ns = dop.size();
    const double G = r.generation_per_nc_s;
    const double n_nc = spec.nc_density_cm3;
    auto fate = [&](const std::string& name) {
        for (const auto& f : r.fates) {
            if (f.name == name) return f.value.mean;
        }
        return 0.0;
    };
    auto pop = [&](std::size_t s, std::size_t j) {
        return s < r.excited_per_nc.size() && j < r.excited_per_nc[s].size()
                   ? r.excited_per_nc[s][j].mean
                   : 0.0;
    };
    std::vector<double> ions(ns), g(ns, 1.0), excited(ns, 0.0), phi(ns, 0.0);
    for (std::size_t s = 0; s < ns; ++s) {
        ions[s] = s < r.ions_per_nc_by_species.size() ? r.ions_per_nc_by_species[s].mean : 0.0;
        for (std::size_t j = 0; j < dop[s].scheme.levels.size(); ++j) excited[s] += pop(s, j);
        g[s] = ions[s] > 0.0 ? std::max(1.0 - excited[s] / ions[s], 0.0) : 1.0;
        for (const char* f : {"radiative", "nonradiative", "quenching", "surface_quenching",
                              "polaron_quenching", "etu"}) {
            phi[s] += fate(dop[s].ion + "_" + f) * G;
        }
    }
    const double T = r.triplets_per_nc.mean, S = r.singlets_per_nc.mean;

    // Ion -> ion transfers between species: flux into each acceptor that is not direct.
    const auto inter = inter_species(spec);
    std::vector<bool> acceptor(ns, false);
    for (std::size_t t : inter)
        acceptor[static_cast<std::size_t>(spec.transfers[t].acceptor.species)] = true;
    std::vector<double> weight(ns, 0.0);
    double weight_sum = 0.0;
    for (std::size_t s = 0; s < ns; ++s) {
        const double k0T =
            spec.ligand && s < spec.ligand->kTET0_s.size() ? spec.ligand->kTET0_s[s] : 0.0;
        const double k0S =
            spec.ligand && s < spec.ligand->kSET0_s.size() ? spec.ligand->kSET0_s[s] : 0.0;
        weight[s] = (k0T * T + k0S * S) * g[s] * dexter_reach(spec, s);
        weight_sum += weight[s];
    }
    const double net_forward = r.transfer_efficiency.mean * G;
    std::vector<double> F(ns, 0.0), in(ns, 0.0), out(ns, 0.0), k_tr(inter.size(), 0.0);
    for (std::size_t s = 0; s < ns; ++s) {
        if (!acceptor[s]) continue;
        F[s] = weight_sum > 0.0 ? std::min(net_forward * weight[s] / weight_sum, phi[s]) : 0.0;
        in[s] = std::max(phi[s] - F[s], 0.0);
    }
    // Share each acceptor's inflow among the transfers into it by donor population x strength.
    for (std::size_t s = 0; s < ns; ++s) {
        if (!acceptor[s]) continue;
        double total = 0.0;
        std::vector<double> w(inter.size(), 0.0);
        for (std::size_t m = 0; m < inter.size(); ++m) {
            const auto& tr = spec.transfers[inter[m]];
            if (tr.acceptor.species != static_cast<int>(s)) continue;
            const double strength = tr.law.exchange ? tr.law.W0_s : tr.law.C_nm_s;
            w[m] = pop(static_cast<std::size_t>(tr.donor.species),
                       static_cast<std::size_t>(tr.donor.level)) *
                   strength;
            total += w[m];
        }
        for (std::size_t m = 0; m < inter.size(); ++m) {
            if (w[m] <= 0.0 || total <= 0.0) continue;
            const auto& tr = spec.transfers[inter[m]];
            const double flux = in[s] * w[m] / total;
            const double donor_pop = pop(static_cast<std::size_t>(tr.donor.species),
                                         static_cast<std::size_t>(tr.donor.level));
            out[static_cast<std::size_t>(tr.donor.species)] += flux;
            const double N_A = ions[s] * n_nc;
            k_tr[m] =
                donor_pop > 0.0 && N_A > 0.0 && g[s] > 0.0 ? flux / donor_pop / (g[s] * N_A) : 0.0;
        }
    }
    for (std::size_t s = 0; s < ns; ++s) {
        if (!acceptor[s]) F[s] = std::max(phi[s] + out[s] - in[s], 0.0);
    }

    std::vector<double> v;
    const double blocked = fate("ligand_blocked");
    v.push_back(params.device.charge_balance * std::max(1.0 - blocked, 0.0));
    v.push_back(r.ligands_per_nc.mean * n_nc);
    for (std::size_t s = 0; s < ns; ++s) {
        const double k0T =
            spec.ligand && s < spec.ligand->kTET0_s.size() ? spec.ligand->kTET0_s[s] : 0.0;
        const double k0S =
            spec.ligand && s < spec.ligand->kSET0_s.size() ? spec.ligand->kSET0_s[s] : 0.0;
        const double wT = k0T * T, wS = k0S * S;
        const double FT = wS == 0.0 ? F[s] : wT + wS > 0.0 ? F[s] * wT / (wT + wS) : 0.0;
        const double FS = wS == 0.0 ? 0.0 : F[s] - FT;
        v.push_back(ions[s] * n_nc);
        v.push_back(T > 0.0 && g[s] > 0.0 ? FT / (T * g[s]) : 0.0);
        v.push_back(S > 0.0 && g[s] > 0.0 ? FS / (S * g[s]) : 0.0);
        const double X = 1.0 - g[s];
        v.push_back(X > 0.0 && excited[s] > 0.0 ? fate(dop[s].ion + "_etu") * G / (X * excited[s])
                                                : 0.0);
        const auto levels = quench_levels(dop[s], s, spec);
        const double q_total =
            (fate(dop[s].ion + "_quenching") + fate(dop[s].ion + "_surface_quenching")) * G;
        double wsum = 0.0;
        std::vector<double> wq;
        for (std::size_t j : levels) {
            double k = config_quench(dop[s], j);
            for (const auto& sq : spec.surface_quench) {
                if (sq.level.species == static_cast<int>(s) &&
                    sq.level.level == static_cast<int>(j))
                    k += sq.k_surface_s;
            }
            wq.push_back(pop(s, j) * k);
            wsum += wq.back();
        }
        for (std::size_t i = 0; i < levels.size(); ++i) {
            const double N = pop(s, levels[i]);
            v.push_back(wsum > 0.0 && N > 0.0 ? q_total * wq[i] / wsum / N
                                              : config_quench(dop[s], levels[i]));
        }
    }
    for (double k : k_tr) v.push_back(k);
    (void)nc;
    return v;
}

std::string meanfield_config_text(const io::RunConfig& config,
                                  const std::vector<EffectiveKey>& keys,
                                  const std::vector<std::vector<double>>& values) {
    // Point 0's values are written into the tables; a sweep's zipped axis sets every point.
    model::ModelParams p = config.model;
    p.transfers.clear();  // the mean-field transfers are the effective ones
    for (const EffectiveKey& k : keys) {
        if (k.key.rfind("transfer.", 0) != 0) continue;
        model::IonTransferParams tr;
        tr.from_ion = k.from.substr(0, k.from.find(':'));
        tr.from_level = k.from.substr(k.from.find(':') + 1);
        tr.to_ion = k.to.substr(0, k.to.find(':'));
        tr.to_level = k.to.substr(k.to.find(':') + 1);
        tr.bimolecular = true;
        p.transfers.push_back(tr);
    }
    for (std::size_t s = 0; s < p.dopants.size(); ++s) {  // list every effective quench level
        const std::string pre = fmt::format("dopant.{}.quench_s.", s);
        for (const EffectiveKey& k : keys) {
            if (k.key.rfind(pre, 0) == 0 && !model::find_parameter(p, k.key)) {
                p.dopants[s].quench_s.emplace_back(k.key.substr(pre.size()), 0.0);
            }
        }
    }
    for (std::size_t k = 0; k < keys.size(); ++k) {
        if (double* slot = model::find_parameter(p, keys[k].key))
            *slot = values[k].empty() ? *slot : values[k][0];
    }
    std::string t;
    t +=
        "# Mean-field config generated by relsim from the microscopic run of " + config.path + "\n";
    t += "# (docs/microscopic.md, 'Effective mean-field parameters'): the config's device, "
         "ligand,\n";
    t +=
        "# level schemes (inline) and spectrum, with the effective parameters that reproduce the\n";
    t += "# ensemble's yields. Run it as is: relsim run <this file>.\n";
    t +=
        "title = " +
        quoted("mean-field equivalent of: " + (config.title.empty() ? config.path : config.title)) +
        "\n\n";
    const model::DeviceParams& d = p.device;
    t += "[device]\n";
    t += "current_density_mA_cm2 = " + num(d.current_density_mA_cm2) + "\n";
    t += "recombination_zone_nm = " + num(d.recombination_zone_nm) + "\n";
    t += "charge_balance = " + num(d.charge_balance) + "\n";
    t += "singlet_fraction = " + num(d.singlet_fraction) + "\n";
    t += "outcoupling = " + num(d.outcoupling) + "\n";
    t += "temperature_K = " + num(d.temperature_K) + "\n";
    t += "langevin_cm3_s = " + num(d.langevin_cm3_s) + "\n\n";
    const model::LigandParams& l = p.ligand;
    t += "[ligand]\n";
    for (const auto& [k, v] :
         std::vector<std::pair<const char*, double>>{{"density_cm3", l.density_cm3},
                                                     {"triplet_energy_eV", l.triplet_energy_eV},
                                                     {"kS_rad_s", l.kS_rad_s},
                                                     {"kS_nr_s", l.kS_nr_s},
                                                     {"k_isc_s", l.k_isc_s},
                                                     {"kT_rad_s", l.kT_rad_s},
                                                     {"kT_nr_s", l.kT_nr_s},
                                                     {"kTT_cm3_s", 0.0},
                                                     {"tta_singlet_yield", l.tta_singlet_yield},
                                                     {"kTP_cm3_s", l.kTP_cm3_s},
                                                     {"kSS_cm3_s", 0.0},
                                                     {"kST_cm3_s", 0.0},
                                                     {"singlet_band_nm", l.singlet_band_nm},
                                                     {"singlet_fwhm_nm", l.singlet_fwhm_nm},
                                                     {"triplet_band_nm", l.triplet_band_nm},
                                                     {"triplet_fwhm_nm", l.triplet_fwhm_nm}}) {
        t += std::string(k) + " = " + num(v) + "\n";
    }
    for (std::size_t s = 0; s < p.dopants.size(); ++s) {
        const model::DopantParams& dp = p.dopants[s];
        t += "\n[[dopant]]\n";
        t += "ion = " + quoted(dp.ion) + "\n";
        t += "density_cm3 = " + num(dp.density_cm3) + "\n";
        t += "accepting_level = " + quoted(dp.accepting_level) + "\n";
        t += "kTET_s = " + num(dp.kTET_s) + "\n";
        t += "kSET_s = " + num(dp.kSET_s) + "\n";
        t += "kETU_s = " + num(dp.kETU_s) + "\n";
        t += "kLP_cm3_s = " + num(dp.kLP_cm3_s) + "\n";
        t += "kBT_s = 0.0  # the effective kTET_s carries the net (forward - back) flux\n";
        const std::vector<std::pair<std::string, double>>& q = dp.quench_s;
        t += "quench_s = {";
        for (std::size_t i = 0; i < q.size(); ++i) {
            t += (i ? ", " : " ") + quoted(q[i].first) + " = " + num(q[i].second);
        }
        t += q.empty() ? "}\n" : " }\n";
        const model::LevelScheme& sc = dp.scheme;
        t += "ground = [";
        for (std::size_t i = 0; i < sc.ground.size(); ++i)
            t += (i ? ", " : "") + quoted(sc.ground[i]);
        t += "]\nlevels = [\n";
        for (const auto& lv : sc.levels)
            t += "  { name = " + quoted(lv.name) + ", energy_cm1 = " + num(lv.energy_cm1) + " },\n";
        t += "]\nlines = [\n";
        for (const auto& ln : sc.lines) {
            t += "  { from = " + quoted(ln.from) + ", to = " + quoted(ln.to) +
                 ", rate_s = " + num(ln.rate_s) + ", wavelength_nm = " + num(ln.wavelength_nm) +
                 ", fwhm_nm = " + num(ln.fwhm_nm) + " },\n";
        }
        t += "]\nrelaxations = [\n";
        for (const auto& rx : sc.relaxations) {
            t += "  { from = " + quoted(rx.from) + ", to = " + quoted(rx.to) +
                 ", rate_s = " + num(rx.rate_s) + " },\n";
        }
        t += "]\n";
    }
    for (const EffectiveKey& k : keys) {
        if (k.key.rfind("transfer.", 0) != 0) continue;
        t += "\n[[transfer]]\nfrom = " + quoted(k.from) + "\nto = " + quoted(k.to) +
             "\nk_cm3_s = " + num(*model::find_parameter(p, k.key)) + "\n";  // listed above
    }
    const io::SpectrumSpec& sp = config.spectrum;
    t += "\n[spectrum]\nfrom_nm = " + num(sp.from_nm) + "\nto_nm = " + num(sp.to_nm) +
         "\nstep_nm = " + num(sp.step_nm) + "\n";
    if (sp.save_given) t += std::string("save = ") + (sp.save ? "true" : "false") + "\n";
    if (config.sweep) {
        // One zipped axis over every point (row-major order of the microscopic sweep).
        std::vector<std::string> zkeys;
        std::vector<std::vector<double>> zvals;
        for (std::size_t k = 0; k < keys.size(); ++k) {
            zkeys.push_back(keys[k].key);
            zvals.push_back(values[k]);
        }
        const std::uint64_t n = values.empty() ? config.sweep->num_points() : values.front().size();
        std::vector<std::uint64_t> strides(config.sweep->axes.size(), 1);
        for (std::size_t a = strides.size(); a-- > 1;)
            strides[a - 1] = strides[a] * config.sweep->axes[a].size();
        for (std::size_t a = 0; a < config.sweep->axes.size(); ++a) {
            const io::SweepAxis& ax = config.sweep->axes[a];
            for (std::size_t k = 0; k < ax.keys.size(); ++k) {
                if (ax.keys[k].rfind("nanocrystal.", 0) == 0) continue;
                if (std::find(zkeys.begin(), zkeys.end(), ax.keys[k]) != zkeys.end()) continue;
                std::vector<double> col(n);
                for (std::uint64_t i = 0; i < n; ++i)
                    col[i] = ax.values[k][(i / strides[a]) % ax.size()];
                zkeys.push_back(ax.keys[k]);
                zvals.push_back(std::move(col));
            }
        }
        t += "\n# One zipped axis over the microscopic sweep's points in row-major "
             "order.\n[sweep]\n[[sweep.axis]]\nkeys = [";
        for (std::size_t k = 0; k < zkeys.size(); ++k) t += (k ? ", " : "") + quoted(zkeys[k]);
        t += "]\nvalues = [\n";
        for (const auto& col : zvals) {
            t += "  [";
            for (std::size_t i = 0; i < col.size(); ++i) t += (i ? ", " : "") + num(col[i]);
            t += "],\n";
        }
        t += "]\n";
    }
    return t;
}

}  // namespace relsim::sweep
