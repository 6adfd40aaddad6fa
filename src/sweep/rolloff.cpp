//! @file rolloff.cpp
#include "relsim/sweep/rolloff.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace relsim::sweep {

std::optional<Rolloff> rolloff(const std::vector<double>& J, const std::vector<double>& eqe,
                               const std::vector<double>& L,
                               const std::vector<std::int32_t>& status) {
    std::vector<std::size_t> idx;
    for (std::size_t i = 0; i < J.size(); ++i) {
        if (status[i] == 0 && J[i] > 0.0) idx.push_back(i);
    }
    if (idx.empty()) return std::nullopt;
    std::stable_sort(idx.begin(), idx.end(),
                     [&](std::size_t a, std::size_t b) { return J[a] < J[b]; });
    Rolloff r;
    r.points_used = idx.size();
    std::size_t peak = 0;
    r.min_luminance_cd_m2 = L[idx[0]];
    for (std::size_t k = 0; k < idx.size(); ++k) {
        if (eqe[idx[k]] > eqe[idx[peak]]) peak = k;
        r.max_luminance_cd_m2 = std::max(r.max_luminance_cd_m2, L[idx[k]]);
        r.min_luminance_cd_m2 = std::min(r.min_luminance_cd_m2, L[idx[k]]);
    }
    r.peak_eqe = eqe[idx[peak]];
    r.peak_J_mA_cm2 = J[idx[peak]];
    r.peak_luminance_cd_m2 = L[idx[peak]];
    r.last_eqe_over_peak = r.peak_eqe > 0 ? eqe[idx.back()] / r.peak_eqe : 0.0;
    auto crossing = [&](double level) -> std::optional<double> {
        const double target = level * r.peak_eqe;
        for (std::size_t k = peak + 1; k < idx.size(); ++k) {
            const double e1 = eqe[idx[k]];
            if (e1 > target) continue;
            const double e0 = eqe[idx[k - 1]];
            const double x0 = std::log(J[idx[k - 1]]), x1 = std::log(J[idx[k]]);
            const double f = e0 == e1 ? 1.0 : (e0 - target) / (e0 - e1);
            return std::exp(x0 + f * (x1 - x0));
        }
        return std::nullopt;
    };
    r.J90_mA_cm2 = crossing(0.9);
    r.J50_mA_cm2 = crossing(0.5);
    auto at_luminance = [&](double target) -> std::optional<double> {
        for (std::size_t k = 0; k < idx.size(); ++k) {
            const double l1 = L[idx[k]];
            if (l1 < target) continue;
            if (k == 0 || l1 == target) {
                if (l1 == target) return eqe[idx[k]];
                return std::nullopt;  // already above the target at the lowest J: not bracketed
            }
            const double l0 = L[idx[k - 1]];
            if (!(l0 > 0.0)) return eqe[idx[k]];
            const double f = (std::log(target) - std::log(l0)) / (std::log(l1) - std::log(l0));
            return eqe[idx[k - 1]] + f * (eqe[idx[k]] - eqe[idx[k - 1]]);
        }
        return std::nullopt;
    };
    r.eqe_at_100_cd_m2 = at_luminance(100.0);
    r.eqe_at_1000_cd_m2 = at_luminance(1000.0);
    return r;
}

}  // namespace relsim::sweep
