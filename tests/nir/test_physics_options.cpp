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

TEST_CASE("Polaron decay in a pulse: after J -> 0 the triplets decay as "
          "T0 exp(-k t) (1 + k_L n0 t)^(-kTP / k_L), and as T0 exp(-k t) with the option off",
          "[nir][physics][transient]") {
    // Ligand only (no dopant), no singlets, no TTA: dT/dt = -(k + kTP n_p(t)) T after the pulse.
    rm::ModelParams p;
    p.device.singlet_fraction = 0.0;
    p.device.langevin_cm3_s = 1.0e-10;
    p.ligand.kTT_cm3_s = 0.0;
    p.ligand.kT_rad_s = 1.0e3;
    p.ligand.kT_nr_s = 4.0e3;
    p.ligand.kTP_cm3_s = 2.0e-10;  // large, so that the polaron tail is visible
    relsim::solver::PulseSpec pulse;
    pulse.current_density_A_cm2 = 10e-3;
    pulse.on_s = 5e-3;
    pulse.off_s = 2e-3;
    pulse.points = 60;
    for (const bool decay : {false, true}) {
        DYNAMIC_SECTION((decay ? "polaron_decay on" : "off")) {
            p.physics.polaron_decay = decay;
            const rm::RateModel model(p);
            const double n0 = model.drive_at(pulse.current_density_A_cm2).polaron_density_cm3;
            // Tight tolerances: the off phase is non-autonomous (n_p(t)), and at the default
            // rtol 1e-8 its global error reaches ~5e-4 of the signal (2e-5 at rtol 1e-11).
            relsim::solver::TransientOptions opt;
            opt.relative_tolerance = 1e-11;
            opt.scaled_absolute_tolerance = 1e-15;
            const auto tr = relsim::solver::run_pulse(model, pulse, opt);
            REQUIRE(tr.status == 0);
            const std::size_t i_on = static_cast<std::size_t>(pulse.points);  // t = t_on (index 0 is t = 0)
            REQUIRE(tr.time_s[i_on] == pulse.on_s);
            const double T0 = tr.ligand_photon_rate_cm3_s[2 * i_on + 1];
            const double k = p.ligand.kT_rad_s + p.ligand.kT_nr_s;
            double worst = 0.0;
            for (std::size_t i = i_on + 1; i < tr.time_s.size(); ++i) {
                const double t = tr.time_s[i] - pulse.on_s;
                double want = T0 * std::exp(-k * t);
                if (decay) want *= std::pow(1.0 + p.device.langevin_cm3_s * n0 * t, -p.ligand.kTP_cm3_s / p.device.langevin_cm3_s);
                if (want < 1e-6 * T0) break;  // below the integrator's absolute tolerance floor
                worst = std::max(worst, std::abs(tr.ligand_photon_rate_cm3_s[2 * i + 1] / want - 1.0));
            }
            INFO("n0 = " << n0 << " cm^-3, worst relative deviation " << worst);
            CHECK(worst < 1e-4);
            // and the two laws differ visibly: the polaron tail quenches the triplets
            const double t_mid = 1.0 / (p.device.langevin_cm3_s * n0);
            CHECK(std::pow(1.0 + 1.0, -p.ligand.kTP_cm3_s / p.device.langevin_cm3_s) < 0.3);
            CHECK(t_mid < pulse.off_s);
        }
    }
}
