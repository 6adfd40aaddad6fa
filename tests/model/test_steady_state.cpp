//! Steady-state physics: analytic limits, the exciton-fate budget, detailed balance.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "model_builders.hpp"
#include "relsim/core/constants.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/steady_state.hpp"

using relsim::model::RateModel;
using relsim::solver::SolveStatus;
using relsim::solver::SteadyStateSolver;

namespace {

std::vector<double> solve(const RateModel& m, const relsim::model::Drive& d,
                          relsim::solver::SteadyStateReport* report = nullptr) {
    SteadyStateSolver solver;
    std::vector<double> y(m.num_states());
    const auto rep = solver.solve(m, d, nullptr, y.data());
    if (report) *report = rep;
    REQUIRE(rep.status == SolveStatus::converged);
    return y;
}

}  // namespace

TEST_CASE("Low-current limit equals the closed-form IQE of the linear system", "[model][physics]") {
    // With every annihilation and saturation term negligible the equations are linear:
    //   S (kS_r + kS_nr + k_isc + kSET) = chi G
    //   T (kT_r + kT_nr + kTET + kTP n_p) = (1-chi) G + k_isc S + kBT N
    //   N (kBT + A + Q + kLP n_p) = kTET T + kSET S         (one emitting level, N = 5D4)
    // Eliminating N: T [kT' - kBT kTET / (kBT + kN)] = (1-chi) G + k_isc S + kBT kSET S/(kBT + kN).
    // The neglected terms (ETU, ground depletion, TTA) are relative corrections of order
    // X_s = N / N_s ~ 1e-13 at J = 1e-10 mA cm^-2, far below the 1e-9 tolerance.
    auto p = relsim::test::example_params();
    p.device.current_density_mA_cm2 = 1e-10;
    p.dopants[0].kSET_s = 3e8;
    p.dopants[0].kETU_s = 1e3;
    p.dopants[0].kLP_cm3_s = 1e-11;
    p.dopants[0].scheme.levels.resize(1);  // 5D4 only
    p.dopants[0].scheme.lines.resize(2);
    p.dopants[0].scheme.relaxations.clear();
    p.ligand.tta_singlet_yield = 0.2;
    RateModel m(p);
    const auto d = m.nominal_drive();
    relsim::model::Observables obs;
    const auto y = solve(m, d);
    relsim::model::evaluate_observables(m, d, y.data(), obs);

    const auto& L = p.ligand;
    const auto& D = p.dopants[0];
    const double G = d.generation_cm3_s, np = d.polaron_density_cm3,
                 chi = p.device.singlet_fraction;
    const double kBT = m.species()[0].kBT_s;
    const double A = 140.0, kN = A + 60.0 + D.kLP_cm3_s * np;
    const double S = chi * G / (L.kS_rad_s + L.kS_nr_s + L.k_isc_s + D.kSET_s);
    const double kTp = L.kT_rad_s + L.kT_nr_s + D.kTET_s + L.kTP_cm3_s * np;
    const double T = ((1 - chi) * G + L.k_isc_s * S + kBT * D.kSET_s * S / (kBT + kN)) /
                     (kTp - kBT * D.kTET_s / (kBT + kN));
    const double N = (D.kTET_s * T + D.kSET_s * S) / (kBT + kN);
    const double iqe = (L.kS_rad_s * S + L.kT_rad_s * T + A * N) / G;
    CHECK(obs.iqe == Approx(iqe).epsilon(1e-9));
    CHECK(y[2] == Approx(N).epsilon(1e-9));
}

TEST_CASE("TTA-only roll-off follows the closed form of Baldo et al. (2000)", "[model][physics]") {
    // Baldo, Adachi, Forrest, Phys. Rev. B 62, 10967 (2000), eq. for triplet-triplet
    // annihilation: with dT/dt = G - T/tau - kTT T^2 (this spec's convention, where kTT T^2 is
    // the total triplet loss), T = (sqrt(1 + 4 kTT G tau^2) - 1) / (2 kTT tau) and
    // eta/eta0 = (J0 / 4J) (sqrt(1 + 8 J / J0) - 1) with J0 = 2 q w / (kTT tau^2) (Baldo's
    // J0 = 4 q d / (kTT tau^2) is for a loss written (kTT/2) T^2). All excitons are triplets
    // (chi = 0), no dopants, no TPQ, and every triplet decay is radiative so IQE = eta/eta0.
    relsim::model::ModelParams p;
    p.device.singlet_fraction = 0.0;
    p.ligand.kT_rad_s = 1e4;
    p.ligand.kT_nr_s = 0.0;
    p.ligand.kTP_cm3_s = 0.0;
    p.ligand.kTT_cm3_s = 1e-12;
    p.ligand.tta_singlet_yield = 0.0;
    const double tau = 1e-4, q = relsim::constants::elementary_charge_C, w = 20e-7;
    const double J0 = 2 * q * w / (p.ligand.kTT_cm3_s * tau * tau);
    for (double J_over_J0 : {1e-4, 1e-2, 0.3, 1.0, 3.0, 30.0, 1e3}) {
        p.device.current_density_mA_cm2 = J_over_J0 * J0 * 1e3;
        RateModel m(p);
        const auto d = m.nominal_drive();
        const auto y = solve(m, d);
        relsim::model::Observables obs;
        relsim::model::evaluate_observables(m, d, y.data(), obs);
        const double J = J_over_J0 * J0;
        const double expected = (J0 / (4 * J)) * (std::sqrt(1 + 8 * J / J0) - 1);
        INFO("J/J0 = " << J_over_J0);
        CHECK(obs.iqe == Approx(expected).epsilon(1e-9));
    }
}

TEST_CASE("The exciton-fate budget sums to 1 over random parameters", "[model][physics]") {
    // At steady state every exciton generated leaves through exactly one loss channel, so
    // sum(fates) = 1 - (residual of the balance)/G; Newton converges to a residual of order
    // 1e-14 G, so 1e-9 is a tolerance with margin that any missing or doubled channel breaks.
    std::mt19937_64 rng(20251125);
    auto logu = [&](double lo, double hi) {
        return std::pow(
            10.0, std::uniform_real_distribution<double>(std::log10(lo), std::log10(hi))(rng));
    };
    auto uni = [&](double lo, double hi) {
        return std::uniform_real_distribution<double>(lo, hi)(rng);
    };
    for (int trial = 0; trial < 200; ++trial) {
        auto p = relsim::test::example_params();
        p.device.current_density_mA_cm2 = logu(1e-4, 1e3);
        p.device.singlet_fraction = uni(0, 1);
        p.device.charge_balance = uni(0.3, 1);
        p.ligand.kTT_cm3_s = logu(1e-15, 1e-10);
        p.ligand.kTP_cm3_s = logu(1e-15, 1e-11);
        p.ligand.kSS_cm3_s = logu(1e-14, 1e-9);
        p.ligand.kST_cm3_s = logu(1e-14, 1e-9);
        p.ligand.tta_singlet_yield = uni(0, 0.5);
        p.ligand.triplet_energy_eV = uni(2.5, 3.2);
        auto& d = p.dopants[0];
        d.density_cm3 = logu(1e19, 1e22);
        d.kTET_s = logu(1e6, 1e11);
        d.kSET_s = logu(1e5, 1e10);
        d.kETU_s = logu(1, 1e5);
        d.kLP_cm3_s = logu(1e-15, 1e-10);
        d.quench_s = {{"5D4", logu(1, 1e4)}, {"5D3", logu(1, 1e4)}};
        d.scheme.relaxations.push_back({"5D3", "7F6", logu(1, 1e5)});
        if (trial % 2) d.accepting_level = "5D3";
        RateModel m(p);
        const auto drive = m.nominal_drive();
        const auto y = solve(m, drive);
        relsim::model::Observables obs;
        relsim::model::evaluate_observables(m, drive, y.data(), obs);
        double sum = 0.0;
        for (double f : obs.fates) {
            CHECK(f >= 0.0);
            sum += f;
        }
        INFO("trial " << trial);
        CHECK(std::abs(sum - 1.0) < 1e-9);
        CHECK(obs.iqe <= 1.0 + 1e-12);
    }
}

TEST_CASE("Without losses, ligand triplets and ions obey the Boltzmann ratio", "[model][physics]") {
    // With no other loss, the net ligand -> ion flux vanishes: kTET g T = kBT N_a. Under
    // detailed balance this is (N_a / (g N_s)) / (T / N_L) = exp((E_T - E_a)/(k_B T)): per-site
    // occupations in Boltzmann ratio. The only loss kept (ion radiative rate A) perturbs the
    // ratio by A/kBT ~ 1e-10 here, so 1e-8 is the tolerance. The drive is tiny so that the ions
    // stay far from saturation (N = G/A << N_s).
    relsim::model::ModelParams p;
    p.device.singlet_fraction = 0.0;
    p.device.current_density_mA_cm2 = 1e-12;
    p.ligand = {};
    p.ligand.triplet_energy_eV = 2.60;
    for (double* k :
         {&p.ligand.kT_rad_s, &p.ligand.kT_nr_s, &p.ligand.kTT_cm3_s, &p.ligand.kTP_cm3_s})
        *k = 0.0;
    relsim::model::DopantParams d;
    d.ion = "Tb";
    d.density_cm3 = 1e21;
    d.accepting_level = "5D4";
    d.kTET_s = 1e9;
    d.scheme.ground = {"7F5"};
    d.scheme.levels = {{"5D4", 20500.0}};
    d.scheme.lines = {{"5D4", "7F5", 1e-3, 544.0, 8.0}};
    p.dopants.push_back(d);
    for (double T_K : {200.0, 300.0, 400.0}) {
        p.device.temperature_K = T_K;
        RateModel m(p);
        const auto y = solve(m, m.nominal_drive());
        const double g = 1 - y[2] / d.density_cm3;
        const double ratio = (y[2] / (g * d.density_cm3)) / (y[1] / p.ligand.density_cm3);
        const double gap_eV = 2.60 - 20500.0 / relsim::constants::eV_in_cm1;
        INFO("T = " << T_K << " K, kBT = " << m.species()[0].kBT_s);
        CHECK(ratio ==
              Approx(std::exp(gap_eV / (relsim::constants::boltzmann_eV_K * T_K))).epsilon(1e-8));
    }
}

TEST_CASE("Newton converges alike from 1e-9 to 1e4 mA cm^-2, cold and warm", "[model][solver]") {
    // Populations then span ~1e0 to ~1e21 cm^-3; the relative norms make every point converge
    // to the same standard, and the fate sum is the witness.
    auto p = relsim::test::example_params();
    p.dopants[0].kETU_s = 1e3;
    p.dopants[0].kLP_cm3_s = 1e-12;
    SteadyStateSolver solver;
    std::vector<double> prev;
    for (double J = 1e-9; J <= 1e4; J *= 10) {
        p.device.current_density_mA_cm2 = J;
        RateModel m(p);
        std::vector<double> cold(m.num_states()), warm(m.num_states());
        const auto rc = solver.solve(m, m.nominal_drive(), nullptr, cold.data());
        INFO("J = " << J);
        REQUIRE(rc.status == SolveStatus::converged);
        if (!prev.empty()) {
            const auto rw = solver.solve(m, m.nominal_drive(), prev.data(), warm.data());
            REQUIRE(rw.status == SolveStatus::converged);
            for (std::size_t i = 0; i < cold.size(); ++i)
                CHECK(warm[i] == Approx(cold[i]).epsilon(1e-10).margin(1e-30));
        }
        relsim::model::Observables obs;
        relsim::model::evaluate_observables(m, m.nominal_drive(), cold.data(), obs);
        double sum = 0;
        for (double f : obs.fates) sum += f;
        CHECK(std::abs(sum - 1) < 1e-9);
        prev = cold;
    }
}

TEST_CASE("A bad model gives a failed status and zeros, never NaN", "[model][solver]") {
    auto p = relsim::test::example_params();
    p.ligand.kTT_cm3_s = std::numeric_limits<double>::quiet_NaN();
    RateModel m(p);
    SteadyStateSolver solver;
    std::vector<double> y(m.num_states(), 1.0);
    const auto r = solver.solve(m, m.nominal_drive(), nullptr, y.data());
    CHECK(r.status != SolveStatus::converged);
    for (double v : y) CHECK(v == 0.0);
}
