//! @file steady_state.cpp
//! Damped Newton with Deuflhard's natural monotonicity test, and pseudo-transient continuation.
//!
//! Why these choices: the populations span 1e0 to 1e22 cm^-3, so every norm is taken in
//! components relative to the current value (floored by a tiny fraction of the state's natural
//! scale). Newton's step is affine invariant, so its acceptance test is too: a damped step
//! lambda*dy is accepted when the *simplified* Newton correction at the trial point,
//! J(y)^-1 f(y + lambda dy), is smaller than (1 - lambda/4) |dy| (Deuflhard, "Newton Methods for
//! Nonlinear Problems", Springer 2004, sect. 3.3). Populations are kept physical during the
//! iteration: a component may fall by at most 95 % per step, and a species' ground fraction g_s
//! by at most 95 %. When Newton fails from the initial guess, pseudo-transient continuation
//! (linearly implicit Euler with a growing pseudo time step, started from zero populations)
//! follows the physical relaxation until Newton converges from its iterate.
#include "relsim/solver/steady_state.hpp"

#include "rms_compare.hpp"
#include "small_lu.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

namespace relsim::solver {

const char* to_string(SolveStatus status) {
    switch (status) {
        case SolveStatus::converged: return "converged";
        case SolveStatus::not_converged: return "not_converged";
        case SolveStatus::non_finite: return "non_finite";
        case SolveStatus::singular: return "singular";
        case SolveStatus::unphysical: return "unphysical";
    }
    return "unknown";
}

struct SteadyStateSolver::Workspace {
    Eigen::Index n = 0;
    Eigen::VectorXd y, f, dy, dy_bar, trial, scale, weight, saved;
    Eigen::MatrixXd jac;
    Eigen::PartialPivLU<Eigen::MatrixXd> lu;
    //! Newton's LU for n <= kSmall states (every shipped mean-field model): the same operations
    //! in the same order as Eigen's unblocked partial-pivoting LU and its triangular solves
    //! (so bit-identical), without the dynamic-size overheads (L1 norm, permutation matrix,
    //! panel bookkeeping).
    static constexpr Eigen::Index kSmall = 8;
    double lu_small[kSmall * kSmall] = {};
    int transposition[kSmall] = {};

    void resize(Eigen::Index size) {
        if (size == n) return;
        n = size;
        for (Eigen::VectorXd* v : {&y, &f, &dy, &dy_bar, &trial, &scale, &weight, &saved}) {
            v->resize(n);
        }
        jac.resize(n, n);
        lu = Eigen::PartialPivLU<Eigen::MatrixXd>(n);
    }
};

namespace {

using Eigen::Index;
using model::RateModel;

bool all_finite(const Eigen::Ref<const Eigen::VectorXd>& v) { return v.allFinite(); }

//! Weighted max-norm of a step: max_i |dy_i| / max(|y_i|, 1e-20 scale_i).
double weighted_max_norm(const Eigen::VectorXd& dy, const Eigen::VectorXd& weight) {
    return (dy.array().abs() / weight.array()).maxCoeff();
}
double weighted_rms_norm(const Eigen::VectorXd& dy, const Eigen::VectorXd& weight) {
    return std::sqrt((dy.array() / weight.array()).square().mean());
}

void update_weights(const Eigen::VectorXd& y, const Eigen::VectorXd& scale,
                    Eigen::VectorXd& weight) {
    weight = y.array().abs().max(1.0e-20 * scale.array());
}

//! trial = y + lambda * dy, limited so that no population falls by more than 95 % and no
//! species' excited total approaches N_s by more than 95 % of the remaining gap.
void limited_step(const RateModel& model, const Eigen::VectorXd& y, const Eigen::VectorXd& dy,
                  double lambda, Eigen::VectorXd& trial) {
    trial = y + lambda * dy;
    trial = trial.cwiseMax(0.05 * y);
    for (std::size_t s = 0; s < model.species().size(); ++s) {
        const model::CompiledSpecies& sp = model.species()[s];
        if (model.is_inert(s)) continue;
        const Index b = static_cast<Index>(sp.first_state);
        const Index m = static_cast<Index>(sp.num_levels);
        const double now = y.segment(b, m).sum();
        const double next = trial.segment(b, m).sum();
        const double limit = sp.density_cm3 - 0.05 * (sp.density_cm3 - now);
        if (next > limit && next > 0.0) trial.segment(b, m) *= limit / next;
    }
}

}  // namespace

SteadyStateSolver::SteadyStateSolver(SteadyStateOptions options)
    : options_(options), ws_(std::make_unique<Workspace>()) {}
SteadyStateSolver::~SteadyStateSolver() = default;
SteadyStateSolver::SteadyStateSolver(SteadyStateSolver&&) noexcept = default;
SteadyStateSolver& SteadyStateSolver::operator=(SteadyStateSolver&&) noexcept = default;

namespace {

//! Eigen 3.4's sum of a dynamic-size expression (redux_impl, LinearVectorizedTraversal, no
//! unrolling) with packets of 2 doubles (SSE2, this build's default): two packet accumulators
//! over the aligned part from `aligned_start`, combined, the last packet added, the packet's
//! two lanes added, then the leading and trailing scalars in order. `e` holds the expression's
//! values; the result is bit-identical to Eigen's.
inline double eigen_sum(const double* e, Index size, Index aligned_start) {
    constexpr Index P = 2;
    const Index aligned_size2 = ((size - aligned_start) / (2 * P)) * (2 * P);
    const Index aligned_size = ((size - aligned_start) / P) * P;
    const Index aligned_end2 = aligned_start + aligned_size2;
    const Index aligned_end = aligned_start + aligned_size;
    double res;
    if (aligned_size) {
        double r0a = e[aligned_start], r0b = e[aligned_start + 1];
        if (aligned_size > P) {
            double r1a = e[aligned_start + 2], r1b = e[aligned_start + 3];
            for (Index i = aligned_start + 2 * P; i < aligned_end2; i += 2 * P) {
                r0a += e[i];
                r0b += e[i + 1];
                r1a += e[i + 2];
                r1b += e[i + 3];
            }
            r0a += r1a;
            r0b += r1b;
            if (aligned_end > aligned_end2) {
                r0a += e[aligned_end2];
                r0b += e[aligned_end2 + 1];
            }
        }
        res = r0a + r0b;
        for (Index i = 0; i < aligned_start; ++i) res += e[i];
        for (Index i = aligned_end; i < size; ++i) res += e[i];
    } else {
        res = e[0];
        for (Index i = 1; i < size; ++i) res += e[i];
    }
    return res;
}

//! Eigen's first_aligned<16>(p, size): where its vectorised sum of a segment starting at p
//! begins its aligned packets.
Index eigen_first_aligned(const double* p, Index size) {
    const auto address = reinterpret_cast<std::uintptr_t>(p);
    if (address % sizeof(double) != 0) return size;
    const Index first = static_cast<Index>((2 - (address / sizeof(double)) % 2) % 2);
    return first < size ? first : size;
}

constexpr double kLargestDouble = std::numeric_limits<double>::max();

//! Eigen's cwiseMax(a, b) for doubles (SSE's maxpd(b, a) and numext::maxi alike).
inline double eigen_max(double a, double b) { return b > a ? b : a; }

//! The Newton of newton() below with the state count n known at compile time, for the small
//! models of every shipped mean-field config: the state, step and Jacobian in fixed-size arrays
//! on the stack and every vector operation written out, in the same operations and the same
//! order as the Eigen expressions of the dynamic-size version (sums in Eigen's SSE2 order,
//! eigen_sum), so the iterates are bit-identical. ws.y is read at the start and written back.
template <Index n>
SolveStatus newton_n(const RateModel& model, const model::Drive& drive,
                     const SteadyStateOptions& opt, int max_iterations,
                     SteadyStateSolver::Workspace& w, int& iterations, double& last_norm) {
    alignas(16) double y[n], f[n], dy[n], dy_bar[n], trial[n], weight[n], q[n], e[n];
    alignas(16) double jac[n * n], lu[n * n];
    int transposition[n], permutation[n];
    const double* scale = w.scale.data();
    // Fixed-size copies as loops (std::copy of n doubles became a call to memmove).
    auto copy_n = [](const double* from, double* to) {
        for (Index i = 0; i < n; ++i) to[i] = from[i];
    };
    copy_n(w.y.data(), y);
    // The non-inert species' state ranges, densities and where Eigen's sums over their
    // segments of y and trial (both 16-byte aligned, like Eigen's own vectors) start packets.
    constexpr std::size_t kMaxSpecies = static_cast<std::size_t>(n);
    struct Range {
        Index begin, size, aligned_start;
        double density;
    };
    Range ranges[kMaxSpecies];
    std::size_t num_ranges = 0;
    for (std::size_t s = 0; s < model.species().size(); ++s) {
        const model::CompiledSpecies& sp = model.species()[s];
        if (model.is_inert(s)) continue;
        const Index b = static_cast<Index>(sp.first_state);
        const Index m = static_cast<Index>(sp.num_levels);
        ranges[num_ranges++] = {b, m, eigen_first_aligned(y + b, m), sp.density_cm3};
    }

    // All entries finite, without a branch per entry (|v| <= DBL_MAX is false for NaN, inf).
    auto finite_count = [](const double* v, Index count) {
        bool ok = true;
        for (Index i = 0; i < count; ++i) ok &= std::abs(v[i]) <= kLargestDouble;
        return ok;
    };
    auto finite = [&](const double* v) { return finite_count(v, n); };
    auto update_weights_n = [&] {
        for (Index i = 0; i < n; ++i) weight[i] = eigen_max(std::abs(y[i]), 1.0e-20 * scale[i]);
    };
    // The weighted components q_i = v_i / weight_i of a step, computed once for both norms
    // (|v_i| / w_i of the max-norm equals |v_i / w_i| exactly: w_i > 0, division correctly
    // rounded).
    auto weigh = [&](const double* v) {
        for (Index i = 0; i < n; ++i) q[i] = v[i] / weight[i];
    };
    auto max_norm_q = [&] {
        double m = std::abs(q[0]);
        for (Index i = 1; i < n; ++i) m = std::max(m, std::abs(q[i]));
        return m;  // a maximum of non-negative finite values: any order gives the same
    };
    // The square of the weighted RMS norm: the argument its std::sqrt takes.
    auto mean_square_q = [&] {
        for (Index i = 0; i < n; ++i) e[i] = q[i] * q[i];
        // Eigen: the sum of a non-direct-access expression starts its packets at 0.
        return eigen_sum(e, n, 0) / static_cast<double>(n);
    };
    // limited_step() of the dynamic version, operation for operation.
    auto step = [&](const double* d, double lambda) {
        for (Index i = 0; i < n; ++i) trial[i] = y[i] + lambda * d[i];
        for (Index i = 0; i < n; ++i) trial[i] = eigen_max(trial[i], 0.05 * y[i]);
        for (std::size_t r = 0; r < num_ranges; ++r) {
            const Range& g = ranges[r];
            const double now = eigen_sum(y + g.begin, g.size, g.aligned_start);
            const double next = eigen_sum(trial + g.begin, g.size, g.aligned_start);
            const double limit = g.density - 0.05 * (g.density - now);
            if (next > limit && next > 0.0) {
                const double factor = limit / next;
                for (Index i = g.begin; i < g.begin + g.size; ++i) trial[i] *= factor;
            }
        }
    };
    auto finish = [&](SolveStatus status) {
        copy_n(y, w.y.data());
        return status;
    };

    double lambda = 1.0;
    bool have_f = false;
    for (int it = 0; it < max_iterations; ++it) {
        ++iterations;
        if (!have_f) model.rhs(drive, y, f);
        model.jacobian(drive, y, jac);
        bool all_finite_fj = finite(f);
        all_finite_fj &= finite_count(jac, n * n);  // both tested, one branch
        if (!all_finite_fj) return finish(SolveStatus::non_finite);
        if (!detail::small_lu_n<n>(jac, lu, transposition)) return finish(SolveStatus::singular);
        detail::small_permutation_n<n>(transposition, permutation);
        detail::small_lu_solve_permuted_n<n>(lu, permutation, f, dy);
        for (Index i = 0; i < n; ++i) dy[i] = -dy[i];
        if (!finite(dy)) return finish(SolveStatus::non_finite);
        update_weights_n();
        weigh(dy);
        const double norm = max_norm_q();
        last_norm = norm;
        if (norm <= opt.tolerance) {
            step(dy, 1.0);
            copy_n(trial, y);
            return finish(SolveStatus::converged);
        }
        const double norm_ms = mean_square_q();  // the square of the RMS norm of dy
        lambda = std::min(1.0, 4.0 * lambda);
        bool accepted = false;
        while (lambda >= 1.0e-8) {
            step(dy, lambda);
            model.rhs(drive, trial, f);
            if (finite(f)) {
                detail::small_lu_solve_permuted_n<n>(lu, permutation, f, dy_bar);
                for (Index i = 0; i < n; ++i) dy_bar[i] = -dy_bar[i];
                if (finite(dy_bar)) {
                    weigh(dy_bar);
                    // rms(dy_bar) <= (1 - lambda / 4) rms(dy), as the dynamic version computes it
                    if (detail::rms_at_most(mean_square_q(), 1.0 - 0.25 * lambda, norm_ms)) {
                        accepted = true;
                        break;
                    }
                }
            }
            lambda *= 0.5;
        }
        if (!accepted) return finish(SolveStatus::not_converged);
        copy_n(trial, y);
        have_f = true;
        if (lambda == 1.0) {
            update_weights_n();
            weigh(dy_bar);
            const double bar_norm = max_norm_q();
            if (bar_norm <= opt.tolerance) {
                step(dy_bar, 1.0);
                copy_n(trial, y);
                last_norm = bar_norm;
                return finish(SolveStatus::converged);
            }
        }
    }
    return finish(SolveStatus::not_converged);
}

//! Newton iterations from ws.y. Returns the status; ws.y holds the iterate.
SolveStatus newton(const RateModel& model, const model::Drive& drive, const SteadyStateOptions& opt,
                   int max_iterations, SteadyStateSolver::Workspace& w, int& iterations,
                   double& last_norm) {
    Eigen::VectorXd& y = w.y;
    Eigen::VectorXd& f = w.f;
    Eigen::VectorXd& dy = w.dy;
    Eigen::VectorXd& dy_bar = w.dy_bar;
    Eigen::VectorXd& trial = w.trial;
    Eigen::VectorXd& weight = w.weight;
    Eigen::MatrixXd& jac = w.jac;
    auto& lu = w.lu;
    const Eigen::VectorXd& scale = w.scale;
    const Index n = y.size();
    // Fixed-size Newton for the small models (same iterates, no dynamic sizes); its sums
    // replicate Eigen's with SSE2 packets, so it is used only where Eigen vectorises so.
    constexpr bool sums_as_eigen = Eigen::internal::packet_traits<double>::Vectorizable &&
                                   Eigen::internal::packet_traits<double>::size == 2;
    switch (sums_as_eigen && model.species().size() <= static_cast<std::size_t>(n) ? n : 0) {
        case 2: return newton_n<2>(model, drive, opt, max_iterations, w, iterations, last_norm);
        case 3: return newton_n<3>(model, drive, opt, max_iterations, w, iterations, last_norm);
        case 4: return newton_n<4>(model, drive, opt, max_iterations, w, iterations, last_norm);
        case 5: return newton_n<5>(model, drive, opt, max_iterations, w, iterations, last_norm);
        case 6: return newton_n<6>(model, drive, opt, max_iterations, w, iterations, last_norm);
        case 7: return newton_n<7>(model, drive, opt, max_iterations, w, iterations, last_norm);
        case 8: return newton_n<8>(model, drive, opt, max_iterations, w, iterations, last_norm);
        default: break;
    }
    const bool small = n >= 1 && n <= SteadyStateSolver::Workspace::kSmall;
    double lambda = 1.0;
    bool have_f = false;  // f already holds rhs(y): the residual of the accepted trial point
    for (int it = 0; it < max_iterations; ++it) {
        ++iterations;
        if (!have_f) model.rhs(drive, y.data(), f.data());
        model.jacobian(drive, y.data(), jac.data());
        if (!all_finite(f) || !jac.allFinite()) return SolveStatus::non_finite;
        // A zero pivot leaves the step undefined (partial pivoting puts any exact singularity
        // on U's diagonal).
        if (small) {
            if (!detail::small_lu(n, jac.data(), w.lu_small, w.transposition))
                return SolveStatus::singular;
            detail::small_lu_solve(n, w.lu_small, w.transposition, f.data(), dy.data());
        } else {
            lu.compute(jac);
            if (!(lu.matrixLU().diagonal().cwiseAbs().minCoeff() > 0.0))
                return SolveStatus::singular;
            dy.noalias() = lu.solve(f);
        }
        dy = -dy;
        if (!all_finite(dy)) return SolveStatus::non_finite;
        update_weights(y, scale, weight);
        const double norm = weighted_max_norm(dy, weight);
        last_norm = norm;
        if (norm <= opt.tolerance) {
            limited_step(model, y, dy, 1.0, trial);
            y = trial;
            return SolveStatus::converged;
        }
        const double norm_rms = weighted_rms_norm(dy, weight);
        // Damping: start from the previous successful factor (raised), halve until the natural
        // monotonicity test passes.
        lambda = std::min(1.0, 4.0 * lambda);
        bool accepted = false;
        while (lambda >= 1.0e-8) {
            limited_step(model, y, dy, lambda, trial);
            model.rhs(drive, trial.data(), f.data());
            if (all_finite(f)) {
                if (small) {
                    detail::small_lu_solve(n, w.lu_small, w.transposition, f.data(), dy_bar.data());
                } else {
                    dy_bar.noalias() = lu.solve(f);
                }
                dy_bar = -dy_bar;
                if (all_finite(dy_bar) &&
                    weighted_rms_norm(dy_bar, weight) <= (1.0 - 0.25 * lambda) * norm_rms) {
                    accepted = true;
                    break;
                }
            }
            lambda *= 0.5;
        }
        if (!accepted) return SolveStatus::not_converged;
        y = trial;
        have_f = true;
        // A posteriori test (Deuflhard 2004, sect. 3.3): after a full step whose simplified
        // correction dy_bar is already below the tolerance, y + dy_bar is converged -- its
        // error is of order |dy_bar| * |dy_bar| / |dy| -- and the next Newton iteration is
        // saved.
        if (lambda == 1.0) {
            update_weights(y, scale, weight);
            if (weighted_max_norm(dy_bar, weight) <= opt.tolerance) {
                limited_step(model, y, dy_bar, 1.0, trial);
                y = trial;
                last_norm = weighted_max_norm(dy_bar, weight);
                return SolveStatus::converged;
            }
        }
    }
    return SolveStatus::not_converged;
}

//! Linear (low-current) solution: the quadratic terms vanish and g_s = 1 at y = 0, so
//! f(y) ~ f(0) + J(0) y. Clipped into the physical box.
void linear_guess(const RateModel& model, const model::Drive& drive, Eigen::VectorXd& y,
                  Eigen::VectorXd& f, Eigen::MatrixXd& jac,
                  Eigen::PartialPivLU<Eigen::MatrixXd>& lu, Eigen::VectorXd& tmp) {
    y.setZero();
    model.rhs(drive, y.data(), f.data());
    model.jacobian(drive, y.data(), jac.data());
    lu.compute(jac);
    tmp.noalias() = -(lu.solve(f));
    if (!tmp.allFinite()) {
        y.setZero();
        return;
    }
    y = tmp.cwiseMax(0.0);
    for (std::size_t s = 0; s < model.species().size(); ++s) {
        const model::CompiledSpecies& sp = model.species()[s];
        const Index b = static_cast<Index>(sp.first_state);
        const Index m = static_cast<Index>(sp.num_levels);
        const double sum = y.segment(b, m).sum();
        if (model.is_inert(s)) {
            y.segment(b, m).setZero();
        } else if (sum > 0.5 * sp.density_cm3) {
            y.segment(b, m) *= 0.5 * sp.density_cm3 / sum;
        }
    }
}

bool physical(const RateModel& model, const Eigen::VectorXd& y) {
    if ((y.array() < 0.0).any()) return false;
    for (std::size_t s = 0; s < model.species().size(); ++s) {
        const model::CompiledSpecies& sp = model.species()[s];
        const double sum =
            y.segment(static_cast<Index>(sp.first_state), static_cast<Index>(sp.num_levels)).sum();
        if (sum > sp.density_cm3 * (1.0 + 1e-12)) return false;
    }
    return true;
}

}  // namespace

SteadyStateReport SteadyStateSolver::solve(const model::RateModel& model, const model::Drive& drive,
                                           const double* guess, double* y_out) {
    Workspace& w = *ws_;
    const Index n = static_cast<Index>(model.num_states());
    w.resize(n);
    model.state_scales(drive, w.scale.data());
    SteadyStateReport report;

    auto run_newton = [&](int max_iterations) {
        return newton(model, drive, options_, max_iterations, w, report.newton_iterations,
                      report.last_step_norm);
    };
    auto finish = [&](SolveStatus status, SolveMethod method) {
        if (status == SolveStatus::converged && !physical(model, w.y)) {
            status = SolveStatus::unphysical;
        }
        report.status = status;
        report.method = status == SolveStatus::converged ? method : SolveMethod::none;
        if (status == SolveStatus::converged) {
            std::copy(w.y.data(), w.y.data() + n, y_out);
        } else {
            std::fill(y_out, y_out + n, 0.0);
        }
        return report;
    };

    if (guess != nullptr) {
        w.y = Eigen::Map<const Eigen::VectorXd>(guess, n).cwiseMax(0.0);
        for (std::size_t s = 0; s < model.species().size(); ++s) {
            if (!model.is_inert(s)) continue;
            const auto& sp = model.species()[s];
            w.y.segment(static_cast<Index>(sp.first_state), static_cast<Index>(sp.num_levels))
                .setZero();
        }
    } else {
        linear_guess(model, drive, w.y, w.f, w.jac, w.lu, w.dy);
    }
    SolveStatus status = run_newton(options_.max_newton_iterations);
    if (status == SolveStatus::converged || !options_.use_continuation) {
        return finish(status, SolveMethod::newton);
    }

    // Pseudo-transient continuation from zero populations: (I/h - J) dy = f, h growing.
    w.y.setZero();
    model.rhs(drive, w.y.data(), w.f.data());
    model.jacobian(drive, w.y.data(), w.jac.data());
    const double fastest = w.jac.diagonal().cwiseAbs().maxCoeff();
    double h = fastest > 0.0 ? 1.0e-2 / fastest : 1.0e-12;
    int since_newton_try = 0;
    for (int step = 0; step < options_.max_continuation_steps; ++step) {
        ++report.continuation_steps;
        model.rhs(drive, w.y.data(), w.f.data());
        model.jacobian(drive, w.y.data(), w.jac.data());
        if (!all_finite(w.f) || !w.jac.allFinite())
            return finish(SolveStatus::non_finite, SolveMethod::none);
        w.jac *= -1.0;
        w.jac.diagonal().array() += 1.0 / h;
        w.lu.compute(w.jac);
        w.dy.noalias() = w.lu.solve(w.f);
        if (!all_finite(w.dy)) {
            h *= 0.25;
            continue;
        }
        limited_step(model, w.y, w.dy, 1.0, w.trial);
        // A step the positivity limiter had to cut is too long for the relaxation: shrink h.
        update_weights(w.y, w.scale, w.weight);
        const double cut = weighted_max_norm(w.trial - (w.y + w.dy), w.weight);
        if (cut > 1e-6) {
            h *= 0.25;
            if (h < 1e-30) break;
            continue;
        }
        const double change = weighted_max_norm(w.dy, w.weight);
        w.y = w.trial;
        h *= change < 0.5 ? 2.0 : 1.2;
        if (++since_newton_try >= 10 && change < 0.1) {
            since_newton_try = 0;
            w.saved = w.y;  // keep the continuation iterate in case Newton wanders off
            if (run_newton(options_.max_newton_iterations) == SolveStatus::converged) {
                return finish(SolveStatus::converged, SolveMethod::continuation);
            }
            w.y = w.saved;
        }
    }
    status = run_newton(options_.max_newton_iterations);
    return finish(status, SolveMethod::continuation);
}

}  // namespace relsim::solver
