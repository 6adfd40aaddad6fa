//! [lifetime] + [transport] (docs/lifetime.md "With [transport]"; shared/spec/lifetime-inventory.md
//! section 1 "each slice degrading with its own T, S, n_p"; shared/spec/transport.md section 2):
//! the stack solved once at the point's constant current, one quencher density per
//! emissive-layer slice. Checks: Q = 0 is the plain [transport] run (to 1e-12), the spec's
//! closed form per slice (to 1e-6, one slice and three), fates summing to 1 at every time,
//! the inventory thickness from the emissive layer, refusals, and for lifetime sweeps (mean-field
//! and [transport]) 1-vs-2-thread bit identity and resume after a simulated interruption.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/lifetime/lifetime_config.hpp"
#include "relsim/lifetime/lifetime_run.hpp"
#include "relsim/sweep/sweep_runner.hpp"
#include "relsim/transport/transport_config.hpp"

namespace fs = std::filesystem;
using namespace relsim;

namespace {

fs::path temp_dir(const std::string& name) {
    const fs::path p = fs::temp_directory_path() /
                       ("relsim_test_tlife_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
}

//! A config fragment shared with the Python tests (tests/fixtures/README.md), as written there.
std::string fixture(const std::string& name) {
    const fs::path p = fs::path(RELSIM_SOURCE_DIR) / "tests" / "fixtures" / name;
    std::ifstream in(p);
    if (!in) throw std::runtime_error("cannot read the test fixture " + p.string());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

//! `text` with `insert` placed before the first occurrence of `anchor` (which must be there).
std::string insert_before(std::string text, const std::string& anchor, const std::string& insert) {
    const std::size_t at = text.find(anchor);
    if (at == std::string::npos) throw std::runtime_error("no '" + anchor + "' in a test config");
    return text.insert(at, insert);
}

//! The closed-form kinetics of spec section 3 (triplets only, no TTA, no back-transfer, one Tb
//! level) on the stack of configs/transport/tb_jvl.toml at a constant current: the three-layer
//! stack of tests/fixtures/transport_stack.toml with tb_jvl's 10 nm TCTA layer between TAPC and
//! NC (so the NC layer is transport.layer.2). The Tb line is fast (1e8 s^-1 on 1e22 cm^-3 ions)
//! so that the excited-ion fraction G/(A N) stays ~1e-9 at 1 mA cm^-2: the limit in which the
//! closed form is exact. kTP enters each slice's k0 through its own n_p,k.
std::string stack_config(const std::string& drive, const std::string& slices) {
    std::string stack = fixture("transport_stack.toml");
    stack = insert_before(stack, "[[transport.layer]]\nname = \"NC\"", R"([[transport.layer]]
name = "TCTA"
thickness_nm = 10.0
eps_r = 3.0
HOMO_eV = -5.7
LUMO_eV = -2.4
mu_n_cm2_Vs = 1.0e-7
mu_p_cm2_Vs = 3.0e-4
)");
    stack = insert_before(stack, "[[transport.layer]]\nname = \"TAPC\"", slices + "\n");
    return R"(title = "transport lifetime test"
[device]
)" + drive +
           R"(
singlet_fraction = 0.0
outcoupling = 0.2
temperature_K = 300.0
[ligand]
density_cm3 = 2.6e20
triplet_energy_eV = 2.9
kT_rad_s = 1.0e2
kT_nr_s = 1.0e4
kTT_cm3_s = 0.0
kTP_cm3_s = 4.0e-13
[[dopant]]
ion = "Tb"
density_cm3 = 1.0e22
accepting_level = "5D4"
kTET_s = 1.0e7
kBT_s = 0.0
ground = ["7F6", "7F5"]
levels = [ { name = "5D4", energy_cm1 = 20500.0 } ]
lines = [ { from = "5D4", to = "7F5", rate_s = 1.0e8, wavelength_nm = 544.0, fwhm_nm = 8.0 } ]
)" + stack;
}

//! The same kinetics on one 20 nm layer between the electrodes (0.2 eV injection barriers on
//! both sides): a stack solve ~4x cheaper than the four layers, with leakage (charge balance
//! ~0.8 at 5 mA cm^-2), for the sweep tests.
std::string one_layer_config(const std::string& drive, const std::string& slices) {
    std::string t = stack_config(drive, slices);
    const std::size_t a = t.find("[[transport.layer]]\nname = \"TAPC\"");
    const std::size_t b = t.find("[[transport.layer]]\nname = \"NC\"");
    t.erase(a, b - a);
    const std::size_t c = t.find("[[transport.layer]]\nname = \"TPBi\"");
    t.erase(c);
    t.replace(t.find("anode_work_function_eV = 5.2"), 28, "anode_work_function_eV = 5.5");
    t.replace(t.find("cathode_work_function_eV = 3.0"), 30, "cathode_work_function_eV = 2.8");
    return t;
}

const std::string kCurrent = "current_density_mA_cm2 = 1.0";
const std::string kRates =
    "[lifetime]\nkX_TP_cm3_s = 1.0e-20\nkQ_T_cm3_s = 1.0e-11\nmax_hours = 1.0e9\n";

//! Runs the sweep and the lifetime stage (as `relsim run` does: before the file is published).
//! Blocks of 2 points (a row of the sweeps below), so that a resumed run keeps some blocks.
sweep::RunSummary run_with_stage(const io::RunConfig& cfg, const fs::path& out, int threads,
                                 bool resume = false) {
    const lifetime::Stage stage(cfg);
    sweep::RunOptions opt;
    opt.output_path = out.string();
    opt.threads = threads;
    opt.quiet = true;
    opt.resume = resume;
    opt.block_points = 2;
    opt.before_publish = [&](const std::string& partial) {
        (void)stage.run(partial, threads, true);
    };
    const sweep::RunSummary s = sweep::run(cfg, opt);
    REQUIRE_FALSE(s.interrupted);
    return s;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

//! Every numeric dataset of `a` (but /config) has the same bits in `b`; returns how many.
int compare_files(const fs::path& a_path, const fs::path& b_path) {
    const io::H5File a(a_path.string(), io::H5File::Mode::read_only);
    const io::H5File b(b_path.string(), io::H5File::Mode::read_only);
    int n = 0;
    for (const auto& d : a.datasets()) {
        if (d.kind != io::H5File::DatasetInfo::Kind::floating &&
            d.kind != io::H5File::DatasetInfo::Kind::integer)
            continue;
        if (d.path.rfind("/config", 0) == 0) continue;
        INFO(d.path);
        REQUIRE(b.exists(d.path));
        CHECK(same_bits(a.read_doubles(d.path), b.read_doubles(d.path)));
        ++n;
    }
    return n;
}

//! Per-slice closed form of spec section 3 (each slice its own G_k, n_p,k):
//! k0_k Q + kQ Q^2 / 2 = kX_TP n_p,k G_k t.
struct SliceForm {
    double k0, C, kQ;  // C per hour
    [[nodiscard]] double Q_of_t(double t_h) const {
        return (-k0 + std::sqrt(k0 * k0 + 2.0 * kQ * C * t_h)) / kQ;
    }
};

std::vector<SliceForm> slice_forms(const io::H5File& f) {
    const auto G = f.read_doubles("/lifetime/slices/generation_cm3_s");
    const auto np = f.read_doubles("/lifetime/slices/polaron_density_cm3");
    const double count = f.read_doubles("/lifetime/slices/count").at(0);
    std::vector<SliceForm> out;
    for (std::size_t k = 0; k < static_cast<std::size_t>(count); ++k) {
        // k0 = kT_rad + kT_nr + kTET (ground-state ions ~ all) + kTP n_p,k; kQ_T; kX_TP.
        out.push_back(
            {1.0e2 + 1.0e4 + 1.0e7 + 4.0e-13 * np[k], 1.0e-20 * np[k] * G[k] * 3600.0, 1.0e-11});
    }
    return out;
}

}  // namespace

TEST_CASE("[lifetime] + [transport]: Q = 0 is the plain transport run to 1e-12",
          "[lifetime][transport]") {
    const fs::path dir = temp_dir("q0");
    const std::string plain = one_layer_config(kCurrent, "eml_slices = 3");
    // Quenching rates but no formation: Q stays 0, so every time is the fresh device.
    const std::string life = plain +
                             "[lifetime]\nkQ_T_cm3_s = 1.0e-11\nkQ_Ln_cm3_s = 1.0e-12\nmax_hours = "
                             "100.0\ntime_points = 4\n";
    const io::RunConfig a = io::load_config_text(plain, (dir / "plain.toml").string());
    const io::RunConfig b = io::load_config_text(life, (dir / "life.toml").string());
    run_with_stage(a, dir / "plain.h5", 1);
    run_with_stage(b, dir / "life.h5", 1);
    const io::H5File fa((dir / "plain.h5").string(), io::H5File::Mode::read_only);
    const io::H5File fb((dir / "life.h5").string(), io::H5File::Mode::read_only);
    // /results of the lifetime run: the t = 0 state, identical to the run without [lifetime].
    for (const auto& d : fa.datasets()) {
        if (d.path.rfind("/results/", 0) != 0 || d.path.rfind("/results/inventory", 0) == 0)
            continue;
        if (d.kind != io::H5File::DatasetInfo::Kind::floating) continue;
        INFO(d.path);
        CHECK(same_bits(fa.read_doubles(d.path), fb.read_doubles(d.path)));
    }
    const double eqe = fa.read_doubles("/results/eqe").at(0);
    const double lum = fa.read_doubles("/results/luminance_cd_m2").at(0);
    REQUIRE(eqe > 0.01);
    // This stack leaks (0.2 eV barriers on one layer): the fate budget has no_recombination > 0.
    REQUIRE(fa.read_doubles("/results/fates/no_recombination").at(0) > 0.01);
    CHECK(std::abs(fb.read_doubles("/results/lifetime/L0").at(0) / lum - 1.0) < 1e-12);
    const auto series_eqe = fb.read_doubles("/lifetime/eqe");
    const auto rel = fb.read_doubles("/lifetime/luminance_rel");
    const auto cx = fb.read_doubles("/lifetime/cie_x");
    REQUIRE(series_eqe.size() == 4);
    for (std::size_t t = 0; t < 4; ++t) {
        CHECK(std::abs(series_eqe[t] / eqe - 1.0) < 1e-12);
        CHECK(std::abs(rel[t] - 1.0) < 1e-12);
        CHECK(std::abs(cx[t] / fa.read_doubles("/results/cie_x").at(0) - 1.0) < 1e-12);
    }
    CHECK(fb.read_ints("/results/lifetime/LT95_reached").at(0) == 0);
    CHECK(fb.read_doubles("/results/lifetime/stop_h").at(0) == 100.0);
    // The fates per injected charge at t = 0 are the transport run's (defect channels 0).
    for (const auto& d : fb.datasets()) {
        if (d.path.rfind("/lifetime/fates/", 0) != 0) continue;
        const std::string name = d.path.substr(std::strlen("/lifetime/fates/"));
        const double v0 = fb.read_doubles(d.path).at(0);
        INFO(name);
        if (name.rfind("defect_quenching_", 0) == 0) {
            CHECK(v0 == 0.0);
        } else {
            REQUIRE(fa.exists("/results/fates/" + name));
            CHECK(std::abs(v0 - fa.read_doubles("/results/fates/" + name).at(0)) < 1e-12);
        }
    }
    CHECK(fb.read_doubles("/lifetime/slices/count").at(0) == 3.0);
    CHECK(fb.dims("/lifetime/slices/quencher_cm3") == std::vector<std::uint64_t>{4, 3});
    for (double q : fb.read_doubles("/lifetime/slices/quencher_cm3")) CHECK(q == 0.0);
    fs::remove_all(dir);
}

TEST_CASE("[lifetime] + [transport]: one slice follows the spec's closed form to 1e-6",
          "[lifetime][transport]") {
    const fs::path dir = temp_dir("one");
    const io::RunConfig cfg = io::load_config_text(
        one_layer_config(kCurrent, "eml_slices = 1") + kRates + "time_points = 30\n",
        (dir / "one.toml").string());
    run_with_stage(cfg, dir / "one.h5", 1);
    const io::H5File f((dir / "one.h5").string(), io::H5File::Mode::read_only);
    REQUIRE(f.read_ints("/results/lifetime/status").at(0) == 0);
    const std::vector<SliceForm> c = slice_forms(f);
    REQUIRE(c.size() == 1);
    CHECK(std::abs(f.read_doubles("/lifetime/slices/width_nm").at(0) - 20.0) < 1e-9);
    CHECK(std::abs(f.read_doubles("/lifetime/slices/position_nm").at(0) - 10.0) <
          1e-9);  // the layer's centre
    auto t_of = [&](double frac) {
        const double Q = c[0].k0 * (1.0 / frac - 1.0) / c[0].kQ;
        return (c[0].k0 * Q + 0.5 * c[0].kQ * Q * Q) / c[0].C;
    };
    const auto lt50 = f.read_doubles("/results/lifetime/LT50_h").at(0);
    const auto lt90 = f.read_doubles("/results/lifetime/LT90_h").at(0);
    REQUIRE(lt50 > 1.0);
    CHECK(std::abs(lt50 / t_of(0.5) - 1.0) < 1e-6);
    CHECK(std::abs(lt90 / t_of(0.9) - 1.0) < 1e-6);
    const auto t = f.read_doubles("/lifetime/time_h");
    const auto q = f.read_doubles("/lifetime/quencher_cm3");
    const auto qs = f.read_doubles("/lifetime/slices/quencher_cm3");
    const auto rel = f.read_doubles("/lifetime/luminance_rel");
    double worst_q = 0.0, worst_l = 0.0;
    for (std::size_t i = 1; i < t.size(); ++i) {
        const double Q = c[0].Q_of_t(t[i]);
        worst_q = std::max(worst_q, std::abs(q[i] / Q - 1.0));
        worst_l = std::max(worst_l, std::abs(rel[i] / (c[0].k0 / (c[0].k0 + c[0].kQ * Q)) - 1.0));
        CHECK(qs[i] == q[i]);  // one slice: the slice mean is the slice
    }
    CHECK(worst_q < 1e-6);
    CHECK(worst_l < 1e-6);
    fs::remove_all(dir);
}

TEST_CASE(
    "[lifetime] + [transport]: three slices degrade each with its own generation and polaron "
    "density and the fates sum to 1",
    "[lifetime][transport]") {
    const fs::path dir = temp_dir("three");
    const io::RunConfig cfg = io::load_config_text(
        stack_config(kCurrent, "eml_slices = 3") + kRates + "time_points = 12\n",
        (dir / "three.toml").string());
    run_with_stage(cfg, dir / "three.h5", 1);
    const io::H5File f((dir / "three.h5").string(), io::H5File::Mode::read_only);
    REQUIRE(f.read_ints("/results/lifetime/status").at(0) == 0);
    const std::vector<SliceForm> c = slice_forms(f);
    REQUIRE(c.size() == 3);
    const auto G = f.read_doubles("/lifetime/slices/generation_cm3_s");
    // The stack does not recombine uniformly: the slices differ, so does their degradation.
    CHECK(std::abs(G[0] / G[2] - 1.0) > 1e-2);
    const auto t = f.read_doubles("/lifetime/time_h");
    const auto qs = f.read_doubles("/lifetime/slices/quencher_cm3");
    const auto q = f.read_doubles("/lifetime/quencher_cm3");
    double worst = 0.0;
    for (std::size_t i = 1; i < t.size(); ++i) {
        double mean = 0.0;
        for (std::size_t k = 0; k < 3; ++k) {
            worst = std::max(worst, std::abs(qs[i * 3 + k] / c[k].Q_of_t(t[i]) - 1.0));
            mean += qs[i * 3 + k] / 3.0;
        }
        CHECK(std::abs(q[i] / mean - 1.0) < 1e-14);
    }
    CHECK(worst < 1e-6);
    // L/L0 of the slice sum (every photon follows T_k = G_k / (k0_k + kQ Q_k); equal widths):
    // 1/2 at LT50, 0.9 at LT90.
    auto L = [&](double th) {
        double sum = 0.0;
        for (std::size_t k = 0; k < 3; ++k) sum += G[k] / (c[k].k0 + c[k].kQ * c[k].Q_of_t(th));
        return sum;
    };
    CHECK(std::abs(L(f.read_doubles("/results/lifetime/LT50_h").at(0)) / L(0.0) - 0.5) < 1e-6);
    CHECK(std::abs(L(f.read_doubles("/results/lifetime/LT90_h").at(0)) / L(0.0) - 0.9) < 1e-6);
    // Fates per injected charge, with defects, outside recombination and leakage: sum 1 always.
    std::vector<double> sum(t.size(), 0.0);
    double defect_end = 0.0;
    for (const auto& d : f.datasets()) {
        if (d.path.rfind("/lifetime/fates/", 0) != 0) continue;
        const auto v = f.read_doubles(d.path);
        for (std::size_t i = 0; i < t.size(); ++i) sum[i] += v[i];
        if (d.path == "/lifetime/fates/defect_quenching_triplet") defect_end = v.back();
    }
    for (double s : sum) CHECK(std::abs(s - 1.0) < 1e-9);
    CHECK(defect_end > 0.1);  // at LT50 the defects take a large share of the triplets
    // Inventory from the [transport] emissive layer (20 nm), not the default zone width.
    CHECK(f.read_doubles("/results/inventory/eml_thickness_nm").at(0) == 20.0);
    const double tb = f.read_doubles("/results/inventory/Tb_mg_m2").at(0);
    CHECK(std::abs(tb / (1.0e22 * 20.0e-7 * 158.925354 / 6.02214076e23 * 1e7) - 1.0) < 1e-12);
    fs::remove_all(dir);
}

TEST_CASE("[lifetime] + [transport]: refusals and the inventory thickness check",
          "[lifetime][transport][config]") {
    auto fails = [](const std::string& text, const std::vector<std::string>& needles) {
        const io::RunConfig cfg = io::load_config_text(text, "bad.toml");
        try {
            const lifetime::Stage s(cfg);
            FAIL("no error");
        } catch (const InputError& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find("bad.toml:") != std::string::npos);
            for (const std::string& n : needles)
                CHECK(std::string(e.what()).find(n) != std::string::npos);
        }
    };
    const std::string life = kRates + "time_points = 5\n";
    // A voltage drive (given or swept).
    fails(stack_config("voltage_V = 6.0", "") + life,
          {"device.voltage_V", "[lifetime]", "[transport]", "constant current"});
    fails(stack_config("voltage_V = 6.0", "") + life +
              "[sweep]\n[[sweep.axis]]\nkey = \"device.voltage_V\"\nvalues = [5.0, 6.0]\n",
          {"device.voltage_V", "not supported in this version"});
    // [transport] + [optics] + [lifetime].
    fails(stack_config(kCurrent, "") + life + "[optics]\n",
          {"[optics]", "[transport]", "[lifetime]"});
    // device.eml_thickness_nm against the emissive layer: both keys named.
    fails(stack_config(kCurrent + "\neml_thickness_nm = 25.0", "") + life,
          {"device.eml_thickness_nm", "transport.layer.2.thickness_nm"});
    fails(stack_config(kCurrent + "\neml_thickness_nm = 20.0", "") + life +
              "[sweep]\n[[sweep.axis]]\nkey = \"transport.layer.2.thickness_nm\"\nvalues = [20.0, "
              "30.0]\n",
          {"device.eml_thickness_nm", "transport.layer.2.thickness_nm"});
    // Accepted: the matching thickness, and [transport] + [lifetime] in the transport reader.
    const std::string good = stack_config(kCurrent + "\neml_thickness_nm = 20.0", "") + life;
    const io::RunConfig cfg = io::load_config_text(good, "good.toml");
    const lifetime::Stage stage(cfg);
    CHECK(stage.config().eml_thickness_nm == 20.0);
    CHECK(transport::read_transport_config(cfg.text, cfg.path).has_value());
    const io::RunConfig plain =
        io::load_config_text(stack_config(kCurrent, "") + life, "plain.toml");
    const lifetime::LifetimeConfig lc = lifetime::read_lifetime_config(plain);
    CHECK(lc.eml_thickness_nm == 20.0);
    CHECK(lc.eml_thickness_key == "transport.layer.2.thickness_nm");
    CHECK(lc.eml_thickness_origin.find("[transport]") != std::string::npos);
}

TEST_CASE(
    "lifetime sweeps: 1 and 2 threads give the same bits and a resumed run equals an uninterrupted "
    "one",
    "[lifetime][transport][sweep]") {
    // Mean-field: the tb_lifetime-like closed-form device over three currents; [transport]: the
    // stack over three currents (plus a swept EML thickness in the second axis: the inventory
    // and the slices follow it).
    // The Tb emitter and [lifetime] rates of tests/fixtures (ligand with kTT = 0 and kTP).
    const std::string mean_field_emitter = insert_before(fixture("tb_emitter.toml"), "[[dopant]]",
                                                         "kTT_cm3_s = 0.0\nkTP_cm3_s = 4.0e-13\n");
    const std::string mean_field = R"(title = "mean-field lifetime sweep"
[device]
current_density_mA_cm2 = 1.0
recombination_zone_nm = 20.0
singlet_fraction = 0.0
outcoupling = 0.2
langevin_cm3_s = 1.0e-10
)" + mean_field_emitter + fixture("lifetime_rates.toml") +
                                   R"(max_hours = 1.0e7
time_points = 6
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
values = [0.5, 2.0, 8.0]
[[sweep.axis]]
key = "lifetime.kQ_Ln_cm3_s"
values = [1.0e-12, 2.0e-12]
)";
    const std::string with_stack =
        one_layer_config(kCurrent, "nc_diameter_nm = 10.0") + kRates + "time_points = 6\n" + R"(
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
values = [0.5, 2.0]
[[sweep.axis]]
key = "transport.layer.0.thickness_nm"
values = [20.0, 30.0]
)";
    for (const auto& [name, text] : {std::pair<std::string, std::string>{"meanfield", mean_field},
                                     {"transport", with_stack}}) {
        SECTION(name) {
            const fs::path dir = temp_dir(name);
            const io::RunConfig cfg = io::load_config_text(text, (dir / "s.toml").string());
            run_with_stage(cfg, dir / "t1.h5", 1);
            run_with_stage(cfg, dir / "t2.h5", 2);
            CHECK(compare_files(dir / "t1.h5", dir / "t2.h5") > 20);
            {
                const io::H5File f((dir / "t1.h5").string(), io::H5File::Mode::read_only);
                for (int st : f.read_ints("/results/lifetime/status")) CHECK(st == 0);
                for (int r : f.read_ints("/results/lifetime/LT50_reached")) CHECK(r == 1);
                if (name == "transport") {
                    // EML 20 nm -> 2 slices, 30 nm -> 3 (nc_diameter_nm = 10); inventory per point.
                    CHECK(f.read_doubles("/lifetime/slices/count") ==
                          std::vector<double>{2, 3, 2, 3});
                    CHECK(f.read_doubles("/results/inventory/eml_thickness_nm") ==
                          std::vector<double>{20, 30, 20, 30});
                    CHECK(f.dims("/lifetime/slices/quencher_cm3") ==
                          std::vector<std::uint64_t>{2, 2, 6, 3});
                }
            }
            // Simulated interruption: the sweep stopped with points 2 and 3 not done, before the
            // lifetime stage ran (the stage runs on the complete file only): a .partial without
            // /lifetime, those points' results still the fill value.
            {
                const io::RunConfig plain = cfg;
                sweep::RunOptions opt;
                opt.output_path = (dir / "cut0.h5").string();
                opt.threads = 1;
                opt.quiet = true;
                opt.block_points = 2;
                (void)sweep::run(plain, opt);
                fs::rename(dir / "cut0.h5", dir / "cut.h5.partial");
                io::H5File f((dir / "cut.h5.partial").string(), io::H5File::Mode::read_write);
                REQUIRE_FALSE(f.exists("/lifetime/time_h"));
                const std::vector<std::uint8_t> zeros(2, 0);
                const std::vector<double> zero_d(2, 0.0);
                f.write_flat_range("/sweep/done", io::ElementType::uint8, 2, 2, zeros.data());
                f.write_flat_range("/results/eqe", io::ElementType::float64, 2, 2, zero_d.data());
            }
            const sweep::RunSummary s = run_with_stage(cfg, dir / "cut.h5", 2, true);
            CHECK(s.resumed == (name == "transport" ? 2u : 4u));
            CHECK(s.computed == 2u);
            CHECK(compare_files(dir / "t1.h5", dir / "cut.h5") > 20);
            fs::remove_all(dir);
        }
    }
}
