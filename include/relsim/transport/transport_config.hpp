// Reader of the [transport] table (../shared/spec/transport.md section 3).
#pragma once

#include <optional>
#include <string>

#include "relsim/transport/drift_diffusion.hpp"

namespace relsim::transport {

struct TransportConfig {
  StackSpec stack;            // temperature from device.temperature_K (default 300)
  bool save_profiles = false;
};

// nullopt when the file has no [transport] table. Bad input throws relsim::InputError
// (file, line, column, key, problem, allowed range), which the CLI turns into exit 2.
std::optional<TransportConfig> read_transport_config(const std::string& text, const std::string& path);

}  // namespace relsim::transport
