//! @file bands.hpp
//! The emission bands of a device point in output order (ligand singlet, ligand triplet, then
//! every line of every dopant), shared by the optics stage, the photometry of `relsim run` and
//! `relsim fit`, and the CIE table they read; the [transient] pulse in the solver's units.
#pragma once

#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/parameters.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/solver/transient.hpp"

namespace relsim::pipeline {

//! Band centres [nm] in output order and whether each is a magnetic-dipole transition (the
//! ligand bands are electric-dipole).
void band_centres(const model::ModelParams& params, std::vector<double>& wavelengths_nm,
                  std::vector<bool>& magnetic_dipole);

//! Band shapes in output order (the input of model::Photometry and model::RadiometryWeights).
[[nodiscard]] std::vector<model::BandShape> band_shapes(const model::ModelParams& params);

//! Photon flux into air per band (band_shapes order) [cm^-2 s^-1] of mean-field observables
//! with the constant outcoupling: outcoupling x w x photon rate per volume.
void band_photon_flux(const model::ModelParams& params, const model::Observables& obs,
                      std::vector<double>& flux_cm2_s);

//! The pulse of a [transient] table in the solver's units (the one mA -> A conversion of it).
[[nodiscard]] solver::PulseSpec pulse_of(const io::TransientSpec& transient);

//! The CIE 1931 table: $RELSIM_DATA_DIR/cie1931_2deg_1nm.csv, else the source tree's data/.
[[nodiscard]] std::string cie_table_path();

}  // namespace relsim::pipeline
