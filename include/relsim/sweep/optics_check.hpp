//! @file optics_check.hpp
//! `relsim check` support for the [optics] table (shared/spec/optics.md).
#pragma once

#include <string>

#include "relsim/io/config.hpp"

namespace relsim::sweep {

//! Validates the config's [optics] table exactly as a run would (throws relsim::InputError) and
//! returns a one-paragraph description of the stack, "" when the config has none.
[[nodiscard]] std::string describe_optics(const io::RunConfig& config);

}  // namespace relsim::sweep
