//! @file nc_point_series.hpp  (src/sweep internal)
//! Resampling and integrals of the microscopic engines' time and radial series onto the fixed
//! output grids (nc_point_evaluator.cpp and nc_point_evaluator_transient.cpp).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace relsim::sweep::detail {

//! Linear interpolation of (x, y) at `at`; 0 beyond the last point by more than half a bin.
inline double resample(const std::vector<double>& x, const std::vector<double>& y, double at,
                       double limit) {
    if (x.empty() || at > limit) return 0.0;
    if (at <= x.front()) return y.front();
    if (at >= x.back()) return y.back();
    const auto it = std::upper_bound(x.begin(), x.end(), at);
    const std::size_t i = static_cast<std::size_t>(it - x.begin());
    const double f = (at - x[i - 1]) / (x[i] - x[i - 1]);
    return y[i - 1] + f * (y[i] - y[i - 1]);
}

//! Trapezoid integral of y over t.
inline double integral(const std::vector<double>& t, const std::vector<double>& y) {
    double s = 0.0;
    for (std::size_t i = 1; i < t.size() && i < y.size(); ++i)
        s += 0.5 * (y[i] + y[i - 1]) * (t[i] - t[i - 1]);
    return s;
}

}  // namespace relsim::sweep::detail
