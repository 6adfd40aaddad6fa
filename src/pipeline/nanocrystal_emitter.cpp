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
        // The engines take n_p = sqrt(J / (q w k_L)) from the same parameters: the k_L for which
        // that is the slice's n_p,k (a [transport] slice's own polaron density, spec section 2).
        // Equal to rounding (the uniform zone): the configured k_L, bit for bit.
        const double np = slice.polaron_density_cm3;
        // Same expression order as model::RateModel::drive_at.
        const double w_cm = dev.recombination_zone_nm * nm_in_cm;
        const double electrons_cm3_s = s.params.device.current_density_mA_cm2 * 1.0e-3 /
                                       (constants::elementary_charge_C * w_cm);
        const double np_configured = std::sqrt(electrons_cm3_s / dev.langevin_cm3_s);
        if (np > 0.0 && electrons_cm3_s > 0.0 &&
            !(std::abs(np - np_configured) <= 1e-12 * np_configured)) {
            s.params.device.langevin_cm3_s = electrons_cm3_s / (np * np);
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
        // Per RateModel::state_names() (S, T, then every level of every species), per cm^3.
        const double n_nc = spec_.nc_density_cm3;
        out.populations_cm3.clear();
        out.populations_cm3.push_back(r.singlets_per_nc.mean * n_nc);
        out.populations_cm3.push_back(r.triplets_per_nc.mean * n_nc);
        for (std::size_t d = 0; d < p.dopants.size(); ++d) {
            for (std::size_t j = 0; j < p.dopants[d].scheme.levels.size(); ++j) {
                const bool have = d < r.excited_per_nc.size() && j < r.excited_per_nc[d].size();
                out.populations_cm3.push_back(have ? r.excited_per_nc[d][j].mean * n_nc : 0.0);
            }
        }
        out.transfer_efficiency = r.transfer_efficiency.mean;
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
