//! Rare-earth inventory arithmetic (shared/spec/lifetime-inventory.md section 4) against values
//! worked by hand, and the inventory of a `relsim run` result file.
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "relsim/io/config.hpp"
#include "relsim/lifetime/inventory.hpp"
#include "relsim/nanocrystal/config.hpp"

using namespace relsim;

namespace {

model::DopantParams dopant(const std::string& ion, double N) {
    model::DopantParams d;
    d.ion = ion;
    d.density_cm3 = N;
    d.scheme.levels = {{"5D4", 20500.0}, {"5D3", 26300.0}};
    d.scheme.lines = {{"5D4", "7F5", 100.0, 544.0, 8.0},
                      {"5D4", "7F6", 80.0, 489.0, 8.0},
                      {"5D3", "7F5", 50.0, 415.0, 8.0}};
    return d;
}

}  // namespace

TEST_CASE("inventory: mass per area, per klm, turnover and cost by hand", "[lifetime][inventory]") {
    // Hand arithmetic (Tb, N = 1.6e21 cm^-3, d = 20 nm = 2e-6 cm):
    //   ions per m^2 = 1.6e21 x 2e-6 x 1e4 = 3.2e19; / N_A (6.02214076e23) = 5.3137250e-5 mol m^-2
    //   x 158.925354 g mol^-1 (IUPAC 2021) = 8.4448563e-3 g m^-2 = 8.4448563 mg m^-2
    //   L = 1000 cd m^-2 -> luminous exitance pi L = 3141.59 lm m^-2 = 3.14159 klm m^-2
    //   -> 8.4448563 / 3.14159 = 2.6880812 mg klm^-1
    //   price 1500 USD kg^-1 -> 8.4448563e-6 kg x 1500 = 0.012667284 USD m^-2
    CHECK(std::abs(lifetime::mass_mg_m2(1.6e21, 20.0, 158.925354) / 8.444856290605868 - 1.0) <
          1e-14);
    model::ModelParams p;
    p.dopants = {dopant("Tb", 1.6e21), dopant("Eu", 0.0)};
    lifetime::InventoryPoint ip;
    ip.luminance_cd_m2 = 1000.0;
    ip.radiance_W_sr_m2 = 2.0;
    ip.species_photon_rate_cm3_s = {1.6e22, 0.0};  // 10 photons per Tb per s
    const std::map<std::string, double> prices{{"Tb", 1500.0}};
    const lifetime::Inventory inv = lifetime::compute_inventory(p, 20.0, ip, prices);
    REQUIRE(inv.species.size() == 2);
    const auto& tb = inv.species[0];
    CHECK(std::abs(tb.mg_m2 / 8.444856290605868 - 1.0) < 1e-12);
    CHECK(std::abs(tb.mg_per_klm / 2.688081244701223 - 1.0) < 1e-12);
    CHECK(std::abs(tb.mg_per_W / (8.444856290605868 / (M_PI * 2.0)) - 1.0) < 1e-12);
    CHECK(tb.turnover_per_s == 10.0);
    CHECK(tb.radiative_ceiling_s == 180.0);  // no populations: the largest, 5D4: 100 + 80 (5D3: 50)
    ip.level_population_cm3 = {{1e10, 1e12}, {}};  // 5D3 emits most (50 x 1e12 > 180 x 1e10)
    CHECK(lifetime::compute_inventory(p, 20.0, ip, prices).species[0].radiative_ceiling_s == 50.0);
    ip.level_population_cm3 = {{1e12, 1e10}, {}};  // 5D4 emits most
    CHECK(lifetime::compute_inventory(p, 20.0, ip, prices).species[0].radiative_ceiling_s == 180.0);
    ip.level_population_cm3.clear();
    CHECK(inv.species[1].mg_m2 == 0.0);
    CHECK(inv.has_cost);  // Eu has N = 0: no price needed
    CHECK(std::abs(inv.cost_usd_m2 / (8.444856290605868e-6 * 1500.0) - 1.0) < 1e-12);
    CHECK(std::abs(inv.cost_usd_per_klm / (8.444856290605868e-6 * 1500.0 / M_PI) - 1.0) < 1e-12);

    // Two species, 30 nm, both priced: Eu 4e20 cm^-3 -> 4e20 x 3e-6 x 1e4 / N_A x 151.964 g/mol
    // = 3.0281059 mg m^-2; Tb at 30 nm = 1.5 x 8.4448563 = 12.667284 mg m^-2;
    // cost = 12.667284e-6 x 1500 + 3.0281059e-6 x 300 = 0.019909 USD m^-2.
    p.dopants[1].density_cm3 = 4e20;
    const lifetime::Inventory two =
        lifetime::compute_inventory(p, 30.0, ip, {{"Tb", 1500.0}, {"Eu", 300.0}});
    CHECK(std::abs(two.species[1].mg_m2 / 3.028105905648077 - 1.0) < 1e-12);
    CHECK(std::abs(two.species[0].mg_m2 / (1.5 * 8.444856290605868) - 1.0) < 1e-12);
    CHECK(std::abs(two.cost_usd_m2 /
                       (1.5 * 8.444856290605868e-6 * 1500 + 3.028105905648077e-6 * 300) -
                   1.0) < 1e-12);
    // A used species without a price: no cost at all (no default prices).
    CHECK_FALSE(lifetime::compute_inventory(p, 30.0, ip, {{"Tb", 1500.0}}).has_cost);
    // NIR: no mg per klm.
    ip.photometry_meaningful = false;
    const lifetime::Inventory nir = lifetime::compute_inventory(p, 20.0, ip, {});
    CHECK_FALSE(nir.photometric);
    CHECK(nir.species[0].mg_per_klm == 0.0);
    CHECK(nir.species[0].mg_per_W > 0.0);
    CHECK_FALSE(nir.has_cost);
    CHECK(lifetime::atomic_weight_g_mol("Yb").value() == 173.045);
    CHECK_FALSE(lifetime::atomic_weight_g_mol("Zz"));
}

TEST_CASE("inventory of the microscopic model: ions counted on a small NC by hand",
          "[lifetime][inventory]") {
    // Simple cubic lattice a = 0.4 nm, sphere R = 0.45 nm: the centre site and its 6 nearest
    // neighbours at 0.4 nm lie inside, the 12 next at 0.566 nm do not: 7 sites per NC. With
    // Tb = 1.0 every site is Tb: 7 Tb per NC. At nc_density 1e18 cm^-3 and d = 20 nm:
    //   N = 7e18 cm^-3 -> 7e18 x 2e-6 cm x 1e4 / N_A x 158.925354 x 1e3 = 0.0369462 mg m^-2.
    // Tb = 0.5, Eu = 0.5: random occupation, but every site is doped, so Tb + Eu = 7 per NC.
    // A periodic box of 2 x 2 x 2 simple cubic cells holds 8 sites.
    const std::string base = R"(title = "nc inventory"
[device]
current_density_mA_cm2 = 10.0
[ligand]
density_cm3 = 2.6e20
triplet_energy_eV = 2.9
[[dopant]]
ion = "Tb"
density_cm3 = 1.0e21
accepting_level = "5D4"
kTET_s = 2.0e9
ground = ["7F6", "7F5"]
levels = [ { name = "5D4", energy_cm1 = 20500.0 } ]
lines = [ { from = "5D4", to = "7F5", rate_s = 180.0, wavelength_nm = 544.0, fwhm_nm = 8.0 } ]
[[dopant]]
ion = "Eu"
density_cm3 = 1.0e20
accepting_level = "5D0"
kTET_s = 0.0
ground = ["7F1", "7F2"]
levels = [ { name = "5D0", energy_cm1 = 17300.0 } ]
lines = [ { from = "5D0", to = "7F2", rate_s = 100.0, wavelength_nm = 615.0, fwhm_nm = 5.0 } ]
[nanocrystal]
lattice = "simple_cubic"
a_nm = 0.4
count = 10
nc_density_cm3 = 1.0e18
)";
    auto spec_of = [&](const std::string& tail) {
        const io::RunConfig cfg = io::load_config_text(
            base + tail + "[nanocrystal.excitation]\ntarget = \"Tb:5D4\"\n", "nc.toml");
        return nanocrystal::read_config(cfg).spec;
    };
    const nanocrystal::NanocrystalSpec pure =
        spec_of("shape = \"sphere\"\nradius_nm = 0.45\ncomposition = { Tb = 1.0 }\n");
    const std::vector<double> n1 = lifetime::mean_ions_per_nc(pure, 2);
    CHECK(n1[0] == 7.0);
    CHECK(n1[1] == 0.0);
    CHECK(std::abs(lifetime::mass_mg_m2(n1[0] * pure.nc_density_cm3, 20.0, 158.925354) /
                       0.036946246271400675 -
                   1.0) < 1e-12);
    const nanocrystal::NanocrystalSpec mixed =
        spec_of("shape = \"sphere\"\nradius_nm = 0.45\ncomposition = { Tb = 0.5, Eu = 0.5 }\n");
    const std::vector<double> n2 = lifetime::mean_ions_per_nc(mixed, 2);
    CHECK(n2[0] + n2[1] == 7.0);
    CHECK(n2[0] > 0.0);
    CHECK(n2[1] > 0.0);
    const nanocrystal::NanocrystalSpec box =
        spec_of("shape = \"periodic_box\"\ncells = [2, 2, 2]\ncomposition = { Tb = 1.0 }\n");
    CHECK(lifetime::mean_ions_per_nc(box, 2)[0] == 8.0);
}
