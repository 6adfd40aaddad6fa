//! @file test_nir_config.cpp
//! Config reading for NIR devices: level names with '/', [bands], quench_per_s / lifetime_s,
//! plausibility warnings (with their tolerances) and their absence on the shipped configs.
#include <catch2/catch.hpp>

#include <string>

#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "validation_support.hpp"

namespace rv = relsim_validation;

namespace {

std::string device(const std::string& dopant, const std::string& extra = {},
                   double triplet_eV = 1.8) {
    return "[device]\ncurrent_density_mA_cm2 = 10.0\n[ligand]\ndensity_cm3 = "
           "5e20\ntriplet_energy_eV = " +
           std::to_string(triplet_eV) + "\n[[dopant]]\n" + dopant + extra;
}

const std::string kNd =
    "ion = \"Nd\"\ndensity_cm3 = 2.8e20\naccepting_level = \"4F7/2\"\nkTET_s = 1e9\n";

bool has_warning(const relsim::io::RunConfig& c, const std::string& needle) {
    for (const auto& w : c.warnings) {
        if (w.find(needle) != std::string::npos) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("Config: spectroscopic level names with '/' in quench_s, sweep keys and transfers",
          "[nir][config]") {
    const auto cfg = relsim::io::load_config_text(
        device(kNd + "quench_s = { \"4F3/2\" = 2.0e4 }\n",
               "[sweep]\n[[sweep.axis]]\nkey = \"dopant.0.quench_s.4F3/2\"\nvalues = [1e3, 1e4]\n"),
        "nd.toml");
    REQUIRE(cfg.model.dopants.front().quench_s.size() == 1);
    CHECK(cfg.model.dopants.front().quench_s.front().first == "4F3/2");
    CHECK(cfg.sweep->axes.front().keys.front() == "dopant.0.quench_s.4F3/2");
    CHECK(cfg.warnings.empty());
}

TEST_CASE("Config: [bands] adds windows, replaces defaults by name, rejects bad windows",
          "[nir][config]") {
    const auto cfg = relsim::io::load_config_text(
        device(kNd, "[bands]\nnir_ii = [1000.0, 1533.0]\nvisible = [400, 700]\n"), "bands.toml");
    REQUIRE(cfg.bands.size() == 3);
    CHECK(cfg.bands[0].name == "visible");
    CHECK(cfg.bands[0].from_nm == 400.0);
    CHECK(cfg.bands[1].name == "nir");
    CHECK(cfg.bands[2].name == "nir_ii");
    CHECK(cfg.bands[2].to_nm == 1533.0);
    const auto defaults = relsim::io::load_config_text(device(kNd), "d.toml");
    REQUIRE(defaults.bands.size() == 2);
    CHECK(defaults.bands[0].to_nm == 780.0);
    for (const char* bad :
         {"x = [1533.0, 1000.0]\n", "x = [1000.0]\n", "x = 5\n", "\"a b\" = [1, 2]\n"}) {
        INFO(bad);
        CHECK_THROWS_AS(
            relsim::io::load_config_text(device(kNd, std::string("[bands]\n") + bad), "b.toml"),
            relsim::InputError);
    }
}

TEST_CASE("Config: quench_per_s is quench_s, and lifetime_s sets Q = 1/tau - (A + R)",
          "[nir][config]") {
    const auto a =
        relsim::io::load_config_text(device(kNd + "quench_s = { \"4F3/2\" = 2.0e4 }\n"), "a.toml");
    const auto b = relsim::io::load_config_text(
        device(kNd + "quench_per_s = { \"4F3/2\" = 2.0e4 }\n"), "b.toml");
    CHECK(b.model.dopants[0].quench_s == a.model.dopants[0].quench_s);
    CHECK_THROWS_AS(
        relsim::io::load_config_text(
            device(kNd + "quench_s = { \"4F3/2\" = 1.0 }\nquench_per_s = { \"4F3/2\" = 1.0 }\n"),
            "c.toml"),
        relsim::InputError);
    // 4F3/2: A = 1850 s^-1, no relaxation out of it: tau = 40 us -> Q = 25 000 - 1850
    const auto l = relsim::io::load_config_text(
        device(kNd + "lifetime_s = { \"4F3/2\" = 40e-6 }\n"), "l.toml");
    REQUIRE(l.model.dopants[0].quench_s.size() == 1);
    CHECK(l.model.dopants[0].quench_s[0].second == Approx(1.0 / 40e-6 - 1850.0).epsilon(1e-12));
    // longer than the radiative lifetime (540 us): impossible
    CHECK_THROWS_WITH(
        relsim::io::load_config_text(device(kNd + "lifetime_s = { \"4F3/2\" = 1e-3 }\n"), "m.toml"),
        Catch::Contains("lifetime_s.4F3/2") && Catch::Contains("longer than"));
    CHECK_THROWS_AS(
        relsim::io::load_config_text(
            device(kNd + "quench_s = { \"4F3/2\" = 1.0 }\nlifetime_s = { \"4F3/2\" = 1e-5 }\n"),
            "n.toml"),
        relsim::InputError);
}

TEST_CASE(
    "Plausibility: a lifetime typed into a rate, eV vs cm^-1, a level vs its own lines, uphill "
    "transfer: warnings, not errors",
    "[nir][config][plausibility]") {
    // a 1.6 ms lifetime typed into quench_s (rates below 0.1 s^-1 are flagged)
    auto c = relsim::io::load_config_text(device(kNd + "quench_s = { \"4F3/2\" = 1.6e-3 }\n"),
                                          "w1.toml");
    CHECK(has_warning(c, "dopant.0.quench_s.4F3/2"));
    CHECK(has_warning(c, "lifetime"));
    c = relsim::io::load_config_text(device(kNd + "quench_s = { \"4F3/2\" = 0.2 }\n"), "ok.toml");
    CHECK(c.warnings.empty());  // 0.2 s^-1 (5 s) is above the stated tolerance
    // triplet energy in cm^-1
    c = relsim::io::load_config_text(device(kNd, "", 23400.0), "w2.toml");
    CHECK(has_warning(c, "ligand.triplet_energy_eV"));
    // a Yb level in eV whose own line says 978 nm
    const std::string yb_ev =
        "ion = \"Yb\"\ndensity_cm3 = 1e21\naccepting_level = \"2F5/2\"\nkTET_s = 1e9\n"
        "ground = [ { name = \"2F7/2\", energy_cm1 = 0.0 } ]\nlevels = [ { name = \"2F5/2\", "
        "energy_cm1 = 1.27 } ]\n"
        "lines = [ { from = \"2F5/2\", to = \"2F7/2\", rate_s = 500.0, wavelength_nm = 978.0, "
        "fwhm_nm = 10.0 } ]\n";
    c = relsim::io::load_config_text(device(yb_ev), "w3.toml");
    CHECK(has_warning(c, "in eV"));
    CHECK(has_warning(c, "does not match its level gap"));
    // accepting level above E_T: Er 4F9/2 (15 200 cm^-1) over a 1.80 eV (14 518 cm^-1) triplet
    c = relsim::io::load_config_text(
        device("ion = \"Er\"\ndensity_cm3 = 1e20\naccepting_level = \"4F9/2\"\nkTET_s = 1e9\n"),
        "w4.toml");
    CHECK(has_warning(c, "ABOVE"));
    c = relsim::io::load_config_text(
        device("ion = \"Er\"\ndensity_cm3 = 1e20\naccepting_level = \"4I9/2\"\nkTET_s = 1e9\n"),
        "ok2.toml");
    CHECK(c.warnings.empty());
}

TEST_CASE("Plausibility: the shipped configs raise no warning", "[nir][config][plausibility]") {
    for (const char* name :
         {"nd_9aca_nir.toml", "yb_9aca_nir.toml", "tb_czppoa_rolloff.toml",
          "tb_eu_colour_series.toml", "tb_oleate_reference.toml", "tb_czppoa_transient.toml"}) {
        const auto c = relsim::io::load_config(rv::paper_config(name));
        INFO(name << ": " << (c.warnings.empty() ? std::string() : c.warnings.front()));
        CHECK(c.warnings.empty());
    }
    for (const char* name : {"tb_device.toml", "eu_device.toml"}) {
        const auto c = relsim::io::load_config(rv::source_dir() + "/configs/" + name);
        INFO(name << ": " << (c.warnings.empty() ? std::string() : c.warnings.front()));
        CHECK(c.warnings.empty());
    }
}
