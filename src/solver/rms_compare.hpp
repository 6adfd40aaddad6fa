//! @file rms_compare.hpp
//! Private to src/solver: the natural monotonicity test's comparison of two weighted RMS norms
//! without their square roots (steady_state.cpp; tested in tests/model/test_rms_compare.cpp).
#pragma once

#include <cmath>

namespace relsim::solver::detail {

//! std::sqrt(a) <= c * std::sqrt(b) (each operation rounded, as written), for the natural
//! monotonicity test's comparison of two RMS norms, decided without either square root when a
//! lies clearly on one side of c^2 b: the square roots' latency sat on the Newton's critical
//! path. The decision is the same for every a, b, c, NaN and inf included. With u = 2^-53:
//! - t = fl(c fl(sqrt(b))) lies within c sqrt(b) (1 +- u)^2 (sqrt is correctly rounded);
//! - s2 = fl(fl(c c) b) and the bounds fl(s2 (1 -+ 16u)) carry one more factor (1 +- u) each,
//!   as long as c > 0, a >= 0 and c^2 and s2 are normal numbers far from overflow (checked;
//!   otherwise the square roots decide);
//! - a <= fl(s2 (1 - 16u)) <= c^2 b (1 + u)^3 (1 - 16u) gives sqrt(a) < c sqrt(b) (1 - u)^2 <= t
//!   in real numbers, and the rounded sqrt(a) cannot round past the double t: true;
//! - a >= fl(s2 (1 + 16u)) >= c^2 b (1 - u)^3 (1 + 16u) gives sqrt(a) > c sqrt(b) (1 + u)^3 >=
//!   t (1 + u) > t + ulp(t)/2, so the rounded sqrt(a) is a double above t: false;
//! - in between, or outside the checked ranges (NaN, inf, negative, tiny), the roots decide.
inline bool rms_at_most(double a, double c, double b) {
    constexpr double u = 0x1p-53;
    const double c2 = c * c;
    const double s2 = c2 * b;
    if (a >= 0.0 && c > 0.0 && c2 >= 0x1p-1000 && s2 >= 0x1p-1000 && s2 <= 0x1p+1000) {
        if (a <= s2 * (1.0 - 16.0 * u)) return true;
        if (a >= s2 * (1.0 + 16.0 * u)) return false;
    }
    return std::sqrt(a) <= c * std::sqrt(b);
}

}  // namespace relsim::solver::detail
