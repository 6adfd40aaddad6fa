//! @file check_nanocrystal.hpp
//! `relsim check` for a config with [nanocrystal]: prints the resolved microscopic parameters.
#pragma once

#include "relsim/io/config.hpp"

namespace relsim::app {

//! Reads the [nanocrystal] table (throws InputError) and prints every resolved parameter with
//! its unit, origin and source, the processes by name and the derived generation per NC.
void print_nanocrystal_check(const io::RunConfig& config);

}  // namespace relsim::app
