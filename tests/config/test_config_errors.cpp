//! @file test_config_errors.cpp
//! One test per class of bad input: every InputError names the file, the line, the key path and
//! (where one applies) the allowed range.
#include <catch2/catch.hpp>

#include <string>

#include "test_support.hpp"

using Catch::Matchers::Contains;
using relsim_test::at;
using relsim_test::line_of;
using relsim_test::load_error;
using relsim_test::minimal_config;

TEST_CASE("unknown key is an error that lists the allowed keys", "[config][errors]") {
    SECTION("top level") {
        const std::string text = "colour = \"green\"\n" + minimal_config();
        const auto e = load_error(text);
        CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "colour"))));
        CHECK(e.key() == "colour");
        CHECK_THAT(e.what(), Contains("unknown key 'colour'"));
        CHECK_THAT(e.allowed(), Contains("device") && Contains("ligand") && Contains("sweep"));
    }
    SECTION("in [device]") {
        std::string text = minimal_config();
        text.insert(text.find("[ligand]"), "current_mA = 3.0\n");
        const auto e = load_error(text);
        CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "current_mA"))));
        CHECK(e.key() == "device.current_mA");
        CHECK_THAT(e.allowed(), Contains("current_density_mA_cm2") && Contains("outcoupling"));
    }
    SECTION("inside an inline table of an inline scheme") {
        const std::string text = minimal_config(
            "ground = [\"7F6\", \"7F5\"]\n"
            "levels = [ { name = \"5D4\", energy_cm1 = 20500.0 } ]\n"
            "lines = [ { from = \"5D4\", to = \"7F5\", rate_s = 100.0, wavelength_nm = 544.0, "
            "fwhm_nm = 8.0 },\n"
            "          { from = \"5D4\", to = \"7F6\", rate_s = 40.0, wavelength_nm = 489.0, "
            "fwhm_nm = 8.0, colour = 1 } ]\n");
        const auto e = load_error(text);
        CHECK(e.key() == "dopant.0.lines.1.colour");
        CHECK(e.line() == line_of(text, "colour"));
        CHECK_THAT(e.what(), Contains("bad.toml:"));
        CHECK_THAT(e.allowed(),
                   Contains("wavelength_nm") && Contains("fwhm_nm") && Contains("source"));
    }
    SECTION("inside an ion file: the message names the ion file and its line") {
        const std::string ion_file = relsim_test::test_dir() + "/bad/ions/UnknownKey.toml";
        const std::string text = minimal_config("ion_file = \"" + ion_file + "\"\n");
        const auto e = load_error(text);
        CHECK_THAT(e.file(), Contains("UnknownKey.toml"));
        CHECK(e.line() == 9);
        CHECK_THAT(e.what(), Contains("UnknownKey.toml:9:"));
        CHECK(e.key() == "dopant.0.levels.1.lifetime_ms");
        CHECK_THAT(e.allowed(), Contains("energy_cm1"));
    }
}

TEST_CASE("missing required key names the table line and the range", "[config][errors]") {
    SECTION("ligand.density_cm3") {
        std::string text = minimal_config();
        text.erase(text.find("density_cm3 = 7.5e20\n"),
                   std::string("density_cm3 = 7.5e20\n").size());
        const auto e = load_error(text);
        CHECK(e.key() == "ligand.density_cm3");
        CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "[ligand]"))));
        CHECK_THAT(e.what(), Contains("missing required key 'density_cm3'"));
        CHECK_THAT(e.allowed(), Contains("(0, inf) cm^-3"));
    }
    SECTION("device.current_density_mA_cm2") {
        std::string text = minimal_config();
        text.erase(text.find("current_density_mA_cm2 = 10.0\n"),
                   std::string("current_density_mA_cm2 = 10.0\n").size());
        const auto e = load_error(text);
        CHECK(e.key() == "device.current_density_mA_cm2");
        CHECK(e.line() == line_of(text, "[device]"));
        CHECK_THAT(e.allowed(), Contains("(0, inf) mA cm^-2"));
    }
    SECTION("dopant.0.kTET_s") {
        std::string text = minimal_config();
        text.erase(text.find("kTET_s = 2.0e9\n"), std::string("kTET_s = 2.0e9\n").size());
        const auto e = load_error(text);
        CHECK(e.key() == "dopant.0.kTET_s");
        CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "[[dopant]]"))));
        CHECK_THAT(e.allowed(), Contains("[0, inf) s^-1"));
    }
    SECTION("no [device] table") {
        std::string text = minimal_config();
        text.erase(text.find("[device]\n"),
                   std::string("[device]\ncurrent_density_mA_cm2 = 10.0\n").size());
        const auto e = load_error(text);
        CHECK(e.key() == "device");
        CHECK_THAT(e.what(), Contains("missing required key 'device'"));
    }
    SECTION("transfer without a rate") {
        const std::string text =
            minimal_config({}, "[[transfer]]\nfrom = \"Tb:5D3\"\nto = \"Tb:5D4\"\n");
        const auto e = load_error(text);
        CHECK(e.key() == "transfer.0.k_s");
        CHECK(e.line() == line_of(text, "[[transfer]]"));
        CHECK_THAT(e.allowed(), Contains("k_cm3_s"));
    }
}

TEST_CASE("wrong type: a string where a number goes", "[config][errors]") {
    std::string text = minimal_config();
    text.replace(text.find("kTET_s = 2.0e9"), std::string("kTET_s = 2.0e9").size(),
                 "kTET_s = \"fast\"");
    const auto e = load_error(text);
    CHECK(e.key() == "dopant.0.kTET_s");
    CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "kTET_s"))));
    CHECK_THAT(e.what(), Contains("expected a number, got a string"));
    CHECK_THAT(e.allowed(), Contains("[0, inf) s^-1"));

    SECTION("a number where a string goes") {
        std::string t2 = minimal_config();
        t2.replace(t2.find("ion = \"Tb\""), std::string("ion = \"Tb\"").size(), "ion = 65");
        const auto e2 = load_error(t2);
        CHECK(e2.key() == "dopant.0.ion");
        CHECK(e2.line() == line_of(t2, "ion = 65"));
    }
    SECTION("a float where an integer goes") {
        const std::string t3 =
            minimal_config({},
                           "[transient]\npulse_current_density_mA_cm2 = 1.0\npulse_on_s = "
                           "1e-3\noff_s = 1e-2\npoints = 400.0\n");
        const auto e3 = load_error(t3);
        CHECK(e3.key() == "transient.points");
        CHECK(e3.line() == line_of(t3, "points = 400.0"));
        CHECK_THAT(e3.what(), Contains("expected an integer"));
        CHECK_THAT(e3.allowed(), Contains("[2, 1000000]"));
    }
    SECTION("integers are accepted where floats go") {
        std::string t4 = minimal_config();
        t4.replace(t4.find("kTET_s = 2.0e9"), std::string("kTET_s = 2.0e9").size(),
                   "kTET_s = 2000000000");
        const auto cfg = relsim::io::load_config_text(t4, "ok.toml");
        CHECK(cfg.model.dopants.at(0).kTET_s == 2.0e9);
    }
}

TEST_CASE("out-of-range values: negative rate, fraction above 1, non-finite", "[config][errors]") {
    SECTION("negative rate") {
        std::string text = minimal_config();
        text.replace(text.find("kTET_s = 2.0e9"), std::string("kTET_s = 2.0e9").size(),
                     "kTET_s = -3.0");
        const auto e = load_error(text);
        CHECK(e.key() == "dopant.0.kTET_s");
        CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "kTET_s"))));
        CHECK_THAT(e.what(), Contains("value -3 is negative"));
        CHECK(e.allowed() == "[0, inf) s^-1");
    }
    SECTION("fraction above 1") {
        std::string text = minimal_config();
        text.insert(text.find("[ligand]"), "outcoupling = 1.5\n");
        const auto e = load_error(text);
        CHECK(e.key() == "device.outcoupling");
        CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "outcoupling"))));
        CHECK(e.allowed() == "(0, 1]");
    }
    SECTION("xi above 0.5") {
        std::string text = minimal_config();
        text.insert(text.find("[[dopant]]"), "tta_singlet_yield = 0.6\n");
        const auto e = load_error(text);
        CHECK(e.key() == "ligand.tta_singlet_yield");
        CHECK(e.allowed() == "[0, 0.5]");
    }
    SECTION("negative line rate in an inline scheme") {
        const std::string text = minimal_config(
            "ground = [\"7F6\", \"7F5\"]\n"
            "levels = [ { name = \"5D4\", energy_cm1 = 20500.0 } ]\n"
            "lines = [ { from = \"5D4\", to = \"7F5\", rate_s = 100.0, wavelength_nm = 544.0, "
            "fwhm_nm = 8.0 },\n"
            "          { from = \"5D4\", to = \"7F6\", rate_s = -40.0, wavelength_nm = 489.0, "
            "fwhm_nm = 8.0 } ]\n");
        const auto e = load_error(text);
        CHECK(e.key() == "dopant.0.lines.1.rate_s");
        CHECK(e.line() == line_of(text, "-40.0"));
        CHECK(e.allowed() == "[0, inf) s^-1");
    }
    SECTION("non-finite number") {
        std::string text = minimal_config();
        text.insert(text.find("[ligand]"), "temperature_K = nan\n");
        const auto e = load_error(text);
        CHECK(e.key() == "device.temperature_K");
        CHECK_THAT(e.what(), Contains("not a finite number"));
        CHECK(e.allowed() == "(0, inf) K");
    }
    SECTION("ligand density 0 is not allowed, dopant density 0 is") {
        std::string text = minimal_config();
        text.replace(text.find("density_cm3 = 7.5e20"), std::string("density_cm3 = 7.5e20").size(),
                     "density_cm3 = 0");
        CHECK(load_error(text).allowed() == "(0, inf) cm^-3");
        std::string ok = minimal_config();
        ok.replace(ok.find("density_cm3 = 2.8e21"), std::string("density_cm3 = 2.8e21").size(),
                   "density_cm3 = 0.0");
        CHECK(relsim::io::load_config_text(ok, "ok.toml").model.dopants.at(0).density_cm3 == 0.0);
    }
    SECTION("in an ion file: names the ion file and its line") {
        const std::string ion_file = relsim_test::test_dir() + "/bad/ions/NegativeRate.toml";
        const auto e = load_error(minimal_config("ion_file = \"" + ion_file + "\"\n"));
        CHECK_THAT(e.what(), Contains("NegativeRate.toml:12:"));
        CHECK(e.key() == "dopant.0.lines.1.rate_s");
        CHECK(e.allowed() == "[0, inf) s^-1");
    }
    SECTION("spectrum with to_nm below from_nm") {
        const std::string text = minimal_config({}, "[spectrum]\nfrom_nm = 800.0\nto_nm = 350.0\n");
        const auto e = load_error(text);
        CHECK(e.key() == "spectrum.to_nm");
        CHECK(e.line() == line_of(text, "to_nm"));
        CHECK_THAT(e.allowed(), Contains("(800, inf) nm"));
    }
    SECTION("spectrum grid too fine") {
        const std::string text = minimal_config({}, "[spectrum]\nstep_nm = 1e-6\n");
        const auto e = load_error(text);
        CHECK(e.key() == "spectrum.step_nm");
        CHECK(e.line() == line_of(text, "step_nm"));
        CHECK_THAT(e.allowed(), Contains("at most 1000000 points"));
    }
}

TEST_CASE("accepting level that does not exist", "[config][errors]") {
    std::string text = minimal_config();
    text.replace(text.find("\"5D4\""), 5, "\"5D9\"");
    const auto e = load_error(text);
    CHECK(e.key() == "dopant.0.accepting_level");
    CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "accepting_level"))));
    CHECK_THAT(e.what(), Contains("'5D9'") && Contains("Tb.toml"));
    CHECK_THAT(e.allowed(), Contains("5D4") && Contains("5D3"));

    SECTION("a ground-multiplet member is not an accepting level") {
        std::string t2 = minimal_config();
        t2.replace(t2.find("\"5D4\""), 5, "\"7F5\"");
        CHECK(load_error(t2).key() == "dopant.0.accepting_level");
    }
    SECTION("quench_s names a level that does not exist") {
        const std::string t3 = minimal_config("quench_s = { \"5D4\" = 60.0, \"5D2\" = 1.0 }\n");
        const auto e3 = load_error(t3);
        CHECK(e3.key() == "dopant.0.quench_s.5D2");
        CHECK(e3.line() == line_of(t3, "quench_s"));
        CHECK_THAT(e3.allowed(), Contains("5D4"));
    }
}

TEST_CASE("scheme cross-references: lines and relaxations", "[config][errors]") {
    const std::string scheme_head =
        "ground = [\"7F6\", \"7F5\"]\n"
        "levels = [ { name = \"5D4\", energy_cm1 = 20500.0 }, { name = \"5D3\", energy_cm1 = "
        "26300.0 } ]\n";
    SECTION("line from a ground member") {
        const std::string text =
            minimal_config(scheme_head +
                           "lines = [ { from = \"7F5\", to = \"7F6\", rate_s = 1.0, wavelength_nm "
                           "= 5000.0, fwhm_nm = 8.0 } ]\n");
        const auto e = load_error(text);
        CHECK(e.key() == "dopant.0.lines.0.from");
        CHECK(e.line() == line_of(text, "lines ="));
        CHECK_THAT(e.allowed(), Contains("5D4, 5D3"));
    }
    SECTION("line to an unknown level") {
        const std::string text =
            minimal_config(scheme_head +
                           "lines = [ { from = \"5D4\", to = \"7F9\", rate_s = 1.0, wavelength_nm "
                           "= 500.0, fwhm_nm = 8.0 } ]\n");
        const auto e = load_error(text);
        CHECK(e.key() == "dopant.0.lines.0.to");
        CHECK_THAT(e.allowed(), Contains("7F6, 7F5"));
    }
    SECTION("relaxation upwards") {
        const std::string text = minimal_config(
            scheme_head + "relaxations = [ { from = \"5D4\", to = \"5D3\", rate_s = 1.0e6 } ]\n");
        const auto e = load_error(text);
        CHECK(e.key() == "dopant.0.relaxations.0.to");
        CHECK(e.line() == line_of(text, "relaxations"));
        CHECK_THAT(e.what(), Contains("lower energy"));
    }
    SECTION("duplicate dopant ion") {
        const std::string text = minimal_config({},
                                                "[[dopant]]\nion = \"Tb\"\ndensity_cm3 = "
                                                "1e20\naccepting_level = \"5D4\"\nkTET_s = 1e9\n");
        const auto e = load_error(text);
        CHECK(e.key() == "dopant.1.ion");
        CHECK(e.line() == line_of(text, "[[dopant]]") + 6);
    }
    SECTION("inline scheme keys without levels") {
        const auto e = load_error(minimal_config("ground = [\"7F6\"]\n"));
        CHECK(e.key() == "dopant.0.ground");
        CHECK_THAT(e.what(), Contains("needs 'levels'"));
    }
}

TEST_CASE("transfer between unknown ions or levels", "[config][errors]") {
    SECTION("unknown acceptor ion") {
        const std::string text =
            minimal_config({}, "[[transfer]]\nfrom = \"Tb:5D4\"\nto = \"Eu:5D0\"\nk_s = 1e4\n");
        const auto e = load_error(text);
        CHECK(e.key() == "transfer.0.to");
        CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "to = \"Eu"))));
        CHECK_THAT(e.what(), Contains("'Eu'"));
        CHECK(e.allowed() == "a dopant ion: Tb");
    }
    SECTION("unknown donor ion") {
        const std::string text =
            minimal_config({}, "[[transfer]]\nfrom = \"Ce:5d\"\nto = \"Tb:5D4\"\nk_s = 1e4\n");
        const auto e = load_error(text);
        CHECK(e.key() == "transfer.0.from");
        CHECK(e.line() == line_of(text, "Ce:5d"));
    }
    SECTION("unknown level of a known ion") {
        const std::string text =
            minimal_config({}, "[[transfer]]\nfrom = \"Tb:5D7\"\nto = \"Tb:5D4\"\nk_s = 1e4\n");
        const auto e = load_error(text);
        CHECK(e.key() == "transfer.0.from");
        CHECK_THAT(e.allowed(), Contains("5D4, 5D3"));
    }
    SECTION("malformed endpoint") {
        const std::string text =
            minimal_config({}, "[[transfer]]\nfrom = \"Tb-5D3\"\nto = \"Tb:5D4\"\nk_s = 1e4\n");
        CHECK_THAT(load_error(text).allowed(), Contains("<Ion>:<level>"));
    }
    SECTION("both k_s and k_cm3_s") {
        const std::string text = minimal_config(
            {}, "[[transfer]]\nfrom = \"Tb:5D3\"\nto = \"Tb:5D4\"\nk_s = 1e4\nk_cm3_s = 1e-17\n");
        const auto e = load_error(text);
        CHECK(e.key() == "transfer.0.k_cm3_s");
        CHECK(e.line() == line_of(text, "k_cm3_s"));
    }
    SECTION("negative bimolecular rate") {
        const std::string text = minimal_config(
            {}, "[[transfer]]\nfrom = \"Tb:5D3\"\nto = \"Tb:5D4\"\nk_cm3_s = -1e-17\n");
        const auto e = load_error(text);
        CHECK(e.key() == "transfer.0.k_cm3_s");
        CHECK(e.allowed() == "[0, inf) cm^3 s^-1");
    }
}

TEST_CASE("unreadable or missing ion file", "[config][errors]") {
    SECTION("ion_file that does not exist") {
        const std::string text = minimal_config("ion_file = \"no_such_dir/Tb.toml\"\n");
        const auto e = load_error(text, "/tmp/relsim_cfg_test/bad.toml");
        CHECK(e.key() == "dopant.0.ion_file");
        CHECK_THAT(e.what(),
                   Contains(at("/tmp/relsim_cfg_test/bad.toml", line_of(text, "ion_file"))));
        CHECK_THAT(e.what(), Contains("/tmp/relsim_cfg_test/no_such_dir/Tb.toml") &&
                                 Contains("no such file"));
    }
    SECTION("ion_file that is a directory") {
        const auto e =
            load_error(minimal_config("ion_file = \"" + relsim_test::test_dir() + "/bad\"\n"));
        CHECK(e.key() == "dopant.0.ion_file");
        CHECK_THAT(e.what(), Contains("is a directory"));
    }
    SECTION("ion without a level-scheme file: names the file and the search path") {
        std::string text = minimal_config();
        text.replace(text.find("ion = \"Tb\""), std::string("ion = \"Tb\"").size(), "ion = \"Xq\"");
        const auto e = load_error(text, "some/dir/bad.toml");
        CHECK(e.key() == "dopant.0.ion");
        CHECK_THAT(e.what(), Contains(at("some/dir/bad.toml", line_of(text, "ion = \"Xq\""))));
        CHECK_THAT(e.what(), Contains("'Xq.toml'") && Contains("searched:"));
        CHECK_THAT(e.what(), Contains("some/dir/ions") && Contains("some/ions"));
        CHECK_THAT(e.what(), Contains(relsim_test::source_dir() + "/configs/ions"));
    }
    SECTION("ion file with a TOML syntax error") {
        const std::string ion_file = relsim_test::test_dir() + "/bad/ions/Syntax.toml";
        const auto e = load_error(minimal_config("ion_file = \"" + ion_file + "\"\n"));
        CHECK_THAT(e.what(), Contains("Syntax.toml:5:") && Contains("TOML syntax error"));
    }
    SECTION("config file that does not exist") {
        const auto e = relsim_test::load_file_error("/nonexistent/relsim/config.toml");
        CHECK_THAT(e.what(),
                   Contains("/nonexistent/relsim/config.toml") && Contains("cannot read"));
    }
}

TEST_CASE("TOML syntax error", "[config][errors]") {
    std::string text = minimal_config();
    text.replace(text.find("kTET_s = 2.0e9"), std::string("kTET_s = 2.0e9").size(),
                 "kTET_s = = 2.0e9");
    const auto e = load_error(text, "syntax.toml");
    CHECK(e.file() == "syntax.toml");
    CHECK(e.line() == line_of(text, "kTET_s"));
    CHECK_THAT(e.what(), Contains(at("syntax.toml", line_of(text, "kTET_s"))) &&
                             Contains("TOML syntax error"));

    SECTION("from a file on disk") {
        const std::string path = relsim_test::test_dir() + "/bad/syntax_error.toml";
        const auto e2 = relsim_test::load_file_error(path);
        CHECK(e2.file() == path);
        CHECK(e2.line() == 6);
        CHECK_THAT(e2.what(), Contains("syntax_error.toml:6:"));
    }
}

TEST_CASE("bad sweep key path", "[config][errors]") {
    auto sweep = [](const std::string& key) {
        return minimal_config(
            {}, "[sweep]\n[[sweep.axis]]\nkey = \"" + key + "\"\nvalues = [1.0, 2.0]\n");
    };
    SECTION("no such parameter") {
        const std::string text = sweep("device.colour");
        const auto e = load_error(text);
        CHECK(e.key() == "sweep.axis.0.key");
        CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "[[sweep.axis]]"))));
        CHECK_THAT(e.what(), Contains("'device.colour'"));
        CHECK_THAT(e.allowed(), Contains("device.<key>"));
    }
    SECTION("a spectrum key cannot be swept") {
        const auto e = load_error(sweep("spectrum.step_nm"));
        CHECK(e.key() == "sweep.axis.0.key");
        CHECK_THAT(e.what(), Contains("cannot be swept"));
    }
    SECTION("index out of range") {
        const auto e = load_error(sweep("dopant.3.kTET_s"));
        CHECK_THAT(e.what(), Contains("'dopant.3.kTET_s'") && Contains("index out of range"));
    }
    SECTION("quench level not listed, kBT_s not set") {
        CHECK_THAT(load_error(sweep("dopant.0.quench_s.5D4")).what(), Contains("quench_s"));
        CHECK_THAT(load_error(sweep("dopant.0.kBT_s")).what(), Contains("only when"));
    }
    SECTION("the same key on two axes") {
        const std::string text =
            minimal_config({},
                           "[sweep]\n[[sweep.axis]]\nkey = \"dopant.0.kTET_s\"\nvalues = [1.0]\n"
                           "[[sweep.axis]]\nkeys = [\"device.outcoupling\", "
                           "\"dopant.0.kTET_s\"]\nvalues = [[0.1], [2.0]]\n");
        const auto e = load_error(text);
        CHECK(e.key() == "sweep.axis.1.keys");
        CHECK(e.line() == line_of(text, "[[sweep.axis]]\nkeys"));
    }
}

TEST_CASE("empty sweep axis", "[config][errors]") {
    SECTION("values = []") {
        const std::string text =
            minimal_config({}, "[sweep]\n[[sweep.axis]]\nkey = \"dopant.0.kTET_s\"\nvalues = []\n");
        const auto e = load_error(text);
        CHECK(e.key() == "sweep.axis.0");
        CHECK(e.line() == line_of(text, "[[sweep.axis]]"));
        CHECK_THAT(e.what(), Contains("no values"));
    }
    SECTION("points = 0") {
        const std::string text =
            minimal_config({},
                           "[sweep]\n[[sweep.axis]]\nkey = \"dopant.0.kTET_s\"\nfrom = 1.0\nto = "
                           "2.0\npoints = 0\n");
        const auto e = load_error(text);
        CHECK(e.key() == "sweep.axis.0.points");
        CHECK(e.line() == line_of(text, "points"));
        CHECK_THAT(e.allowed(), Contains("[1, 1000000]"));
    }
    SECTION("no axis at all") {
        const std::string text = minimal_config({}, "[sweep]\naxis = []\n");
        const auto e = load_error(text);
        CHECK(e.key() == "sweep.axis");
        CHECK(e.line() == line_of(text, "axis = []"));
    }
    SECTION("zipped axis with unequal lengths") {
        const std::string text = minimal_config(
            {},
            "[sweep]\n[[sweep.axis]]\nkeys = [\"device.outcoupling\", \"dopant.0.kTET_s\"]\n"
            "values = [[0.1, 0.2], [2.0]]\n");
        const auto e = load_error(text);
        CHECK(e.key() == "sweep.axis.0.values.1");
        CHECK(e.line() == line_of(text, "values"));
    }
}

TEST_CASE("sweep value out of range", "[config][errors]") {
    SECTION("explicit values") {
        const std::string text = minimal_config(
            {}, "[sweep]\n[[sweep.axis]]\nkey = \"device.outcoupling\"\nvalues = [0.5, 1.2]\n");
        const auto e = load_error(text);
        CHECK(e.key() == "device.outcoupling");
        CHECK_THAT(e.what(), Contains(at("bad.toml", line_of(text, "[[sweep.axis]]"))));
        CHECK_THAT(e.what(), Contains("1.2"));
        CHECK(e.allowed() == "(0, 1]");
    }
    SECTION("linear range through a negative rate") {
        const std::string text =
            minimal_config({},
                           "[sweep]\n[[sweep.axis]]\nkey = \"dopant.0.kTET_s\"\nfrom = -1.0\nto = "
                           "1.0e9\npoints = 5\n");
        const auto e = load_error(text);
        CHECK(e.key() == "dopant.0.kTET_s");
        CHECK(e.line() == line_of(text, "[[sweep.axis]]"));
        CHECK(e.allowed() == "[0, inf) s^-1");
    }
    SECTION("log axis needs positive ends") {
        const std::string text =
            minimal_config({},
                           "[sweep]\n[[sweep.axis]]\nkey = \"dopant.0.kTET_s\"\nlog_from = 0.0\nto "
                           "= 1.0e9\npoints = 5\n");
        const auto e = load_error(text);
        CHECK(e.key() == "sweep.axis.0.log_from");
        CHECK(e.allowed() == "(0, inf)");
    }
    SECTION("random mode range out of bounds") {
        const std::string text =
            minimal_config({},
                           "[sweep]\nmode = \"random\"\nsamples = 10\n[[sweep.axis]]\nkey = "
                           "\"device.singlet_fraction\"\n"
                           "from = 0.0\nto = 1.5\n");
        const auto e = load_error(text);
        CHECK(e.key() == "device.singlet_fraction");
        CHECK(e.line() == line_of(text, "[[sweep.axis]]"));
        CHECK(e.allowed() == "[0, 1]");
    }
    SECTION("samples and seed belong to random mode") {
        const std::string text = minimal_config(
            {}, "[sweep]\nseed = 3\n[[sweep.axis]]\nkey = \"dopant.0.kTET_s\"\nvalues = [1.0]\n");
        const auto e = load_error(text);
        CHECK(e.key() == "sweep.seed");
        CHECK(e.line() == line_of(text, "seed"));
    }
}

TEST_CASE("a misspelt key or sweep key path gets a 'did you mean' (issue 21 item 20)",
          "[config][errors]") {
    SECTION("top-level table") {
        std::string text = minimal_config();
        text.replace(text.find("[device]"), 8, "[devise]");
        const auto e = load_error(text);
        CHECK(e.key() == "devise");
        CHECK_THAT(e.problem(), Contains("did you mean 'device'?"));
    }
    SECTION("a key of [device], letters swapped") {
        std::string text = minimal_config();
        text.insert(text.find("[ligand]"), "outcuopling = 0.3\n");
        const auto e = load_error(text);
        CHECK(e.key() == "device.outcuopling");
        CHECK_THAT(e.problem(), Contains("did you mean 'outcoupling'?"));
    }
    SECTION("a sweep key path") {
        const std::string text = minimal_config() +
                                 "[sweep]\n[[sweep.axis]]\nkey = "
                                 "\"device.curent_density_mA_cm2\"\nvalues = [1.0, 2.0]\n";
        const auto e = load_error(text);
        CHECK(e.key() == "sweep.axis.0.key");
        CHECK_THAT(e.problem(), Contains("did you mean 'device.current_density_mA_cm2'?"));
        const std::string text2 =
            minimal_config() +
            "[sweep]\n[[sweep.axis]]\nkey = \"dopant.0.kTET\"\nvalues = [1.0, 2.0]\n";
        CHECK_THAT(load_error(text2).problem(), Contains("did you mean 'dopant.0.kTET_s'?"));
        const std::string text3 =
            minimal_config() +
            "[sweep]\n[[sweep.axis]]\nkey = \"nanocrytal.radius_nm\"\nvalues = [1.0, 2.0]\n";
        CHECK_THAT(load_error(text3).problem(), Contains("did you mean 'nanocrystal.radius_nm'?"));
    }
    SECTION("nothing close: no suggestion") {
        std::string text = minimal_config();
        text.insert(text.find("[ligand]"), "colour = 3\n");
        CHECK_THAT(load_error(text).problem(), !Contains("did you mean"));
    }
}
