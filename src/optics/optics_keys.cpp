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

}  // namespace

void register_config_tables() {
    io::ConfigTables t;
    t.module = "optics";
    t.tables = {"optics"};
    t.sweep_prefixes = {"optics."};
    t.knows_swept_key = &knows_key;
    t.check_swept_value = &check_value;
    t.unit = &unit_of;
    for (const auto& r : detail::kOpticsRules) t.keys.emplace_back(r.pattern);
    io::register_config_tables(std::move(t));
}

}  // namespace relsim::optics
