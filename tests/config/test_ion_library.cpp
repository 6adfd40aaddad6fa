//! @file test_ion_library.cpp
//! The ion library configs/ions/*.toml: complete, cited, and every line consistent with its levels
//! (lambda = 1e7 / (E_from - E_to) within the line's FWHM).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "relsim/io/config.hpp"
#include "test_support.hpp"

namespace {

struct IonData {
    relsim::model::LevelScheme scheme;
    std::map<std::string, double> energy;  // every level, ground members included
};

IonData load_ion(const std::string& ion) {
    IonData d;
    std::vector<std::pair<std::string, double>> ground;
    d.scheme = relsim::io::load_ion_file(
        relsim_test::source_dir() + "/configs/ions/" + ion + ".toml", &ground);
    for (const auto& [name, e] : ground) d.energy[name] = e;
    for (const auto& l : d.scheme.levels) d.energy[l.name] = l.energy_cm1;
    return d;
}

void check_lines_consistent(const IonData& d) {
    REQUIRE(d.energy.size() ==
            d.scheme.ground.size() + d.scheme.levels.size());  // all energies given
    for (const auto& l : d.scheme.lines) {
        INFO(l.from << " -> " << l.to);
        const double de = d.energy.at(l.from) - d.energy.at(l.to);
        REQUIRE(de > 0.0);
        const double lambda = 1.0e7 / de;
        CHECK(std::abs(l.wavelength_nm - lambda) <= l.fwhm_nm);
        CHECK(l.rate_s > 0.0);
    }
}

double total_rate(const relsim::model::LevelScheme& s, const std::string& from) {
    double a = 0.0;
    for (const auto& l : s.lines) {
        if (l.from == from) a += l.rate_s;
    }
    return a;
}

double line_rate(const relsim::model::LevelScheme& s, const std::string& from,
                 const std::string& to) {
    for (const auto& l : s.lines) {
        if (l.from == from && l.to == to) return l.rate_s;
    }
    return -1.0;
}

}  // namespace

TEST_CASE("Tb ion file: levels, lines and consistency", "[config][ions]") {
    const IonData tb = load_ion("Tb");
    CHECK(tb.scheme.ground ==
          std::vector<std::string>{"7F6", "7F5", "7F4", "7F3", "7F2", "7F1", "7F0"});
    CHECK(tb.energy.at("5D4") == 20500.0);
    CHECK(tb.energy.at("5D3") > 26000.0);
    CHECK(tb.energy.at("5D3") < 26500.0);
    check_lines_consistent(tb);
    CHECK(total_rate(tb.scheme, "5D4") == Approx(180.0));
    CHECK(line_rate(tb.scheme, "5D4", "7F5") / 180.0 == Approx(0.55));
    REQUIRE(tb.scheme.relaxations.size() == 1);
    CHECK(tb.scheme.relaxations[0].from == "5D3");
    CHECK(tb.scheme.relaxations[0].to == "5D4");
    CHECK(tb.scheme.relaxations[0].rate_s >= 1e6);
    CHECK(tb.scheme.relaxations[0].rate_s <= 1e7);
}

TEST_CASE("Eu ion file: levels, lines and consistency", "[config][ions]") {
    const IonData eu = load_ion("Eu");
    CHECK(eu.scheme.ground ==
          std::vector<std::string>{"7F0", "7F1", "7F2", "7F3", "7F4", "7F5", "7F6"});
    CHECK(eu.energy.at("5D0") == 17293.0);
    CHECK(eu.energy.at("5D1") == 19027.0);
    CHECK(eu.energy.at("5D2") == 21483.0);
    check_lines_consistent(eu);
    // Magnetic-dipole 5D0 -> 7F1: 14.65 n^3 s^-1 at n = 1.5 (Werts et al. 2002).
    CHECK(line_rate(eu.scheme, "5D0", "7F1") == Approx(14.65 * 1.5 * 1.5 * 1.5).epsilon(1e-3));
    CHECK(line_rate(eu.scheme, "5D0", "7F1") / total_rate(eu.scheme, "5D0") ==
          Approx(0.35).epsilon(1e-3));
    CHECK(line_rate(eu.scheme, "5D0", "7F2") / total_rate(eu.scheme, "5D0") ==
          Approx(0.45).epsilon(1e-3));
    CHECK(eu.scheme.relaxations.size() == 2);
}

TEST_CASE("ion files reject unknown keys and name the ion file", "[config][ions]") {
    const std::string path = relsim_test::test_dir() + "/bad/ions/UnknownKey.toml";
    try {
        (void)relsim::io::load_ion_file(path);
        FAIL("expected InputError");
    } catch (const relsim::InputError& e) {
        CHECK(e.file() == path);
        CHECK(e.line() == 9);
        CHECK(e.key() == "levels.1.lifetime_ms");
    }
}
