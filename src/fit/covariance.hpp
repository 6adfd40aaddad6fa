//! @file covariance.hpp (private to relsim_fit)
//! Parameter covariance from the weighted Jacobian at the optimum.
#pragma once

#include <cstddef>
#include <vector>

#include "relsim/fit/fitter.hpp"

namespace relsim::fit::detail {

struct Covariance {
    std::vector<double> cov;  //!< P x P row-major in the fitted scale; NaN rows/cols when flagged
    std::vector<Flag> flags;  //!< per parameter: bound flags as given, `degenerate` added
    double condition_number = 0.0;  //!< of the Jacobi-scaled matrix of the kept columns
};

//! Eigenvalues of the Jacobi-scaled J^T W J below this fraction of the largest are numerically
//! zero: finite-difference derivatives carry relative errors up to ~1e-5 (pulse integration at
//! rtol 1e-10 with steps of 1e-4), i.e. ~1e-10 in J^T W J, so smaller eigenvalues are noise and
//! the parameters in their directions are not determined by the data.
inline constexpr double kSingularEigenRatio = 1.0e-9;
//! A parameter belongs to a singular direction when its component in that (unit) eigenvector
//! exceeds this.
inline constexpr double kSingularComponent = 1.0e-2;

//! `jac` is N x K row-major (weighted residual derivatives); its first P columns are the free
//! parameters (fitted scale), the rest nuisance numbers (amplitudes, offsets) that are part of
//! the inverse but not reported. Parameters flagged at a bound are held fixed (their columns
//! dropped). The covariance is s2 times the full inverse of the kept J^T W J; when that matrix
//! is singular to working precision, the parameters in its null directions are flagged
//! `degenerate` and get NaN, and the others take the inverse on the complement (for them the
//! null directions carry no weight, so this is the limit of the full inverse).
[[nodiscard]] Covariance covariance_from_jacobian(const std::vector<double>& jac, std::size_t rows,
                                                  std::size_t cols, std::size_t num_params,
                                                  std::vector<Flag> flags, double s2);

}  // namespace relsim::fit::detail
