//! @file nanocrystal_sweep.hpp  (private to relsim_nanocrystal; includes toml++)
#pragma once

#include <toml++/toml.h>

#include "relsim/io/detail/toml_reader.hpp"
#include "relsim/nanocrystal/config.hpp"

namespace relsim::nanocrystal {

//! Checks every sweep key of `config` that starts with "nanocrystal." against the read table
//! `nc` (key exists, values in range, decay grid not swept, every point's geometry consistent).
//! @throws relsim::InputError located at the sweep axis
void check_sweep_keys(const io::detail::Src& src, const toml::table& root,
                      const io::RunConfig& config, const NanocrystalConfig& nc);

}  // namespace relsim::nanocrystal
