//! [output] (docs/output.md): chosen results, line rates off, roll-off reductions along the
//! current axis, and resume of such a file. Every stored value must equal the full run's bit for
//! bit (the same arithmetic, only fewer stores), and the roll-off figures must equal
//! sweep::rolloff() of the full run's per-J output row by row (the same function on the same
//! numbers: exact).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/sweep/rolloff.hpp"
#include "relsim/sweep/sweep_runner.hpp"

namespace fs = std::filesystem;
using relsim::io::H5File;

namespace {

fs::path temp_dir(const std::string& name) {
    fs::path p = fs::temp_directory_path() /
                 ("relsim_test_output_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

//! The Tb device of test_sweep.cpp with strong triplet-polaron quenching, so that the EQE rolls
//! off inside the J range (J90 and J50 are reached in most rows), and a J axis last.
std::string config_text(const std::string& output) {
    return R"(
title = "output test"
[device]
current_density_mA_cm2 = 10.0
[ligand]
density_cm3 = 7.5e20
triplet_energy_eV = 2.9
kTT_cm3_s = 1e-12
kTP_cm3_s = 4e-13
[[dopant]]
ion = "Tb"
density_cm3 = 2.8e21
accepting_level = "5D4"
kTET_s = 2.0e9
kETU_s = 100.0
quench_s = { "5D4" = 60.0 }
ground = ["7F6", "7F5"]
levels = [ { name = "5D4", energy_cm1 = 20500.0 } ]
lines = [ { from = "5D4", to = "7F5", rate_s = 100.0, wavelength_nm = 544.0, fwhm_nm = 8.0 },
          { from = "5D4", to = "7F6", rate_s = 40.0, wavelength_nm = 489.0, fwhm_nm = 8.0 } ]
[sweep]
[[sweep.axis]]
key = "dopant.0.kTET_s"
values = [1e6, 1e7, 1e8, 1e9, 1e10]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-3
to = 1e4
points = 12
)" + output;
}

relsim::io::RunConfig config_from(const std::string& text, const fs::path& dir,
                                  const std::string& name) {
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return relsim::io::load_config(p.string());
}

relsim::sweep::RunSummary run(const relsim::io::RunConfig& cfg, const fs::path& out, int threads,
                              bool resume = false, std::uint64_t block_points = 7) {
    relsim::sweep::RunOptions opt;
    opt.output_path = out.string();
    opt.threads = threads;
    opt.quiet = true;
    opt.resume = resume;
    opt.block_points =
        block_points;  // 7: blocks of one row here (a reducing run's blocks hold whole rows)
    return relsim::sweep::run(cfg, opt);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

std::set<std::string> stored_under(const H5File& f, const std::vector<std::string>& prefixes) {
    std::set<std::string> out;
    for (const auto& d : f.datasets()) {
        for (const std::string& p : prefixes) {
            if (d.path.rfind(p, 0) == 0) out.insert(d.path);
        }
    }
    return out;
}

const char* chosen = R"(
[output]
results = ["eqe", "cie_x", "cie_y", "luminance_cd_m2", "fates/*"]
line_rates = false
reduce = "rolloff"
)";

}  // namespace

TEST_CASE("[output] stores exactly the chosen datasets, equal to the full run's",
          "[sweep][output]") {
    const fs::path dir = temp_dir("chosen");
    const auto full_cfg = config_from(config_text(""), dir, "full.toml");
    const auto part_cfg = config_from(config_text(chosen), dir, "part.toml");
    run(full_cfg, dir / "full.h5", 2);
    const auto s = run(part_cfg, dir / "part.h5", 2);
    CHECK(s.failed == 0);
    H5File full((dir / "full.h5").string(), H5File::Mode::read_only);
    H5File part((dir / "part.h5").string(), H5File::Mode::read_only);

    std::set<std::string> expected{"/results/eqe",    "/results/cie_x",
                                   "/results/cie_y",  "/results/luminance_cd_m2",
                                   "/results/status", "/sweep/done"};
    for (const auto& d : full.datasets()) {
        if (d.path.rfind("/results/fates/", 0) == 0) expected.insert(d.path);
    }
    REQUIRE(expected.size() > 8);  // the Tb model has several fates
    for (const char* r : {"peak_eqe", "peak_J_mA_cm2", "peak_luminance_cd_m2", "J90_mA_cm2",
                          "J50_mA_cm2", "eqe_at_100_cd_m2", "eqe_at_1000_cd_m2",
                          "max_luminance_cd_m2", "last_eqe_over_peak", "points_used", "flags"}) {
        expected.insert(std::string("/reduced/rolloff/") + r);
    }
    CHECK(stored_under(part, {"/results/", "/spectrum/", "/reduced/", "/sweep/", "/transient/"}) ==
          expected);

    for (const std::string& p : expected) {
        if (p.rfind("/results/", 0) != 0) continue;
        INFO(p);
        if (p == "/results/status") {
            CHECK(part.read_ints(p) == full.read_ints(p));
        } else {
            CHECK(same_bits(part.read_doubles(p), full.read_doubles(p)));
        }
    }

    // Roll-off per kTET row from the full run's per-J output.
    const auto J = full.read_doubles("/axes/1");
    const auto eqe = full.read_doubles("/results/eqe");
    const auto lum = full.read_doubles("/results/luminance_cd_m2");
    const auto status = full.read_ints("/results/status");
    CHECK(part.dims("/reduced/rolloff/peak_eqe") == std::vector<std::uint64_t>{5});
    auto red = [&](const char* name) {
        return part.read_doubles(std::string("/reduced/rolloff/") + name);
    };
    const auto peak = red("peak_eqe"), peak_J = red("peak_J_mA_cm2"), j90 = red("J90_mA_cm2"),
               j50 = red("J50_mA_cm2"), e100 = red("eqe_at_100_cd_m2"),
               e1000 = red("eqe_at_1000_cd_m2"), used = red("points_used"), flags = red("flags");
    int reached_j50 = 0;
    for (std::size_t r = 0; r < 5; ++r) {
        INFO("row " << r);
        auto slice = [&](const auto& v) {
            return std::vector<typename std::decay_t<decltype(v)>::value_type>(
                v.begin() + static_cast<long>(r * 12), v.begin() + static_cast<long>(r * 12 + 12));
        };
        const auto ro = relsim::sweep::rolloff(J, slice(eqe), slice(lum), slice(status));
        REQUIRE(ro);
        CHECK(peak[r] == ro->peak_eqe);
        CHECK(peak_J[r] == ro->peak_J_mA_cm2);
        CHECK(j90[r] == ro->J90_mA_cm2.value_or(0.0));
        CHECK(j50[r] == ro->J50_mA_cm2.value_or(0.0));
        CHECK(e100[r] == ro->eqe_at_100_cd_m2.value_or(0.0));
        CHECK(e1000[r] == ro->eqe_at_1000_cd_m2.value_or(0.0));
        CHECK(used[r] == 12.0);
        const int expect_flags = (ro->J90_mA_cm2 ? 0 : 1) + (ro->J50_mA_cm2 ? 0 : 2) +
                                 (ro->eqe_at_100_cd_m2 ? 0 : 4) + (ro->eqe_at_1000_cd_m2 ? 0 : 8);
        CHECK(flags[r] == expect_flags);
        reached_j50 += ro->J50_mA_cm2 ? 1 : 0;
        // The peak is the row's largest EQE (a physical cross-check of the reduction).
        const auto row = slice(eqe);
        CHECK(peak[r] == *std::max_element(row.begin(), row.end()));
    }
    CHECK(reached_j50 > 0);  // the config rolls off: J50 is tested with a value, not only a 0
    fs::remove_all(dir);
}

TEST_CASE("The default layout is unchanged by an [output] table asking for everything",
          "[sweep][output]") {
    const fs::path dir = temp_dir("all");
    const auto full_cfg = config_from(config_text(""), dir, "full.toml");
    const auto all_cfg = config_from(config_text("[output]\nresults = [\"*\"]\n"), dir, "all.toml");
    run(full_cfg, dir / "full.h5", 1);
    run(all_cfg, dir / "all.h5", 1);
    H5File a((dir / "full.h5").string(), H5File::Mode::read_only);
    H5File b((dir / "all.h5").string(), H5File::Mode::read_only);
    const auto sa = stored_under(a, {"/results/", "/spectrum/", "/sweep/"});
    CHECK(sa == stored_under(b, {"/results/", "/spectrum/", "/sweep/"}));
    for (const std::string& p : sa) {
        if (p == "/results/line_labels") continue;
        INFO(p);
        const auto da = a.read_doubles(p), db = b.read_doubles(p);
        CHECK(same_bits(da, db));
    }
    fs::remove_all(dir);
}

TEST_CASE("An unknown [output] name is refused with its line, key and the allowed names",
          "[sweep][output]") {
    const fs::path dir = temp_dir("unknown");
    const std::string text =
        config_text("[output]\nresults = [\"eqe\",\n  \"fates/nope*\", \"cie_z\"]\n");
    const auto cfg = config_from(text, dir, "bad.toml");
    const auto at = text.find("\"fates/nope*\"");
    const int line =
        1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    try {
        (void)relsim::sweep::describe_output(cfg);
        FAIL("no error");
    } catch (const relsim::InputError& e) {
        CHECK(e.key() == "output.results.1");
        CHECK(e.line() == line);  // the second entry's line
        CHECK(std::string(e.what()).find("fates/nope*") != std::string::npos);
        CHECK(std::string(e.what()).find("\"fates/*\"") != std::string::npos);  // allowed list
        CHECK(std::string(e.what()).find("\"cie_x\"") != std::string::npos);
    }
    relsim::sweep::RunOptions opt;
    opt.output_path = (dir / "bad.h5").string();
    opt.quiet = true;
    CHECK_THROWS_AS(relsim::sweep::run(cfg, opt), relsim::InputError);
    CHECK_FALSE(fs::exists(dir / "bad.h5"));
    CHECK_FALSE(fs::exists(dir / "bad.h5.partial"));
    // Syntax errors are found by the loader itself.
    CHECK_THROWS_AS(config_from(config_text("[output]\nreduce = \"median\"\n"), dir, "b2.toml"),
                    relsim::InputError);
    CHECK_THROWS_AS(config_from(config_text("[output]\nresult = [\"eqe\"]\n"), dir, "b3.toml"),
                    relsim::InputError);
    CHECK_THROWS_AS(config_from(config_text("[spectrum]\nsave = true\n[output]\nspectra = false\n"),
                                dir, "b4.toml"),
                    relsim::InputError);
    // reduce = "rolloff" needs J as the last axis.
    std::string j_first = config_text("[output]\nreduce = \"rolloff\"\n");
    j_first.replace(j_first.find("key = \"dopant.0.kTET_s\""), 23, "key = \"ligand.kTP_cm3_s\"");
    CHECK_NOTHROW(config_from(j_first, dir, "ok.toml"));
    std::string no_j = j_first;
    no_j.replace(no_j.find("key = \"device.current_density_mA_cm2\""), 37,
                 "key = \"dopant.0.kETU_s\"");
    CHECK_THROWS_AS(config_from(no_j, dir, "b5.toml"), relsim::InputError);
    fs::remove_all(dir);
}

TEST_CASE("The size estimate follows the chosen layout", "[sweep][output]") {
    const fs::path dir = temp_dir("size");
    auto big = [&](const std::string& output, const std::string& name) {
        std::string t = config_text(output);
        t.replace(t.find("points = 12"), 11, "points = 4000");
        return config_from(t, dir, name);
    };
    const auto full_cfg = big("", "full.toml");
    const auto four_cfg =
        big("[output]\nresults = [\"eqe\", \"cie_x\", \"cie_y\", \"luminance_cd_m2\"]\n"
            "line_rates = false\n",
            "four.toml");
    const auto est_full = static_cast<double>(relsim::sweep::estimated_output_bytes(full_cfg));
    const auto est_four = static_cast<double>(relsim::sweep::estimated_output_bytes(four_cfg));
    CHECK(relsim::sweep::describe_output(four_cfg).find("37.0 bytes per point") !=
          std::string::npos);
    run(full_cfg, dir / "full.h5", 2, false, 0);  // default blocks (and chunks)
    run(four_cfg, dir / "four.h5", 2, false, 0);
    const auto size_full = static_cast<double>(fs::file_size(dir / "full.h5"));
    const auto size_four = static_cast<double>(fs::file_size(dir / "four.h5"));
    // 2e4 points: the raw data dominates; the estimate must not be low (the disk-space check
    // relies on it) and not far high.
    CHECK(est_full >= size_full);
    CHECK(est_full < 1.3 * size_full);
    CHECK(est_four >= size_four);
    CHECK(est_four < 1.3 * size_four);
    CHECK(size_four < 0.25 * size_full);
    fs::remove_all(dir);
}

TEST_CASE("A reduced run resumes to the same file as an uninterrupted one", "[sweep][output]") {
    const fs::path dir = temp_dir("resume");
    const auto cfg = config_from(config_text(chosen), dir, "part.toml");
    run(cfg, dir / "whole.h5", 1);
    // An interrupted run: rows 1 and 3 (one block each) not done, their data still the fill value.
    fs::copy_file(dir / "whole.h5", dir / "cut.h5.partial");
    {
        H5File f((dir / "cut.h5.partial").string(), H5File::Mode::read_write);
        const std::vector<std::uint8_t> zeros(12, 0);
        const std::vector<double> zero_d(12, 0.0);
        for (std::uint64_t row : {1u, 3u}) {
            f.write_flat_range("/sweep/done", relsim::io::ElementType::uint8, row * 12, 12,
                               zeros.data());
            f.write_flat_range("/results/eqe", relsim::io::ElementType::float64, row * 12, 12,
                               zero_d.data());
            f.write_flat_range("/reduced/rolloff/J50_mA_cm2", relsim::io::ElementType::float64, row,
                               1, zero_d.data());
        }
    }
    const auto s = run(cfg, dir / "cut.h5", 2, true);
    CHECK(s.resumed == 36);
    CHECK(s.computed == 24);
    H5File a((dir / "whole.h5").string(), H5File::Mode::read_only);
    H5File b((dir / "cut.h5").string(), H5File::Mode::read_only);
    for (const auto& d : a.datasets()) {
        if (d.kind != H5File::DatasetInfo::Kind::floating &&
            d.kind != H5File::DatasetInfo::Kind::integer)
            continue;
        if (d.path.rfind("/config", 0) == 0) continue;
        INFO(d.path);
        CHECK(same_bits(a.read_doubles(d.path), b.read_doubles(d.path)));
    }
    fs::remove_all(dir);
}
