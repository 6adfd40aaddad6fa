//! @file pulse_timing.cpp
//! Timed program: one transient pulse of a config (default configs/paper/tb_czppoa_transient.toml),
//! as `relsim run` and `relsim fit` compute it. Prints the minimum and median wall time per pulse
//! over REPS batches of 20 pulses, the accepted steps, and where the exact linear tail began.
//!   build-bench/bin/pulse_timing [CONFIG] [REPS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/transient.hpp"

int main(int argc, char** argv) {
    using namespace relsim;
    const std::string path =
        argc > 1 ? argv[1]
                 : std::string(RELSIM_BENCH_SOURCE_DIR) + "/configs/paper/tb_czppoa_transient.toml";
    const int reps = argc > 2 ? std::stoi(argv[2]) : 15;
    const io::RunConfig cfg = io::load_config(path);
    const model::RateModel m(cfg.model);
    solver::PulseSpec p;
    p.current_density_A_cm2 = cfg.transient->pulse_current_density_mA_cm2 * 1e-3;
    p.on_s = cfg.transient->pulse_on_s;
    p.off_s = cfg.transient->off_s;
    p.points = cfg.transient->points;
    for (const bool fit_mode : {false, true}) {
        solver::TransientOptions o;
        o.characteristic_times = !fit_mode;  // relsim fit needs the series only
        std::vector<double> per;
        solver::TransientResult r;
        for (int k = 0; k < reps; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            for (int i = 0; i < 20; ++i) r = solver::run_pulse(m, p, o);
            per.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / 20);
        }
        std::sort(per.begin(), per.end());
        std::printf(
            "%s: min %.3f ms, median %.3f ms per pulse; %zu steps; exact tail from %.4g s; status "
            "%d\n",
            fit_mode ? "series only (fit)" : "with rise/decay times (run)", per.front() * 1e3,
            per[per.size() / 2] * 1e3, r.steps, r.linear_tail_from_s, r.status);
    }
    return 0;
}
