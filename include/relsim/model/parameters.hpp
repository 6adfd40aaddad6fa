//! @file parameters.hpp
//! Plain parameter data of the mean-field model (spec shared/spec/kinetic-model.md, sections 2-3).
//! Units are in the member names; populations are volume densities in cm^-3, times in s.
//! These structs hold validated input only: io/config builds them, model/RateModel reads them.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace relsim::model {

//! Where a resolved parameter value came from (reported by `relsim check`).
enum class Origin { config, ion_file, default_value, detailed_balance, derived };

//! "config", "ion file", "default", "detailed balance" or "derived" (as `relsim check` prints it).
[[nodiscard]] const char* origin_name(Origin o);

//! One excited level of an ion's level scheme.
struct Level {
    std::string name;         //!< spectroscopic label, e.g. "5D4"
    double energy_cm1 = 0.0;  //!< energy above the ground state [cm^-1]
};

//! A radiative transition. `to` is an excited level or a member of the ground multiplet.
struct EmissionLine {
    std::string from;
    std::string to;
    double rate_s = 0.0;           //!< Einstein A coefficient [s^-1]
    double wavelength_nm = 0.0;    //!< line centre (vacuum) [nm]
    double fwhm_nm = 0.0;          //!< Gaussian full width at half maximum [nm]
    bool magnetic_dipole = false;  //!< `dipole = "MD"` (spec optics.md); default electric dipole
};

//! A nonradiative relaxation (multiphonon or cross-relaxation), to an excited level or the ground.
struct Relaxation {
    std::string from;
    std::string to;
    double rate_s = 0.0;  //!< [s^-1]
};

//! Level scheme of one lanthanide ion (configs/ions/<Ion>.toml or inline in a [[dopant]]).
struct LevelScheme {
    std::vector<std::string> ground;  //!< members of the ground multiplet, e.g. 7F6..7F0
    //! Energy of each ground member [cm^-1] where the scheme gives it, NaN otherwise (used only
    //! by the plausibility checks; the model needs only the names).
    std::vector<double> ground_energy_cm1;
    std::vector<Level> levels;  //!< excited levels (the model's states)
    std::vector<EmissionLine> lines;
    std::vector<Relaxation> relaxations;
    std::string source_file;  //!< ion file the scheme was read from ("" when inline)
};

//! [device] table.
struct DeviceParams {
    double current_density_mA_cm2 = 10.0;  //!< J
    double recombination_zone_nm = 20.0;   //!< w
    double charge_balance = 1.0;           //!< gamma, (0, 1]
    double singlet_fraction = 0.25;        //!< chi, [0, 1]
    double outcoupling = 0.20;             //!< (0, 1]
    double temperature_K = 300.0;
    double langevin_cm3_s = 1.0e-10;  //!< k_L
};

//! [ligand] table: the organic-semiconductor ligand shell.
struct LigandParams {
    double density_cm3 = 7.5e20;      //!< N_L
    double triplet_energy_eV = 2.90;  //!< E_T
    double kS_rad_s = 1.0e8;
    double kS_nr_s = 1.0e8;
    double k_isc_s = 1.0e11;
    double kT_rad_s = 1.0e2;
    double kT_nr_s = 1.0e4;
    double kTT_cm3_s = 1.0e-12;
    double tta_singlet_yield = 0.0;  //!< xi, [0, 0.5]
    double kTP_cm3_s = 4.0e-13;
    double kSS_cm3_s = 0.0;
    double kST_cm3_s = 0.0;
    double singlet_band_nm = 420.0;
    double singlet_fwhm_nm = 60.0;
    double triplet_band_nm = 470.0;
    double triplet_fwhm_nm = 70.0;
};

//! One [[dopant]] table: a lanthanide species in the nanocrystals.
struct DopantParams {
    std::string ion;              //!< e.g. "Tb"
    double density_cm3 = 0.0;     //!< N_s; 0 is allowed and makes the species inert
    std::string accepting_level;  //!< a_s, name of an excited level of `scheme`
    double kTET_s = 0.0;          //!< ligand triplet -> ion transfer [s^-1]
    double kSET_s = 0.0;          //!< ligand singlet -> ion transfer [s^-1]
    double kETU_s = 0.0;          //!< Ln*-Ln* annihilation, per-ion rate at X_s = 1 [s^-1]
    double kLP_cm3_s = 0.0;       //!< Ln*-polaron quenching [cm^3 s^-1]
    //! Quenching to the ground per excited level [s^-1], (level name, rate); levels not listed: 0.
    std::vector<std::pair<std::string, double>> quench_s;
    //! Explicit back-transfer rate [s^-1]; when empty, detailed balance (spec section 3) is used.
    std::optional<double> kBT_s;
    LevelScheme scheme;
};

//! One [[transfer]] table: ion-to-ion energy transfer (s, d) -> (s', a').
struct IonTransferParams {
    std::string from_ion;
    std::string from_level;
    std::string to_ion;
    std::string to_level;
    //! true: `rate` is a bimolecular k_cm3_s (k_tr = k_cm3_s * N_s'); false: first-order k_s.
    bool bimolecular = false;
    double rate = 0.0;  //!< k_s [s^-1] or k_cm3_s [cm^3 s^-1], see `bimolecular`
};

//! [physics] table: physics beyond the contract, each switched on by its own key (all off by
//! default, so that a config without [physics] gives exactly the contract's equations).
struct PhysicsOptions {
    //! Ligand -> ion transfer with an energy-gap dependence (model::ligand_ion_factors): the
    //! overlap of the ligand's phosphorescence, a Gaussian of variance sigma^2 = 2 lambda k_B T
    //! Stokes-shifted to E_T - lambda (Marcus-Hush, high-temperature limit), with the accepting
    //! level (a line at E_a):
    //!     kTET_eff = kTET_s exp(-(E_T - E_a - lambda)^2 / (4 lambda k_B T)),
    //! sigma = FWHM / (2 sqrt(2 ln 2)), lambda = sigma^2 / (2 k_B T); kTET_s is the activationless
    //! maximum. The back-transfer is the mirror image (detailed balance uphill and downhill);
    //! kSET is left as it is.
    bool energy_gap_law = false;
    double tet_overlap_fwhm_eV = 0.30;  //!< [eV]
    //! Degeneracy factors in detailed balance:
    //!     kBT = kTET (N_L/N_s) (g_T Z_ground / g_a) exp(-(E_T - E_a)/k_B T)
    //! with g_T = 3 (triplet), g_a = 2J+1 of the accepting level and Z_ground the thermal
    //! partition function of the ground multiplet (model::ground_partition_function; J read from
    //! the level names, e.g. 5D4 -> 9, 4F3/2 -> 4).
    bool degeneracy = false;
    //! After a pulse, the polarons recombine bimolecularly (n = p, Langevin):
    //!     n_p(t) = n_p0 / (1 + k_L n_p0 t),  t from the end of the pulse,
    //! instead of dropping to zero at once (the contract's n_p at J = 0).
    bool polaron_decay = false;
};

//! 2J+1 of a spectroscopic level name ending in J ("5D4" -> 9, "4F3/2" -> 4, "2F7/2" -> 8);
//! 0 when the name does not end in an integer or half-integer J after a letter.
[[nodiscard]] double level_degeneracy(const std::string& name);

//! Everything the rate equations need: the validated model part of a config.
struct ModelParams {
    DeviceParams device;
    LigandParams ligand;
    std::vector<DopantParams> dopants;
    std::vector<IonTransferParams> transfers;
    PhysicsOptions physics;
};

//! Copies every number of `from` into `to`, which must have the same structure (dopants, levels,
//! lines, relaxations, quenching entries, transfers); names are left as they are. This is how a
//! sweep point's parameters reach a compiled model without copying strings.
void copy_numbers(const ModelParams& from, ModelParams& to);

//! Address of a numeric parameter by its dotted config key path, e.g. "device.outcoupling",
//! "dopant.1.kTET_s", "dopant.0.lines.1.rate_s", "dopant.0.quench_s.5D4", "transfer.0.k_cm3_s".
//! Returns nullptr when the path names no numeric model parameter. The pointer stays valid as
//! long as `params` is not restructured (vectors resized).
[[nodiscard]] double* find_parameter(ModelParams& params, const std::string& key_path);

}  // namespace relsim::model
