//! @file config_parts.hpp  (private to src/io)
//! The parts of the config loader that live in their own files, called by ConfigReader
//! (config.cpp):
//!   ion level schemes: inline [[dopant]] schemes and ion files      (config_ion_scheme.cpp)
//!   [sweep]: axes, random samples, sweep-key and value checks       (config_sweep.cpp)
//!   the [device] / [ligand] parameter tables, the resolved-parameter
//!   list, check_parameter_value() and parameter_unit()              (config_parameters.cpp)
#pragma once

#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "relsim/io/config.hpp"
#include "toml_reader.hpp"

namespace relsim::io::detail {

//! Origin and "file:line" of every numeric model parameter, by key path.
using Origins = std::map<std::string, std::pair<model::Origin, std::string>>;

// --- config_ion_scheme.cpp ----------------------------------------------------------------------

//! The excited levels of a scheme as list text, for messages.
[[nodiscard]] std::string excited_list(const model::LevelScheme& s);

//! The excited level `name` of a scheme, or nullptr.
[[nodiscard]] const model::Level* find_level(const model::LevelScheme& s, const std::string& name);

//! Reads the level scheme of the [[dopant]] table `t` (key path `prefix`) into d.scheme: the
//! inline scheme when the table has `levels`, otherwise the ion file (`ion_file`, relative to
//! the config directory `dir`, or `<ion>.toml` on the ion search path), whose path and text are
//! appended to `ion_files`. Records the origin of every number in `origins`.
void read_dopant_scheme(const Src& src, const std::filesystem::path& dir, const toml::table& t,
                        const std::string& prefix, const toml::node& ion_node,
                        model::DopantParams& d, Origins& origins,
                        std::vector<SourceFile>& ion_files);

// --- config_sweep.cpp ---------------------------------------------------------------------------

//! [sweep]: reads the table `t` (of the document `root`) into cfg.sweep, checking each key
//! against cfg.model (a key of a module above io: with the module registered in
//! config_registry.hpp) and each value against its range. Call after the model tables are read.
void read_sweep_table(const Src& src, const toml::table& root, const toml::table& t,
                      RunConfig& cfg);

// --- config_parameters.cpp ----------------------------------------------------------------------

//! One numeric key of [device] / [ligand] and where it goes in the model parameters.
struct DeviceField {
    std::string_view name;
    double model::DeviceParams::*member;
    bool required;
};
struct LigandField {
    std::string_view name;
    double model::LigandParams::*member;
    bool required;
};

//! The numeric keys of [device] and of [ligand], in the order they are read and listed.
[[nodiscard]] std::span<const DeviceField> device_fields();
[[nodiscard]] std::span<const LigandField> ligand_fields();

//! Fills cfg.resolved: every numeric model parameter with its value, unit and origin (from
//! `origins`, else the default).
void fill_resolved(RunConfig& cfg, const Origins& origins);

}  // namespace relsim::io::detail
