//! @file nanocrystal_emitter.cpp
//! The microscopic emitter stage: one nanocrystal ensemble per slice.
#include "relsim/pipeline/nanocrystal_emitter.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

#include "relsim/core/constants.hpp"

namespace relsim::pipeline {
namespace {

constexpr double nm_in_cm = 1.0e-7;
constexpr double A_in_mA = 1.0e3;

class NanocrystalEmitter final : public EmitterStage {
public:
    NanocrystalEmitter(const model::ModelParams& structure, nanocrystal::NanocrystalSpec spec,
                       nanocrystal::EnsembleOptions options)
        : spec_(std::move(spec)), options_(options), names_(nanocrystal_fate_names(structure)) {}
    std::string table() const override { return "nanocrystal"; }
    std::vector<std::string> fate_names() const override { return names_; }
    std::unique_ptr<EmitterState> make_state() const override {
        return std::make_unique<NanocrystalEmitterState>();
    }

    void solve(const Slice& slice, const model::ModelParams& p, EmitterState& state,
               SliceEmission& out) const override {
        auto& s = static_cast<NanocrystalEmitterState&>(state);
        s.params = p;
        // The engines take G = gamma J / (q w) (kinetic-model.md section 2): the slice's J.
        const model::DeviceParams& dev = p.device;
        const double J_mA_cm2 = dev.charge_balance > 0.0
                                    ? slice.generation_cm3_s * constants::elementary_charge_C *
                                          dev.recombination_zone_nm * nm_in_cm /
                                          dev.charge_balance * A_in_mA
                                    : 0.0;
        // Equal to rounding (the uniform zone): keep the point's J, bit for bit.
        if (!(std::abs(J_mA_cm2 - dev.current_density_mA_cm2) <=
              1e-12 * std::abs(dev.current_density_mA_cm2))) {
            s.params.device.current_density_mA_cm2 = J_mA_cm2;
        }
        s.result = nanocrystal::solve_el_steady_state(spec_, s.params, options_);
        const nanocrystal::SteadyStateResult& r = s.result;
        const double G = slice.generation_cm3_s;
        out.photon_rate_cm3_s = G * r.photons_per_exciton.mean;
        out.iqe = r.iqe.mean;
        out.transfer_efficiency = r.transfer_efficiency.mean;
        out.ligand_singlet_photon_rate_cm3_s = G * r.ligand_singlet_photons_per_exciton.mean;
        out.ligand_triplet_photon_rate_cm3_s = G * r.ligand_triplet_photons_per_exciton.mean;
        out.line_photon_rate_cm3_s.resize(r.line_photons_per_exciton.size());
        for (std::size_t l = 0; l < r.line_photons_per_exciton.size(); ++l) {
            out.line_photon_rate_cm3_s[l] = G * r.line_photons_per_exciton[l].mean;
        }
        out.fates.assign(names_.size(), 0.0);
        for (const nanocrystal::FateEstimate& f : r.fates) {
            bool found = false;
            for (std::size_t i = 0; i < names_.size(); ++i) {
                if (names_[i] == f.name) {
                    out.fates[i] = f.value.mean;
                    found = true;
                }
            }
            if (!found) throw std::logic_error("nanocrystal engine: unknown fate " + f.name);
        }
        bool finite = std::isfinite(out.photon_rate_cm3_s);
        for (double v : out.line_photon_rate_cm3_s) finite = finite && std::isfinite(v);
        out.converged = finite;
    }

private:
    nanocrystal::NanocrystalSpec spec_;
    nanocrystal::EnsembleOptions options_;
    std::vector<std::string> names_;
};

}  // namespace

std::vector<std::string> nanocrystal_fate_names(const model::ModelParams& params) {
    std::vector<std::string> f{
        "ligand_blocked",           "ligand_singlet_radiative",    "ligand_singlet_nonradiative",
        "ligand_triplet_radiative", "ligand_triplet_nonradiative", "tpq"};
    for (const model::DopantParams& d : params.dopants) {
        for (const char* c : {"radiative", "nonradiative", "quenching", "surface_quenching",
                              "polaron_quenching", "etu"}) {
            f.push_back(d.ion + "_" + c);
        }
    }
    return f;
}

std::shared_ptr<const EmitterStage> make_nanocrystal_emitter(const model::ModelParams& structure,
                                                             nanocrystal::NanocrystalSpec spec,
                                                             nanocrystal::EnsembleOptions options) {
    return std::make_shared<NanocrystalEmitter>(structure, std::move(spec), options);
}

}  // namespace relsim::pipeline
