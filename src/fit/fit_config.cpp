//! @file fit_config.cpp
//! Reader of fit files (FIT.toml). Every check that needs the models (does the key exist, is a
//! bound allowed for it, is a data point inside the model's range) asks the model's evaluator,
//! so the reader works unchanged for any model kind.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "relsim/core/error.hpp"
#include "relsim/fit/fit_config.hpp"
#include "relsim/fit/model_evaluator.hpp"
#include "relsim/io/detail/toml_reader.hpp"
#include "relsim/model/parameters.hpp"

namespace relsim::fit {
namespace {

namespace fs = std::filesystem;
using io::detail::join;
using io::detail::ParamRule;
using io::detail::Src;

constexpr ParamRule kMultistart = io::detail::rule::count("fit.multistart", 1, 10000);
constexpr ParamRule kMaxIterations = io::detail::rule::count("fit.max_iterations", 1, 100000);
constexpr ParamRule kSeed = io::detail::rule::count("fit.seed", 0, 9.0e15);
constexpr ParamRule kFdStep = {"fit.fd_step", "1", 1.0e-10, 0.1, false, false, false, false};

const char* kKinds = "eqe_vs_current, luminance_vs_current, decay, spectrum";

std::optional<DataKind> parse_kind(const std::string& s) {
    for (DataKind k : {DataKind::eqe_vs_current, DataKind::luminance_vs_current, DataKind::decay,
                       DataKind::spectrum}) {
        if (s == to_string(k)) return k;
    }
    return std::nullopt;
}

fs::path relative_to(const std::string& fit_path, const std::string& file) {
    const fs::path p(file);
    if (p.is_absolute()) return p;
    return fs::path(fit_path).parent_path() / p;
}

class FitReader {
public:
    explicit FitReader(const std::string& path) : src_(path) {}

    FitConfig read(const std::string& text) {
        FitConfig cfg;
        cfg.path = src_.file();
        cfg.text = text;
        const toml::table root = io::detail::parse_toml(text, src_.file());
        src_.check_keys(root, "", {"model", "data", "free", "fit"});
        if (const toml::node* n = root.get("fit")) read_options(src_.table(*n, "fit"), cfg.options);
        read_models(root, cfg);
        read_data(root, cfg);
        read_free(root, cfg);
        std::size_t points = 0, nuisance = 0;
        for (const DataSet& d : cfg.data) {
            points += d.x.size();
            if (d.kind == DataKind::decay || d.kind == DataKind::spectrum)
                nuisance += d.offset ? 2 : 1;
        }
        const std::size_t fitted = cfg.free.size() + nuisance;
        if (points <= fitted) {
            src_.fail(root.source(), "data",
                      fmt::format("{} data points for {} fitted numbers ({} free parameters, {} "
                                  "amplitudes/offsets): no degree of freedom left",
                                  points, fitted, cfg.free.size(), nuisance),
                      "more data points than fitted numbers");
        }
        return cfg;
    }

private:
    void read_options(const toml::table& t, FitOptions& o) {
        src_.check_keys(t, "fit", {"multistart", "max_iterations", "seed", "fd_step"});
        if (const toml::node* n = t.get("multistart"))
            o.multistart = static_cast<int>(src_.number(*n, "fit.multistart", &kMultistart));
        if (const toml::node* n = t.get("max_iterations"))
            o.max_iterations =
                static_cast<int>(src_.number(*n, "fit.max_iterations", &kMaxIterations));
        if (const toml::node* n = t.get("seed"))
            o.seed = static_cast<std::uint64_t>(src_.number(*n, "fit.seed", &kSeed));
        if (const toml::node* n = t.get("fd_step"))
            o.fd_step = src_.number(*n, "fit.fd_step", &kFdStep);
    }

    const toml::array& tables(const toml::table& root, std::string_view name,
                              const std::string& what) {
        const toml::node* n = root.get(name);
        if (!n) src_.missing(root, "", name, what);
        const toml::array& a =
            src_.array(*n, std::string(name), "an array of tables [[" + std::string(name) + "]]");
        if (a.empty())
            src_.fail(n->source(), std::string(name), "no [[" + std::string(name) + "]] table",
                      what);
        return a;
    }

    void read_models(const toml::table& root, FitConfig& cfg) {
        const toml::array& a = tables(root, "model", "at least one [[model]] with name and config");
        for (std::size_t i = 0; i < a.size(); ++i) {
            const std::string p = join(std::string("model"), i);
            const toml::table& t = src_.table(a[i], p, "a [[model]] table");
            src_.check_keys(t, p, {"name", "config"});
            ModelEntry m;
            const toml::node& nn = src_.require(t, p, "name", "a name of letters, digits and '_'");
            m.name = src_.string(nn, join(p, "name"));
            if (!io::detail::valid_ion_name(m.name)) {
                src_.fail(nn.source(), join(p, "name"),
                          fmt::format("invalid model name '{}'", m.name), io::detail::kIonNameRule);
            }
            for (const ModelEntry& o : cfg.models) {
                if (o.name == m.name)
                    src_.fail(nn.source(), join(p, "name"),
                              fmt::format("model name '{}' used twice", m.name), "unique names");
            }
            const toml::node& nc =
                src_.require(t, p, "config", "a relsim config file, relative to the fit file");
            m.config_path = relative_to(src_.file(), src_.string(nc, join(p, "config"))).string();
            std::string why;
            if (!io::detail::read_file(m.config_path, why)) {
                src_.fail(nc.source(), join(p, "config"),
                          fmt::format("cannot read model config {}: {}", m.config_path, why),
                          "an existing relsim config file, relative to the fit file");
            }
            m.config = io::load_config(m.config_path);  // its own located errors
            if (m.config.sweep) {
                for (const io::SweepAxis& ax : m.config.sweep->axes) {
                    for (const std::string& k : ax.keys) {
                        if (k == "device.current_density_mA_cm2") continue;
                        src_.fail(
                            nc.source(), join(p, "config"),
                            fmt::format(
                                "the model config sweeps '{}': a fitted model must be one "
                                "point (a sweep of the current density is allowed and ignored)",
                                k),
                            "a config without [sweep], or sweeping device.current_density_mA_cm2 "
                            "only");
                    }
                }
            }
            m.line = static_cast<int>(t.source().begin.line);
            evaluators_.push_back(make_model_evaluator(m.config));
            cfg.models.push_back(std::move(m));
        }
    }

    std::size_t model_index(const FitConfig& cfg, const toml::node& n, const std::string& key) {
        const std::string name = src_.string(n, key);
        std::vector<std::string> names;
        for (std::size_t m = 0; m < cfg.models.size(); ++m) {
            if (cfg.models[m].name == name) return m;
            names.push_back(cfg.models[m].name);
        }
        src_.fail(n.source(), key, fmt::format("no [[model]] named '{}'", name),
                  "one of " + io::detail::list_text(names));
    }

    void read_data(const toml::table& root, FitConfig& cfg) {
        const toml::array& a =
            tables(root, "data", "at least one [[data]] with model, kind and file");
        for (std::size_t i = 0; i < a.size(); ++i) {
            const std::string p = join(std::string("data"), i);
            const toml::table& t = src_.table(a[i], p, "a [[data]] table");
            src_.check_keys(t, p, {"model", "kind", "file", "offset"});
            const std::size_t m = model_index(
                cfg, src_.require(t, p, "model", "the name of a [[model]]"), join(p, "model"));
            const toml::node& nk = src_.require(t, p, "kind", kKinds);
            const std::string ks = src_.string(nk, join(p, "kind"));
            const auto kind = parse_kind(ks);
            if (!kind)
                src_.fail(nk.source(), join(p, "kind"), fmt::format("unknown data kind '{}'", ks),
                          kKinds);
            if (const std::string no = evaluators_[m]->supports(*kind); !no.empty()) {
                src_.fail(nk.source(), join(p, "kind"),
                          fmt::format("model '{}' cannot produce '{}' data: {}", cfg.models[m].name,
                                      ks, no),
                          "a model config that has what this kind needs");
            }
            bool offset = false;
            if (const toml::node* no = t.get("offset")) {
                offset = src_.boolean(*no, join(p, "offset"));
                if (offset && *kind != DataKind::decay && *kind != DataKind::spectrum) {
                    src_.fail(no->source(), join(p, "offset"),
                              "an offset is fitted only for decay and spectrum data",
                              "offset = false for " + ks);
                }
            }
            const toml::node& nf =
                src_.require(t, p, "file", "a CSV file, relative to the fit file");
            const std::string file =
                relative_to(src_.file(), src_.string(nf, join(p, "file"))).string();
            std::string why;
            if (!io::detail::read_file(file, why)) {
                src_.fail(nf.source(), join(p, "file"),
                          fmt::format("cannot read data file {}: {}", file, why),
                          "an existing CSV file, relative to the fit file");
            }
            DataSet d = read_data_csv(file, *kind);
            d.model = m;
            d.offset = offset;
            for (std::size_t k = 0; k < d.x.size(); ++k) {
                std::string allowed;
                if (const std::string bad = evaluators_[m]->check_x(*kind, d.x[k], allowed);
                    !bad.empty()) {
                    throw InputError(file, d.line[k], 1, data_columns(*kind)[0],
                                     fmt::format("x = {} is outside the range of model '{}': {}",
                                                 d.x[k], cfg.models[m].name, bad),
                                     allowed);
                }
            }
            cfg.data.push_back(std::move(d));
        }
    }

    double bound(const toml::table& t, const std::string& p, std::string_view name) {
        return src_.number(src_.require(t, p, name, "a number"), join(p, name),
                           static_cast<const ParamRule*>(nullptr));
    }

    //! " (did you mean 'x'?)" for a misspelt mean-field key path of the models `ms` (all: empty).
    static std::string near_key(const std::string& key, const FitConfig& cfg,
                                std::vector<std::size_t> ms) {
        if (ms.empty()) {
            for (std::size_t m = 0; m < cfg.models.size(); ++m) ms.push_back(m);
        }
        for (const std::size_t m : ms) {
            model::ModelParams probe = cfg.models[m].config.model;
            const std::string near = io::detail::closest_key_path(
                key, io::detail::kParamRules,
                [&](const std::string& c) { return model::find_parameter(probe, c) != nullptr; });
            if (!near.empty()) return " (did you mean '" + near + "'?)";
        }
        return {};
    }

    void read_free(const toml::table& root, FitConfig& cfg) {
        const toml::array& a = tables(root, "free", "at least one [[free]] with key, min and max");
        for (std::size_t i = 0; i < a.size(); ++i) {
            const std::string p = join(std::string("free"), i);
            const toml::table& t = src_.table(a[i], p, "a [[free]] table");
            src_.check_keys(t, p, {"key", "models", "min", "max", "log", "start"});
            FreeParameter f;
            const toml::node& nk = src_.require(t, p, "key", "a sweepable key path of the models");
            f.key = src_.string(nk, join(p, "key"));
            if (const toml::node* nm = t.get("models")) {
                const toml::array& ms =
                    src_.array(*nm, join(p, "models"), "an array of model names");
                for (std::size_t j = 0; j < ms.size(); ++j) {
                    const std::size_t m = model_index(cfg, ms[j], join(join(p, "models"), j));
                    if (evaluators_[m]->bind_parameter(f.key) < 0) {
                        src_.fail(
                            nk.source(), join(p, "key"),
                            fmt::format(
                                "unknown key '{}': model '{}' has no such numeric parameter{}",
                                f.key, cfg.models[m].name, near_key(f.key, cfg, {m})),
                            "a sweepable key path of that model (relsim check lists them)");
                    }
                    if (std::find(f.models.begin(), f.models.end(), m) == f.models.end())
                        f.models.push_back(m);
                }
                if (f.models.empty())
                    src_.fail(nm->source(), join(p, "models"), "empty list of models",
                              "at least one model name");
            } else {
                for (std::size_t m = 0; m < cfg.models.size(); ++m) {
                    if (evaluators_[m]->bind_parameter(f.key) >= 0) f.models.push_back(m);
                }
                if (f.models.empty()) {
                    src_.fail(
                        nk.source(), join(p, "key"),
                        fmt::format("unknown key '{}': no model has such a numeric parameter{}",
                                    f.key, near_key(f.key, cfg, {})),
                        "a sweepable key path, e.g. device.outcoupling, dopant.0.quench_s.5D4 "
                        "(relsim check lists them)");
                }
            }
            for (std::size_t m : f.models) {
                const auto& sw = cfg.models[m].config.sweep;
                if (f.key == "device.current_density_mA_cm2" ||
                    (sw &&
                     std::any_of(sw->axes.begin(), sw->axes.end(), [&](const io::SweepAxis& ax) {
                         return std::find(ax.keys.begin(), ax.keys.end(), f.key) != ax.keys.end();
                     }))) {
                    src_.fail(nk.source(), join(p, "key"),
                              fmt::format("'{}' is set by the data (the current density of each "
                                          "point), not fitted",
                                          f.key),
                              "a model parameter other than device.current_density_mA_cm2");
                }
            }
            for (const FreeParameter& o : cfg.free) {
                if (o.key != f.key) continue;
                for (std::size_t m : f.models) {
                    if (std::find(o.models.begin(), o.models.end(), m) != o.models.end()) {
                        src_.fail(nk.source(), join(p, "key"),
                                  fmt::format("'{}' of model '{}' is already a free parameter",
                                              f.key, cfg.models[m].name),
                                  "each key of a model free at most once");
                    }
                }
            }
            ModelEvaluator& ev = *evaluators_[f.models.front()];
            f.unit = ev.unit(f.key);
            f.min = bound(t, p, "min");
            f.max = bound(t, p, "max");
            if (const toml::node* nl = t.get("log")) f.log = src_.boolean(*nl, join(p, "log"));
            for (const auto& [name, v] :
                 {std::pair<std::string_view, double>{"min", f.min}, {"max", f.max}}) {
                std::string allowed;
                if (const std::string bad = ev.check_value(f.key, v, allowed); !bad.empty()) {
                    src_.fail(
                        t.get(name)->source(), join(p, name),
                        fmt::format("bound {} of '{}' is not an allowed value: {}", v, f.key, bad),
                        allowed);
                }
            }
            if (!(f.min < f.max)) {
                src_.fail(t.get("max")->source(), join(p, "max"),
                          fmt::format("max = {} is not above min = {}", f.max, f.min), "min < max");
            }
            if (f.log && !(f.min > 0.0)) {
                src_.fail(t.get("min")->source(), join(p, "min"),
                          fmt::format("log = true needs min > 0 (got {})", f.min),
                          "min > 0 for a log10-scaled parameter");
            }
            if (const toml::node* ns = t.get("start")) {
                const double s =
                    src_.number(*ns, join(p, "start"), static_cast<const ParamRule*>(nullptr));
                if (s < f.min || s > f.max) {
                    src_.fail(ns->source(), join(p, "start"),
                              fmt::format("start = {} is outside the bounds", s),
                              fmt::format("[{}, {}]", f.min, f.max));
                }
                f.start = s;
                f.start_value = s;
            } else {
                const double v = ev.parameter_value(ev.bind_parameter(f.key));
                if (v >= f.min && v <= f.max) {
                    f.start_value = v;
                } else {
                    f.start_value = f.log ? std::sqrt(f.min * f.max) : 0.5 * (f.min + f.max);
                }
            }
            cfg.free.push_back(std::move(f));
        }
    }

    Src src_;
    std::vector<std::unique_ptr<ModelEvaluator>> evaluators_;
};

}  // namespace

FitConfig load_fit_config(const std::string& path) {
    std::string why;
    const auto text = io::detail::read_file(path, why);
    if (!text) throw InputError(path, 0, 0, "", "cannot read the fit file: " + why);
    return FitReader(path).read(*text);
}

}  // namespace relsim::fit
