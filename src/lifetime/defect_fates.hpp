//! @file defect_fates.hpp (private to the lifetime module)
//! The fate split shared by MeanFieldPoint and ProfilePoint: the kinetic model's fates of a
//! solve with the defect losses folded into kS_nr, kT_nr and the ion quench rates, split back
//! into the contract's channels and defect_quenching_singlet, defect_quenching_triplet,
//! defect_quenching_<Ion> (appended in that order; every entry per generated exciton).
#pragma once

#include <vector>

#include "relsim/lifetime/lifetime.hpp"
#include "relsim/model/rate_model.hpp"

namespace relsim::lifetime::detail {

//! `p` with every excited level of every dopant listed in its quench_s (missing ones with 0.0),
//! so that the defect loss kQ_Ln Q can be added to each without changing the model's structure.
[[nodiscard]] model::ModelParams with_all_quench_entries(model::ModelParams p);

//! `fates_in`: model::fate_names order (8 ligand channels, then 5 per species, quenching
//! third). `d`: the populations the fates were counted on (the state, or the observables'
//! dark populations in a cascade). `generation_cm3_s`: G of the solve. `Q`: quencher density.
void split_defect_fates(const model::RateModel& m, const DegradationRates& rates,
                        double generation_cm3_s, double Q, const double* d,
                        const std::vector<double>& fates_in, std::vector<double>& fates);

}  // namespace relsim::lifetime::detail
