//! @file summary.hpp  (private to relsim_nanocrystal)
//! What one NC contributes to an ensemble result (both engines), reduced in NC order by
//! ensemble.cpp. Small (O(lines + fates + levels * radial bins)), so an ensemble keeps one per NC
//! while the NC's tables (O(sites)) exist only while its engine runs.
#pragma once

#include <cstdint>
#include <vector>

#include "system.hpp"

namespace relsim::nanocrystal::detail {

//! Flat index of (species, level): first[s] + level.
struct LevelIndex {
    std::vector<int> first;
    int total = 0;
    explicit LevelIndex(const Model& m) {
        for (const SpeciesTable& t : m.species) {
            first.push_back(total);
            total += t.num_levels;
        }
    }
    [[nodiscard]] int at(int s, int level) const {
        return first[static_cast<std::size_t>(s)] + level;
    }
};

//! Radial bins of width bin_nm from the centre to radius_nm.
struct RadialBins {
    double bin_nm = 0.5;
    int count = 0;
    RadialBins(double radius_nm, double width_nm, bool periodic)
        : bin_nm(width_nm),
          count(periodic ? 0 : std::max(1, static_cast<int>(std::ceil(radius_nm / width_nm)))) {}
    [[nodiscard]] int bin(const Ion& ion, double radius_nm) const {
        const double r = radius_nm - ion.depth_nm;
        return std::min(count - 1, std::max(0, static_cast<int>(r / bin_nm)));
    }
};

//! Per-exciton quantities (lines, ligand photons, transfer, fates) are stored as totals over
//! `generated` excitons: the kmc engine counts photons, fates and transfers in its window and
//! `generated` is the number of excitons generated there; the linear engine stores the exact
//! per-exciton yields with generated = 1. The ensemble reduces them with ratio estimators
//! (sum over NCs / sum of `generated`), so an NC that saw few excitons weighs little.
struct NcSteady {
    std::vector<double> lines;  //!< photons per line (over `generated` excitons)
    double ligand_singlet_photons = 0.0, ligand_triplet_photons = 0.0;
    double transfer = 0.0;      //!< net ligand -> ion transfers (over `generated` excitons)
    std::vector<double> fates;  //!< fate weights (over `generated` excitons)
    double generated = 1.0;     //!< the denominator of the above
    //! kmc: mean number of excitations in flight (ligand excitons + excited ions) in the window;
    //! the fate-sum check's counting error (0 for the linear engine).
    double in_flight = 0.0;
    std::vector<double> excited;  //!< mean number per NC, per flat (species, level)
    double singlets = 0.0, triplets = 0.0;
    std::vector<double> radial_excited;  //!< [flat level][bin], mean number excited
    std::vector<double> radial_ions;     //!< [species][bin], ions in the bin
    double sites = 0.0, ions = 0.0, ligands = 0.0;
    std::vector<double> ions_by_species;
    std::uint64_t events = 0;
    double dropped = 0.0;
    std::size_t states = 0;
};

struct NcDecay {
    std::vector<double> population;        //!< [flat level][time]: expected number
    std::vector<double> singlet, triplet;  //!< [time]
    std::vector<double> photon_rate;       //!< [time] photons per second
    double initial = 0.0;                  //!< number of target excitations at t = 0
    std::uint64_t events = 0;
};

struct NcPulse {
    std::vector<double> photon_rate;                //!< [time] photons per second per NC
    std::vector<std::vector<double>> species_rate;  //!< [species][time]
    std::uint64_t events = 0;
};

//! Fills the geometry part of a summary (sites, ions, ligands, radial ion counts).
void fill_geometry_summary(const Model& model, const NcSystem& sys, const RadialBins& bins,
                           double radius_nm, NcSteady& out);

// Engines, one NC each.
//! kmc EL steady state of one NC: warm-up `warmup_s` (the ensemble's effective warm-up, see
//! kmc_warmup_s), then the window spec.measure_s.
NcSteady kmc_steady(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                    std::size_t nc_index, const RadialBins& bins, double warmup_s,
                    bool plain_loop = false);
NcDecay kmc_decay(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                  std::size_t nc_index, const std::vector<double>& times);
NcPulse kmc_pulse(const Model& on, const Model& off, const NcSystem& sys,
                  const NanocrystalSpec& spec, std::size_t nc_index, const PulseSpec& pulse,
                  const std::vector<double>& times);
NcSteady linear_steady(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                       const RadialBins& bins);
NcDecay linear_decay(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                     const std::vector<double>& times, std::size_t max_states);
NcPulse linear_pulse(const Model& on, const Model& off, const NcSystem& sys,
                     const NanocrystalSpec& spec, const PulseSpec& pulse,
                     const std::vector<double>& times, std::size_t max_states);

}  // namespace relsim::nanocrystal::detail
