//! @file bench_model.cpp
//! Micro benchmarks of the relsim model core (Google Benchmark 1.7):
//!   rhs, jacobian                     one evaluation at the steady state
//!   SteadyState/cold                  solve from the linear (low-current) guess
//!   SteadyState/warm_neighbour        warm start from the solution at the neighbouring J of a
//!                                     log J sweep (ratio RELSIM_BENCH_J_RATIO, as in the sweep
//!                                     configs of benchmarks/configs: 1e6^(1/249) = 1.057)
//!   SteadyState/warm_same             warm start from the converged solution itself (the floor:
//!                                     one Newton iteration)
//!   Observables                       evaluate_observables alone
//!   ObservablesPhotometry             evaluate_observables + band fluxes + Photometry::evaluate,
//!                                     i.e. what a sweep point does after the solve
//!   RateModel/construct, /refresh     compiling the model from ModelParams vs refreshing it
//!   SweepRow                          a row of 250 sweep points without I/O (per-point counter)
//!   Pulse                             one run_pulse of configs/paper/tb_czppoa_transient.toml
//! on the Tb config (configs/tb_device.toml at its nominal 10 mA cm^-2) and the Tb/Eu config
//! (configs/eu_device.toml at 1 mA cm^-2). Counters: newton iterations per solve etc.
//!
//! Configs are read from the source tree (RELSIM_BENCH_SOURCE_DIR at build time, or the
//! environment variable of the same name at run time).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/steady_state.hpp"
#include "relsim/solver/transient.hpp"

namespace {

using namespace relsim;

std::string source_dir() {
    if (const char* env = std::getenv("RELSIM_BENCH_SOURCE_DIR")) return env;
    return RELSIM_BENCH_SOURCE_DIR;
}

//! Neighbouring-point J ratio of the benchmark sweeps (250 log points over 6 decades).
double neighbour_ratio() {
    if (const char* env = std::getenv("RELSIM_BENCH_J_RATIO")) return std::stod(env);
    return std::pow(1.0e6, 1.0 / 249.0);
}

//! Everything one config needs, built once per process.
struct Case {
    io::RunConfig config;
    std::unique_ptr<model::RateModel> model;
    model::Drive drive;
    std::vector<double> y;        //!< steady state at the nominal drive
    std::vector<double> y_neigh;  //!< steady state at J / neighbour_ratio()
    std::shared_ptr<model::Photometry> photometry;
    std::vector<double> band_flux;
};

std::vector<model::BandShape> band_shapes(const model::ModelParams& p) {
    std::vector<model::BandShape> bands{{p.ligand.singlet_band_nm, p.ligand.singlet_fwhm_nm},
                                        {p.ligand.triplet_band_nm, p.ligand.triplet_fwhm_nm}};
    for (const model::DopantParams& d : p.dopants) {
        for (const model::EmissionLine& ln : d.scheme.lines)
            bands.push_back({ln.wavelength_nm, ln.fwhm_nm});
    }
    return bands;
}

const model::CieObserver& observer() {
    static const model::CieObserver obs =
        model::load_cie_observer(source_dir() + "/data/cie1931_2deg_1nm.csv");
    return obs;
}

Case& get_case(const std::string& name) {
    static std::map<std::string, std::unique_ptr<Case>> cases;
    auto it = cases.find(name);
    if (it != cases.end()) return *it->second;
    auto c = std::make_unique<Case>();
    const std::string rel = name == "tb"     ? "/configs/tb_device.toml"
                            : name == "tbeu" ? "/configs/eu_device.toml"
                                             : "/configs/paper/tb_czppoa_transient.toml";
    c->config = io::load_config(source_dir() + rel);
    c->model = std::make_unique<model::RateModel>(c->config.model);
    c->drive = c->model->nominal_drive();
    const std::size_t n = c->model->num_states();
    c->y.assign(n, 0.0);
    c->y_neigh.assign(n, 0.0);
    solver::SteadyStateSolver solver;
    if (solver.solve(*c->model, c->drive, nullptr, c->y.data()).status !=
        solver::SolveStatus::converged) {
        throw std::runtime_error(name + ": nominal point did not converge");
    }
    const model::Drive nd = c->model->drive_at(c->drive.current_density_A_cm2 / neighbour_ratio());
    if (solver.solve(*c->model, nd, nullptr, c->y_neigh.data()).status !=
        solver::SolveStatus::converged) {
        throw std::runtime_error(name + ": neighbour point did not converge");
    }
    c->photometry = std::make_shared<model::Photometry>(observer(), band_shapes(c->config.model));
    c->band_flux.assign(c->photometry->bands().size(), 0.0);
    return *cases.emplace(name, std::move(c)).first->second;
}

void fail(benchmark::State& state, const std::exception& e) { state.SkipWithError(e.what()); }

// ---------------------------------------------------------------------------------------------

void BM_Rhs(benchmark::State& state, const std::string& name) {
    try {
        Case& c = get_case(name);
        std::vector<double> dydt(c.y.size());
        for (auto _ : state) {
            c.model->rhs(c.drive, c.y.data(), dydt.data());
            benchmark::DoNotOptimize(dydt.data());
            benchmark::ClobberMemory();
        }
        state.counters["states"] = static_cast<double>(c.y.size());
    } catch (const std::exception& e) {
        fail(state, e);
    }
}

void BM_Jacobian(benchmark::State& state, const std::string& name) {
    try {
        Case& c = get_case(name);
        std::vector<double> jac(c.y.size() * c.y.size());
        for (auto _ : state) {
            c.model->jacobian(c.drive, c.y.data(), jac.data());
            benchmark::DoNotOptimize(jac.data());
            benchmark::ClobberMemory();
        }
        state.counters["states"] = static_cast<double>(c.y.size());
    } catch (const std::exception& e) {
        fail(state, e);
    }
}

enum class Start { cold, warm_neighbour, warm_same };

void BM_SteadyState(benchmark::State& state, const std::string& name, Start start) {
    try {
        Case& c = get_case(name);
        solver::SteadyStateSolver solver;
        std::vector<double> y(c.y.size());
        const double* guess = start == Start::cold             ? nullptr
                              : start == Start::warm_neighbour ? c.y_neigh.data()
                                                               : c.y.data();
        long iterations = 0, continuation = 0, failed = 0;
        for (auto _ : state) {
            const solver::SteadyStateReport r = solver.solve(*c.model, c.drive, guess, y.data());
            iterations += r.newton_iterations;
            continuation += r.continuation_steps;
            failed += r.status != solver::SolveStatus::converged;
            benchmark::DoNotOptimize(y.data());
            benchmark::ClobberMemory();
        }
        const double n = static_cast<double>(state.iterations());
        state.counters["newton_it"] = static_cast<double>(iterations) / n;
        state.counters["contin_steps"] = static_cast<double>(continuation) / n;
        state.counters["failed"] = static_cast<double>(failed) / n;
    } catch (const std::exception& e) {
        fail(state, e);
    }
}

void BM_Observables(benchmark::State& state, const std::string& name, bool photometry) {
    try {
        Case& c = get_case(name);
        model::Observables obs;
        const model::DeviceParams& dev = c.model->params().device;
        const double to_flux = dev.outcoupling * dev.recombination_zone_nm * 1e-7;
        for (auto _ : state) {
            model::evaluate_observables(*c.model, c.drive, c.y.data(), obs);
            if (photometry) {
                c.band_flux[0] = to_flux * obs.ligand_singlet_photon_rate_cm3_s;
                c.band_flux[1] = to_flux * obs.ligand_triplet_photon_rate_cm3_s;
                for (std::size_t l = 0; l < obs.line_photon_rate_cm3_s.size(); ++l) {
                    c.band_flux[2 + l] = to_flux * obs.line_photon_rate_cm3_s[l];
                }
                model::Colour col = c.photometry->evaluate(c.band_flux.data());
                benchmark::DoNotOptimize(col);
            }
            benchmark::DoNotOptimize(obs.eqe);
            benchmark::ClobberMemory();
        }
        state.counters["bands"] = static_cast<double>(c.band_flux.size());
    } catch (const std::exception& e) {
        fail(state, e);
    }
}

void BM_RateModelConstruct(benchmark::State& state, const std::string& name) {
    try {
        Case& c = get_case(name);
        for (auto _ : state) {
            model::RateModel m(c.config.model);
            benchmark::DoNotOptimize(&m);
            benchmark::ClobberMemory();
        }
    } catch (const std::exception& e) {
        fail(state, e);
    }
}

void BM_RateModelRefresh(benchmark::State& state, const std::string& name) {
    try {
        Case& c = get_case(name);
        model::RateModel m(c.config.model);
        model::ModelParams p = c.config.model;
        double j = p.device.current_density_mA_cm2;
        for (auto _ : state) {
            p.device.current_density_mA_cm2 = (j *= 1.0000001);  // a new point each time
            m.refresh(p);
            benchmark::DoNotOptimize(&m);
            benchmark::ClobberMemory();
        }
    } catch (const std::exception& e) {
        fail(state, e);
    }
}

//! What one sweep point costs without I/O, as src/sweep/point_evaluator.cpp does it: set J,
//! RateModel::refresh, steady state (the first point of the row cold, the others warm-started
//! from their predecessor), observables, band fluxes and photometry. One iteration is a row of
//! 250 log-spaced J from 1e-3 to 1e3 mA cm^-2, as in benchmarks/configs/*_sweep_1e5.toml.
void BM_SweepRow(benchmark::State& state, const std::string& name) {
    try {
        Case& c = get_case(name);
        constexpr int row = 250;
        model::ModelParams p = c.config.model;
        model::RateModel m(p);
        solver::SteadyStateSolver solver;
        model::Observables obs;
        const std::size_t n = m.num_states();
        std::vector<double> y(n), prev(n);
        long newton = 0, failed = 0;
        for (auto _ : state) {
            for (int i = 0; i < row; ++i) {
                p.device.current_density_mA_cm2 = std::pow(10.0, -3.0 + 6.0 * i / (row - 1));
                m.refresh(p);
                const model::Drive drive = m.nominal_drive();
                const solver::SteadyStateReport r =
                    solver.solve(m, drive, i == 0 ? nullptr : prev.data(), y.data());
                newton += r.newton_iterations;
                failed += r.status != solver::SolveStatus::converged;
                prev = y;
                model::evaluate_observables(m, drive, y.data(), obs);
                const model::DeviceParams& dev = m.params().device;
                const double to_flux = dev.outcoupling * dev.recombination_zone_nm * 1e-7;
                c.band_flux[0] = to_flux * obs.ligand_singlet_photon_rate_cm3_s;
                c.band_flux[1] = to_flux * obs.ligand_triplet_photon_rate_cm3_s;
                for (std::size_t l = 0; l < obs.line_photon_rate_cm3_s.size(); ++l) {
                    c.band_flux[2 + l] = to_flux * obs.line_photon_rate_cm3_s[l];
                }
                model::Colour col = c.photometry->evaluate(c.band_flux.data());
                benchmark::DoNotOptimize(col);
                benchmark::DoNotOptimize(obs.eqe);
            }
        }
        const double points = static_cast<double>(state.iterations()) * row;
        state.SetItemsProcessed(static_cast<std::int64_t>(points));
        state.counters["newton_it"] = static_cast<double>(newton) / points;
        state.counters["failed"] = static_cast<double>(failed);
        state.counters["s_per_point"] = benchmark::Counter(
            row, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
    } catch (const std::exception& e) {
        fail(state, e);
    }
}

void BM_Pulse(benchmark::State& state) {
    try {
        Case& c = get_case("transient");
        const io::TransientSpec& t = *c.config.transient;
        solver::PulseSpec pulse;
        pulse.current_density_A_cm2 = t.pulse_current_density_mA_cm2 * 1e-3;
        pulse.on_s = t.pulse_on_s;
        pulse.off_s = t.off_s;
        pulse.points = t.points;
        std::size_t steps = 0;
        int status = 0;
        for (auto _ : state) {
            solver::TransientResult r = solver::run_pulse(*c.model, pulse);
            steps += r.steps;
            status |= r.status;
            benchmark::DoNotOptimize(r.decay_time_s);
        }
        state.counters["steps"] =
            static_cast<double>(steps) / static_cast<double>(state.iterations());
        state.counters["status"] = status;
        state.counters["points_per_phase"] = t.points;
    } catch (const std::exception& e) {
        fail(state, e);
    }
}

double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

//! With --benchmark_repetitions=N the aggregates get a "min" row besides mean/median/stddev/cv.
template <class... Args>
benchmark::internal::Benchmark* add(const std::string& label, Args&&... args) {
    return benchmark::RegisterBenchmark(label.c_str(), std::forward<Args>(args)...)
        ->ComputeStatistics("min", min_of);
}

void register_all() {
    for (const std::string name : {"tb", "tbeu"}) {
        add("rhs/" + name, BM_Rhs, name);
        add("jacobian/" + name, BM_Jacobian, name);
        add("steady_state/cold/" + name, BM_SteadyState, name, Start::cold);
        add("steady_state/warm_neighbour/" + name, BM_SteadyState, name, Start::warm_neighbour);
        add("steady_state/warm_same/" + name, BM_SteadyState, name, Start::warm_same);
        add("observables/" + name, BM_Observables, name, false);
        add("observables_photometry/" + name, BM_Observables, name, true);
        add("rate_model/construct/" + name, BM_RateModelConstruct, name);
        add("rate_model/refresh/" + name, BM_RateModelRefresh, name);
        add("sweep_row_250/" + name, BM_SweepRow, name)->Unit(benchmark::kMicrosecond);
    }
    add("pulse/tb_czppoa_transient", BM_Pulse)->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::AddCustomContext("relsim_source_dir", source_dir());
#ifdef NDEBUG
    benchmark::AddCustomContext("relsim_ndebug", "1");
#else
    benchmark::AddCustomContext("relsim_ndebug", "0");
#endif
    register_all();
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
