//! @file optics_keys.cpp
//! Registration of the [optics] table with io (relsim/io/config_registry.hpp): io accepts the
//! table, hands the swept `optics.*` keys to this module and checks their values with its rules.
#include <string>

#include "optics_keys.hpp"
#include "relsim/io/config_registry.hpp"
#include "relsim/optics/device_optics.hpp"

namespace relsim::optics {
namespace {

bool knows_key(const std::string& key) { return detail::find_optics_rule(key) != nullptr; }

std::string check_value(const std::string& key, double value, std::string& allowed) {
    const io::detail::ParamRule* r = detail::find_optics_rule(key);
    if (!r) {
        allowed.clear();
        return "'" + key + "' is not a numeric parameter key";
    }
    allowed = io::detail::range_text(*r);
    return io::detail::check_rule(*r, value);
}

std::string unit_of(const std::string& key) {
    const io::detail::ParamRule* r = detail::find_optics_rule(key);
    return r ? std::string(r->unit) : std::string();
}

//! The [optics] block of `relsim init` (config_registry.hpp, ConfigTables::starting_block); the
//! numbers are those of configs/optics/paper_device.toml, where each carries its source.
constexpr const char* kStartingBlock =
    R"(## Optional [optics] (docs/optics.md): a thin-film stack replaces device.outcoupling with
## per-line Purcell factors and the extraction of each slice of the zone. To add it, delete the
## leading "# " of each line below (materials: data/materials in the relsim source tree).
# [optics]
# substrate = "glass"            # incoherent glass substrate
# substrate_n = 1.52             # its refractive index
# emitting_layer = "EML"         # the layer that holds the recombination zone
# zone_offset_nm = 5.0           # zone start above the EML's lower interface (nm)
# emitter_slices = 5             # slices of the zone, each with its own optics
# [[optics.layer]]               # layers from the substrate up
# name = "ITO"
# thickness_nm = 100.0
# material = "ITO"
# [[optics.layer]]
# name = "HTL"
# thickness_nm = 40.0
# material = "TAPC"
# [[optics.layer]]
# name = "EML"
# thickness_nm = 30.0            # must hold zone_offset_nm + device.recombination_zone_nm
# material = "CzPPOA"
# [[optics.layer]]
# name = "ETL"
# thickness_nm = 40.0
# material = "TPBi"
# [[optics.layer]]
# name = "cathode"               # no thickness: semi-infinite
# material = "Al"
)";

}  // namespace

void register_config_tables() {
    io::ConfigTables t;
    t.module = "optics";
    t.tables = {"optics"};
    t.sweep_prefixes = {"optics."};
    t.knows_swept_key = &knows_key;
    t.check_swept_value = &check_value;
    t.unit = &unit_of;
    t.starting_block = kStartingBlock;
    for (const auto& r : detail::kOpticsRules) t.keys.emplace_back(r.pattern);
    io::register_config_tables(std::move(t));
}

}  // namespace relsim::optics
