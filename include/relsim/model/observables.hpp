//! @file observables.hpp
//! Photon rates, efficiencies and the exciton-fate budget of a state (spec section 4).
#pragma once

#include <string>
#include <vector>

#include "relsim/model/rate_model.hpp"

namespace relsim::model {

//! Observables at one state. Rates per unit volume of the recombination zone [cm^-3 s^-1].
struct Observables {
    double iqe = 0.0;                  //!< photons per injected electron
    double eqe = 0.0;                  //!< outcoupling * iqe
    double transfer_efficiency = 0.0;  //!< net ligand -> ion flux / G
    double photon_rate_cm3_s = 0.0;    //!< all photons
    double ligand_singlet_photon_rate_cm3_s = 0.0;  //!< kS_r S
    double ligand_triplet_photon_rate_cm3_s = 0.0;  //!< kT_r T
    std::vector<double> line_photon_rate_cm3_s;     //!< per RateModel::lines()
    std::vector<double> species_photon_rate_cm3_s;  //!< per dopant
    std::vector<double> fates;                      //!< per fate_names(), each / G; sum = 1
};

//! Names of the exciton-fate channels in output order: ligand_singlet_radiative,
//! ligand_singlet_nonradiative, ligand_triplet_radiative, ligand_triplet_nonradiative, ssa, sta,
//! tta, tpq, then per species <Ion>_radiative, <Ion>_nonradiative, <Ion>_quenching,
//! <Ion>_polaron_quenching, <Ion>_etu.
[[nodiscard]] std::vector<std::string> fate_names(const RateModel& model);

//! Evaluates the observables of state y under drive (G > 0 required for iqe and fates).
void evaluate_observables(const RateModel& model, const Drive& drive, const double* y,
                          Observables& out);

//! Total photon emission rate [cm^-3 s^-1] of state y (ligand bands plus every Ln line).
[[nodiscard]] double total_photon_rate(const RateModel& model, const double* y);

}  // namespace relsim::model
