//! @file test_bookkeeping.cpp
//! Photon bookkeeping of the fate budget (model/observables.hpp): a line into an excited level is
//! a photon and a radiative fate; the budget still sums to 1; the radiative fates equal the photon
//! yield per exciton when no exciton can emit twice, and count the first photon only otherwise.
#include <catch2/catch.hpp>

#include <numeric>
#include <string>
#include <vector>

#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/steady_state.hpp"

namespace rm = relsim::model;

namespace {

//! Ion X: U (accepting, 20 000 cm^-1) -> M (10 000 cm^-1) by a photon line of rate a; U quenched
//! to the ground at q; M decays by a line of rate b (a second photon) and nonradiatively at r.
rm::ModelParams cascade(double a, double q, double b, double r, double J_mA_cm2) {
    rm::ModelParams p;
    p.device.current_density_mA_cm2 = J_mA_cm2;
    p.ligand.triplet_energy_eV = 2.7;
    rm::DopantParams d;
    d.ion = "X";
    d.density_cm3 = 1.0e20;
    d.accepting_level = "U";
    d.kTET_s = 1.0e9;
    d.quench_s = {{"U", q}};
    d.scheme.ground = {"G0"};
    d.scheme.levels = {{"U", 20000.0}, {"M", 10000.0}};
    d.scheme.lines = {{"U", "M", a, 1000.0, 10.0}};
    if (b > 0.0) d.scheme.lines.push_back({"M", "G0", b, 1000.0, 10.0});
    d.scheme.relaxations = {{"M", "G0", r}};
    p.dopants.push_back(d);
    return p;
}

struct Solved {
    rm::RateModel model;
    rm::Observables obs;
    double fate(const std::string& name) const {
        const auto names = rm::fate_names(model);
        for (std::size_t i = 0; i < names.size(); ++i) {
            if (names[i] == name) return obs.fates[i];
        }
        FAIL("no fate " << name);
        return 0.0;
    }
};

Solved solve(const rm::ModelParams& p) {
    Solved s{rm::RateModel(p), {}};
    std::vector<double> y(s.model.num_states());
    relsim::solver::SteadyStateSolver solver;
    REQUIRE(solver.solve(s.model, s.model.nominal_drive(), nullptr, y.data()).status ==
            relsim::solver::SolveStatus::converged);
    rm::evaluate_observables(s.model, s.model.nominal_drive(), y.data(), s.obs);
    return s;
}

}  // namespace

TEST_CASE(
    "Bookkeeping: a photon into an excited level is a radiative fate, never a loss "
    "(closed form TE a/(a+q))",
    "[nir][bookkeeping]") {
    const double a = 300.0, q = 700.0, r = 1.0e3;
    const Solved s = solve(cascade(a, q, 0.0, r, 10.0));
    const double te = s.obs.transfer_efficiency;
    REQUIRE(te > 0.5);
    CHECK(s.fate("X_radiative") == Approx(te * a / (a + q)).epsilon(1e-9));
    CHECK(s.fate("X_quenching") == Approx(te * q / (a + q)).epsilon(1e-9));
    CHECK(s.fate("X_nonradiative") == Approx(0.0).margin(1e-12));  // M decays after its photon
    const double sum = std::accumulate(s.obs.fates.begin(), s.obs.fates.end(), 0.0);
    CHECK(sum == Approx(1.0).margin(1e-9));
    // No multi-photon branch: radiative fates = photons per exciton (gamma = 1).
    const double G = s.model.nominal_drive().generation_cm3_s;
    double radiative = 0.0;
    const auto names = rm::fate_names(s.model);
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (names[i].find("radiative") != std::string::npos &&
            names[i].find("nonradiative") == std::string::npos) {
            radiative += s.obs.fates[i];
        }
    }
    CHECK(radiative == Approx(s.obs.photon_rate_cm3_s / G).epsilon(1e-9));
    CHECK(s.obs.iqe == Approx(radiative).epsilon(1e-9));
}

TEST_CASE("Bookkeeping: a two-photon cascade counts each exciton once, at its first photon",
          "[nir][bookkeeping]") {
    const double a = 300.0, q = 700.0, b = 400.0, r = 600.0;
    const Solved s = solve(cascade(a, q, b, r, 10.0));
    const double te = s.obs.transfer_efficiency;
    const double G = s.model.nominal_drive().generation_cm3_s;
    CHECK(s.fate("X_radiative") == Approx(te * a / (a + q)).epsilon(1e-9));
    // photons of X per exciton: te a/(a+q) (1 + b/(b+r)) > the radiative fate
    CHECK(s.obs.species_photon_rate_cm3_s[0] / G ==
          Approx(te * a / (a + q) * (1.0 + b / (b + r))).epsilon(1e-9));
    const double sum = std::accumulate(s.obs.fates.begin(), s.obs.fates.end(), 0.0);
    CHECK(sum == Approx(1.0).margin(1e-9));
}

TEST_CASE("Bookkeeping: the budget sums to 1 with saturation, ETU, polaron quenching and TTA",
          "[nir][bookkeeping]") {
    rm::ModelParams p = cascade(300.0, 700.0, 400.0, 600.0, 1.0e4);
    p.dopants[0].kETU_s = 500.0;
    p.dopants[0].kLP_cm3_s = 1.0e-13;
    p.ligand.tta_singlet_yield = 0.3;
    p.ligand.kSS_cm3_s = 1e-10;
    p.ligand.kST_cm3_s = 1e-10;
    const Solved s = solve(p);
    const double sum = std::accumulate(s.obs.fates.begin(), s.obs.fates.end(), 0.0);
    CHECK(sum == Approx(1.0).margin(1e-9));
    CHECK(s.fate("X_etu") > 1e-3);  // the channels are exercised
    CHECK(s.fate("X_polaron_quenching") > 1e-4);
    for (double f : s.obs.fates) CHECK(f >= -1e-12);
}

TEST_CASE(
    "Bookkeeping: with every line to the ground the fates are the contract's expressions, "
    "bit for bit (Tb/Eu budgets unchanged)",
    "[nir][bookkeeping]") {
    rm::ModelParams p = cascade(300.0, 700.0, 0.0, 600.0, 100.0);
    p.dopants[0].scheme.lines = {{"U", "G0", 300.0, 500.0, 10.0}, {"M", "G0", 50.0, 1000.0, 10.0}};
    p.dopants[0].scheme.relaxations = {{"U", "M", 2.0e3}, {"M", "G0", 600.0}};
    p.dopants[0].kETU_s = 100.0;
    p.dopants[0].kLP_cm3_s = 1e-14;
    const Solved s = solve(p);
    // recompute the contract's species fates from the same state
    std::vector<double> y(s.model.num_states());
    relsim::solver::SteadyStateSolver solver;
    REQUIRE(solver.solve(s.model, s.model.nominal_drive(), nullptr, y.data()).status ==
            relsim::solver::SolveStatus::converged);
    rm::Observables obs;
    rm::evaluate_observables(s.model, s.model.nominal_drive(), y.data(), obs);
    const double G = s.model.nominal_drive().generation_cm3_s;
    const std::size_t U = 2, M = 3;  // state layout: S, T, U, M
    const double rad = 300.0 * y[U] + 50.0 * y[M];
    const double nonrad = 600.0 * y[M];
    const double quench = 700.0 * y[U];
    const auto names = rm::fate_names(s.model);
    for (std::size_t i = 0; i < names.size(); ++i) {
        INFO(names[i]);
        if (names[i] == "X_radiative")
            CHECK(obs.fates[i] == (300.0 * y[U] + 50.0 * y[M]) * (1.0 / G));
        if (names[i] == "X_nonradiative") CHECK(obs.fates[i] == nonrad * (1.0 / G));
        if (names[i] == "X_quenching") CHECK(obs.fates[i] == quench * (1.0 / G));
    }
    CHECK(rad > 0.0);
}
