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
    CHECK(relsim::io::parameter_unit("nanocrystal.radius_nm").empty());  // not registered
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
