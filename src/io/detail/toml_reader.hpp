//! @file toml_reader.hpp (forwarding: the header lives in include/relsim/io/detail/toml_reader.hpp)
#pragma once
#include "relsim/io/detail/toml_reader.hpp"
