//! @file config_sweep.cpp
//! The [sweep] table (spec section 5): grid axes (linear, log, values, zipped keys) and random
//! samples, each key checked to be a sweepable parameter of the config and each value against
//! its range.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>
#include <string_view>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "detail/config_parts.hpp"
#include "detail/param_schema.hpp"
#include "detail/splitmix64.hpp"
#include "detail/toml_reader.hpp"
#include "relsim/io/config.hpp"
#include "relsim/io/config_registry.hpp"

namespace relsim::io {
namespace {

using detail::ParamRule;
using detail::join;
using detail::Src;

constexpr double kMaxSweepPoints = 1.0e8;

//! Reads [sweep] into cfg.sweep; the keys are checked against cfg (model tables already read).
class SweepReader {
public:
    SweepReader(const Src& src, const toml::table& root, RunConfig& cfg)
        : src_(src), cfg_(cfg), has_table_{&root} {}

    void read_sweep(const toml::table& t) {
        src_.check_keys(t, "sweep", {"mode", "samples", "seed", "axis"});
        SweepSpec sw;
        if (const toml::node* m = t.get("mode")) {
            sw.mode = src_.string(*m, "sweep.mode", "\"grid\" or \"random\"");
            if (sw.mode != "grid" && sw.mode != "random") {
                src_.fail(m->source(), "sweep.mode", "unknown sweep mode '" + sw.mode + "'",
                          "\"grid\" or \"random\"");
            }
        }
        const bool random = sw.mode == "random";
        std::size_t samples = 0;
        if (random) {
            const toml::node& n =
                src_.require(t, "sweep", "samples", Src::range_of("sweep.samples"));
            samples = static_cast<std::size_t>(src_.number(n, "sweep.samples", "sweep.samples"));
            if (const toml::node* s = t.get("seed")) {
                // Read as an integer, never through a double (exact up to 2^63 - 1).
                const auto* si = s->as_integer();
                if (!si || si->get() < 0) {
                    src_.fail(s->source(), "sweep.seed",
                              si ? "the seed is negative"
                                 : "expected an integer, got " + detail::type_name(*s),
                              "an integer in [0, 9223372036854775807]");
                }
                sw.seed = static_cast<std::uint64_t>(si->get());
            }
        } else {
            for (const auto name : {"samples", "seed"}) {
                if (const toml::node* n = t.get(name)) {
                    src_.fail(n->source(), join(std::string("sweep"), name),
                              fmt::format("'{}' is only used with mode = \"random\"", name),
                              "mode, axis (grid mode)");
                }
            }
        }
        const char* what = "an array of tables [[sweep.axis]]";
        const toml::array& axes =
            src_.array(src_.require(t, "sweep", "axis", what), "sweep.axis", what);
        if (axes.empty()) src_.fail(axes.source(), "sweep.axis", "the sweep has no axis", what);

        std::set<std::string> seen;
        auto claim = [&](const toml::table& at, const std::string& key_of_key,
                         const std::string& kp) {
            check_sweep_key(at, key_of_key, kp);
            if (!seen.insert(kp).second) {
                src_.fail(at.source(), key_of_key, "'" + kp + "' is swept on more than one axis",
                          "each key on one axis only (zip keys that move together)");
            }
        };

        SweepAxis rnd;
        rnd.kind = "random";
        struct RandomRange {
            double from, to;
            bool log;
        };
        std::vector<RandomRange> ranges;
        std::vector<const toml::table*> range_tables;

        for (std::size_t a = 0; a < axes.size(); ++a) {
            const std::string ak = join(std::string("sweep.axis"), a);
            const toml::table& at = src_.table(*axes.get(a), ak, what);
            if (random) {
                src_.check_keys(at, ak, {"key", "from", "log_from", "to"});
                const std::string kp =
                    src_.string(src_.require(at, ak, "key", "a key path"), join(ak, "key"));
                claim(at, join(ak, "key"), kp);
                if (!at.get("from") && !at.get("log_from")) {
                    src_.missing(at, ak, "from",
                                 "from (uniform) or log_from (log-uniform), with to");
                }
                const auto [lo, hi, lg] = range_of_axis(at, ak);
                check_sweep_values(at, a, kp, {lo, hi});
                rnd.keys.push_back(kp);
                ranges.push_back({lo, hi, lg});
                range_tables.push_back(&at);
                continue;
            }
            src_.check_keys(at, ak, {"key", "keys", "from", "log_from", "to", "points", "values"});
            SweepAxis axis;
            if (const toml::node* ks = at.get("keys")) {
                for (const auto name : {"key", "from", "log_from", "to", "points"}) {
                    if (const toml::node* n = at.get(name)) {
                        src_.fail(
                            n->source(), join(ak, name),
                            fmt::format("'{}' does not go with 'keys' (a zipped axis lists its "
                                        "values for every key)",
                                        name),
                            "keys = [..], values = [[..], [..]]");
                    }
                }
                const toml::array& karr =
                    src_.array(*ks, join(ak, "keys"), "an array of key paths");
                if (karr.empty())
                    src_.fail(karr.source(), join(ak, "keys"), "'keys' is empty",
                              "at least one key path");
                for (std::size_t k = 0; k < karr.size(); ++k) {
                    const std::string kp = src_.string(*karr.get(k), join(join(ak, "keys"), k));
                    claim(at, join(ak, "keys"), kp);
                    axis.keys.push_back(kp);
                }
                const std::string vk = join(ak, "values");
                const toml::array& varr =
                    src_.array(src_.require(at, ak, "values", "an array of arrays, one per key"),
                               vk, "an array of arrays, one per key");
                if (varr.size() != axis.keys.size()) {
                    src_.fail(
                        varr.source(), vk,
                        fmt::format("{} value arrays for {} keys", varr.size(), axis.keys.size()),
                        "one array of values per key");
                }
                for (std::size_t k = 0; k < varr.size(); ++k) {
                    axis.values.push_back(value_list(*varr.get(k), join(vk, k)));
                    if (axis.values[k].size() != axis.values[0].size()) {
                        src_.fail(
                            varr.get(k)->source(), join(vk, k),
                            fmt::format("{} values for '{}' but {} for '{}'", axis.values[k].size(),
                                        axis.keys[k], axis.values[0].size(), axis.keys[0]),
                            "value arrays of equal length");
                    }
                }
                axis.kind = "zip";
            } else {
                const std::string kp =
                    src_.string(src_.require(at, ak, "key", "key = \"<key path>\" or keys = [..]"),
                                join(ak, "key"));
                claim(at, join(ak, "key"), kp);
                axis.keys.push_back(kp);
                if (const toml::node* vals = at.get("values")) {
                    for (const auto name : {"from", "log_from", "to", "points"}) {
                        if (const toml::node* n = at.get(name)) {
                            src_.fail(n->source(), join(ak, name),
                                      fmt::format("'{}' does not go with 'values'", name),
                                      "either values = [..] or from/log_from, to, points");
                        }
                    }
                    axis.values.push_back(value_list(*vals, join(ak, "values")));
                    axis.kind = "values";
                } else {
                    if (!at.get("from") && !at.get("log_from")) {
                        src_.missing(at, ak, "from",
                                     "from (linear) or log_from (logarithmic) with to and points, "
                                     "or values = [..]");
                    }
                    const auto [lo, hi, lg] = range_of_axis(at, ak);
                    const std::string pk = join(ak, "points");
                    const toml::node& pn =
                        src_.require(at, ak, "points", Src::range_of("sweep.axis.*.points"));
                    const auto n = static_cast<std::size_t>(src_.number(pn, pk, pk));
                    std::vector<double> v(n);
                    for (std::size_t i = 0; i < n; ++i) {
                        const double f =
                            n == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n - 1);
                        v[i] = lg ? std::exp(std::log(lo) + f * (std::log(hi) - std::log(lo)))
                                  : lo + f * (hi - lo);
                    }
                    v.front() = lo;
                    if (n > 1) v.back() = hi;
                    axis.values.push_back(std::move(v));
                    axis.kind = lg ? "log" : "linear";
                }
            }
            if (axis.size() == 0) {
                src_.fail(at.source(), ak, "the sweep axis has no values", "at least one value");
            }
            for (std::size_t k = 0; k < axis.keys.size(); ++k) {
                check_sweep_values(at, a, axis.keys[k], axis.values[k]);
            }
            sw.axes.push_back(std::move(axis));
        }

        if (random) {
            detail::SplitMix64 rng(sw.seed);
            rnd.values.assign(rnd.keys.size(), std::vector<double>(samples));
            for (std::size_t i = 0; i < samples; ++i) {
                for (std::size_t k = 0; k < rnd.keys.size(); ++k) {
                    const RandomRange& r = ranges[k];
                    const double u = rng.uniform();
                    double v =
                        r.log ? std::exp(std::log(r.from) + u * (std::log(r.to) - std::log(r.from)))
                              : r.from + u * (r.to - r.from);
                    v = std::clamp(v, std::min(r.from, r.to), std::max(r.from, r.to));
                    rnd.values[k][i] = v;
                }
            }
            for (std::size_t k = 0; k < rnd.keys.size(); ++k) {
                check_sweep_values(*range_tables[k], k, rnd.keys[k], rnd.values[k]);
            }
            sw.axes.push_back(std::move(rnd));
        }

        double total = 1.0;
        for (const auto& ax : sw.axes) total *= static_cast<double>(ax.size());
        if (total > kMaxSweepPoints) {
            src_.fail(t.source(), "sweep", fmt::format("the sweep has {} points in total", total),
                      fmt::format("at most {} points", kMaxSweepPoints));
        }
        cfg_.sweep = std::move(sw);
    }

private:
    void check_sweep_key(const toml::table& axis, const std::string& akey, const std::string& kp) {
        model::ModelParams probe = cfg_.model;
        if (model::find_parameter(probe, kp)) return;
        // A key of a module above io (config_registry.hpp): the module checks it.
        ConfigTables owner;
        if (swept_key_owner(kp, has_table_, owner) &&
            (!owner.knows_swept_key || owner.knows_swept_key(kp)))
            return;
        const std::string allowed =
            "the key path of a numeric model parameter of this config: device.<key>, ligand.<key>, "
            "dopant.<i>.<key>, dopant.<i>.quench_s.<level>, dopant.<i>.levels.<j>.energy_cm1, "
            "dopant.<i>.lines.<j>.rate_s|wavelength_nm|fwhm_nm, dopant.<i>.relaxations.<j>.rate_s, "
            "transfer.<i>.k_s|k_cm3_s";
        std::string problem;
        const std::string head = kp.substr(0, kp.find('.'));
        const ParamRule* r = detail::find_rule(kp);
        if (head == "spectrum" || head == "transient" || head == "sweep" || head == "title") {
            problem = fmt::format(
                "'{}' is a [{}] setting, not a model parameter; spectrum, "
                "transient and sweep keys cannot be swept",
                kp, head);
        } else if (r && !r->model) {
            problem = fmt::format("'{}' is not a model parameter and cannot be swept", kp);
        } else if (r) {
            problem = fmt::format("'{}' names no parameter of this config", kp);
            if (kp.find(".kBT_s") != std::string::npos) {
                problem += " (kBT_s is sweepable only when the [[dopant]] sets it)";
            } else if (kp.find(".quench_s.") != std::string::npos) {
                problem += " (list the level in the dopant's quench_s, e.g. with 0.0, to sweep it)";
            } else if (head == "transfer") {
                problem += " (a transfer has either k_s or k_cm3_s, whichever its table gives)";
            } else {
                problem += " (index out of range)";
            }
        } else {
            problem = fmt::format("'{}' is not a numeric model parameter", kp);
        }
        const std::string near = detail::closest_key_path(
            kp, detail::kParamRules,
            [&](const std::string& c) { return model::find_parameter(probe, c) != nullptr; });
        std::vector<std::string> heads = {"device", "ligand", "dopant", "transfer"};
        for (const ConfigTables& m : registered_config_tables()) {  // the modules' prefixes
            for (const std::string& p : m.sweep_prefixes) {
                const std::string h = p.substr(0, p.find('.'));
                if (std::find(heads.begin(), heads.end(), h) == heads.end()) heads.push_back(h);
            }
        }
        const std::string near_head = detail::closest_name(head, heads);
        if (!near.empty()) {
            problem += " (did you mean '" + near + "'?)";
        } else if (!near_head.empty()) {
            problem += " (did you mean '" + near_head + kp.substr(head.size()) + "'?)";
        }
        src_.fail(axis.source(), akey, problem, allowed);
    }

    void check_sweep_values(const toml::table& axis, std::size_t a, const std::string& kp,
                            const std::vector<double>& values) {
        // A key of a module above io: checked here with the module's own value check, or by the
        // module when it reads its table.
        ConfigTables owner;
        const bool module_key = swept_key_owner(kp, has_table_, owner);
        if (module_key && !owner.check_swept_value) return;
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::string allowed;
            const std::string p = module_key ? owner.check_swept_value(kp, values[i], allowed)
                                             : check_parameter_value(kp, values[i], allowed);
            if (!p.empty()) {
                src_.fail(axis.source(), kp, fmt::format("sweep axis {} point {}: {}", a, i, p),
                          allowed);
            }
        }
    }

    std::vector<double> value_list(const toml::node& n, const std::string& k) {
        const toml::array& arr = src_.array(n, k, "an array of numbers");
        if (arr.size() > 1000000) {  // as sweep.axis.*.points; 8 bytes per value and key in memory
            src_.fail(arr.source(), k,
                      fmt::format("{} values (about {:.0f} MB in memory)", arr.size(),
                                  16e-6 * static_cast<double>(arr.size())),
                      "at most 1e6 values per axis");
        }
        std::vector<double> v;
        for (std::size_t i = 0; i < arr.size(); ++i) {
            v.push_back(
                src_.number(*arr.get(i), join(k, i), static_cast<const ParamRule*>(nullptr)));
        }
        return v;
    }

    //! Reads `from`/`log_from` and `to` of an axis; returns (lo, hi, log).
    std::tuple<double, double, bool> range_of_axis(const toml::table& t, const std::string& ak) {
        const toml::node* lin = t.get("from");
        const toml::node* lg = t.get("log_from");
        const std::string range_keys = "from (linear) or log_from (logarithmic), with to";
        if (lin && lg) {
            src_.fail(lg->source(), join(ak, "log_from"), "both from and log_from are given",
                      "exactly one of " + range_keys);
        }
        const toml::node& fn = lin ? *lin : *lg;
        const std::string fk = join(ak, lin ? "from" : "log_from");
        const double from = src_.number(fn, fk, static_cast<const ParamRule*>(nullptr));
        const toml::node& tn = src_.require(t, ak, "to", "a number");
        const double to = src_.number(tn, join(ak, "to"), static_cast<const ParamRule*>(nullptr));
        if (lg) {
            if (!(from > 0.0)) {
                src_.fail(fn.source(), fk, fmt::format("log_from = {} is not positive", from),
                          "(0, inf)");
            }
            if (!(to > 0.0)) {
                src_.fail(tn.source(), join(ak, "to"),
                          fmt::format("to = {} is not positive on a logarithmic axis", to),
                          "(0, inf)");
            }
        }
        return {from, to, lg != nullptr};
    }

    //! Whether the config has a top-level table (who owns a swept key may depend on it).
    const Src& src_;
    RunConfig& cfg_;
    detail::TablePresent has_table_;  //!< which top-level tables the config has
};

}  // namespace

std::size_t SweepSpec::num_points() const {
    std::size_t n = 1;
    for (const auto& a : axes) n *= a.size();
    return n;
}

namespace detail {

void read_sweep_table(const Src& src, const toml::table& root, const toml::table& t,
                      RunConfig& cfg) {
    SweepReader(src, root, cfg).read_sweep(t);
}

}  // namespace detail

}  // namespace relsim::io
