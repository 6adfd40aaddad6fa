//! @file stack_optics.hpp
//! The [optics] stage of the device-point pipeline (shared/spec/optics.md): per-line Purcell
//! factors and per-band extraction into air of each emitter slice, from the thin-film stack
//! parsed once (optics::DeviceOptics). Also what every user of [optics] needs to read the
//! table the same way (the checks of the wavelengths and zones a run uses).
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/model/parameters.hpp"
#include "relsim/optics/device_optics.hpp"
#include "relsim/pipeline/bands.hpp"
#include "relsim/pipeline/pipeline.hpp"

namespace relsim::pipeline {

//! Every wavelength a config needs from the material tables: the spectrum grid, the band
//! centres and every swept wavelength.
[[nodiscard]] std::vector<double> optics_wavelengths(const io::RunConfig& config);

//! What the [optics] reader checks for this config (wavelengths, zones, swept keys).
[[nodiscard]] optics::OpticsChecks optics_checks(const io::RunConfig& config);

//! The config's [optics] stack with its materials loaded; nullopt without an [optics] table.
//! Throws relsim::InputError (file, line, key, allowed range) on a bad table.
[[nodiscard]] std::optional<optics::DeviceOptics> read_stack(const io::RunConfig& config);

//! The [optics] stage (table "optics"). A slice at position z (from the bottom of the zone)
//! sits at optics.zone_offset_nm + z in the emitting layer. For the uniform profile's slices
//! (the positions of DeviceOptics::positions_nm) the factors are those of
//! DeviceOptics::powers, bit for bit the numbers `relsim run` uses; other positions (a
//! transport profile) are computed at the exact position. Factors are cached (keyed by every
//! number they depend on: band wavelengths, zone, stack), so a fit or sweep that changes only
//! kinetic parameters computes them once. Thread-safe.
[[nodiscard]] std::shared_ptr<const OpticsStage> make_stack_optics(optics::DeviceOptics stack);

}  // namespace relsim::pipeline
