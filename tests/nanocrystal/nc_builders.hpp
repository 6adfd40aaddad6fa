//! @file nc_builders.hpp
//! Small parameter sets of the microscopic-model tests, built in code so each test states what
//! it uses. Numbers are illustrative, not data.
#pragma once

#include <cmath>
#include <string>

#include "relsim/model/parameters.hpp"
#include "relsim/nanocrystal/spec.hpp"

namespace relsim::test {

//! An ion with one excited level "X" at `energy_cm1` decaying by one line (rate_s) to the ground
//! "G" and, optionally, a nonradiative relaxation nr_s to the ground.
inline model::DopantParams one_level_ion(const std::string& name, double energy_cm1, double line_s,
                                         double nr_s = 0.0, double wavelength_nm = 544.0) {
    model::DopantParams d;
    d.ion = name;
    d.density_cm3 = 1.0e21;  // unused by the microscopic model
    d.accepting_level = "X";
    d.scheme.ground = {"G"};
    d.scheme.levels = {{"X", energy_cm1}};
    d.scheme.lines = {{"X", "G", line_s, wavelength_nm, 8.0}};
    if (nr_s > 0.0) d.scheme.relaxations = {{"X", "G", nr_s}};
    return d;
}

//! Ligand with the spec's example rates; a very high triplet energy switches back-transfer off
//! (exp(-(E_T - E_a)/kT) ~ e^-150 at 300 K).
inline model::ModelParams base_params(bool no_back_transfer = true) {
    model::ModelParams p;
    if (no_back_transfer) p.ligand.triplet_energy_eV = 6.0;
    return p;
}

inline nanocrystal::PairLaw multipolar(double C_nm_s, int s = 6) {
    nanocrystal::PairLaw law;
    law.C_nm_s = C_nm_s;
    law.multipolarity = s;
    return law;
}

inline nanocrystal::PairLaw exchange(double W0_s, double r0_nm, double L_nm) {
    nanocrystal::PairLaw law;
    law.exchange = true;
    law.W0_s = W0_s;
    law.r0_nm = r0_nm;
    law.L_nm = L_nm;
    return law;
}

}  // namespace relsim::test
