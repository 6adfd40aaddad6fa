//! @file main.cpp
//! The `relsim` command line: `relsim run CONFIG [-o OUT.h5]`, `relsim check CONFIG`; the other
//! subcommands live in cmd_<name>.cpp.
//! Exit codes: 0 ok, 1 run failure (or interrupted), 2 bad input.
#include <fmt/core.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <unistd.h>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "check_nanocrystal.hpp"
#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/io/result_file.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/sweep/optics_check.hpp"
#include "relsim/sweep/transport_run.hpp"
#include "relsim/sweep/sweep_runner.hpp"
#include "cmd_verify.hpp"
#include "output_path.hpp"
#include "cmd_fit.hpp"
#include "relsim/io/config_overrides.hpp"
#include "cmd_export.hpp"
#include "cmd_init.hpp"
#include "cmd_ions.hpp"
#include "run_output.hpp"
#include "relsim/lifetime/lifetime_config.hpp"
#include "relsim/lifetime/lifetime_run.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/optics/device_optics.hpp"
#include "relsim/transport/transport_config.hpp"

#ifdef RELSIM_HAVE_MPI
#include <mpi.h>
//! MPI lifetime for the whole program (a no-op unless built with RELSIM_ENABLE_MPI).
struct MpiSession {
    MpiSession(int* argc, char*** argv) { MPI_Init(argc, argv); }
    ~MpiSession() { MPI_Finalize(); }
    static int rank() {
        int r = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
        return r;
    }
    static int size() {
        int n = 1;
        MPI_Comm_size(MPI_COMM_WORLD, &n);
        return n;
    }
    [[noreturn]] static void abort(int code) {
        MPI_Abort(MPI_COMM_WORLD, code);
        std::exit(code);
    }
};
#else
struct MpiSession {
    MpiSession(int*, char***) {}
    static int rank() { return 0; }
    static int size() { return 1; }
    [[noreturn]] static void abort(int code) { std::exit(code); }
};
#endif

namespace {

constexpr int exit_ok = 0;
constexpr int exit_run_failure = 1;
constexpr int exit_bad_input = 2;

// What a second Ctrl-C says (set before the handlers are installed; written with write(2), which
// is async-signal-safe). Issue 21 item 15: the process ended with 130 and no word.
char g_first_signal_text[256] = "";
char g_second_signal_text[2048] = "";
volatile std::sig_atomic_t g_signals = 0;

void on_signal(int sig) {
    if (g_signals == 0) {
        g_signals = 1;
        relsim::sweep::request_stop();
        (void)!::write(STDERR_FILENO, g_first_signal_text, std::strlen(g_first_signal_text));
        return;
    }
    // A second Ctrl-C (or SIGTERM) ends the process at once: every point whose done mark is on
    // disk stays in the .partial (the kill -9 guarantee), the point in progress is lost.
    (void)!::write(STDERR_FILENO, g_second_signal_text, std::strlen(g_second_signal_text));
    ::_exit(128 + sig);
}

void print_warnings(const relsim::io::RunConfig& cfg) {
    for (const std::string& w : cfg.warnings) fmt::print(stderr, "warning: {}: {}\n", cfg.path, w);
}

std::vector<relsim::io::ConfigOverride> overrides_of(const std::vector<std::string>& sets) {
    std::vector<relsim::io::ConfigOverride> out;
    for (const std::string& s : sets) out.push_back(relsim::io::parse_override(s));
    return out;
}

void print_check_table(const relsim::io::RunConfig& cfg, const std::string& optics,
                       const std::string& transport, const relsim::lifetime::Stage& lifetime,
                       const relsim::model::RateModel& model);

int check_command(const std::string& path, const std::vector<std::string>& sets) {
    const relsim::io::RunConfig cfg =
        relsim::io::load_config_with_overrides(path, overrides_of(sets));
    print_warnings(cfg);
    const std::string optics = relsim::sweep::describe_optics(cfg);  // [optics], checked as by run
    const std::string transport =
        relsim::sweep::describe_transport(cfg);   // [transport], checked as by run
    const relsim::lifetime::Stage lifetime(cfg);  // [lifetime], [inventory], checked as by run
    const relsim::model::RateModel model(cfg.model);
    // The table is printed into memory first: some checks run while it is printed (the
    // [nanocrystal] geometry), and "valid" must not appear before an error (issue 21 items 15, 20).
    std::fflush(stdout);
    char* text = nullptr;
    std::size_t length = 0;
    FILE* memory = ::open_memstream(&text, &length);
    FILE* const terminal = stdout;
    if (memory != nullptr) stdout = memory;
    try {
        print_check_table(cfg, optics, transport, lifetime, model);
    } catch (...) {
        stdout = terminal;
        if (memory != nullptr) std::fclose(memory);
        std::free(text);
        throw;
    }
    stdout = terminal;
    if (memory != nullptr) std::fclose(memory);
    fmt::print("{}: valid ({})\n", path, cfg.title.empty() ? "untitled" : cfg.title);
    if (text != nullptr) std::fwrite(text, 1, length, stdout);
    std::free(text);
    return exit_ok;
}

void print_check_table(const relsim::io::RunConfig& cfg, const std::string& optics,
                       const std::string& transport, const relsim::lifetime::Stage& lifetime,
                       const relsim::model::RateModel& model) {
    fmt::print("{:<44} {:>14}  {:<12} {:<16} {}\n", "parameter", "value", "unit", "origin",
               "source");
    for (const auto& r : cfg.resolved) {
        fmt::print("{:<44} {:>14.6g}  {:<12} {:<16} {}\n", r.key, r.value, r.unit,
                   relsim::model::origin_name(r.origin), r.source);
    }
    for (std::size_t s = 0; s < model.species().size(); ++s) {
        const auto& sp = model.species()[s];
        fmt::print("{:<44} {:>14.6g}  {:<12} {:<16} {}\n", fmt::format("dopant.{}.kBT_s", s),
                   sp.kBT_s, "s^-1", relsim::model::origin_name(sp.kBT_origin),
                   sp.kBT_origin == relsim::model::Origin::detailed_balance
                       ? (cfg.model.physics.degeneracy
                              ? "kTET (N_L/N_s) (3 Z_ground(T)/g_a) exp(-(E_T - E_a)/k_B T), "
                                "[physics] degeneracy"
                              : "kTET (N_L/N_s) exp(-(E_T - E_a)/k_B T), spec section 3")
                       : "config");
        if (cfg.model.physics.energy_gap_law) {
            fmt::print(
                "{:<44} {:>14.6g}  {:<12} {:<16} {}\n",
                fmt::format("dopant.{} kTET (energy-gap law)", s), sp.kTET_s, "s^-1", "derived",
                "kTET_s exp(-(E_T - E_a - lambda)^2 / (4 lambda k_B T)), [physics] energy_gap_law");
        }
    }
    if (cfg.model.physics.polaron_decay) {
        fmt::print("[physics] polaron_decay: after a pulse n_p(t) = n_p0 / (1 + k_L n_p0 t)\n");
    }
    const auto& d = model.nominal_drive();
    if (!transport.empty()) {
        fmt::print("{}", transport);  // G and n_p per slice come from the solved stack
    } else {
        fmt::print("{:<44} {:>14.6g}  {:<12} {:<16} {}\n", "generation G", d.generation_cm3_s,
                   "cm^-3 s^-1", "derived", "gamma J / (q w)");
        fmt::print("{:<44} {:>14.6g}  {:<12} {:<16} {}\n", "polaron density n_p",
                   d.polaron_density_cm3, "cm^-3", "derived", "sqrt(J / (q w k_L))");
    }
    fmt::print("states: {}\n", fmt::join(model.state_names(), ", "));
    if (cfg.sweep) {
        fmt::print("sweep ({}): {} points over {} axes\n", cfg.sweep->mode, cfg.sweep->num_points(),
                   cfg.sweep->axes.size());
        for (std::size_t a = 0; a < cfg.sweep->axes.size(); ++a) {
            const auto& ax = cfg.sweep->axes[a];
            fmt::print("  axis {}: {} ({}), {} values from {:g} to {:g}\n", a,
                       fmt::join(ax.keys, " + "), ax.kind, ax.size(), ax.values[0].front(),
                       ax.values[0].back());
        }
    }
    fmt::print("{}", optics);
    fmt::print("{}", relsim::sweep::describe_output(cfg));  // [output]: bytes per point, file size
    if (cfg.transient) {
        fmt::print("transient: {:g} mA cm^-2 for {:g} s, then {:g} s off, {} points per phase\n",
                   cfg.transient->pulse_current_density_mA_cm2, cfg.transient->pulse_on_s,
                   cfg.transient->off_s, cfg.transient->points);
    }
    if (cfg.has_table("nanocrystal")) relsim::app::print_nanocrystal_check(cfg);
    fmt::print("{}", lifetime.describe());
}

double value_of(const relsim::sweep::PointReport& p, const std::string& name) {
    for (const auto& [n, v] : p.values) {
        if (n == name) return v;
    }
    return 0.0;
}

//! Radiometry for every device; colour and luminance only where photometry means something
//! (>= 50 % of the power in 380-780 nm), with a warning otherwise (model/radiometry.hpp).
void print_optical_summary(const relsim::sweep::PointReport& p) {
    const bool has_radiometry = std::any_of(p.values.begin(), p.values.end(), [](const auto& v) {
        return v.first == "radiance_W_sr_m2";
    });
    if (!has_radiometry) {  // microscopic runs: photometry only (no radiometric outputs yet)
        fmt::print("  CIE x {:.4f}  y {:.4f}   luminance {:.4g} cd m^-2\n", value_of(p, "cie_x"),
                   value_of(p, "cie_y"), value_of(p, "luminance_cd_m2"));
        return;
    }
    fmt::print(
        "  radiance {:.4g} W sr^-1 m^-2   photon flux {:.4g} m^-2 s^-1   peak {:.1f} nm   "
        "centroid {:.1f} nm\n",
        value_of(p, "radiance_W_sr_m2"), value_of(p, "photon_flux_m2_s"),
        value_of(p, "peak_wavelength_nm"), value_of(p, "centroid_wavelength_nm"));
    std::string bands;
    for (const auto& [name, v] : p.values) {
        if (name.rfind("eqe_band/", 0) == 0)
            bands += fmt::format(" {} {:.4g} %", name.substr(9), 100 * v);
    }
    if (!bands.empty()) fmt::print("  EQE by band:{}\n", bands);
    if (value_of(p, "photometry_valid") != 0.0) {
        fmt::print(
            "  CIE x {:.4f}  y {:.4f}   luminance {:.4g} cd m^-2   current efficiency {:.4g} cd "
            "A^-1\n",
            value_of(p, "cie_x"), value_of(p, "cie_y"), value_of(p, "luminance_cd_m2"),
            value_of(p, "current_efficiency_cd_A"));
    } else {
        fmt::print(
            "  photometry not meaningful: {:.3g} % of the radiant power lies in 380-780 nm "
            "(< 50 %); CIE and luminance in the file describe only the visible leak\n",
            100 * value_of(p, "visible_power_fraction"));
    }
}

void print_summary(const relsim::io::RunConfig& cfg, const relsim::sweep::RunSummary& s) {
    fmt::print("{} -> {}\n", cfg.path, s.output_path);
    fmt::print("{} point{} ({} computed, {} resumed), {} failed, {:.3g} s\n", s.points,
               s.points == 1 ? "" : "s", s.computed, s.resumed, s.failed, s.wall_time_s);
    for (const auto& [kind, n] : s.failures_by_kind) fmt::print("  failed ({}): {}\n", kind, n);
    if (s.computed > 0 && s.wall_time_s > 0.0) {  // where the time went (benchmarks/README.md)
        fmt::print(
            "  writer busy {:.1f} % of the wall time ({:.3g} s, {} blocks), computation waited "
            "{:.3g} s for it; compute {:.4g} points/s per thread ({} thread{}); chunks and "
            "checksums for the writer {:.3g} s\n",
            100.0 * s.writer_busy_s / s.wall_time_s, s.writer_busy_s, s.blocks_written,
            s.writer_wait_s,
            s.compute_s > 0.0 ? static_cast<double>(s.computed) / (s.compute_s * s.threads) : 0.0,
            s.threads, s.threads == 1 ? "" : "s", s.prepare_s);
    }
    if (!s.has_best) {
        fmt::print("  (eqe is not among the stored outputs of [output]: no best point)\n");
        return;
    }
    const auto& p = s.best;
    if (cfg.sweep) {
        fmt::print("Point of peak EQE (index {}):", p.index);
        std::uint64_t stride = 1;
        std::vector<std::uint64_t> strides(cfg.sweep->axes.size());
        for (std::size_t a = cfg.sweep->axes.size(); a-- > 0;) {
            strides[a] = stride;
            stride *= cfg.sweep->axes[a].size();
        }
        for (std::size_t a = 0; a < cfg.sweep->axes.size(); ++a) {
            const auto& ax = cfg.sweep->axes[a];
            const std::uint64_t i = (p.index / strides[a]) % ax.size();
            for (std::size_t k = 0; k < ax.keys.size(); ++k) {
                fmt::print(" {} = {:g}", ax.keys[k], ax.values[k][i]);
            }
        }
        fmt::print("\n");
    }
    if (p.status != 0) {
        fmt::print("  no converged point\n");
        return;
    }
    if (cfg.output.results_given) {  // [output]: only the stored quantities are known here
        for (const auto& [name, v] : p.values) fmt::print("  {} {:.6g}\n", name, v);
        return;
    }
    if (std::none_of(p.values.begin(), p.values.end(),
                     [](const auto& v) { return v.first == "eqe"; })) {
        for (const auto& [name, v] : p.values)
            fmt::print("  {} {:.4g}\n", name, v);  // e.g. a PL decay
        return;
    }
    const bool has_transfer = std::any_of(p.values.begin(), p.values.end(), [](const auto& v) {
        return v.first == "transfer_efficiency";
    });
    fmt::print("  EQE {:.4g} %   IQE {:.4g} %{}\n", 100 * value_of(p, "eqe"),
               100 * value_of(p, "iqe"),
               has_transfer ? fmt::format("   transfer efficiency {:.4g} %",
                                          100 * value_of(p, "transfer_efficiency"))
                            : std::string());  // [transport] results have no transfer_efficiency
    print_optical_summary(p);
    if (std::any_of(p.values.begin(), p.values.end(),
                    [](const auto& v) { return v.first == "voltage_V"; })) {
        // [transport]: the solved stack beside the EQE (spec section 4)
        fmt::print(
            "  transport: J {:.4g} mA cm^-2 at V {:.4g} V   charge balance {:.4g}   EML share of "
            "recombination {:.4g}\n",
            value_of(p, "current_density_mA_cm2"), value_of(p, "voltage_V"),
            value_of(p, "charge_balance"), value_of(p, "eml_recombination_fraction"));
        fmt::print(
            "  zone: centroid {:.3g} nm (rms {:.3g} nm, 5-95 % {:.3g}-{:.3g} nm from the EML anode "
            "side)   "
            "power efficacy {:.4g} lm W^-1   wall-plug {:.4g} %\n",
            value_of(p, "zone_centroid_nm"), value_of(p, "zone_rms_width_nm"),
            value_of(p, "zone_q05_nm"), value_of(p, "zone_q95_nm"),
            value_of(p, "power_efficacy_lm_W"), 100 * value_of(p, "wall_plug_efficiency"));
        fmt::print("{}", relsim::sweep::transport_summary_text(s.output_path));
    }
    for (const auto& [name, v] : p.values) {
        if (name == "outcoupling") {
            fmt::print(
                "  optics: [optics] stack, effective outcoupling {:.4g} (device.outcoupling is "
                "ignored)\n",
                v);
        }
    }
    std::vector<std::pair<double, std::string>> losses;
    for (const auto& [name, v] : p.values) {
        if (name.rfind("fates/", 0) != 0 || name.find("_stderr") != std::string::npos) continue;
        const std::string channel = name.substr(6);
        if (channel.find("radiative") != std::string::npos &&
            channel.find("nonradiative") == std::string::npos) {
            continue;  // photons are not losses
        }
        losses.emplace_back(v, channel);
    }
    std::sort(losses.rbegin(), losses.rend());
    fmt::print("  largest losses (fraction of excitons):");
    for (std::size_t i = 0; i < std::min<std::size_t>(3, losses.size()); ++i) {
        fmt::print(" {} {:.3g}{}", losses[i].second, losses[i].first, i < 2 ? "," : "");
    }
    fmt::print("\n");
    if (s.has_transient) {
        fmt::print("  pulse: rise time {:.4g} s, decay time {:.4g} s\n", s.rise_time_s,
                   s.decay_time_s);
    }
    relsim::app::print_rolloff(cfg, s.output_path);
}

int run_command(const std::string& path, std::string output, bool resume, int threads, bool quiet,
                std::uint64_t block_points, const std::vector<std::string>& sets, bool force) {
    const relsim::io::RunConfig cfg =
        relsim::io::load_config_with_overrides(path, overrides_of(sets));
    if (MpiSession::rank() == 0) print_warnings(cfg);
    (void)relsim::sweep::describe_transport(
        cfg);  // [transport]: checked before anything is written
    const relsim::lifetime::Stage lifetime_stage(
        cfg);  // [lifetime], [inventory]: checked before anything is written
    if (output.empty()) output = std::filesystem::path(path).stem().string() + ".h5";
    relsim::app::OutputClaim claim;  // checked and claimed before anything is computed
    if (MpiSession::rank() == 0) {
        try {
            claim = relsim::app::prepare_output(output, cfg, resume);
            relsim::app::check_output_path(output, force, resume);  // format; --force
        } catch (const relsim::InputError& e) {
            if (MpiSession::size() == 1) throw;
            fmt::print(stderr, "error: {}\n", e.what());
            MpiSession::abort(exit_bad_input);
        }
    }
    if (!resume && std::filesystem::exists(output + ".partial")) {
        fmt::print(stderr,
                   "note: {}.partial holds an interrupted run; starting over (add --resume to "
                   "continue it instead)\n",
                   output);
    }
    relsim::sweep::RunOptions opt;
    opt.output_path = output;
    opt.resume = resume;
    opt.threads = threads;
    opt.quiet = quiet;
    opt.block_points = block_points;
    // Inventory of every run, lifetime with [lifetime]: written into the complete .partial
    // before it is published, so a finished file is never edited afterwards.
    std::string product_lines;  // printed after the run summary
    opt.before_publish = [&](const std::string& partial) {
        product_lines = lifetime_stage.run(partial, threads, false);
    };
    if (MpiSession::size() == 1) {  // under MPI the launcher ends the job; --resume continues it
        std::snprintf(
            g_first_signal_text, sizeof g_first_signal_text,
            "\nrelsim: stopping after the points in progress (interrupt again to stop at once)\n");
        std::snprintf(
            g_second_signal_text, sizeof g_second_signal_text,
            "\nrelsim: stopped at once by a second interrupt: the points finished before are saved "
            "in %s.partial (the points in progress are lost); continue with\n  relsim run %s -o %s "
            "--resume\n",
            output.c_str(), path.c_str(), output.c_str());
        std::signal(SIGINT, on_signal);
        std::signal(SIGTERM, on_signal);
    }
    const relsim::sweep::RunSummary s = relsim::sweep::run(cfg, opt);
    if (MpiSession::rank() != 0) return exit_ok;
    if (s.interrupted) {
        fmt::print(stderr,
                   "interrupted: {} of {} points are saved in {}.partial; continue with\n"
                   "  relsim run {} -o {} --resume\n",
                   s.computed + s.resumed, s.points, output, path, output);
        return exit_run_failure;
    }
    print_summary(cfg, s);
    fmt::print("{}", product_lines);
    return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
    const MpiSession mpi(&argc, &argv);
    // Each module above io registers its config tables (relsim/io/config_registry.hpp), once.
    relsim::nanocrystal::register_config_tables();
    relsim::optics::register_config_tables();
    relsim::transport::register_config_tables();
    relsim::lifetime::register_config_tables();
    CLI::App app{"relsim: mean-field simulator of lanthanide-nanocrystal electroluminescence"};
    app.set_version_flag("--version", std::string("relsim ") + relsim::build_info::version);
    app.require_subcommand(1);

    std::string config_path, output;
    bool resume = false, quiet = false;
    int threads = 0;
    CLI::App* run =
        app.add_subcommand("run", "Run what CONFIG asks for: one point, a sweep, a pulse");
    run->add_option("config", config_path, "TOML config file")->required();
    run->add_option("-o,--output", output, "HDF5 output file (default: <config stem>.h5)");
    run->add_flag("--resume", resume, "continue an interrupted run of the same config and output");
    run->add_option("-t,--threads", threads, "OpenMP threads (default: all cores)")
        ->check(CLI::NonNegativeNumber);
    run->add_flag("-q,--quiet", quiet, "no progress output");
    std::int64_t block_points = 0;
    run->add_option("--block-points", block_points,
                    "points per block written to the file (default 4096, 16 with a transient)")
        ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
    std::vector<std::string> sets;
    bool force = false;
    run->add_option("--set", sets, "override a config key, checked like the file (repeatable)")
        ->type_name("KEY=VALUE")
        ->take_all()
        ->allow_extra_args(false);
    run->add_flag("--force", force, "replace an existing output file");
    run->footer(
        "Examples:\n"
        "  relsim run configs/tb_device.toml -o tb.h5\n"
        "  relsim run configs/tb_device.toml -o tb_w10.h5 --set device.recombination_zone_nm=10 "
        "--set dopant.0.quench_s.5D4=300\n"
        "  relsim run big.toml -o big.h5 --threads 16 --quiet\n"
        "  relsim run big.toml -o big.h5 --resume        # continue an interrupted run\n"
        "  relsim run configs/tb_device.toml -o tb.h5 --force   # replace tb.h5\n"
        "Output: HDF5 only (a .csv name is refused; use `relsim export OUT.h5 --csv DIR`).\n"
        "Exit codes: 0 ok, 1 run failure or interrupted, 2 bad input (nothing written).");

    std::string check_path;
    CLI::App* check =
        app.add_subcommand("check", "Validate CONFIG and print every resolved parameter");
    check->add_option("config", check_path, "TOML config file")->required();
    relsim::app::FitCommand fit_cmd;
    relsim::app::add_fit_command(app, fit_cmd);

    std::string verify_path;
    CLI::App* verify =
        app.add_subcommand("verify", "Check an output file: complete, checksums, finite numbers");
    verify->add_option("file", verify_path, "relsim HDF5 output (or .partial)")->required();
    std::vector<std::string> check_sets;
    check->add_option("--set", check_sets, "override a config key, as for run (repeatable)")
        ->type_name("KEY=VALUE");
    std::vector<relsim::app::Command> commands{relsim::app::add_export_command(app),
                                               relsim::app::add_ions_command(app),
                                               relsim::app::add_init_command(app)};

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? exit_ok : exit_bad_input;
    }
    try {
        if (*verify) return relsim::app::verify_command(verify_path);
        if (*fit_cmd.sub && MpiSession::size() > 1) {  // every rank would write the same file
            throw relsim::InputError("", 0, 0, "",
                                     "relsim fit runs in one process (threads: --threads)",
                                     "relsim fit without mpirun");
        }
        if (*fit_cmd.sub) return relsim::app::run_fit_command(fit_cmd);
        if (*run) {
            return run_command(config_path, output, resume, threads, quiet,
                               static_cast<std::uint64_t>(block_points), sets, force);
        }
        for (const auto& c : commands) {
            if (*c.sub) return c.action();
        }
        return check_command(check_path, check_sets);
    } catch (const relsim::InputError& e) {
        fmt::print(stderr, "error: {}\n", e.what());
        return exit_bad_input;
    } catch (const std::exception& e) {
        fmt::print(stderr, "relsim: run failed: {}\n", e.what());
        return exit_run_failure;
    }
}
