//! @file steady_state.hpp
//! Steady state of the rate equations: damped Newton on the analytic Jacobian, with
//! pseudo-transient continuation as the fallback (Kelley & Keyes, SIAM J. Numer. Anal. 35, 508
//! (1998)). Linear algebra is Eigen, kept out of this header.
#pragma once

#include <memory>
#include <string>

#include "relsim/model/rate_model.hpp"

namespace relsim::solver {

//! Outcome of a steady-state solve. 0 means converged; the values are stored in the output
//! files' `status` datasets.
enum class SolveStatus : int {
    converged = 0,
    not_converged = 1,  //!< iteration limits reached
    non_finite = 2,     //!< NaN or Inf met in the residual or Jacobian
    singular = 3,       //!< the Newton matrix could not be factorised
    unphysical = 4,     //!< the converged populations violate 0 <= N <= N_s beyond round-off
};
[[nodiscard]] const char* to_string(SolveStatus status);

//! How a converged solution was reached (`solver_method` in the output).
enum class SolveMethod : int {
    newton = 0,        //!< damped Newton from the initial guess
    continuation = 1,  //!< pseudo-transient continuation from zero, then Newton
    none = -1,         //!< not converged
};

struct SteadyStateOptions {
    //! Converged when the last full Newton step is below this in every component, relative to
    //! max(|y_i|, 1e-20 * scale_i); after that step the error is of order tolerance^2.
    double tolerance = 1.0e-10;
    int max_newton_iterations = 60;
    bool use_continuation = true;
    int max_continuation_steps = 3000;
};

struct SteadyStateReport {
    SolveStatus status = SolveStatus::not_converged;
    SolveMethod method = SolveMethod::none;
    int newton_iterations = 0;
    int continuation_steps = 0;
    double last_step_norm = 0.0;  //!< weighted max-norm of the last Newton step
};

//! Reusable solver with its own scratch space: one per thread, no allocation per solve once
//! sized for a model.
class SteadyStateSolver {
public:
    explicit SteadyStateSolver(SteadyStateOptions options = {});
    ~SteadyStateSolver();
    SteadyStateSolver(SteadyStateSolver&&) noexcept;
    SteadyStateSolver& operator=(SteadyStateSolver&&) noexcept;

    //! Solves dy/dt = 0 under `drive`. `guess` (num_states entries) may be nullptr for a cold
    //! start from the linear (low-current) solution. On success `y` holds the populations
    //! [cm^-3]; on failure `y` holds zeros (never NaN).
    SteadyStateReport solve(const model::RateModel& model, const model::Drive& drive,
                            const double* guess, double* y);

    struct Workspace;  //!< scratch vectors and matrices (defined in the .cpp)

private:
    SteadyStateOptions options_;
    std::unique_ptr<Workspace> ws_;
};

}  // namespace relsim::solver
