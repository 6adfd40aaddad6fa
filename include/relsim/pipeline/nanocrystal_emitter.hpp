//! @file nanocrystal_emitter.hpp
//! The microscopic emitter stage (shared/spec/microscopic-model.md): each slice is an ensemble
//! of nanocrystals solved by the nanocrystal engines (linear or kmc) with the slice's
//! Purcell-scaled line rates and every [physics] option the engines apply (energy-gap law,
//! degeneracy: src/nanocrystal/processes.cpp). The engines drive by the current density; the
//! stage sets the slice's equivalent current J_k = q w G_k / gamma (for the uniform zone exactly
//! the point's J, so a one-slice problem is bit-identical to a direct engine call), and the
//! slice's Langevin constant k_L = (J_k / (q w)) / n_p,k^2, so that the engines' polaron density
//! sqrt(J_k / (q w k_L)) is the slice's n_p,k (a [transport] slice's own; for the uniform zone
//! the configured k_L is kept, bit for bit). The slice's populations (per
//! RateModel::state_names(), per cm^3: NC means x nc_density_cm3) and transfer efficiency are
//! filled as for the mean-field emitter.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "relsim/nanocrystal/engine.hpp"
#include "relsim/nanocrystal/spec.hpp"
#include "relsim/pipeline/pipeline.hpp"

namespace relsim::pipeline {

//! Per-slice state of the microscopic emitter: the ensemble result of the last solve (the
//! run's /microscopic/* outputs read it through PointContext::slice_state).
struct NanocrystalEmitterState final : EmitterState {
    model::ModelParams params;  //!< the slice's parameters as the engine saw them
    nanocrystal::SteadyStateResult result;
};

//! The fate names of the microscopic engines for `params`' dopants, in SliceEmission::fates
//! order (ligand_blocked, ligand_*, tpq, then per species radiative, nonradiative, quenching,
//! surface_quenching, polaron_quenching, etu).
[[nodiscard]] std::vector<std::string> nanocrystal_fate_names(const model::ModelParams& params);

//! The microscopic emitter for one nanocrystal spec (table "nanocrystal"). An EL steady state
//! per slice; throws what solve_el_steady_state throws (InputError, InsufficientStatistics).
[[nodiscard]] std::shared_ptr<const EmitterStage> make_nanocrystal_emitter(
    const model::ModelParams& structure, nanocrystal::NanocrystalSpec spec,
    nanocrystal::EnsembleOptions options);

}  // namespace relsim::pipeline
