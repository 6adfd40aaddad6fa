//! @file scaled_system.hpp  (private to src/solver)
//! The rate equations of one pulse phase in scaled variables z_i = y_i / scale_i (scales of the
//! pulse's drive), so that one absolute tolerance serves populations from 1e0 to 1e22 cm^-3;
//! used by the Rosenbrock stepper (rosenbrock4.hpp) and the pulse protocol (transient.cpp).
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cstddef>
#include <vector>

#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"

namespace relsim::solver::detail {

using Vec = Eigen::VectorXd;

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
        for (std::size_t i = 0; i < y.size(); ++i)
            dzdt[static_cast<Eigen::Index>(i)] = dydt[i] / (*scale)[i];
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
        for (std::size_t i = 0; i < y.size(); ++i)
            y[i] = z[static_cast<Eigen::Index>(i)] * (*scale)[i];
    }
    void rhs(const Vec& z, Vec& dzdt) const {
        to_physical(z);
        model->rhs(drive, y.data(), dydt.data());
        for (std::size_t i = 0; i < y.size(); ++i)
            dzdt[static_cast<Eigen::Index>(i)] = dydt[i] / (*scale)[i];
    }
    void jacobian(const Vec& z, Eigen::MatrixXd& J, double t = 0.0) const {
        to_physical(z);
        const std::size_t n = y.size();
        model->jacobian(drive_at_time(t), y.data(), jac.data());
        const std::vector<double>& s = *scale;
        for (std::size_t c = 0; c < n; ++c) {
            for (std::size_t r = 0; r < n; ++r) {
                J(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(c)) =
                    jac[r + c * n] * s[c] / s[r];
            }
        }
    }
};

//! The total photon rate [cm^-3 s^-1] of the scaled state z (y: scratch of the state size).
inline double scaled_rate(const model::RateModel& model, const std::vector<double>& scale,
                          const Vec& z, std::vector<double>& y) {
    for (std::size_t i = 0; i < y.size(); ++i) y[i] = z[static_cast<Eigen::Index>(i)] * scale[i];
    return model::total_photon_rate(model, y.data());
}

}  // namespace relsim::solver::detail
