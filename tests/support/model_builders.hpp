//! @file model_builders.hpp
//! Small parameter sets for tests, built in code so that each test states what it uses.
#pragma once

#include <string>

#include "relsim/model/parameters.hpp"

namespace relsim::test {

//! A Tb-like ion with one emitting level 5D4 (two lines to the ground) and an upper level 5D3
//! relaxing to it. Numbers are illustrative, not data.
inline model::LevelScheme two_level_scheme() {
    model::LevelScheme s;
    s.ground = {"7F6", "7F5"};
    s.levels = {{"5D4", 20500.0}, {"5D3", 26300.0}};
    s.lines = {{"5D4", "7F5", 100.0, 544.0, 8.0},
               {"5D4", "7F6", 40.0, 489.0, 8.0},
               {"5D3", "7F6", 50.0, 380.0, 8.0}};
    s.relaxations = {{"5D3", "5D4", 1.0e6}};
    return s;
}

//! The spec's example device (section 5) with one Tb-like dopant.
inline model::ModelParams example_params() {
    model::ModelParams p;
    model::DopantParams d;
    d.ion = "Tb";
    d.density_cm3 = 2.8e21;
    d.accepting_level = "5D4";
    d.kTET_s = 2.0e9;
    d.quench_s = {{"5D4", 60.0}};
    d.scheme = two_level_scheme();
    p.dopants.push_back(d);
    return p;
}

}  // namespace relsim::test
