//! @file nanocrystal_sweep.cpp
//! The `nanocrystal.*` sweep keys of a config: each must name a numeric key of the
//! [nanocrystal] table, every value must be in range, and every combination of the nanocrystal
//! axes must keep the geometry consistent (shells, compositions, cutoffs).
#include "nanocrystal_sweep.hpp"

#include <fmt/format.h>

#include "nanocrystal_rules.hpp"
#include "relsim/nanocrystal/engine.hpp"

namespace relsim::nanocrystal {

using io::detail::list_text;

namespace {

std::string sweep_key_hint(const std::string& kp, const NanocrystalConfig& out_) {
    if (kp.find(".cutoff_nm") != std::string::npos)
        return " (a cutoff is sweepable only where the table sets one)";
    if (kp.find(".C_nm_s") != std::string::npos || kp.find(".W0_s") != std::string::npos ||
        kp.find(".multipolarity") != std::string::npos || kp.find(".r0_nm") != std::string::npos) {
        return " (a pair law has C_nm_s/multipolarity or W0_s/r0_nm/L_nm, whichever its table "
               "gives)";
    }
    if (kp.find(".composition.") != std::string::npos || kp.find("_s.") != std::string::npos) {
        return " (the last component must be a [[dopant]] ion: " + list_text(out_.species) + ")";
    }
    if (kp == "nanocrystal.radius_nm" && out_.spec.shape != Shape::sphere)
        return " (a periodic box has no radius)";
    return " (index out of range, or the table is absent)";
}

}  // namespace

void check_sweep_keys(const io::detail::Src& src_, const toml::table& root,
                      const io::RunConfig& cfg_, const NanocrystalConfig& out_) {
    if (!cfg_.sweep) return;
    const toml::array* axes = nullptr;
    if (const toml::node* s = root.get("sweep"); s && s->as_table()) {
        if (const toml::node* a = s->as_table()->get("axis")) axes = a->as_array();
    }
    auto axis_source = [&](std::size_t a) -> toml::source_region {
        if (axes && a < axes->size()) return axes->get(a)->source();
        return root.source();
    };
    const auto& sweep_axes = cfg_.sweep->axes;
    const bool random = cfg_.sweep->mode == "random";
    std::vector<std::size_t> nc_axes;
    for (std::size_t a = 0; a < sweep_axes.size(); ++a) {
        const io::SweepAxis& ax = sweep_axes[a];
        bool any = false;
        for (std::size_t k = 0; k < ax.keys.size(); ++k) {
            const std::string& kp = ax.keys[k];
            if (kp.rfind("nanocrystal.", 0) != 0) continue;
            any = true;
            // In random mode every key is its own [[sweep.axis]] table, in order.
            const std::size_t table = random ? k : a;
            const std::string akey = fmt::format("sweep.axis.{}.{}", table,
                                                 ax.keys.size() > 1 && !random ? "keys" : "key");
            if (kp == "nanocrystal.excitation.points" ||
                kp == "nanocrystal.excitation.decay_until_s") {
                src_.fail(
                    axis_source(table), akey,
                    fmt::format(
                        "'{}' fixes the time grid of the decay datasets, shared by every point",
                        kp),
                    "any other numeric [nanocrystal] key");
            }
            if (!get_parameter(out_.spec, out_.species, kp)) {
                const std::string near = io::detail::closest_key_path(
                    kp, detail::kNanocrystalRules, [&](const std::string& c) {
                        return get_parameter(out_.spec, out_.species, c).has_value();
                    });
                src_.fail(axis_source(table), akey,
                          fmt::format("'{}' names no numeric key of this [nanocrystal] table{}", kp,
                                      near.empty() ? sweep_key_hint(kp, out_)
                                                   : " (did you mean '" + near + "'?)"),
                          "a numeric [nanocrystal] key of this config: nanocrystal.<key>, "
                          "nanocrystal.shell.<i>.outer_radius_nm, "
                          "nanocrystal.shell.<i>.composition.<Ion>, "
                          "nanocrystal.ligand.kTET0_s.<Ion>, nanocrystal.transfer.<i>.C_nm_s, ... "
                          "(configs/README.md)");
            }
            for (std::size_t i = 0; i < ax.values[k].size(); ++i) {
                std::string allowed;
                if (auto p = check_parameter_value(kp, ax.values[k][i], allowed); !p.empty()) {
                    src_.fail(axis_source(table), kp,
                              fmt::format("sweep axis {} point {}: {}", a, i, p), allowed);
                }
            }
        }
        if (any) nc_axes.push_back(a);
    }
    if (nc_axes.empty()) return;
    // Every combination of the nanocrystal axes must give a consistent geometry.
    std::vector<std::size_t> idx(nc_axes.size(), 0);
    NanocrystalSpec point = out_.spec;
    while (true) {
        for (std::size_t j = 0; j < nc_axes.size(); ++j) {
            const io::SweepAxis& ax = sweep_axes[nc_axes[j]];
            for (std::size_t k = 0; k < ax.keys.size(); ++k) {
                if (ax.keys[k].rfind("nanocrystal.", 0) == 0) {
                    set_parameter(point, out_.species, ax.keys[k], ax.values[k][idx[j]]);
                }
            }
        }
        derive(out_, point);
        if (const KeyProblem p = geometry_problem_at(point, &out_.species); !p.problem.empty()) {
            std::string at;
            for (std::size_t j = 0; j < nc_axes.size(); ++j) {
                at += fmt::format("{}axis {} point {}", j ? ", " : "", nc_axes[j], idx[j]);
            }
            src_.fail(axis_source(random ? 0 : nc_axes.front()), p.key,
                      fmt::format("sweep ({}): {}", at, p.problem),
                      "sweep values that keep the geometry consistent (zip keys that must move "
                      "together, e.g. radius_nm with the last shell)");
        }
        if (const CostProblem p = cost_problem(point, cfg_.model); !p.problem.empty()) {
            std::string at;
            for (std::size_t j = 0; j < nc_axes.size(); ++j) {
                at += fmt::format("{}axis {} point {}", j ? ", " : "", nc_axes[j], idx[j]);
            }
            src_.fail(axis_source(random ? 0 : nc_axes.front()), p.key,
                      fmt::format("sweep ({}): {}", at, p.problem),
                      "sweep values whose runs fit in memory and finish (docs/microscopic.md)");
        }
        std::size_t j = nc_axes.size();
        while (j-- > 0) {
            if (++idx[j] < sweep_axes[nc_axes[j]].size()) break;
            idx[j] = 0;
        }
        if (j == static_cast<std::size_t>(-1)) break;
    }
}

}  // namespace relsim::nanocrystal
