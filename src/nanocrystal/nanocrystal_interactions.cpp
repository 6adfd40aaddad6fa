//! @file nanocrystal_interactions.cpp
//! The [nanocrystal] reader's "<Ion>:<level>" references (resolved against the [[dopant]]
//! schemes) and its interaction tables: [[nanocrystal.transfer]], [[nanocrystal.annihilation]]
//! with their pair laws (multipolar C / r^s or exchange), and [[nanocrystal.surface_quench]]
//! (spec shared/spec/microscopic-model.md, section 6). Members of Reader (nanocrystal_reader.hpp).
#include <algorithm>
#include <tuple>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "nanocrystal_reader.hpp"
#include "nanocrystal_rules.hpp"
#include "relsim/io/detail/toml_reader.hpp"
#include "relsim/nanocrystal/config.hpp"

namespace relsim::nanocrystal::detail {

using io::detail::join;
using io::detail::list_text;
using io::detail::Src;

LevelRef Reader::level_ref(const toml::node& n, const std::string& key, bool ground_ok,
                           int default_species) {
    const std::string syntax = ground_ok ? "\"<Ion>:<level>\" (e.g. \"Tb:5D4\") or \"ground\""
                                         : "\"<Ion>:<level>\", e.g. \"Tb:5D4\"";
    const std::string v = src_.string(n, key, syntax);
    record(key, n);
    if (ground_ok && v == "ground" && default_species >= 0) return {default_species, -1};
    const auto colon = v.find(':');
    if (colon == std::string::npos || v.find(':', colon + 1) != std::string::npos) {
        src_.fail(n.source(), key, "'" + v + "' is not of the form <Ion>:<level>", syntax);
    }
    const std::string ion = v.substr(0, colon);
    const std::string level = v.substr(colon + 1);
    const auto it = std::find(out_.species.begin(), out_.species.end(), ion);
    if (it == out_.species.end()) {
        src_.fail(n.source(), key,
                  fmt::format("'{}' names ion '{}', which is no [[dopant]] of this config", v, ion),
                  "a dopant ion: " + species_list());
    }
    const int s = static_cast<int>(it - out_.species.begin());
    const model::LevelScheme& sch = cfg_.model.dopants[static_cast<std::size_t>(s)].scheme;
    if (ground_ok && level == "ground") return {s, -1};
    std::vector<std::string> names;
    for (std::size_t j = 0; j < sch.levels.size(); ++j) {
        names.push_back(sch.levels[j].name);
        if (sch.levels[j].name == level) return {s, static_cast<int>(j)};
    }
    const bool is_ground_member =
        std::find(sch.ground.begin(), sch.ground.end(), level) != sch.ground.end();
    src_.fail(
        n.source(), key,
        fmt::format("'{}' names level '{}', which is {} of {}", v, level,
                    is_ground_member ? "a member of the ground multiplet, not an excited level"
                                     : "not a level",
                    ion),
        fmt::format("an excited level of {}: {}{}", ion, list_text(names),
                    ground_ok ? fmt::format(" (or \"{}:ground\")", ion) : std::string()));
}

double Reader::level_energy(const LevelRef& r) const {
    if (r.is_ground()) return 0.0;
    return cfg_.model.dopants[static_cast<std::size_t>(r.species)]
        .scheme.levels[static_cast<std::size_t>(r.level)]
        .energy_cm1;
}

PairLaw Reader::read_law(const toml::table& t, const std::string& pre) {
    PairLaw law;
    const toml::node* C = t.get("C_nm_s");
    const toml::node* W = t.get("W0_s");
    const std::string one_of =
        "exactly one of C_nm_s (multipolar C / r^s, with multipolarity 6, 8 or 10) or W0_s "
        "(exchange W0 exp(-2 (r - r0_nm) / L_nm), with r0_nm and L_nm)";
    if (C && W) src_.fail(W->source(), join(pre, "W0_s"), "both C_nm_s and W0_s are given", one_of);
    if (!C && !W) src_.missing(t, pre, "C_nm_s", one_of);
    law.exchange = W != nullptr;
    if (C) {
        law.C_nm_s = number(*C, join(pre, "C_nm_s"));
        if (const toml::node* m = t.get("multipolarity")) {
            const std::string k = join(pre, "multipolarity");
            law.multipolarity = static_cast<int>(number(*m, k));
            std::string allowed;
            if (auto p = check_parameter_value(k, law.multipolarity, allowed); !p.empty()) {
                src_.fail(m->source(), k, p, allowed);
            }
        }
        for (const char* name : {"r0_nm", "L_nm"}) {
            if (const toml::node* n = t.get(name)) {
                src_.fail(
                    n->source(), join(pre, name),
                    fmt::format("'{}' belongs to the exchange law (W0_s), not to C_nm_s", name),
                    "C_nm_s with multipolarity, or W0_s with r0_nm and L_nm");
            }
        }
    } else {
        law.W0_s = number(*W, join(pre, "W0_s"));
        if (const toml::node* m = t.get("multipolarity")) {
            src_.fail(m->source(), join(pre, "multipolarity"),
                      "'multipolarity' belongs to the multipolar law (C_nm_s), not to W0_s",
                      "C_nm_s with multipolarity, or W0_s with r0_nm and L_nm");
        }
        law.r0_nm =
            number(src_.require(t, pre, "r0_nm", Src::range_of("nanocrystal.transfer.*.r0_nm")),
                   join(pre, "r0_nm"));
        law.L_nm =
            number(src_.require(t, pre, "L_nm", Src::range_of("nanocrystal.transfer.*.L_nm")),
                   join(pre, "L_nm"));
    }
    if (const toml::node* c = t.get("cutoff_nm"))
        law.cutoff_nm = number(*c, join(pre, "cutoff_nm"));
    return law;
}

void Reader::read_pairs(const toml::table& nc, const std::string& kind) {
    const toml::node* n = nc.get(kind);
    if (!n) return;
    const std::string base = "nanocrystal." + kind;
    const std::string what = "an array of tables [[" + base + "]]";
    const toml::array& arr = src_.array(*n, base, what);
    record(base, *n);
    const bool transfer = kind == "transfer";
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::string pre = join(base, i);
        const toml::table& t = src_.table(*arr.get(i), pre, what);
        record(pre, t);
        const std::string syntax = "\"<Ion>:<level>\", e.g. \"Tb:5D4\"";
        if (transfer) {
            src_.check_keys(t, pre,
                            {"donor", "donor_to", "acceptor", "C_nm_s", "multipolarity", "W0_s",
                             "r0_nm", "L_nm", "cutoff_nm"});
            TransferSpec tr;
            tr.donor = level_ref(src_.require(t, pre, "donor", syntax), join(pre, "donor"), false);
            tr.donor_to = {tr.donor.species, -1};
            if (const toml::node* d = t.get("donor_to")) {
                tr.donor_to = level_ref(*d, join(pre, "donor_to"), true, tr.donor.species);
                if (tr.donor_to.species != tr.donor.species ||
                    (!tr.donor_to.is_ground() &&
                     !(level_energy(tr.donor_to) < level_energy(tr.donor)))) {
                    src_.fail(
                        d->source(), join(pre, "donor_to"),
                        "donor_to must be the donor ion's ground or a lower level of the same ion",
                        "\"ground\" or an excited level of the donor ion below the donor level");
                }
            }
            tr.acceptor =
                level_ref(src_.require(t, pre, "acceptor", syntax), join(pre, "acceptor"), false);
            tr.law = read_law(t, pre);
            out_.spec.transfers.push_back(std::move(tr));
        } else {
            src_.check_keys(t, pre,
                            {"first", "second", "first_to", "second_to", "C_nm_s", "multipolarity",
                             "W0_s", "r0_nm", "L_nm", "cutoff_nm"});
            AnnihilationSpec an;
            an.first = level_ref(src_.require(t, pre, "first", syntax), join(pre, "first"), false);
            an.second =
                level_ref(src_.require(t, pre, "second", syntax), join(pre, "second"), false);
            an.first_to = {an.first.species, -1};
            if (const toml::node* f = t.get("first_to")) {
                an.first_to = level_ref(*f, join(pre, "first_to"), true, an.first.species);
            }
            const std::string up =
                "\"<Ion>:<level>\" of the second ion (upconversion) or \"ground\"";
            an.second_to = level_ref(src_.require(t, pre, "second_to", up), join(pre, "second_to"),
                                     true, an.second.species);
            for (const auto& [to, from, name] :
                 {std::tuple{an.first_to, an.first, "first_to"},
                  std::tuple{an.second_to, an.second, "second_to"}}) {
                if (to.species != from.species) {
                    src_.fail(t.get(name)->source(), join(pre, name),
                              fmt::format("{} names another ion than {}", name,
                                          std::string(name) == "first_to" ? "first" : "second"),
                              "a level of the same ion, or \"ground\"");
                }
            }
            an.law = read_law(t, pre);
            out_.spec.annihilations.push_back(std::move(an));
        }
    }
}

void Reader::read_surface_quench(const toml::table& nc) {
    const toml::node* n = nc.get("surface_quench");
    if (!n) return;
    const std::string base = "nanocrystal.surface_quench";
    const std::string what = "an array of tables [[nanocrystal.surface_quench]]";
    if (out_.spec.shape != Shape::sphere) {
        src_.fail(n->source(), base, "a periodic box has no surface to quench at",
                  "shape = \"sphere\"");
    }
    const toml::array& arr = src_.array(*n, base, what);
    record(base, *n);
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::string pre = join(base, i);
        const toml::table& t = src_.table(*arr.get(i), pre, what);
        record(pre, t);
        src_.check_keys(t, pre, {"level", "k_surface_s", "surface_length_nm"});
        SurfaceQuenchSpec q;
        q.level = level_ref(src_.require(t, pre, "level", "\"<Ion>:<level>\", e.g. \"Tb:5D4\""),
                            join(pre, "level"), false);
        q.k_surface_s =
            number(src_.require(t, pre, "k_surface_s",
                                Src::range_of("nanocrystal.surface_quench.*.k_surface_s")),
                   join(pre, "k_surface_s"));
        if (const toml::node* l = t.get("surface_length_nm")) {
            q.surface_length_nm = number(*l, join(pre, "surface_length_nm"));
        }
        out_.spec.surface_quench.push_back(q);
    }
}
}  // namespace relsim::nanocrystal::detail
