//! @file bench_nanocrystal.cpp
//! Timed program for the microscopic nanocrystal engines (issue 9, "Speed and size"):
//!   1. KMC events per second per core on the paper NC (NaGd0.6F4:Tb0.4, radius 5 nm, CzPPOA
//!      shell, 10 mA cm^-2), sum tree vs the plain-loop Gillespie baseline (same physics);
//!   2. wall time to 1 % standard error on the EQE for that NC on 2 threads;
//!   3. bytes per site of one NC's tables and peak RSS against ensemble size;
//!   4. the linear engine's cost against NC size (1e3 .. 1e5 sites).
//! Usage: bench_nanocrystal [section ...] with sections events, eqe, memory, linear (default:
//! all). Migration rate of Tb 5D4 (exchange W0 at r0 = 0.38 nm, L = 0.1 nm): RELSIM_BENCH_W0
//! (default 1e6 s^-1).
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "../src/nanocrystal/system.hpp"
#include "relsim/io/config.hpp"
#include "relsim/nanocrystal/engine.hpp"

using namespace relsim;
using namespace relsim::nanocrystal;

namespace {

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

//! CPU seconds of the process (all threads): the per-core figure on a shared machine.
double cpu_s() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

long peak_rss_kb() {
    std::ifstream f("/proc/self/status");
    std::string line;
    while (std::getline(f, line)) {
        if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
    }
    return -1;
}

std::string source_dir() {
    const char* env = std::getenv("RELSIM_BENCH_SOURCE_DIR");
    return env ? env : RELSIM_BENCH_SOURCE_DIR;
}

double migration_W0() {
    const char* env = std::getenv("RELSIM_BENCH_W0");
    return env ? std::atof(env) : 1.0e6;
}

//! The paper NC: the mean-field paper config's device, ligand and Tb ion (configs/paper), in a
//! beta-NaGdF4 sphere of radius 5 nm, 40 % Tb, ligands 1.5 nm^-2.
void paper_nc(NanocrystalSpec& s, model::ModelParams& p, double radius_nm = 5.0) {
    const io::RunConfig cfg =
        io::load_config(source_dir() + "/configs/paper/tb_czppoa_rolloff.toml");
    p = cfg.model;
    p.device.current_density_mA_cm2 = 10.0;
    s = NanocrystalSpec{};
    s.engine = Engine::kmc;
    s.lattice = Lattice::beta_NaREF4;
    s.a_nm = 0.602;
    s.c_nm = 0.360;
    s.radius_nm = radius_nm;
    s.composition = {0.40};
    s.nc_density_cm3 = 5.5e17;
    s.warmup_s = 5.0e-3;
    s.measure_s = 2.0e-2;
    LigandShellSpec lig;
    lig.surface_density_nm2 = 1.5;
    lig.standoff_nm = 0.5;
    lig.r0_nm = 0.5;
    lig.L_nm = 0.15;
    lig.kTET0_s = {5.0e10};
    lig.kSET0_s = {0.0};
    s.ligand = lig;
    TransferSpec mig;
    mig.donor = {0, 0};
    mig.donor_to = {0, -1};
    mig.acceptor = {0, 0};
    mig.law.exchange = true;
    mig.law.W0_s = migration_W0();
    mig.law.r0_nm = 0.38;
    mig.law.L_nm = 0.1;
    s.transfers = {mig};
}

void bench_events() {
    NanocrystalSpec s;
    model::ModelParams p;
    paper_nc(s, p);
    EnsembleOptions o;
    o.threads = 1;
    s.count = 4;
    double t0 = now_s(), c0 = cpu_s();
    const SteadyStateResult r = solve_el_steady_state_kmc(s, p, o);
    const double dt = now_s() - t0, dc = cpu_s() - c0;
    std::printf(
        "events: sum tree      %d NCs, %.3g events, wall %.2f s, cpu %.2f s: %.3g events per "
        "cpu-second "
        "(EQE %.4f +- %.4f)\n",
        s.count, double(r.events), dt, dc, double(r.events) / dc, r.eqe.mean, r.eqe.standard_error);
    o.kmc_plain_loop_baseline = true;
    s.count = 1;
    s.warmup_s = 1.0e-3;
    s.measure_s = 1.0e-3;
    t0 = now_s();
    c0 = cpu_s();
    const SteadyStateResult b = solve_el_steady_state_kmc(s, p, o);
    const double db = now_s() - t0, dcb = cpu_s() - c0;
    std::printf(
        "events: plain loop    %d NCs, %.3g events, wall %.2f s, cpu %.2f s: %.3g events per "
        "cpu-second\n",
        s.count, double(b.events), db, dcb, double(b.events) / dcb);
    std::printf("events: mean excited Tb per NC %.1f, ions %.0f, ligands %.0f, sites %.0f\n",
                r.excited_per_nc[0][0].mean + r.excited_per_nc[0][1].mean, r.ions_per_nc.mean,
                r.ligands_per_nc.mean, r.sites_per_nc.mean);
}

void bench_eqe() {
    NanocrystalSpec s;
    model::ModelParams p;
    paper_nc(s, p);
    EnsembleOptions o;
    o.threads = 2;
    s.count = 16;
    const double t0 = now_s(), c0 = cpu_s();
    const SteadyStateResult r = solve_el_steady_state_kmc(s, p, o);
    const double dt = now_s() - t0, dc = cpu_s() - c0;
    std::printf("eqe: wall %.2f s, cpu %.2f s (%.2f cores busy on average)\n", dt, dc, dc / dt);
    const double rel = r.eqe.standard_error / r.eqe.mean;
    const double n_needed = s.count * (rel / 0.01) * (rel / 0.01);
    std::printf(
        "eqe: %d NCs on 2 threads: %.2f s, EQE %.5f +- %.5f (%.2f %%); 1 %% needs %.0f NCs: %.1f "
        "s\n",
        s.count, dt, r.eqe.mean, r.eqe.standard_error, 100.0 * rel, std::ceil(n_needed),
        dt / s.count * std::max(1.0, std::ceil(n_needed)));
    const SteadyStateResult lin = solve_el_steady_state_linear(s, p, o);
    std::printf("eqe: linear engine (low-current limit) EQE %.5f +- %.5f\n", lin.eqe.mean,
                lin.eqe.standard_error);
}

void bench_memory() {
    NanocrystalSpec s;
    model::ModelParams p;
    paper_nc(s, p);
    EnsembleOptions o;
    const detail::Model m = detail::compile_model(s, p, 10.0);
    const detail::NcSystem sys = detail::build_system(s, m, 0, o);
    const double sites = double(sys.geo.re_sites);
    // kmc state per entity: level (1), weight (8), active position (4), entry time (8),
    // caches (8 x slots), annihilation (8), two tree nodes (16); per (ion, level) one time
    // integral (8).
    const double entities = double(sys.num_ions() + sys.num_ligands());
    const double kmc_bytes =
        entities * (1 + 8 + 4 + 8 + 16 + 8 + 16) + 8.0 * double(sys.ion_level_rate_s.size());
    std::printf("memory: tables %.0f B (%.1f B/site), kmc state %.0f B (%.1f B/site), %.0f sites\n",
                double(sys.bytes()), double(sys.bytes()) / sites, kmc_bytes, kmc_bytes / sites,
                sites);
    o.threads = 2;
    s.warmup_s = 1.0e-3;
    s.measure_s = 1.0e-3;
    for (int count : {4, 32}) {
        s.count = count;
        (void)solve_el_steady_state_kmc(s, p, o);
        std::printf("memory: peak RSS after %d NCs on 2 threads: %ld kB\n", count, peak_rss_kb());
    }
}

void bench_linear() {
    std::printf(
        "linear: sites  states  cpu-seconds (1 NC, beta-NaGdF4 40 %% Tb, Tb-Tb exchange migration, "
        "ligands)\n");
    double prev_n = 0, prev_t = 0;
    for (double target : {1.0e3, 3.0e3, 1.0e4, 3.0e4, 1.0e5}) {
        NanocrystalSpec s;
        model::ModelParams p;
        const double R = std::cbrt(target / (13.3 * 4.0 / 3.0 * M_PI));
        paper_nc(s, p, R);
        s.engine = Engine::linear;
        s.count = 1;
        EnsembleOptions o;
        o.threads = 1;
        const double c0 = cpu_s();
        const SteadyStateResult r = solve_el_steady_state_linear(s, p, o);
        const double dt = cpu_s() - c0;
        std::printf("linear: %7.0f %7zu %8.3f", r.sites_per_nc.mean, r.max_states_per_nc, dt);
        if (prev_n > 0)
            std::printf("   exponent vs previous: %.2f",
                        std::log(dt / prev_t) / std::log(r.sites_per_nc.mean / prev_n));
        std::printf("\n");
        prev_n = r.sites_per_nc.mean;
        prev_t = dt;
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> sections(argv + 1, argv + argc);
    if (sections.empty()) sections = {"events", "eqe", "memory", "linear"};
    std::printf("migration W0 = %.3g s^-1\n", migration_W0());
    for (const std::string& sec : sections) {
        if (sec == "events")
            bench_events();
        else if (sec == "eqe")
            bench_eqe();
        else if (sec == "memory")
            bench_memory();
        else if (sec == "linear")
            bench_linear();
        else
            std::fprintf(stderr, "unknown section %s\n", sec.c_str());
    }
    return 0;
}
