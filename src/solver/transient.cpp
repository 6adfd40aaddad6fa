//! @file transient.cpp
//! Pulse integration with Boost.Odeint's rosenbrock4 dense-output stepper.
//!
//! The ODE is integrated in scaled variables z_i = y_i / scale_i (scales of the pulse's drive),
//! so one absolute tolerance serves populations from 1e0 to 1e22 cm^-3. The drive jumps at
//! t_on, so the two phases are integrated separately, the second restarting from the state at
//! t_on. Threshold crossings (rise and decay times) are located by bisection: the decay
//! crossing on the stepper's dense output (4th-order continuous extension, accurate to the
//! step tolerance), the rise crossing -- whose threshold is only known at t_on -- by
//! re-integrating from the stored start of the bracketing step.
#include "relsim/solver/transient.hpp"

#include <algorithm>
#include <boost/numeric/odeint.hpp>
#include <cmath>
#include <functional>
#include <utility>

#include "relsim/model/observables.hpp"

namespace relsim::solver {
namespace {

namespace odeint = boost::numeric::odeint;
using Vec = boost::numeric::ublas::vector<double>;
using Mat = boost::numeric::ublas::matrix<double>;

//! The rate equations in scaled variables, for one constant drive.
struct ScaledSystem {
    const model::RateModel* model = nullptr;
    model::Drive drive;
    const std::vector<double>* scale = nullptr;
    mutable std::vector<double> y, dydt, jac, dydt0;
    //! [physics] polaron_decay after the pulse: n_p(t) = n0 / (1 + k_L n0 (t - t0)), the law of
    //! model::polaron_density_after_pulse; off: the constant drive above.
    bool polaron_decay = false;
    double decay_n0_cm3 = 0.0, decay_t0_s = 0.0;

    [[nodiscard]] model::Drive drive_at_time(double t) const {
        if (!polaron_decay) return drive;
        model::Drive d = drive;
        d.polaron_density_cm3 = model::polaron_density_after_pulse(
            decay_n0_cm3, model->params().device.langevin_cm3_s, std::max(t - decay_t0_s, 0.0));
        return d;
    }

    void to_physical(const Vec& z) const {
        for (std::size_t i = 0; i < y.size(); ++i) y[i] = z[i] * (*scale)[i];
    }
};

struct Rhs {
    const ScaledSystem* sys;
    void operator()(const Vec& z, Vec& dzdt, double t) const {
        sys->to_physical(z);
        sys->model->rhs(sys->drive_at_time(t), sys->y.data(), sys->dydt.data());
        for (std::size_t i = 0; i < z.size(); ++i) dzdt[i] = sys->dydt[i] / (*sys->scale)[i];
    }
};

struct Jacobian {
    const ScaledSystem* sys;
    void operator()(const Vec& z, Mat& J, const double& t, Vec& dfdt) const {
        sys->to_physical(z);
        const std::size_t n = z.size();
        const model::Drive d = sys->drive_at_time(t);
        sys->model->jacobian(d, sys->y.data(), sys->jac.data());
        const std::vector<double>& s = *sys->scale;
        for (std::size_t r = 0; r < n; ++r) {
            for (std::size_t c = 0; c < n; ++c) J(r, c) = sys->jac[r + c * n] * s[c] / s[r];
            dfdt[r] = 0.0;
        }
        if (sys->polaron_decay && d.polaron_density_cm3 > 0.0) {
            // f is linear in n_p, so df/dt = (f(n_p) - f(0)) / n_p * dn_p/dt, dn_p/dt = -k_L n_p^2.
            model::Drive d0 = d;
            d0.polaron_density_cm3 = 0.0;
            sys->model->rhs(d, sys->y.data(), sys->dydt.data());
            sys->model->rhs(d0, sys->y.data(), sys->dydt0.data());
            const double factor = -sys->model->params().device.langevin_cm3_s * d.polaron_density_cm3;
            for (std::size_t r = 0; r < n; ++r) dfdt[r] = (sys->dydt[r] - sys->dydt0[r]) * factor / s[r];
        }
    }
};

using Stepper = odeint::rosenbrock4<double>;

double scaled_rate(const model::RateModel& model, const std::vector<double>& scale, const Vec& z,
                   std::vector<double>& y) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = z[i] * scale[i];
    return model::total_photon_rate(model, y.data());
}

bool finite(const Vec& z) {
    return std::all_of(z.begin(), z.end(), [](double v) { return std::isfinite(v); });
}

//! Integrates one phase [t0, t1] from z, writing outputs at `times` (all within [t0, t1]).
//! Optionally records each accepted step's start (time, state) and locates a downward crossing
//! of `decay_threshold` (< 0: none). Returns false on a non-finite state.
struct PhaseResult {
    std::vector<double> step_time;
    std::vector<Vec> step_state;
    double crossing_time = -1.0;
    std::size_t steps = 0;
};

bool integrate_phase(const ScaledSystem& sys, Vec& z, double t0, double t1,
                     const std::vector<double>& times, const TransientOptions& opt,
                     bool record_steps, double decay_threshold,
                     const std::function<void(double, const Vec&)>& output, PhaseResult& res) {
    auto dense = odeint::make_dense_output(opt.scaled_absolute_tolerance,
                                           opt.relative_tolerance, Stepper());
    const auto system = std::make_pair(Rhs{&sys}, Jacobian{&sys});
    const double span = t1 - t0;
    dense.initialize(z, t0, span * 1.0e-12);
    std::size_t next_out = 0;
    std::vector<double> y(z.size());
    Vec zi(z.size());
    double prev_rate = scaled_rate(*sys.model, *sys.scale, z, y);
    while (next_out < times.size() && times[next_out] <= t0) output(times[next_out++], z);
    while (dense.current_time() < t1) {
        const double t_start = dense.current_time();
        if (record_steps) {
            res.step_time.push_back(t_start);
            res.step_state.push_back(dense.current_state());
        }
        dense.do_step(system);
        ++res.steps;
        const Vec& zc = dense.current_state();
        if (!finite(zc)) return false;
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
    }
    dense.calc_state(t1, z);
    while (next_out < times.size()) output(times[next_out++], z);
    return finite(z);
}

//! State at t from (t_a, z_a) by adaptive integration (for bisection inside one step).
Vec advance(const ScaledSystem& sys, const Vec& z_a, double t_a, double t,
            const TransientOptions& opt) {
    Vec z = z_a;
    if (t <= t_a) return z;
    auto controlled = odeint::make_controlled(opt.scaled_absolute_tolerance * 1e-2,
                                              opt.relative_tolerance * 1e-2, Stepper());
    odeint::integrate_adaptive(controlled, std::make_pair(Rhs{&sys}, Jacobian{&sys}), z, t_a, t,
                               (t - t_a) * 1e-3);
    return z;
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
    auto output = [&](double /*t*/, const Vec& z) {
        if (out_index >= num_times) return;
        for (std::size_t i = 0; i < n; ++i) y[i] = z[i] * scale[i];
        model::evaluate_observables(model, on_drive, y.data(), obs);
        res.photon_rate_cm3_s[out_index] = obs.photon_rate_cm3_s;
        std::copy(obs.species_photon_rate_cm3_s.begin(), obs.species_photon_rate_cm3_s.end(),
                  res.species_photon_rate_cm3_s.begin() + static_cast<long>(out_index * num_species));
        std::copy(obs.line_photon_rate_cm3_s.begin(), obs.line_photon_rate_cm3_s.end(),
                  res.line_photon_rate_cm3_s.begin() + static_cast<long>(out_index * num_lines));
        res.ligand_photon_rate_cm3_s[2 * out_index] = obs.ligand_singlet_photon_rate_cm3_s;
        res.ligand_photon_rate_cm3_s[2 * out_index + 1] = obs.ligand_triplet_photon_rate_cm3_s;
        std::copy(y.begin(), y.end(), res.populations_cm3.begin() + static_cast<long>(out_index * n));
        ++out_index;
    };

    // Output times per phase: t = 0 and the on-phase in the first, the off-phase in the second.
    const std::size_t points = static_cast<std::size_t>(pulse.points);
    const std::vector<double> on_times(res.time_s.begin(), res.time_s.begin() + static_cast<long>(1 + points));
    const std::vector<double> off_times(res.time_s.begin() + static_cast<long>(1 + points), res.time_s.end());

    Vec z(n);
    std::fill(z.begin(), z.end(), 0.0);
    sys.drive = on_drive;
    PhaseResult on_phase;
    if (!integrate_phase(sys, z, 0.0, pulse.on_s, on_times, options, true, -1.0, output, on_phase)) {
        res.status = transient_failed;
        std::fill(res.photon_rate_cm3_s.begin(), res.photon_rate_cm3_s.end(), 0.0);
        return res;
    }
    res.steps += on_phase.steps;
    const double rate_on = scaled_rate(model, scale, z, y);
    res.photon_rate_at_t_on_cm3_s = rate_on;
    const Vec z_on = z;

    // Rise: the first recorded step whose end is at or above the threshold brackets it.
    const double rise_threshold = (1.0 - std::exp(-1.0)) * rate_on;
    res.status |= transient_no_rise;
    if (rate_on > 0.0) {
        const auto& ts = on_phase.step_time;
        for (std::size_t k = 0; k < ts.size(); ++k) {
            const double t_end = k + 1 < ts.size() ? ts[k + 1] : pulse.on_s;
            const Vec z_end = k + 1 < ts.size() ? on_phase.step_state[k + 1] : z_on;
            if (scaled_rate(model, scale, z_end, y) < rise_threshold) continue;
            double lo = ts[k], hi = t_end;
            for (int it = 0; it < 100 && hi - lo > 1e-12 * hi; ++it) {
                const double mid = 0.5 * (lo + hi);
                const Vec zm = advance(sys, on_phase.step_state[k], ts[k], mid, options);
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
    const double decay_threshold = rate_on > 0.0 ? rate_on * std::exp(-1.0) : -1.0;
    if (!integrate_phase(sys, z, pulse.on_s, pulse.on_s + pulse.off_s, off_times, options, false,
                         decay_threshold, output, off_phase)) {
        res.status |= transient_failed;
        return res;
    }
    res.steps += off_phase.steps;
    if (off_phase.crossing_time >= 0.0) {
        res.decay_time_s = off_phase.crossing_time - pulse.on_s;
    } else {
        res.status |= transient_no_decay;
    }
    return res;
}

}  // namespace relsim::solver
