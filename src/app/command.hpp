//! @file command.hpp
//! A subcommand of the `relsim` program: its CLI11 node and what to run when it was given.
//! Every cmd_<name>.cpp adds one with add_<name>_command(); main.cpp dispatches.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace relsim::app {

struct Command {
    CLI::App* sub = nullptr;
    std::function<int()> action;  //!< returns the exit code (0 ok, 1 run failure, 2 bad input)
};

inline constexpr int exit_ok = 0;
inline constexpr int exit_run_failure = 1;
inline constexpr int exit_bad_input = 2;

}  // namespace relsim::app
