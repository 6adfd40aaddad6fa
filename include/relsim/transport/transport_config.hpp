// Reader of the [transport] table (../shared/spec/transport.md section 3).
#pragma once

#include <optional>
#include <string>

#include "relsim/transport/drift_diffusion.hpp"

namespace relsim::io {
struct RunConfig;
}  // namespace relsim::io

namespace relsim::transport {

struct TransportConfig {
    StackSpec stack;  // temperature from device.temperature_K (default 300)
    bool save_profiles = false;
    int profile_points = 400;  // positions per point of /transport/* (save_profiles)
    bool voltage_drive =
        true;  // device.voltage_V given (or swept); else device.current_density_mA_cm2
    double voltage_V = 0.0;    // device.voltage_V when given
    bool with_optics = false;  // an [optics] table: the slices are its emitters (checked to match)
    bool optics_from_top =
        false;  // the shared layers run down the optics stack (cathode on the substrate)
};

// Address of the sweepable [transport] number `key` in `spec` ("transport.anode_work_function_eV",
// "transport.layer.1.thickness_nm", ...), nullptr when the key names none.
double* find_stack_parameter(StackSpec& spec, const std::string& key);

// nullopt when the file has no [transport] table. Bad input throws relsim::InputError
// (file, line, column, key, problem, allowed range), which the CLI turns into exit 2: the
// table and layers, the [device] keys that are outputs with [transport], the drive keys
// (exactly one, given or swept), the transport.* and drive keys of [sweep] (names and every
// value; a layer's HOMO must lie below its LUMO for every swept value), the tables [transport]
// does not combine with yet ([transient]; [nanocrystal] with engine = "kmc" or an excitation;
// [lifetime] is checked by src/lifetime),
// and with [optics] that both stacks agree (the emitting layer by name, the thickness and order
// of the layers present in both, also when swept; no optics.zone_offset_nm or
// optics.emitter_slices).
std::optional<TransportConfig> read_transport_config(const std::string& text,
                                                     const std::string& path);

//! As above, from the document io::load_config parsed (the text is not parsed again).
std::optional<TransportConfig> read_transport_config(const io::RunConfig& config);

//! Registers the [transport] table with io (relsim/io/config_registry.hpp): its name and the
//! swept transport.* and device.voltage_V keys, which read_transport_config checks. Call once at
//! program start (src/app main, the Python module, the tests' main).
void register_config_tables();

}  // namespace relsim::transport
