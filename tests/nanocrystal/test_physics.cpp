//! @file test_physics.cpp
//! [physics] options in the microscopic model (issue 18; issue 21 item 4): the energy-gap law
//! and the degeneracy (thermal ground-multiplet partition function) on every ligand-ion pair
//! and its detailed-balance back-transfer. Checked against a run whose pair rates carry the
//! factor by hand, and against the closed form of one ligand and one ion.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include "nc_builders.hpp"
#include "relsim/core/constants.hpp"
#include "relsim/nanocrystal/engine.hpp"

using namespace relsim;
using namespace relsim::nanocrystal;

namespace {

//! An Eu-like ion: accepting and emitting level 5D0 (J = 0, g = 1) at 17293 cm^-1 and the
//! 7F0..7F6 ground multiplet at the energies of configs/ions/Eu.toml (Binnemans 2015).
model::DopantParams eu_like(double line_s, double nr_s) {
    model::DopantParams d = test::one_level_ion("Eu", 17293.0, line_s, nr_s, 615.0);
    d.accepting_level = "5D0";
    d.scheme.levels[0].name = "5D0";
    d.scheme.lines[0].from = "5D0";
    d.scheme.lines[0].to = "7F2";
    if (!d.scheme.relaxations.empty()) {
        d.scheme.relaxations[0].from = "5D0";
        d.scheme.relaxations[0].to = "7F0";
    }
    d.scheme.ground = {"7F0", "7F1", "7F2", "7F3", "7F4", "7F5", "7F6"};
    d.scheme.ground_energy_cm1 = {0.0, 372.0, 1026.0, 1866.0, 2823.0, 3849.0, 4907.0};
    return d;
}

//! One site (the centre of a simple-cubic sphere of radius 0.1 nm) and one ligand at 0.6 nm.
NanocrystalSpec one_pair(double kTET0_s) {
    NanocrystalSpec s;
    s.lattice = Lattice::simple_cubic;
    s.a_nm = 0.4;
    s.radius_nm = 0.1;
    s.composition = {1.0};
    LigandShellSpec lig;
    lig.standoff_nm = 0.5;
    lig.surface_density_nm2 = 1.0 / (4.0 * M_PI * 0.36);
    lig.kTET0_s = {kTET0_s};
    lig.kSET0_s = {0.0};
    s.ligand = lig;
    s.count = 1;
    return s;
}

}  // namespace

TEST_CASE(
    "microscopic model with the gap law equals a run whose pair rates carry the gap factor by hand",
    "[nanocrystal][physics]") {
    model::ModelParams p = test::base_params(false);
    p.device.current_density_mA_cm2 = 1.0e-6;
    p.ligand.triplet_energy_eV = 2.2;  // 0.056 eV above Eu 5D0: back-transfer matters
    p.dopants = {eu_like(140.0, 60.0)};
    NanocrystalSpec s = one_pair(1.0e6);
    s.radius_nm = 2.0;  // many ions and ligands: every pair rate, every back-transfer
    s.composition = {0.3};
    s.ligand->surface_density_nm2 = 1.0;
    s.count = 3;
    EnsembleOptions o;
    o.negligible_rate_fraction = 0.0;
    model::ModelParams on = p;
    on.physics.energy_gap_law = true;
    on.physics.tet_overlap_fwhm_eV = 0.30;
    // By hand: gap = E_T - E_a = 2.2 eV - 17293 cm^-1 / 8065.544 = 0.055941 eV; lambda =
    // 0.31391 eV (FWHM 0.30 eV, 300 K); factor exp(-(gap - lambda)^2 / (4 lambda kT)) with
    // kT = 0.025852 eV: exp(-0.066622 / 0.032461) = 0.12872.
    const double gap = 2.2 - 17293.0 / constants::eV_in_cm1;
    CHECK(gap == Approx(0.055941).epsilon(1e-5));
    const double factor =
        std::exp(-(gap - 0.3139084) * (gap - 0.3139084) / (4.0 * 0.3139084 * 0.02585200));
    CHECK(factor == Approx(0.12872).epsilon(2e-4));
    NanocrystalSpec hand = s;
    hand.ligand->kTET0_s = {1.0e6 * factor};
    const SteadyStateResult a = solve_el_steady_state_linear(s, on, o);
    const SteadyStateResult b = solve_el_steady_state_linear(hand, p, o);
    const SteadyStateResult plain = solve_el_steady_state_linear(s, p, o);
    std::printf("gap law: transfer %.6f (by hand %.6f, without %.6f), EQE %.6g (by hand %.6g)\n",
                a.transfer_efficiency.mean, b.transfer_efficiency.mean,
                plain.transfer_efficiency.mean, a.eqe.mean, b.eqe.mean);
    // The hand factor carries 6 digits of lambda and kT: 1e-5 relative.
    CHECK(a.eqe.mean == Approx(b.eqe.mean).epsilon(1e-5));
    CHECK(a.transfer_efficiency.mean == Approx(b.transfer_efficiency.mean).epsilon(1e-5));
    for (std::size_t f = 0; f < a.fates.size(); ++f)
        CHECK(a.fates[f].value.mean == Approx(b.fates[f].value.mean).margin(1e-6));
    CHECK(a.transfer_efficiency.mean < 0.8 * plain.transfer_efficiency.mean);  // the option acts
}

TEST_CASE(
    "microscopic degeneracy: back-transfer x g_T Z_ground(T) / g_a, one ligand and one ion in "
    "closed form",
    "[nanocrystal][physics]") {
    // One ligand triplet (decay kT), one Eu-like ion (decay kI), forward K, back B. Per exciton
    // (no singlets) the ion emits with probability
    //     P = [K/(K + kT)] [kI/(kI + B)] / (1 - [K/(K + kT)] [B/(kI + B)]).
    // Detailed balance with degeneracy: B = K (g_T Z / g_a) exp(-(E_T - E_a)/kT), g_T = 3,
    // g_a = 1 (5D0), Z = 1.54125 (hand sum over 7F0..7F6 at 300 K, test_physics_options.cpp).
    model::ModelParams p = test::base_params(false);
    p.device.current_density_mA_cm2 = 1.0e-6;
    p.device.singlet_fraction = 0.0;
    p.ligand.kT_rad_s = 0.0;
    p.ligand.kT_nr_s = 1.0e4;
    p.ligand.kTP_cm3_s = 0.0;
    p.ligand.triplet_energy_eV = 2.2;
    const double kI = 200.0;
    p.dopants = {eu_like(kI, 0.0)};
    const NanocrystalSpec s =
        one_pair(1.0e5 / std::exp(-2.0 * 0.1 / 0.15));  // K = 1e5 s^-1 at 0.6 nm
    EnsembleOptions o;
    o.negligible_rate_fraction = 0.0;
    const double K = 1.0e5, kT = 1.0e4;
    const double gap = 2.2 - 17293.0 / constants::eV_in_cm1;
    const double boltz = std::exp(-gap / (8.617333262e-5 * 300.0));
    auto yield = [&](double B) {
        const double f = K / (K + kT), r = B / (kI + B);
        return f * (kI / (kI + B)) / (1.0 - f * r);
    };
    model::ModelParams deg = p;
    deg.physics.degeneracy = true;
    const SteadyStateResult off = solve_el_steady_state_linear(s, p, o);
    const SteadyStateResult on = solve_el_steady_state_linear(s, deg, o);
    const double y_off = yield(K * boltz), y_on = yield(K * 3.0 * 1.54125 * boltz);
    std::printf(
        "degeneracy: ion photons per exciton %.6f (closed form %.6f), without %.6f (%.6f)\n",
        on.line_photons_per_exciton[0].mean, y_on, off.line_photons_per_exciton[0].mean, y_off);
    CHECK(off.line_photons_per_exciton[0].mean == Approx(y_off).epsilon(1e-9));
    // Z to 6 digits: 1e-5 relative.
    CHECK(on.line_photons_per_exciton[0].mean == Approx(y_on).epsilon(1e-5));
    CHECK(on.line_photons_per_exciton[0].mean < 0.9 * off.line_photons_per_exciton[0].mean);
}

TEST_CASE(
    "kmc pulse with [physics] polaron_decay: after the pulse the ions decay as exp(-k t) (1 + k_L "
    "n0 t)^(-kLP/k_L)",
    "[nanocrystal][physics]") {
    // Ions quenched by polarons (kLP n_p) during and after a 1 ms pulse (10 ion lifetimes: the
    // steady state). After it, with the option, n_p(t) = n0 / (1 + k_L n0 t), so an excited ion
    // survives as exp(-k t) (1 + a t)^(-b), a = k_L n0, b = kLP / k_L (dN/dt = -(k + kLP n_p) N);
    // the photons in the record after the pulse per NC are A N0 I, I = int_0^off_s exp(-k t) (1 + a
    // t)^(-b) dt, N0 the excited ions per NC at the pulse end (the linear engine's steady state,
    // exact at this low excitation). Without the option n_p = 0 at once and I = (1 - exp(-k off_s))
    // / k.
    model::ModelParams p = test::base_params(false);
    p.device.current_density_mA_cm2 = 10.0;
    p.device.langevin_cm3_s = 1.0e-15;  // n0 = sqrt(G_e / k_L) = 5.6e18 cm^-3, a = 5.6e3 s^-1
    p.ligand.kTP_cm3_s = 0.0;
    const double A = 500.0, nr = 500.0;
    p.dopants = {test::one_level_ion("Tb", 20500.0, A, nr)};
    p.dopants[0].kLP_cm3_s = 1.0e-15;  // b = 1
    p.physics.polaron_decay = true;
    NanocrystalSpec s;
    s.lattice = Lattice::simple_cubic;
    s.a_nm = 0.4;
    s.radius_nm = 2.0;
    s.composition = {0.1};
    LigandShellSpec lig;
    lig.surface_density_nm2 = 0.3;
    lig.kTET0_s = {1.0e9};
    lig.kSET0_s = {0.0};
    s.ligand = lig;
    s.nc_density_cm3 = 3.12e18;  // G_NC ~ 1e4 s^-1: ~1.5 excited ions of ~50 per NC
    s.count = 4000;
    s.engine = Engine::kmc;
    PulseSpec pulse;
    pulse.pulse_current_density_mA_cm2 = 10.0;
    pulse.pulse_on_s = 1.0e-3;
    pulse.off_s = 1.0e-3;
    pulse.points = 20;
    const PulseResult r = solve_el_pulse(s, p, pulse);
    model::ModelParams steady = p;
    steady.physics.polaron_decay = false;
    const SteadyStateResult ss = solve_el_steady_state_linear(s, steady);
    const double N0 = ss.excited_per_nc[0][0].mean;
    const double e_L = 1.0e-2 / (1.602176634e-19 * 20.0e-7);  // J / (q w), cm^-3 s^-1
    const double a = 1.0e-15 * std::sqrt(e_L / 1.0e-15), b = 1.0, k = A + nr;
    double I = 0.0;  // midpoint rule over the record after the pulse, 2e5 steps (error < 1e-6)
    const int steps = 200000;
    const double h = pulse.off_s / steps;
    for (int i = 0; i < steps; ++i) {
        const double t = (i + 0.5) * h;
        I += std::exp(-k * t) * std::pow(1.0 + a * t, -b) * h;
    }
    // kmc: photons after the pulse = sum over the off bins of rate x width; the bins share
    // excitations, so the sum of their standard errors (perfect correlation) bounds the error.
    double photons = 0.0, se = 0.0;
    const std::size_t on_end = static_cast<std::size_t>(pulse.points);
    for (std::size_t q = on_end + 1; q < r.time_s.size(); ++q) {
        const double w = r.time_s[q] - r.time_s[q - 1];
        photons += r.photon_rate_per_nc_s[q] * w;
        se += r.photon_rate_per_nc_stderr_s[q] * w;
    }
    const double expected = A * N0 * I, without = A * N0 * (1.0 - std::exp(-k * pulse.off_s)) / k;
    std::printf(
        "polaron decay after a pulse: photons per NC %.5f +- %.5f, closed form %.5f, without the "
        "option %.5f\n",
        photons, se, expected, without);
    // 3 %: the linear N0 neglects blocking among ~50 ions with ~1.5 excited (occupancy 3 %);
    // the kmc rate at the pulse end agrees with A N0 to 1.5 % (checked while writing the test).
    CHECK(std::abs(photons - expected) < 4.0 * se + 0.03 * expected);
    CHECK(std::abs(without - expected) > 5.0 * se);  // the test can tell the option's effect
    // The linear engine cannot follow time-dependent rates: refused, not silently ignored.
    s.engine = Engine::linear;
    CHECK_THROWS_WITH(solve_el_pulse(s, p, pulse), Catch::Contains("polaron_decay"));
}
