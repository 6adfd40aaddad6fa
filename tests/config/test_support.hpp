//! @file test_support.hpp
//! Helpers of the config tests: a minimal valid config, error capture, line lookup.
#pragma once

#include <catch2/catch.hpp>

#include <string>

#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"

namespace relsim_test {

//! A small valid config; `extra` is appended (new tables or array tables).
inline std::string minimal_config(const std::string& dopant_extra = {},
                                  const std::string& extra = {}) {
    return "title = \"minimal\"\n"
           "[device]\n"
           "current_density_mA_cm2 = 10.0\n"
           "[ligand]\n"
           "density_cm3 = 7.5e20\n"
           "triplet_energy_eV = 2.9\n"
           "[[dopant]]\n"
           "ion = \"Tb\"\n"
           "density_cm3 = 2.8e21\n"
           "accepting_level = \"5D4\"\n"
           "kTET_s = 2.0e9\n" +
           dopant_extra + extra;
}

//! 1-based number of the first line of `text` that contains `needle` (0 if none).
inline int line_of(const std::string& text, const std::string& needle) {
    const auto pos = text.find(needle);
    if (pos == std::string::npos) return 0;
    int line = 1;
    for (std::size_t i = 0; i < pos; ++i) {
        if (text[i] == '\n') ++line;
    }
    return line;
}

//! The InputError that loading `text` must throw.
inline relsim::InputError load_error(const std::string& text,
                                     const std::string& file = "bad.toml") {
    try {
        (void)relsim::io::load_config_text(text, file);
    } catch (const relsim::InputError& e) {
        return e;
    }
    FAIL("expected relsim::InputError for:\n" << text);
    throw;  // unreachable
}

inline relsim::InputError load_file_error(const std::string& path) {
    try {
        (void)relsim::io::load_config(path);
    } catch (const relsim::InputError& e) {
        return e;
    }
    FAIL("expected relsim::InputError for " << path);
    throw;  // unreachable
}

//! "file:line" as it appears in messages.
inline std::string at(const std::string& file, int line) {
    return file + ":" + std::to_string(line) + ":";
}

inline std::string test_dir() { return RELSIM_TEST_DIR; }
inline std::string source_dir() { return RELSIM_SOURCE_DIR; }

}  // namespace relsim_test
