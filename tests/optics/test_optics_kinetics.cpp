//! [optics] coupled into the mean-field kinetics: the constant-outcoupling limit, the Eu 5D0
//! lifetime above a silver mirror (Amos & Barnes, PRB 55, 7249 (1997)) and the ED/MD colour.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "relsim/io/config.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/sweep/sweep_runner.hpp"

namespace fs = std::filesystem;
using relsim::io::H5File;

namespace {

fs::path temp_dir(const std::string& name) {
    fs::path p = fs::temp_directory_path() /
                 ("relsim_test_optics_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

//! Eu device with an inline scheme: 5D0 -> 7F1 (MD, 591 nm) and 5D0 -> 7F2 (ED, 615 nm).
std::string eu_device(const std::string& tail, double quench_s = 0.0) {
    return R"(
title = "optics kinetics test"
[device]
current_density_mA_cm2 = 0.1
recombination_zone_nm = )" +
           std::string(tail.find("EMITTER_THIN") != std::string::npos ? "1.0" : "20.0") + R"(
outcoupling = 0.5
[ligand]
density_cm3 = 2.6e20
triplet_energy_eV = 2.9
[[dopant]]
ion = "Eu"
density_cm3 = 2.0e20
accepting_level = "5D0"
kTET_s = 1.0e9
quench_s = { "5D0" = )" +
           std::to_string(quench_s) + R"( }
ground = ["7F1", "7F2"]
levels = [ { name = "5D0", energy_cm1 = 17293.0 } ]
lines = [ { from = "5D0", to = "7F1", rate_s = 50.0, wavelength_nm = 591.0, fwhm_nm = 5.0, dipole = "MD" },
          { from = "5D0", to = "7F2", rate_s = 64.0, wavelength_nm = 615.0, fwhm_nm = 5.0 } ]
[spectrum]
from_nm = 350.0
to_nm = 800.0
step_nm = 1.0
)" + tail;
}

relsim::io::RunConfig write_and_load(const std::string& text, const fs::path& dir,
                                     const std::string& name) {
    const fs::path p = dir / name;
    std::ofstream(p) << text;
    return relsim::io::load_config(p.string());
}

void run(const relsim::io::RunConfig& cfg, const fs::path& out, int threads = 1) {
    relsim::sweep::RunOptions opt;
    opt.output_path = out.string();
    opt.threads = threads;
    opt.quiet = true;
    relsim::sweep::run(cfg, opt);
}

}  // namespace

TEST_CASE("a stack with F = 1 and eta_air = c gives the constant-outcoupling result c",
          "[optics]") {
    // Homogeneous n = 1.7 everywhere, no substrate: F = 1 for every line and eta_air = 1/2 (the
    // power into the loss-free top medium), so the result must equal outcoupling = 0.5.
    const fs::path dir = temp_dir("constant");
    const std::string optics = R"(
[optics]
substrate = "none"
emitting_layer = "EML"
zone_offset_nm = 5.0
emitter_slices = 3
[[optics.layer]]
name = "bottom"
n = 1.7
[[optics.layer]]
name = "EML"
thickness_nm = 30.0
n = 1.7
[[optics.layer]]
name = "top"
n = 1.7
)";
    run(write_and_load(eu_device(""), dir, "plain.toml"), dir / "plain.h5");
    run(write_and_load(eu_device(optics), dir, "optics.toml"), dir / "optics.h5");
    H5File a((dir / "plain.h5").string(), H5File::Mode::read_only);
    H5File b((dir / "optics.h5").string(), H5File::Mode::read_only);
    for (const char* q : {"/results/eqe", "/results/iqe", "/results/cie_x", "/results/cie_y",
                          "/results/luminance_cd_m2", "/results/populations/Eu_5D0",
                          "/results/fates/Eu_radiative"}) {
        INFO(q);
        CHECK(b.read_doubles(q)[0] == Approx(a.read_doubles(q)[0]).epsilon(1e-6));
    }
    CHECK(b.read_doubles("/results/outcoupling")[0] == Approx(0.5).epsilon(1e-6));
    const auto sa = a.read_doubles("/spectrum/power"), sb = b.read_doubles("/spectrum/power");
    REQUIRE(sa.size() == sb.size());
    double peak = 0.0, diff = 0.0;
    for (std::size_t i = 0; i < sa.size(); ++i) {
        peak = std::max(peak, sa[i]);
        diff = std::max(diff, std::abs(sa[i] - sb[i]));
    }
    CHECK(diff < 1e-6 * peak);
    // The factors written to /optics/ are those of a homogeneous medium.
    for (const double f : b.read_doubles("/optics/purcell_md"))
        CHECK(f == Approx(1.0).epsilon(1e-6));
    for (const double e : b.read_doubles("/optics/eta_air_ed"))
        CHECK(e == Approx(0.5).epsilon(1e-6));
    CHECK(b.dims("/optics/purcell_ed") == std::vector<std::uint64_t>{3, 451});
}

TEST_CASE(
    "Eu above silver: the 5D0 lifetime oscillates with distance, the red/orange ratio follows "
    "F_ED/F_MD",
    "[optics]") {
    // Amos & Barnes, PRB 55, 7249 (1997): Eu3+ emitters at distance d above a thick Ag mirror in
    // a spacer of n ~ 1.5, air above. Here: Ag (Rakic 1998) / spacer (swept) / 2 nm emitting
    // layer (n = 1.5, emitters at its centre) / air. Quantum yield 1 (no quenching).
    const fs::path dir = temp_dir("silver");
    const std::string optics = R"(
# EMITTER_THIN
[optics]
substrate = "none"
emitting_layer = "EML"
zone_offset_nm = 0.5
emitter_slices = 1
[[optics.layer]]
name = "silver"
material = "Ag"
[[optics.layer]]
name = "spacer"
thickness_nm = 20.0
n = 1.5
[[optics.layer]]
name = "EML"
thickness_nm = 2.0
n = 1.5
[[optics.layer]]
name = "air"
n = 1.0
[sweep]
[[sweep.axis]]
key = "optics.layer.1.thickness_nm"
from = 9.0
to = 609.0
points = 61
)";
    run(write_and_load(eu_device(optics), dir, "silver.toml"), dir / "silver.h5");
    H5File f((dir / "silver.h5").string(), H5File::Mode::read_only);
    const auto spacer = f.read_doubles("/axes/0");
    const auto f_md = f.read_doubles("/results/optics/purcell/Eu_5D0_7F1");
    const auto f_ed = f.read_doubles("/results/optics/purcell/Eu_5D0_7F2");
    const auto lines = f.read_doubles("/results/line_photon_rate");  // [point][line]
    const auto n5d0 = f.read_doubles("/results/populations/Eu_5D0");
    const std::size_t n = spacer.size();
    std::vector<double> tau_ms(n);
    for (std::size_t i = 0; i < n; ++i) {
        // Lifetime from the factors, and from the kinetics (population / emission rate): equal.
        tau_ms[i] = 1e3 / (50.0 * f_md[i] + 64.0 * f_ed[i]);
        const double tau_kin_ms = 1e3 * n5d0[i] / (lines[2 * i] + lines[2 * i + 1]);
        CHECK(tau_kin_ms == Approx(tau_ms[i]).epsilon(1e-8));
        // Red/orange ratio (emitted) = (A_ED F_ED) / (A_MD F_MD).
        CHECK(lines[2 * i + 1] / lines[2 * i] ==
              Approx(64.0 * f_ed[i] / (50.0 * f_md[i])).epsilon(1e-8));
    }
    // Oscillation: local extrema of tau(d) spaced by ~lambda / (2 n) = 603 / 3 = 201 nm (mean
    // wavelength), with a decaying amplitude; strong quenching (short lifetime) at the smallest d.
    // The extrema within ~100 nm of the metal are shifted by the near field (the reflection
    // phase of silver and the evanescent coupling), so the period is read beyond 100 nm.
    std::vector<std::size_t> ext, ext_far;
    for (std::size_t i = 1; i + 1 < n; ++i) {
        if ((tau_ms[i] - tau_ms[i - 1]) * (tau_ms[i + 1] - tau_ms[i]) < 0.0) {
            ext.push_back(i);
            if (spacer[i] > 100.0) ext_far.push_back(i);
        }
    }
    REQUIRE(ext.size() >= 5);
    REQUIRE(ext_far.size() >= 4);
    for (std::size_t k = 2; k < ext_far.size(); ++k) {
        const double period = spacer[ext_far[k]] - spacer[ext_far[k - 2]];
        CHECK(period == Approx(201.0).margin(30.0));
    }
    const double amp1 = std::abs(tau_ms[ext[1]] - tau_ms[ext[0]]);
    const double amp_last = std::abs(tau_ms[ext.back()] - tau_ms[ext[ext.size() - 2]]);
    CHECK(amp_last < amp1);
    const double tau_free_ms = 1e3 / (50.0 + 64.0);  // homogeneous n = 1.5 reference
    CHECK(tau_ms[0] < 0.7 * tau_free_ms);            // 10 nm from silver: plasmon quenching
    // MD and ED move in opposite directions: their factors anticorrelate over the oscillation.
    double mx = 0, my = 0;
    for (std::size_t i = 10; i < n; ++i) {
        mx += f_md[i];
        my += f_ed[i];
    }
    mx /= double(n - 10);
    my /= double(n - 10);
    double cov = 0.0;
    for (std::size_t i = 10; i < n; ++i) cov += (f_md[i] - mx) * (f_ed[i] - my);
    CHECK(cov < 0.0);
    // Only the stack changes along the axis: the factors were recomputed at every point and
    // the /optics/ datasets hold the base config (spacer 20 nm).
    CHECK(f.dims("/optics/purcell_ed") == std::vector<std::uint64_t>{1, 451});
    // Two threads write the same bits (optics factors and the kinetics).
    run(write_and_load(eu_device(optics), dir, "silver2.toml"), dir / "silver2.h5", 2);
    H5File g((dir / "silver2.h5").string(), H5File::Mode::read_only);
    for (const char* q : {"/results/eqe", "/results/optics/purcell/Eu_5D0_7F1",
                          "/results/optics/eta_air/Eu_5D0_7F2", "/results/line_photon_rate",
                          "/optics/eta_air_md"}) {
        INFO(q);
        CHECK(g.read_doubles(q) == f.read_doubles(q));
    }
}
