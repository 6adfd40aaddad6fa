//! @file bands.cpp
#include "relsim/pipeline/bands.hpp"

#include <cstdlib>

#include "relsim/core/build_info.hpp"

namespace relsim::pipeline {

void band_centres(const model::ModelParams& p, std::vector<double>& wl, std::vector<bool>& md) {
    wl = {p.ligand.singlet_band_nm, p.ligand.triplet_band_nm};
    md = {false, false};
    for (const model::DopantParams& d : p.dopants) {
        for (const model::EmissionLine& ln : d.scheme.lines) {
            wl.push_back(ln.wavelength_nm);
            md.push_back(ln.magnetic_dipole);
        }
    }
}

std::vector<model::BandShape> band_shapes(const model::ModelParams& params) {
    std::vector<model::BandShape> bands{
        {params.ligand.singlet_band_nm, params.ligand.singlet_fwhm_nm},
        {params.ligand.triplet_band_nm, params.ligand.triplet_fwhm_nm}};
    for (const model::DopantParams& d : params.dopants) {
        for (const model::EmissionLine& ln : d.scheme.lines) bands.push_back({ln.wavelength_nm, ln.fwhm_nm});
    }
    return bands;
}

std::string cie_table_path() {
    if (const char* dir = std::getenv("RELSIM_DATA_DIR")) return std::string(dir) + "/cie1931_2deg_1nm.csv";
    return std::string(build_info::source_dir) + "/data/cie1931_2deg_1nm.csv";
}

}  // namespace relsim::pipeline
