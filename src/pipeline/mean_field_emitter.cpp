//! @file mean_field_emitter.cpp
//! The mean-field emitter stage: RateModel + SteadyStateSolver per slice with warm starts.
#include <vector>

#include "relsim/core/constants.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/solver/steady_state.hpp"

namespace relsim::pipeline {
namespace {

constexpr double nm_in_cm = 1.0e-7;

struct MeanFieldState final : EmitterState {
    explicit MeanFieldState(const model::ModelParams& p) : model(p), y(model.num_states(), 0.0) {}
    void forget_warm_start() override { have_guess = false; }
    model::RateModel model;
    solver::SteadyStateSolver solver;
    std::vector<double> y;
    bool have_guess = false;
    model::Observables obs;
};

class MeanFieldEmitter final : public EmitterStage {
public:
    explicit MeanFieldEmitter(const model::ModelParams& structure)
        : structure_(structure), names_(model::fate_names(model::RateModel(structure))) {}
    std::string table() const override { return "ligand"; }
    std::vector<std::string> fate_names() const override { return names_; }
    std::unique_ptr<EmitterState> make_state() const override {
        return std::make_unique<MeanFieldState>(structure_);
    }
    void solve(const Slice& slice, const model::ModelParams& p, EmitterState& state,
               SliceEmission& out) const override {
        auto& s = static_cast<MeanFieldState&>(state);
        s.model.refresh(p);
        model::Drive d;
        // Current density of the slice's electrons (informational for the rate equations).
        d.current_density_A_cm2 = p.device.charge_balance > 0.0
                                      ? slice.generation_cm3_s / p.device.charge_balance *
                                            constants::elementary_charge_C * slice.width_nm *
                                            nm_in_cm
                                      : 0.0;
        d.generation_cm3_s = slice.generation_cm3_s;
        d.polaron_density_cm3 = slice.polaron_density_cm3;
        solver::SteadyStateReport rep =
            s.solver.solve(s.model, d, s.have_guess ? s.y.data() : nullptr, s.y.data());
        if (rep.status != solver::SolveStatus::converged && s.have_guess) {
            rep = s.solver.solve(s.model, d, nullptr, s.y.data());  // the warm start misled it
        }
        out.solver_status = static_cast<int>(rep.status);
        out.solver_method = static_cast<int>(rep.method);
        out.converged = rep.status == solver::SolveStatus::converged;
        s.have_guess = out.converged;
        if (!out.converged) return;
        model::evaluate_observables(s.model, d, s.y.data(), s.obs);
        out.photon_rate_cm3_s = s.obs.photon_rate_cm3_s;
        out.line_photon_rate_cm3_s = s.obs.line_photon_rate_cm3_s;
        out.iqe = s.obs.iqe;
        out.species_photon_rate_cm3_s = s.obs.species_photon_rate_cm3_s;
        out.fates = s.obs.fates;
        out.ligand_singlet_photon_rate_cm3_s = s.obs.ligand_singlet_photon_rate_cm3_s;
        out.ligand_triplet_photon_rate_cm3_s = s.obs.ligand_triplet_photon_rate_cm3_s;
        out.populations_cm3.assign(s.y.begin(), s.y.end());
        out.transfer_efficiency = s.obs.transfer_efficiency;
    }

private:
    model::ModelParams structure_;
    std::vector<std::string> names_;
};

}  // namespace

std::shared_ptr<const EmitterStage> make_mean_field_emitter(const model::ModelParams& structure) {
    return std::make_shared<MeanFieldEmitter>(structure);
}

}  // namespace relsim::pipeline
