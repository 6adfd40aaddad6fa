//! @file nc_point_evaluator_optics.cpp
//! The microscopic model with [optics] (issue 18; shared/spec/optics.md section 2): the point
//! is solved by the device-point pipeline (uniform zone cut into optics.emitter_slices slices,
//! the [optics] stack stage, the nanocrystal emitter stage): each slice is an NC ensemble whose
//! line radiative rates carry that slice's Purcell factors, and the photons of each band reach
//! air with that slice's eta_air. The slices' ensemble results are combined here into one
//! result for the outputs: generation-weighted means (the slices share the generation evenly,
//! so plain means), EQE = sum over slices and bands of photons x eta_air / electrons. Standard
//! errors are combined linearly (sum of weight x error): every slice draws the same NCs (same
//! seed), so their errors are fully correlated and the linear sum is the right one.
#include <algorithm>

#include "nc_point_evaluator.hpp"
#include "relsim/pipeline/nanocrystal_emitter.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/pipeline/stack_optics.hpp"

namespace relsim::sweep {
namespace {

constexpr double nm_in_cm = 1.0e-7;

void add(nanocrystal::Estimate& to, const nanocrystal::Estimate& e, double a) {
    to.mean += a * e.mean;
    to.standard_error += a * e.standard_error;
}

void add(std::vector<nanocrystal::Estimate>& to, const std::vector<nanocrystal::Estimate>& e,
         double a) {
    to.resize(std::max(to.size(), e.size()));
    for (std::size_t i = 0; i < e.size(); ++i) add(to[i], e[i], a);
}

//! r += a * x for every statistic of an EL steady state (counts of the NCs themselves, which
//! do not depend on the slice, are copied from the first slice).
void accumulate(nanocrystal::SteadyStateResult& r, const nanocrystal::SteadyStateResult& x,
                double a, bool first) {
    if (first) {
        r = nanocrystal::SteadyStateResult{};
        r.nc_count = x.nc_count;
        r.line_labels = x.line_labels;
        r.radial_r_nm = x.radial_r_nm;
        r.sites_per_nc = x.sites_per_nc;
        r.ions_per_nc = x.ions_per_nc;
        r.ligands_per_nc = x.ligands_per_nc;
        r.ions_per_nc_by_species = x.ions_per_nc_by_species;
        r.generation_per_nc_s = x.generation_per_nc_s;
        r.max_states_per_nc = x.max_states_per_nc;
        r.warmup_used_s = x.warmup_used_s;
        r.fate_sum = {0.0, 0.0};
        r.fates = x.fates;
        for (nanocrystal::FateEstimate& f : r.fates) f.value = {0.0, 0.0};
        r.fate_sum_per_nc.assign(x.fate_sum_per_nc.size(), 0.0);
        r.excited_per_nc = x.excited_per_nc;
        for (auto& s : r.excited_per_nc) {
            for (auto& e : s) e = {0.0, 0.0};
        }
        r.radial_excited_fraction = x.radial_excited_fraction;
        for (auto& s : r.radial_excited_fraction) {
            for (auto& l : s) std::fill(l.begin(), l.end(), 0.0);
        }
    }
    add(r.line_photons_per_exciton, x.line_photons_per_exciton, a);
    add(r.ligand_singlet_photons_per_exciton, x.ligand_singlet_photons_per_exciton, a);
    add(r.ligand_triplet_photons_per_exciton, x.ligand_triplet_photons_per_exciton, a);
    add(r.photons_per_exciton, x.photons_per_exciton, a);
    add(r.iqe, x.iqe, a);
    add(r.transfer_efficiency, x.transfer_efficiency, a);
    add(r.singlets_per_nc, x.singlets_per_nc, a);
    add(r.triplets_per_nc, x.triplets_per_nc, a);
    add(r.fate_sum, x.fate_sum, a);
    for (std::size_t f = 0; f < r.fates.size() && f < x.fates.size(); ++f)
        add(r.fates[f].value, x.fates[f].value, a);
    for (std::size_t i = 0; i < r.fate_sum_per_nc.size() && i < x.fate_sum_per_nc.size(); ++i) {
        r.fate_sum_per_nc[i] += a * x.fate_sum_per_nc[i];
    }
    for (std::size_t s = 0; s < r.excited_per_nc.size() && s < x.excited_per_nc.size(); ++s) {
        for (std::size_t j = 0; j < r.excited_per_nc[s].size() && j < x.excited_per_nc[s].size();
             ++j) {
            add(r.excited_per_nc[s][j], x.excited_per_nc[s][j], a);
        }
    }
    for (std::size_t s = 0;
         s < r.radial_excited_fraction.size() && s < x.radial_excited_fraction.size(); ++s) {
        for (std::size_t j = 0; j < r.radial_excited_fraction[s].size(); ++j) {
            auto& to = r.radial_excited_fraction[s][j];
            const auto& from = x.radial_excited_fraction[s][j];
            for (std::size_t b = 0; b < to.size() && b < from.size(); ++b) to[b] += a * from[b];
        }
    }
    r.events += x.events;
    r.max_dropped_rate_fraction =
        std::max(r.max_dropped_rate_fraction, x.max_dropped_rate_fraction);
    r.max_states_per_nc = std::max(r.max_states_per_nc, x.max_states_per_nc);
}

}  // namespace

nanocrystal::SteadyStateResult NcPointEvaluator::solve_with_optics(PointOptics& optics) {
    const int slices = stack_->spec().emitter_slices;
    auto problem = pipeline::DeviceProblemBuilder(params_)
                       .set_profile(pipeline::make_uniform_profile(slices))
                       .set_optics(pipeline::make_stack_optics(*stack_))
                       .set_emitter(pipeline::make_nanocrystal_emitter(params_, spec_, options_))
                       .build();
    pipeline::PointContext context(problem);
    pipeline::PointResult point;
    context.solve({pipeline::DriveKind::current, params_.device.current_density_mA_cm2, 0.0},
                  params_, point);
    if (!point.converged)
        throw std::runtime_error("a slice of the point has a non-finite ensemble result");

    // Generation weights of the slices (equal for the uniform zone).
    double generated = 0.0;
    for (const pipeline::Slice& s : point.profile.slices)
        generated += s.width_nm * s.generation_cm3_s;
    nanocrystal::SteadyStateResult r;
    const std::size_t nb = 2 + point.line_photon_flux_air.size();
    optics.flux_err_cm2_s.assign(nb, 0.0);
    optics.line_purcell.assign(nb - 2, 0.0);
    optics.line_eta_air.assign(nb - 2, 0.0);
    for (std::size_t k = 0; k < point.profile.slices.size(); ++k) {
        const pipeline::Slice& s = point.profile.slices[k];
        const auto& state =
            dynamic_cast<const pipeline::NanocrystalEmitterState&>(*context.slice_state(k));
        const nanocrystal::SteadyStateResult& x = state.result;
        accumulate(r, x, s.width_nm * s.generation_cm3_s / generated, k == 0);
        const pipeline::SliceOptics& o = point.slice_optics[k];
        const double to_flux =
            s.width_nm * nm_in_cm * s.generation_cm3_s;  // per exciton -> cm^-2 s^-1
        optics.flux_err_cm2_s[0] += to_flux * o.ligand_singlet_eta_air *
                                    x.ligand_singlet_photons_per_exciton.standard_error;
        optics.flux_err_cm2_s[1] += to_flux * o.ligand_triplet_eta_air *
                                    x.ligand_triplet_photons_per_exciton.standard_error;
        for (std::size_t l = 0; l + 2 < nb && l < x.line_photons_per_exciton.size(); ++l) {
            optics.flux_err_cm2_s[2 + l] +=
                to_flux * o.line_eta_air[l] * x.line_photons_per_exciton[l].standard_error;
            optics.line_purcell[l] += o.line_purcell[l] / static_cast<double>(slices);
            optics.line_eta_air[l] += o.line_eta_air[l] / static_cast<double>(slices);
        }
    }
    optics.flux_cm2_s = point.band_photon_flux_air;
    optics.outcoupling = point.outcoupling;
    // EQE from the pipeline (photons x eta_air per band and slice); its error is the IQE's,
    // scaled by the effective outcoupling (the extraction factors carry no statistics).
    r.eqe.mean = point.eqe;
    r.eqe.standard_error = point.outcoupling * r.iqe.standard_error;
    return r;
}

}  // namespace relsim::sweep
