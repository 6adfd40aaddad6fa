//! @file bench_point.cpp
//! The cost of one sweep point against a hand-written limit, side by side in one Google
//! Benchmark run (issue 22, benchmarks/README.md "The point at the limit"):
//!
//!   point/handwritten/tb      a minimal, hand-written steady-state solver for the Tb model of
//!                             configs/tb_device.toml (4 states: ligand S, T, Tb 5D4, 5D3):
//!                             fixed-size arrays, analytic Jacobian, Newton with continuation
//!                             along J (each point starts from the previous J's solution), then
//!                             the EQE, the line photon rates, CIE x, y and luminance from
//!                             precomputed band weights. No allocation, no generality.
//!   point/relsim/tb           relsim's own point: src/sweep/point_evaluator.cpp on the layout
//!                             of benchmarks/configs/tb_sweep_1e5.toml, writing into a result
//!                             block exactly as `relsim run` does (refresh, solve, observables,
//!                             photometry, radiometry, every /results quantity).
//!   point/relsim_four/tb      the same with the [output] of tb_sweep_1e6_four.toml: eqe, cie_x,
//!                             cie_y, luminance_cd_m2 (what the limit computes), no line rates.
//!   point/relsim_solver/tb    relsim's RateModel::refresh + SteadyStateSolver::solve alone.
//!   point/relsim_row_solver/tb  RateModel::set_current_density + solve: the solver's share of
//!                             a sweep point along J (the point also computes its observables).
//!
//! One iteration is a row of 250 log-spaced J from 1e-3 to 1e3 mA cm^-2 (the last axis of the
//! benchmark sweeps); the counter s_per_point is the time per point. Before timing, the
//! hand-written solution is checked against relsim's at every J of the row (relative 1e-9).
#include <benchmark/benchmark.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "point_evaluator.hpp"  // private header of src/sweep (benchmarks/CMakeLists.txt)
#include "relsim/core/constants.hpp"
#include "relsim/io/config.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/steady_state.hpp"

namespace {

using namespace relsim;

std::string source_dir() {
    if (const char* env = std::getenv("RELSIM_BENCH_SOURCE_DIR")) return env;
    return RELSIM_BENCH_SOURCE_DIR;
}

constexpr int kRow = 250;

double row_J_mA_cm2(int i) { return std::pow(10.0, -3.0 + 6.0 * i / (kRow - 1)); }

// ------------------------------------------------------------------------- the hand-written limit

//! The Tb model with every rate folded into a few constants (the spec's equations, section 3,
//! for one dopant whose accepting level is 5D4 and whose 5D3 relaxes into 5D4).
struct TbModel {
    double chi = 0, kS = 0, kT = 0, k_isc = 0, kTT = 0, xi = 0, kTP = 0, kSS = 0, kST = 0;
    double inv_N = 0, kTET = 0, kSET = 0, kBT = 0, kETU = 0, kLP = 0;
    double k4 = 0;   //!< 5D4 decay: lines + quenching [s^-1]
    double k3 = 0;   //!< 5D3 decay: lines + relaxation + quenching [s^-1]
    double k34 = 0;  //!< 5D3 -> 5D4 relaxation [s^-1]
    double w_cm = 0, gamma = 0, kL = 0, outcoupling = 0;
    std::array<double, 16> line_rate{};  //!< A of each line, in scheme order
    std::array<int, 16> line_from{};     //!< 2 (5D4) or 3 (5D3)
    int lines = 0;
    double kS_rad = 0, kT_rad = 0;

    //! F(y) and its Jacobian at drive (G, np).
    void eval(double G, double np, const double* y, double* f, double (*J)[4]) const {
        const double S = y[0], T = y[1], D4 = y[2], D3 = y[3];
        const double X = (D4 + D3) * inv_N, g = 1.0 - X;
        const double loss = kLP * np + kETU * X;
        f[0] = chi * G - kS * S - kSS * S * S - kST * S * T + xi * kTT * T * T - kSET * g * S;
        f[1] = (1 - chi) * G + k_isc * S - kT * T - kTT * T * T - kTP * np * T + kBT * D4 -
               kTET * g * T;
        f[2] = kTET * g * T + kSET * g * S - kBT * D4 - loss * D4 - k4 * D4 + k34 * D3;
        f[3] = -loss * D3 - k3 * D3;
        const double dg = -inv_N, dloss = kETU * inv_N;
        J[0][0] = -kS - 2 * kSS * S - kST * T - kSET * g;
        J[0][1] = -kST * S + 2 * xi * kTT * T;
        J[0][2] = J[0][3] = -kSET * dg * S;
        J[1][0] = k_isc;
        J[1][1] = -kT - 2 * kTT * T - kTP * np - kTET * g;
        J[1][2] = kBT - kTET * dg * T;
        J[1][3] = -kTET * dg * T;
        J[2][0] = kSET * g;
        J[2][1] = kTET * g;
        J[2][2] = (kTET * T + kSET * S) * dg - kBT - loss - dloss * D4 - k4;
        J[2][3] = (kTET * T + kSET * S) * dg - dloss * D4 + k34;
        J[3][0] = J[3][1] = 0.0;
        J[3][2] = -dloss * D3;
        J[3][3] = -loss - dloss * D3 - k3;
    }
};

//! Solves the 4x4 system J dx = b in place (Gaussian elimination, partial pivoting).
inline void solve4(double (*J)[4], double* b) {
    for (int c = 0; c < 4; ++c) {
        int p = c;
        for (int r = c + 1; r < 4; ++r) {
            if (std::abs(J[r][c]) > std::abs(J[p][c])) p = r;
        }
        if (p != c) {
            for (int k = 0; k < 4; ++k) std::swap(J[c][k], J[p][k]);
            std::swap(b[c], b[p]);
        }
        const double inv = 1.0 / J[c][c];
        for (int r = c + 1; r < 4; ++r) {
            const double m = J[r][c] * inv;
            for (int k = c + 1; k < 4; ++k) J[r][k] -= m * J[c][k];
            b[r] -= m * b[c];
        }
    }
    for (int c = 3; c >= 0; --c) {
        double s = b[c];
        for (int k = c + 1; k < 4; ++k) s -= J[c][k] * b[k];
        b[c] = s / J[c][c];
    }
}

struct Limit {
    TbModel m;
    model::Photometry photometry;
    double bands_flux[32]{};
    std::array<double, 4> y{};
    int newton = 0;

    //! Steady state at J by Newton from y (the previous J's solution, or the linear guess for the
    //! first point), until the weighted step is below 1e-10 relative (relsim's criterion).
    void solve(double J_mA_cm2, bool warm) {
        const double electrons = J_mA_cm2 * 1e-3 / (constants::elementary_charge_C * m.w_cm);
        const double G = m.gamma * electrons, np = std::sqrt(electrons / m.kL);
        if (!warm) {  // linear guess: quadratic terms dropped, g = 1
            const double S = m.chi * G / (m.kS + m.kSET);
            const double T = ((1 - m.chi) * G + m.k_isc * S) / (m.kT + m.kTP * np + m.kTET);
            y = {S, T, (m.kTET * T + m.kSET * S) / (m.k4 + m.kBT), 0.0};
        }
        double f[4], J[4][4];
        for (int it = 0; it < 50; ++it) {
            m.eval(G, np, y.data(), f, J);
            for (double& v : f) v = -v;
            solve4(J, f);
            double err = 0.0;
            for (int i = 0; i < 4; ++i) {
                y[i] += f[i];
                const double w = 1e-10 * std::abs(y[i]) + 1e-30;
                err += (f[i] / w) * (f[i] / w);
            }
            ++newton;
            if (err <= 4.0) break;  // RMS of the weighted step <= 1
        }
    }

    //! EQE, CIE x, y, luminance of the point (as `relsim run` stores them).
    model::Colour observe(double J_mA_cm2, double& eqe) {
        const double to_flux = m.outcoupling * m.w_cm;  // per volume -> per area [cm]
        bands_flux[0] = to_flux * m.kS_rad * y[0];
        bands_flux[1] = to_flux * m.kT_rad * y[1];
        double photons = bands_flux[0] + bands_flux[1];
        for (int l = 0; l < m.lines; ++l) {
            bands_flux[2 + l] =
                to_flux * m.line_rate[static_cast<std::size_t>(l)] *
                y[static_cast<std::size_t>(m.line_from[static_cast<std::size_t>(l)])];
            photons += bands_flux[2 + l];
        }
        eqe = photons * constants::elementary_charge_C / (J_mA_cm2 * 1e-3);
        return photometry.evaluate(bands_flux);
    }
};

std::vector<model::BandShape> band_shapes_of(const model::ModelParams& p) {
    std::vector<model::BandShape> b{{p.ligand.singlet_band_nm, p.ligand.singlet_fwhm_nm},
                                    {p.ligand.triplet_band_nm, p.ligand.triplet_fwhm_nm}};
    for (const auto& d : p.dopants) {
        for (const auto& ln : d.scheme.lines) b.push_back({ln.wavelength_nm, ln.fwhm_nm});
    }
    return b;
}

struct Setup {
    io::RunConfig config;
    std::unique_ptr<model::RateModel> model;
    std::shared_ptr<const model::CieObserver> observer;
    Limit limit;
};

Setup& setup() {
    static std::unique_ptr<Setup> instance = [] {
        auto s = std::make_unique<Setup>();
        s->config = io::load_config(source_dir() + "/benchmarks/configs/tb_sweep_1e5.toml");
        s->config.model.dopants[0].quench_s[0].second = 430.0;  // the nominal device
        const model::ModelParams& p = s->config.model;
        s->model = std::make_unique<model::RateModel>(p);
        if (p.dopants.size() != 1 || s->model->num_states() != 4)
            throw std::runtime_error("not the Tb model");
        s->observer = std::make_shared<const model::CieObserver>(
            model::load_cie_observer(source_dir() + "/data/cie1931_2deg_1nm.csv"));
        TbModel& m = s->limit.m;
        const auto& lig = p.ligand;
        const auto& d = p.dopants[0];
        const auto& sp = s->model->species()[0];
        m.chi = p.device.singlet_fraction;
        m.kS = lig.kS_rad_s + lig.kS_nr_s + lig.k_isc_s;
        m.kT = lig.kT_rad_s + lig.kT_nr_s;
        m.k_isc = lig.k_isc_s;
        m.kTT = lig.kTT_cm3_s;
        m.xi = lig.tta_singlet_yield;
        m.kTP = lig.kTP_cm3_s;
        m.kSS = lig.kSS_cm3_s;
        m.kST = lig.kST_cm3_s;
        m.kS_rad = lig.kS_rad_s;
        m.kT_rad = lig.kT_rad_s;
        m.inv_N = 1.0 / d.density_cm3;
        m.kTET = sp.kTET_s;
        m.kSET = sp.kSET_s;
        m.kBT = sp.kBT_s;  // detailed balance, as relsim derives it (spec section 3)
        m.kETU = d.kETU_s;
        m.kLP = d.kLP_cm3_s;
        auto level = [&](const std::string& name) {
            return name == "5D4" ? 2 : name == "5D3" ? 3 : -1;
        };
        for (const auto& ln : d.scheme.lines) {
            const int from = level(ln.from);
            (from == 2 ? m.k4 : m.k3) += ln.rate_s;
            m.line_rate[static_cast<std::size_t>(m.lines)] = ln.rate_s;
            m.line_from[static_cast<std::size_t>(m.lines++)] = from;
        }
        for (const auto& r : d.scheme.relaxations) {
            if (level(r.from) != 3 || level(r.to) != 2)
                throw std::runtime_error("unexpected relaxation");
            m.k3 += r.rate_s;
            m.k34 += r.rate_s;
        }
        for (const auto& [lv, q] : d.quench_s) (level(lv) == 2 ? m.k4 : m.k3) += q;
        m.w_cm = p.device.recombination_zone_nm * 1e-7;
        m.gamma = p.device.charge_balance;
        m.kL = p.device.langevin_cm3_s;
        m.outcoupling = p.device.outcoupling;
        s->limit.photometry = model::Photometry(*s->observer, band_shapes_of(p));
        // The limit must solve the same model: compare with relsim at every J of the row.
        solver::SteadyStateSolver solver;
        model::ModelParams q = p;
        std::vector<double> y(4), prev(4);
        for (int i = 0; i < kRow; ++i) {
            q.device.current_density_mA_cm2 = row_J_mA_cm2(i);
            s->model->refresh(q);
            solver.solve(*s->model, s->model->nominal_drive(), i ? prev.data() : nullptr, y.data());
            prev = y;
            s->limit.solve(row_J_mA_cm2(i), i > 0);
            for (int k = 0; k < 4; ++k) {
                const double scale = std::max(std::abs(y[static_cast<std::size_t>(k)]), 1e-300);
                if (std::abs(s->limit.y[static_cast<std::size_t>(k)] -
                             y[static_cast<std::size_t>(k)]) > 1e-9 * scale &&
                    std::abs(y[static_cast<std::size_t>(k)]) > 1e-3) {
                    throw std::runtime_error(
                        "hand-written solution differs from relsim at J index " +
                        std::to_string(i) + ", state " + std::to_string(k));
                }
            }
        }
        s->model->refresh(p);
        return s;
    }();
    return *instance;
}

void set_per_point(benchmark::State& state, long newton) {
    const double points = static_cast<double>(state.iterations()) * kRow;
    state.SetItemsProcessed(static_cast<std::int64_t>(points));
    state.counters["newton_it"] = static_cast<double>(newton) / points;
    state.counters["s_per_point"] = benchmark::Counter(
        kRow, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void BM_Handwritten(benchmark::State& state) {
    try {
        Limit& L = setup().limit;
        L.newton = 0;
        for (auto _ : state) {
            for (int i = 0; i < kRow; ++i) {
                const double J = row_J_mA_cm2(i);
                L.solve(J, i > 0);
                double eqe = 0.0;
                const model::Colour c = L.observe(J, eqe);
                benchmark::DoNotOptimize(c);
                benchmark::DoNotOptimize(eqe);
            }
        }
        set_per_point(state, L.newton);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

//! relsim's solver alone along the J row: RateModel::refresh (`row` false: every rate derived
//! again) or RateModel::set_current_density (`row` true: only the drive changes, as a sweep point
//! along J does it before its observables), then SteadyStateSolver::solve from the previous J.
void BM_RelsimSolver(benchmark::State& state, bool row) {
    try {
        Setup& s = setup();
        model::ModelParams p = s.config.model;
        model::RateModel m(p);
        solver::SteadyStateSolver solver;
        std::vector<double> y(4), prev(4);
        long newton = 0;
        for (auto _ : state) {
            for (int i = 0; i < kRow; ++i) {
                if (row) {
                    m.set_current_density(row_J_mA_cm2(i));
                } else {
                    p.device.current_density_mA_cm2 = row_J_mA_cm2(i);
                    m.refresh(p);
                }
                newton += solver.solve(m, m.nominal_drive(), i ? prev.data() : nullptr, y.data())
                              .newton_iterations;
                prev = y;
                benchmark::DoNotOptimize(y.data());
            }
        }
        set_per_point(state, newton);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

//! relsim's point as the sweep runs it: a 1 x 250 grid (quench fixed, J on the last axis);
//! `spectra`: with /spectrum/power saved on the config's 0.5 nm grid (901 wavelengths).
void BM_RelsimPoint(benchmark::State& state, bool spectra, bool four) {
    try {
        Setup& s = setup();
        io::RunConfig cfg = s.config;
        if (four) {  // [output] of benchmarks/configs/tb_sweep_1e6_four.toml: what the limit
                     // computes
            cfg.output.given = cfg.output.results_given = true;
            cfg.output.results = {"eqe", "cie_x", "cie_y", "luminance_cd_m2"};
            cfg.output.results_at.assign(4, {0, 0});
            cfg.output.line_rates = false;
        }
        cfg.sweep->axes.erase(cfg.sweep->axes.begin());  // J only: 250 points
        cfg.model.dopants[0].quench_s[0].second = 430.0;
        const model::RateModel base(cfg.model);
        const io::ResultLayout layout = sweep::make_layout(cfg, base, spectra);
        auto photometry =
            std::make_shared<const model::Photometry>(*s.observer, sweep::band_shapes(cfg.model));
        sweep::PointEvaluator ev(cfg, layout, s.observer, photometry);
        io::ResultBlock block;
        block.resize(layout, kRow);
        std::string kind;
        for (auto _ : state) {
            for (int i = 0; i < kRow; ++i) {
                ev.evaluate(static_cast<std::uint64_t>(i), i > 0, block,
                            static_cast<std::uint64_t>(i), kind);
            }
            benchmark::DoNotOptimize(block.scalars.data());
        }
        for (int i = 0; i < kRow; ++i) {
            if (block.status[static_cast<std::size_t>(i)] != 0)
                state.SkipWithError("a point failed");
        }
        set_per_point(state, 0);
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

//! The spectrum of one point on the 0.5 nm grid: band_spectrum (two erfc per band and bin) or
//! the precomputed basis of fixed line shapes (what a sweep point now does).
void BM_Spectrum(benchmark::State& state, bool basis) {
    try {
        Setup& s = setup();
        const auto bands = sweep::band_shapes(s.config.model);
        std::vector<double> grid;
        for (int i = 0; i <= 900; ++i) grid.push_back(350.0 + 0.5 * i);
        std::vector<double> flux(bands.size(), 1e14), out(grid.size());
        const model::SpectrumBasis b(bands, grid);
        for (auto _ : state) {
            if (basis) {
                b.evaluate(flux.data(), out.data());
            } else {
                model::band_spectrum(bands, flux.data(), grid, out.data());
            }
            benchmark::DoNotOptimize(out.data());
            benchmark::ClobberMemory();
        }
    } catch (const std::exception& e) {
        state.SkipWithError(e.what());
    }
}

double min_of(const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }

}  // namespace

BENCHMARK(BM_Handwritten)
    ->Name("point/handwritten/tb")
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("min", min_of);
BENCHMARK_CAPTURE(BM_RelsimSolver, refresh, false)
    ->Name("point/relsim_solver/tb")
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("min", min_of);
BENCHMARK_CAPTURE(BM_RelsimSolver, row, true)
    ->Name("point/relsim_row_solver/tb")
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("min", min_of);
BENCHMARK_CAPTURE(BM_RelsimPoint, plain, false, false)
    ->Name("point/relsim/tb")
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("min", min_of);
BENCHMARK_CAPTURE(BM_RelsimPoint, four, false, true)
    ->Name("point/relsim_four/tb")
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("min", min_of);
BENCHMARK_CAPTURE(BM_RelsimPoint, spectra, true, false)
    ->Name("point/relsim_spectra_0.5nm/tb")
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("min", min_of);
BENCHMARK_CAPTURE(BM_Spectrum, erfc, false)
    ->Name("spectrum_0.5nm/band_spectrum/tb")
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("min", min_of);
BENCHMARK_CAPTURE(BM_Spectrum, basis, true)
    ->Name("spectrum_0.5nm/basis/tb")
    ->Unit(benchmark::kMicrosecond)
    ->ComputeStatistics("min", min_of);

BENCHMARK_MAIN();
