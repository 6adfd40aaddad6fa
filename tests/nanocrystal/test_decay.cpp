//! @file test_decay.cpp
#include <catch2/catch.hpp>
