//! @file nanocrystal_rules.hpp  (private to relsim_nanocrystal)
//! Unit and allowed range of every numeric [nanocrystal] key: the one table that the reader,
//! the sweep checks and `relsim check` answer from (the pattern syntax of
//! src/io/detail/param_schema.hpp: `*` is one key component, an index or an ion name).
#pragma once

#include <array>
#include <string>
#include <vector>

#include "relsim/io/detail/param_schema.hpp"
#include "relsim/nanocrystal/spec.hpp"

namespace relsim::nanocrystal::detail {

using io::detail::kInf;
using io::detail::ParamRule;

//! (0, inf) or [0, inf) with a unit; every nanocrystal number is sweepable (model = true).
constexpr ParamRule pos(std::string_view p, std::string_view unit) {
    return {p, unit, 0.0, kInf, true, true, false, true};
}
constexpr ParamRule nonneg(std::string_view p, std::string_view unit) {
    return {p, unit, 0.0, kInf, false, true, false, true};
}
constexpr ParamRule fraction(std::string_view p) {
    return {p, "1", 0.0, 1.0, false, false, false, true};
}
constexpr ParamRule integer(std::string_view p, double lo, double hi) {
    return {p, "1", lo, hi, false, false, true, true};
}

inline constexpr std::array kNanocrystalRules{
    pos("nanocrystal.a_nm", "nm"),
    pos("nanocrystal.c_nm", "nm"),
    pos("nanocrystal.radius_nm", "nm"),
    integer("nanocrystal.cells.*", 1.0, 1000.0),
    integer("nanocrystal.count", 1.0, 1.0e7),
    integer("nanocrystal.seed", 0.0, 9.0e15),  // exactly representable as a double (sweeps)
    pos("nanocrystal.nc_density_cm3", "cm^-3"),
    nonneg("nanocrystal.warmup_s", "s"),
    pos("nanocrystal.measure_s", "s"),
    fraction("nanocrystal.composition.*"),
    pos("nanocrystal.shell.*.outer_radius_nm", "nm"),
    nonneg("nanocrystal.shell.*.thickness_nm", "nm"),
    fraction("nanocrystal.shell.*.composition.*"),
    nonneg("nanocrystal.ligand.surface_density_nm2", "nm^-2"),
    nonneg("nanocrystal.ligand.standoff_nm", "nm"),
    nonneg("nanocrystal.ligand.r0_nm", "nm"),
    pos("nanocrystal.ligand.L_nm", "nm"),
    nonneg("nanocrystal.ligand.kTET0_s.*", "s^-1"),
    nonneg("nanocrystal.ligand.kSET0_s.*", "s^-1"),
    nonneg("nanocrystal.transfer.*.C_nm_s", "nm^s s^-1"),
    integer("nanocrystal.transfer.*.multipolarity", 6.0, 10.0),
    nonneg("nanocrystal.transfer.*.W0_s", "s^-1"),
    nonneg("nanocrystal.transfer.*.r0_nm", "nm"),
    pos("nanocrystal.transfer.*.L_nm", "nm"),
    pos("nanocrystal.transfer.*.cutoff_nm", "nm"),
    nonneg("nanocrystal.annihilation.*.C_nm_s", "nm^s s^-1"),
    integer("nanocrystal.annihilation.*.multipolarity", 6.0, 10.0),
    nonneg("nanocrystal.annihilation.*.W0_s", "s^-1"),
    nonneg("nanocrystal.annihilation.*.r0_nm", "nm"),
    pos("nanocrystal.annihilation.*.L_nm", "nm"),
    pos("nanocrystal.annihilation.*.cutoff_nm", "nm"),
    nonneg("nanocrystal.surface_quench.*.k_surface_s", "s^-1"),
    pos("nanocrystal.surface_quench.*.surface_length_nm", "nm"),
    ParamRule{"nanocrystal.excitation.fraction", "1", 0.0, 1.0, true, false, false, true},
    pos("nanocrystal.excitation.decay_until_s", "s"),
    integer("nanocrystal.excitation.points", 2.0, 1.0e6),
};

inline const ParamRule* find_nc_rule(std::string_view path) {
    for (const auto& r : kNanocrystalRules) {
        if (io::detail::pattern_matches(r.pattern, path)) return &r;
    }
    return nullptr;
}

}  // namespace relsim::nanocrystal::detail

namespace relsim::nanocrystal {
//! A geometry problem and the dotted key it is about ("" key: none).
struct KeyProblem {
    std::string key;
    std::string problem;
};
//! geometry_problem() naming the species in composition messages and the offending key.
[[nodiscard]] KeyProblem geometry_problem_at(const NanocrystalSpec& spec,
                                             const std::vector<std::string>* species);
}  // namespace relsim::nanocrystal
