//! @file transient.cpp
//! Pulse integration (the pulse protocol): the on-phase at the pulse current, then the off-phase,
//! each integrated by the Rosenbrock stepper of detail/rosenbrock4.hpp (Boost.Odeint 1.74's
//! rosenbrock4 with its controller and dense output, ported to Eigen) in the scaled variables of
//! detail/scaled_system.hpp, the off-phase optionally finished by the exact linear solution of
//! detail/linear_tail.hpp.
//!
//! The drive jumps at t_on, so the two phases are integrated separately, the second restarting
//! from the state at t_on. Threshold crossings (rise and decay times) are located by bisection on
//! the dense output of the step that brackets them (the rise step, whose threshold is only known
//! at t_on, is recomputed from its recorded start with its recorded length: the same step, the
//! same continuous extension).
#include "relsim/solver/transient.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <utility>

#include "detail/linear_tail.hpp"
#include "detail/rosenbrock4.hpp"
#include "detail/scaled_system.hpp"
#include "relsim/model/observables.hpp"

namespace relsim::solver {
namespace {

using detail::LinearTail;
using detail::Rosenbrock4;
using detail::ScaledSystem;
using detail::Vec;
using detail::scaled_rate;

//! Integrates one phase [t0, t1] from z, writing outputs at `times` (all within [t0, t1]).
//! Optionally records each accepted step's start (time, state, length) and locates a downward
//! crossing of `decay_threshold` (< 0: none). Returns false on a non-finite state.
struct PhaseResult {
    std::vector<double> step_time;
    std::vector<double> step_length;
    std::vector<Vec> step_state;
    double crossing_time = -1.0;
    std::size_t steps = 0;
    double linear_from = -1.0;  //!< exact linear solution from this time on (-1: never)
};

bool integrate_phase(const ScaledSystem& sys, Vec& z, double t0, double t1,
                     const std::vector<double>& times, const TransientOptions& opt,
                     bool record_steps, double decay_threshold,
                     const std::function<void(double, const Vec&)>& output, PhaseResult& res,
                     LinearTail* tail = nullptr) {
    Rosenbrock4 dense(z.size(), opt.scaled_absolute_tolerance, opt.relative_tolerance);
    const double span = t1 - t0;
    dense.initialize(z, t0, span * 1.0e-12);
    std::size_t next_out = 0;
    std::vector<double> y(static_cast<std::size_t>(z.size()));
    Vec zi(z.size());
    double prev_rate = scaled_rate(*sys.model, *sys.scale, z, y);
    while (next_out < times.size() && times[next_out] <= t0) output(times[next_out++], z);
    while (dense.current_time() < t1) {
        const double t_start = dense.current_time();
        if (record_steps) {
            res.step_time.push_back(t_start);
            res.step_state.push_back(dense.current_state());
        }
        if (!dense.do_step(sys)) return false;
        if (record_steps) res.step_length.push_back(dense.current_time() - t_start);
        ++res.steps;
        const Vec& zc = dense.current_state();
        if (!zc.allFinite()) return false;
        const double t_now = std::min(dense.current_time(), t1);
        while (next_out < times.size() && times[next_out] <= t_now) {
            dense.calc_state(times[next_out], zi);
            output(times[next_out++], zi);
        }
        if (decay_threshold >= 0.0 && res.crossing_time < 0.0) {
            dense.calc_state(t_now, zi);
            const double rate = scaled_rate(*sys.model, *sys.scale, zi, y);
            if (rate <= decay_threshold && prev_rate > decay_threshold) {
                double lo = t_start, hi = t_now;
                for (int k = 0; k < 200 && hi - lo > 1e-14 * hi; ++k) {
                    const double mid = 0.5 * (lo + hi);
                    dense.calc_state(mid, zi);
                    (scaled_rate(*sys.model, *sys.scale, zi, y) > decay_threshold ? lo : hi) = mid;
                }
                res.crossing_time = hi;
            }
            prev_rate = rate;
        }
        // Exact linear tail: checked every 4th step (an rhs and a solve, ~1/6 of a step).
        if (tail && t_now < t1 && res.steps % 4 == 0) {
            sys.rhs(zc, zi);
            if (tail->negligible(zc, zi, opt.scaled_absolute_tolerance, opt.relative_tolerance)) {
                tail->start(zc, t_now);
                res.linear_from = t_now;
                while (next_out < times.size()) {
                    tail->state(times[next_out], zi);
                    output(times[next_out++], zi);
                }
                if (decay_threshold >= 0.0 && res.crossing_time < 0.0 &&
                    prev_rate > decay_threshold) {
                    // first crossing on a fine log grid of the remaining time, then bisection
                    double lo = t_now, hi = -1.0;
                    for (int k = 1; k <= 400 && hi < 0.0; ++k) {
                        const double t =
                            t_now + (t1 - t_now) * std::pow(10.0, -8.0 * (1.0 - k / 400.0));
                        tail->state(t, zi);
                        if (scaled_rate(*sys.model, *sys.scale, zi, y) <= decay_threshold)
                            hi = t;
                        else
                            lo = t;
                    }
                    for (int k = 0; hi > 0.0 && k < 200 && hi - lo > 1e-14 * hi; ++k) {
                        const double mid = 0.5 * (lo + hi);
                        tail->state(mid, zi);
                        (scaled_rate(*sys.model, *sys.scale, zi, y) > decay_threshold ? lo : hi) =
                            mid;
                    }
                    if (hi > 0.0) res.crossing_time = hi;
                }
                tail->state(t1, z);
                return z.allFinite();
            }
        }
    }
    dense.calc_state(t1, z);
    while (next_out < times.size()) output(times[next_out++], z);
    return z.allFinite();
}

std::vector<double> log_times(double offset, double length, int points, double decades) {
    std::vector<double> t(static_cast<std::size_t>(points));
    const double lo = std::log10(length) - decades;
    const double hi = std::log10(length);
    for (int i = 0; i < points; ++i) {
        const double f = points > 1 ? static_cast<double>(i) / (points - 1) : 1.0;
        t[static_cast<std::size_t>(i)] = offset + std::pow(10.0, lo + f * (hi - lo));
    }
    t.back() = offset + length;
    return t;
}

}  // namespace

std::vector<double> pulse_output_times(const PulseSpec& pulse) {
    if (!pulse.output_times_s.empty()) return pulse.output_times_s;
    std::vector<double> times{0.0};
    const auto on = log_times(0.0, pulse.on_s, pulse.points, pulse.decades);
    const auto off = log_times(pulse.on_s, pulse.off_s, pulse.points, pulse.decades);
    times.insert(times.end(), on.begin(), on.end());
    times.insert(times.end(), off.begin(), off.end());
    return times;
}

TransientResult run_pulse(const model::RateModel& model, const PulseSpec& pulse,
                          const TransientOptions& options) {
    const std::size_t n = model.num_states();
    const std::size_t num_species = model.species().size();
    const std::size_t num_lines = model.lines().size();
    TransientResult res;
    res.time_s = pulse_output_times(pulse);
    const std::size_t num_times = res.time_s.size();
    res.photon_rate_cm3_s.assign(num_times, 0.0);
    res.species_photon_rate_cm3_s.assign(num_times * num_species, 0.0);
    res.line_photon_rate_cm3_s.assign(num_times * num_lines, 0.0);
    res.ligand_photon_rate_cm3_s.assign(num_times * 2, 0.0);
    res.populations_cm3.assign(num_times * n, 0.0);

    const model::Drive on_drive = model.drive_at(pulse.current_density_A_cm2);
    const model::Drive off_drive = model.drive_at(0.0);
    std::vector<double> scale(n);
    model.state_scales(on_drive, scale.data());

    ScaledSystem sys;
    sys.model = &model;
    sys.scale = &scale;
    sys.y.resize(n);
    sys.dydt.resize(n);
    sys.dydt0.resize(n);
    sys.jac.resize(n * n);

    model::Observables obs;
    std::size_t out_index = 0;
    std::vector<double> y(n);
    auto output = [&](double /*t*/, const Vec& zo) {
        if (out_index >= num_times) return;
        for (std::size_t i = 0; i < n; ++i) y[i] = zo[static_cast<Eigen::Index>(i)] * scale[i];
        model::evaluate_observables(model, on_drive, y.data(), obs);
        res.photon_rate_cm3_s[out_index] = obs.photon_rate_cm3_s;
        std::copy(
            obs.species_photon_rate_cm3_s.begin(), obs.species_photon_rate_cm3_s.end(),
            res.species_photon_rate_cm3_s.begin() + static_cast<long>(out_index * num_species));
        std::copy(obs.line_photon_rate_cm3_s.begin(), obs.line_photon_rate_cm3_s.end(),
                  res.line_photon_rate_cm3_s.begin() + static_cast<long>(out_index * num_lines));
        res.ligand_photon_rate_cm3_s[2 * out_index] = obs.ligand_singlet_photon_rate_cm3_s;
        res.ligand_photon_rate_cm3_s[2 * out_index + 1] = obs.ligand_triplet_photon_rate_cm3_s;
        std::copy(y.begin(), y.end(),
                  res.populations_cm3.begin() + static_cast<long>(out_index * n));
        ++out_index;
    };

    // Output times per phase: t = 0 and the on-phase in the first, the off-phase in the second.
    const auto split = std::upper_bound(res.time_s.begin(), res.time_s.end(), pulse.on_s);
    const std::vector<double> on_times(res.time_s.begin(), split);
    const std::vector<double> off_times(split, res.time_s.end());

    Vec z = Vec::Zero(static_cast<Eigen::Index>(n));
    sys.drive = on_drive;
    PhaseResult on_phase;
    if (!integrate_phase(sys, z, 0.0, pulse.on_s, on_times, options, options.characteristic_times,
                         -1.0, output, on_phase)) {
        res.status = transient_failed;
        std::fill(res.photon_rate_cm3_s.begin(), res.photon_rate_cm3_s.end(), 0.0);
        return res;
    }
    res.steps += on_phase.steps;
    const double rate_on = scaled_rate(model, scale, z, y);
    res.photon_rate_at_t_on_cm3_s = rate_on;
    const Vec z_on = z;

    // Rise: the first recorded step whose end is at or above the threshold brackets it; the
    // crossing is bisected on that step's continuous extension.
    const double rise_threshold = (1.0 - std::exp(-1.0)) * rate_on;
    res.status |= transient_no_rise;
    if (rate_on > 0.0 && options.characteristic_times) {
        const auto& ts = on_phase.step_time;
        Rosenbrock4 redo(static_cast<Eigen::Index>(n), options.scaled_absolute_tolerance,
                         options.relative_tolerance);
        Vec zm(static_cast<Eigen::Index>(n));
        for (std::size_t k = 0; k < ts.size(); ++k) {
            const Vec& z_end = k + 1 < ts.size() ? on_phase.step_state[k + 1] : z_on;
            if (scaled_rate(model, scale, z_end, y) < rise_threshold) continue;
            redo.redo_step(sys, on_phase.step_state[k], ts[k], on_phase.step_length[k]);
            double lo = ts[k], hi = std::min(ts[k] + on_phase.step_length[k], pulse.on_s);
            for (int it = 0; it < 200 && hi - lo > 1e-14 * hi; ++it) {
                const double mid = 0.5 * (lo + hi);
                redo.calc_state(mid, zm);
                (scaled_rate(model, scale, zm, y) >= rise_threshold ? hi : lo) = mid;
            }
            res.rise_time_s = hi;
            res.status &= ~transient_no_rise;
            break;
        }
    }

    sys.drive = off_drive;
    sys.polaron_decay = model.params().physics.polaron_decay;  // off: n_p = 0 at once (contract)
    sys.decay_n0_cm3 = on_drive.polaron_density_cm3;
    sys.decay_t0_s = pulse.on_s;
    PhaseResult off_phase;
    const double decay_threshold =
        rate_on > 0.0 && options.characteristic_times ? rate_on * std::exp(-1.0) : -1.0;
    std::optional<LinearTail> tail;
    if (options.exact_linear_tail && sys.autonomous()) {  // the tail needs a constant drive
        Eigen::MatrixXd A(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
        sys.jacobian(Vec::Zero(static_cast<Eigen::Index>(n)), A);
        tail.emplace(A);
        if (!tail->ok()) tail.reset();
    }
    if (!integrate_phase(sys, z, pulse.on_s, pulse.on_s + pulse.off_s, off_times, options, false,
                         decay_threshold, output, off_phase, tail ? &*tail : nullptr)) {
        res.status |= transient_failed;
        return res;
    }
    res.steps += off_phase.steps;
    res.linear_tail_from_s = off_phase.linear_from;
    if (off_phase.crossing_time >= 0.0) {
        res.decay_time_s = off_phase.crossing_time - pulse.on_s;
    } else if (options.characteristic_times) {
        res.status |= transient_no_decay;
    }
    if (!options.characteristic_times) res.status &= ~transient_no_rise;
    return res;
}

}  // namespace relsim::solver
