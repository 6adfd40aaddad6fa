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

//! The stage make_stack_optics returns, for a user that changes the stack between points (a
//! sweep of optics.* keys: `stack().find_parameter(key)`): `stack()` may be changed between
//! points by the one thread that owns this stage (the cache key holds every stack number, so a
//! changed stack is recomputed); slice_optics itself is thread-safe.
class StackOptics final : public OpticsStage {
public:
    explicit StackOptics(optics::DeviceOptics stack);
    ~StackOptics() override;
    [[nodiscard]] std::string table() const override { return "optics"; }
    void slice_optics(const Slice& slice, const model::ModelParams& params,
                      SliceOptics& out) const override;
    [[nodiscard]] optics::DeviceOptics& stack() { return optics_; }
    [[nodiscard]] const optics::DeviceOptics& stack() const { return optics_; }
    //! Factor tables computed so far (cache misses; tests).
    [[nodiscard]] long computations() const;

private:
    struct Cache;
    optics::DeviceOptics optics_;
    std::unique_ptr<Cache> cache_;
};

//! The [optics] stage for slices at arbitrary positions (the [transport] profile's slices,
//! docs/transport.md "With [optics]"): a slice at position z from the emitter's anode-side edge
//! sits at z (or, `from_top`, at the emitting layer's thickness - z: a stack whose cathode is on
//! the substrate side) above the bottom of the emitting layer; optics.zone_offset_nm and
//! optics.emitter_slices are not used (the caller refuses them). Each slice's factors are
//! optics::dipole_powers at that one position, per band (the same call as evaluating the dipole
//! model directly there), cached per (band wavelengths, stack numbers, position).
//! `stack()` may be changed between points (swept optics keys) by the one thread that owns this
//! stage; slice_optics itself is thread-safe.
class PositionedStackOptics final : public OpticsStage {
public:
    PositionedStackOptics(optics::DeviceOptics stack, bool from_top);
    ~PositionedStackOptics() override;
    [[nodiscard]] std::string table() const override { return "optics"; }
    void slice_optics(const Slice& slice, const model::ModelParams& params,
                      SliceOptics& out) const override;
    [[nodiscard]] optics::DeviceOptics& stack() { return optics_; }
    [[nodiscard]] const optics::DeviceOptics& stack() const { return optics_; }
    //! Position above the bottom of the emitting layer [nm] of a slice at `position_nm`.
    [[nodiscard]] double layer_position_nm(double position_nm) const;
    //! Factor computations so far (cache misses; tests).
    [[nodiscard]] long computations() const;

private:
    struct Cache;
    optics::DeviceOptics optics_;
    bool from_top_;
    std::unique_ptr<Cache> cache_;
};

}  // namespace relsim::pipeline
