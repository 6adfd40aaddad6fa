//! @file config.hpp
//! Reading the `[nanocrystal]` table of a relsim config into a NanocrystalSpec (contract:
//! shared/spec/microscopic-model.md, section 6; keys, units and ranges: configs/README.md,
//! "Microscopic nanocrystal model"). The reader re-parses io::RunConfig::text (the verbatim
//! config), resolves "<Ion>:<level>" names against the config's [[dopant]] tables and validates
//! every `nanocrystal.*` sweep key and value. Errors are relsim::InputError naming the file,
//! line, column, dotted key and allowed range. No toml++ type appears here.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/nanocrystal/spec.hpp"

namespace relsim::nanocrystal {

//! A validated [nanocrystal] table and what `relsim check` prints about it.
struct NanocrystalConfig {
    NanocrystalSpec spec;
    //! Dopant ion names, index = species (the order of the [[dopant]] tables).
    std::vector<std::string> species;
    //! True when the config gives shells but no `radius_nm`: the radius is the outer radius of
    //! the last shell, and follows it in a sweep.
    bool radius_follows_shells = false;
    //! Every numeric nanocrystal parameter with its unit, origin and "file:line" (config order).
    std::vector<io::ResolvedParameter> resolved;
};

//! Reads and validates the [nanocrystal] table of `config` (config.nanocrystal must be true).
//! Also checks every sweep key that starts with "nanocrystal." (it must name a numeric key of
//! this table and every value must be in range) and every sweep point's geometry (shells
//! increasing, compositions summing to at most 1, cutoffs within half a periodic box).
//! @throws relsim::InputError
[[nodiscard]] NanocrystalConfig read_config(const io::RunConfig& config);

//! Value of the numeric key `key_path` ("nanocrystal.radius_nm", "nanocrystal.shell.0.
//! composition.Eu", "nanocrystal.ligand.kTET0_s.Tb", "nanocrystal.transfer.0.C_nm_s", ...) in
//! `spec`; nullopt when the path names no numeric key of this spec. Integers (count, seed,
//! points, multipolarity, cells.<i>) are returned as doubles.
[[nodiscard]] std::optional<double> get_parameter(const NanocrystalSpec& spec,
                                                  const std::vector<std::string>& species,
                                                  const std::string& key_path);
//! As get_parameter, without copying `spec`: the lookup may extend its composition vectors to the
//! species count (with zeros, which read as 0). For many lookups in one spec (the resolved table
//! of a config with thousands of shells was quadratic, issue 21 item 13).
[[nodiscard]] std::optional<double> get_parameter_in(NanocrystalSpec& spec,
                                                     const std::vector<std::string>& species,
                                                     const std::string& key_path);

//! Sets the numeric key `key_path` of `spec` (as get_parameter names them); false when the path
//! names no numeric key. The value is not range-checked here (read_config checked every sweep
//! value); integers are rounded. A sweep point's parameters are set this way.
bool set_parameter(NanocrystalSpec& spec, const std::vector<std::string>& species,
                   const std::string& key_path, double value);

//! Registers the [nanocrystal] table with io (relsim/io/config_registry.hpp): its name and the
//! swept `nanocrystal.*` keys, which read_config checks. Call once at program start (src/app
//! main, the Python module, the tests' main).
void register_config_tables();

//! Unit of a nanocrystal key path ("nm", "s^-1", "nm^6 s^-1" for C_nm_s of s = 6, ...), "" when
//! the path is no numeric nanocrystal key.
[[nodiscard]] std::string parameter_unit(const std::string& key_path);

//! "" when the geometry of `spec` is consistent (shells strictly increasing, or of thickness_nm
//! >= 0, ending at the radius, every composition summing to at most 1, every cutoff within half the
//! periodic box); otherwise the problem. read_config applies it to the config and to every sweep
//! point.
[[nodiscard]] std::string geometry_problem(const NanocrystalSpec& spec);

//! Re-derives what follows other keys after a sweep point set some of them: the outer radius of
//! every thickness_nm shell, and the radius from the last shell when
//! `config.radius_follows_shells`.
void derive(const NanocrystalConfig& config, NanocrystalSpec& spec);

//! "<Ion>:<level>" of a level reference ("<Ion>:ground" for the ground multiplet).
[[nodiscard]] std::string level_name(const model::ModelParams& params, const LevelRef& ref);

//! The allowed-range text of a nanocrystal key path ("" when it is none), and the problem with
//! `value` for it ("" when allowed).
[[nodiscard]] std::string check_parameter_value(const std::string& key_path, double value,
                                                std::string& allowed);

}  // namespace relsim::nanocrystal
