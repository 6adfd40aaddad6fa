//! @file test_config_registry.cpp
//! The registry of the modules' config tables (relsim/io/config_registry.hpp): io accepts a
//! module's table, hands its swept keys to it, checks their values and answers their units only
//! through what the module registered (the tests' main registers the four modules, as relsim's
//! main does).
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "relsim/io/config_registry.hpp"
#include "test_support.hpp"

using Catch::Matchers::Contains;
using relsim_test::line_of;
using relsim_test::load_error;
using relsim_test::minimal_config;

namespace {

bool registered(const std::string& module) {
    const auto all = relsim::io::registered_config_tables();
    return std::any_of(all.begin(), all.end(),
                       [&](const relsim::io::ConfigTables& t) { return t.module == module; });
}

std::string axis(const std::string& key, const std::string& values) {
    return "[sweep]\n[[sweep.axis]]\nkey = \"" + key + "\"\nvalues = [" + values + "]\n";
}

// A module that io cannot know: [widget], swept widget.* keys in [0, 5] furlong.
std::string widget_unit(const std::string& key) {
    return key.rfind("widget.", 0) == 0 ? "furlong" : std::string();
}
std::string widget_check(const std::string&, double v, std::string& allowed) {
    allowed = "[0, 5] furlong";
    return v >= 0.0 && v <= 5.0 ? std::string() : "value out of the widget's range";
}

}  // namespace

TEST_CASE("the four modules' tables are registered and accepted at the top level",
          "[config][registry]") {
    for (const char* m : {"nanocrystal", "optics", "transport", "lifetime"}) {
        INFO(m);
        CHECK(registered(m));
    }
    const std::string text = minimal_config() + "[inventry]\nx = 1\n";
    const auto e = load_error(text);
    CHECK(e.key() == "inventry");
    CHECK(e.line() == line_of(text, "[inventry]"));
    CHECK_THAT(e.what(), Contains("did you mean 'inventory'?"));
    CHECK_THAT(e.allowed(), Contains("device") && Contains("optics") && Contains("nanocrystal") &&
                                Contains("transport") && Contains("lifetime") &&
                                Contains("inventory"));
}

TEST_CASE("a registered module's table, swept keys, values and units go through the registry",
          "[config][registry]") {
    // Before registration: [widget] is an unknown table, widget.x no parameter.
    if (!registered("widget")) {
        const auto e = load_error(minimal_config() + "[widget]\nx = 1\n");
        CHECK(e.key() == "widget");
        CHECK_THAT(e.what(), Contains("unknown key 'widget'"));
    }
    relsim::io::ConfigTables t;
    t.module = "widget";
    t.tables = {"widget"};
    t.sweep_prefixes = {"widget."};
    t.check_swept_value = &widget_check;
    t.unit = &widget_unit;
    relsim::io::register_config_tables(t);
    relsim::io::register_config_tables(t);  // again: replaces, no second entry
    const auto all = relsim::io::registered_config_tables();
    CHECK(std::count_if(all.begin(), all.end(), [](const relsim::io::ConfigTables& x) {
              return x.module == "widget";
          }) == 1);

    const auto ok = relsim::io::load_config_text(
        minimal_config() + "[widget]\nx = 1\n" + axis("widget.x", "0.0, 5.0"), "ok.toml");
    REQUIRE(ok.sweep);
    CHECK(ok.sweep->axes.front().keys.front() == "widget.x");
    CHECK(relsim::io::parameter_unit("widget.x") == "furlong");
    std::string allowed;
    CHECK_FALSE(relsim::io::check_parameter_value("widget.x", 6.0, allowed).empty());
    CHECK(allowed == "[0, 5] furlong");

    const std::string bad = minimal_config() + axis("widget.x", "1.0, 7.5");
    const auto e = load_error(bad);
    CHECK(e.key() == "widget.x");
    CHECK_THAT(e.what(), Contains("sweep axis 0 point 1: value out of the widget's range"));
    CHECK(e.allowed() == "[0, 5] furlong");
}

TEST_CASE("optics and lifetime keys: values and units from the modules' own rules",
          "[config][registry]") {
    const auto e = load_error(minimal_config() + axis("optics.layer.0.n", "1.5, -1.0"));
    CHECK(e.key() == "optics.layer.0.n");
    CHECK_THAT(e.what(), Contains("point 1: value -1 is negative"));
    CHECK(e.allowed() == "(0, inf)");
    CHECK(relsim::io::parameter_unit("optics.layer.2.thickness_nm") == "nm");
    CHECK(relsim::io::parameter_unit("lifetime.max_hours") == "h");
    CHECK(relsim::io::parameter_unit("lifetime.kX_T_s") == "s^-1");
    // nanocrystal and transport keys: the modules' units (the /axes unit of their sweeps)
    CHECK(relsim::io::parameter_unit("nanocrystal.radius_nm") == "nm");
    CHECK(relsim::io::parameter_unit("transport.layer.2.thickness_nm") == "nm");
    CHECK(relsim::io::parameter_unit("transport.layer.0.mu_n_cm2_Vs") == "cm^2 V^-1 s^-1");
    CHECK(relsim::io::parameter_unit("transport.anode_work_function_eV") == "eV");
    CHECK(relsim::io::parameter_unit("device.voltage_V") == "V");
    // An optics key the optics rules do not know is reported by io as no parameter.
    const auto u = load_error(minimal_config() + axis("optics.colour", "1.0"));
    CHECK_THAT(u.what(), Contains("'optics.colour' is not a numeric model parameter"));
}

TEST_CASE("the config text is parsed once: every copy shares the document", "[config][registry]") {
    const auto cfg = relsim::io::load_config_text(minimal_config(), "doc.toml");
    REQUIRE(cfg.document);
    const relsim::io::RunConfig copy = cfg;  // NOLINT(performance-unnecessary-copy-initialization)
    CHECK(copy.document == cfg.document);
}

TEST_CASE("io keys a module supplies, reads alone or refuses: decided by the registration",
          "[config][registry]") {
    // [gadget] supplies the current (J may be left out, and 0 counts as absent), reads
    // device.langevin_cm3_s alone, and refuses [bands]: io names none of this itself.
    relsim::io::ConfigTables t;
    t.module = "gadget";
    t.tables = {"gadget"};
    t.supplies = {{"gadget", "device.current_density_mA_cm2", true},
                  {"gadget", "dopant.*.kTET_s", false}};
    t.only_with_table = {{"device.langevin_cm3_s", "langevin needs the gadget", "a [gadget]"}};
    t.refuses = {{"bands", "[bands] is not combined with [gadget]", "no [bands]"}};
    relsim::io::register_config_tables(t);

    auto without = [](std::string text, const std::string& line) {
        text.erase(text.find(line), line.size());
        return text;
    };
    const std::string no_j = without(minimal_config(), "current_density_mA_cm2 = 10.0\n");
    const std::string no_kt = without(minimal_config(), "kTET_s = 2.0e9\n");
    // Without the module's table the keys stay required ...
    CHECK(load_error(no_j).key() == "device.current_density_mA_cm2");
    CHECK(load_error(no_kt).key() == "dopant.0.kTET_s");
    // ... with it they are optional, and a 0 current stands for absent (no range error).
    CHECK_NOTHROW(relsim::io::load_config_text(no_j + "[gadget]\nx = 1\n", "g.toml"));
    CHECK_NOTHROW(relsim::io::load_config_text(no_kt + "[gadget]\nx = 1\n", "g.toml"));
    const std::string zero = minimal_config() + "[gadget]\nx = 1\n";
    std::string z = zero;
    z.replace(z.find("10.0"), 4, "0.0");
    CHECK_NOTHROW(relsim::io::load_config_text(z, "g.toml"));
    std::string zb = minimal_config();
    zb.replace(zb.find("10.0"), 4, "0.0");
    CHECK(load_error(zb).key() == "device.current_density_mA_cm2");  // 0: out of range

    // A key only the module reads: refused without its table, located.
    std::string lang = minimal_config();
    lang.insert(lang.find("[ligand]"), "langevin_cm3_s = 1e-10\n");
    const auto e = load_error(lang);
    CHECK(e.key() == "device.langevin_cm3_s");
    CHECK(e.line() == line_of(lang, "langevin_cm3_s"));
    CHECK_THAT(e.what(), Contains("langevin needs the gadget"));
    CHECK_NOTHROW(relsim::io::load_config_text(lang + "[gadget]\nx = 1\n", "g.toml"));

    // An io table the module refuses: exit-2 error naming both.
    const std::string bands =
        minimal_config() + "[gadget]\nx = 1\n[bands]\ngreen = [500.0, 580.0]\n";
    const auto b = load_error(bands);
    CHECK_THAT(b.what(), Contains("[bands] is not combined with [gadget]"));
    CHECK_NOTHROW(relsim::io::load_config_text(
        minimal_config() + "[bands]\ngreen = [500.0, 580.0]\n", "b.toml"));

    t.only_with_table.clear();  // leave langevin_cm3_s free for the other tests
    t.supplies.clear();
    t.refuses.clear();
    relsim::io::register_config_tables(t);
}

TEST_CASE(
    "the shipped modules' refusals: [output] with [nanocrystal], a chosen output subset "
    "with [lifetime] or [inventory]",
    "[config][registry]") {
    const std::string results = "[output]\nresults = [\"eqe\"]\n";
    for (const char* table : {"lifetime", "inventory"}) {
        INFO(table);
        const std::string text = minimal_config() + results + "[" + table + "]\nx = 1.0\n";
        const auto e = load_error(text);
        CHECK(e.key() == "output.results");
        CHECK(e.line() == line_of(text, "results ="));
        CHECK_THAT(e.what(), Contains(std::string("not combined with [") + table + "]"));
        CHECK_THAT(e.allowed(), Contains(std::string("or the [") + table + "] table"));
    }
    // [output] without a chosen subset goes with [lifetime] (io refuses nothing here).
    const std::string fine =
        minimal_config() + "[output]\nline_rates = false\n[lifetime]\nx = 1.0\n";
    CHECK_NOTHROW(relsim::io::load_config_text(fine, "fine.toml"));
    const std::string nc =
        minimal_config() + "[output]\nline_rates = false\n[nanocrystal]\nx = 1\n";
    const auto e = load_error(nc);
    CHECK(e.key() == "output");
    CHECK_THAT(e.what(), Contains("[output]") && Contains("[nanocrystal]"));
}

TEST_CASE("[device] keys read by a module: accepted by io, refused where they would be ignored",
          "[config][registry]") {
    auto with_device_key = [](const std::string& line) {
        std::string text = minimal_config();
        text.insert(text.find("[ligand]"), line + "\n");
        return text;
    };
    // eml_thickness_nm: the inventory of every run reads it (no table needed).
    CHECK_NOTHROW(
        relsim::io::load_config_text(with_device_key("eml_thickness_nm = 30.0"), "e.toml"));
    // voltage_V: only the transport stack reads it.
    const std::string v = with_device_key("voltage_V = 5.0");
    const auto ev = load_error(v);
    CHECK(ev.key() == "device.voltage_V");
    CHECK(ev.line() == line_of(v, "voltage_V"));
    CHECK_THAT(ev.what(), Contains("[transport]"));
    // and a [device] key no module reads is unknown, with the modules' keys among the allowed
    const auto u = load_error(with_device_key("voltage_mV = 5.0"));
    CHECK(u.key() == "device.voltage_mV");
    CHECK_THAT(u.allowed(), Contains("voltage_V") && Contains("eml_thickness_nm"));
}
