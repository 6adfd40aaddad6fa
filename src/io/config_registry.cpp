//! @file config_registry.cpp
//! The registry of the config tables of the modules above io (config_registry.hpp).
#include "relsim/io/config_registry.hpp"

#include <algorithm>
#include <mutex>
#include <utility>

namespace relsim::io {
namespace {

std::mutex& registry_mutex() {
    static std::mutex m;
    return m;
}

std::vector<ConfigTables>& registry() {
    static std::vector<ConfigTables> v;
    return v;
}

}  // namespace

void register_config_tables(ConfigTables tables) {
    const std::lock_guard<std::mutex> lock(registry_mutex());
    auto& v = registry();
    const auto it = std::find_if(v.begin(), v.end(),
                                 [&](const ConfigTables& t) { return t.module == tables.module; });
    if (it != v.end()) {
        *it = std::move(tables);
    } else {
        v.push_back(std::move(tables));
    }
}

std::vector<ConfigTables> registered_config_tables() {
    const std::lock_guard<std::mutex> lock(registry_mutex());
    return registry();
}

}  // namespace relsim::io
