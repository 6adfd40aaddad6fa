//! @file inventory.hpp
//! Rare-earth inventory of the emitting layer (shared/spec/lifetime-inventory.md section 4):
//! mass per area, per kilolumen (or per optical watt), ion turnover, cost.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "relsim/model/parameters.hpp"
#include "relsim/nanocrystal/spec.hpp"

namespace relsim::lifetime {

//! Avogadro constant [mol^-1] (exact, SI 2019 defining constant; BIPM SI Brochure 9th ed.).
inline constexpr double avogadro_mol = 6.02214076e23;

//! Standard atomic weight [g mol^-1] of a lanthanide (plus Y, Sc) by symbol: IUPAC/CIAAW
//! standard atomic weights 2021 (Prohaska et al., Pure Appl. Chem. 94, 573 (2022)), the
//! conventional single value. nullopt for a symbol not in the table.
[[nodiscard]] std::optional<double> atomic_weight_g_mol(const std::string& ion);

//! mg per m^2 of `density_cm3` ions in a layer of `thickness_nm`:
//!   N [cm^-3] * d [cm] * M / N_A  [g cm^-2]  * 1e4 [cm^2 m^-2] * 1e3 [mg g^-1].
[[nodiscard]] double mass_mg_m2(double density_cm3, double thickness_nm, double molar_mass_g_mol);

struct SpeciesInventory {
    std::string ion;
    double mg_m2 = 0.0;
    double mg_per_klm = 0.0;      //!< 0 (and not published) when photometry is not meaningful
    double mg_per_W = 0.0;        //!< per watt of optical output (pi * radiance); always
    double turnover_per_s = 0.0;  //!< photons emitted inside the device per ion per second
    //! The radiative rate of its emitting level (the ceiling of the turnover: photons per ion per
    //! second at full inversion): the level that emits most photons at this point (largest
    //! A_j N_j) when populations are given, else the largest total radiative rate of any level.
    double radiative_ceiling_s = 0.0;
    double price_usd_per_kg = -1.0;  //!< < 0: no price given
};

struct Inventory {
    std::vector<SpeciesInventory> species;
    bool photometric = false;  //!< mg per klm meaningful
    bool has_cost = false;     //!< every species with N_s > 0 has a price
    double cost_usd_m2 = 0.0;
    double cost_usd_per_klm = 0.0;
};

//! Per-point device figures the inventory needs.
struct InventoryPoint {
    double luminance_cd_m2 = 0.0;
    double radiance_W_sr_m2 = 0.0;
    bool photometry_meaningful = true;
    std::vector<double> species_photon_rate_cm3_s;  //!< per dopant, inside the device
    //! Optional: [dopant][level of its scheme] populations [cm^-3] (picks the emitting level).
    std::vector<std::vector<double>> level_population_cm3;
};

//! The inventory of one point. `prices` by ion symbol [USD kg^-1] (empty: no cost).
//! Luminous exitance of a Lambertian emitter: pi L [lm m^-2]; optical exitance pi * radiance.
//! @throws std::invalid_argument for an ion without a standard atomic weight.
[[nodiscard]] Inventory compute_inventory(const model::ModelParams& params, double eml_thickness_nm,
                                          const InventoryPoint& point,
                                          const std::map<std::string, double>& prices);

//! Microscopic model: the mean number of ions of each species per NC, counted on the lattice
//! of every NC of the ensemble (nanocrystal::build_geometry of NCs 0 .. spec.count - 1, the
//! NCs the engines simulate). `num_species` entries. The layer density of species s is then
//! mean_ions[s] x spec.nc_density_cm3, and <Ion>_mg_m2 follows from mass_mg_m2 with it.
[[nodiscard]] std::vector<double> mean_ions_per_nc(const nanocrystal::NanocrystalSpec& spec,
                                                   std::size_t num_species);

}  // namespace relsim::lifetime
