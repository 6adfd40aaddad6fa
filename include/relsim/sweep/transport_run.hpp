//! @file transport_run.hpp
//! [transport] in `relsim check` and in the `relsim run` summary (../shared/spec/transport.md).
#pragma once

#include <string>

#include "relsim/io/config.hpp"

namespace relsim::sweep {

//! `relsim check`: the stack of a [transport] config (layers, injection barriers, built-in
//! voltage, band steps, slicing, drive); "" without [transport]. Throws relsim::InputError for
//! bad [transport] input (as `relsim run` would, before anything is written).
[[nodiscard]] std::string describe_transport(const io::RunConfig& config);

//! `relsim run`: the /summary voltage figures of a [transport] result file (turn-on voltage,
//! V at 100 and 1000 cd m^-2, peak lm/W, EQE at 1000 cd m^-2), one line each; "" when there
//! are none.
[[nodiscard]] std::string transport_summary_text(const std::string& output_path);

}  // namespace relsim::sweep
