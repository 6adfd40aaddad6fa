//! @file nanocrystal_config.cpp
//! The [nanocrystal] reader (spec shared/spec/microscopic-model.md, section 6): re-parses the
//! verbatim config text, reads every key with the shared typed, range-checked accessors
//! (src/io/detail/toml_reader.hpp), resolves "<Ion>:<level>" against the [[dopant]] tables,
//! and checks the nanocrystal sweep keys and every sweep point's geometry. The class Reader is
//! declared in nanocrystal_reader.hpp; its "<Ion>:<level>" references and interaction tables
//! are read in nanocrystal_interactions.cpp.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "relsim/io/detail/config_document.hpp"
#include "relsim/io/detail/toml_reader.hpp"
#include "nanocrystal_reader.hpp"
#include "nanocrystal_rules.hpp"
#include "nanocrystal_sweep.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/nanocrystal/engine.hpp"

namespace relsim::nanocrystal::detail {

using io::detail::join;
using io::detail::list_text;
using io::detail::Src;
using model::Origin;

namespace {

//! Lattice constants of the hexagonal (beta) hosts, `host = "..."`:
//!  beta-NaYF4:  a = 0.596 nm, c = 0.353 nm -- JCPDS card 16-0334 (hexagonal NaYF4, P-6);
//!  beta-NaGdF4: a = 0.602 nm, c = 0.360 nm -- JCPDS card 27-0699 (hexagonal NaGdF4).
//! The values the contract names (shared/spec/microscopic-model.md section 1).
struct Host {
    const char* name;
    double a_nm, c_nm;
    const char* source;
};
constexpr Host kHosts[] = {
    {"NaYF4", 0.596, 0.353, "beta-NaYF4, JCPDS 16-0334"},
    {"NaGdF4", 0.602, 0.360, "beta-NaGdF4, JCPDS 27-0699"},
};

}  // namespace

Reader::Reader(const io::RunConfig& cfg) : cfg_(cfg), src_(cfg.path) {
    for (const auto& d : cfg.model.dopants) out_.species.push_back(d.ion);
}

NanocrystalConfig Reader::read() {
    const auto document = io::detail::document_of(cfg_);  // parsed once by io::load_config
    const toml::table& root = document->root;
    const toml::node* n = root.get("nanocrystal");
    if (!n) {
        src_.fail(root.source(), "nanocrystal", "the config has no [nanocrystal] table",
                  "a [nanocrystal] table");
    }
    const toml::table& t = src_.table(*n, "nanocrystal");
    src_.check_keys(
        t, "nanocrystal",
        {"engine",         "lattice",   "host",         "a_nm",           "c_nm",
         "shape",          "radius_nm", "cells",        "count",          "seed",
         "nc_density_cm3", "warmup_s",  "measure_s",    "composition",    "shell",
         "ligand",         "transfer",  "annihilation", "surface_quench", "excitation"});
    NanocrystalSpec& sp = out_.spec;
    read_choices(t);
    read_scalars(t);
    read_shells(t);
    if (const toml::node* l = t.get("ligand")) read_ligand(src_.table(*l, "nanocrystal.ligand"));
    read_pairs(t, "transfer");
    read_pairs(t, "annihilation");
    read_surface_quench(t);
    if (const toml::node* e = t.get("excitation")) {
        read_excitation(src_.table(*e, "nanocrystal.excitation"));
    }
    check_run_kind(t);
    if (const KeyProblem p = geometry_problem_at(sp, &out_.species); !p.problem.empty()) {
        fail_at(p.key, p.problem, "a consistent geometry (configs/README.md)");
    }
    if (const CostProblem p = cost_problem(sp, cfg_.model); !p.problem.empty()) {
        fail_at(p.key, p.problem,
                "a run that fits in memory and finishes (docs/microscopic.md, \"Size and time "
                "guards\")");
    }
    check_sweep_keys(src_, root, cfg_, out_);
    fill_resolved();
    return std::move(out_);
}

double Reader::number(const toml::node& n, const std::string& key) {
    const double v = src_.number(n, key, detail::find_nc_rule(key));
    record(key, n);
    return v;
}

void Reader::fail_at(const std::string& key, const std::string& problem,
                     const std::string& allowed) {
    // The offending key, or the nearest enclosing table that was read.
    std::string k = key;
    while (true) {
        if (const auto it = where_.find(k); it != where_.end())
            src_.fail(it->second, key, problem, allowed);
        const auto dot = k.rfind('.');
        if (dot == std::string::npos) break;
        k = k.substr(0, dot);
    }
    src_.fail(nc_source_, key, problem, allowed);
}

std::string Reader::species_list() const {
    return out_.species.empty() ? std::string("(the config has no [[dopant]])")
                                : list_text(out_.species);
}

std::vector<double> Reader::per_species(const toml::node& n, const std::string& key) {
    const toml::table& t = src_.table(n, key, "an inline table { <Ion> = <number>, ... }");
    record(key, n);
    std::vector<double> v(out_.species.size(), 0.0);
    for (auto&& [k, val] : t) {
        const std::string ion(k.str());
        const std::string kk = join(key, ion);
        const auto it = std::find(out_.species.begin(), out_.species.end(), ion);
        if (it == out_.species.end()) {
            src_.fail(k.source().begin.line > 0 ? k.source() : val.source(), kk,
                      fmt::format("'{}' names no [[dopant]] of this config", ion),
                      "a dopant ion: " + species_list());
        }
        v[static_cast<std::size_t>(it - out_.species.begin())] = number(val, kk);
    }
    return v;
}

void Reader::read_choices(const toml::table& t) {
    NanocrystalSpec& sp = out_.spec;
    nc_source_ = t.source();
    auto choice = [&](const char* name, std::initializer_list<const char*> values) -> std::string {
        const toml::node* n = t.get(name);
        if (!n) return {};
        std::string allowed;
        for (const char* v : values)
            allowed += (allowed.empty() ? "\"" : ", \"") + std::string(v) + "\"";
        const std::string key = join(std::string("nanocrystal"), name);
        const std::string v = src_.string(*n, key, allowed);
        record(key, *n);
        if (std::none_of(values.begin(), values.end(), [&](const char* x) { return v == x; })) {
            src_.fail(n->source(), key, fmt::format("unknown {} '{}'", name, v), allowed);
        }
        return v;
    };
    const std::string engine = choice("engine", {"linear", "kmc"});
    sp.engine = engine == "kmc" ? Engine::kmc : Engine::linear;
    const std::string lattice = choice("lattice", {"beta_NaREF4", "simple_cubic"});
    sp.lattice = lattice == "simple_cubic" ? Lattice::simple_cubic : Lattice::beta_NaREF4;
    const std::string shape = choice("shape", {"sphere", "periodic_box"});
    sp.shape = shape == "periodic_box" ? Shape::periodic_box : Shape::sphere;
    std::string host = choice("host", {"NaGdF4", "NaYF4"});
    if (!host.empty() && sp.lattice != Lattice::beta_NaREF4) {
        src_.fail(t.get("host")->source(), "nanocrystal.host",
                  "'host' sets the hexagonal lattice constants; it needs lattice = \"beta_NaREF4\"",
                  "lattice = \"beta_NaREF4\", or give a_nm for simple_cubic");
    }
    if (host.empty()) host = "NaGdF4";
    for (const Host& h : kHosts) {
        if (host == h.name) {
            sp.a_nm = h.a_nm;
            sp.c_nm = h.c_nm;
            host_source_ = h.source;
        }
    }
}

void Reader::read_scalars(const toml::table& t) {
    NanocrystalSpec& sp = out_.spec;
    const bool sphere = sp.shape == Shape::sphere;
    auto num = [&](const char* name, double& out) -> const toml::node* {
        const toml::node* n = t.get(name);
        if (n) out = number(*n, join(std::string("nanocrystal"), name));
        return n;
    };
    auto only = [&](const char* name, bool allowed, const std::string& why) {
        if (const toml::node* n = t.get(name); n && !allowed) {
            src_.fail(n->source(), join(std::string("nanocrystal"), name), why, "leave it out");
        }
    };
    if (sp.lattice == Lattice::simple_cubic) {
        if (!t.get("a_nm")) {
            src_.missing(t, "nanocrystal", "a_nm",
                         "the cube edge, " + Src::range_of("nanocrystal.a_nm") +
                             " (a simple_cubic lattice has no default)");
        }
        only("c_nm", false, "c_nm is a beta_NaREF4 key; a simple_cubic lattice has one edge a_nm");
    }
    num("a_nm", sp.a_nm);
    num("c_nm", sp.c_nm);
    only("radius_nm", sphere, "radius_nm is a sphere key; a periodic box is sized by cells");
    only("cells", !sphere, "cells is a periodic_box key; a sphere is sized by radius_nm");
    if (sphere) {
        if (!num("radius_nm", sp.radius_nm)) {
            if (!t.get("shell")) {
                src_.missing(t, "nanocrystal", "radius_nm", Src::range_of("nanocrystal.radius_nm"));
            }
            out_.radius_follows_shells = true;
        }
    } else if (const toml::node* c = t.get("cells")) {
        const toml::array& a =
            src_.array(*c, "nanocrystal.cells", "an array [nx, ny, nz] of cell counts");
        if (a.size() != 3) {
            src_.fail(a.source(), "nanocrystal.cells", fmt::format("{} entries", a.size()),
                      "three cell counts [nx, ny, nz], each in [1, 1000]");
        }
        record("nanocrystal.cells", *c);
        for (std::size_t i = 0; i < 3; ++i) {
            sp.cells[i] =
                static_cast<int>(number(*a.get(i), join(std::string("nanocrystal.cells"), i)));
        }
    }
    double v = 0.0;
    if (num("count", v)) sp.count = static_cast<int>(v);
    if (num("seed", v)) sp.seed = static_cast<std::uint64_t>(v);
    num("nc_density_cm3", sp.nc_density_cm3);
    num("warmup_s", sp.warmup_s);
    num("measure_s", sp.measure_s);
    if (const toml::node* c = t.get("composition")) {
        if (t.get("shell")) {
            src_.fail(c->source(), "nanocrystal.composition",
                      "both a composition and [[nanocrystal.shell]] tables are given",
                      "either composition (one uniform sphere or a periodic box) or shells, "
                      "each with its own composition");
        }
        sp.composition = per_species(*c, "nanocrystal.composition");
    } else if (!t.get("shell")) {
        src_.missing(t, "nanocrystal", "composition",
                     "composition = { <Ion> = <fraction>, ... } (or [[nanocrystal.shell]] tables)");
    }
}

void Reader::read_shells(const toml::table& t) {
    const toml::node* n = t.get("shell");
    if (!n) return;
    NanocrystalSpec& sp = out_.spec;
    const char* what = "an array of tables [[nanocrystal.shell]]";
    if (sp.shape != Shape::sphere) {
        src_.fail(n->source(), "nanocrystal.shell", "a periodic box has no shells",
                  "one composition = { ... } in [nanocrystal]");
    }
    const toml::array& arr = src_.array(*n, "nanocrystal.shell", what);
    if (arr.empty())
        src_.fail(arr.source(), "nanocrystal.shell", "no shells", "at least one shell");
    record("nanocrystal.shell", *n);
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::string pre = join(std::string("nanocrystal.shell"), i);
        const toml::table& st = src_.table(*arr.get(i), pre, what);
        record(pre, st);
        src_.check_keys(st, pre, {"outer_radius_nm", "thickness_nm", "composition"});
        ShellSpec sh;
        if (const toml::node* th = st.get("thickness_nm")) {
            if (st.get("outer_radius_nm")) {
                src_.fail(th->source(), join(pre, "thickness_nm"),
                          "both outer_radius_nm and thickness_nm are given",
                          "one of them: outer_radius_nm (0, inf) nm, or thickness_nm [0, inf) nm "
                          "(the outer "
                          "radius is then the previous shell's plus the thickness)");
            }
            sh.thickness_nm = number(*th, join(pre, "thickness_nm"));
        } else {
            sh.outer_radius_nm =
                number(src_.require(st, pre, "outer_radius_nm",
                                    Src::range_of("nanocrystal.shell.*.outer_radius_nm") +
                                        " (or thickness_nm [0, inf) nm)"),
                       join(pre, "outer_radius_nm"));
        }
        const toml::node& c =
            src_.require(st, pre, "composition",
                         "composition = { <Ion> = <fraction>, ... } ({} for an inert shell)");
        sh.composition = per_species(c, join(pre, "composition"));
        sp.shells.push_back(std::move(sh));
    }
    derive(out_, sp);  // outer radii of thickness_nm shells, and radius_nm when it follows them
}

void Reader::read_ligand(const toml::table& t) {
    const std::string pre = "nanocrystal.ligand";
    record(pre, t);
    if (out_.spec.shape != Shape::sphere) {
        src_.fail(t.source(), pre,
                  "a periodic box has no surface, so no [nanocrystal.ligand] shell",
                  "shape = \"sphere\" for ligands; a periodic box is excited by "
                  "[nanocrystal.excitation]");
    }
    src_.check_keys(t, pre,
                    {"surface_density_nm2", "standoff_nm", "r0_nm", "L_nm", "kTET0_s", "kSET0_s"});
    LigandShellSpec l;
    auto num = [&](const char* name, double& out) {
        if (const toml::node* n = t.get(name)) out = number(*n, join(pre, name));
    };
    num("surface_density_nm2", l.surface_density_nm2);
    num("standoff_nm", l.standoff_nm);
    num("r0_nm", l.r0_nm);
    num("L_nm", l.L_nm);
    l.kTET0_s.assign(out_.species.size(), 0.0);
    l.kSET0_s.assign(out_.species.size(), 0.0);
    if (const toml::node* n = t.get("kTET0_s")) l.kTET0_s = per_species(*n, pre + ".kTET0_s");
    if (const toml::node* n = t.get("kSET0_s")) l.kSET0_s = per_species(*n, pre + ".kSET0_s");
    if (!t.get("kTET0_s") && !t.get("kSET0_s")) {
        src_.missing(t, pre, "kTET0_s",
                     "kTET0_s = { <Ion> = <rate>, ... } [0, inf) s^-1 (and/or kSET0_s): without "
                     "them the ligands pass no energy to the ions");
    }
    out_.spec.ligand = std::move(l);
}

void Reader::read_excitation(const toml::table& t) {
    const std::string pre = "nanocrystal.excitation";
    record(pre, t);
    src_.check_keys(t, pre, {"target", "fraction", "decay_until_s", "points"});
    ExcitationSpec e;
    const std::string syntax = "\"<Ion>:<level>\" (e.g. \"Tb:5D4\") or \"ligand\"";
    const toml::node& tn = src_.require(t, pre, "target", syntax);
    if (src_.string(tn, pre + ".target", syntax) == "ligand") {
        e.target_is_ligand = true;
        record(pre + ".target", tn);
        if (!out_.spec.ligand) {
            src_.fail(tn.source(), pre + ".target",
                      "target = \"ligand\" but the NC has no [nanocrystal.ligand]",
                      "an ion level \"<Ion>:<level>\", or add [nanocrystal.ligand]");
        }
    } else {
        e.target = level_ref(tn, pre + ".target", false);
    }
    if (const toml::node* n = t.get("fraction")) e.fraction = number(*n, pre + ".fraction");
    if (const toml::node* n = t.get("decay_until_s"))
        e.decay_until_s = number(*n, pre + ".decay_until_s");
    if (const toml::node* n = t.get("points"))
        e.points = static_cast<int>(number(*n, pre + ".points"));
    out_.spec.excitation = e;
}

void Reader::check_run_kind(const toml::table& t) {
    const NanocrystalSpec& sp = out_.spec;
    if (cfg_.transient && cfg_.model.physics.polaron_decay && sp.engine == Engine::linear) {
        fail_at(
            "nanocrystal.engine",
            "[physics] polaron_decay with [transient] needs time-dependent rates after the pulse, "
            "which the linear engine's matrix exponentials do not have",
            "engine = \"kmc\" (exact, by thinning), or polaron_decay = false");
    }
    if (sp.excitation) {
        if (cfg_.transient) {
            fail_at("nanocrystal.excitation",
                    "both [nanocrystal.excitation] (a PL decay) and [transient] (an EL pulse) are "
                    "given",
                    "one of them per config");
        }
        return;
    }
    if (sp.shape == Shape::periodic_box) {
        src_.fail(t.source(), "nanocrystal.excitation",
                  "a periodic box has no ligands, so no electrical generation: it needs a direct "
                  "excitation",
                  "a [nanocrystal.excitation] table (target = \"<Ion>:<level>\")");
    }
    if (!sp.ligand) {
        src_.fail(t.source(), "nanocrystal.ligand",
                  "an EL run generates excitons on the ligand shell, but the NC has no "
                  "[nanocrystal.ligand]",
                  "a [nanocrystal.ligand] table, or a [nanocrystal.excitation] for a PL decay");
    }
}

void Reader::fill_resolved() {
    const NanocrystalSpec& sp = out_.spec;
    std::vector<std::string> keys;
    auto add = [&](const std::string& k) { keys.push_back(k); };
    for (const char* k : {"a_nm", "c_nm", "radius_nm", "count", "seed", "nc_density_cm3",
                          "warmup_s", "measure_s"}) {
        add(join(std::string("nanocrystal"), k));
    }
    for (std::size_t i = 0; i < 3; ++i) add(fmt::format("nanocrystal.cells.{}", i));
    auto comp = [&](const std::string& pre, const Composition& c) {
        for (std::size_t s = 0; s < out_.species.size(); ++s) {
            if (s < c.size() && (c[s] != 0.0 || where_.count(join(pre, out_.species[s]))))
                add(join(pre, out_.species[s]));
        }
    };
    if (sp.shells.empty()) comp("nanocrystal.composition", sp.composition);
    for (std::size_t i = 0; i < sp.shells.size(); ++i) {
        add(fmt::format("nanocrystal.shell.{}.{}", i,
                        sp.shells[i].thickness_nm ? "thickness_nm" : "outer_radius_nm"));
        comp(fmt::format("nanocrystal.shell.{}.composition", i), sp.shells[i].composition);
    }
    if (sp.ligand) {
        for (const char* k : {"surface_density_nm2", "standoff_nm", "r0_nm", "L_nm"})
            add(join(std::string("nanocrystal.ligand"), k));
        comp("nanocrystal.ligand.kTET0_s", sp.ligand->kTET0_s);
        comp("nanocrystal.ligand.kSET0_s", sp.ligand->kSET0_s);
    }
    auto laws = [&](const char* kind, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) {
            for (const char* k :
                 {"C_nm_s", "multipolarity", "W0_s", "r0_nm", "L_nm", "cutoff_nm"}) {
                add(fmt::format("nanocrystal.{}.{}.{}", kind, i, k));
            }
        }
    };
    laws("transfer", sp.transfers.size());
    laws("annihilation", sp.annihilations.size());
    for (std::size_t i = 0; i < sp.surface_quench.size(); ++i) {
        add(fmt::format("nanocrystal.surface_quench.{}.k_surface_s", i));
        add(fmt::format("nanocrystal.surface_quench.{}.surface_length_nm", i));
    }
    if (sp.excitation) {
        for (const char* k : {"fraction", "decay_until_s", "points"})
            add(join(std::string("nanocrystal.excitation"), k));
    }
    NanocrystalSpec scratch = sp;  // one copy for every lookup (a copy per key was quadratic)
    for (const std::string& k : keys) {
        const auto v = get_parameter_in(scratch, out_.species, k);
        if (!v) continue;  // not a key of this spec (e.g. c_nm of a cubic lattice)
        io::ResolvedParameter r;
        r.key = k;
        r.value = *v;
        r.unit = parameter_unit(k);
        if (r.unit.rfind("nm^s", 0) == 0) {
            const auto m = get_parameter_in(scratch, out_.species,
                                            k.substr(0, k.rfind('.')) + ".multipolarity");
            r.unit = fmt::format("nm^{} s^-1", m ? static_cast<int>(*m) : 6);
        }
        if (const auto it = where_.find(k); it != where_.end()) {
            r.origin = Origin::config;
            r.source = fmt::format("{}:{}", src_.file(), it->second.begin.line);
        } else if (k == "nanocrystal.radius_nm" && out_.radius_follows_shells) {
            r.origin = Origin::derived;
            r.source = "outer radius of the last shell";
        } else if ((k == "nanocrystal.a_nm" || k == "nanocrystal.c_nm") &&
                   sp.lattice == Lattice::beta_NaREF4) {
            r.origin = Origin::default_value;
            r.source = host_source_;
        } else {
            r.origin = Origin::default_value;
            r.source = "default";
        }
        out_.resolved.push_back(std::move(r));
    }
}
}  // namespace relsim::nanocrystal::detail

namespace relsim::nanocrystal {

NanocrystalConfig read_config(const io::RunConfig& config) { return detail::Reader(config).read(); }

}  // namespace relsim::nanocrystal
