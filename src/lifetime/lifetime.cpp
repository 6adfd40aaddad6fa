//! @file lifetime.cpp
//! The slow time loop of lifetime.hpp: Q(t) by Boost.Odeint's Dormand-Prince 5(4) controlled
//! stepper with dense output, one quasi-steady point solve per right-hand-side evaluation.
#include "relsim/lifetime/lifetime.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <boost/numeric/odeint.hpp>
#include <fmt/format.h>

namespace relsim::lifetime {
namespace {

namespace ode = boost::numeric::odeint;
using State = std::vector<double>;
using Dense =
    ode::dense_output_runge_kutta<ode::controlled_runge_kutta<ode::runge_kutta_dopri5<State>>>;

constexpr double seconds_per_hour = 3600.0;
//! Absolute tolerance on Q [cm^-3]: negligible against any quencher density that matters
//! (1e14..1e19 cm^-3), it only keeps the error norm defined while Q and dQ/dt are both 0.
constexpr double kAbsTolerance_cm3 = 1.0e-3;
constexpr int kMaxSteps = 200000;

void check(const LifetimeSettings& s) {
    const DegradationRates& r = s.rates;
    for (double v : {r.kX_TP_cm3_s, r.kX_SP_cm3_s, r.kX_T_s, r.kX_S_s, r.kQ_T_cm3_s, r.kQ_S_cm3_s,
                     r.kQ_Ln_cm3_s}) {
        if (!(v >= 0.0) || !std::isfinite(v))
            throw std::invalid_argument("lifetime: negative or non-finite rate");
    }
    if (!(s.stop_fraction > 0.0 && s.stop_fraction < 1.0))
        throw std::invalid_argument("lifetime: stop_fraction outside (0, 1)");
    if (!(s.max_hours > 0.0) || !std::isfinite(s.max_hours))
        throw std::invalid_argument("lifetime: max_hours <= 0");
    if (s.time_points < 2) throw std::invalid_argument("lifetime: time_points < 2");
    if (!(s.relative_tolerance > 0.0 && s.relative_tolerance < 1e-3))
        throw std::invalid_argument("lifetime: tolerance");
}

//! Root of g on [a, b] with g(a) > 0 >= g(b): Illinois-modified regula falsi (superlinear),
//! falling back to bisection when the secant stalls; stops at |b - a| <= tol_t.
template <typename G>
double find_root(G&& g, double a, double ga, double b, double gb, double tol_t) {
    int side = 0;
    for (int it = 0; it < 200 && std::abs(b - a) > tol_t; ++it) {
        double c = (ga - gb) != 0.0 ? b - gb * (b - a) / (gb - ga) : 0.5 * (a + b);
        if (!(c > std::min(a, b) && c < std::max(a, b))) c = 0.5 * (a + b);
        if (it % 8 == 7) c = 0.5 * (a + b);  // guaranteed shrink now and then
        const double gc = g(c);
        if (gc == 0.0) return c;
        if ((gc > 0.0) == (ga > 0.0)) {
            a = c;
            ga = gc;
            if (side == -1) gb *= 0.5;
            side = -1;
        } else {
            b = c;
            gb = gc;
            if (side == 1) ga *= 0.5;
            side = 1;
        }
    }
    return std::abs(ga) < std::abs(gb) ? a : b;
}

void zero_outputs(LifetimeResult& r) {
    for (auto* v : {&r.luminance_rel, &r.eqe, &r.cie_x, &r.cie_y, &r.quencher_cm3, &r.time_h}) {
        std::fill(v->begin(), v->end(), 0.0);
    }
    for (auto& f : r.fates) std::fill(f.begin(), f.end(), 0.0);
    for (auto& q : r.quencher_slices_cm3) std::fill(q.begin(), q.end(), 0.0);
    std::fill(r.lt_h.begin(), r.lt_h.end(), 0.0);
    std::fill(r.lt_reached.begin(), r.lt_reached.end(), 0);
    r.stop_h = 0.0;
    r.colour_shift_duv_at_stop = 0.0;
}

}  // namespace

void cie_uv(double x, double y, double& u, double& v) {
    const double d = -2.0 * x + 12.0 * y + 3.0;
    if (!(d > 0.0)) {
        u = v = 0.0;
        return;
    }
    u = 4.0 * x / d;
    v = 9.0 * y / d;
}

const std::vector<double>& lt_levels() {
    static const std::vector<double> v{0.95, 0.90, 0.70, 0.50};
    return v;
}

std::string lt_name(double level) { return fmt::format("LT{:.0f}", 100.0 * level); }

LifetimeResult run_lifetime(DegradationPoint& point, const LifetimeSettings& settings,
                            bool with_fates) {
    check(settings);
    const std::size_t n = point.num_slices();
    const std::size_t P = static_cast<std::size_t>(settings.time_points);
    LifetimeResult r;
    for (auto* v : {&r.time_h, &r.luminance_rel, &r.eqe, &r.cie_x, &r.cie_y, &r.quencher_cm3})
        v->assign(P, 0.0);
    if (with_fates) r.fates.assign(P, std::vector<double>(point.fate_names().size(), 0.0));
    r.quencher_slices_cm3.assign(P, std::vector<double>(n, 0.0));
    r.lt_h.assign(lt_levels().size(), 0.0);
    r.lt_reached.assign(lt_levels().size(), 0);

    PointSample s0, tmp;
    State q0(n, 0.0);
    point.solve(q0.data(), with_fates, s0);
    ++r.solves;
    if (!s0.ok || !(s0.brightness > 0.0) || !std::isfinite(s0.brightness)) {
        r.status = 1;  // no converged, emitting initial state: L/L0 is undefined
        zero_outputs(r);
        return r;
    }
    r.brightness0 = s0.brightness;
    bool failed = false;
    auto rel_at = [&](const State& q) {
        point.solve(q.data(), false, tmp);
        ++r.solves;
        if (!tmp.ok || !std::isfinite(tmp.brightness)) failed = true;
        return tmp.brightness / r.brightness0;
    };
    auto system = [&](const State& q, State& dq, double /*t_h*/) {
        point.solve(q.data(), false, tmp);
        ++r.solves;
        if (!tmp.ok) failed = true;
        for (std::size_t i = 0; i < n; ++i) dq[i] = seconds_per_hour * tmp.formation_cm3_s[i];
    };

    // Levels to locate: the LT levels and the stop fraction.
    std::vector<double> levels = lt_levels();
    if (std::find(levels.begin(), levels.end(), settings.stop_fraction) == levels.end()) {
        levels.push_back(settings.stop_fraction);
    }
    std::vector<double> level_t(levels.size(), -1.0);

    const bool forms = std::any_of(s0.formation_cm3_s.begin(), s0.formation_cm3_s.end(),
                                   [](double f) { return f > 0.0; });
    std::vector<Dense> history;
    const double tol = settings.relative_tolerance;
    if (forms) {
        Dense stepper =
            ode::make_dense_output(kAbsTolerance_cm3, tol, ode::runge_kutta_dopri5<State>());
        // First step: 1e-6 of the time for Q to reach 1e12 cm^-3 at the initial rate, bounded;
        // the controller adapts it at once (it only sets where the step sequence starts).
        double rate_h = 0.0;
        for (double f : s0.formation_cm3_s) rate_h = std::max(rate_h, seconds_per_hour * f);
        const double dt0 =
            std::clamp(1.0e6 / rate_h, 1e-12 * settings.max_hours, 1e-4 * settings.max_hours);
        stepper.initialize(q0, 0.0, dt0);
        double prev_rel = 1.0;
        for (int step = 0; step < kMaxSteps; ++step) {
            const auto [t0, t1] = stepper.do_step(system);
            ++r.steps;
            history.push_back(stepper);
            if (failed) break;
            const double rel1 = rel_at(stepper.current_state());
            if (failed) break;
            bool stop = false;
            for (std::size_t k = 0; k < levels.size(); ++k) {
                if (level_t[k] >= 0.0 || rel1 > levels[k]) continue;
                const Dense& d = history.back();
                State q(n);
                auto g = [&](double t) {
                    d.calc_state(t, q);
                    return rel_at(q) - levels[k];
                };
                const double t =
                    find_root(g, t0, prev_rel - levels[k], t1, rel1 - levels[k], 1e-3 * tol * t1);
                if (t <= settings.max_hours) level_t[k] = t;
                if (levels[k] == settings.stop_fraction) stop = true;
            }
            prev_rel = rel1;
            if (failed || stop || t1 >= settings.max_hours) break;
            if (step + 1 == kMaxSteps) failed = true;
        }
    }
    if (failed) {
        r.status = 2;
        zero_outputs(r);
        return r;
    }
    for (std::size_t k = 0; k < lt_levels().size(); ++k) {
        if (level_t[k] >= 0.0) {
            r.lt_h[k] = level_t[k];
            r.lt_reached[k] = 1;
        }
    }
    const std::size_t k_stop = static_cast<std::size_t>(
        std::find(levels.begin(), levels.end(), settings.stop_fraction) - levels.begin());
    const double t_stop_level = level_t[k_stop];
    r.stopped_at_fraction = t_stop_level >= 0.0;
    r.stop_h = r.stopped_at_fraction ? t_stop_level : settings.max_hours;

    // Output times: t = 0, then log-spaced from 1e-4 of the stop time to the stop.
    State q(n, 0.0);
    PointSample s;
    for (std::size_t i = 0; i < P; ++i) {
        double t = 0.0;
        if (i > 0) {
            const double e =
                P > 2 ? -4.0 + 4.0 * static_cast<double>(i - 1) / static_cast<double>(P - 2) : 0.0;
            t = i + 1 == P ? r.stop_h : r.stop_h * std::pow(10.0, e);
        }
        r.time_h[i] = t;
        if (i == 0) {
            s = s0;
        } else {
            if (!history.empty()) {
                auto it = std::lower_bound(
                    history.begin(), history.end(), t,
                    [](const Dense& d, double tt) { return d.current_time() < tt; });
                if (it == history.end()) --it;
                it->calc_state(t, q);
            }
            point.solve(q.data(), with_fates, s);
            ++r.solves;
            if (!s.ok) {
                r.status = 2;
                zero_outputs(r);
                return r;
            }
        }
        double mean = 0.0;
        for (double x : q) mean += x;
        r.quencher_cm3[i] = n ? mean / static_cast<double>(n) : 0.0;
        r.quencher_slices_cm3[i] = q;
        r.luminance_rel[i] = s.brightness / r.brightness0;
        r.eqe[i] = s.eqe;
        r.cie_x[i] = s.cie_x;
        r.cie_y[i] = s.cie_y;
        if (with_fates) r.fates[i] = s.fates;
    }
    double u0, v0, u1, v1;
    cie_uv(r.cie_x.front(), r.cie_y.front(), u0, v0);
    cie_uv(r.cie_x.back(), r.cie_y.back(), u1, v1);
    r.colour_shift_duv_at_stop = std::hypot(u1 - u0, v1 - v0);
    return r;
}

double acceleration_exponent(const std::vector<double>& L0, const std::vector<double>& lt_h,
                             const std::vector<int>& reached, int* used) {
    double sx = 0, sy = 0, sxx = 0, sxy = 0;
    int m = 0;
    for (std::size_t i = 0; i < std::min({L0.size(), lt_h.size(), reached.size()}); ++i) {
        if (!reached[i] || !(L0[i] > 0.0) || !(lt_h[i] > 0.0)) continue;
        const double x = std::log(L0[i]), y = std::log(lt_h[i]);
        sx += x;
        sy += y;
        sxx += x * x;
        sxy += x * y;
        ++m;
    }
    if (used) *used = m;
    if (m < 2) return 0.0;
    const double den = m * sxx - sx * sx;
    if (!(std::abs(den) > 0.0)) return 0.0;
    return -(m * sxy - sx * sy) / den;  // LT = C L0^-n: slope = -n
}

}  // namespace relsim::lifetime
