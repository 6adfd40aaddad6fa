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
    //! Each direction of the free parameters (fitted scale, largest component +-1, P entries)
    //! along which the data do not change chi2 to working precision: the combinations the data
    //! do not determine (eigenvalue <= kSingularEigenRatio x largest).
    std::vector<std::vector<double>> null_directions;
    //! Per parameter: 1 where it was dropped for a stderr wider than its whole bound range
    //! (zero sensitivity); the others' covariance is then conditional on it held at its value.
    std::vector<int> beyond_bounds;
};

//! Eigenvalues of the Jacobi-scaled J^T W J below this fraction of the largest are numerically
//! zero: finite-difference derivatives carry relative errors up to ~1e-5 (pulse integration at
//! rtol 1e-10 with steps of 1e-4), i.e. ~1e-10 in J^T W J, so smaller eigenvalues are noise and
//! the parameters in their directions are not determined by the data.
inline constexpr double kSingularEigenRatio = 1.0e-9;
//! A parameter is not determined when the dropped directions add at least this fraction to its
//! variance even at their largest possible eigenvalue (kSingularEigenRatio x largest): its
//! finite stderr from the kept directions would then be understated by more than ~0.5 %
//! (issue 21 item 6: a fixed component threshold of 1e-2 let a stderr through understated by
//! orders of magnitude).
inline constexpr double kUnderstatedVariance = 1.0e-2;

//! `jac` is N x K row-major (weighted residual derivatives); its first P columns are the free
//! parameters (fitted scale), the rest nuisance numbers (amplitudes, offsets) that are part of
//! the inverse but not reported. Parameters flagged at a bound are held fixed (their columns
//! dropped). The covariance is s2 times the full inverse of the kept J^T W J; when that matrix
//! is singular to working precision, the parameters in its null directions are flagged
//! `degenerate` and get NaN, and the others take the inverse on the complement (for them the
//! null directions carry no weight, so this is the limit of the full inverse). `range` (P
//! entries, fitted scale: max - min, or empty) flags a parameter whose stderr exceeds its whole
//! bound range as `degenerate` (zero sensitivity) and recomputes the others without it, so its
//! spurious correlations do not inflate their errors (issue 21 item 19).
[[nodiscard]] Covariance covariance_from_jacobian(const std::vector<double>& jac, std::size_t rows,
                                                  std::size_t cols, std::size_t num_params,
                                                  std::vector<Flag> flags, double s2,
                                                  const std::vector<double>& range = {});

}  // namespace relsim::fit::detail
