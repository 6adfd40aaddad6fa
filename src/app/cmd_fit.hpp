//! @file cmd_fit.hpp
//! `relsim fit FIT.toml -o OUT.h5 [--threads N] [--quiet] [--force]` (shared/spec/fitting.md).
#pragma once

#include <string>

#include <CLI/CLI.hpp>

namespace relsim::app {

struct FitCommand {
    CLI::App* sub = nullptr;
    std::string fit_path;
    std::string output;
    int threads = 0;
    bool quiet = false;
    bool force = false;
};

//! Adds the `fit` subcommand to `app`; its options land in `cmd`.
void add_fit_command(CLI::App& app, FitCommand& cmd);
//! Runs it. Throws relsim::InputError (exit 2) on bad input, before anything is written.
int run_fit_command(const FitCommand& cmd);

}  // namespace relsim::app
