//! @file rate_model.hpp
//! The mean-field rate equations of spec sections 2-3, compiled from ModelParams into flat
//! arrays so that rhs() and jacobian() cost O(states + processes) and never allocate.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "relsim/model/parameters.hpp"

namespace relsim::model {

//! Electrical drive of the emissive layer at one current density.
struct Drive {
    double current_density_A_cm2 = 0.0;  //!< J [A cm^-2]
    double generation_cm3_s = 0.0;       //!< G = gamma J / (q w) [cm^-3 s^-1]
    double polaron_density_cm3 = 0.0;    //!< n_p = sqrt(J / (q w k_L)) [cm^-3]
};

//! One emission line of the compiled model, with its state index.
struct CompiledLine {
    std::size_t species = 0;  //!< index into dopants
    std::size_t state = 0;    //!< index of the emitting level in the state vector
    bool to_ground = false;   //!< the line returns the ion to its ground multiplet
    std::string label;        //!< "Tb_5D4_7F5"
    EmissionLine line;
};

//! A first-order process that returns an ion to its ground multiplet (an exciton fate).
struct GroundLoss {
    enum class Kind { radiative, nonradiative, quenching };
    std::size_t species = 0;
    std::size_t state = 0;
    double rate_s = 0.0;
    Kind kind = Kind::radiative;
};

//! Per-species constants of the compiled model.
struct CompiledSpecies {
    std::string ion;
    std::size_t first_state = 0;  //!< index of the species' first excited level in the state
    std::size_t num_levels = 0;
    std::size_t accepting_state = 0;
    double density_cm3 = 0.0;      //!< N_s
    double inv_density_cm3 = 0.0;  //!< 1/N_s, 0 when N_s = 0 (inert species)
    double kTET_s = 0.0;
    double kSET_s = 0.0;
    double kBT_s = 0.0;  //!< resolved back-transfer (override or detailed balance)
    Origin kBT_origin = Origin::detailed_balance;
    double kETU_s = 0.0;
    double kLP_cm3_s = 0.0;
};

//! Reorganisation energy lambda [eV] of the energy-gap law (PhysicsOptions::energy_gap_law):
//! the ligand phosphorescence band of FWHM tet_overlap_fwhm_eV is a Gaussian of variance
//! sigma^2 = 2 lambda k_B T (the high-temperature, Marcus-Hush line shape), so
//! lambda = sigma^2 / (2 k_B T), sigma = FWHM / (2 sqrt(2 ln 2)).
[[nodiscard]] double tet_reorganisation_eV(const PhysicsOptions& physics, double temperature_K);
//! Energy-gap factor of ligand -> ion transfer, kTET_eff / kTET_s (PhysicsOptions::
//! energy_gap_law): the overlap of the ligand's phosphorescence, a Gaussian centred at
//! E_T - lambda (Stokes-shifted from the 0-0 energy E_T), with the ion's absorption line at E_a:
//!     exp(-(E_T - E_a - lambda)^2 / (4 lambda k_B T)),
//! 1 at its maximum (E_a = E_T - lambda, activationless), smaller for uphill transfer and for
//! large downhill gaps (the inverted region). Exactly 1 when the option is off.
[[nodiscard]] double tet_gap_factor(const PhysicsOptions& physics, double triplet_energy_cm1,
                                    double accepting_cm1, double temperature_K);
//! Partition function of an ion's ground multiplet relative to its first member,
//! Z = sum_k (2J_k + 1) exp(-(E_k - E_0) / k_B T) over the members whose energy (ion file
//! `ground` table) and J (the name) are known; the first member always counts, with its 2J+1.
[[nodiscard]] double ground_partition_function(const LevelScheme& scheme, double temperature_K);
//! Degeneracy factor of detailed balance g_T Z_ground(T) / g_a (PhysicsOptions::degeneracy),
//! g_T = 3, g_a = 2J+1 of the accepting level, Z_ground the thermal partition function above.
//! @throws std::invalid_argument when the accepting level or first ground member carries no J.
[[nodiscard]] double degeneracy_factor(const DopantParams& d, double temperature_K);

//! Ligand-ion transfer of one ligand-ion pair relative to its prefactor (kTET_s in the
//! mean-field model, the pair's Dexter rate in the microscopic model), with every [physics]
//! option: forward = tet_gap_factor; back = k_back / prefactor, so that
//!     back / forward = (g_T Z_ground / g_a if degeneracy, else 1) exp(-(E_T - E_a) / k_B T)
//! (pairwise detailed balance). With the gap law, back is the ion's emission line on the
//! ligand's T1 <- S0 absorption, the mirror image of its phosphorescence about E_T:
//! exp(-(E_T - E_a + lambda)^2 / (4 lambda k_B T)), so both directions stay below the prefactor.
//! Only the named accepting level receives the ligand's energy (other levels of the ion do not).
//! The mean-field kBT is kTET_s x back x N_L / N_s (spec kinetic-model.md section 3).
struct LigandIonFactors {
    double forward = 1.0;
    double back = 0.0;
};
[[nodiscard]] LigandIonFactors ligand_ion_factors(const PhysicsOptions& physics,
                                                  const DopantParams& d, double triplet_energy_cm1,
                                                  double accepting_cm1, double temperature_K);
//! Polaron density a time t_s after the end of a pulse under bimolecular recombination of
//! n = p with the Langevin constant k_L: dn/dt = -k_L n^2  =>  n(t) = n0 / (1 + k_L n0 t).
[[nodiscard]] double polaron_density_after_pulse(double n0_cm3, double langevin_cm3_s, double t_s);

//! Immutable compiled model. State layout: [S, T, species 0 levels..., species 1 levels...].
class RateModel {
public:
    //! Compiles validated parameters. Throws std::invalid_argument on inconsistent input that
    //! validation should have caught (unknown level names).
    explicit RateModel(const ModelParams& params);

    //! Re-reads every numeric parameter from `params`, which must have the structure this model
    //! was built from (same dopants, levels, lines, relaxations, quenching entries, transfers;
    //! only numbers differ, as between the points of a sweep). Allocates nothing.
    void refresh(const ModelParams& params);

    //! refresh() for params that differ from the model's only in device.current_density_mA_cm2
    //! (the last axis of most sweeps): only the drive depends on it, so only the drive is
    //! recomputed; every rate is what refresh() would compute again from the same inputs.
    void set_current_density(double current_density_mA_cm2);

    [[nodiscard]] std::size_t num_states() const noexcept { return names_.size(); }
    //! State names: "S", "T", "<Ion>_<level>".
    [[nodiscard]] const std::vector<std::string>& state_names() const noexcept { return names_; }
    [[nodiscard]] const ModelParams& params() const noexcept { return params_; }
    [[nodiscard]] const std::vector<CompiledSpecies>& species() const noexcept { return species_; }
    [[nodiscard]] const std::vector<CompiledLine>& lines() const noexcept { return lines_; }
    //! Every line, relaxation and quenching that ends on the ground multiplet.
    [[nodiscard]] const std::vector<GroundLoss>& ground_losses() const noexcept {
        return ground_losses_;
    }
    //! ground_losses() of the non-inert species only, in the same order (kept by refresh).
    [[nodiscard]] const std::vector<GroundLoss>& active_ground_losses() const noexcept {
        return active_ground_losses_;
    }
    //! True when a line of a non-inert species ends on an excited level (a cascade: photons
    //! then leave populations that other photons feed; observables.hpp). Kept by refresh.
    //! evaluate_observables fills Observables::dark_cm3 exactly when this is true.
    [[nodiscard]] bool has_cascade() const noexcept { return has_cascade_; }

    //! Drive at the config's current density.
    [[nodiscard]] const Drive& nominal_drive() const noexcept { return nominal_drive_; }
    //! Drive at any current density [A cm^-2] (transient pulses); J >= 0.
    [[nodiscard]] Drive drive_at(double current_density_A_cm2) const;

    //! dy/dt of the rate equations. y and dydt have num_states() entries.
    void rhs(const Drive& drive, const double* y, double* dydt) const;
    //! Analytic Jacobian d(dy/dt)/dy, written column-major into jac (num_states()^2 entries).
    void jacobian(const Drive& drive, const double* y, double* jac) const;

    //! Characteristic magnitude of each state [cm^-3] under `drive`, used to scale solvers: ion
    //! states scale with N_s, ligand states with their linear-regime population G / (total
    //! first-order loss rate). Always > 0. `scales` has num_states() entries.
    void state_scales(const Drive& drive, double* scales) const;

    //! True when species s has N_s = 0: its states are held at zero (dy/dt = -y, a unit
    //! relaxation that keeps the Jacobian regular) and it accepts no energy.
    [[nodiscard]] bool is_inert(std::size_t s) const { return species_[s].inv_density_cm3 == 0.0; }

private:
    struct Flow {  //!< first-order flow: rate * y[from] leaves `from`, enters `to` (if to >= 0)
        std::size_t from = 0;
        long to = -1;
        double rate_s = 0.0;
        long ground_loss = -1;  //!< index into ground_losses_ when to < 0
    };
    void assign_rates();  //!< every numeric member from params_ (structure already built)
    struct IonTransfer {
        std::size_t donor_state = 0;
        std::size_t acceptor_state = 0;
        std::size_t acceptor_species = 0;
        double rate_s = 0.0;  //!< k_tr (bimolecular already multiplied by N_s')
    };

    ModelParams params_;
    std::vector<std::string> names_;
    std::vector<CompiledSpecies> species_;
    std::vector<CompiledLine> lines_;
    std::vector<Flow> flows_;  //!< A, R, Q within and out of each species
    //! flows_ of the non-inert species, in flows_ order (rebuilt by assign_rates within the
    //! capacity reserved at construction): rhs() and jacobian() loop over these only.
    std::vector<Flow> active_flows_;
    std::vector<GroundLoss> ground_losses_;
    std::vector<GroundLoss> active_ground_losses_;  //!< capacity reserved at construction
    bool has_cascade_ = false;
    std::vector<std::size_t> state_species_;  //!< species index of each ion state
    std::vector<IonTransfer> ion_transfers_;
    Drive nominal_drive_;
    double kS_total_s_ = 0.0;  //!< kS_rad + kS_nr + k_isc
    double kT_total_s_ = 0.0;  //!< kT_rad + kT_nr
};

}  // namespace relsim::model
