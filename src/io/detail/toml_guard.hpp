//! @file toml_guard.hpp (forwarding: the header lives in include/relsim/io/detail/toml_guard.hpp)
#pragma once
#include "relsim/io/detail/toml_guard.hpp"
