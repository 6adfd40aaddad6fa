//! @file test_config_load.cpp
//! Positive tests: the example configs, defaults and origins, find_parameter, sweeps.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <map>
#include <set>
#include <stdlib.h>
#include <string>

#include "relsim/io/config.hpp"
#include "relsim/model/parameters.hpp"
#include "test_support.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::EndsWith;
using relsim::model::Origin;
using relsim_test::line_of;
using relsim_test::minimal_config;

namespace {

const relsim::io::ResolvedParameter& resolved(const relsim::io::RunConfig& cfg,
                                              const std::string& key) {
    for (const auto& r : cfg.resolved) {
        if (r.key == key) return r;
    }
    FAIL("no resolved parameter " << key);
    throw;
}

//! Reference SplitMix64 (Steele, Lea, Flood 2014) for the documented random-sweep algorithm.
struct RefSplitMix {
    std::uint64_t s;
    std::uint64_t next() {
        std::uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) / 9007199254740992.0; }
};

}  // namespace

TEST_CASE("configs/tb_device.toml loads", "[config][examples]") {
    const auto cfg = relsim::io::load_config(relsim_test::source_dir() + "/configs/tb_device.toml");
    CHECK_THAT(cfg.title, Contains("Tb0.4"));
    REQUIRE(cfg.model.dopants.size() == 1);
    const auto& tb = cfg.model.dopants[0];
    CHECK(tb.ion == "Tb");
    CHECK(tb.accepting_level == "5D4");
    CHECK_THAT(tb.scheme.source_file, EndsWith("configs/ions/Tb.toml"));
    CHECK(tb.scheme.ground.size() == 7);
    CHECK(tb.scheme.levels.size() == 2);
    CHECK(tb.density_cm3 == Approx(2.76e21));
    CHECK(cfg.model.transfers.empty());
    REQUIRE(cfg.sweep);
    REQUIRE(cfg.sweep->axes.size() == 1);
    const auto& ax = cfg.sweep->axes[0];
    CHECK(ax.kind == "log");
    CHECK(ax.keys == std::vector<std::string>{"device.current_density_mA_cm2"});
    REQUIRE(ax.size() == 61);
    CHECK(ax.values[0].front() == 1.0e-3);
    CHECK(ax.values[0].back() == 1.0e3);
    CHECK(ax.values[0][30] == Approx(1.0).epsilon(1e-12));
    CHECK(ax.values[0][10] == Approx(1.0e-2).epsilon(1e-12));
    CHECK(cfg.sweep->num_points() == 61);
    CHECK_FALSE(cfg.transient);
    CHECK_FALSE(cfg.spectrum.save);
    CHECK(cfg.spectrum.save_given);
    CHECK_THAT(cfg.text, Contains("[[sweep.axis]]"));
}

TEST_CASE("configs/eu_device.toml loads", "[config][examples]") {
    const auto cfg = relsim::io::load_config(relsim_test::source_dir() + "/configs/eu_device.toml");
    REQUIRE(cfg.model.dopants.size() == 2);
    CHECK(cfg.model.dopants[0].ion == "Tb");
    CHECK(cfg.model.dopants[1].ion == "Eu");
    CHECK(cfg.model.dopants[1].accepting_level == "5D1");
    CHECK_THAT(cfg.model.dopants[1].scheme.source_file, EndsWith("configs/ions/Eu.toml"));
    REQUIRE(cfg.model.transfers.size() == 1);
    const auto& tr = cfg.model.transfers[0];
    CHECK(tr.from_ion == "Tb");
    CHECK(tr.from_level == "5D4");
    CHECK(tr.to_ion == "Eu");
    CHECK(tr.to_level == "5D0");
    CHECK(tr.bimolecular);
    CHECK(tr.rate == 6.0e-18);
    CHECK_FALSE(cfg.sweep);
    CHECK(cfg.spectrum.save);
    CHECK(cfg.spectrum.save_given);
    CHECK(cfg.spectrum.step_nm == 0.5);
}

TEST_CASE("defaults, origins and sources of resolved parameters", "[config][resolved]") {
    const std::string text = minimal_config("quench_s = { \"5D4\" = 60.0 }\n");
    const auto cfg = relsim::io::load_config_text(text, "min.toml");
    const relsim::model::DeviceParams dev_defaults;
    const relsim::model::LigandParams lig_defaults;

    CHECK(cfg.title == "minimal");
    CHECK(cfg.model.device.outcoupling == dev_defaults.outcoupling);
    CHECK(cfg.model.device.temperature_K == dev_defaults.temperature_K);
    CHECK(cfg.model.ligand.kTT_cm3_s == lig_defaults.kTT_cm3_s);
    CHECK(cfg.model.dopants.at(0).kSET_s == 0.0);
    CHECK_FALSE(cfg.model.dopants.at(0).kBT_s);
    CHECK_FALSE(cfg.sweep);
    CHECK_FALSE(cfg.transient);
    CHECK(cfg.spectrum.from_nm == 350.0);
    CHECK_FALSE(cfg.spectrum.save_given);

    const auto& j = resolved(cfg, "device.current_density_mA_cm2");
    CHECK(j.origin == Origin::config);
    CHECK(j.source == "min.toml:" + std::to_string(line_of(text, "current_density")));
    CHECK(j.unit == "mA cm^-2");
    CHECK(j.value == 10.0);

    const auto& oc = resolved(cfg, "device.outcoupling");
    CHECK(oc.origin == Origin::default_value);
    CHECK(oc.value == dev_defaults.outcoupling);
    CHECK(oc.unit == "1");

    CHECK(resolved(cfg, "ligand.kTP_cm3_s").origin == Origin::default_value);
    CHECK(resolved(cfg, "ligand.kTP_cm3_s").unit == "cm^3 s^-1");
    CHECK(resolved(cfg, "dopant.0.kSET_s").origin == Origin::default_value);
    CHECK(resolved(cfg, "dopant.0.kTET_s").origin == Origin::config);
    CHECK(resolved(cfg, "dopant.0.quench_s.5D4").value == 60.0);

    const auto& e = resolved(cfg, "dopant.0.levels.0.energy_cm1");
    CHECK(e.origin == Origin::ion_file);
    CHECK(e.value == 20500.0);
    CHECK(e.unit == "cm^-1");
    CHECK_THAT(e.source, Contains("Tb.toml:"));
    CHECK_THAT(resolved(cfg, "dopant.0.lines.1.rate_s").source,
               Contains("Tb.toml:") && Contains("0.55"));

    // Every resolved key is a find_parameter path with the same value, and has a unit.
    auto model = cfg.model;
    std::set<std::string> keys;
    for (const auto& r : cfg.resolved) {
        INFO(r.key);
        CHECK(keys.insert(r.key).second);
        const double* v = relsim::model::find_parameter(model, r.key);
        REQUIRE(v != nullptr);
        CHECK(*v == r.value);
        CHECK_FALSE(r.unit.empty());
        CHECK_FALSE(r.source.empty());
    }
    // 7 device + 16 ligand + 5 dopant + 1 quench + 2 levels + 11 lines x 3 + 1 relaxation
    CHECK(cfg.resolved.size() == 7 + 16 + 5 + 1 + 2 + 33 + 1);
}

TEST_CASE("inline level scheme reads no file", "[config][scheme]") {
    const std::string text = minimal_config(
        "ground = [\"7F6\", \"7F5\", \"7F4\", \"7F3\", \"7F2\", \"7F1\", \"7F0\"]\n"
        "levels = [ { name = \"5D4\", energy_cm1 = 20500.0 },\n"
        "           { name = \"5D3\", energy_cm1 = 26800.0 } ]\n"
        "lines = [ { from = \"5D4\", to = \"7F5\", rate_s = 100.0, wavelength_nm = 544.0, fwhm_nm "
        "= 8.0 },\n"
        "          { from = \"5D4\", to = \"7F6\", rate_s = 40.0,  wavelength_nm = 489.0, fwhm_nm "
        "= 8.0 } ]\n"
        "relaxations = [ { from = \"5D3\", to = \"5D4\", rate_s = 1.0e6 } ]\n");
    const auto cfg = relsim::io::load_config_text(text, "inline.toml");
    const auto& s = cfg.model.dopants.at(0).scheme;
    CHECK(s.source_file.empty());
    CHECK(s.levels.at(1).energy_cm1 == 26800.0);
    CHECK(s.lines.size() == 2);
    CHECK(s.relaxations.at(0).rate_s == 1.0e6);
    CHECK(resolved(cfg, "dopant.0.lines.0.rate_s").origin == Origin::config);
    CHECK(resolved(cfg, "dopant.0.lines.0.rate_s").source ==
          "inline.toml:" + std::to_string(line_of(text, "rate_s = 100.0")));
}

TEST_CASE("ion_file is relative to the config", "[config][scheme]") {
    const auto cfg = relsim::io::load_config(relsim_test::test_dir() + "/data/custom_ion.toml");
    REQUIRE(cfg.model.dopants.size() == 1);
    CHECK(cfg.model.dopants[0].ion == "TbA");
    CHECK_THAT(cfg.model.dopants[0].scheme.source_file, EndsWith("configs/ions/Tb.toml"));
    CHECK(cfg.model.dopants[0].kBT_s.value() == 0.0);
}

TEST_CASE("find_parameter round trips", "[config][find_parameter]") {
    auto cfg = relsim::io::load_config(relsim_test::source_dir() + "/configs/eu_device.toml");
    auto& m = cfg.model;
    using relsim::model::find_parameter;

    const std::vector<std::pair<std::string, double*>> paths = {
        {"device.current_density_mA_cm2", &m.device.current_density_mA_cm2},
        {"device.langevin_cm3_s", &m.device.langevin_cm3_s},
        {"ligand.triplet_energy_eV", &m.ligand.triplet_energy_eV},
        {"ligand.triplet_fwhm_nm", &m.ligand.triplet_fwhm_nm},
        {"dopant.1.density_cm3", &m.dopants[1].density_cm3},
        {"dopant.0.kTET_s", &m.dopants[0].kTET_s},
        {"dopant.0.kLP_cm3_s", &m.dopants[0].kLP_cm3_s},
        {"dopant.1.quench_s.5D0", &m.dopants[1].quench_s[0].second},
        {"dopant.1.levels.2.energy_cm1", &m.dopants[1].scheme.levels[2].energy_cm1},
        {"dopant.0.lines.1.rate_s", &m.dopants[0].scheme.lines[1].rate_s},
        {"dopant.0.lines.1.wavelength_nm", &m.dopants[0].scheme.lines[1].wavelength_nm},
        {"dopant.1.lines.0.fwhm_nm", &m.dopants[1].scheme.lines[0].fwhm_nm},
        {"dopant.1.relaxations.1.rate_s", &m.dopants[1].scheme.relaxations[1].rate_s},
        {"transfer.0.k_cm3_s", &m.transfers[0].rate},
    };
    for (const auto& [path, member] : paths) {
        INFO(path);
        double* p = find_parameter(m, path);
        REQUIRE(p == member);
        *p = 1234.5;
        CHECK(*find_parameter(m, path) == 1234.5);
    }

    for (const std::string bad : {"",
                                  "device",
                                  "device.colour",
                                  "device.outcoupling.x",
                                  "ligand.density_cm3.0",
                                  "dopant.2.kTET_s",
                                  "dopant.01.kTET_s",
                                  "dopant.-1.kTET_s",
                                  "dopant.x.kTET_s",
                                  "dopant.0.ion",
                                  "dopant.0.kBT_s",
                                  "dopant.1.quench_s.5D1",
                                  "dopant.0.levels.2.energy_cm1",
                                  "dopant.0.levels.0.name",
                                  "dopant.0.lines.11.rate_s",
                                  "dopant.0.lines.0.rate",
                                  "dopant.0.relaxations.1.rate_s",
                                  "transfer.0.k_s",
                                  "transfer.1.k_cm3_s",
                                  "spectrum.step_nm",
                                  "dopant.0.ground.0.energy_cm1"}) {
        INFO(bad);
        CHECK(find_parameter(m, bad) == nullptr);
    }

    m.dopants[0].kBT_s = 5.0;
    REQUIRE(find_parameter(m, "dopant.0.kBT_s") != nullptr);
    CHECK(*find_parameter(m, "dopant.0.kBT_s") == 5.0);
    m.transfers[0].bimolecular = false;
    CHECK(find_parameter(m, "transfer.0.k_s") == &m.transfers[0].rate);
    CHECK(find_parameter(m, "transfer.0.k_cm3_s") == nullptr);
}

TEST_CASE("check_parameter_value and parameter_unit share the schema", "[config][schema]") {
    std::string allowed;
    CHECK(relsim::io::check_parameter_value("device.outcoupling", 0.3, allowed).empty());
    CHECK(allowed == "(0, 1]");
    CHECK_FALSE(relsim::io::check_parameter_value("device.outcoupling", 0.0, allowed).empty());
    CHECK(relsim::io::check_parameter_value("device.outcoupling", 1.0, allowed).empty());
    CHECK_FALSE(
        relsim::io::check_parameter_value("device.charge_balance", 1.0000001, allowed).empty());
    CHECK(relsim::io::check_parameter_value("device.singlet_fraction", 0.0, allowed).empty());
    CHECK(allowed == "[0, 1]");
    CHECK(relsim::io::check_parameter_value("dopant.3.kTET_s", 0.0, allowed).empty());
    CHECK(allowed == "[0, inf) s^-1");
    CHECK_THAT(relsim::io::check_parameter_value("dopant.3.kTET_s", -1.0, allowed),
               Contains("negative"));
    CHECK_FALSE(
        relsim::io::check_parameter_value("dopant.0.quench_s.5D4", std::nan(""), allowed).empty());
    CHECK_FALSE(
        relsim::io::check_parameter_value("dopant.0.density_cm3", INFINITY, allowed).empty());
    CHECK(relsim::io::check_parameter_value("dopant.0.density_cm3", 0.0, allowed).empty());
    CHECK_FALSE(relsim::io::check_parameter_value("ligand.density_cm3", 0.0, allowed).empty());
    CHECK_FALSE(
        relsim::io::check_parameter_value("ligand.tta_singlet_yield", 0.51, allowed).empty());
    CHECK_FALSE(
        relsim::io::check_parameter_value("dopant.0.lines.2.fwhm_nm", 0.0, allowed).empty());
    CHECK(allowed == "(0, inf) nm");
    CHECK_FALSE(relsim::io::check_parameter_value("no.such.key", 1.0, allowed).empty());
    CHECK(allowed.empty());

    CHECK(relsim::io::parameter_unit("device.current_density_mA_cm2") == "mA cm^-2");
    CHECK(relsim::io::parameter_unit("device.temperature_K") == "K");
    CHECK(relsim::io::parameter_unit("ligand.triplet_energy_eV") == "eV");
    CHECK(relsim::io::parameter_unit("dopant.0.quench_s.5D4") == "s^-1");
    CHECK(relsim::io::parameter_unit("dopant.2.levels.1.energy_cm1") == "cm^-1");
    CHECK(relsim::io::parameter_unit("dopant.2.lines.1.wavelength_nm") == "nm");
    CHECK(relsim::io::parameter_unit("transfer.0.k_cm3_s") == "cm^3 s^-1");
    CHECK(relsim::io::parameter_unit("dopant.0.density_cm3") == "cm^-3");
    CHECK(relsim::io::parameter_unit("device.singlet_fraction") == "1");
    CHECK(relsim::io::parameter_unit("device.colour").empty());
}

TEST_CASE("grid sweeps: linear, values and zipped axes", "[config][sweep]") {
    const std::string text = minimal_config(
        {},
        "[sweep]\n"
        "[[sweep.axis]]\nkey = \"device.outcoupling\"\nfrom = 0.1\nto = 0.3\npoints = 5\n"
        "[[sweep.axis]]\nkeys = [\"dopant.0.density_cm3\", \"dopant.0.kTET_s\"]\n"
        "values = [[2.8e21, 2.6e21, 2.1e21], [1e9, 2e9, 3e9]]\n"
        "[[sweep.axis]]\nkey = \"ligand.kTT_cm3_s\"\nvalues = [0, 1e-12]\n");
    const auto cfg = relsim::io::load_config_text(text, "zip.toml");
    REQUIRE(cfg.sweep);
    const auto& sw = *cfg.sweep;
    CHECK(sw.mode == "grid");
    REQUIRE(sw.axes.size() == 3);
    CHECK(sw.axes[0].kind == "linear");
    CHECK(sw.axes[0].size() == 5);
    CHECK(sw.axes[0].values[0][0] == 0.1);
    CHECK(sw.axes[0].values[0][2] == Approx(0.2));
    CHECK(sw.axes[0].values[0][4] == 0.3);
    CHECK(sw.axes[1].kind == "zip");
    CHECK(sw.axes[1].keys.size() == 2);
    CHECK(sw.axes[1].values.size() == 2);
    CHECK(sw.axes[1].size() == 3);
    CHECK(sw.axes[1].values[1][2] == 3e9);
    CHECK(sw.axes[2].kind == "values");
    CHECK(sw.axes[2].size() == 2);
    CHECK(sw.num_points() == 5 * 3 * 2);

    SECTION("a single point axis") {
        const auto c1 = relsim::io::load_config_text(
            minimal_config({},
                           "[sweep]\n[[sweep.axis]]\nkey = \"dopant.0.kTET_s\"\nlog_from = 1e9\nto "
                           "= 1e10\npoints = 1\n"),
            "one.toml");
        CHECK(c1.sweep->axes[0].values[0] == std::vector<double>{1e9});
    }
    SECTION("quench_s and kBT_s are sweepable when the config lists them") {
        const auto c2 = relsim::io::load_config_text(
            minimal_config(
                "kBT_s = 0.0\nquench_s = { \"5D3\" = 0.0 }\n",
                "[sweep]\n[[sweep.axis]]\nkeys = [\"dopant.0.kBT_s\", \"dopant.0.quench_s.5D3\"]\n"
                "values = [[0, 1], [0, 1e3]]\n"),
            "q.toml");
        CHECK(c2.sweep->num_points() == 2);
    }
}

TEST_CASE("random sweep is reproducible from the seed and within range", "[config][sweep]") {
    auto text = [](int seed) {
        return minimal_config(
            {}, "[sweep]\nmode = \"random\"\nsamples = 200\nseed = " + std::to_string(seed) +
                    "\n[[sweep.axis]]\nkey = \"device.outcoupling\"\nfrom = 0.1\nto = 0.3\n"
                    "[[sweep.axis]]\nkey = \"dopant.0.kTET_s\"\nlog_from = 1e8\nto = 1e10\n");
    };
    const auto a = relsim::io::load_config_text(text(42), "r.toml");
    const auto b = relsim::io::load_config_text(text(42), "r.toml");
    const auto c = relsim::io::load_config_text(text(43), "r.toml");
    REQUIRE(a.sweep);
    CHECK(a.sweep->mode == "random");
    CHECK(a.sweep->seed == 42);
    REQUIRE(a.sweep->axes.size() == 1);
    const auto& ax = a.sweep->axes[0];
    CHECK(ax.kind == "random");
    CHECK(ax.keys == std::vector<std::string>{"device.outcoupling", "dopant.0.kTET_s"});
    REQUIRE(ax.size() == 200);
    CHECK(a.sweep->num_points() == 200);
    CHECK(ax.values == b.sweep->axes[0].values);
    CHECK(ax.values != c.sweep->axes[0].values);

    double lo0 = 1, hi0 = 0, lo1 = 1e30, hi1 = 0;
    int low_decade = 0;
    for (std::size_t i = 0; i < ax.size(); ++i) {
        const double oc = ax.values[0][i];
        const double k = ax.values[1][i];
        CHECK(oc >= 0.1);
        CHECK(oc <= 0.3);
        CHECK(k >= 1e8);
        CHECK(k <= 1e10);
        lo0 = std::min(lo0, oc);
        hi0 = std::max(hi0, oc);
        lo1 = std::min(lo1, k);
        hi1 = std::max(hi1, k);
        if (k < 1e9) ++low_decade;
    }
    CHECK(hi0 - lo0 > 0.15);  // spread over the range
    CHECK(hi1 / lo1 > 10.0);
    CHECK(low_decade > 60);  // log-uniform: ~half the samples in the lower decade
    CHECK(low_decade < 140);

    // The documented algorithm: SplitMix64 seeded with `seed`, one 53-bit uniform per key and
    // sample, samples outer, keys inner.
    RefSplitMix ref{42};
    const double u0 = ref.uniform();
    const double u1 = ref.uniform();
    CHECK(ax.values[0][0] == Approx(0.1 + u0 * 0.2).epsilon(1e-14));
    CHECK(ax.values[1][0] ==
          Approx(std::exp(std::log(1e8) + u1 * (std::log(1e10) - std::log(1e8)))).epsilon(1e-12));
}

TEST_CASE("$RELSIM_ION_PATH is searched first", "[config][scheme]") {
    const std::string dir = relsim_test::test_dir() + "/data/ion_path";
    const std::string text =
        "[device]\ncurrent_density_mA_cm2 = 1\n[ligand]\ndensity_cm3 = 1e20\n"
        "triplet_energy_eV = 2.9\n[[dopant]]\nion = \"Tbx\"\ndensity_cm3 = 1e21\n"
        "accepting_level = \"E1\"\nkTET_s = 1e9\n";
    ::setenv("RELSIM_ION_PATH", ("/nonexistent/relsim:" + dir).c_str(), 1);
    const auto cfg = relsim::io::load_config_text(text, "env.toml");
    ::unsetenv("RELSIM_ION_PATH");
    const auto& s = cfg.model.dopants.at(0).scheme;
    CHECK_THAT(s.source_file, EndsWith("data/ion_path/Tbx.toml"));
    CHECK(s.ground == std::vector<std::string>{"G0", "G1"});
    CHECK(s.lines.at(0).to == "G1");
    // Without the variable, Tbx is found nowhere.
    CHECK_THROWS_AS((void)relsim::io::load_config_text(text, "env.toml"), relsim::InputError);
}
