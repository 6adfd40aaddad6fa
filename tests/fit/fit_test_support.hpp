//! @file fit_test_support.hpp
//! Synthetic data for the fit tests: the model's own curves at known parameters plus Gaussian
//! noise from a fixed seed (std::mt19937_64, whose output the C++ standard fixes, and our own
//! Box-Muller, so the numbers are the same with every standard library).
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "relsim/fit/fit_config.hpp"
#include "relsim/fit/model_evaluator.hpp"
#include "relsim/io/config.hpp"

namespace relsim::test {

inline std::string source_path(const std::string& rel) {
    return std::string(RELSIM_SOURCE_DIR) + "/" + rel;
}

//! The Tb device of configs/fit (truth of the example) with `edits` (key, value) applied.
inline io::RunConfig tb_config(const std::vector<std::pair<std::string, double>>& edits = {}) {
    io::RunConfig c = io::load_config(source_path("configs/fit/tb_truth.toml"));
    for (const auto& [k, v] : edits) *model::find_parameter(c.model, k) = v;
    return c;
}

class Gaussian {
public:
    explicit Gaussian(std::uint64_t seed) : rng_(seed) {}
    double operator()() {
        const double u1 = (static_cast<double>(rng_() >> 11) + 0.5) * 0x1.0p-53;
        const double u2 = static_cast<double>(rng_() >> 11) * 0x1.0p-53;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

private:
    std::mt19937_64 rng_;
};

inline std::vector<double> logspace(double a, double b, int n) {
    std::vector<double> v(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        v[static_cast<std::size_t>(i)] = std::pow(10.0, a + (b - a) * i / (n - 1));
    return v;
}

//! The model curve of `kind` at x for config `c`.
inline std::vector<double> model_curve(const io::RunConfig& c, fit::DataKind kind,
                                       const std::vector<double>& x) {
    auto ev = fit::make_mean_field_evaluator(c);
    std::vector<double> out;
    std::string why;
    if (!ev->evaluate(kind, 0, x, out, why)) throw std::runtime_error(why);
    return out;
}

//! A data set: y = scale * truth + noise, sigma = rel_sigma * |scale * truth| + abs_sigma.
inline fit::DataSet noisy(fit::DataKind kind, const std::vector<double>& x,
                          const std::vector<double>& truth, double scale, double rel_sigma,
                          double abs_sigma, Gaussian& g, bool keep_sigma = true) {
    fit::DataSet d;
    d.kind = kind;
    d.file = "synthetic";
    d.x = x;
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double s = rel_sigma * std::abs(scale * truth[i]) + abs_sigma;
        d.y.push_back(scale * truth[i] + s * g());
        if (keep_sigma) d.sigma.push_back(s);
        d.line.push_back(static_cast<int>(i) + 2);
    }
    return d;
}

inline fit::FreeParameter free_param(const std::string& key, double min, double max, bool log,
                                     double start) {
    fit::FreeParameter f;
    f.key = key;
    f.models = {0};
    f.min = min;
    f.max = max;
    f.log = log;
    f.start = start;
    f.start_value = start;
    f.unit = io::parameter_unit(key);
    return f;
}

inline fit::FitConfig one_model(const io::RunConfig& model_config) {
    fit::FitConfig c;
    c.path = "in-memory";
    fit::ModelEntry m;
    m.name = "tb";
    m.config = model_config;
    m.config_path = model_config.path;
    c.models.push_back(m);
    return c;
}

}  // namespace relsim::test
