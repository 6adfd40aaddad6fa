//! @file test_ion_files.cpp
//! The NIR ion files configs/ions/{Nd,Yb,Er}.toml: spectroscopic names (4F3/2), several lines per
//! transition, every line consistent with its levels, and the literature numbers they state.
#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "relsim/io/config.hpp"
#include "validation_support.hpp"

namespace rv = relsim_validation;

namespace {

struct Ion {
    relsim::model::LevelScheme scheme;
    std::map<std::string, double> energy;
};

Ion load(const std::string& ion) {
    Ion d;
    std::vector<std::pair<std::string, double>> ground;
    d.scheme = relsim::io::load_ion_file(rv::ion_file(ion), &ground);
    for (const auto& [n, e] : ground) d.energy[n] = e;
    for (const auto& l : d.scheme.levels) d.energy[l.name] = l.energy_cm1;
    return d;
}

double total_rate(const relsim::model::LevelScheme& s, const std::string& from) {
    double a = 0.0;
    for (const auto& l : s.lines) a += l.from == from ? l.rate_s : 0.0;
    return a;
}

double pair_rate(const relsim::model::LevelScheme& s, const std::string& from,
                 const std::string& to) {
    double a = 0.0;
    for (const auto& l : s.lines) a += (l.from == from && l.to == to) ? l.rate_s : 0.0;
    return a;
}

}  // namespace

TEST_CASE(
    "NIR ion files: every line sits at its level gap (first line of a pair within its FWHM, "
    "Stark components within 600 cm^-1)",
    "[nir][ions]") {
    for (const char* ion : {"Nd", "Yb", "Er"}) {
        DYNAMIC_SECTION(ion) {
            const Ion d = load(ion);
            REQUIRE(d.energy.size() == d.scheme.ground.size() + d.scheme.levels.size());
            std::map<std::pair<std::string, std::string>, int> seen;
            for (const auto& l : d.scheme.lines) {
                INFO(ion << " " << l.from << " -> " << l.to << " at " << l.wavelength_nm << " nm");
                const double gap = d.energy.at(l.from) - d.energy.at(l.to);
                REQUIRE(gap > 0.0);
                if (seen[{l.from, l.to}]++ == 0) {
                    CHECK(std::abs(l.wavelength_nm - 1.0e7 / gap) <= l.fwhm_nm);
                } else {
                    CHECK(std::abs(1.0e7 / l.wavelength_nm - gap) <= 600.0);
                }
                CHECK(l.rate_s > 0.0);
            }
        }
    }
}

TEST_CASE("NIR ion files: every level, line and relaxation entry states its source",
          "[nir][ions]") {
    for (const char* ion : {"Nd", "Yb", "Er"}) {
        std::ifstream in(rv::ion_file(ion));
        std::string line;
        int entries = 0;
        while (std::getline(in, line)) {
            if (line.find("{ name =") == std::string::npos &&
                line.find("{ from =") == std::string::npos)
                continue;
            ++entries;
            INFO(ion << ": " << line);
            CHECK(line.find("source = \"") != std::string::npos);
        }
        CHECK(entries > 0);
    }
}

TEST_CASE(
    "Nd: 4F3/2 radiative lifetime 540 us and Judd-Ofelt branching 0.40 / 0.49 / 0.105 / 0.005",
    "[nir][ions]") {
    // Kaminskii, Laser Crystals (1990); Krupke, IEEE JQE 7, 153 (1971): as cited in Nd.toml.
    const Ion d = load("Nd");
    const double a = total_rate(d.scheme, "4F3/2");
    CHECK(1.0 / a == Approx(540e-6).epsilon(0.005));
    CHECK(pair_rate(d.scheme, "4F3/2", "4I9/2") / a == Approx(0.40).epsilon(1e-9));
    CHECK(pair_rate(d.scheme, "4F3/2", "4I11/2") / a == Approx(0.49).epsilon(1e-9));
    CHECK(pair_rate(d.scheme, "4F3/2", "4I13/2") / a == Approx(0.105).epsilon(1e-9));
    CHECK(pair_rate(d.scheme, "4F3/2", "4I15/2") / a == Approx(0.005).epsilon(1e-9));
    int components = 0;
    for (const auto& l : d.scheme.lines) components += (l.from == "4F3/2" && l.to == "4I9/2");
    CHECK(components == 2);  // two Stark components of one transition
}

TEST_CASE("Yb: one transition 2F5/2 -> 2F7/2 in three Stark components, 2.0 ms radiative lifetime",
          "[nir][ions]") {
    const Ion d = load("Yb");
    REQUIRE(d.scheme.lines.size() == 3);
    for (const auto& l : d.scheme.lines) {
        CHECK(l.from == "2F5/2");
        CHECK(l.to == "2F7/2");
    }
    CHECK(1.0 / total_rate(d.scheme, "2F5/2") == Approx(2.0e-3).epsilon(1e-9));
    CHECK(d.scheme.lines.front().wavelength_nm == Approx(976.0));
}

TEST_CASE("Er: the 1.53 um line of 4I13/2 with a 10 ms radiative lifetime", "[nir][ions]") {
    const Ion d = load("Er");
    CHECK(1.0 / total_rate(d.scheme, "4I13/2") == Approx(10e-3).epsilon(1e-9));
    bool found = false;
    for (const auto& l : d.scheme.lines) {
        if (l.from == "4I13/2" && l.to == "4I15/2") {
            found = true;
            CHECK(l.wavelength_nm >= 1530.0);
            CHECK(l.wavelength_nm <= 1540.0);
        }
    }
    CHECK(found);
}
