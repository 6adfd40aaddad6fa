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
           "[[dopant]]\nion = \"Tb\"\ndensity_cm3 = 2.8e21\naccepting_level = \"5D4\"\nkTET_s = "
           "2.0e9\n"
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
    const auto off =
        species_of(tb_config("[physics]\nenergy_gap_law = false\ndegeneracy = false\n"));
    CHECK(plain.kTET_s == 2.0e9);
    CHECK(off.kTET_s == plain.kTET_s);
    CHECK(off.kBT_s == plain.kBT_s);
    const double kT = relsim::constants::boltzmann_eV_K * 300.0;
    const double gap = 2.9 - 20500.0 / relsim::constants::eV_in_cm1;
    CHECK(plain.kBT_s == Approx(2.0e9 * (7.5e20 / 2.8e21) * std::exp(-gap / kT)).epsilon(1e-13));
}

TEST_CASE(
    "Energy-gap law obeys detailed balance uphill and downhill, both directions stay below the "
    "prefactor",
    "[nir][physics]") {
    // Issue 21 item 4: the old symmetric Gaussian gave uphill transfer the downhill rate, and
    // its back-transfer (by detailed balance) exceeded the prefactor by e^(gap/kT). The
    // Marcus-Hush line shape (phosphorescence Stokes-shifted by lambda, width sigma^2 =
    // 2 lambda kT) fixes both. Numbers: FWHM 0.30 eV at 300 K gives sigma = 0.12740 eV and
    // lambda = sigma^2 / (2 kT) = 0.31391 eV (hand calculation, kT = 0.025852 eV).
    rm::PhysicsOptions on;
    on.energy_gap_law = true;
    on.tet_overlap_fwhm_eV = 0.30;
    CHECK(rm::tet_reorganisation_eV(on, 300.0) == Approx(0.31391).epsilon(1e-4));
    const double kT_eV = 8.617333262e-5 * 300.0;             // CODATA 2018 k_B
    const double cm1_per_eV = relsim::constants::eV_in_cm1;  // 8065.544 cm^-1 per eV (CODATA 2018)
    rm::DopantParams tb;
    tb.ion = "Tb";
    tb.accepting_level = "5D4";
    tb.scheme.ground = {"7F6"};
    tb.scheme.ground_energy_cm1 = {0.0};
    const double Ea = 20500.0;
    double best = 0.0, best_gap = 0.0;
    for (double gap_eV : {-0.5, -0.2, -0.05, 0.0, 0.1, 0.2, 0.3, 0.31391, 0.33, 0.5, 0.8, 1.2}) {
        const double ET = Ea + gap_eV * cm1_per_eV;
        const rm::LigandIonFactors f = rm::ligand_ion_factors(on, tb, ET, Ea, 300.0);
        INFO("gap " << gap_eV << " eV: forward " << f.forward << " back " << f.back);
        // Detailed balance of one pair: forward / back = exp(+gap / kT) (no degeneracy).
        CHECK(f.back / f.forward == Approx(std::exp(-gap_eV / kT_eV)).epsilon(1e-9));
        CHECK(f.forward <= 1.0);
        CHECK(f.back <= 1.0);
        if (f.forward > best) {
            best = f.forward;
            best_gap = gap_eV;
        }
    }
    // Activationless maximum at gap = lambda; uphill is slower than the same gap downhill.
    CHECK(best_gap == 0.31391);
    CHECK(best == Approx(1.0).epsilon(1e-8));
    CHECK(rm::tet_gap_factor(on, Ea - 0.2 * cm1_per_eV, Ea, 300.0) <
          1e-3 * rm::tet_gap_factor(on, Ea + 0.2 * cm1_per_eV, Ea, 300.0));
    CHECK(rm::tet_gap_factor(rm::PhysicsOptions{}, 24000.0, 20000.0, 300.0) == 1.0);

    // In the mean-field model: kTET carries the factor, kBT / kTET the detailed balance of the
    // contract (N_L/N_s) exp(-(E_T - E_a)/kT).
    const auto plain = species_of(tb_config(""));
    const auto gl =
        species_of(tb_config("[physics]\nenergy_gap_law = true\ntet_overlap_fwhm_eV = 0.25\n"));
    CHECK(gl.kTET_s < plain.kTET_s);
    CHECK(gl.kTET_s == Approx(2.0e9 * rm::tet_gap_factor(
                                          [] {
                                              rm::PhysicsOptions o;
                                              o.energy_gap_law = true;
                                              o.tet_overlap_fwhm_eV = 0.25;
                                              return o;
                                          }(),
                                          2.9 * relsim::constants::eV_in_cm1, 20500.0, 300.0))
                           .epsilon(1e-13));
    CHECK(gl.kBT_s / gl.kTET_s == Approx(plain.kBT_s / plain.kTET_s).epsilon(1e-12));
}

TEST_CASE("Degeneracy: g_T Z_ground(T) / g_a with the thermal population of the ground multiplet",
          "[nir][physics]") {
    CHECK(rm::level_degeneracy("5D4") == 9.0);
    CHECK(rm::level_degeneracy("7F6") == 13.0);
    CHECK(rm::level_degeneracy("4F3/2") == 4.0);
    CHECK(rm::level_degeneracy("2F7/2") == 8.0);
    CHECK(rm::level_degeneracy("U") == 0.0);
    CHECK(rm::level_degeneracy("4F3/4") == 0.0);
    // Eu: 7F0 (J = 0) lies 372 cm^-1 below 7F1 (J = 1, g = 3) [B15 energies of
    // configs/ions/Eu.toml]: hand sum at 300 K (kT = 208.510 cm^-1) over 7F0..7F6 at 0, 372, 1026,
    // 1866, 2823, 3849, 4907 cm^-1: 1 + 0.5035 + 0.0365 + 0.0009 + ... = 1.5412, not the 1 of the
    // lowest member.
    rm::LevelScheme eu;
    eu.ground = {"7F0", "7F1", "7F2", "7F3", "7F4", "7F5", "7F6"};
    eu.ground_energy_cm1 = {0.0, 372.0, 1026.0, 1866.0, 2823.0, 3849.0, 4907.0};
    CHECK(rm::ground_partition_function(eu, 300.0) == Approx(1.54125).epsilon(2e-5));
    CHECK(rm::ground_partition_function(eu, 1.0) == Approx(1.0).epsilon(1e-12));  // only 7F0 at 1 K
    // Members without an energy are left out (stated in docs/nir.md).
    eu.ground_energy_cm1 = {0.0, NAN, NAN, NAN, NAN, NAN, NAN};
    CHECK(rm::ground_partition_function(eu, 300.0) == 1.0);
    // Tb: 7F6 (g = 13) with 7F5 2100 cm^-1 above: Z = 13 + 11 e^-10.07 = 13.0005.
    const auto plain = species_of(tb_config(""));
    const auto deg = species_of(tb_config("[physics]\ndegeneracy = true\n"));
    CHECK(deg.kBT_s == Approx(plain.kBT_s * 3.0 * 13.0005 / 9.0).epsilon(1e-5));
    CHECK(deg.kTET_s == plain.kTET_s);
}

TEST_CASE("Degeneracy needs J in the level names: an inline scheme without it is bad input",
          "[nir][physics]") {
    const std::string text =
        "[device]\ncurrent_density_mA_cm2 = 10.0\n[ligand]\ndensity_cm3 = "
        "7.5e20\ntriplet_energy_eV = 2.9\n"
        "[[dopant]]\nion = \"X\"\ndensity_cm3 = 1e21\naccepting_level = \"U\"\nkTET_s = 1e9\n"
        "ground = [\"G\"]\nlevels = [ { name = \"U\", energy_cm1 = 20000.0 } ]\n"
        "lines = [ { from = \"U\", to = \"G\", rate_s = 100.0, wavelength_nm = 500.0, fwhm_nm = "
        "10.0 } ]\n"
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
                             rm::polaron_density_after_pulse(n0, kL, t - h)) /
                            (2 * h);
        CHECK(dndt == Approx(-kL * n * n).epsilon(1e-6));
    }
    CHECK(rm::polaron_density_after_pulse(n0, kL, 0.0) == n0);
    // half-life 1/(k_L n0)
    CHECK(rm::polaron_density_after_pulse(n0, kL, 1.0 / (kL * n0)) ==
          Approx(0.5 * n0).epsilon(1e-14));
}

TEST_CASE(
    "Polaron decay in a pulse: after J -> 0 the triplets decay as "
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
            const std::size_t i_on =
                static_cast<std::size_t>(pulse.points);  // t = t_on (index 0 is t = 0)
            REQUIRE(tr.time_s[i_on] == pulse.on_s);
            const double T0 = tr.ligand_photon_rate_cm3_s[2 * i_on + 1];
            const double k = p.ligand.kT_rad_s + p.ligand.kT_nr_s;
            double worst = 0.0;
            for (std::size_t i = i_on + 1; i < tr.time_s.size(); ++i) {
                const double t = tr.time_s[i] - pulse.on_s;
                double want = T0 * std::exp(-k * t);
                if (decay)
                    want *= std::pow(1.0 + p.device.langevin_cm3_s * n0 * t,
                                     -p.ligand.kTP_cm3_s / p.device.langevin_cm3_s);
                if (want < 1e-6 * T0) break;  // below the integrator's absolute tolerance floor
                worst =
                    std::max(worst, std::abs(tr.ligand_photon_rate_cm3_s[2 * i + 1] / want - 1.0));
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
