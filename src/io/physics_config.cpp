//! @file physics_config.cpp
//! The [physics] table (options beyond the contract, all off by default) and the dopant key
//! `lifetime_s` (a measured lifetime that sets the level's quenching).
//!
//!   [physics]
//!   energy_gap_law = true          # kTET_eff = kTET_s exp(-(E_T - E_a - lambda)^2 / (4 lambda
//!   kT)) tet_overlap_fwhm_eV = 0.30     # FWHM of the ligand phosphorescence band in energy, (0,
//!   5] eV degeneracy = true              # g_T Z_ground(T) / g_a in detailed balance
//! The factors are model::ligand_ion_factors (rate_model.hpp), applied by the mean-field model
//! (RateModel) and by the microscopic model to every ligand-ion pair (nanocrystal compile_model).
//!   polaron_decay = true           # n_p(t) = n_p0 / (1 + k_L n_p0 t) after a pulse
#include <fmt/format.h>

#include <cmath>

#include "detail/nir_tables.hpp"

namespace relsim::io::detail {

void read_physics_table(const Src& src, const toml::table& root, RunConfig& cfg) {
    const toml::node* n = root.get("physics");
    if (!n) return;
    const toml::table& t = src.table(*n, "physics", "a [physics] table");
    src.check_keys(t, "physics",
                   {"energy_gap_law", "tet_overlap_fwhm_eV", "degeneracy", "polaron_decay"});
    model::PhysicsOptions& p = cfg.model.physics;
    if (const toml::node* v = t.get("energy_gap_law"))
        p.energy_gap_law = src.boolean(*v, "physics.energy_gap_law");
    if (const toml::node* v = t.get("degeneracy"))
        p.degeneracy = src.boolean(*v, "physics.degeneracy");
    if (const toml::node* v = t.get("polaron_decay"))
        p.polaron_decay = src.boolean(*v, "physics.polaron_decay");
    if (const toml::node* v = t.get("tet_overlap_fwhm_eV")) {
        p.tet_overlap_fwhm_eV =
            src.number(*v, "physics.tet_overlap_fwhm_eV", static_cast<const ParamRule*>(nullptr));
        if (!(p.tet_overlap_fwhm_eV > 0.0 && p.tet_overlap_fwhm_eV <= 5.0)) {
            src.fail(v->source(), "physics.tet_overlap_fwhm_eV",
                     fmt::format("{} eV is not a band width", p.tet_overlap_fwhm_eV), "(0, 5] eV");
        }
    }
    if (p.degeneracy) {
        for (std::size_t i = 0; i < cfg.model.dopants.size(); ++i) {
            const model::DopantParams& d = cfg.model.dopants[i];
            for (const std::string& name : {d.accepting_level, d.scheme.ground.front()}) {
                if (model::level_degeneracy(name) > 0.0) continue;
                src.fail(t.get("degeneracy")->source(), "physics.degeneracy",
                         fmt::format("dopant {} ({}): level name '{}' carries no J, so its "
                                     "degeneracy 2J+1 is unknown",
                                     i, d.ion, name),
                         "level names ending in J (5D4, 4F3/2) for the accepting level and the "
                         "first ground member");
            }
        }
    }
}

void read_lifetimes(const Src& src, const toml::table& dt, const std::string& prefix,
                    model::DopantParams& d,
                    std::vector<std::pair<std::string, std::string>>& where) {
    const toml::node* n = dt.get("lifetime_s");
    if (!n) return;
    const std::string lk = join(prefix, "lifetime_s");
    const toml::table& t = src.table(*n, lk, "a table { <level> = lifetime in s, ... }");
    for (auto&& [k, v] : t) {
        const std::string level(k.str());
        const std::string key = join(lk, level);
        const model::Level* lv = nullptr;
        for (const model::Level& l : d.scheme.levels) {
            if (l.name == level) lv = &l;
        }
        if (!lv)
            src.fail(v.source(), key, "'" + level + "' is not an excited level of " + d.ion,
                     "an excited level");
        for (const auto& q : d.quench_s) {
            if (q.first == level) {
                src.fail(v.source(), key, "quench_s also sets level " + level,
                         "either quench_s (a rate, s^-1) or lifetime_s (a time, s) per level");
            }
        }
        const double tau = src.number(v, key, static_cast<const ParamRule*>(nullptr));
        double decay_s = 0.0;  // A + R out of the level
        for (const model::EmissionLine& l : d.scheme.lines) {
            if (l.from == level) decay_s += l.rate_s;
        }
        for (const model::Relaxation& r : d.scheme.relaxations) {
            if (r.from == level) decay_s += r.rate_s;
        }
        const std::string allowed = fmt::format("(0, {:.6g}] s (1 / (A + R) of {})",
                                                decay_s > 0.0 ? 1.0 / decay_s : INFINITY, level);
        if (!(tau > 0.0))
            src.fail(v.source(), key, fmt::format("lifetime {} s is not positive", tau), allowed);
        const double q = 1.0 / tau - decay_s;
        if (q < -1e-9 * decay_s) {
            src.fail(v.source(), key,
                     fmt::format("lifetime {} s is longer than the level's radiative and "
                                 "nonradiative decay allow (1/(A + R) = {:.6g} s)",
                                 tau, 1.0 / decay_s),
                     allowed);
        }
        d.quench_s.emplace_back(level, std::max(q, 0.0));
        where.emplace_back(
            join(join(prefix, "quench_s"), level),
            fmt::format("{} (Q = 1/{} s - (A + R) = {:.6g} s^-1)", src.where(v), tau, q));
    }
}

}  // namespace relsim::io::detail
