//! @file transient.hpp
//! Pulsed operation: a rectangular current pulse from t = 0 to t_on, then J = 0 until
//! t_on + t_off, all populations zero at t = 0 (spec section 5, [transient]). Integrated with
//! a Rosenbrock method (L-stable, order 4, Boost.Odeint's rosenbrock4 ported to Eigen) on the
//! analytic Jacobian; Eigen stays in the .cpp file.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "relsim/model/rate_model.hpp"

namespace relsim::solver {

struct PulseSpec {
    double current_density_A_cm2 = 0.0;  //!< J during the pulse [A cm^-2]
    double on_s = 0.0;                   //!< pulse length t_on [s]
    double off_s = 0.0;                  //!< observation after the pulse [s]
    int points = 400;                    //!< output times per phase (log-spaced)
    //! Output times of a phase of length L are log-spaced from L * 10^-decades to L.
    double decades = 8.0;
    //! When not empty: the output times instead of the log-spaced ones (ascending, within
    //! [0, on_s + off_s]; times <= on_s belong to the on-phase). Used by fits at data times.
    std::vector<double> output_times_s = {};
};

struct TransientOptions {
    double relative_tolerance = 1.0e-8;
    //! Absolute tolerance on populations divided by their scale (RateModel::state_scales).
    double scaled_absolute_tolerance = 1.0e-12;
    //! Locate the rise and decay times (set false when only the series are needed).
    bool characteristic_times = true;
    //! After the pulse (J = 0), switch from stepping to the exact solution exp(A t) z of the
    //! linearised system once its neglected nonlinear terms are negligible: A is the Jacobian at
    //! zero populations (no drive), r = f(z) - A z the nonlinear remainder (TTA, ground-state
    //! depletion g_s, ETU ...), and the switch is made when the quasi-static response to it,
    //! |(A^-1 r)_i|, is below 1/10 of the step tolerance (atol + rtol |z_i|) in every component.
    //! r shrinks at least as fast as the populations afterwards, so the neglected perturbation
    //! stays below that bound. The exponential comes from an eigen-decomposition of A, used only
    //! when it reconstructs A to 1e-10 (else stepping continues).
    bool exact_linear_tail = true;
};

//! Status of a transient: 0 = fine; bits 1 and 2 say the rise or decay threshold was never
//! crossed (the time is then reported as 0 and flagged here, never as NaN); 8 = integration
//! failure (non-finite state).
enum TransientStatusBits : int {
    transient_ok = 0,
    transient_no_rise = 1,
    transient_no_decay = 2,
    transient_failed = 8,
};

struct TransientResult {
    std::vector<double> time_s;             //!< output times, 0 first
    std::vector<double> photon_rate_cm3_s;  //!< total photon emission rate at each time
    //! Photon rate per dopant species, row-major [time][species].
    std::vector<double> species_photon_rate_cm3_s;
    //! Photon rate per Ln line (RateModel::lines()), row-major [time][line].
    std::vector<double> line_photon_rate_cm3_s;
    //! Ligand singlet and triplet photon rates, row-major [time][2].
    std::vector<double> ligand_photon_rate_cm3_s;
    //! Populations, row-major [time][state] [cm^-3].
    std::vector<double> populations_cm3;
    double photon_rate_at_t_on_cm3_s = 0.0;
    double rise_time_s = 0.0;   //!< first t with rate >= (1 - 1/e) * rate(t_on)
    double decay_time_s = 0.0;  //!< first t - t_on after t_on with rate <= rate(t_on) / e
    int status = transient_ok;
    std::size_t steps = 0;  //!< accepted integrator steps
    //! Time from which the decay was evaluated exactly (exact_linear_tail); -1 when never.
    double linear_tail_from_s = -1.0;
};

//! Output times of a pulse: 0, then `points` log-spaced times in each phase (the last of the
//! on-phase is exactly t_on, the last of the off-phase t_on + t_off); or output_times_s.
[[nodiscard]] std::vector<double> pulse_output_times(const PulseSpec& pulse);

//! Integrates the pulse. Never throws for numerical trouble: it sets `status`.
[[nodiscard]] TransientResult run_pulse(const model::RateModel& model, const PulseSpec& pulse,
                                        const TransientOptions& options = {});

}  // namespace relsim::solver
