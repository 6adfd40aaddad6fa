//! @file mean_field_point.hpp
//! The mean-field device point (shared/spec/kinetic-model.md) with the defect losses of
//! shared/spec/lifetime-inventory.md section 1, as a DegradationPoint with one slice:
//!   ligand triplets   extra loss kQ_T Q T   (added to kT_nr in the compiled model)
//!   ligand singlets   extra loss kQ_S Q S   (added to kS_nr)
//!   every excited ion level: extra loss kQ_Ln Q N[s][j]   (added to its quench_s)
//! and the formation rate dQ/dt = kX_TP T n_p + kX_SP S n_p + kX_T T + kX_S S. With Q = 0 each
//! rate gets + 0.0, so the solve is the plain kinetic model's (bit for bit, tested).
//! The fate budget splits each augmented channel back into the contract's channel and
//! `defect_quenching_singlet`, `defect_quenching_triplet`, `defect_quenching_<Ion>`.
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
#include "relsim/solver/steady_state.hpp"

namespace relsim::lifetime {

//! Bands in the order of the sweep's spectrum: ligand singlet, ligand triplet, every Ln line.
[[nodiscard]] std::vector<model::BandShape> band_list(const model::ModelParams& params);

//! Emitter slices of an [optics] stack (shared/spec/optics.md): per slice, the Purcell factor of
//! every line (RateModel::lines() order; radiative rates become F A) and the outcoupling into
//! air of every band (ligand singlet, ligand triplet, then the lines). Each slice is an emitter
//! population with the same generation density; observables are slice means, as the sweep's
//! [optics] point computes them.
struct SliceOptics {
    std::vector<std::vector<double>> line_purcell;  //!< [slice][line]
    std::vector<std::vector<double>> band_eta;      //!< [slice][band]
};

class MeanFieldPoint final : public DegradationPoint {
public:
    //! `observer`: the CIE table (model::load_cie_observer). Photometric brightness when >= 50 %
    //! of the initial (Q = 0) radiant power is visible, else radiance (model/radiometry.hpp).
    //! `optics`: emitter slices of an [optics] stack (null: one slice, device.outcoupling); each
    //! slice then degrades with its own Q.
    MeanFieldPoint(const model::ModelParams& params, const DegradationRates& rates,
                   std::shared_ptr<const model::CieObserver> observer,
                   const SliceOptics* optics = nullptr);
    ~MeanFieldPoint() override;

    [[nodiscard]] std::size_t num_slices() const override {
        return optics_ ? optics_->band_eta.size() : 1;
    }
    [[nodiscard]] bool photometric() const override { return photometric_; }
    [[nodiscard]] std::vector<std::string> fate_names() const override { return fate_names_; }
    void solve(const double* Q_cm3, bool with_fates, PointSample& out) override;

    //! State of the last solve: populations [cm^-3] (RateModel state order) and observables.
    [[nodiscard]] const std::vector<double>& populations() const { return y_; }
    [[nodiscard]] const model::Observables& observables() const { return obs_; }
    [[nodiscard]] const model::RateModel& rate_model() const { return *model_; }
    [[nodiscard]] const model::Radiometry& radiometry() const { return radiometry_out_; }
    [[nodiscard]] const model::Colour& colour() const { return colour_; }

private:
    void solve_slices(const double* Q_cm3, bool with_fates, PointSample& out);
    //! Fates of the last solve (obs_, populations d) with the defect channels split off at Q.
    void split_fates(const model::RateModel& m, const model::Drive& drive, double Q,
                     const double* d, std::vector<double>& fates) const;

    std::optional<SliceOptics> optics_;
    std::vector<std::vector<double>> slice_prev_y_;
    std::vector<double> slice_fates_;
    model::ModelParams base_, params_;
    DegradationRates rates_;
    std::optional<model::RateModel> model_;
    solver::SteadyStateSolver solver_;
    model::Photometry photometry_;
    model::RadiometryWeights radiometry_;
    std::vector<double> y_, prev_y_, flux_;
    bool have_prev_ = false;
    bool photometric_ = true;
    model::Observables obs_;
    model::Radiometry radiometry_out_;
    model::Colour colour_;
    std::vector<std::string> fate_names_;
};

}  // namespace relsim::lifetime
