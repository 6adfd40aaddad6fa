//! @file observables.hpp
//! Photon rates, efficiencies and the exciton-fate budget of a state (spec section 4).
#pragma once

#include <string>
#include <vector>

#include "relsim/model/rate_model.hpp"

namespace relsim::model {

//! Observables at one state. Rates per unit volume of the recombination zone [cm^-3 s^-1].
struct Observables {
    double iqe = 0.0;                               //!< photons per injected electron
    double eqe = 0.0;                               //!< outcoupling * iqe
    double transfer_efficiency = 0.0;               //!< net ligand -> ion flux / G
    double photon_rate_cm3_s = 0.0;                 //!< all photons
    double ligand_singlet_photon_rate_cm3_s = 0.0;  //!< kS_r S
    double ligand_triplet_photon_rate_cm3_s = 0.0;  //!< kT_r T
    std::vector<double> line_photon_rate_cm3_s;     //!< per RateModel::lines()
    std::vector<double> species_photon_rate_cm3_s;  //!< per dopant
    std::vector<double> fates;                      //!< per fate_names(), each / G; sum = 1
    //! Scratch of the photon bookkeeping (cascades with lines into excited levels).
    std::vector<double> dark_cm3, matrix_scratch;
};

//! Names of the exciton-fate channels in output order: ligand_singlet_radiative,
//! ligand_singlet_nonradiative, ligand_triplet_radiative, ligand_triplet_nonradiative, ssa, sta,
//! tta, tpq, then per species <Ion>_radiative, <Ion>_nonradiative, <Ion>_quenching,
//! <Ion>_polaron_quenching, <Ion>_etu.
[[nodiscard]] std::vector<std::string> fate_names(const RateModel& model);

//! Evaluates the observables of state y under drive (G > 0 required for iqe and fates).
//!
//! Photon bookkeeping of the fates (spec sections 4 and 6). Every photon is counted in the
//! photon rates and the IQE, whatever level its line ends on. The fates count each exciton once,
//! at its first photon or at its loss if it never emits: when some line ends on an EXCITED level
//! (Nd 4F3/2 -> 4I11/2, Er 4S3/2 -> 4I13/2), the population is split into a "dark" part that has
//! not yet emitted (D) and a "lit" rest. D solves the linear steady state M D = source, where M
//! holds every process at the state's own pseudo-first-order rates (ground fractions, X_s, n_p,
//! S and T of y) and photons remove D without feeding it. The fates are then the terminal and
//! photon flows out of D: a photon into 4I11/2 is an `<Ion>_radiative` fate, and the
//! nonradiative decay of the lit 4I11/2 afterwards is no second fate, so the fates still sum to
//! 1. Consequences: for a cascade in which no exciton can emit twice, the radiative fates sum to
//! the photon yield per exciton (photons / G); with multi-photon branches (4S3/2 -> 4I13/2 then
//! 4I13/2 -> 4I15/2) they sum to the fraction of excitons that emitted AT LEAST one photon, which
//! is below photons / G. When every line ends on the ground, D = y and the budget is the
//! contract's expressions evaluated directly on y (bit for bit as before).
void evaluate_observables(const RateModel& model, const Drive& drive, const double* y,
                          Observables& out);

//! Total photon emission rate [cm^-3 s^-1] of state y (ligand bands plus every Ln line).
[[nodiscard]] double total_photon_rate(const RateModel& model, const double* y);

}  // namespace relsim::model
