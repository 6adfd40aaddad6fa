//! @file fitter.hpp
//! Weighted nonlinear least squares of models against data (shared/spec/fitting.md sections 2
//! and 3): Levenberg-Marquardt with bounds (Ceres Solver, kept in the .cpp), central finite
//! differences in the fitted scale, multi-start from a Latin hypercube in parallel (OpenMP),
//! and the covariance s^2 (J^T W J)^-1 at the optimum with an identifiability flag per
//! parameter.
//!
//! Determinism: every start owns its model evaluators and runs the same sequence of model
//! evaluations whatever the thread count; the best start is the lowest chi2, ties to the lower
//! start index. Results depend only on the fit file (and its seed).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "relsim/fit/fit_config.hpp"

namespace relsim::fit {

//! Model, residuals and fitted nuisance numbers of one data set at the best fit.
struct DataFit {
    std::vector<double> model;     //!< in the data's units (amplitude and offset applied)
    std::vector<double> residual;  //!< y - model
    std::vector<double> sigma;     //!< the sigma used per point (given, or estimated)
    bool sigma_estimated = false;  //!< no sigma column: one sigma estimated from the residuals
    double amplitude = 1.0;        //!< decay / spectrum: data units per model unit
    double offset = 0.0;
    double chi2 = 0.0;  //!< sum ((y - model) / sigma)^2 of this set
};

//! Why a parameter is not determined by the data (or `none`).
enum class Flag { none, at_lower_bound, at_upper_bound, degenerate, relative_error_large };
[[nodiscard]] const char* to_string(Flag flag);

struct FitResult {
    std::vector<std::string> keys;     //!< [[free]] keys verbatim, in order
    std::vector<double> values;        //!< best values (linear units)
    std::vector<double> stderr_;       //!< NaN where not determined (see flags)
    std::vector<double> stderr_log10;  //!< of log10(value) for log parameters, else NaN
    std::vector<double> covariance;    //!< row-major P x P, linear units; NaN rows/columns
                                       //!< for parameters on a bound or degenerate
    std::vector<double> correlation;   //!< row-major P x P (NaN as covariance)
    std::vector<int> identifiable;     //!< 1: finite stderr with relative error < 1
    std::vector<Flag> flags;
    double chi2 = 0.0;
    long dof = 0;
    double reduced_chi2 = 0.0;
    double s2 = 1.0;  //!< factor applied to (J^T W J)^-1
    std::vector<DataFit> data;
    //! Multi-start bookkeeping.
    int starts = 0;
    int starts_succeeded = 0;     //!< starts that ended without a model failure
    int starts_reached_best = 0;  //!< within 1e-6 (relative) of the best chi2
    int best_start = 0;
    std::vector<double> start_chi2;  //!< final chi2 of every start (inf: failed)
    int iterations = 0;              //!< of the best start
    std::string termination;         //!< Ceres' message of the best start
    double condition_number = 0.0;   //!< of the Jacobi-scaled J^T W J (free, off-bound part)
    //! Combinations of the free parameters (fitted scale: log10 for log = true; largest entry
    //! +-1) along which chi2 does not change: what the data do not determine.
    std::vector<std::vector<double>> null_directions;
    //! 1 where the parameter's stderr spanned its whole bound range (zero sensitivity): it is
    //! flagged and the others' errors are conditional on it held at its value.
    std::vector<int> beyond_bounds;
    std::vector<std::string> fitted_configs;  //!< per model: config text with best values
    double wall_time_s = 0.0;
};

struct FitRunOptions {
    int threads = 0;  //!< 0: OpenMP's default
};

//! Fits. Throws relsim::RunError when no start could evaluate the model at all.
[[nodiscard]] FitResult run_fit(const FitConfig& config, const FitRunOptions& options = {});

//! A readable summary (table of values +- errors, strongest correlations, flags, chi2/dof,
//! starts).
[[nodiscard]] std::string format_summary(const FitConfig& config, const FitResult& result);

//! Writes the result file (section 3 of the contract) to `<path>.partial`, then renames it to
//! `path` (atomic publish, as `relsim run`).
void write_fit_file(const std::string& path, const FitConfig& config, const FitResult& result);

}  // namespace relsim::fit
