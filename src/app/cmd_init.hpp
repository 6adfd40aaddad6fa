//! @file cmd_init.hpp
//! `relsim init NAME`: writes NAME.toml, a commented starting config.
#pragma once
#include "command.hpp"
namespace relsim::app {
Command add_init_command(CLI::App& app);
}
