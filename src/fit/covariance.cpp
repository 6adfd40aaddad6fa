//! @file covariance.cpp
#include "covariance.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <limits>

namespace relsim::fit::detail {

Covariance covariance_from_jacobian(const std::vector<double>& jac, std::size_t rows, std::size_t cols,
                                    std::size_t num_params, std::vector<Flag> flags, double s2) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    Covariance out;
    out.cov.assign(num_params * num_params, nan);
    const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> J(
        jac.data(), static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
    // Kept columns: free parameters not on a bound and with a non-zero column, all nuisances.
    std::vector<Eigen::Index> keep;
    for (std::size_t c = 0; c < cols; ++c) {
        const double norm = J.col(static_cast<Eigen::Index>(c)).norm();
        if (c < num_params) {
            if (flags[c] == Flag::at_lower_bound || flags[c] == Flag::at_upper_bound) continue;
            if (!(norm > 0.0) || !std::isfinite(norm)) {
                flags[c] = Flag::degenerate;  // the data do not depend on it at all
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
    const double lmax = k > 0 ? lambda(k - 1) : 0.0;
    out.condition_number = k > 0 && lambda(0) > 0.0 ? lmax / lambda(0) : std::numeric_limits<double>::infinity();
    std::vector<bool> degenerate(static_cast<std::size_t>(k), false);
    Eigen::MatrixXd Ainv = Eigen::MatrixXd::Zero(k, k);
    for (Eigen::Index e = 0; e < k; ++e) {
        if (lambda(e) > kSingularEigenRatio * lmax) {
            Ainv += V.col(e) * V.col(e).transpose() / lambda(e);
        } else {
            for (Eigen::Index i = 0; i < k; ++i) {
                if (std::abs(V(i, e)) > kSingularComponent) degenerate[static_cast<std::size_t>(i)] = true;
            }
        }
    }
    // Back to unscaled: M^-1 = D^-1 A^-1 D^-1.
    const Eigen::MatrixXd Minv = d.cwiseInverse().asDiagonal() * Ainv * d.cwiseInverse().asDiagonal();
    for (Eigen::Index i = 0; i < k; ++i) {
        const auto ci = static_cast<std::size_t>(keep[static_cast<std::size_t>(i)]);
        if (ci < num_params && degenerate[static_cast<std::size_t>(i)]) flags[ci] = Flag::degenerate;
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

}  // namespace relsim::fit::detail
