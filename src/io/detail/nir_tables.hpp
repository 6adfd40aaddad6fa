//! @file nir_tables.hpp  (private to src/io)
//! Readers of the config tables added for NIR devices and reviewed physics, each in its own
//! file and called from ConfigReader::read() by one hook line:
//!   [bands]    named wavelength windows for the band-limited EQE   (bands_config.cpp)
//!   [physics]  physics options beyond the contract, all off by default (physics_config.cpp)
//!   dopant `lifetime_s` (a measured lifetime that sets the quenching) (physics_config.cpp)
//!   plausibility warnings on a whole config                        (plausibility.cpp)
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "relsim/io/config.hpp"
#include "toml_reader.hpp"

namespace relsim::io::detail {

//! [bands]: `name = [from_nm, to_nm]` entries, added to (or replacing by name) the defaults.
void read_bands_table(const Src& src, const toml::table& root, std::vector<model::NamedBand>& out);

//! [physics]: energy_gap_law, tet_overlap_fwhm_eV, degeneracy, polaron_decay.
void read_physics_table(const Src& src, const toml::table& root, RunConfig& cfg);

//! A dopant's `lifetime_s = { <level> = tau }`: a measured lifetime [s] of an excited level sets
//! its quenching Q = 1/tau - (A + R) of the level (lines and relaxations out of it). Errors when
//! tau is not positive, when 1/tau is below A + R (the level cannot live longer than its
//! radiative and nonradiative decay allow), or when quench_s lists the same level.
//! Appends (key path "dopant.<i>.quench_s.<level>", where-text) of each derived Q to `where`.
void read_lifetimes(const Src& src, const toml::table& dopant, const std::string& prefix,
                    model::DopantParams& d,
                    std::vector<std::pair<std::string, std::string>>& where);

//! [output]: results, line_rates, spectra, reduce (output_config.cpp). Call after [spectrum]
//! and [sweep] are read.
void read_output_table(const Src& src, const toml::table& root, RunConfig& cfg);

//! Warnings (not errors) for values that are in range but far from any physical material; each
//! message names the key and the tolerance. Appends to cfg.warnings.
void check_plausibility(RunConfig& cfg);

}  // namespace relsim::io::detail
