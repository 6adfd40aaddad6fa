//! Google Benchmark timings of the dipole-emission solver (docs/optics.md, benchmarks/README.md).
//! The stack is that of configs/optics/paper_device.toml (glass / ITO 100 / TAPC 40 / EML 30 /
//! TPBi 40 / LiF 1 / Al), read through the same [optics] reader and material tables.
#include <benchmark/benchmark.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "relsim/optics/device_optics.hpp"

namespace {

using namespace relsim::optics;

const DeviceOptics& paper_stack() {
    static const DeviceOptics d = [] {
        const std::string path =
            std::string(RELSIM_BENCH_SOURCE_DIR) + "/configs/optics/paper_device.toml";
        std::ifstream in(path);
        std::stringstream ss;
        ss << in.rdbuf();
        OpticsChecks checks;
        checks.wavelengths_nm = {380.0, 780.0};
        checks.recombination_zone_nm = {20.0};
        return DeviceOptics(*read_optics_config(ss.str(), path, checks));
    }();
    return d;
}

std::vector<double> grid400() {
    std::vector<double> w(400);
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = 380.0 + static_cast<double>(i);
    return w;
}

//! Purcell factor and eta_air (ED and MD, both orientations) at 615 nm, one position.
void BM_OneWavelengthOnePosition(benchmark::State& st) {
    const StackAtWavelength s = paper_stack().stack_at(615.0);
    const std::vector<double> z{15.0};
    long evals = 0;
    for (auto _ : st) {
        SolveReport rep;
        auto r = dipole_powers(s, 615.0, z, {}, &rep);
        benchmark::DoNotOptimize(r);
        evals = rep.evaluations;
    }
    st.counters["u_points"] = static_cast<double>(evals);
}
BENCHMARK(BM_OneWavelengthOnePosition)->Unit(benchmark::kMicrosecond);

//! The full stack spectrum: 400 wavelengths x 5 slices (the slices share each wavevector point).
void BM_Spectrum400x5(benchmark::State& st) {
    const DeviceOptics& d = paper_stack();
    const auto wl = grid400();
    for (auto _ : st) {
        auto r = d.powers(wl, 20.0);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_Spectrum400x5)->Unit(benchmark::kMillisecond);

//! Baseline: the same spectrum with every slice integrated on its own (no shared nodes).
void BM_Spectrum400x5_SlicesSeparately(benchmark::State& st) {
    const DeviceOptics& d = paper_stack();
    const auto wl = grid400();
    const auto z = d.positions_nm(20.0);
    for (auto _ : st) {
        for (double w : wl) {
            const StackAtWavelength s = d.stack_at(w);
            for (double zi : z) {
                auto r = dipole_powers(s, w, {zi});
                benchmark::DoNotOptimize(r);
            }
        }
    }
}
BENCHMARK(BM_Spectrum400x5_SlicesSeparately)->Unit(benchmark::kMillisecond);

//! Tolerance dependence of the single solve (accuracy vs time, docs/optics.md).
void BM_OneWavelengthTolerance(benchmark::State& st) {
    const StackAtWavelength s = paper_stack().stack_at(615.0);
    Accuracy acc;
    acc.rel_tol = std::pow(10.0, -static_cast<double>(st.range(0)));
    acc.max_intervals = 200000;
    for (auto _ : st) {
        auto r = dipole_powers(s, 615.0, {15.0}, acc);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_OneWavelengthTolerance)->DenseRange(4, 10, 3)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
