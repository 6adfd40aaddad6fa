//! @file config_registry.hpp
//! Who owns which config table (issue 18, "parse once"). io reads the tables of the mean-field
//! model ([device], [ligand], [[dopant]], [[transfer]], [spectrum], [transient], [sweep], [bands],
//! [physics], [output]); every module above io (optics, nanocrystal, transport, lifetime)
//! registers its own tables here: their names (so that io's unknown-table check accepts them),
//! the sweep-key prefixes it owns (so that io hands a swept key to its owner instead of naming
//! the modules), a check of a swept key and value, the units of its sweepable keys (/axes, fit
//! files) and its known keys (did-you-mean). io itself names no table of a module above it.
//!
//! Registration is explicit, once, at program start: each module has one
//! `relsim::<module>::register_config_tables()`, called from src/app (main), the Python module and
//! the tests' main (static-initialiser registration would be dropped by the linker from static
//! libraries). Registering a module again replaces its entry. No toml++ type appears here.
//! docs/architecture.md, "Config tables: who owns what", lists the modules and their tables.
#pragma once

#include <string>
#include <vector>

namespace relsim::io {

//! Unit of a numeric sweepable key path that the module owns ("s^-1", "nm", "1"), "" otherwise.
using UnitLookup = std::string (*)(const std::string& key_path);
//! Whether `key_path` (under one of the module's sweep prefixes) is a sweepable key of the module.
using SweptKeyKnown = bool (*)(const std::string& key_path);
//! Checks one swept value: "" when allowed, otherwise the problem; `allowed` receives the range.
using SweptValueCheck = std::string (*)(const std::string& key_path, double value,
                                        std::string& allowed);

//! A key of one of io's tables that a module supplies itself when the config has its table:
//! io then does not require it (the transport stack solves the current; the nanocrystal lattice
//! sets the dopant densities).
struct SuppliedKey {
    std::string when_table;  //!< dotted table path that must be present ("nanocrystal.excitation")
    std::string key;  //!< io's key pattern ("device.current_density_mA_cm2", "dopant.*.kTET_s")
    bool zero_is_absent = false;  //!< a value of exactly 0 counts as absent (not range-checked)
};

//! A key of one of io's tables that only this module reads: allowed only with one of the
//! module's tables (io reports it otherwise, with `problem` and `allowed`).
struct ModuleOnlyKey {
    std::string key;  //!< "device.voltage_V"
    std::string problem;
    std::string allowed;
};

//! One of io's tables or keys that the module does not combine with: a config with both is
//! refused (exit 2, the message names both). In `problem` and `allowed`, "{table}" stands for
//! the module's table that the config has.
struct TableRefusal {
    std::string table;  //!< io's table or dotted key ("output", "output.results")
    std::string problem;
    std::string allowed;
};

//! One module's config tables.
struct ConfigTables {
    std::string module;               //!< "optics", "nanocrystal", "transport", "lifetime"
    std::vector<std::string> tables;  //!< top-level tables the module reads ("lifetime", ...)
    //! Sweep keys the module owns: an entry ending in '.' is a prefix ("optics."), any other
    //! entry one exact key ("device.voltage_V").
    std::vector<std::string> sweep_prefixes;
    //! true: the module owns its sweep keys only when the config has one of `tables` (without
    //! it io reports the key as no parameter of this config); false: always.
    bool sweep_needs_table = false;
    //! nullptr: every key under the prefixes is the module's to check when it reads its table
    //! (after io::load_config). Otherwise a key it does not know is reported by io.
    SweptKeyKnown knows_swept_key = nullptr;
    //! nullptr: the module checks the swept values when it reads its table; otherwise io checks
    //! every swept value with it while reading [sweep] (and io::check_parameter_value answers
    //! with it).
    SweptValueCheck check_swept_value = nullptr;
    UnitLookup unit = nullptr;      //!< units of its sweepable keys (io::parameter_unit), or null
    std::vector<std::string> keys;  //!< its sweepable key paths, for did-you-mean
    //! Keys of io's tables that the module reads ("device.voltage_V"): io accepts them in its
    //! key checks and leaves them to the module.
    std::vector<std::string> io_table_keys;
    std::vector<SuppliedKey> supplies;           //!< io keys it supplies when its table is present
    std::vector<ModuleOnlyKey> only_with_table;  //!< of io_table_keys: only with its table
    std::vector<TableRefusal> refuses;           //!< io tables it does not combine with
    //! The module's tables as `relsim init` offers them: TOML whose every line is commented out
    //! with a leading "# ", after a header of lines starting "## " (config_template.cpp appends
    //! each module's block; deleting the "# " of its lines adds a valid table).
    std::string starting_block;
};

//! Registers (or replaces, by `module`) one module's tables. Thread-safe; call at program start.
void register_config_tables(ConfigTables tables);

//! Every registered module, in registration order.
[[nodiscard]] std::vector<ConfigTables> registered_config_tables();

//! The registered module that owns swept key `key_path`, given which top-level tables the config
//! has (`has_table(name)`); false when none does. On true, `owner` receives the module's entry.
template <typename HasTable>
bool swept_key_owner(const std::string& key_path, HasTable&& has_table, ConfigTables& owner) {
    for (ConfigTables& t : registered_config_tables()) {
        bool mine = false;
        for (const std::string& p : t.sweep_prefixes) {
            mine =
                mine || (!p.empty() && p.back() == '.' ? key_path.rfind(p, 0) == 0 : key_path == p);
        }
        if (!mine) continue;
        if (t.sweep_needs_table) {
            bool present = false;
            for (const std::string& name : t.tables) present = present || has_table(name);
            if (!present) continue;
        }
        owner = std::move(t);
        return true;
    }
    return false;
}

}  // namespace relsim::io
