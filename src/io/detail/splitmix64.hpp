//! @file splitmix64.hpp (forwarding: the header lives in include/relsim/io/detail/splitmix64.hpp)
#pragma once
#include "relsim/io/detail/splitmix64.hpp"
