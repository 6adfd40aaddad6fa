//! The sweep engine: point-for-point agreement with single runs, thread-count independence,
//! failure handling, resume refusal.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <string>

#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/sweep/sweep_runner.hpp"

namespace fs = std::filesystem;
using relsim::io::H5File;

namespace {

fs::path temp_dir(const std::string& name) {
    fs::path p = fs::temp_directory_path() /
                 ("relsim_test_sweep_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

//! A small Tb device with an inline level scheme (independent of the ion library).
std::string base_config(const std::string& sweep) {
    return R"(
title = "sweep test"
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
)" + sweep;
}

relsim::io::RunConfig config_from(const std::string& text, const fs::path& dir,
                                  const std::string& name) {
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return relsim::io::load_config(p.string());
}

relsim::sweep::RunSummary run(const relsim::io::RunConfig& cfg, const fs::path& out, int threads) {
    relsim::sweep::RunOptions opt;
    opt.output_path = out.string();
    opt.threads = threads;
    opt.quiet = true;
    opt.block_points = 7;  // many blocks, so block boundaries fall mid-row
    return relsim::sweep::run(cfg, opt);
}

const char* two_axis_sweep = R"(
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-2
to = 1e3
points = 9
[[sweep.axis]]
key = "dopant.0.kTET_s"
values = [1e7, 1e8, 1e9, 1e10]
)";

}  // namespace

TEST_CASE("Every point of a 2-D sweep equals a single run of that point", "[sweep]") {
    // Sweep points are warm-started from their neighbour, single runs start cold; both converge
    // to machine precision (Newton's last step is below 1e-10 relative, so the error is ~1e-20),
    // so they agree to round-off: 1e-12 relative.
    const fs::path dir = temp_dir("pointwise");
    const auto sweep_cfg = config_from(base_config(two_axis_sweep), dir, "sweep.toml");
    run(sweep_cfg, dir / "sweep.h5", 2);
    H5File f((dir / "sweep.h5").string(), H5File::Mode::read_only);
    CHECK(f.dims("/results/eqe") == std::vector<std::uint64_t>{9, 4});
    const auto eqe = f.read_doubles("/results/eqe");
    const auto cie_x = f.read_doubles("/results/cie_x");
    const auto lum = f.read_doubles("/results/luminance_cd_m2");
    const auto J = f.read_doubles("/axes/0");
    const auto k = f.read_doubles("/axes/1");
    CHECK(f.string_attribute("/axes/1", "key") == "dopant.0.kTET_s");
    for (std::size_t i : {0u, 4u, 8u}) {
        for (std::size_t j : {0u, 2u, 3u}) {
            std::string text = base_config("");
            auto replace = [&](const std::string& from, const std::string& to) {
                text.replace(text.find(from), from.size(), to);
            };
            char buf[64];
            std::snprintf(buf, sizeof buf, "current_density_mA_cm2 = %.17g", J[i]);
            replace("current_density_mA_cm2 = 10.0", buf);
            std::snprintf(buf, sizeof buf, "kTET_s = %.17g", k[j]);
            replace("kTET_s = 2.0e9", buf);
            const auto single = config_from(text, dir, "single.toml");
            run(single, dir / "single.h5", 1);
            H5File s((dir / "single.h5").string(), H5File::Mode::read_only);
            CHECK(s.dims("/results/eqe").empty());  // scalar without a sweep (spec section 6)
            INFO("point " << i << "," << j);
            CHECK(s.read_doubles("/results/eqe")[0] == Approx(eqe[i * 4 + j]).epsilon(1e-12));
            CHECK(s.read_doubles("/results/cie_x")[0] == Approx(cie_x[i * 4 + j]).epsilon(1e-12));
            CHECK(s.read_doubles("/results/luminance_cd_m2")[0] ==
                  Approx(lum[i * 4 + j]).epsilon(1e-12));
        }
    }
    fs::remove_all(dir);
}

TEST_CASE("One and two threads write bit-identical results", "[sweep]") {
    // Work units and their warm-start chains depend only on the config, so the arithmetic of
    // every point is the same sequence of operations whatever the thread count.
    const fs::path dir = temp_dir("threads");
    const auto cfg = config_from(base_config(two_axis_sweep), dir, "sweep.toml");
    run(cfg, dir / "t1.h5", 1);
    run(cfg, dir / "t2.h5", 2);
    H5File a((dir / "t1.h5").string(), H5File::Mode::read_only);
    H5File b((dir / "t2.h5").string(), H5File::Mode::read_only);
    for (const char* name :
         {"/results/eqe", "/results/iqe", "/results/cie_x", "/results/cie_y",
          "/results/luminance_cd_m2", "/results/populations/T", "/results/populations/Tb_5D4",
          "/results/fates/tta", "/results/line_photon_rate"}) {
        const auto va = a.read_doubles(name);
        const auto vb = b.read_doubles(name);
        REQUIRE(va.size() == vb.size());
        for (std::size_t i = 0; i < va.size(); ++i) {
            INFO(name << "[" << i << "]");
            CHECK(std::memcmp(&va[i], &vb[i], sizeof(double)) == 0);
        }
    }
    CHECK(a.read_ints("/results/status") == b.read_ints("/results/status"));
    fs::remove_all(dir);
}

TEST_CASE("A zipped axis moves its keys together and spectra are saved when asked", "[sweep]") {
    const fs::path dir = temp_dir("zip");
    const auto cfg = config_from(base_config(R"(
[spectrum]
from_nm = 400.0
to_nm = 700.0
step_nm = 1.0
save = true
[sweep]
[[sweep.axis]]
keys = ["dopant.0.density_cm3", "dopant.0.kTET_s"]
values = [[1e21, 2e21, 3e21], [1e8, 1e9, 1e10]]
)"),
                                 dir, "zip.toml");
    run(cfg, dir / "zip.h5", 2);
    H5File f((dir / "zip.h5").string(), H5File::Mode::read_only);
    CHECK(f.dims("/results/eqe") == std::vector<std::uint64_t>{3});
    CHECK(f.read_doubles("/axes/0_key1") == std::vector<double>{1e8, 1e9, 1e10});
    CHECK(f.dims("/spectrum/power") == std::vector<std::uint64_t>{3, 301});
    CHECK(f.string_attribute("/spectrum/power", "units") == "W m^-2 nm^-1");
    const auto eqe = f.read_doubles("/results/eqe");
    CHECK(eqe[0] < eqe[1]);  // faster transfer, more ions: higher EQE
    CHECK(eqe[1] < eqe[2]);
    fs::remove_all(dir);
}

TEST_CASE("Fates sum to 1 at every point of a sweep and every dataset has units", "[sweep]") {
    const fs::path dir = temp_dir("fates");
    const auto cfg = config_from(base_config(two_axis_sweep), dir, "sweep.toml");
    run(cfg, dir / "s.h5", 2);
    H5File f((dir / "s.h5").string(), H5File::Mode::read_only);
    std::vector<double> sum(36, 0.0);
    for (const char* ch :
         {"ligand_singlet_radiative", "ligand_singlet_nonradiative", "ligand_triplet_radiative",
          "ligand_triplet_nonradiative", "ssa", "sta", "tta", "tpq", "Tb_radiative",
          "Tb_nonradiative", "Tb_quenching", "Tb_polaron_quenching", "Tb_etu"}) {
        const std::string path = std::string("/results/fates/") + ch;
        CHECK(f.string_attribute(path, "units") == "1");
        const auto v = f.read_doubles(path);
        for (std::size_t i = 0; i < v.size(); ++i) sum[i] += v[i];
    }
    for (double s : sum) CHECK(std::abs(s - 1.0) < 1e-9);
    for (const char* p : {"/results/eqe", "/results/status", "/axes/0", "/axes/1",
                          "/results/luminance_cd_m2", "/results/populations/S"}) {
        CHECK(f.has_attribute(p, "units"));
    }
    CHECK(f.string_attribute("/", "config_toml").find("sweep test") != std::string::npos);
    CHECK(f.has_attribute("/", "relsim_version"));
    CHECK(f.has_attribute("/", "created_utc"));
    fs::remove_all(dir);
}

TEST_CASE("Resuming with a different config is refused and writes nothing", "[sweep]") {
    const fs::path dir = temp_dir("refuse");
    const auto cfg = config_from(base_config(two_axis_sweep), dir, "a.toml");
    std::string other = base_config(two_axis_sweep);
    other.replace(other.find("kETU_s = 100.0"), 14, "kETU_s = 200.0");
    const auto cfg_b = config_from(other, dir, "b.toml");
    run(cfg, dir / "done.h5", 1);
    fs::copy_file(dir / "done.h5", dir / "out.h5.partial");
    relsim::sweep::RunOptions opt;
    opt.output_path = (dir / "out.h5").string();
    opt.resume = true;
    opt.quiet = true;
    CHECK_THROWS_AS(relsim::sweep::run(cfg_b, opt), relsim::InputError);
    CHECK_FALSE(fs::exists(dir / "out.h5"));
    // The same config resumes: every block is marked done, nothing is recomputed.
    const auto s = relsim::sweep::run(cfg, opt);
    CHECK(s.resumed == 36);
    CHECK(s.computed == 0);
    CHECK(fs::exists(dir / "out.h5"));
    fs::remove_all(dir);
}

TEST_CASE("A point whose evaluation fails gets a status and zeros and the sweep goes on",
          "[sweep]") {
    // Valid input does not make this solver fail, so the failure is injected through the
    // fault-injection hook RELSIM_FAIL_POINTS (flat point indices whose evaluation throws).
    const fs::path dir = temp_dir("fail");
    const auto cfg = config_from(base_config(two_axis_sweep), dir, "fail.toml");
    ::setenv("RELSIM_FAIL_POINTS", "3,17", 1);
    const auto summary = run(cfg, dir / "fail.h5", 2);
    ::unsetenv("RELSIM_FAIL_POINTS");
    H5File f((dir / "fail.h5").string(), H5File::Mode::read_only);
    const auto status = f.read_ints("/results/status");
    const auto eqe = f.read_doubles("/results/eqe");
    const auto T = f.read_doubles("/results/populations/T");
    for (std::size_t i = 0; i < status.size(); ++i) {
        INFO("point " << i);
        CHECK(std::isfinite(eqe[i]));
        if (i == 3 || i == 17) {
            CHECK(status[i] == 5);
            CHECK(eqe[i] == 0.0);
            CHECK(T[i] == 0.0);
        } else {
            CHECK(status[i] == 0);
            CHECK(eqe[i] > 0.0);
        }
    }
    CHECK(summary.failed == 2);
    CHECK(summary.failures_by_kind.at("error") == 2);
    fs::remove_all(dir);
}

TEST_CASE("A pulse writes total, per-species and per-line transients with rise and decay",
          "[sweep]") {
    // One emitting level with 1/tau = A + Q = 200 s^-1 in the linear regime. At switch-off the
    // ligand's prompt emission L vanishes within nanoseconds, the ions' N decays as exp(-t/tau),
    // so the total falls to (L + N)/e at t = tau (1 - ln(1 + L/N)). The neglected ligand delay
    // Back-transfer to the ligand (detailed balance, kBT ~ 5e2 s^-1) loses a fraction
    // kT_nr / (kTET + kT_nr) per visit, which adds kBT kT_nr / (kTET + kT_nr) to 1/tau. The
    // neglected ligand delay (~1 ns) is 2e-7 tau and ETU (X ~ 6e-6) 3e-6: tolerance 1e-5.
    // Triplet phosphorescence is switched off (kT_rad_s = 0): back-transfer feeds the ligand
    // triplets from the ions, so their emission would decay with the ions, not promptly.
    const fs::path dir = temp_dir("pulse");
    std::string text = base_config(R"(
[transient]
pulse_current_density_mA_cm2 = 1e-3
pulse_on_s = 0.2
off_s = 0.05
points = 60
)");
    text.replace(text.find("kTT_cm3_s = 1e-12"), 17, "kTT_cm3_s = 1e-12\nkT_rad_s = 0.0");
    const auto cfg = config_from(text, dir, "pulse.toml");
    run(cfg, dir / "pulse.h5", 1);
    H5File f((dir / "pulse.h5").string(), H5File::Mode::read_only);
    const auto t = f.read_doubles("/transient/time_s");
    CHECK(t.size() == 121);
    CHECK(t.front() == 0.0);
    CHECK(t[60] == 0.2);
    CHECK(f.string_attribute("/transient/time_s", "units") == "s");
    for (const char* p : {"/transient/photon_rate", "/transient/Tb_photon_rate",
                          "/transient/ligand_photon_rate", "/transient/lines/Tb_5D4_7F5"}) {
        CHECK(f.dims(p) == std::vector<std::uint64_t>{121});
        CHECK(f.string_attribute(p, "units") == "cm^-3 s^-1");
    }
    const auto total = f.read_doubles("/transient/photon_rate");
    const auto tb = f.read_doubles("/transient/Tb_photon_rate");
    const auto lig = f.read_doubles("/transient/ligand_photon_rate");
    const auto l544 = f.read_doubles("/transient/lines/Tb_5D4_7F5");
    for (std::size_t i = 0; i < t.size(); ++i) {
        CHECK(total[i] == Approx(tb[i] + lig[i]).epsilon(1e-12).margin(1e-300));
        CHECK(l544[i] == Approx(tb[i] * 100.0 / 140.0).epsilon(1e-12).margin(1e-300));
    }
    const double kT_eV = 8.617333262e-5 * 300.0;
    const double kBT = 2.0e9 * (7.5e20 / 2.8e21) * std::exp(-(2.9 - 20500.0 / 8065.543937) / kT_eV);
    const double tau = 1.0 / (140.0 + 60.0 + kBT * 1e4 / (2.0e9 + 1e4));
    const double expected = tau * (1.0 - std::log(1.0 + lig[60] / tb[60]));
    CHECK(f.read_doubles("/transient/decay_time_s")[0] == Approx(expected).epsilon(1e-5));
    CHECK(f.read_ints("/transient/status")[0] == 0);
    fs::remove_all(dir);
}

TEST_CASE("Chunks prepared on the compute side store the same bytes as HDF5's filter", "[sweep]") {
    // Blocks of 8 points = chunks of 2 rows of 4: four blocks are whole chunks (prepared with
    // their Fletcher32 on the compute side, written as stored bytes), the last is an edge chunk
    // (HDF5's filter). Against a run with every write through the filter: every stored chunk
    // of every chunked dataset identical, checksum included.
    const fs::path dir = temp_dir("prepared");
    const auto cfg = config_from(base_config(two_axis_sweep), dir, "sweep.toml");
    for (const bool prepared : {true, false}) {
        relsim::sweep::RunOptions opt;
        opt.output_path = (dir / (prepared ? "prepared.h5" : "filtered.h5")).string();
        opt.threads = 2;
        opt.quiet = true;
        opt.block_points = 8;
        opt.prepared_chunks = prepared;
        relsim::sweep::run(cfg, opt);
    }
    H5File a((dir / "prepared.h5").string(), H5File::Mode::read_only);
    H5File b((dir / "filtered.h5").string(), H5File::Mode::read_only);
    int chunks = 0;
    for (const H5File::DatasetInfo& d : a.datasets()) {
        if (!d.checksummed) continue;
        const H5File::ChunkGeometry g = a.chunk_geometry(d.path);
        REQUIRE(g.chunk.size() == g.dims.size());
        CHECK(g.stored_bytes_writable);
        // Every chunk of the grid, row-major.
        std::vector<std::uint64_t> at(g.dims.size(), 0);
        for (bool more = true; more;) {
            INFO(d.path);
            CHECK(a.read_stored_chunk(d.path, at) == b.read_stored_chunk(d.path, at));
            ++chunks;
            more = false;
            for (std::size_t k = at.size(); k-- > 0;) {
                at[k] += g.chunk[k];
                if (at[k] < g.dims[k]) {
                    more = true;
                    break;
                }
                at[k] = 0;
            }
        }
        if (d.kind == H5File::DatasetInfo::Kind::floating) {
            CHECK(a.read_doubles(d.path) == b.read_doubles(d.path));  // verified reads
        }
    }
    CHECK(chunks > 100);
    fs::remove_all(dir);
}
