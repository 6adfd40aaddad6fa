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
        for (const model::EmissionLine& ln : d.scheme.lines)
            bands.push_back({ln.wavelength_nm, ln.fwhm_nm});
    }
    return bands;
}

void band_photon_flux(const model::ModelParams& p, const model::Observables& obs,
                      std::vector<double>& flux) {
    constexpr double nm_in_cm = 1.0e-7;
    const double per_volume_to_flux =
        p.device.outcoupling * p.device.recombination_zone_nm * nm_in_cm;
    flux.resize(2 + obs.line_photon_rate_cm3_s.size());
    flux[0] = per_volume_to_flux * obs.ligand_singlet_photon_rate_cm3_s;
    flux[1] = per_volume_to_flux * obs.ligand_triplet_photon_rate_cm3_s;
    for (std::size_t l = 0; l < obs.line_photon_rate_cm3_s.size(); ++l) {
        flux[2 + l] = per_volume_to_flux * obs.line_photon_rate_cm3_s[l];
    }
}

solver::PulseSpec pulse_of(const io::TransientSpec& t) {
    solver::PulseSpec pulse;
    pulse.current_density_A_cm2 = t.pulse_current_density_mA_cm2 * 1e-3;
    pulse.on_s = t.pulse_on_s;
    pulse.off_s = t.off_s;
    pulse.points = t.points;
    return pulse;
}

std::string cie_table_path() {
    if (const char* dir = std::getenv("RELSIM_DATA_DIR"))
        return std::string(dir) + "/cie1931_2deg_1nm.csv";
    return std::string(build_info::source_dir) + "/data/cie1931_2deg_1nm.csv";
}

}  // namespace relsim::pipeline
