//! Covariance and identifiability of `relsim fit` (issue 21 items 6 and 19): the full inverse
//! where the data determine the parameters (checked against the closed form of a straight-line
//! fit), every parameter with weight in an undetermined direction flagged (never a finite,
//! understated stderr from a pseudo-inverse), a zero-sensitivity parameter flagged without
//! inflating the others, and the summary naming undetermined combinations and nearly
//! degenerate pairs.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "covariance.hpp"
#include "relsim/fit/fit_config.hpp"
#include "relsim/fit/fitter.hpp"

using relsim::fit::Flag;
using relsim::fit::detail::covariance_from_jacobian;

namespace {

constexpr std::size_t kN = 10;  // x = 0 .. 9, sigma = 1

//! Row-major N x K Jacobian from column functions.
template <typename... F>
std::vector<double> jacobian(F... col) {
    std::vector<double> J;
    for (std::size_t i = 0; i < kN; ++i) {
        const double x = static_cast<double>(i);
        for (double v : {col(x)...}) J.push_back(v);
    }
    return J;
}

// Straight line y = a + b x with unit sigma (e.g. Bevington & Robinson, Data Reduction and Error
// Analysis, 3rd ed., eq. 6.21-6.23): Delta = N Sxx - Sx^2, var(a) = Sxx / Delta,
// var(b) = N / Delta, cov(a, b) = -Sx / Delta. For x = 0..9: Sx = 45, Sxx = 285, Delta = 825.
constexpr double kVarA = 285.0 / 825.0;
constexpr double kVarB = 10.0 / 825.0;
constexpr double kCovAB = -45.0 / 825.0;

}  // namespace

TEST_CASE("covariance: a determined straight line gets the closed-form full inverse",
          "[fit][identifiability]") {
    const auto J = jacobian([](double) { return 1.0; }, [](double x) { return x; });
    const auto cv =
        covariance_from_jacobian(J, kN, 2, 2, {Flag::none, Flag::none}, 1.0, {100.0, 100.0});
    CHECK(cv.flags[0] == Flag::none);
    CHECK(cv.flags[1] == Flag::none);
    CHECK(cv.cov[0] == Approx(kVarA).epsilon(1e-12));
    CHECK(cv.cov[3] == Approx(kVarB).epsilon(1e-12));
    CHECK(cv.cov[1] == Approx(kCovAB).epsilon(1e-12));
    CHECK(cv.null_directions.empty());
}

TEST_CASE(
    "covariance: every parameter with weight in an undetermined direction is flagged (item 6)",
    "[fit][identifiability]") {
    // c = b + 0.005 a exactly: chi2 is flat along (0.005, 1, -1). After Jacobi scaling a's share
    // of that eigenvector is ~7e-4, below the old 1e-2 component threshold: the pseudo-inverse
    // gave a a finite stderr although its true (full-inverse) variance is unbounded.
    const auto J = jacobian([](double) { return 1.0; }, [](double x) { return x; },
                            [](double x) { return x + 0.005; });
    const auto cv =
        covariance_from_jacobian(J, kN, 3, 3, {Flag::none, Flag::none, Flag::none}, 1.0);
    for (int j = 0; j < 3; ++j) {
        INFO("parameter " << j);
        CHECK(cv.flags[static_cast<std::size_t>(j)] == Flag::degenerate);
        CHECK(std::isnan(cv.cov[static_cast<std::size_t>(j * 3 + j)]));
    }
    REQUIRE(cv.null_directions.size() == 1);
    const auto& d = cv.null_directions[0];
    const double sign = d[1] > 0 ? 1.0 : -1.0;  // an eigenvector's sign is arbitrary
    CHECK(sign * d[0] == Approx(0.005).margin(1e-6));
    CHECK(sign * d[1] == Approx(1.0).margin(1e-9));
    CHECK(sign * d[2] == Approx(-1.0).margin(1e-9));
}

TEST_CASE(
    "covariance: a zero-sensitivity parameter is flagged and does not inflate the others (item 19)",
    "[fit][identifiability]") {
    // A column at the level of finite-difference noise (1e-9), partly along x: after Jacobi
    // scaling it is a unit vector strongly correlated with b but not a dropped eigen-direction,
    // and its stderr (~1e9) spans far more than its bound range of 2 (fitted units).
    const auto J = jacobian([](double) { return 1.0; }, [](double x) { return x; },
                            [](double x) { return 1e-9 * (x + 0.5 * std::sin(3.7 * x + 0.3)); });
    const auto cv = covariance_from_jacobian(J, kN, 3, 3, {Flag::none, Flag::none, Flag::none}, 1.0,
                                             {10.0, 10.0, 2.0});
    CHECK(cv.flags[2] == Flag::degenerate);
    REQUIRE(cv.beyond_bounds.size() == 3);
    CHECK(cv.beyond_bounds[2] == 1);
    CHECK(cv.beyond_bounds[0] == 0);
    CHECK(std::isnan(cv.cov[8]));
    // The others: the closed form of the straight line, not inflated by spurious correlations.
    CHECK(cv.flags[0] == Flag::none);
    CHECK(cv.cov[0] == Approx(kVarA).epsilon(1e-9));
    CHECK(cv.cov[4] == Approx(kVarB).epsilon(1e-9));
    CHECK(cv.cov[1] == Approx(kCovAB).epsilon(1e-9));
    // Without bounds information nothing is dropped and the noise column inflates the others:
    // the situation the issue reported (stderr 3.5e12 and spurious correlations).
    const auto raw =
        covariance_from_jacobian(J, kN, 3, 3, {Flag::none, Flag::none, Flag::none}, 1.0);
    CHECK(raw.cov[4] > 3.0 * kVarB);
}

TEST_CASE("fit summary names undetermined combinations and nearly degenerate pairs (items 6, 19)",
          "[fit][identifiability]") {
    relsim::fit::FitConfig cfg;
    cfg.free.resize(3);
    cfg.free[0].key = "device.charge_balance";
    cfg.free[0].unit = "1";
    cfg.free[1].key = "ligand.kT_nr_s";
    cfg.free[1].unit = "s^-1";
    cfg.free[1].log = true;
    cfg.free[2].key = "device.outcoupling";
    cfg.free[2].unit = "1";
    relsim::fit::FitResult r;
    r.keys = {cfg.free[0].key, cfg.free[1].key, cfg.free[2].key};
    r.values = {0.8, 1e5, 0.2};
    r.stderr_ = {0.05, 2e4, 0.01};
    r.flags = {Flag::none, Flag::none, Flag::none};
    r.identifiable = {1, 1, 1};
    r.correlation = {1.0, 0.998, 0.1, 0.998, 1.0, 0.2, 0.1, 0.2, 1.0};
    r.null_directions = {{0.0, 1.0, -0.25}};
    r.beyond_bounds = {0, 0, 0};
    const std::string s = relsim::fit::format_summary(cfg, r);
    INFO(s);
    CHECK(
        s.find("NEARLY DEGENERATE: device.charge_balance ~ ligand.kT_nr_s (correlation +0.998)") !=
        std::string::npos);
    CHECK(s.find("NEARLY DEGENERATE: device.charge_balance ~ device.outcoupling") ==
          std::string::npos);
    CHECK(s.find("NOT DETERMINED: chi2 does not change along  +1 log10(ligand.kT_nr_s) -0.25 "
                 "device.outcoupling") != std::string::npos);
}
