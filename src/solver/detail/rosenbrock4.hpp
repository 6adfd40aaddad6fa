//! @file rosenbrock4.hpp  (private to src/solver)
//! A 4th-order L-stable Rosenbrock method with an embedded 3rd-order error estimate and a
//! 4th-order continuous extension (dense output), on the analytic Jacobian of a ScaledSystem.
//!
//! The method, its coefficients, step-size control and dense output are exactly those of
//! Boost.Odeint 1.74's rosenbrock4 / rosenbrock4_controller / rosenbrock4_dense_output
//! (default_rosenbrock_coefficients; Hairer & Wanner, Solving Ordinary Differential Equations II,
//! Springer 1996, sect. IV.7), which relsim used until it measured that uBLAS's generic LU and
//! vector temporaries cost 2/3 of every step on these 4..10-state systems. Here the same
//! arithmetic runs on Eigen vectors allocated once per pulse, with a small hand-written LU.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <utility>
#include <vector>

#include "scaled_system.hpp"

namespace relsim::solver::detail {

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

//! LU with partial pivoting for the small dense systems of one pulse (4..20 states): plain
//! loops on one contiguous row-major array, which for these sizes cost less than Eigen's
//! dynamic-size kernels (measured: LU and the six solves per step were 28 % of a step).
class SmallLU {
public:
    explicit SmallLU(Eigen::Index n)
        : n_(n), a_(static_cast<std::size_t>(n * n)), piv_(static_cast<std::size_t>(n)) {}
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
    double at(Eigen::Index r, Eigen::Index c) const {
        return a_[static_cast<std::size_t>(r * n_ + c)];
    }
    Eigen::Index n_;
    std::vector<double> a_;
    std::vector<Eigen::Index> piv_;
};

//! Rosenbrock4 with Odeint's controller and dense output (see the file comment).
class Rosenbrock4 {
public:
    Rosenbrock4(Eigen::Index n, double atol, double rtol)
        : atol_(atol),
          rtol_(rtol),
          x_(n),
          x_old_(n),
          dxdt_(n),
          dxdtnew_(n),
          g1_(n),
          g2_(n),
          g3_(n),
          g4_(n),
          g5_(n),
          cont3_(n),
          cont4_(n),
          xtmp_(n),
          xerr_(n),
          xnew_(n),
          rhs_(n),
          dfdt_(n),
          jac_(n, n),
          lu_(n) {}

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
        rhs_ = dxdtnew_ +
               (C::c61 * g1_ + C::c62 * g2_ + C::c63 * g3_ + C::c64 * g4_ + C::c65 * g5_) / dt;
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
        rhs_ = dxdtnew_ +
               (C::c61 * g1_ + C::c62 * g2_ + C::c63 * g3_ + C::c64 * g4_ + C::c65 * g5_) / dt;
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
    Vec x_, x_old_, dxdt_, dxdtnew_, g1_, g2_, g3_, g4_, g5_, cont3_, cont4_, xtmp_, xerr_, xnew_,
        rhs_, dfdt_;
    Eigen::MatrixXd jac_;
    SmallLU lu_;
};

}  // namespace relsim::solver::detail
