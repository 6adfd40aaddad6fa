//! @file transient.cpp
//! Pulse integration: a 4th-order L-stable Rosenbrock method with an embedded 3rd-order error
//! estimate and a 4th-order continuous extension (dense output), on the analytic Jacobian.
//!
//! The method, its coefficients, step-size control and dense output are exactly those of
//! Boost.Odeint 1.74's rosenbrock4 / rosenbrock4_controller / rosenbrock4_dense_output
//! (default_rosenbrock_coefficients; Hairer & Wanner, Solving Ordinary Differential Equations II,
//! Springer 1996, sect. IV.7), which relsim used until it measured that uBLAS's generic LU and
//! vector temporaries cost 2/3 of every step on these 4..10-state systems. Here the same
//! arithmetic runs on Eigen vectors allocated once per pulse, with a small hand-written LU.
//!
//! The ODE is integrated in scaled variables z_i = y_i / scale_i (scales of the pulse's drive),
//! so one absolute tolerance serves populations from 1e0 to 1e22 cm^-3. The drive jumps at
//! t_on, so the two phases are integrated separately, the second restarting from the state at
//! t_on. Threshold crossings (rise and decay times) are located by bisection on the dense output
//! of the step that brackets them (the rise step, whose threshold is only known at t_on, is
//! recomputed from its recorded start with its recorded length: the same step, the same
//! continuous extension).
#include "relsim/solver/transient.hpp"

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <complex>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <optional>
#include <utility>

#include "relsim/model/observables.hpp"

namespace relsim::solver {
namespace {

using Vec = Eigen::VectorXd;

//! Boost.Odeint 1.74 default_rosenbrock_coefficients.
struct Coef {
    static constexpr double gamma = 0.25;
    static constexpr double d1 = 0.25, d2 = -0.1043, d3 = 0.1035, d4 = 0.3620000000000023e-01;
    static constexpr double c2 = 0.386, c3 = 0.21, c4 = 0.63;
    static constexpr double c21 = -0.5668800000000000e+01, a21 = 0.1544000000000000e+01;
    static constexpr double c31 = -0.2430093356833875e+01, c32 = -0.2063599157091915e+00;
    static constexpr double a31 = 0.9466785280815826e+00, a32 = 0.2557011698983284e+00;
    static constexpr double c41 = -0.1073529058151375e+00, c42 = -0.9594562251023355e+01,
                            c43 = -0.2047028614809616e+02;
    static constexpr double a41 = 0.3314825187068521e+01, a42 = 0.2896124015972201e+01,
                            a43 = 0.9986419139977817e+00;
    static constexpr double c51 = 0.7496443313967647e+01, c52 = -0.1024680431464352e+02,
                            c53 = -0.3399990352819905e+02, c54 = 0.1170890893206160e+02;
    static constexpr double a51 = 0.1221224509226641e+01, a52 = 0.6019134481288629e+01,
                            a53 = 0.1253708332932087e+02, a54 = -0.6878860361058950e+00;
    static constexpr double c61 = 0.8083246795921522e+01, c62 = -0.7981132988064893e+01,
                            c63 = -0.3152159432874371e+02, c64 = 0.1631930543123136e+02,
                            c65 = -0.6058818238834054e+01;
    static constexpr double d21 = 0.1012623508344586e+02, d22 = -0.7487995877610167e+01,
                            d23 = -0.3480091861555747e+02, d24 = -0.7992771707568823e+01,
                            d25 = 0.1025137723295662e+01;
    static constexpr double d31 = -0.6762803392801253e+00, d32 = 0.6087714651680015e+01,
                            d33 = 0.1643084320892478e+02, d34 = 0.2476722511418386e+02,
                            d35 = -0.6594389125716872e+01;
};

//! The rate equations in scaled variables, for one constant drive (autonomous: df/dt = 0),
//! or, with [physics] polaron_decay after the pulse, a drive whose polaron density decays as
//! n_p(t) = n0 / (1 + k_L n0 (t - t0)) (model::polaron_density_after_pulse; non-autonomous).
struct ScaledSystem {
    const model::RateModel* model = nullptr;
    model::Drive drive;
    const std::vector<double>* scale = nullptr;
    mutable std::vector<double> y, dydt, dydt0, jac;
    bool polaron_decay = false;
    double decay_n0_cm3 = 0.0, decay_t0_s = 0.0;

    [[nodiscard]] bool autonomous() const { return !polaron_decay; }
    [[nodiscard]] model::Drive drive_at_time(double t) const {
        if (!polaron_decay) return drive;
        model::Drive d = drive;
        d.polaron_density_cm3 = model::polaron_density_after_pulse(
            decay_n0_cm3, model->params().device.langevin_cm3_s, std::max(t - decay_t0_s, 0.0));
        return d;
    }
    //! f(z, t) for the non-autonomous case.
    void rhs_at(const Vec& z, double t, Vec& dzdt) const {
        to_physical(z);
        model->rhs(drive_at_time(t), y.data(), dydt.data());
        for (std::size_t i = 0; i < y.size(); ++i) dzdt[static_cast<Eigen::Index>(i)] = dydt[i] / (*scale)[i];
    }
    //! df/dt at (z, t): f is linear in n_p, so df/dt = (f(n_p) - f(0)) / n_p * dn_p/dt with
    //! dn_p/dt = -k_L n_p^2.
    void dfdt(const Vec& z, double t, Vec& out) const {
        out.setZero();
        const model::Drive d = drive_at_time(t);
        if (!(d.polaron_density_cm3 > 0.0)) return;
        to_physical(z);
        model::Drive d0 = d;
        d0.polaron_density_cm3 = 0.0;
        model->rhs(d, y.data(), dydt.data());
        model->rhs(d0, y.data(), dydt0.data());
        const double factor = -model->params().device.langevin_cm3_s * d.polaron_density_cm3;
        for (std::size_t i = 0; i < y.size(); ++i) {
            out[static_cast<Eigen::Index>(i)] = (dydt[i] - dydt0[i]) * factor / (*scale)[i];
        }
    }

    void to_physical(const Vec& z) const {
        for (std::size_t i = 0; i < y.size(); ++i) y[i] = z[static_cast<Eigen::Index>(i)] * (*scale)[i];
    }
    void rhs(const Vec& z, Vec& dzdt) const {
        to_physical(z);
        model->rhs(drive, y.data(), dydt.data());
        for (std::size_t i = 0; i < y.size(); ++i) dzdt[static_cast<Eigen::Index>(i)] = dydt[i] / (*scale)[i];
    }
    void jacobian(const Vec& z, Eigen::MatrixXd& J, double t = 0.0) const {
        to_physical(z);
        const std::size_t n = y.size();
        model->jacobian(drive_at_time(t), y.data(), jac.data());
        const std::vector<double>& s = *scale;
        for (std::size_t c = 0; c < n; ++c) {
            for (std::size_t r = 0; r < n; ++r) {
                J(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) = jac[r + c * n] * s[c] / s[r];
            }
        }
    }
};

//! LU with partial pivoting for the small dense systems of one pulse (4..20 states): plain
//! loops on one contiguous row-major array, which for these sizes cost less than Eigen's
//! dynamic-size kernels (measured: LU and the six solves per step were 28 % of a step).
class SmallLU {
public:
    explicit SmallLU(Eigen::Index n) : n_(n), a_(static_cast<std::size_t>(n * n)), piv_(static_cast<std::size_t>(n)) {}
    //! Factorises m (column-major Eigen matrix). Returns false on a zero pivot.
    bool compute(const Eigen::MatrixXd& m) {
        const Eigen::Index n = n_;
        for (Eigen::Index r = 0; r < n; ++r) {
            for (Eigen::Index c = 0; c < n; ++c) a_[static_cast<std::size_t>(r * n + c)] = m(r, c);
        }
        for (Eigen::Index k = 0; k < n; ++k) {
            Eigen::Index p = k;
            double best = std::abs(at(k, k));
            for (Eigen::Index r = k + 1; r < n; ++r) {
                if (std::abs(at(r, k)) > best) {
                    best = std::abs(at(r, k));
                    p = r;
                }
            }
            piv_[static_cast<std::size_t>(k)] = p;
            if (!(best > 0.0)) return false;
            if (p != k) {
                for (Eigen::Index c = 0; c < n; ++c) std::swap(at(k, c), at(p, c));
            }
            const double inv = 1.0 / at(k, k);
            for (Eigen::Index r = k + 1; r < n; ++r) {
                const double f = (at(r, k) *= inv);
                if (f == 0.0) continue;
                for (Eigen::Index c = k + 1; c < n; ++c) at(r, c) -= f * at(k, c);
            }
        }
        return true;
    }
    //! x = M^-1 b (x may alias b).
    template <typename In>
    void solve(const In& b, Vec& x) const {
        const Eigen::Index n = n_;
        if (&x != static_cast<const void*>(&b)) x = b;
        for (Eigen::Index k = 0; k < n; ++k) std::swap(x[k], x[piv_[static_cast<std::size_t>(k)]]);
        for (Eigen::Index r = 1; r < n; ++r) {
            double s = x[r];
            for (Eigen::Index c = 0; c < r; ++c) s -= at(r, c) * x[c];
            x[r] = s;
        }
        for (Eigen::Index r = n; r-- > 0;) {
            double s = x[r];
            for (Eigen::Index c = r + 1; c < n; ++c) s -= at(r, c) * x[c];
            x[r] = s / at(r, r);
        }
    }

private:
    double& at(Eigen::Index r, Eigen::Index c) { return a_[static_cast<std::size_t>(r * n_ + c)]; }
    double at(Eigen::Index r, Eigen::Index c) const { return a_[static_cast<std::size_t>(r * n_ + c)]; }
    Eigen::Index n_;
    std::vector<double> a_;
    std::vector<Eigen::Index> piv_;
};

//! Rosenbrock4 with Odeint's controller and dense output (see the file comment).
class Rosenbrock4 {
public:
    Rosenbrock4(Eigen::Index n, double atol, double rtol)
        : atol_(atol), rtol_(rtol), x_(n), x_old_(n), dxdt_(n), dxdtnew_(n), g1_(n), g2_(n), g3_(n),
          g4_(n), g5_(n), cont3_(n), cont4_(n), xtmp_(n), xerr_(n), xnew_(n), rhs_(n), dfdt_(n),
          jac_(n, n), lu_(n) {}

    void initialize(const Vec& x0, double t0, double dt0) {
        x_ = x0;
        t_ = t0;
        dt_ = dt0;
        first_step_ = true;
        last_rejected_ = false;
        err_old_ = dt_old_ = 0.0;
    }

    //! One uncontrolled step of length dt from x: xout and its error estimate xerr; leaves the
    //! stages for prepare_dense_output().
    void step(const ScaledSystem& sys, const Vec& x, Vec& xout, double t, double dt, Vec& xerr) {
        if (!sys.autonomous()) {
            step_nonautonomous(sys, x, xout, t, dt, xerr);
            return;
        }
        using C = Coef;
        sys.rhs(x, dxdt_);
        sys.jacobian(x, jac_);
        jac_ *= -1.0;
        jac_.diagonal().array() += 1.0 / C::gamma / dt;
        if (!lu_.compute(jac_)) {  // singular: make the step non-finite, so that it is rejected
            xout.setConstant(std::numeric_limits<double>::quiet_NaN());
            xerr = xout;
            return;
        }
        lu_.solve(dxdt_, g1_);  // dfdt = 0: the system is autonomous within a phase
        xtmp_ = x + C::a21 * g1_;
        sys.rhs(xtmp_, dxdtnew_);
        rhs_ = dxdtnew_ + C::c21 * g1_ / dt;
        lu_.solve(rhs_, g2_);
        xtmp_ = x + C::a31 * g1_ + C::a32 * g2_;
        sys.rhs(xtmp_, dxdtnew_);
        rhs_ = dxdtnew_ + (C::c31 * g1_ + C::c32 * g2_) / dt;
        lu_.solve(rhs_, g3_);
        xtmp_ = x + C::a41 * g1_ + C::a42 * g2_ + C::a43 * g3_;
        sys.rhs(xtmp_, dxdtnew_);
        rhs_ = dxdtnew_ + (C::c41 * g1_ + C::c42 * g2_ + C::c43 * g3_) / dt;
        lu_.solve(rhs_, g4_);
        xtmp_ = x + C::a51 * g1_ + C::a52 * g2_ + C::a53 * g3_ + C::a54 * g4_;
        sys.rhs(xtmp_, dxdtnew_);
        rhs_ = dxdtnew_ + (C::c51 * g1_ + C::c52 * g2_ + C::c53 * g3_ + C::c54 * g4_) / dt;
        lu_.solve(rhs_, g5_);
        xtmp_ += g5_;
        sys.rhs(xtmp_, dxdtnew_);
        rhs_ = dxdtnew_ + (C::c61 * g1_ + C::c62 * g2_ + C::c63 * g3_ + C::c64 * g4_ + C::c65 * g5_) / dt;
        lu_.solve(rhs_, xerr);
        xout = xtmp_ + xerr;
    }

    //! The same step for f(x, t) (Hairer & Wanner IV.7, eq. 7.4'; Odeint's rosenbrock4 with
    //! dfdt): stage times t + c_i dt and the dt d_i df/dt terms in the first four stages.
    void step_nonautonomous(const ScaledSystem& sys, const Vec& x, Vec& xout, double t, double dt,
                            Vec& xerr) {
        using C = Coef;
        sys.rhs_at(x, t, dxdt_);
        sys.jacobian(x, jac_, t);
        sys.dfdt(x, t, dfdt_);
        jac_ *= -1.0;
        jac_.diagonal().array() += 1.0 / C::gamma / dt;
        if (!lu_.compute(jac_)) {
            xout.setConstant(std::numeric_limits<double>::quiet_NaN());
            xerr = xout;
            return;
        }
        rhs_ = dxdt_ + dt * C::d1 * dfdt_;
        lu_.solve(rhs_, g1_);
        xtmp_ = x + C::a21 * g1_;
        sys.rhs_at(xtmp_, t + C::c2 * dt, dxdtnew_);
        rhs_ = dxdtnew_ + dt * C::d2 * dfdt_ + C::c21 * g1_ / dt;
        lu_.solve(rhs_, g2_);
        xtmp_ = x + C::a31 * g1_ + C::a32 * g2_;
        sys.rhs_at(xtmp_, t + C::c3 * dt, dxdtnew_);
        rhs_ = dxdtnew_ + dt * C::d3 * dfdt_ + (C::c31 * g1_ + C::c32 * g2_) / dt;
        lu_.solve(rhs_, g3_);
        xtmp_ = x + C::a41 * g1_ + C::a42 * g2_ + C::a43 * g3_;
        sys.rhs_at(xtmp_, t + C::c4 * dt, dxdtnew_);
        rhs_ = dxdtnew_ + dt * C::d4 * dfdt_ + (C::c41 * g1_ + C::c42 * g2_ + C::c43 * g3_) / dt;
        lu_.solve(rhs_, g4_);
        xtmp_ = x + C::a51 * g1_ + C::a52 * g2_ + C::a53 * g3_ + C::a54 * g4_;
        sys.rhs_at(xtmp_, t + dt, dxdtnew_);
        rhs_ = dxdtnew_ + (C::c51 * g1_ + C::c52 * g2_ + C::c53 * g3_ + C::c54 * g4_) / dt;
        lu_.solve(rhs_, g5_);
        xtmp_ += g5_;
        sys.rhs_at(xtmp_, t + dt, dxdtnew_);
        rhs_ = dxdtnew_ + (C::c61 * g1_ + C::c62 * g2_ + C::c63 * g3_ + C::c64 * g4_ + C::c65 * g5_) / dt;
        lu_.solve(rhs_, xerr);
        xout = xtmp_ + xerr;
    }

    //! The controlled step of the dense-output stepper: retries until accepted. Returns false
    //! after 500 rejections in a row (Odeint's failed_step_checker limit) or a non-finite state.
    bool do_step(const ScaledSystem& sys) {
        t_old_ = t_;
        for (int fails = 0; fails < 500; ++fails) {
            step(sys, x_, xnew_, t_, dt_, xerr_);
            if (try_accept()) {  // a non-finite error estimate is rejected (dt / 5), as in Odeint
                prepare_dense_output();
                x_old_.swap(x_);
                x_.swap(xnew_);
                return true;
            }
        }
        return false;
    }

    //! Recomputes the step [t0, t0 + dt] from x0 (for bisection inside it).
    void redo_step(const ScaledSystem& sys, const Vec& x0, double t0, double dt) {
        x_old_ = x0;
        step(sys, x0, x_, t0, dt, xerr_);
        prepare_dense_output();
        t_old_ = t0;
        t_ = t0 + dt;
    }

    void calc_state(double t, Vec& x) const {
        const double dt = t_ - t_old_;
        const double s = (t - t_old_) / dt;
        const double s1 = 1.0 - s;
        x = x_old_ * s1 + s * (x_ + s1 * (cont3_ + s * cont4_));
    }

    [[nodiscard]] double current_time() const { return t_; }
    [[nodiscard]] const Vec& current_state() const { return x_; }

private:
    double error() const {
        double err = 0.0;
        for (Eigen::Index i = 0; i < x_.size(); ++i) {
            const double sk = atol_ + rtol_ * std::max(std::abs(x_[i]), std::abs(xnew_[i]));
            err += xerr_[i] * xerr_[i] / sk / sk;
        }
        return std::sqrt(err / static_cast<double>(x_.size()));
    }

    //! rosenbrock4_controller::try_step after the step: accept (advance t, set the next dt) or not.
    bool try_accept() {
        constexpr double safe = 0.9, fac1 = 5.0, fac2 = 1.0 / 6.0;
        const double err = error();
        double fac = std::max(fac2, std::min(fac1, std::pow(err, 0.25) / safe));
        double dt_new = dt_ / fac;
        if (err <= 1.0) {
            if (first_step_) {
                first_step_ = false;
            } else {
                double fac_pred = (dt_old_ / dt_) * std::pow(err * err / err_old_, 0.25) / safe;
                fac_pred = std::max(fac2, std::min(fac1, fac_pred));
                fac = std::max(fac, fac_pred);
                dt_new = dt_ / fac;
            }
            dt_old_ = dt_;
            err_old_ = std::max(0.01, err);
            if (last_rejected_) dt_new = std::min(dt_new, dt_);
            t_ += dt_;
            dt_ = dt_new;
            last_rejected_ = false;
            return true;
        }
        dt_ = dt_new;
        last_rejected_ = true;
        return false;
    }

    void prepare_dense_output() {
        using C = Coef;
        cont3_ = C::d21 * g1_ + C::d22 * g2_ + C::d23 * g3_ + C::d24 * g4_ + C::d25 * g5_;
        cont4_ = C::d31 * g1_ + C::d32 * g2_ + C::d33 * g3_ + C::d34 * g4_ + C::d35 * g5_;
    }

    double atol_, rtol_;
    double t_ = 0.0, t_old_ = 0.0, dt_ = 0.0;
    bool first_step_ = true, last_rejected_ = false;
    double err_old_ = 0.0, dt_old_ = 0.0;
    Vec x_, x_old_, dxdt_, dxdtnew_, g1_, g2_, g3_, g4_, g5_, cont3_, cont4_, xtmp_, xerr_, xnew_, rhs_,
        dfdt_;
    Eigen::MatrixXd jac_;
    SmallLU lu_;
};

double scaled_rate(const model::RateModel& model, const std::vector<double>& scale, const Vec& z,
                   std::vector<double>& y) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = z[static_cast<Eigen::Index>(i)] * scale[i];
    return model::total_photon_rate(model, y.data());
}

//! The exact solution z(t) = exp(A (t - t_s)) z_s of the linear system dz/dt = A z, from an
//! eigen-decomposition A = V diag(lambda) V^-1 (see TransientOptions::exact_linear_tail).
class LinearTail {
public:
    //! A: the scaled Jacobian at z = 0 of the off-phase. ok() is false when the decomposition
    //! does not reconstruct A to 1e-10 (defective or badly conditioned eigenvectors).
    explicit LinearTail(const Eigen::MatrixXd& A) : A_(A), lu_A_(A) {
        Eigen::EigenSolver<Eigen::MatrixXd> es(A);
        if (es.info() != Eigen::Success) return;
        V_ = es.eigenvectors();
        lambda_ = es.eigenvalues();
        lu_V_.compute(V_);
        const Eigen::MatrixXcd back = V_ * lambda_.asDiagonal() * lu_V_.inverse();
        const double scale = A.cwiseAbs().maxCoeff();
        ok_ = scale > 0.0 && (back - A.cast<std::complex<double>>()).cwiseAbs().maxCoeff() <= 1e-10 * scale &&
              std::isfinite(std::abs(lu_A_.determinant()));
    }
    [[nodiscard]] bool ok() const { return ok_; }

    //! Whether the nonlinear remainder at z (f = the full rhs there) is negligible.
    bool negligible(const Vec& z, const Vec& f, double atol, double rtol) const {
        const Vec r = f - A_ * z;
        const Vec e = lu_A_.solve(r);
        for (Eigen::Index i = 0; i < z.size(); ++i) {
            if (!(std::abs(e[i]) <= 0.1 * (atol + rtol * std::abs(z[i])))) return false;
        }
        return true;
    }

    void start(const Vec& z_s, double t_s) {
        c_ = lu_V_.solve(z_s.cast<std::complex<double>>());
        t_s_ = t_s;
    }
    void state(double t, Vec& z) const {
        const Eigen::VectorXcd e = (lambda_ * (t - t_s_)).array().exp().matrix();
        z = (V_ * e.cwiseProduct(c_)).real();
    }

private:
    Eigen::MatrixXd A_;
    Eigen::PartialPivLU<Eigen::MatrixXd> lu_A_;
    Eigen::MatrixXcd V_;
    Eigen::VectorXcd lambda_, c_;
    Eigen::PartialPivLU<Eigen::MatrixXcd> lu_V_;
    double t_s_ = 0.0;
    bool ok_ = false;
};

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
                if (decay_threshold >= 0.0 && res.crossing_time < 0.0 && prev_rate > decay_threshold) {
                    // first crossing on a fine log grid of the remaining time, then bisection
                    double lo = t_now, hi = -1.0;
                    for (int k = 1; k <= 400 && hi < 0.0; ++k) {
                        const double t = t_now + (t1 - t_now) * std::pow(10.0, -8.0 * (1.0 - k / 400.0));
                        tail->state(t, zi);
                        if (scaled_rate(*sys.model, *sys.scale, zi, y) <= decay_threshold) hi = t; else lo = t;
                    }
                    for (int k = 0; hi > 0.0 && k < 200 && hi - lo > 1e-14 * hi; ++k) {
                        const double mid = 0.5 * (lo + hi);
                        tail->state(mid, zi);
                        (scaled_rate(*sys.model, *sys.scale, zi, y) > decay_threshold ? lo : hi) = mid;
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
    const auto split = std::upper_bound(res.time_s.begin(), res.time_s.end(), pulse.on_s);
    const std::vector<double> on_times(res.time_s.begin(), split);
    const std::vector<double> off_times(split, res.time_s.end());

    Vec z = Vec::Zero(static_cast<Eigen::Index>(n));
    sys.drive = on_drive;
    PhaseResult on_phase;
    if (!integrate_phase(sys, z, 0.0, pulse.on_s, on_times, options, options.characteristic_times, -1.0, output, on_phase)) {
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
        Rosenbrock4 redo(static_cast<Eigen::Index>(n), options.scaled_absolute_tolerance, options.relative_tolerance);
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
