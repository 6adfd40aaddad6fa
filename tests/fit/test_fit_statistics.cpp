//! @file test_fit_statistics.cpp
//! What the fit's numbers mean (shared/spec/fitting.md section 4): synthetic data made by the
//! model itself with known parameters and Gaussian noise are fitted back.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <numeric>

#include "fit_test_support.hpp"
#include "relsim/fit/fitter.hpp"

using relsim::fit::DataKind;
using relsim::fit::FitResult;
using namespace relsim::test;

namespace {

const double kTruthOutcoupling = 0.20;  // configs/fit/tb_truth.toml
const double kTruthQuench = 430.0;      // dopant.0.quench_s.5D4 [s^-1]

relsim::io::RunConfig guess_config() {
    return tb_config({{"device.outcoupling", 0.3}, {"dopant.0.quench_s.5D4", 100.0}});
}

FitResult fit_one(relsim::fit::FitConfig c, int threads = 1) {
    relsim::fit::FitRunOptions o;
    o.threads = threads;
    return relsim::fit::run_fit(c, o);
}

double mean(const std::vector<double>& v) {
    return std::accumulate(v.begin(), v.end(), 0.0) / v.size();
}
double sd(const std::vector<double>& v) {
    const double m = mean(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / (v.size() - 1));
}
double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return 0.5 * (v[(v.size() - 1) / 2] + v[v.size() / 2]);
}

//! Runs `R` realisations of an EQE-J fit (outcoupling, log quench) and checks coverage of the
//! 2-sigma interval against `p_expected` and the scatter of the values against the errors.
void coverage(int R, bool with_sigma, double p_expected, std::uint64_t seed0) {
    const auto J = logspace(-2, 3, 30);
    const auto truth = model_curve(tb_config(), DataKind::eqe_vs_current, J);
    const double truths[2] = {kTruthOutcoupling, kTruthQuench};
    std::vector<double> values[2], errors[2];
    int inside[2] = {0, 0};
    for (int r = 0; r < R; ++r) {
        Gaussian g(seed0 + static_cast<std::uint64_t>(r));
        auto c = one_model(guess_config());
        // With sigma: 2 % of each value, stated per point. Without: one sigma for every point
        // (the contract's assumption), 1e-3 in EQE, i.e. 2 % of the plateau.
        c.data = {with_sigma
                      ? noisy(DataKind::eqe_vs_current, J, truth, 1.0, 0.02, 0.0, g)
                      : noisy(DataKind::eqe_vs_current, J, truth, 1.0, 0.0, 2.5e-4, g, false)};
        c.free = {free_param("device.outcoupling", 0.05, 0.6, false, 0.3),
                  free_param("dopant.0.quench_s.5D4", 1.0, 1.0e4, true, 100.0)};
        c.options.multistart = 1;
        const FitResult res = fit_one(c);
        for (int j = 0; j < 2; ++j) {
            REQUIRE(res.identifiable[j] == 1);
            values[j].push_back(res.values[j]);
            errors[j].push_back(res.stderr_[j]);
            // The interval in the scale the parameter is fitted in (log10 for the quenching),
            // where the linearisation behind the covariance is made.
            const bool in = j == 1 ? std::abs(std::log10(res.values[j] / truths[j])) <=
                                         2.0 * res.stderr_log10[j]
                                   : std::abs(res.values[j] - truths[j]) <= 2.0 * res.stderr_[j];
            if (in) ++inside[j];
        }
    }
    for (int j = 0; j < 2; ++j) {
        // Binomial: the count inside the 2-sigma interval has mean R p and sd sqrt(R p (1-p));
        // |z| < 3 fails a correct implementation with probability 0.27 % per parameter, and
        // catches errors 15 % too small or too large (coverage 0.92 / 0.98 at R = 400).
        const double z =
            (inside[j] - R * p_expected) / std::sqrt(R * p_expected * (1 - p_expected));
        INFO("parameter " << j << ": " << inside[j] << " of " << R << " inside 2 sigma, z = " << z);
        CHECK(std::abs(z) < 3.0);
        // Scatter of the fitted values across realisations against the reported error: the
        // sample sd of R values has a relative sd of 1/sqrt(2 (R - 1)) (3.5 % at R = 400);
        // allow 3 of those plus a margin for the spread of the reported errors themselves.
        const double ratio = sd(values[j]) / median(errors[j]);
        INFO("sd of values / median stderr = " << ratio << ", mean value " << mean(values[j]));
        CHECK(std::abs(ratio - 1.0) < 3.0 / std::sqrt(2.0 * (R - 1)) + 0.02);
        // Unbiased within the scatter's own error of the mean.
        CHECK(std::abs(mean(values[j]) - truths[j]) < 4.0 * sd(values[j]) / std::sqrt(R));
    }
}

}  // namespace

TEST_CASE(
    "Coverage: with sigma given, the truth lies within 2 stderr in 95.45 % of 400 realisations",
    "[fit][coverage]") {
    // Linear-Gaussian limit: P(|Z| < 2) = 0.9545. The noise (2 %) is small enough that the
    // model is linear in the parameters across the scatter of the estimates.
    coverage(400, true, 0.9545, 1000);
}

TEST_CASE("Coverage: without sigma (s^2 = reduced chi2) the 2-stderr interval follows Student t",
          "[fit][coverage]") {
    // With sigma estimated from 28 degrees of freedom, (value - truth) / stderr ~ t_28 and
    // P(|t_28| < 2) = 0.9447.
    coverage(300, false, 0.9447, 5000);
}

TEST_CASE("Charge balance and outcoupling from an EQE-J curve alone are flagged as not determined",
          "[fit][identifiability]") {
    // In the linear regime (J <= 1e-2 mA cm^-2, ion pool excitation ~1e-5) EQE = gamma x
    // outcoupling x (photons per exciton): only the product is determined.
    const auto J = logspace(-4, -2, 25);
    const auto truth_cfg = tb_config({{"device.charge_balance", 0.8}});
    const auto truth = model_curve(truth_cfg, DataKind::eqe_vs_current, J);
    Gaussian g(42);
    auto c = one_model(tb_config({{"device.charge_balance", 0.5}, {"device.outcoupling", 0.3}}));
    c.data = {noisy(DataKind::eqe_vs_current, J, truth, 1.0, 0.01, 0.0, g)};
    c.free = {free_param("device.charge_balance", 0.1, 1.0, false, 0.5),
              free_param("device.outcoupling", 0.05, 0.6, false, 0.3)};
    c.options.multistart = 1;
    const FitResult res = fit_one(c);
    for (int j = 0; j < 2; ++j) {
        INFO(res.keys[j] << " = " << res.values[j] << " +- " << res.stderr_[j] << ": "
                         << to_string(res.flags[j]));
        CHECK(res.identifiable[j] == 0);
        CHECK(std::isnan(res.stderr_[j]));  // never a meaningless number
        CHECK(res.flags[j] == relsim::fit::Flag::degenerate);
        CHECK(std::isnan(res.correlation[j * 2 + (1 - j)]));
    }
    // ... while the product is fitted as well as the data allow (1 % noise on 25 points).
    CHECK(res.values[0] * res.values[1] == Approx(0.8 * kTruthOutcoupling).epsilon(0.01));
    CHECK(res.reduced_chi2 < 2.0);
    const std::string summary = relsim::fit::format_summary(c, res);
    CHECK(summary.find("NOT DETERMINED") != std::string::npos);
}

TEST_CASE(
    "A joint EQE-J + decay fit determines outcoupling and quenching that neither curve fixes alone",
    "[fit][identifiability]") {
    // EQE at low J: outcoupling x A/(A+Q) only. Decay: A+Q only (amplitude fitted), nothing
    // about outcoupling. Both together: both.
    const auto J = logspace(-4, -2, 20);
    const auto cfg = tb_config();
    const auto eqe = model_curve(cfg, DataKind::eqe_vs_current, J);
    std::vector<double> t;
    for (double dt : logspace(-5, std::log10(0.03), 30)) t.push_back(0.02 + dt);
    const auto rate = model_curve(cfg, DataKind::decay, t);
    const double peak = *std::max_element(rate.begin(), rate.end());
    Gaussian g(7);
    const auto eqe_data = noisy(DataKind::eqe_vs_current, J, eqe, 1.0, 0.01, 0.0, g);
    const auto decay_data = noisy(DataKind::decay, t, rate, 1000.0 / peak, 0.01, 1.0, g);
    auto make = [&](std::vector<relsim::fit::DataSet> data) {
        auto c = one_model(guess_config());
        c.data = std::move(data);
        c.free = {free_param("device.outcoupling", 0.05, 0.6, false, 0.3),
                  free_param("dopant.0.quench_s.5D4", 1.0, 1.0e4, true, 100.0)};
        c.options.multistart = 1;
        return c;
    };
    const FitResult eqe_only = fit_one(make({eqe_data}));
    CHECK(eqe_only.identifiable[0] == 0);
    CHECK(eqe_only.identifiable[1] == 0);
    const FitResult decay_only = fit_one(make({decay_data}));
    CHECK(decay_only.identifiable[0] == 0);  // the decay does not depend on outcoupling at all
    CHECK(std::isnan(decay_only.stderr_[0]));
    CHECK(decay_only.identifiable[1] == 1);
    CHECK(decay_only.values[1] == Approx(kTruthQuench).epsilon(0.05));
    const FitResult joint = fit_one(make({eqe_data, decay_data}));
    REQUIRE(joint.identifiable[0] == 1);
    REQUIRE(joint.identifiable[1] == 1);
    const double truths[2] = {kTruthOutcoupling, kTruthQuench};
    for (int j = 0; j < 2; ++j) {
        INFO(joint.keys[j] << " = " << joint.values[j] << " +- " << joint.stderr_[j]);
        CHECK(std::abs(joint.values[j] - truths[j]) < 3.0 * joint.stderr_[j]);
        CHECK(joint.stderr_[j] < 0.05 * truths[j]);
    }
    CHECK(joint.reduced_chi2 < 2.0);
    CHECK(joint.data[1].amplitude == Approx(1000.0 / peak).epsilon(0.05));
}

TEST_CASE("A parameter that ends on a bound has NaN stderr, identifiable 0 and the bound named",
          "[fit]") {
    const auto J = logspace(-2, 3, 30);
    const auto truth = model_curve(tb_config(), DataKind::eqe_vs_current, J);
    Gaussian g(3);
    auto c = one_model(guess_config());
    c.data = {noisy(DataKind::eqe_vs_current, J, truth, 1.0, 0.02, 0.0, g)};
    c.free = {free_param("device.outcoupling", 0.05, 0.15, false, 0.1),  // truth 0.20 excluded
              free_param("dopant.0.quench_s.5D4", 1.0, 1.0e4, true, 100.0)};
    c.options.multistart = 1;
    const FitResult res = fit_one(c);
    CHECK(res.values[0] == Approx(0.15).margin(1e-9));
    CHECK(res.flags[0] == relsim::fit::Flag::at_upper_bound);
    CHECK(std::isnan(res.stderr_[0]));
    CHECK(res.identifiable[0] == 0);
    CHECK(std::isfinite(res.stderr_[1]));  // the other parameter, conditional on the bound
    CHECK(std::isfinite(res.chi2));
    const std::string summary = relsim::fit::format_summary(c, res);
    CHECK(summary.find("ON UPPER BOUND 0.15") != std::string::npos);
}

TEST_CASE("A device series shares a parameter: two models, one quenching, outcoupling per device",
          "[fit]") {
    const auto J = logspace(-2, 3, 25);
    const auto cfg_a = tb_config();
    const auto cfg_b = tb_config({{"device.outcoupling", 0.25}, {"dopant.0.density_cm3", 0.8e21}});
    Gaussian g(11);
    relsim::fit::FitConfig c = one_model(guess_config());
    c.models.push_back(c.models[0]);
    c.models[1].name = "b";
    c.models[1].config = tb_config({{"device.outcoupling", 0.3},
                                    {"dopant.0.quench_s.5D4", 100.0},
                                    {"dopant.0.density_cm3", 0.8e21}});
    c.data = {noisy(DataKind::eqe_vs_current, J, model_curve(cfg_a, DataKind::eqe_vs_current, J),
                    1.0, 0.02, 0.0, g),
              noisy(DataKind::eqe_vs_current, J, model_curve(cfg_b, DataKind::eqe_vs_current, J),
                    1.0, 0.02, 0.0, g)};
    c.data[1].model = 1;
    auto oa = free_param("device.outcoupling", 0.05, 0.6, false, 0.3);
    auto ob = oa;
    ob.models = {1};
    auto q = free_param("dopant.0.quench_s.5D4", 1.0, 1.0e4, true, 100.0);
    q.models = {0, 1};
    c.free = {oa, ob, q};
    c.options.multistart = 2;
    const FitResult res = fit_one(c);
    const double truths[3] = {0.20, 0.25, kTruthQuench};
    for (int j = 0; j < 3; ++j) {
        INFO(res.keys[j] << " = " << res.values[j] << " +- " << res.stderr_[j]);
        CHECK(res.identifiable[j] == 1);
        CHECK(std::abs(res.values[j] - truths[j]) < 3.0 * res.stderr_[j]);
    }
    REQUIRE(res.fitted_configs.size() == 2);
    // Each model's fitted config carries its own outcoupling and the shared quenching.
    const auto loaded_a =
        relsim::io::load_config_text(res.fitted_configs[0], source_path("configs/fit/a.toml"));
    const auto loaded_b =
        relsim::io::load_config_text(res.fitted_configs[1], source_path("configs/fit/b.toml"));
    CHECK(loaded_a.model.device.outcoupling == res.values[0]);
    CHECK(loaded_b.model.device.outcoupling == res.values[1]);
    CHECK(loaded_a.model.dopants[0].quench_s[0].second == res.values[2]);
    CHECK(loaded_b.model.dopants[0].quench_s[0].second == res.values[2]);
}

TEST_CASE(
    "Multi-start results are identical for 1 and 2 threads and name how many starts reached the "
    "best",
    "[fit]") {
    const auto J = logspace(-2, 3, 30);
    const auto truth = model_curve(tb_config(), DataKind::eqe_vs_current, J);
    Gaussian g(5);
    auto c = one_model(guess_config());
    c.data = {noisy(DataKind::eqe_vs_current, J, truth, 1.0, 0.02, 0.0, g)};
    c.free = {free_param("device.outcoupling", 0.05, 0.6, false, 0.3),
              free_param("dopant.0.quench_s.5D4", 1.0, 1.0e4, true, 100.0)};
    c.options.multistart = 6;
    c.options.seed = 99;
    const FitResult a = fit_one(c, 1);
    const FitResult b = fit_one(c, 2);
    CHECK(a.values == b.values);
    CHECK(a.stderr_ == b.stderr_);
    CHECK(a.start_chi2 == b.start_chi2);
    CHECK(a.starts == 6);
    CHECK(a.starts_reached_best >= 1);
    CHECK(a.starts_reached_best <= 6);
    c.options.seed = 100;  // another hypercube, same optimum
    const FitResult d = fit_one(c, 2);
    CHECK(d.values[0] == Approx(a.values[0]).epsilon(1e-6));
}

TEST_CASE(
    "Luminance-J and spectrum data are fitted: outcoupling and quenching, a line's centre and "
    "width",
    "[fit]") {
    const auto cfg = tb_config();
    Gaussian g(21);
    {
        const auto J = logspace(-2, 3, 25);
        const auto lum = model_curve(cfg, DataKind::luminance_vs_current, J);
        auto c = one_model(guess_config());
        c.data = {noisy(DataKind::luminance_vs_current, J, lum, 1.0, 0.02, 0.0, g)};
        c.free = {free_param("device.outcoupling", 0.05, 0.6, false, 0.3),
                  free_param("dopant.0.quench_s.5D4", 1.0, 1.0e4, true, 100.0)};
        c.options.multistart = 1;
        const FitResult res = fit_one(c);
        const double truths[2] = {kTruthOutcoupling, kTruthQuench};
        for (int j = 0; j < 2; ++j) {
            INFO(res.keys[j] << " = " << res.values[j] << " +- " << res.stderr_[j]);
            CHECK(res.identifiable[j] == 1);
            CHECK(std::abs(res.values[j] - truths[j]) < 3.0 * res.stderr_[j]);
        }
    }
    {
        // The 5D4 -> 7F5 line (dopant.0.lines.1: 544 nm, FWHM 8 nm in configs/ions/Tb.toml) from
        // the normalised line shape: the amplitude is fitted, so the data's units do not matter.
        std::vector<double> wl;
        for (double x = 520.0; x <= 570.0; x += 0.5) wl.push_back(x);
        const auto spec = model_curve(cfg, DataKind::spectrum, wl);
        const double peak = *std::max_element(spec.begin(), spec.end());
        auto c = one_model(cfg);
        c.data = {noisy(DataKind::spectrum, wl, spec, 1.0 / peak, 0.01, 0.002, g)};
        c.free = {free_param("dopant.0.lines.1.wavelength_nm", 540.0, 548.0, false, 546.0),
                  free_param("dopant.0.lines.1.fwhm_nm", 4.0, 16.0, false, 11.0)};
        c.options.multistart = 1;
        const FitResult res = fit_one(c);
        const double truths[2] = {544.0, 8.0};
        for (int j = 0; j < 2; ++j) {
            INFO(res.keys[j] << " = " << res.values[j] << " +- " << res.stderr_[j]);
            CHECK(res.identifiable[j] == 1);
            CHECK(std::abs(res.values[j] - truths[j]) < 3.0 * res.stderr_[j]);
            CHECK(res.stderr_[j] < 0.01 * truths[j]);
        }
        CHECK(res.data[0].amplitude == Approx(1.0 / peak).epsilon(0.02));
        CHECK(res.reduced_chi2 < 1.5);
    }
}

TEST_CASE("Every free parameter ending on a bound gives flags, not a crash (issue 21 item 10)",
          "[fit][identifiability]") {
    // Truth outcoupling 0.20 with bounds [0.5, 0.6]: the optimum is the lower bound, the only
    // free column is dropped and the covariance has no column left. Before the fix the
    // eigen-solver ran on a 0 x 0 matrix (SIGSEGV, exit 139).
    const auto J = logspace(-2, 3, 12);
    const auto truth = model_curve(tb_config(), DataKind::eqe_vs_current, J);
    Gaussian g(7);
    auto c = one_model(tb_config({{"device.outcoupling", 0.55}}));
    c.data = {noisy(DataKind::eqe_vs_current, J, truth, 1.0, 0.02, 0.0, g)};
    c.free = {free_param("device.outcoupling", 0.5, 0.6, false, 0.55)};
    c.options.multistart = 1;
    const FitResult res = fit_one(c);
    REQUIRE(res.flags.size() == 1);
    CHECK(res.flags[0] == relsim::fit::Flag::at_lower_bound);
    CHECK(res.values[0] == Approx(0.5));
    CHECK(res.identifiable[0] == 0);
}
