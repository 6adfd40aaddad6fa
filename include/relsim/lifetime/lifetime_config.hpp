//! @file lifetime_config.hpp
//! Reader of the [lifetime] and [inventory] tables and of `device.eml_thickness_nm`
//! (shared/spec/lifetime-inventory.md sections 2 and 4). Errors are relsim::InputError naming
//! file, line, column, key and allowed range (exit 2 in the CLI, nothing written).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "relsim/io/config.hpp"
#include "relsim/lifetime/lifetime.hpp"

namespace relsim::lifetime {

struct LifetimeConfig {
    std::optional<LifetimeSettings> lifetime;         //!< present when the config has [lifetime]
    std::map<std::string, double> prices_usd_per_kg;  //!< [inventory] price_usd_per_kg
    double eml_thickness_nm = 0.0;                    //!< emitting-layer thickness d
    std::string eml_thickness_origin;                 //!< where d came from (for `relsim check`)
    //! d is the default, the recombination-zone width: it follows device.recombination_zone_nm
    //! at every sweep point (eml_thickness_nm holds the config's base value).
    bool eml_thickness_is_zone = true;
    //! With [transport] (and no device.eml_thickness_nm): the key of the emissive layer's
    //! thickness, "transport.layer.<i>.thickness_nm", so that a sweep of it moves d per point.
    std::string eml_thickness_key;
};

//! Reads the tables from the config text. `recombination_zone_nm` is the default of d.
//! Refuses (InputError) [lifetime] together with [nanocrystal] (not supported in this version), a
//! `device.eml_thickness_nm` that disagrees with the [optics] emitting layer or the [transport]
//! emissive layer (or is set while a sweep moves the latter), [lifetime] with [transport] driven by
//! a voltage (device.voltage_V given or swept) or with [transport] and [optics] together (not in
//! this version), and any value out of range.
[[nodiscard]] LifetimeConfig read_lifetime_config(const std::string& text, const std::string& path,
                                                  double recombination_zone_nm);

//! As above for a loaded config, and checks its sweep keys `lifetime.<key>` (every [lifetime]
//! key but time_points, which sets the output shape): the table must exist and every swept value
//! must be in the key's range (InputError naming the line of the key in the file).
[[nodiscard]] LifetimeConfig read_lifetime_config(const io::RunConfig& cfg);

//! The settings of `base` with the `lifetime.<key>` values of flat sweep point `index` (row-major
//! over cfg.sweep's axes) applied.
[[nodiscard]] LifetimeSettings settings_at(const io::RunConfig& cfg, const LifetimeSettings& base,
                                           std::uint64_t index);

//! Unit of a sweepable `lifetime.<key>` ("cm^3 s^-1", "h", "1"), "" for any other key
//! (registered with io by register_config_tables() so that /axes carries it).
[[nodiscard]] std::string parameter_unit(const std::string& key_path);

//! Registers the [lifetime] and [inventory] tables with io (relsim/io/config_registry.hpp): the
//! table names, the swept `lifetime.*` keys (checked here, by read_lifetime_config(cfg)) and
//! their units. Call once at program start (src/app main, the Python module, the tests' main).
void register_config_tables();

}  // namespace relsim::lifetime
