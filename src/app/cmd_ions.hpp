//! @file cmd_ions.hpp
//! `relsim ions [DIR...]`: the ion level schemes of the library, with levels, lines and sources.
#pragma once
#include "command.hpp"
namespace relsim::app {
Command add_ions_command(CLI::App& app);
}
