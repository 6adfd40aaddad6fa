//! @file cmd_fit.cpp
#include "cmd_fit.hpp"

#include <filesystem>

#include <fmt/core.h>

#include "relsim/core/error.hpp"
#include "relsim/fit/fit_config.hpp"
#include "relsim/fit/fitter.hpp"

namespace relsim::app {

void add_fit_command(CLI::App& app, FitCommand& cmd) {
    cmd.sub = app.add_subcommand("fit", "Fit models to measured curves: values, errors, identifiability");
    cmd.sub->add_option("fit_file", cmd.fit_path, "fit file (TOML: [[model]], [[data]], [[free]], [fit])")->required();
    cmd.sub->add_option("-o,--output", cmd.output, "HDF5 result file (default: <fit file stem>_fit.h5)");
    cmd.sub->add_option("-t,--threads", cmd.threads, "OpenMP threads for the starts (default: all cores)")
        ->check(CLI::NonNegativeNumber);
    cmd.sub->add_flag("-q,--quiet", cmd.quiet, "no summary on the terminal");
}

int run_fit_command(const FitCommand& cmd) {
    const fit::FitConfig cfg = fit::load_fit_config(cmd.fit_path);
    std::string output = cmd.output;
    if (output.empty()) output = std::filesystem::path(cmd.fit_path).stem().string() + "_fit.h5";
    const std::filesystem::path out_dir = std::filesystem::absolute(output).parent_path();
    if (!std::filesystem::is_directory(out_dir)) {
        throw InputError("", 0, 0, "-o", "the output folder " + out_dir.string() + " does not exist",
                         "a file in an existing folder");
    }
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
