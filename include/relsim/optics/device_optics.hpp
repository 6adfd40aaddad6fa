//! @file device_optics.hpp
//! The [optics] table of a config (shared/spec/optics.md section 3) and the device stack it
//! describes: material lookup, emitter positions across the recombination zone, and the dipole
//! factors of the emitters at any wavelength.
#pragma once

#include <complex>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "relsim/optics/dipole_emission.hpp"
#include "relsim/optics/material.hpp"

namespace relsim::io {
struct RunConfig;
}  // namespace relsim::io

namespace relsim::optics {

//! One [[optics.layer]] entry.
struct LayerSpec {
    std::string name;
    bool semi_infinite = false;  //!< the last layer (and the first with substrate = "none")
    double thickness_nm = 0.0;   //!< for thin layers
    std::string material;        //!< data/materials/<material>.csv; empty: constant n, k
    double n = 1.0, k = 0.0;     //!< constant index when `material` is empty
    int material_line = 0, material_column = 0;  //!< where the material / n was given
};

//! The whole [optics] table.
struct OpticsSpec {
    std::string file;             //!< config path (for messages)
    bool glass_substrate = true;  //!< substrate = "glass" (else "none")
    double substrate_n = 1.52;
    std::string emitting_layer;
    std::size_t emitting_index = 0;  //!< index into layers
    double zone_offset_nm = 0.0;     //!< bottom of the recombination zone above the layer's bottom
    int emitter_slices = 5;
    std::vector<LayerSpec> layers;  //!< substrate side first
};

//! What the reader checks the table against: every wavelength a run needs (the spectrum grid,
//! line and band centres, swept values), the recombination zone and swept optics keys.
struct OpticsChecks {
    std::vector<double> wavelengths_nm;
    std::vector<double> recombination_zone_nm;  //!< every value the run uses
    //! (key, values) of every swept key (optics.* are validated, others ignored).
    std::vector<std::pair<std::string, std::vector<double>>> swept;
};

//! Reads [optics] from a config's text; nullopt when the table is absent. Throws
//! relsim::InputError (file, line, column, key, problem, allowed range) on bad input: unknown
//! keys or material, a wavelength outside a table, negative thickness, an emitting layer that
//! is missing or absorbs, an emitter zone outside its layer.
[[nodiscard]] std::optional<OpticsSpec> read_optics_config(const std::string& text,
                                                           const std::string& path,
                                                           const OpticsChecks& checks);

//! As above, from the document io::load_config parsed (the text is not parsed again).
[[nodiscard]] std::optional<OpticsSpec> read_optics_config(const io::RunConfig& config,
                                                           const OpticsChecks& checks);

//! Registers the [optics] table with io (relsim/io/config_registry.hpp): its name, the swept
//! `optics.*` keys with their ranges and units. Call once at program start (src/app main, the
//! Python module, the tests' main).
void register_config_tables();

//! Whether a sweep key names an optics parameter (optics.layer.<i>.thickness_nm|n|k,
//! optics.zone_offset_nm, optics.substrate_n).
[[nodiscard]] bool is_optics_key(const std::string& key);

//! The stack of a spec with its materials loaded; numbers may change between sweep points
//! through find_parameter().
class DeviceOptics {
public:
    explicit DeviceOptics(OpticsSpec spec);

    [[nodiscard]] const OpticsSpec& spec() const noexcept { return spec_; }
    //! Address of a swept optics number, nullptr when `key` names none.
    [[nodiscard]] double* find_parameter(const std::string& key);
    //! The stack at one wavelength (the glass substrate as layer 0 when present).
    [[nodiscard]] StackAtWavelength stack_at(double wavelength_nm) const;
    //! Emitter positions [nm from the bottom of the emitting layer]: the centres of
    //! emitter_slices equal parts of the zone [zone_offset, zone_offset + zone_nm].
    [[nodiscard]] std::vector<double> positions_nm(double zone_nm) const;
    //! Dipole powers [wavelength][slice].
    [[nodiscard]] std::vector<std::vector<EmitterPowers>> powers(
        const std::vector<double>& wavelengths_nm, double zone_nm,
        const Accuracy& accuracy = {}) const;

private:
    OpticsSpec spec_;
    std::map<std::string, std::shared_ptr<const MaterialTable>> materials_;
};

}  // namespace relsim::optics
