//! @file profile_point.hpp
//! A device point whose recombination profile is given slice by slice (the [transport] stack of
//! shared/spec/transport.md section 2, solved once at t = 0), as a DegradationPoint with one
//! quencher density per slice (shared/spec/lifetime-inventory.md section 1: "each slice
//! degrading with its own T, S, n_p"):
//!   slice k (width d_k, generation G_k, polaron density n_p,k): the mean-field steady state
//!   with the defect losses kQ_T Q_k T, kQ_S Q_k S, kQ_Ln Q_k N[s][j] (as MeanFieldPoint), and
//!   dQ_k/dt = kX_TP T_k n_p,k + kX_SP S_k n_p,k + kX_T T_k + kX_S S_k.
//! The observables are those of the device pipeline with the constant outcoupling
//! (pipeline::PointContext::solve and the [transport] sweep point, in the same order of
//! arithmetic): photons per area sum_k d_k x rate_k, EQE = photons into air / (J/q), luminance
//! and colour of the summed band fluxes, fates weighted by G_k d_k and scaled by the EML share
//! of J/q, plus recombination_outside_eml and no_recombination (fixed by the stack; together
//! every channel sums to 1).
//! Why the profile is fixed: Q enters only the exciton kinetics. Poisson, the drift-diffusion
//! currents and the Langevin recombination contain n, p and the stack, not the excitons or the
//! defects (they are exciton quenchers here, not charge traps), so at constant current the
//! solved stack, hence every G_k and n_p,k, is the same at every time: re-solving it would give
//! the t = 0 solution again.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relsim/lifetime/lifetime.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/parameters.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/model/radiometry.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/solver/steady_state.hpp"

namespace relsim::lifetime {

//! Where the injected charge J/q goes besides the emitter slices (fractions of J/q).
struct ChargeFractions {
    double eml_share = 1.0;                  //!< recombining in the emitting layer
    double recombination_outside_eml = 0.0;  //!< recombining elsewhere (lost)
    double no_recombination = 0.0;           //!< crossing the stack (leakage)
};

class ProfilePoint final : public DegradationPoint {
public:
    //! `profile`: the slices (width, G_k, n_p,k; at least one, every width > 0) and the current
    //! density of the point; `charge`: the fractions of J/q (eml_share + the other two = 1 for a
    //! solved stack). Brightness photometric when >= 50 % of the initial radiant power is visible.
    //! @throws std::invalid_argument for an empty profile or a non-positive current.
    ProfilePoint(const model::ModelParams& params, const DegradationRates& rates,
                 std::shared_ptr<const model::CieObserver> observer, pipeline::Profile profile,
                 ChargeFractions charge);
    ~ProfilePoint() override;

    [[nodiscard]] std::size_t num_slices() const override { return profile_.slices.size(); }
    [[nodiscard]] bool photometric() const override { return photometric_; }
    //! The kinetic model's channels, the defect channels, then recombination_outside_eml and
    //! no_recombination (each per injected charge J/q).
    [[nodiscard]] std::vector<std::string> fate_names() const override { return fate_names_; }
    //! The fate names of a ProfilePoint of these parameters (without solving anything).
    [[nodiscard]] static std::vector<std::string> fate_names_of(const model::ModelParams& params);
    void solve(const double* Q_cm3, bool with_fates, PointSample& out) override;

    [[nodiscard]] const pipeline::Profile& profile() const { return profile_; }
    //! Populations [cm^-3] of slice k after the last solve (RateModel state order).
    [[nodiscard]] const std::vector<double>& slice_populations(std::size_t k) const {
        return prev_y_[k];
    }

private:
    model::ModelParams base_, params_;
    DegradationRates rates_;
    pipeline::Profile profile_;
    ChargeFractions charge_;
    std::optional<model::RateModel> model_;
    solver::SteadyStateSolver solver_;
    model::Photometry photometry_;
    model::RadiometryWeights radiometry_;
    std::vector<std::vector<double>> prev_y_;  //!< per slice: warm start
    std::vector<double> y_, flux_, lines_air_, fates_, slice_fates_;
    bool photometric_ = true;
    model::Observables obs_;
    std::vector<std::string> fate_names_;
};

}  // namespace relsim::lifetime
