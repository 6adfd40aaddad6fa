//! @file engine.hpp
//! Public API of the microscopic (site-resolved) nanocrystal engines (contract:
//! shared/spec/microscopic-model.md, sections 1-4): geometry of one NC from (seed, NC index),
//! its pair-rate tables, and the two engines (`kmc`, `linear`) with their ensemble statistics.
//! No third-party type appears here; units are in the member names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "relsim/model/parameters.hpp"
#include "relsim/nanocrystal/spec.hpp"

namespace relsim::nanocrystal {

// ------------------------------------------------------------------------------------------
// Geometry of one nanocrystal
// ------------------------------------------------------------------------------------------

//! A doped RE site (host sites that hold no dopant are not stored).
struct Ion {
    double x_nm = 0.0, y_nm = 0.0, z_nm = 0.0;  //!< position relative to the NC centre
    int species = 0;                            //!< index into ModelParams::dopants
    double depth_nm = 0.0;                      //!< radius_nm - |r| (sphere); 0 for a periodic box
};

//! A ligand molecule on the sphere of radius radius_nm + standoff_nm.
struct LigandSite {
    double x_nm = 0.0, y_nm = 0.0, z_nm = 0.0;
};

//! One NC: its doped ions and ligands, drawn from the stream of (spec.seed, nc_index).
struct Geometry {
    std::vector<Ion> ions;
    std::vector<LigandSite> ligands;
    std::size_t re_sites = 0;  //!< RE sites of the lattice inside the NC (doped or host)
    bool periodic = false;
    double box_nm[3] = {0.0, 0.0, 0.0};  //!< periodic box edges (orthogonal box; see below)
    //! Periodic box of a hexagonal lattice: the box is the parallelepiped of the cells; the
    //! minimum image is taken in fractional coordinates (cell_matrix below, rows a1, a2, a3
    //! times cells).
    double cell_matrix_nm[3][3] = {{0, 0, 0}, {0, 0, 0}, {0, 0, 0}};
};

//! Builds NC number `nc_index` of the ensemble. Bit-identical on every platform for a given
//! (spec, nc_index): all randomness comes from a SplitMix64 stream seeded by
//! (spec.seed, nc_index) (see random_stream_seed).
[[nodiscard]] Geometry build_geometry(const NanocrystalSpec& spec, std::size_t nc_index);

//! Seed of the random stream of NC `nc_index` (a SplitMix64 hash of seed and index).
[[nodiscard]] std::uint64_t random_stream_seed(std::uint64_t seed, std::size_t nc_index);

//! Distance between two points of the NC [nm] (minimum image in a periodic box).
[[nodiscard]] double distance_nm(const Geometry& g, const double a[3], const double b[3]);

//! Rate of a pair law at distance r [s^-1] (multipolar C / r^s or exchange W0 e^{-2(r-r0)/L}),
//! 0 beyond the law's cutoff_nm.
[[nodiscard]] double pair_rate_s(const PairLaw& law, double r_nm);

//! Dexter ligand -> ion rate k0 exp(-2 (r - r0) / L) [s^-1].
[[nodiscard]] double dexter_rate_s(double k0_s, double r0_nm, double L_nm, double r_nm);

// ------------------------------------------------------------------------------------------
// Engines
//
// What they read from model::ModelParams: device (J, w, gamma, chi, outcoupling, T, k_L), the
// ligand's first-order rates (kS_rad, kS_nr, k_isc, kT_rad, kT_nr), triplet_energy_eV (pairwise
// detailed balance of back-transfer), kTP_cm3_s (triplet-polaron quenching kTP n_p, first order
// at a given n_p, fate `tpq`), and per dopant its level scheme, accepting level, quench_s and
// kLP_cm3_s. Not used (replaced by the site-resolved processes of the spec): density_cm3,
// kTET_s, kSET_s, kBT_s, kETU_s, [[transfer]], the ligand density and ligand-ligand
// annihilation (kTT, kSS, kST: one exciton per ligand, blocking instead).
// Fate weights: a cross-relaxation that leaves both ions excited makes a second excitation that
// emits photons but carries no fate weight, so the fates of the generated excitons sum to 1.
// ------------------------------------------------------------------------------------------

struct EnsembleOptions {
    int threads = 0;  //!< OpenMP threads over NCs; 0: the OpenMP default
    //! Pair rates below this fraction of the donor's first-order decay rate (lines,
    //! relaxations, quench_s, kLP n_p) are dropped from the pair tables (both engines): a
    //! dropped pair fires during one donor lifetime with probability <= this fraction. For
    //! migration channels (the excitation moves to an ion of its own species and level) the
    //! reference is the donor's whole out-rate, its migration row included (the walk changes by
    //! <= this fraction per hop); for Dexter pairs it is the ligand exciton's whole decay rate.
    //! The largest summed dropped rate per donor, relative to that reference, is reported in
    //! SteadyStateResult::max_dropped_rate_fraction. 0 keeps every pair.
    double negligible_rate_fraction = 1.0e-7;
    //! linear engine, decays: the largest state count solved by dense eigen-decomposition.
    std::size_t linear_decay_max_states = 3000;
    //! Only NCs [first_nc, first_nc + nc_count) of the ensemble (nc_count 0: all of
    //! spec.count); for MPI ranks. The NC indices (and so the random streams) are global.
    std::size_t first_nc = 0;
    std::size_t nc_count = 0;
    double radial_bin_nm = 0.5;  //!< width of the radial-profile bins (sphere)
    //! kmc, benchmarks only: select events by the plain-loop Gillespie method (every step
    //! recomputes every excited entity's rate from its pair rows and scans them linearly)
    //! instead of the sum tree with cached rates. Same physics, same statistics.
    bool kmc_plain_loop_baseline = false;
};

//! An ensemble mean with its standard error over NCs (sample standard deviation / sqrt(n)).
struct Estimate {
    double mean = 0.0;
    double standard_error = 0.0;
};

//! A named fate channel.
struct FateEstimate {
    std::string name;
    Estimate value;
};

//! Steady state of EL (both engines). Yields are per generated exciton (generation attempts
//! on the NC's ligands, blocked ones included).
struct SteadyStateResult {
    std::size_t nc_count = 0;
    //! Photons per generated exciton per Ln line, in the mean-field band order (for each dopant
    //! s, each line of its scheme: model::RateModel::lines()).
    std::vector<Estimate> line_photons_per_exciton;
    std::vector<std::string> line_labels;  //!< "Tb_5D4_7F5", as model::CompiledLine::label
    Estimate ligand_singlet_photons_per_exciton;
    Estimate ligand_triplet_photons_per_exciton;
    Estimate photons_per_exciton;  //!< all photons (ligand + Ln) per generated exciton
    Estimate iqe;                  //!< photons per injected electron = gamma * photons_per_exciton
    Estimate eqe;                  //!< outcoupling * iqe
    Estimate transfer_efficiency;  //!< net ligand -> ion transfers (forward - back) per exciton
    //! Exciton fates per generated exciton; they sum to 1 per NC. Names: ligand_blocked,
    //! ligand_singlet_radiative, ligand_singlet_nonradiative, ligand_triplet_radiative,
    //! ligand_triplet_nonradiative, tpq, then per species <Ion>_radiative, <Ion>_nonradiative,
    //! <Ion>_quenching, <Ion>_surface_quenching, <Ion>_polaron_quenching, <Ion>_etu.
    std::vector<FateEstimate> fates;
    std::vector<double> fate_sum_per_nc;  //!< sum of the fates of each NC (1 up to noise/round-off)
    //! Mean excited population per NC, [species][level] (number of ions in that level; linear
    //! engine: G_NC times the expected residence time, the low-current limit).
    std::vector<std::vector<Estimate>> excited_per_nc;
    //! Ligand excitons per NC (singlet, triplet).
    Estimate singlets_per_nc, triplets_per_nc;
    //! Radial profile (sphere): bin centres [nm] and the mean excited fraction of each
    //! (species, level) among the ions of that species in the bin: [species][level][bin].
    std::vector<double> radial_r_nm;
    std::vector<std::vector<std::vector<double>>> radial_excited_fraction;
    Estimate sites_per_nc;  //!< RE lattice sites
    Estimate ions_per_nc;   //!< doped ions (all species)
    Estimate ligands_per_nc;
    std::vector<Estimate> ions_per_nc_by_species;
    double generation_per_nc_s = 0.0;  //!< G_NC = G / n_NC [s^-1]
    std::uint64_t events = 0;          //!< kmc: events simulated (warm-up included); linear: 0
    double max_dropped_rate_fraction = 0.0;  //!< see EnsembleOptions::negligible_rate_fraction
    std::size_t max_states_per_nc = 0;       //!< linear: size of the largest generator
    //! kmc: the warm-up simulated before the window (>= spec.warmup_s, see kmc_warmup_s); 0 for
    //! the linear engine.
    double warmup_used_s = 0.0;
    //! kmc: sum of the fates (ratio estimate over the ensemble) and its standard error.
    Estimate fate_sum{1.0, 0.0};
    //! kmc: why the point has too little statistics to publish ("" when it has enough): no
    //! exciton generated in any NC's window, or fates that do not sum to 1 within 4 standard
    //! errors. solve_el_steady_state() throws InsufficientStatistics with this text.
    std::string statistics_failure;
};

//! Status code of a sweep point whose kmc ensemble saw too little (written to /results/status
//! by the sweep driver, beside the solver's codes 0-4 and status_error 5, status_fate_budget 6).
inline constexpr std::int32_t status_insufficient_statistics = 7;

//! Thrown by solve_el_steady_state() for a kmc point with too little statistics (see
//! SteadyStateResult::statistics_failure): a failed point, not a result.
class InsufficientStatistics : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

//! kmc EL warm-up [s]: spec.warmup_s, extended where needed so that the transient of the empty
//! start (all NCs start with no excitation) biases the window by less than 1e-3 relative:
//! w >= tau ln(tau / (1e-3 measure_s)), capped at 30 tau, with tau = 1/kS + 1/kT (the bare
//! ligand) + the largest sum over a species' levels of 1/(level decay rate) (a cascade through
//! every level, surface quenching left out: it only shortens). Unchanged when a lifetime is
//! infinite (then the fate-sum check catches what the warm-up misses).
[[nodiscard]] double kmc_warmup_s(const NanocrystalSpec& spec, const model::ModelParams& params);

//! Direct-excitation (PL) decay. Target "ligand": the ligand singlet is excited. kmc: round(
//! fraction x N_target) distinct target sites (at least one) per NC; its photon_rate_s[k] is
//! the count in [t_k - h/2, t_k + h/2] (clipped to the record) over the bin width. linear: one
//! excitation per NC uniformly over its target sites, exact values at t_k. Both: ratio
//! estimators sum over NCs / sum of the NCs' initial excitations, with delta-method stderr.
struct DecayResult {
    std::size_t nc_count = 0;
    std::vector<double> time_s;  //!< points from 0 to decay_until_s inclusive, equally spaced
    //! Ensemble-mean number of ions in each (species, level), divided by the target level's
    //! population at t = 0 (so the target starts at 1): [species][level][time].
    std::vector<std::vector<std::vector<double>>> population;
    std::vector<std::vector<std::vector<double>>> population_stderr;
    std::vector<double> ligand_singlet, ligand_triplet;  //!< same normalisation
    //! Photons per unit time per initial excitation [s^-1]: [time].
    std::vector<double> photon_rate_s;
    std::vector<double> photon_rate_stderr_s;
    std::uint64_t events = 0;
};

//! EL pulse (kinetic-model.md section 5, [transient]): J = pulse current from t = 0 to
//! pulse_on_s, then 0 until pulse_on_s + off_s; all NCs start empty.
struct PulseSpec {
    double pulse_current_density_mA_cm2 = 10.0;
    double pulse_on_s = 5.0e-3;
    double off_s = 2.0e-2;
    int points = 400;  //!< output times per phase (equally spaced, t = 0 included)
};

struct PulseResult {
    std::size_t nc_count = 0;
    std::vector<double> time_s;
    //! Photons emitted per NC per second, averaged over the bin ending at time_s[k] (kmc) or
    //! at time_s[k] exactly (linear): total, and per species (Ln lines only).
    std::vector<double> photon_rate_per_nc_s;
    std::vector<double> photon_rate_per_nc_stderr_s;
    std::vector<std::vector<double>> species_photon_rate_per_nc_s;  //!< [species][time]
    std::uint64_t events = 0;
};

//! EL pulse, dispatching on spec.engine (kmc: simulated; linear: the exact linear response to
//! the pulse, i.e. the impulse response of one exciton convolved with the pulse).
[[nodiscard]] PulseResult solve_el_pulse(const NanocrystalSpec& spec,
                                         const model::ModelParams& params, const PulseSpec& pulse,
                                         const EnsembleOptions& options = {});

//! EL steady state at params.device.current_density_mA_cm2, dispatching on spec.engine.
//! Requires a sphere with a ligand shell. Throws relsim::InputError on input the engines
//! cannot run (no ligands, decay size limits), std::invalid_argument on inconsistent indices,
//! InsufficientStatistics for a kmc ensemble with too little statistics (the lower-level
//! solve_el_steady_state_kmc returns it in statistics_failure instead).
[[nodiscard]] SteadyStateResult solve_el_steady_state(const NanocrystalSpec& spec,
                                                      const model::ModelParams& params,
                                                      const EnsembleOptions& options = {});

//! Direct-excitation decay of spec.excitation (required), dispatching on spec.engine.
[[nodiscard]] DecayResult solve_decay(const NanocrystalSpec& spec, const model::ModelParams& params,
                                      const EnsembleOptions& options = {});

//! Lower-level: the same, one engine explicitly (tests compare them).
[[nodiscard]] SteadyStateResult solve_el_steady_state_kmc(const NanocrystalSpec& spec,
                                                          const model::ModelParams& params,
                                                          const EnsembleOptions& options = {});
[[nodiscard]] SteadyStateResult solve_el_steady_state_linear(const NanocrystalSpec& spec,
                                                             const model::ModelParams& params,
                                                             const EnsembleOptions& options = {});
[[nodiscard]] DecayResult solve_decay_kmc(const NanocrystalSpec& spec,
                                          const model::ModelParams& params,
                                          const EnsembleOptions& options = {});
[[nodiscard]] DecayResult solve_decay_linear(const NanocrystalSpec& spec,
                                             const model::ModelParams& params,
                                             const EnsembleOptions& options = {});

//! Up-front size and time estimates of a run (src/nanocrystal/cost.cpp says how each is made).
struct CostEstimate {
    double sites_per_nc = 0.0;         //!< RE lattice sites
    double pair_entries_per_nc = 0.0;  //!< entries of the pair tables (all channels, Dexter)
    double table_bytes_per_nc = 0.0;   //!< memory of one NC's tables (one NC per thread)
    double summary_bytes = 0.0;        //!< what the ensemble keeps for its `count` NCs
    double events = 0.0;               //!< kmc events (a lower bound; 0 for the linear engine)
};
[[nodiscard]] CostEstimate estimate_cost(const NanocrystalSpec& spec,
                                         const model::ModelParams& params,
                                         const EnsembleOptions& options = {});

//! Limits of cost_problem: 1e8 RE sites per NC (a sphere of R ~ 12 nm of NaGdF4 holds 1e5),
//! 4 GiB of pair tables per NC, 4 GiB of per-NC summaries, 1e11 kmc events.
inline constexpr double kMaxSitesPerNc = 1.0e8;
inline constexpr double kMaxTableBytesPerNc = 4.0 * 1024.0 * 1024.0 * 1024.0;
inline constexpr double kMaxSummaryBytes = 4.0 * 1024.0 * 1024.0 * 1024.0;
inline constexpr double kMaxKmcEvents = 1.0e11;

//! The key to blame and the problem ("" when none) when a run of `spec` cannot be built, fit
//! in memory or finish (the limits above); the message states the estimate. The config reader
//! refuses such a config (and every such sweep point) with exit 2 before anything is written.
struct CostProblem {
    std::string key;
    std::string problem;
};
[[nodiscard]] CostProblem cost_problem(const NanocrystalSpec& spec,
                                       const model::ModelParams& params);

//! G_NC = gamma J / (q w) / n_NC [s^-1] at the config's current density.
[[nodiscard]] double generation_per_nc_s(const NanocrystalSpec& spec,
                                         const model::ModelParams& params);

}  // namespace relsim::nanocrystal
