//! @file lifetime_timing.cpp
//! Timed program (benchmarks/README.md, "Lifetime"): one LT50 of the paper's Tb device at
//! L0 = 1000 cd m^-2 with the degradation rates of configs/lifetime/tb_lifetime.toml (200 output
//! times, as `relsim run` computes it, fates included), and a 100-point lifetime sweep over J
//! (1e-2..1e2 mA cm^-2, one thread, no I/O). Prints the minimum and median wall time over REPS
//! repetitions, the accepted Runge-Kutta steps and the point solves.
//!   build-bench/bin/lifetime_timing [REPS]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/lifetime/lifetime.hpp"
#include "relsim/lifetime/lifetime_config.hpp"
#include "relsim/lifetime/mean_field_point.hpp"

int main(int argc, char** argv) {
    using namespace relsim;
    const int reps = argc > 1 ? std::stoi(argv[1]) : 15;
    const std::string src = RELSIM_BENCH_SOURCE_DIR;
    lifetime::register_config_tables();  // [lifetime] is a table of src/lifetime (io registry)
    io::RunConfig cfg = io::load_config(src + "/configs/lifetime/tb_lifetime.toml");
    const lifetime::LifetimeConfig lc = lifetime::read_lifetime_config(cfg.text, cfg.path, 20.0);
    const lifetime::LifetimeSettings s = *lc.lifetime;
    const auto obs = std::make_shared<const model::CieObserver>(
        model::load_cie_observer(src + "/data/cie1931_2deg_1nm.csv"));
    cfg.model.device.current_density_mA_cm2 = 5.0172;  // L0 = 1000 cd m^-2
    auto time = [&](auto&& body) {
        std::vector<double> per;
        for (int k = 0; k < reps; ++k) {
            const auto t0 = std::chrono::steady_clock::now();
            body();
            per.push_back(
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
        std::sort(per.begin(), per.end());
        return std::pair{per.front(), per[per.size() / 2]};
    };
    lifetime::LifetimeResult r;
    for (const bool fates : {true, false}) {
        const auto [mn, med] = time([&] {
            lifetime::MeanFieldPoint point(cfg.model, s.rates, obs);
            r = lifetime::run_lifetime(point, s, fates);
        });
        std::printf(
            "one LT50, Tb device, L0 1000 cd m^-2, %d output times%s: min %.3f ms, median %.3f ms; "
            "LT50 %.6g h, %d steps, %ld point solves, status %d\n",
            s.time_points, fates ? " with fates" : "", mn * 1e3, med * 1e3, r.lt_h[3], r.steps,
            r.solves, r.status);
    }
    long solves = 0;
    const auto [mn, med] = time([&] {
        solves = 0;
        for (int i = 0; i < 100; ++i) {
            io::RunConfig c = cfg;
            c.model.device.current_density_mA_cm2 = 1e-2 * std::pow(1e4, i / 99.0);
            lifetime::MeanFieldPoint point(c.model, s.rates, obs);
            const lifetime::LifetimeResult rr = lifetime::run_lifetime(point, s, true);
            solves += rr.solves;
        }
    });
    std::printf(
        "100-point lifetime sweep (J 1e-2..1e2 mA cm^-2, 1 thread, no I/O): min %.3f s, median "
        "%.3f s; "
        "%ld point solves\n",
        mn, med, solves);
    return 0;
}
