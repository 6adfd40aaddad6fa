//! Transient (pulsed) operation: closed-form decays and the long-time steady state.
#include <catch2/catch.hpp>
#include <cmath>

#include "model_builders.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/steady_state.hpp"
#include "relsim/solver/transient.hpp"

using relsim::model::RateModel;

TEST_CASE("A long pulse lands on the steady state", "[model][transient]") {
    // The steady state is the t -> inf limit of the pulse. With a pulse 1e4 times the slowest
    // lifetime (5D4: 1/(140+60) s = 5 ms) the remaining transient is e^-1e4 ~ 0, so the state at
    // t_on differs from the Newton solution only by the integrator's error (rtol 1e-8) -> 1e-6.
    auto p = relsim::test::example_params();
    p.dopants[0].kETU_s = 1e3;
    p.ligand.tta_singlet_yield = 0.2;
    RateModel m(p);
    relsim::solver::PulseSpec pulse;
    pulse.current_density_A_cm2 = p.device.current_density_mA_cm2 * 1e-3;
    pulse.on_s = 50.0;
    pulse.off_s = 0.05;
    pulse.points = 50;
    const auto tr = relsim::solver::run_pulse(m, pulse);
    REQUIRE((tr.status & relsim::solver::transient_failed) == 0);
    relsim::solver::SteadyStateSolver solver;
    std::vector<double> y(m.num_states());
    REQUIRE(solver.solve(m, m.nominal_drive(), nullptr, y.data()).status ==
            relsim::solver::SolveStatus::converged);
    const double ss_rate = relsim::model::total_photon_rate(m, y.data());
    CHECK(tr.photon_rate_at_t_on_cm3_s == Approx(ss_rate).epsilon(1e-6));
    const std::size_t i_on = static_cast<std::size_t>(pulse.points);  // index of t_on
    CHECK(tr.time_s[i_on] == pulse.on_s);
    for (std::size_t s = 0; s < m.num_states(); ++s) {
        CHECK(tr.populations_cm3[i_on * m.num_states() + s] ==
              Approx(y[s]).epsilon(1e-6).margin(1e-3));
    }
}

TEST_CASE("Decay and rise of a single emitting level are exponential with tau = 1/k",
          "[model][transient]") {
    // Linear regime, fast ligand (kTET = 1e11 s^-1 >> 1/tau): the ion population rises as
    // 1 - exp(-t/tau) and decays as exp(-t/tau) with 1/tau = A + Q, so the 1/e decay time is
    // tau and the (1 - 1/e) rise time is tau (1 + O(ligand time / tau) ~ 1e-7). Tolerance 1e-4
    // covers the ligand delay and the long-pulse remainder exp(-50).
    auto p = relsim::test::example_params();
    p.device.current_density_mA_cm2 = 1e-6;
    p.dopants[0].kTET_s = 1e11;
    p.dopants[0].scheme.levels.resize(1);
    p.dopants[0].scheme.lines.resize(2);
    p.dopants[0].scheme.relaxations.clear();
    p.ligand.kS_rad_s = 0;
    p.ligand.kT_rad_s = 0;
    RateModel m(p);
    const double tau = 1.0 / (140.0 + 60.0);
    relsim::solver::PulseSpec pulse{1e-9, 50 * tau, 10 * tau, 100, 8.0};
    const auto tr = relsim::solver::run_pulse(m, pulse);
    CHECK(tr.status == relsim::solver::transient_ok);
    CHECK(tr.decay_time_s == Approx(tau).epsilon(1e-4));
    CHECK(tr.rise_time_s == Approx(tau).epsilon(1e-4));
    for (double v : tr.photon_rate_cm3_s) CHECK(std::isfinite(v));
}
