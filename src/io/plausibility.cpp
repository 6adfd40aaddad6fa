//! @file plausibility.cpp
//! Warnings (not errors) for values that pass the range checks but lie far from any physical
//! material, so that a unit slip does not run silently. Tolerances:
//!  - a rate [s^-1] (quench_s, line rate_s, kTET_s, kSET_s, the ligand's first-order rates) in
//!    (0, 0.1) s^-1: a lifetime above 10 s, which no Ln3+ or organic excited state has; most
//!    likely a lifetime in s typed into a rate (`_s` on a rate means s^-1; `lifetime_s` takes a
//!    time);
//!  - ligand.triplet_energy_eV > 6 eV (no organic triplet lies above ~4.5 eV): cm^-1 or nm?
//!  - an excited level with energy_cm1 < 100 cm^-1 (no excited 4f multiplet lies that low):
//!    an energy in eV?
//!  - a line whose photon energy 1e7 / wavelength_nm differs from its level gap E_from - E_to by
//!    more than 1000 cm^-1 (more than the Stark width of a 4f multiplet, ~600 cm^-1, plus
//!    rounding); the gap needs both energies (ground members count when the file gives theirs);
//!  - an accepting level above the ligand triplet (E_a > E_T): the transfer is uphill, and
//!    detailed balance makes back-transfer faster than kTET N_L / N_s.
#include <fmt/format.h>

#include <cmath>

#include "detail/nir_tables.hpp"
#include "relsim/core/constants.hpp"

namespace relsim::io::detail {
namespace {

constexpr double kMinPlausibleRate_s = 0.1;
constexpr double kMaxPlausibleTriplet_eV = 6.0;
constexpr double kMinPlausibleLevel_cm1 = 100.0;
constexpr double kLineGapTolerance_cm1 = 1000.0;

void check_rate(RunConfig& cfg, const std::string& key, double v) {
    if (v > 0.0 && v < kMinPlausibleRate_s) {
        cfg.warnings.push_back(fmt::format(
            "{} = {:g} s^-1 is a lifetime of {:g} s, longer than any excited state (rates below "
            "{:g} s^-1 are flagged): if {:g} is a lifetime in s, the rate is {:g} s^-1 (keys "
            "ending in _s on a rate mean s^-1; a dopant's lifetime_s takes a time)",
            key, v, 1.0 / v, kMinPlausibleRate_s, v, 1.0 / v));
    }
}

}  // namespace

void check_plausibility(RunConfig& cfg) {
    const model::LigandParams& lig = cfg.model.ligand;
    for (const auto& [name, v] : {std::pair<const char*, double>{"kS_rad_s", lig.kS_rad_s},
                                  {"kS_nr_s", lig.kS_nr_s},
                                  {"k_isc_s", lig.k_isc_s},
                                  {"kT_rad_s", lig.kT_rad_s},
                                  {"kT_nr_s", lig.kT_nr_s}}) {
        check_rate(cfg, std::string("ligand.") + name, v);
    }
    if (lig.triplet_energy_eV > kMaxPlausibleTriplet_eV) {
        cfg.warnings.push_back(fmt::format(
            "ligand.triplet_energy_eV = {:g} eV is above any organic triplet (> {:g} eV flagged): "
            "as cm^-1 it would be {:.4g} eV, as nm {:.4g} eV",
            lig.triplet_energy_eV, kMaxPlausibleTriplet_eV,
            lig.triplet_energy_eV / constants::eV_in_cm1, 1239.84198 / lig.triplet_energy_eV));
    }
    const double triplet_cm1 = lig.triplet_energy_eV * constants::eV_in_cm1;
    for (std::size_t i = 0; i < cfg.model.dopants.size(); ++i) {
        const model::DopantParams& d = cfg.model.dopants[i];
        const std::string p = fmt::format("dopant.{}", i);
        check_rate(cfg, p + ".kTET_s", d.kTET_s);
        check_rate(cfg, p + ".kSET_s", d.kSET_s);
        for (const auto& [level, q] : d.quench_s) check_rate(cfg, p + ".quench_s." + level, q);
        const model::LevelScheme& s = d.scheme;
        auto energy = [&](const std::string& name) -> double {
            for (const model::Level& l : s.levels) {
                if (l.name == name) return l.energy_cm1;
            }
            for (std::size_t g = 0; g < s.ground.size() && g < s.ground_energy_cm1.size(); ++g) {
                if (s.ground[g] == name) return s.ground_energy_cm1[g];
            }
            return NAN;
        };
        for (const model::Level& l : s.levels) {
            if (l.energy_cm1 < kMinPlausibleLevel_cm1) {
                cfg.warnings.push_back(fmt::format(
                    "{} ({}): level {} at {:g} cm^-1 is below any excited 4f multiplet (< {:g} "
                    "cm^-1 flagged): if {:g} is in eV, it is {:.6g} cm^-1",
                    p, d.ion, l.name, l.energy_cm1, kMinPlausibleLevel_cm1, l.energy_cm1,
                    l.energy_cm1 * constants::eV_in_cm1));
            }
        }
        for (std::size_t j = 0; j < s.lines.size(); ++j) {
            const model::EmissionLine& ln = s.lines[j];
            const double gap = energy(ln.from) - energy(ln.to);
            if (!std::isfinite(gap)) continue;
            const double photon_cm1 = 1.0e7 / ln.wavelength_nm;
            if (std::abs(photon_cm1 - gap) > kLineGapTolerance_cm1) {
                cfg.warnings.push_back(fmt::format(
                    "{} ({}): line {} -> {} at {:g} nm ({:.0f} cm^-1) does not match its level "
                    "gap {:.0f} cm^-1 ({:.1f} nm) within {:g} cm^-1: a level energy in eV, or "
                    "a wrong wavelength?",
                    p, d.ion, ln.from, ln.to, ln.wavelength_nm, photon_cm1, gap, 1.0e7 / gap,
                    kLineGapTolerance_cm1));
            }
        }
        const double ea = energy(d.accepting_level);
        if (d.density_cm3 > 0.0 && d.kTET_s > 0.0 && ea > triplet_cm1) {
            cfg.warnings.push_back(fmt::format(
                "{} ({}): accepting level {} at {:.0f} cm^-1 lies {:.0f} cm^-1 ({:.3f} eV) ABOVE "
                "the ligand triplet ({:.0f} cm^-1): the transfer is uphill and detailed balance "
                "returns the energy faster than kTET N_L/N_s; choose a level below E_T",
                p, d.ion, d.accepting_level, ea, ea - triplet_cm1,
                (ea - triplet_cm1) / constants::eV_in_cm1, triplet_cm1));
        }
    }
}

}  // namespace relsim::io::detail
