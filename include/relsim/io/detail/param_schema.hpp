//! @file param_schema.hpp  (shared by the modules that read config tables; not a user API)
//! The one table of numeric config keys: unit and allowed range of every number a config or an
//! ion file may hold. The loader (config.cpp) checks every value it reads against this table,
//! and check_parameter_value() / parameter_unit() answer from it, so the rules live here only.
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace relsim::io::detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

//! One numeric key. `pattern` is a dotted key path in which `*` stands for one component (an
//! array index or a level name).
struct ParamRule {
    std::string_view pattern;
    std::string_view unit;  //!< "1" for dimensionless
    double min = 0.0;
    double max = kInf;
    bool min_open = false;  //!< true: min itself is excluded
    bool max_open = true;   //!< true: max itself is excluded (always true for max = inf)
    bool integer = false;   //!< the TOML value must be an integer
    bool model = true;      //!< a numeric parameter of model::ModelParams (sweepable)
};

namespace rule {
//! [0, inf)
constexpr ParamRule nonneg(std::string_view p, std::string_view unit, bool model = true) {
    return {p, unit, 0.0, kInf, false, true, false, model};
}
//! (0, inf)
constexpr ParamRule positive(std::string_view p, std::string_view unit, bool model = true) {
    return {p, unit, 0.0, kInf, true, true, false, model};
}
//! [lo, hi] with closed or open ends, dimensionless
constexpr ParamRule interval(std::string_view p, double lo, bool lo_open, double hi, bool hi_open) {
    return {p, "1", lo, hi, lo_open, hi_open, false, true};
}
//! integer count in [lo, hi] (not a model parameter)
constexpr ParamRule count(std::string_view p, double lo, double hi) {
    return {p, "1", lo, hi, false, hi == kInf, true, false};
}
}  // namespace rule

inline constexpr std::array kParamRules{
    // [device]
    rule::positive("device.current_density_mA_cm2", "mA cm^-2"),
    rule::positive("device.recombination_zone_nm", "nm"),
    rule::interval("device.charge_balance", 0.0, true, 1.0, false),
    rule::interval("device.singlet_fraction", 0.0, false, 1.0, false),
    rule::interval("device.outcoupling", 0.0, true, 1.0, false),
    rule::positive("device.temperature_K", "K"),
    rule::positive("device.langevin_cm3_s", "cm^3 s^-1"),  // n_p = sqrt(J/(q w k_L)) needs k_L > 0
    // [ligand]
    rule::positive("ligand.density_cm3", "cm^-3"),
    rule::positive("ligand.triplet_energy_eV", "eV"),
    rule::nonneg("ligand.kS_rad_s", "s^-1"),
    rule::nonneg("ligand.kS_nr_s", "s^-1"),
    rule::nonneg("ligand.k_isc_s", "s^-1"),
    rule::nonneg("ligand.kT_rad_s", "s^-1"),
    rule::nonneg("ligand.kT_nr_s", "s^-1"),
    rule::nonneg("ligand.kTT_cm3_s", "cm^3 s^-1"),
    rule::interval("ligand.tta_singlet_yield", 0.0, false, 0.5, false),
    rule::nonneg("ligand.kTP_cm3_s", "cm^3 s^-1"),
    rule::nonneg("ligand.kSS_cm3_s", "cm^3 s^-1"),
    rule::nonneg("ligand.kST_cm3_s", "cm^3 s^-1"),
    rule::positive("ligand.singlet_band_nm", "nm"),
    rule::positive("ligand.singlet_fwhm_nm", "nm"),
    rule::positive("ligand.triplet_band_nm", "nm"),
    rule::positive("ligand.triplet_fwhm_nm", "nm"),
    // [[dopant]]
    rule::nonneg("dopant.*.density_cm3", "cm^-3"),  // 0 = inert species (x = 0 in a sweep)
    rule::nonneg("dopant.*.kTET_s", "s^-1"),
    rule::nonneg("dopant.*.kSET_s", "s^-1"),
    rule::nonneg("dopant.*.kETU_s", "s^-1"),
    rule::nonneg("dopant.*.kLP_cm3_s", "cm^3 s^-1"),
    rule::nonneg("dopant.*.kBT_s", "s^-1"),
    rule::nonneg("dopant.*.quench_s.*", "s^-1"),
    // level scheme (inline or ion file)
    rule::nonneg("dopant.*.ground.*.energy_cm1", "cm^-1", false),  // documentation only
    rule::positive("dopant.*.levels.*.energy_cm1", "cm^-1"),
    rule::nonneg("dopant.*.lines.*.rate_s", "s^-1"),
    rule::positive("dopant.*.lines.*.wavelength_nm", "nm"),
    rule::positive("dopant.*.lines.*.fwhm_nm", "nm"),
    rule::nonneg("dopant.*.relaxations.*.rate_s", "s^-1"),
    // [[transfer]]
    rule::nonneg("transfer.*.k_s", "s^-1"),
    rule::nonneg("transfer.*.k_cm3_s", "cm^3 s^-1"),
    // [spectrum], [transient], [sweep]: read by the loader, not model parameters
    rule::positive("spectrum.from_nm", "nm", false),
    rule::positive("spectrum.to_nm", "nm", false),
    rule::positive("spectrum.step_nm", "nm", false),
    rule::positive("transient.pulse_current_density_mA_cm2", "mA cm^-2", false),
    rule::positive("transient.pulse_on_s", "s", false),
    rule::positive("transient.off_s", "s", false),
    rule::count("transient.points", 2.0, 1.0e6),
    rule::count("sweep.samples", 1.0, 1.0e6),
    rule::count("sweep.seed", 0.0, kInf),
    rule::count("sweep.axis.*.points", 1.0, 1.0e6),
};

//! Whether `path` matches `pattern` component by component (`*` matches any one component).
inline bool pattern_matches(std::string_view pattern, std::string_view path) {
    while (true) {
        const auto pp = pattern.find('.');
        const auto kp = path.find('.');
        const std::string_view pc = pattern.substr(0, pp);
        const std::string_view kc = path.substr(0, kp);
        if (kc.empty()) return false;
        if (pc != "*" && pc != kc) return false;
        if (pp == std::string_view::npos || kp == std::string_view::npos) {
            return pp == std::string_view::npos && kp == std::string_view::npos;
        }
        pattern.remove_prefix(pp + 1);
        path.remove_prefix(kp + 1);
    }
}

//! The rule of a key path, nullptr when the path is no numeric key.
inline const ParamRule* find_rule(std::string_view path) {
    for (const auto& r : kParamRules) {
        if (pattern_matches(r.pattern, path)) return &r;
    }
    return nullptr;
}

inline std::string format_number(double v) {
    if (v == kInf) return "inf";
    if (v == -kInf) return "-inf";
    return fmt::format("{}", v);
}

//! Range text such as "[0, inf) s^-1" or "(0, 1]".
inline std::string range_text(const ParamRule& r) {
    std::string s;
    s += r.min_open ? "(" : "[";
    s += format_number(r.min);
    s += ", ";
    s += format_number(r.max);
    s += (r.max_open || r.max == kInf) ? ")" : "]";
    if (r.integer) s += ", integer";
    if (!r.unit.empty() && r.unit != "1") {
        s += " ";
        s += r.unit;
    }
    return s;
}

//! "" when `v` satisfies the rule, otherwise the problem.
inline std::string check_rule(const ParamRule& r, double v) {
    if (!std::isfinite(v)) return fmt::format("value {} is not a finite number", format_number(v));
    const bool below = r.min_open ? !(v > r.min) : !(v >= r.min);
    const bool above = (r.max_open || r.max == kInf) ? !(v < r.max) : !(v <= r.max);
    if (below || above) {
        if (r.min == 0.0 && v < 0.0) return fmt::format("value {} is negative", format_number(v));
        return fmt::format("value {} is out of range", format_number(v));
    }
    if (r.integer && std::floor(v) != v) {
        return fmt::format("value {} is not an integer", format_number(v));
    }
    return {};
}

}  // namespace relsim::io::detail
