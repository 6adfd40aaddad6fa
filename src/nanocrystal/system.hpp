//! @file system.hpp  (private to relsim_nanocrystal)
//! The process tables of the microscopic model (spec section 2): per-species intrinsic channels
//! compiled once per ensemble (`Model`), and per NC the pair tables (`NcSystem`): Dexter
//! ligand -> ion with its pairwise detailed-balance back-transfer, ion -> ion transfer channels,
//! surface quenching per ion. Both engines read these same tables, so they simulate the same
//! generator.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "relsim/model/parameters.hpp"
#include "relsim/nanocrystal/engine.hpp"

namespace relsim::nanocrystal::detail {

//! Fate channel indices (SteadyStateResult::fates order).
enum FateIndex : int {
    fate_ligand_blocked = 0,
    fate_ligand_singlet_radiative,
    fate_ligand_singlet_nonradiative,
    fate_ligand_triplet_radiative,
    fate_ligand_triplet_nonradiative,
    fate_tpq,
    num_ligand_fates
};
enum SpeciesFate : int {
    sf_radiative = 0,
    sf_nonradiative,
    sf_quenching,
    sf_surface_quenching,
    sf_polaron_quenching,
    sf_etu,
    num_species_fates
};
inline int species_fate(int species, SpeciesFate f) {
    return num_ligand_fates + num_species_fates * species + static_cast<int>(f);
}

//! A first-order process of one ion level: to `to_level` (-1: ground). `fate` >= 0 when the
//! process ends the excitation (to the ground); `line` >= 0 when it emits a photon (global line
//! index, mean-field band order).
struct IntrinsicChannel {
    double rate_s = 0.0;
    int to_level = -1;
    int fate = -1;
    int line = -1;
};

struct SpeciesTable {
    std::string ion;
    int num_levels = 0;
    int accepting_level = 0;
    std::vector<std::string> level_names;
    std::vector<std::vector<IntrinsicChannel>> channels;  //!< per level (no surface quench)
    std::vector<double> level_rate_s;                     //!< sum of channels per level
    double kTET0_s = 0.0, kSET0_s = 0.0;
    double back_factor = 0.0;  //!< exp(-(E_T - E_a) / k_B T): k_back = k_forward * this
};

//! Compiled once per ensemble: everything that does not depend on the NC's disorder.
struct Model {
    std::vector<SpeciesTable> species;
    std::vector<std::string> line_labels;
    std::vector<double> line_wavelength_nm;
    std::vector<std::string> fate_names;
    // Ligand first-order rates [s^-1].
    double kS_rad = 0, kS_nr = 0, k_isc = 0, kT_rad = 0, kT_nr = 0, k_tpq = 0;
    double chi = 0.25;
    double generation_nc_s = 0.0;  //!< G_NC
    //! k_L n_p at this drive when [physics] polaron_decay is on (else 0): after a pulse the
    //! polaron density decays as n_p / (1 + k_L n_p t) (model::polaron_density_after_pulse).
    double polaron_decay_rate_s = 0.0;
    double charge_balance = 1.0, outcoupling = 1.0;
    double ligand_r0_nm = 0.5, ligand_L_nm = 0.15;
    [[nodiscard]] double kS_total() const { return kS_rad + kS_nr + k_isc; }
    [[nodiscard]] double kT_total() const { return kT_rad + kT_nr + k_tpq; }
    [[nodiscard]] int num_fates() const { return static_cast<int>(fate_names.size()); }
    [[nodiscard]] int num_lines() const { return static_cast<int>(line_labels.size()); }
};

//! `params` and `spec` compiled at the drive of current density J [mA cm^-2].
Model compile_model(const NanocrystalSpec& spec, const model::ModelParams& params,
                    double current_density_mA_cm2);

//! Compressed rows: row r holds partners [offset[r], offset[r+1]), with `rate` and the
//! inclusive running sum `prefix` within the row.
struct Csr {
    std::vector<std::uint32_t> offset;
    std::vector<std::uint32_t> partner;
    std::vector<double> rate;
    std::vector<double> prefix;
    [[nodiscard]] double row_total(std::size_t r) const {
        return offset[r + 1] > offset[r] ? prefix[offset[r + 1] - 1] : 0.0;
    }
    [[nodiscard]] std::size_t row_size(std::size_t r) const { return offset[r + 1] - offset[r]; }
    [[nodiscard]] std::size_t bytes() const {
        return offset.size() * 4 + partner.size() * 4 + rate.size() * 8 + prefix.size() * 8;
    }
};

//! An ion -> ion transfer channel of one NC (spec [[nanocrystal.transfer]]).
struct PairChannel {
    int donor_species = 0, donor_level = 0, donor_to = -1;
    int acceptor_species = 0, acceptor_level = -1;  //!< acceptor (ground) -> acceptor_level
    //! donor_to and acceptor_level both excited: one excitation becomes two (the acceptor's
    //! carries no fate weight, see kmc_machine.cpp).
    bool splits = false;
    int fate = -1;  //!< when the donor's excitation ends here (both ground): its fate index
    Csr forward;    //!< rows: donor ions; partners: acceptor ions
    Csr reverse;    //!< rows: acceptor ions; partners: donor ions (same rates)
    PairLaw law;
    double floor_s = 0.0;
    //! Pairs farther than this were never candidates of the table (the law is below floor_s
    //! there); pair_channel_rate() tests it first, which spares the exp / pow of far pairs.
    double reach_nm = 0.0;
    //! Migration channels (the excitation moves to an ion of its own species and level): the
    //! floor per donor ion, fraction x (level decay + the donor's migration row total); empty
    //! for other channels, whose floor is floor_s (relative to the level's own decay, so that
    //! the dropped tail of a quenching transfer stays small against the lifetime).
    std::vector<double> donor_floor_s;
    [[nodiscard]] double floor_of(std::size_t donor) const {
        return donor_floor_s.empty() ? floor_s : donor_floor_s[donor];
    }
};

//! Annihilation / upconversion of two excited ions, rates on the fly (kmc only).
struct AnnihilationChannel {
    int first_species = 0, first_level = 0, second_species = 0, second_level = 0;
    int first_to = -1, second_to = -1;
    PairLaw law;
    double floor_s = 0.0;
};

//! One NC's tables.
struct NcSystem {
    Geometry geo;
    std::vector<std::uint32_t> level_offset;  //!< per ion: first index in ion_level_* arrays
    std::vector<double> ion_level_surface_s;  //!< surface quench rate per (ion, level)
    std::vector<double> ion_level_rate_s;     //!< intrinsic + surface per (ion, level)
    Csr dexter;  //!< rows: ligands; partners: ions; rate = triplet kTET pair rate
    std::vector<double> dexter_singlet_rate;  //!< per dexter entry: singlet kSET pair rate
    std::vector<double> dexter_singlet_prefix;
    Csr back;  //!< rows: ions; partners: ligands; k_back (triplet)
    std::vector<PairChannel> pairs;
    std::vector<AnnihilationChannel> annihilations;
    //! Per species, per level: the pair channels whose donor is that level.
    std::vector<std::vector<std::vector<int>>> donor_channels;
    //! Per species: the pair channels whose acceptor is that species.
    std::vector<std::vector<int>> acceptor_channels;
    double max_dropped_fraction = 0.0;
    //! The Dexter table's keep thresholds per ligand: fraction x (the ligand exciton's total
    //! decay rate, its transfers included), triplet and singlet.
    std::vector<double> dexter_floor_T, dexter_floor_S;
    [[nodiscard]] std::size_t num_ions() const { return geo.ions.size(); }
    [[nodiscard]] std::size_t num_ligands() const { return geo.ligands.size(); }
    [[nodiscard]] double ion_rate(std::size_t i, int level) const {
        return ion_level_rate_s[level_offset[i] + static_cast<std::size_t>(level)];
    }
    [[nodiscard]] std::size_t bytes() const;
};

//! Largest distance at which `law` reaches `floor_s` [nm] (inf when unbounded; the cutoff
//! when it is shorter).
double law_reach_nm(const PairLaw& law, double floor_s);

//! Pair-rate floor of a donor with own decay rate `decay_s`.
inline double rate_floor(double fraction, double decay_s) { return fraction * decay_s; }

NcSystem build_system(const NanocrystalSpec& spec, const Model& model, std::size_t nc_index,
                      const EnsembleOptions& options);

//! Rate of channel c between donor ion i and acceptor ion j as the table holds it (0 when the
//! pair is not in the table: beyond the cutoff or below the floor). Same arithmetic as the
//! table, so incremental updates cancel exactly.
double pair_channel_rate(const NcSystem& sys, const PairChannel& c, std::size_t i, std::size_t j);
//! Dexter pair (triplet, singlet) rates of ligand l and ion i as the table holds them (both 0
//! when the pair is not in the table).
struct DexterPair {
    double kT = 0.0, kS = 0.0;
};
DexterPair dexter_pair(const Model& model, const NcSystem& sys, std::size_t ligand,
                       std::size_t ion);
double annihilation_rate(const NcSystem& sys, const AnnihilationChannel& c, std::size_t i,
                         std::size_t j);

}  // namespace relsim::nanocrystal::detail
