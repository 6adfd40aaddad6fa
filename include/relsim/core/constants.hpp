//! @file constants.hpp
//! Physical constants. Exact values are the SI 2019 defining constants (BIPM, SI Brochure,
//! 9th ed., 2019); k_B in eV/K follows from them (CODATA 2018, NIST SP 961).
#pragma once

namespace relsim::constants {

//! Elementary charge [C] (exact, SI 2019).
inline constexpr double elementary_charge_C = 1.602176634e-19;
//! Planck constant [J s] (exact, SI 2019).
inline constexpr double planck_J_s = 6.62607015e-34;
//! Speed of light in vacuum [m s^-1] (exact, SI 2019).
inline constexpr double speed_of_light_m_s = 299792458.0;
//! Boltzmann constant [eV K^-1] = 1.380649e-23 J/K / e (CODATA 2018).
inline constexpr double boltzmann_eV_K = 8.617333262e-5;
//! 1 eV in cm^-1 = e / (h c * 100) (CODATA 2018: 8065.543937... cm^-1).
inline constexpr double eV_in_cm1 = elementary_charge_C / (planck_J_s * speed_of_light_m_s * 100.0);
//! Maximum luminous efficacy of photopic vision K_m [lm W^-1] (CIE 015:2018; 683 lm/W at
//! 540 THz defines the candela, K_m = 683.002 lm/W for the CIE 1931 V(lambda) table).
inline constexpr double max_luminous_efficacy_lm_W = 683.002;
//! Photon energy h c / lambda for lambda = 1 nm [J nm].
inline constexpr double photon_energy_J_nm = planck_J_s * speed_of_light_m_s * 1.0e9;

}  // namespace relsim::constants
