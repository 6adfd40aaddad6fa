//! @file param_schema.hpp (forwarding: the header lives in
//! include/relsim/io/detail/param_schema.hpp)
#pragma once
#include "relsim/io/detail/param_schema.hpp"
