//! @file test_rms_compare.cpp
//! The Newton's comparison of two RMS norms without square roots (src/solver/rms_compare.hpp)
//! must decide exactly as std::sqrt(a) <= c * std::sqrt(b): the iterates, and so every result,
//! depend on it bit for bit. Checked where a mistake would show: a within 64 ulps of the boundary
//! (c sqrt(b))^2 on both sides -- the fast path's margins are 16 u relative, about 32 ulps, so
//! the walk crosses the band where the square roots decide and enters both fast answers --
//! over 600 decades and the damping factors the Newton uses; then random magnitudes, and the
//! special values (zeros, subnormals, inf, NaN, negative).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <random>

#include "rms_compare.hpp"

namespace {

using relsim::solver::detail::rms_at_most;

bool reference(double a, double c, double b) { return std::sqrt(a) <= c * std::sqrt(b); }

}  // namespace

TEST_CASE("rms_at_most decides as the square roots do, next to the boundary", "[unit][solver]") {
    std::mt19937_64 rng(20261207);
    std::uniform_real_distribution<double> exponent(-300.0, 300.0);
    std::uniform_int_distribution<int> damping(0, 26);  // lambda = 2^-k, as the Newton halves
    long mismatches = 0, below = 0, above = 0;
    for (int trial = 0; trial < 20000; ++trial) {
        const double b = std::pow(10.0, exponent(rng));
        const double c = 1.0 - 0.25 * std::ldexp(1.0, -damping(rng));
        const double t = c * std::sqrt(b);
        double a = t * t;
        for (int k = 0; k < 64; ++k) a = std::nextafter(a, 0.0);
        for (int k = 0; k <= 128; ++k, a = std::nextafter(a, HUGE_VAL)) {
            const bool want = reference(a, c, b);
            if (rms_at_most(a, c, b) != want) ++mismatches;
            (want ? below : above) += 1;
        }
    }
    CHECK(mismatches == 0);
    // The walk reaches both answers (it spans the boundary), so both were compared.
    CHECK(below > 20000L * 32);
    CHECK(above > 20000L * 32);
}

TEST_CASE("rms_at_most decides as the square roots do, anywhere and for special values",
          "[unit][solver]") {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> exponent(-320.0, 308.0);
    std::uniform_real_distribution<double> factor(0.5, 1.0);
    long mismatches = 0;
    for (int trial = 0; trial < 200000; ++trial) {
        const double a = std::pow(10.0, exponent(rng));
        const double b = std::pow(10.0, exponent(rng));
        const double c = factor(rng);
        if (rms_at_most(a, c, b) != reference(a, c, b)) ++mismatches;
    }
    CHECK(mismatches == 0);
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double tiny = std::numeric_limits<double>::denorm_min();
    const double values[] = {0.0, -0.0, tiny, 1e-310, 1e-300, 1.0, 1e300, 1.7e308, inf, nan, -1.0};
    for (double a : values) {
        for (double b : values) {
            for (double c : {1.0, 0.75, 0.5, 1e-200, 0.0, -0.5, inf, nan}) {
                INFO("a = " << a << ", b = " << b << ", c = " << c);
                CHECK(rms_at_most(a, c, b) == reference(a, c, b));
            }
        }
    }
}
