//! Pulses: the exact linear tail after the pulse and output at given times.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>

#include "model_builders.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/transient.hpp"

using relsim::model::RateModel;
using relsim::solver::PulseSpec;
using relsim::solver::TransientOptions;

namespace {

PulseSpec example_pulse(const relsim::model::ModelParams& p) {
    PulseSpec pulse;
    pulse.current_density_A_cm2 = p.device.current_density_mA_cm2 * 1e-3;
    pulse.on_s = 0.02;
    pulse.off_s = 0.1;  // 20 lifetimes of 5D4 (5 ms): the tail is reached before the end
    pulse.points = 200;
    return pulse;
}

}  // namespace

TEST_CASE("The exact linear tail after the pulse agrees with a tight integration",
          "[model][transient]") {
    // Reference: stepping all the way at rtol 1e-13. At the default rtol 1e-8 the exact tail
    // must take over (criterion met) and be at least as accurate as stepping (global error
    // of the stepped decay at these tolerances: ~1e-6 after many lifetimes).
    auto p = relsim::test::example_params();
    p.dopants[0].kETU_s = 10.0;  // a nonlinear term (Ln*-Ln*) that fades with the populations
    RateModel m(p);
    const PulseSpec pulse = example_pulse(p);
    TransientOptions ref_opt;
    ref_opt.relative_tolerance = 1e-13;
    ref_opt.scaled_absolute_tolerance = 1e-17;
    ref_opt.exact_linear_tail = false;
    const auto ref = relsim::solver::run_pulse(m, pulse, ref_opt);
    const auto tail = relsim::solver::run_pulse(m, pulse);
    TransientOptions step_opt;
    step_opt.exact_linear_tail = false;
    const auto stepped = relsim::solver::run_pulse(m, pulse, step_opt);
    REQUIRE(tail.status == relsim::solver::transient_ok);
    REQUIRE(tail.linear_tail_from_s > pulse.on_s);
    REQUIRE(tail.linear_tail_from_s < pulse.on_s + pulse.off_s);
    CHECK(tail.steps < stepped.steps);
    double err_tail = 0, err_stepped = 0;
    for (std::size_t i = 0; i < ref.time_s.size(); ++i) {
        if (ref.time_s[i] < tail.linear_tail_from_s) continue;
        err_tail =
            std::max(err_tail, std::abs(tail.photon_rate_cm3_s[i] / ref.photon_rate_cm3_s[i] - 1));
        err_stepped = std::max(
            err_stepped, std::abs(stepped.photon_rate_cm3_s[i] / ref.photon_rate_cm3_s[i] - 1));
    }
    INFO("max relative error in the tail: exact " << err_tail << ", stepped " << err_stepped);
    CHECK(err_tail < 1e-5);
    CHECK(err_tail <= 2.0 * err_stepped + 1e-9);
    CHECK(tail.decay_time_s == Approx(ref.decay_time_s).epsilon(1e-7));
    CHECK(tail.rise_time_s == Approx(ref.rise_time_s).epsilon(1e-7));
}

TEST_CASE("Output at given times equals the log-spaced output at those times",
          "[model][transient]") {
    // The dense output does not change the steps, so a subset of the times gives the same bits.
    auto p = relsim::test::example_params();
    RateModel m(p);
    PulseSpec pulse = example_pulse(p);
    const auto full = relsim::solver::run_pulse(m, pulse);
    std::vector<std::size_t> pick;
    for (std::size_t i = 0; i < full.time_s.size(); i += 7) pick.push_back(i);
    for (std::size_t i : pick) pulse.output_times_s.push_back(full.time_s[i]);
    const auto sub = relsim::solver::run_pulse(m, pulse);
    REQUIRE(sub.photon_rate_cm3_s.size() == pick.size());
    for (std::size_t k = 0; k < pick.size(); ++k) {
        CHECK(sub.time_s[k] == full.time_s[pick[k]]);
        CHECK(sub.photon_rate_cm3_s[k] == full.photon_rate_cm3_s[pick[k]]);
    }
}
