//! @file cmd_export.hpp
//! `relsim export OUT.h5 --csv DIR` (or `--format csv -o DIR`): tidy CSV tables with units.
#pragma once
#include "command.hpp"
namespace relsim::app {
Command add_export_command(CLI::App& app);
}
