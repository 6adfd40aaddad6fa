//! @file run_output.hpp
//! Checks of `relsim run`'s output path before anything is computed, and the roll-off lines of
//! its summary.
#pragma once

#include <string>

#include "relsim/io/config.hpp"

namespace relsim::app {

//! Throws InputError (exit 2, nothing written) when `output` names a non-HDF5 format by its
//! extension (.csv, .txt, ...: relsim run writes HDF5; `relsim export` writes CSV), or when it
//! exists already and neither `force` nor `resume` is set. `command` names the program step in
//! the message ("relsim run", "relsim fit").
void check_output_path(const std::string& output, bool force, bool resume,
                       const char* command = "relsim run");

//! Prints the roll-off (peak EQE and where, J90, J50, EQE at 100 and 1000 cd m^-2) when the
//! sweep has one axis that moves device.current_density_mA_cm2; prints nothing otherwise.
void print_rolloff(const io::RunConfig& cfg, const std::string& result_path);

}  // namespace relsim::app
