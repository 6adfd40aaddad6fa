//! @file covariance.cpp
#include "covariance.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <limits>

namespace relsim::fit::detail {

namespace {

//! One pass over the columns not excluded: inverse where determined, flags and null directions.
Covariance one_pass(
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>&
        J,
    std::size_t cols, std::size_t num_params, std::vector<Flag> flags, double s2) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Covariance out;
    out.cov.assign(num_params * num_params, nan);
    // Kept columns: free parameters not on a bound and with a non-zero column, all nuisances.
    std::vector<Eigen::Index> keep;
    for (std::size_t c = 0; c < cols; ++c) {
        const double norm = J.col(static_cast<Eigen::Index>(c)).norm();
        if (c < num_params) {
            if (flags[c] != Flag::none) continue;
            if (!(norm > 0.0) || !std::isfinite(norm)) {
                flags[c] = Flag::degenerate;  // the data do not depend on it at all
                std::vector<double> dir(num_params, 0.0);
                dir[c] = 1.0;
                out.null_directions.push_back(std::move(dir));
                continue;
            }
        } else if (!(norm > 0.0)) {
            continue;
        }
        keep.push_back(static_cast<Eigen::Index>(c));
    }
    const Eigen::Index k = static_cast<Eigen::Index>(keep.size());
    if (k == 0) {
        // Every free parameter is on a bound or has a zero (or non-finite) Jacobian column and
        // no nuisance column is left: there is no matrix to invert (an eigen-solver on a 0 x 0
        // matrix crashed, issue 21 item 10). Every parameter keeps its flag, its covariance
        // stays not-determined, and the condition number of an empty matrix is reported as
        // infinite (nothing is determined by the data).
        out.condition_number = std::numeric_limits<double>::infinity();
        out.flags = std::move(flags);
        return out;
    }
    Eigen::MatrixXd Jk(J.rows(), k);
    for (Eigen::Index i = 0; i < k; ++i) Jk.col(i) = J.col(keep[static_cast<std::size_t>(i)]);
    const Eigen::MatrixXd M = Jk.transpose() * Jk;
    const Eigen::VectorXd d = M.diagonal().cwiseSqrt();
    const Eigen::MatrixXd A = d.cwiseInverse().asDiagonal() * M * d.cwiseInverse().asDiagonal();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A);
    const Eigen::VectorXd lambda = es.eigenvalues();  // ascending
    const Eigen::MatrixXd V = es.eigenvectors();
    const double lmax = lambda(k - 1);
    out.condition_number =
        lambda(0) > 0.0 ? lmax / lambda(0) : std::numeric_limits<double>::infinity();
    const double floor = kSingularEigenRatio * lmax;  // the largest a dropped eigenvalue can be
    Eigen::MatrixXd Ainv = Eigen::MatrixXd::Zero(k, k);
    Eigen::VectorXd dropped_var = Eigen::VectorXd::Zero(k);  // lower bound of the dropped part
    for (Eigen::Index e = 0; e < k; ++e) {
        if (lambda(e) > floor) {
            Ainv += V.col(e) * V.col(e).transpose() / lambda(e);
            continue;
        }
        dropped_var += V.col(e).cwiseAbs2() / floor;
        // The direction in the free parameters (fitted scale): du = D^-1 v, largest entry +-1.
        std::vector<double> dir(num_params, 0.0);
        double big = 0.0;
        for (Eigen::Index i = 0; i < k; ++i) {
            const auto ci = static_cast<std::size_t>(keep[static_cast<std::size_t>(i)]);
            if (ci >= num_params) continue;
            dir[ci] = V(i, e) / d(i);
            big = std::max(big, std::abs(dir[ci]));
        }
        if (big > 0.0) {
            for (double& x : dir) {
                x /= big;
                if (std::abs(x) < 1e-3) x = 0.0;  // eigenvector noise
            }
            out.null_directions.push_back(std::move(dir));
        }
    }
    // Back to unscaled: M^-1 = D^-1 A^-1 D^-1.
    const Eigen::MatrixXd Minv =
        d.cwiseInverse().asDiagonal() * Ainv * d.cwiseInverse().asDiagonal();
    for (Eigen::Index i = 0; i < k; ++i) {
        const auto ci = static_cast<std::size_t>(keep[static_cast<std::size_t>(i)]);
        if (ci < num_params && !(dropped_var(i) <= kUnderstatedVariance * Ainv(i, i)))
            flags[ci] = Flag::degenerate;
    }
    for (Eigen::Index i = 0; i < k; ++i) {
        const auto ci = static_cast<std::size_t>(keep[static_cast<std::size_t>(i)]);
        if (ci >= num_params || flags[ci] == Flag::degenerate) continue;
        for (Eigen::Index j = 0; j < k; ++j) {
            const auto cj = static_cast<std::size_t>(keep[static_cast<std::size_t>(j)]);
            if (cj >= num_params || flags[cj] == Flag::degenerate) continue;
            out.cov[ci * num_params + cj] = s2 * Minv(i, j);
        }
    }
    out.flags = std::move(flags);
    return out;
}

}  // namespace

Covariance covariance_from_jacobian(const std::vector<double>& jac, std::size_t rows,
                                    std::size_t cols, std::size_t num_params,
                                    std::vector<Flag> flags, double s2,
                                    const std::vector<double>& range) {
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
        J(jac.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    std::vector<int> beyond(num_params, 0);
    // Zero sensitivity: a parameter whose stderr spans more than its whole bound range is not
    // determined by the data; it is held at its value (its column dropped, flagged degenerate)
    // and the others are recomputed, one at a time from the widest, until none is left.
    for (;;) {
        std::vector<Flag> trial = flags;
        for (std::size_t j = 0; j < num_params; ++j) {
            if (beyond[j]) trial[j] = Flag::degenerate;
        }
        Covariance cv = one_pass(J, cols, num_params, trial, s2);
        std::size_t widest = num_params;
        double widest_ratio = 1.0;
        for (std::size_t j = 0; j < num_params && range.size() == num_params; ++j) {
            const double var = cv.cov[j * num_params + j];
            if (!std::isfinite(var) || !(range[j] > 0.0)) continue;
            const double ratio = std::sqrt(std::max(var, 0.0)) / range[j];
            if (ratio > widest_ratio) {
                widest_ratio = ratio;
                widest = j;
            }
        }
        if (widest == num_params) {
            for (std::size_t j = 0; j < num_params; ++j) {
                if (!beyond[j]) continue;
                std::vector<double> dir(num_params, 0.0);
                dir[j] = 1.0;
                cv.null_directions.push_back(std::move(dir));
            }
            cv.beyond_bounds = beyond;
            return cv;
        }
        beyond[widest] = 1;
    }
}

}  // namespace relsim::fit::detail
