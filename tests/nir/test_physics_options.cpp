//! @file test_physics_options.cpp
//! [physics] options against closed forms, and off by default (the contract unchanged).
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "relsim/core/constants.hpp"
#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/steady_state.hpp"
#include "relsim/solver/transient.hpp"

namespace rm = relsim::model;

namespace {

std::string tb_config(const std::string& physics) {
    return "[device]\ncurrent_density_mA_cm2 = 10.0\n"
           "[ligand]\ndensity_cm3 = 7.5e20\ntriplet_energy_eV = 2.9\n"
           "[[dopant]]\nion = \"Tb\"\ndensity_cm3 = 2.8e21\naccepting_level = \"5D4\"\nkTET_s = 2.0e9\n"
           "quench_s = { \"5D4\" = 60.0 }\n" +
           physics;
}

rm::CompiledSpecies species_of(const std::string& text) {
    const auto cfg = relsim::io::load_config_text(text, "physics.toml");
    return rm::RateModel(cfg.model).species().front();
}

}  // namespace

TEST_CASE("Physics options are off by default: kTET and kBT are the contract's, bit for bit",
          "[nir][physics]") {
    const auto plain = species_of(tb_config(""));
    const auto off = species_of(tb_config("[physics]\nenergy_gap_law = false\ndegeneracy = false\n"));
    CHECK(plain.kTET_s == 2.0e9);
    CHECK(off.kTET_s == plain.kTET_s);
    CHECK(off.kBT_s == plain.kBT_s);
    const double kT = relsim::constants::boltzmann_eV_K * 300.0;
    const double gap = 2.9 - 20500.0 / relsim::constants::eV_in_cm1;
    CHECK(plain.kBT_s == Approx(2.0e9 * (7.5e20 / 2.8e21) * std::exp(-gap / kT)).epsilon(1e-13));
}

TEST_CASE("Energy-gap law: kTET = kTET_s exp(-(E_T - E_a)^2 / (2 sigma^2)), detailed balance follows",
          "[nir][physics]") {
    const auto plain = species_of(tb_config(""));
    const auto gl = species_of(tb_config("[physics]\nenergy_gap_law = true\ntet_overlap_fwhm_eV = 0.25\n"));
    const double gap_eV = 2.9 - 20500.0 / relsim::constants::eV_in_cm1;  // 0.358 eV
    const double sigma = 0.25 / (2.0 * std::sqrt(2.0 * std::log(2.0)));
    const double factor = std::exp(-gap_eV * gap_eV / (2.0 * sigma * sigma));
    CHECK(gl.kTET_s == Approx(2.0e9 * factor).epsilon(1e-13));
    CHECK(gl.kBT_s / gl.kTET_s == Approx(plain.kBT_s / plain.kTET_s).epsilon(1e-13));
    // at resonance the factor is 1; a larger gap transfers more slowly (no more "higher is better")
    rm::PhysicsOptions on;
    on.energy_gap_law = true;
    CHECK(rm::tet_gap_factor(on, 20000.0, 20000.0) == 1.0);
    CHECK(rm::tet_gap_factor(on, 24000.0, 20000.0) < rm::tet_gap_factor(on, 22000.0, 20000.0));
    CHECK(rm::tet_gap_factor(rm::PhysicsOptions{}, 24000.0, 20000.0) == 1.0);
}

TEST_CASE("Degeneracy: kBT gains g_T g_0 / g_a = 3 x 13 / 9 for Tb (7F6 ground, 5D4 accepting)",
          "[nir][physics]") {
    CHECK(rm::level_degeneracy("5D4") == 9.0);
    CHECK(rm::level_degeneracy("7F6") == 13.0);
    CHECK(rm::level_degeneracy("4F3/2") == 4.0);
    CHECK(rm::level_degeneracy("2F7/2") == 8.0);
    CHECK(rm::level_degeneracy("U") == 0.0);
    CHECK(rm::level_degeneracy("4F3/4") == 0.0);
    const auto plain = species_of(tb_config(""));
    const auto deg = species_of(tb_config("[physics]\ndegeneracy = true\n"));
    CHECK(deg.kBT_s == Approx(plain.kBT_s * 3.0 * 13.0 / 9.0).epsilon(1e-13));
    CHECK(deg.kTET_s == plain.kTET_s);
}

TEST_CASE("Degeneracy needs J in the level names: an inline scheme without it is bad input",
          "[nir][physics]") {
    const std::string text =
        "[device]\ncurrent_density_mA_cm2 = 10.0\n[ligand]\ndensity_cm3 = 7.5e20\ntriplet_energy_eV = 2.9\n"
        "[[dopant]]\nion = \"X\"\ndensity_cm3 = 1e21\naccepting_level = \"U\"\nkTET_s = 1e9\n"
        "ground = [\"G\"]\nlevels = [ { name = \"U\", energy_cm1 = 20000.0 } ]\n"
        "lines = [ { from = \"U\", to = \"G\", rate_s = 100.0, wavelength_nm = 500.0, fwhm_nm = 10.0 } ]\n"
        "[physics]\ndegeneracy = true\n";
    CHECK_THROWS_AS(relsim::io::load_config_text(text, "deg.toml"), relsim::InputError);
    CHECK_THROWS_WITH(relsim::io::load_config_text(text, "deg.toml"),
                      Catch::Contains("physics.degeneracy") && Catch::Contains("carries no J"));
}

TEST_CASE("Polaron decay after a pulse: n(t) = n0 / (1 + k_L n0 t) solves dn/dt = -k_L n^2",
          "[nir][physics]") {
    const double n0 = 5.6e15, kL = 1.0e-10;
    for (double t : {0.0, 1e-7, 1e-6, 1e-5, 1e-3}) {
        const double n = rm::polaron_density_after_pulse(n0, kL, t);
        const double h = 1e-4 * (t + 1e-8);
        const double dndt = (rm::polaron_density_after_pulse(n0, kL, t + h) -
                             rm::polaron_density_after_pulse(n0, kL, t - h)) / (2 * h);
        CHECK(dndt == Approx(-kL * n * n).epsilon(1e-6));
    }
    CHECK(rm::polaron_density_after_pulse(n0, kL, 0.0) == n0);
    // half-life 1/(k_L n0)
    CHECK(rm::polaron_density_after_pulse(n0, kL, 1.0 / (kL * n0)) == Approx(0.5 * n0).epsilon(1e-14));
}
