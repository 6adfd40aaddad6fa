//! @file linear_tail.hpp  (private to src/solver)
//! The exact solution of the linearised off-phase once its nonlinear remainder is negligible
//! (TransientOptions::exact_linear_tail): used by the pulse protocol (transient.cpp).
#pragma once

#include <Eigen/Dense>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <complex>

#include "scaled_system.hpp"

namespace relsim::solver::detail {

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
        ok_ = scale > 0.0 &&
              (back - A.cast<std::complex<double>>()).cwiseAbs().maxCoeff() <= 1e-10 * scale &&
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

}  // namespace relsim::solver::detail
