//! @file config_template.hpp
//! The commented starting config that `relsim init NAME` writes (and Python's
//! relsim.template()): a Tb device with a current-density sweep, every key explained.
#pragma once

#include <string>

namespace relsim::io {

//! The starting config with `title` as its title. It validates with load_config when written
//! anywhere (the Tb ion file is found on the ion search path).
[[nodiscard]] std::string starting_config_text(const std::string& title);

}  // namespace relsim::io
