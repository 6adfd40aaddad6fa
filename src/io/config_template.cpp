//! @file config_template.cpp
#include "relsim/io/config_template.hpp"

#include "relsim/io/config_registry.hpp"

namespace relsim::io {
namespace {

// The numbers are those of configs/tb_device.toml, where each carries its source.
constexpr const char* kTemplate =
    R"(# relsim starting config (written by `relsim init`). Every key, unit and range:
# configs/README.md in the relsim source tree. Check it with `relsim check THIS.toml`,
# run it with `relsim run THIS.toml -o OUT.h5`, override a key without editing with
# `relsim run THIS.toml --set device.outcoupling=0.25`.
# The numbers are those of configs/tb_device.toml (a NaGdF4:Tb nanocrystal device, Nature 2025,
# doi:10.1038/s41586-025-09717-1), where each one's source is given.

title = "@TITLE@"

[device]
current_density_mA_cm2 = 10.0   # J (mA cm^-2); the sweep below replaces it
recombination_zone_nm = 20.0    # width w of the recombination zone (nm)
charge_balance = 1.0            # gamma, fraction of injected charge that recombines, (0, 1]
singlet_fraction = 0.25         # chi, spin statistics
outcoupling = 0.20              # fraction of photons leaving the device, (0, 1]
temperature_K = 300.0           # sets back-transfer by detailed balance
langevin_cm3_s = 1.0e-10        # Langevin recombination constant k_L (cm^3 s^-1)

[ligand]                        # the organic ligand shell where excitons form
density_cm3 = 7.5e20            # ligand sites per cm^3 of the layer
triplet_energy_eV = 2.90        # ligand T1 energy (eV)
kS_rad_s = 1.0e8                # singlet radiative rate (s^-1)
kS_nr_s = 1.0e8                 # singlet nonradiative rate (s^-1)
k_isc_s = 1.0e11                # intersystem crossing S1 -> T1 (s^-1)
kT_rad_s = 1.0e2                # triplet radiative rate (s^-1)
kT_nr_s = 1.0e4                 # triplet nonradiative rate (s^-1)
kTT_cm3_s = 1.0e-12             # triplet-triplet annihilation (cm^3 s^-1)
kTP_cm3_s = 4.0e-13             # triplet-polaron quenching (cm^3 s^-1)

[[dopant]]                      # one lanthanide species; add more [[dopant]] tables for co-doping
ion = "Tb"                      # level scheme from the ion library (`relsim ions` lists them)
density_cm3 = 2.76e21           # ions per cm^3 of the layer
accepting_level = "5D4"         # the level that ligand triplets feed
kTET_s = 2.0e9                  # ligand triplet -> ion transfer rate (s^-1)
quench_s = { "5D4" = 430.0 }    # extra nonradiative loss of a level (s^-1)
# kBT_s is left to detailed balance

[spectrum]
from_nm = 350.0
to_nm = 800.0
step_nm = 0.5

[sweep]                         # remove this table for one point
[[sweep.axis]]
key = "device.current_density_mA_cm2"   # any numeric key path can be swept
log_from = 1.0e-2
to = 1.0e3
points = 21

# [transient]                   # a pulse at every point: uncomment to add
# pulse_current_density_mA_cm2 = 10.0
# pulse_on_s = 5.0e-3
# off_s = 2.0e-2
)";

}  // namespace

std::string starting_config_text(const std::string& title) {
    std::string text = kTemplate;
    std::string safe;
    for (char c : title) {
        if (c == '"' || c == '\\') safe += '\\';
        if (c != '\n') safe += c;
    }
    text.replace(text.find("@TITLE@"), 7, safe);
    // The optional tables of the modules above io, each as its module registered it.
    for (const ConfigTables& m : registered_config_tables()) {
        if (!m.starting_block.empty()) text += "\n" + m.starting_block;
    }
    return text;
}

}  // namespace relsim::io
