//! @file bands.hpp
//! The emission bands of a device point in output order (ligand singlet, ligand triplet, then
//! every line of every dopant), shared by the optics stage, the photometry of `relsim run` and
//! `relsim fit`, and the CIE table they read.
#pragma once

#include <string>
#include <vector>

#include "relsim/model/parameters.hpp"
#include "relsim/model/photometry.hpp"

namespace relsim::pipeline {

//! Band centres [nm] in output order and whether each is a magnetic-dipole transition (the
//! ligand bands are electric-dipole).
void band_centres(const model::ModelParams& params, std::vector<double>& wavelengths_nm,
                  std::vector<bool>& magnetic_dipole);

//! Band shapes in output order (the input of model::Photometry and model::RadiometryWeights).
[[nodiscard]] std::vector<model::BandShape> band_shapes(const model::ModelParams& params);

//! The CIE 1931 table: $RELSIM_DATA_DIR/cie1931_2deg_1nm.csv, else the source tree's data/.
[[nodiscard]] std::string cie_table_path();

}  // namespace relsim::pipeline
