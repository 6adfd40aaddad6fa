//! @file cmd_fit.cpp
#include "cmd_fit.hpp"

#include <filesystem>

#include <fmt/core.h>

#include "output_path.hpp"
#include "relsim/core/error.hpp"
#include "relsim/fit/fit_config.hpp"
#include "relsim/fit/fitter.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "run_output.hpp"

namespace relsim::app {

void add_fit_command(CLI::App& app, FitCommand& cmd) {
    cmd.sub =
        app.add_subcommand("fit", "Fit models to measured curves: values, errors, identifiability");
    cmd.sub
        ->add_option("fit_file", cmd.fit_path,
                     "fit file (TOML: [[model]], [[data]], [[free]], [fit])")
        ->required();
    cmd.sub->add_option("-o,--output", cmd.output,
                        "HDF5 result file (default: <fit file stem>_fit.h5)");
    cmd.sub
        ->add_option("-t,--threads", cmd.threads,
                     "OpenMP threads for the starts (default: all cores)")
        ->check(CLI::NonNegativeNumber);
    cmd.sub->add_flag("-q,--quiet", cmd.quiet, "no summary on the terminal");
    cmd.sub->add_flag("--force", cmd.force,
                      "replace an existing output file (or an interrupted run's OUT.partial)");
}

namespace {

//! Every file a fit reads: the fit file, each model's config, ion files and CIE table, the data.
std::vector<std::string> fit_inputs(const fit::FitConfig& cfg) {
    std::vector<std::string> in{cfg.path};
    for (const fit::ModelEntry& m : cfg.models) {
        for (std::string& f : input_files_of(m.config)) in.push_back(std::move(f));
    }
    for (const fit::DataSet& d : cfg.data) in.push_back(d.file);
    return in;
}

//! Estimated size of the fit's result file (the free-space check): texts, data and matrices.
double fit_file_bytes(const fit::FitConfig& cfg) {
    double bytes = 256.0 * 1024 + 2.0 * static_cast<double>(cfg.text.size());
    for (const fit::ModelEntry& m : cfg.models)
        bytes += 2.0 * static_cast<double>(m.config.text.size());
    for (const fit::DataSet& d : cfg.data) bytes += 5.0 * 8.0 * static_cast<double>(d.x.size());
    const double P = static_cast<double>(cfg.free.size());
    return bytes + 3.0 * 8.0 * P * P;
}

//! An `OUT.partial` left beside the output: a killed fit's temporary file is replaced; anything
//! else (an interrupted `relsim run` that --resume can still complete, a foreign file) is kept
//! unless --force (a fit result cannot be resumed, so replacing it would lose that work).
void check_stale_partial(const std::string& output, bool force) {
    const std::string partial = output + ".partial";
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::symlink_status(partial, ec))) return;
    bool from_fit = false;
    try {
        const io::H5File f(partial, io::H5File::Mode::read_only);
        from_fit = f.exists("/fit") && !f.exists("/sweep/done");
    } catch (const std::exception&) {
        from_fit = false;  // not readable HDF5: not known to be a fit's
    }
    if (from_fit || force) {
        fmt::print(stderr, "note: {} is left from an earlier {}; it is replaced\n", partial,
                   from_fit ? "fit that did not finish" : "run (--force)");
        return;
    }
    throw InputError(
        "", 0, 0, "-o",
        fmt::format("'{}' holds an interrupted relsim run (continue it with relsim run "
                    "CONFIG -o {} --resume) or a file relsim did not write; a fit "
                    "would replace it; nothing was done",
                    partial, output),
        "another -o, or --force to replace it");
}

}  // namespace

int run_fit_command(const FitCommand& cmd) {
    const fit::FitConfig cfg = fit::load_fit_config(cmd.fit_path);
    std::string output = cmd.output;
    if (output.empty()) output = std::filesystem::path(cmd.fit_path).stem().string() + "_fit.h5";
    // The output protections of `relsim run` (docs/reliability.md), before anything is computed:
    // no input, folder or device as output, the -o lock held until the result is published, a
    // finished result replaced only with --force, written as OUT.partial and renamed when complete.
    const OutputClaim claim = claim_output(output, fit_inputs(cfg), false, fit_file_bytes(cfg));
    check_output_path(output, cmd.force, false, "relsim fit");
    check_stale_partial(output, cmd.force);
    fit::FitRunOptions opt;
    opt.threads = cmd.threads;
    const fit::FitResult r = fit::run_fit(cfg, opt);
    fit::write_fit_file(output, cfg, r);
    if (!cmd.quiet) {
        fmt::print("{} -> {}\n", cmd.fit_path, output);
        fmt::print("{}", fit::format_summary(cfg, r));
    }
    return 0;
}

}  // namespace relsim::app
