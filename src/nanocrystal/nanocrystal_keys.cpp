//! @file nanocrystal_keys.cpp
//! The numeric keys of [nanocrystal]: their units and ranges (one table, used by the reader and
//! by sweep checks), get/set by dotted key path (how a sweep point reaches a NanocrystalSpec),
//! and the geometry checks that every config and every sweep point must pass.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string_view>

#include <fmt/format.h>

#include "relsim/io/config_registry.hpp"
#include "relsim/io/detail/param_schema.hpp"
#include "nanocrystal_rules.hpp"
#include "relsim/nanocrystal/config.hpp"

namespace relsim::nanocrystal {
namespace {

using io::detail::ParamRule;

//! Splits "a.b.c" into components.
std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::size_t pos = 0;
    while (true) {
        const std::size_t dot = s.find('.', pos);
        out.push_back(s.substr(pos, dot - pos));
        if (dot == std::string::npos) break;
        pos = dot + 1;
    }
    return out;
}

//! Non-negative array index of a key component, or -1.
long index_of(const std::string& c) {
    if (c.empty() || c.size() > 9) return -1;
    if (!std::all_of(c.begin(), c.end(), [](char ch) { return ch >= '0' && ch <= '9'; })) return -1;
    return std::stol(c);
}

long species_of(const std::vector<std::string>& species, const std::string& ion) {
    const auto it = std::find(species.begin(), species.end(), ion);
    return it == species.end() ? -1 : static_cast<long>(it - species.begin());
}

//! Address of one numeric member, of whichever type it has.
struct Slot {
    double* d = nullptr;
    int* i = nullptr;
    std::uint64_t* u = nullptr;
    std::optional<double>* opt = nullptr;  //!< optional member (cutoff_nm)
    [[nodiscard]] bool valid() const { return d || i || u || opt; }
};

Slot composition_slot(Composition& c, const std::vector<std::string>& species,
                      const std::string& ion) {
    const long s = species_of(species, ion);
    if (s < 0) return {};
    if (c.size() < species.size()) c.resize(species.size(), 0.0);
    return {&c[static_cast<std::size_t>(s)]};
}

Slot law_slot(PairLaw& law, const std::string& name) {
    if (name == "C_nm_s" && !law.exchange) return {&law.C_nm_s};
    if (name == "multipolarity" && !law.exchange) return {nullptr, &law.multipolarity};
    if (name == "W0_s" && law.exchange) return {&law.W0_s};
    if (name == "r0_nm" && law.exchange) return {&law.r0_nm};
    if (name == "L_nm" && law.exchange) return {&law.L_nm};
    if (name == "cutoff_nm" && law.cutoff_nm) return {nullptr, nullptr, nullptr, &law.cutoff_nm};
    return {};
}

//! The member a key path names (components after "nanocrystal"), or an invalid slot. May grow
//! a composition vector to the number of species (absent species are 0).
Slot find_slot(NanocrystalSpec& sp, const std::vector<std::string>& species,
               const std::vector<std::string>& c) {
    if (c.size() < 2 || c[0] != "nanocrystal") return {};
    const std::string& k = c[1];
    const std::size_t n = c.size();
    const bool sphere = sp.shape == Shape::sphere;
    if (n == 2) {
        if (k == "a_nm") return {&sp.a_nm};
        if (k == "c_nm" && sp.lattice == Lattice::beta_NaREF4) return {&sp.c_nm};
        if (k == "radius_nm" && sphere) return {&sp.radius_nm};
        if (k == "count") return {nullptr, &sp.count};
        if (k == "seed") return {nullptr, nullptr, &sp.seed};
        if (k == "nc_density_cm3") return {&sp.nc_density_cm3};
        if (k == "warmup_s") return {&sp.warmup_s};
        if (k == "measure_s") return {&sp.measure_s};
        return {};
    }
    if (k == "cells" && n == 3 && !sphere) {
        const long i = index_of(c[2]);
        if (i < 0 || i >= static_cast<long>(sp.cells.size())) return {};
        return {nullptr, &sp.cells[static_cast<std::size_t>(i)]};
    }
    if (k == "composition" && n == 3 && sp.shells.empty()) {
        return composition_slot(sp.composition, species, c[2]);
    }
    if (k == "shell" && n >= 4) {
        const long i = index_of(c[2]);
        if (i < 0 || i >= static_cast<long>(sp.shells.size())) return {};
        ShellSpec& sh = sp.shells[static_cast<std::size_t>(i)];
        // A shell has either key (the other is derived): the outer radius of a thickness_nm shell
        // is not a key of its own (derive() would overwrite a value set there).
        if (n == 4 && c[3] == "outer_radius_nm" && !sh.thickness_nm) return {&sh.outer_radius_nm};
        if (n == 4 && c[3] == "thickness_nm" && sh.thickness_nm)
            return {nullptr, nullptr, nullptr, &sh.thickness_nm};
        if (n == 5 && c[3] == "composition") return composition_slot(sh.composition, species, c[4]);
        return {};
    }
    if (k == "ligand" && sp.ligand && n >= 3) {
        LigandShellSpec& l = *sp.ligand;
        if (n == 3) {
            if (c[2] == "surface_density_nm2") return {&l.surface_density_nm2};
            if (c[2] == "standoff_nm") return {&l.standoff_nm};
            if (c[2] == "r0_nm") return {&l.r0_nm};
            if (c[2] == "L_nm") return {&l.L_nm};
            return {};
        }
        if (n == 4 && c[2] == "kTET0_s") return composition_slot(l.kTET0_s, species, c[3]);
        if (n == 4 && c[2] == "kSET0_s") return composition_slot(l.kSET0_s, species, c[3]);
        return {};
    }
    if ((k == "transfer" || k == "annihilation" || k == "surface_quench") && n == 4) {
        const long i = index_of(c[2]);
        if (i < 0) return {};
        const auto ui = static_cast<std::size_t>(i);
        if (k == "transfer")
            return ui < sp.transfers.size() ? law_slot(sp.transfers[ui].law, c[3]) : Slot{};
        if (k == "annihilation") {
            return ui < sp.annihilations.size() ? law_slot(sp.annihilations[ui].law, c[3]) : Slot{};
        }
        if (ui >= sp.surface_quench.size()) return {};
        if (c[3] == "k_surface_s") return {&sp.surface_quench[ui].k_surface_s};
        if (c[3] == "surface_length_nm") return {&sp.surface_quench[ui].surface_length_nm};
        return {};
    }
    if (k == "excitation" && sp.excitation && n == 3) {
        ExcitationSpec& e = *sp.excitation;
        if (c[2] == "fraction") return {&e.fraction};
        if (c[2] == "decay_until_s") return {&e.decay_until_s};
        if (c[2] == "points") return {nullptr, &e.points};
        return {};
    }
    return {};
}

//! Inscribed-sphere radius of the periodic box: half its smallest width between opposite faces.
double half_box_nm(const NanocrystalSpec& sp) {
    const double nx = sp.cells.size() > 0 ? sp.cells[0] : 0;
    const double ny = sp.cells.size() > 1 ? sp.cells[1] : 0;
    const double nz = sp.cells.size() > 2 ? sp.cells[2] : 0;
    if (sp.lattice == Lattice::simple_cubic) return 0.5 * sp.a_nm * std::min({nx, ny, nz});
    // Hexagonal cell: a1 = a(1,0,0), a2 = a(-1/2, sqrt(3)/2, 0), a3 = c(0,0,1). The faces spanned
    // by (a2, a3) are nx a sin(120 deg) apart, likewise (a1, a3) ny a sin(120 deg), and the basal
    // faces nz c.
    const double s = std::sqrt(3.0) / 2.0;
    return 0.5 * std::min({nx * sp.a_nm * s, ny * sp.a_nm * s, nz * sp.c_nm});
}

std::string composition_problem(const Composition& c, const std::vector<std::string>* species,
                                const std::string& where) {
    double sum = 0.0;
    for (double v : c) sum += v;
    if (sum > 1.0 + 1e-12) {
        std::string parts;
        for (std::size_t s = 0; s < c.size(); ++s) {
            if (c[s] == 0.0) continue;
            if (!parts.empty()) parts += " + ";
            parts += species && s < species->size() ? fmt::format("{} {:g}", (*species)[s], c[s])
                                                    : fmt::format("{:g}", c[s]);
        }
        return fmt::format("the composition of {} sums to {:g} ({}) > 1", where, sum, parts);
    }
    return {};
}

}  // namespace

std::optional<double> get_parameter(const NanocrystalSpec& spec,
                                    const std::vector<std::string>& species,
                                    const std::string& key_path) {
    NanocrystalSpec copy = spec;  // find_slot may grow a composition vector
    return get_parameter_in(copy, species, key_path);
}

std::optional<double> get_parameter_in(NanocrystalSpec& spec,
                                       const std::vector<std::string>& species,
                                       const std::string& key_path) {
    const Slot s = find_slot(spec, species, split(key_path));
    if (s.d) return *s.d;
    if (s.i) return static_cast<double>(*s.i);
    if (s.u) return static_cast<double>(*s.u);
    if (s.opt) return **s.opt;
    return std::nullopt;
}

bool set_parameter(NanocrystalSpec& spec, const std::vector<std::string>& species,
                   const std::string& key_path, double value) {
    const Slot s = find_slot(spec, species, split(key_path));
    if (s.d) *s.d = value;
    if (s.i) *s.i = static_cast<int>(std::lround(value));
    if (s.u) *s.u = static_cast<std::uint64_t>(std::llround(std::max(value, 0.0)));
    if (s.opt) *s.opt = value;
    return s.valid();
}

void derive(const NanocrystalConfig& config, NanocrystalSpec& spec) {
    double inner = 0.0;
    for (ShellSpec& sh : spec.shells) {
        if (sh.thickness_nm) sh.outer_radius_nm = inner + *sh.thickness_nm;
        inner = sh.outer_radius_nm;
    }
    if (config.radius_follows_shells && !spec.shells.empty()) {
        spec.radius_nm = spec.shells.back().outer_radius_nm;
    }
}

std::string parameter_unit(const std::string& key_path) {
    const ParamRule* r = detail::find_nc_rule(key_path);
    if (!r) return {};
    if (r->unit == "nm^s s^-1") return "nm^s s^-1 (s = multipolarity)";
    return std::string(r->unit);
}

std::string check_parameter_value(const std::string& key_path, double value, std::string& allowed) {
    const ParamRule* r = detail::find_nc_rule(key_path);
    if (!r) {
        allowed.clear();
        return "'" + key_path + "' is not a numeric nanocrystal key";
    }
    allowed = io::detail::range_text(*r);
    std::string p = io::detail::check_rule(*r, value);
    if (p.empty() && key_path.size() > 14 &&
        key_path.compare(key_path.size() - 14, 14, ".multipolarity") == 0 && value != 6.0 &&
        value != 8.0 && value != 10.0) {
        allowed = "6, 8 or 10";
        p = fmt::format("multipolarity {} is not 6 (dipole-dipole), 8 or 10", value);
    }
    return p;
}

namespace {

//! The [nanocrystal] block of `relsim init` (config_registry.hpp, ConfigTables::starting_block);
//! the numbers are those of configs/microscopic/eu_series.toml, where each carries its source.
constexpr const char* kStartingBlock =
    R"(## Optional [nanocrystal] (docs/microscopic.md): the site-resolved model of each
## nanocrystal (ions on the lattice, ligands on the surface) replaces the mean-field densities
## and kTET_s. To add it, delete the leading "# " of each line below.
# [nanocrystal]
# engine = "linear"              # exact per NC at low current; "kmc" for any current
# lattice = "beta_NaREF4"        # hexagonal NaREF4
# host = "NaGdF4"
# shape = "sphere"
# radius_nm = 5.0
# count = 8                      # NCs per point (random doping and ligand placement)
# seed = 1
# nc_density_cm3 = 5.54e17       # NCs per cm^3 of the layer
# composition = { Tb = 0.40 }    # dopant fraction of the rare-earth sites
# [nanocrystal.ligand]
# surface_density_nm2 = 1.5      # ligands per nm^2 of surface
# standoff_nm = 0.5              # ligand centre above the surface
# r0_nm = 0.5                    # Dexter contact distance
# L_nm = 0.15                    # Dexter decay length
# kTET0_s = { Tb = 1.0e10 }      # ligand -> ion transfer rate at contact (s^-1)
)";

}  // namespace

void register_config_tables() {
    io::ConfigTables t;
    t.module = "nanocrystal";
    t.tables = {"nanocrystal"};
    // Swept nanocrystal.* keys (with the table): key and values checked by read_config; their
    // units from the key table (the /axes unit of a microscopic sweep).
    t.sweep_prefixes = {"nanocrystal."};
    t.sweep_needs_table = true;
    t.unit = &parameter_unit;  // "" for any key outside its rules (all "nanocrystal.*")
    t.starting_block = kStartingBlock;
    for (const auto& r : detail::kNanocrystalRules) t.keys.emplace_back(r.pattern);
    // The lattice sets the dopant densities and kTET0_s the pair rates; a PL decay
    // ([nanocrystal.excitation]) runs without current (J = 0 stands for absent).
    t.supplies = {{"nanocrystal", "dopant.*.density_cm3", false},
                  {"nanocrystal", "dopant.*.kTET_s", false},
                  {"nanocrystal.excitation", "device.current_density_mA_cm2", true}};
    t.refuses = {{"output",
                  "[output] (chosen outputs and reductions) is not yet combined with "
                  "[nanocrystal] (the microscopic model stores its own layout)",
                  "no [output] table in a config with [nanocrystal]"}};
    io::register_config_tables(std::move(t));
}

KeyProblem geometry_problem_at(const NanocrystalSpec& sp, const std::vector<std::string>* species) {
    auto comp_key = [&](const std::string& prefix) { return prefix + "composition"; };
    if (sp.shape == Shape::sphere) {
        double prev = 0.0;
        for (std::size_t i = 0; i < sp.shells.size(); ++i) {
            const std::string pre = fmt::format("nanocrystal.shell.{}.", i);
            const double r = sp.shells[i].outer_radius_nm;
            if (sp.shells[i].thickness_nm) {  // thickness >= 0: an empty shell is allowed
                prev = r;
                if (auto p = composition_problem(sp.shells[i].composition, species,
                                                 fmt::format("shell {}", i));
                    !p.empty()) {
                    return {comp_key(pre), p};
                }
                continue;
            }
            if (!(r > prev)) {
                return {
                    pre + "outer_radius_nm",
                    fmt::format("shell {} has outer_radius_nm = {:g}, not above {} ({:g} nm): "
                                "shells must be listed from the centre out with increasing radii",
                                i, r, i == 0 ? std::string("0") : fmt::format("shell {}'s", i - 1),
                                prev)};
            }
            prev = r;
            if (auto p = composition_problem(sp.shells[i].composition, species,
                                             fmt::format("shell {}", i));
                !p.empty()) {
                return {comp_key(pre), p};
            }
        }
        if (!sp.shells.empty() && !(prev > 0.0)) {
            return {"nanocrystal.shell.0.thickness_nm",
                    "every shell has thickness 0: the nanocrystal has no volume"};
        }
        if (!sp.shells.empty() && std::abs(prev - sp.radius_nm) > 1e-9 * std::max(1.0, prev)) {
            return {
                "nanocrystal.radius_nm",
                fmt::format("the last shell ends at {:g} nm but radius_nm = {:g}: the last shell's "
                            "outer_radius_nm must equal radius_nm (or leave radius_nm out and it "
                            "follows the last shell)",
                            prev, sp.radius_nm)};
        }
    } else {
        const double half = half_box_nm(sp);
        auto check_cut = [&](const PairLaw& law, const char* what, std::size_t i) -> KeyProblem {
            if (law.cutoff_nm && *law.cutoff_nm > half) {
                return {
                    fmt::format("nanocrystal.{}.{}.cutoff_nm", what, i),
                    fmt::format("{} {} has cutoff_nm = {:g} beyond half the periodic box "
                                "({:g} nm): minimum-image distances are unique only up to there",
                                what, i, *law.cutoff_nm, half)};
            }
            return {};
        };
        for (std::size_t i = 0; i < sp.transfers.size(); ++i) {
            if (auto p = check_cut(sp.transfers[i].law, "transfer", i); !p.problem.empty())
                return p;
        }
        for (std::size_t i = 0; i < sp.annihilations.size(); ++i) {
            if (auto p = check_cut(sp.annihilations[i].law, "annihilation", i); !p.problem.empty())
                return p;
        }
    }
    if (sp.shells.empty()) {
        if (auto p = composition_problem(sp.composition, species, "[nanocrystal]"); !p.empty()) {
            return {"nanocrystal.composition", p};
        }
    }
    return {};
}

std::string geometry_problem(const NanocrystalSpec& spec) {
    return geometry_problem_at(spec, nullptr).problem;
}

std::string level_name(const model::ModelParams& params, const LevelRef& ref) {
    if (ref.species < 0 || ref.species >= static_cast<int>(params.dopants.size())) return "?";
    const model::DopantParams& d = params.dopants[static_cast<std::size_t>(ref.species)];
    if (ref.is_ground()) return d.ion + ":ground";
    if (ref.level >= static_cast<int>(d.scheme.levels.size())) return d.ion + ":?";
    return d.ion + ":" + d.scheme.levels[static_cast<std::size_t>(ref.level)].name;
}

}  // namespace relsim::nanocrystal
