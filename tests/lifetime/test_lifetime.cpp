//! Operational lifetime (shared/spec/lifetime-inventory.md sections 1, 3, 5): the closed form of
//! the spec, the Q = 0 identity, the zero-formation limit, fate sums with defects, the
//! acceleration exponent of its derivation, bad input, thread invariance of a lifetime sweep.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <memory>
#include <string>

#include "relsim/core/constants.hpp"
#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/lifetime/lifetime.hpp"
#include "relsim/lifetime/lifetime_config.hpp"
#include "relsim/lifetime/lifetime_run.hpp"
#include "relsim/lifetime/mean_field_point.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/solver/steady_state.hpp"
#include "relsim/sweep/sweep_runner.hpp"

namespace fs = std::filesystem;
using namespace relsim;
using lifetime::DegradationRates;
using lifetime::LifetimeSettings;

namespace {

std::shared_ptr<const model::CieObserver> observer() {
    static const auto obs = std::make_shared<const model::CieObserver>(
        model::load_cie_observer(std::string(RELSIM_SOURCE_DIR) + "/data/cie1931_2deg_1nm.csv"));
    return obs;
}

//! The closed-form device of spec section 3: triplets only (chi = 0), no TTA, no back-transfer,
//! one Tb level with a fast line so that the excited-ion fraction is ~1e-10 (the limit in which
//! the closed form is exact). kTP enters k0 (n_p is constant at constant J).
std::string closed_form_config(double J_mA_cm2, double kTP) {
    return R"(
title = "closed form"
[device]
current_density_mA_cm2 = )" +
           std::to_string(J_mA_cm2) + R"(
recombination_zone_nm = 20.0
singlet_fraction = 0.0
outcoupling = 0.2
langevin_cm3_s = 1.0e-10
[ligand]
density_cm3 = 2.6e20
triplet_energy_eV = 2.9
kT_rad_s = 1.0e2
kT_nr_s = 1.0e4
kTT_cm3_s = 0.0
kTP_cm3_s = )" +
           std::to_string(kTP) + R"(
[[dopant]]
ion = "Tb"
density_cm3 = 1.0e22
accepting_level = "5D4"
kTET_s = 1.0e7
kBT_s = 0.0
ground = ["7F6", "7F5"]
levels = [ { name = "5D4", energy_cm1 = 20500.0 } ]
lines = [ { from = "5D4", to = "7F5", rate_s = 1.0e5, wavelength_nm = 544.0, fwhm_nm = 8.0 } ]
)";
}

DegradationRates closed_form_rates() {
    DegradationRates r;
    r.kX_TP_cm3_s = 1.0e-13;
    r.kQ_T_cm3_s = 1.0e-11;
    return r;
}

struct ClosedForm {
    double k0, C, kQ;  // k0 Q + kQ Q^2 / 2 = C t
    [[nodiscard]] double Q_at_fraction(double f) const { return k0 * (1.0 / f - 1.0) / kQ; }
    [[nodiscard]] double t_of_Q(double Q) const { return (k0 * Q + 0.5 * kQ * Q * Q) / C; }
    [[nodiscard]] double Q_of_t(double t) const {
        return (-k0 + std::sqrt(k0 * k0 + 2.0 * kQ * C * t)) / kQ;
    }
};

ClosedForm closed_form(const io::RunConfig& cfg, const DegradationRates& r) {
    const model::RateModel m(cfg.model);
    const model::Drive d = m.nominal_drive();
    const auto& lig = cfg.model.ligand;
    ClosedForm c;
    c.k0 = lig.kT_rad_s + lig.kT_nr_s + cfg.model.dopants[0].kTET_s +
           lig.kTP_cm3_s * d.polaron_density_cm3;
    c.kQ = r.kQ_T_cm3_s;
    const double G_T = (1.0 - cfg.model.device.singlet_fraction) * d.generation_cm3_s;
    c.C = r.kX_TP_cm3_s * d.polaron_density_cm3 * G_T * 3600.0;  // per hour
    return c;
}

}  // namespace

TEST_CASE("closed form: LT50, LT90 and Q(t) to 1e-6 (spec section 3)", "[lifetime]") {
    const io::RunConfig cfg =
        io::load_config_text(closed_form_config(1.0e-4, 4.0e-13), "closed.toml");
    LifetimeSettings s;
    s.rates = closed_form_rates();
    s.time_points = 50;
    lifetime::MeanFieldPoint point(cfg.model, s.rates, observer());
    const lifetime::LifetimeResult r = lifetime::run_lifetime(point, s);
    REQUIRE(r.status == 0);
    const ClosedForm c = closed_form(cfg, s.rates);
    // The limit of the form: excited-ion fraction ~ G / (A N_s) = 3e17 / (1e5 * 1e22) = 3e-10.
    const double lt50 = c.t_of_Q(c.Q_at_fraction(0.5));
    const double lt90 = c.t_of_Q(c.Q_at_fraction(0.9));
    REQUIRE(lt50 > 100.0);  // a test in hours, far from max_hours
    REQUIRE(lt50 < 0.1 * s.max_hours);
    CHECK(r.lt_reached[3] == 1);
    CHECK(r.lt_reached[1] == 1);
    CHECK(std::abs(r.lt_h[3] / lt50 - 1.0) < 1e-6);
    CHECK(std::abs(r.lt_h[1] / lt90 - 1.0) < 1e-6);
    CHECK(std::abs(r.lt_h[2] / c.t_of_Q(c.Q_at_fraction(0.7)) - 1.0) < 1e-6);
    CHECK(std::abs(r.lt_h[0] / c.t_of_Q(c.Q_at_fraction(0.95)) - 1.0) < 1e-6);
    CHECK(r.stopped_at_fraction);
    CHECK(std::abs(r.stop_h / lt50 - 1.0) < 1e-6);
    double worst_q = 0.0, worst_l = 0.0;
    for (std::size_t i = 1; i < r.time_h.size(); ++i) {
        const double q = c.Q_of_t(r.time_h[i]);
        worst_q = std::max(worst_q, std::abs(r.quencher_cm3[i] / q - 1.0));
        worst_l =
            std::max(worst_l, std::abs(r.luminance_rel[i] / (c.k0 / (c.k0 + c.kQ * q)) - 1.0));
    }
    INFO("steps " << r.steps << ", solves " << r.solves);
    CHECK(worst_q < 1e-6);
    CHECK(worst_l < 1e-6);
    CHECK(std::abs(r.luminance_rel.back() - 0.5) < 1e-6);
    CHECK(r.time_h.front() == 0.0);
    CHECK(std::abs(r.time_h[1] / (1e-4 * r.stop_h) - 1.0) < 1e-12);  // log-spaced from 1e-4 t_stop
}

TEST_CASE("Q = 0 reproduces the kinetic model exactly (paper Tb/Eu device)", "[lifetime]") {
    io::RunConfig cfg =
        io::load_config(std::string(RELSIM_SOURCE_DIR) + "/configs/paper/tb_eu_colour_series.toml");
    cfg.model.dopants[1].density_cm3 = 4.002e20;  // x = 0.10 of the series: both ions active
    cfg.model.dopants[1].kTET_s = 5.0e8;
    DegradationRates rates;
    rates.kX_TP_cm3_s = 1e-20;
    rates.kQ_T_cm3_s = 1e-12;
    rates.kQ_S_cm3_s = 1e-12;
    rates.kQ_Ln_cm3_s = 1e-17;
    lifetime::MeanFieldPoint point(cfg.model, rates, observer());
    lifetime::PointSample s;
    const double q0 = 0.0;
    point.solve(&q0, true, s);
    REQUIRE(s.ok);
    // The plain kinetic model, solved cold like the point's first solve.
    const model::RateModel m(cfg.model);
    solver::SteadyStateSolver solver;
    std::vector<double> y(m.num_states());
    REQUIRE(solver.solve(m, m.nominal_drive(), nullptr, y.data()).status ==
            solver::SolveStatus::converged);
    model::Observables obs;
    model::evaluate_observables(m, m.nominal_drive(), y.data(), obs);
    CHECK(std::abs(s.eqe - obs.eqe) <= 1e-12 * obs.eqe);
    for (std::size_t i = 0; i < y.size(); ++i)
        CHECK(std::abs(point.populations()[i] - y[i]) <= 1e-12 * std::abs(y[i]));
    for (std::size_t c = 0; c < obs.fates.size(); ++c)
        CHECK(std::abs(s.fates[c] - obs.fates[c]) <= 1e-12);
    for (std::size_t c = obs.fates.size(); c < s.fates.size(); ++c)
        CHECK(s.fates[c] == 0.0);  // defect channels
}

TEST_CASE("fates with defects sum to 1 along the whole run and the defect channels grow",
          "[lifetime]") {
    io::RunConfig cfg =
        io::load_config(std::string(RELSIM_SOURCE_DIR) + "/configs/paper/tb_eu_colour_series.toml");
    cfg.model.dopants[1].density_cm3 = 4.002e20;
    cfg.model.dopants[1].kTET_s = 5.0e8;
    cfg.model.dopants[0].kTET_s = 1.5e9;
    LifetimeSettings s;
    s.rates.kX_TP_cm3_s = 1e-16;  // strong rates: every channel matters before LT50
    s.rates.kX_T_s = 1e-3;
    s.rates.kQ_T_cm3_s = 1e-9;
    s.rates.kQ_S_cm3_s = 1e-9;
    s.rates.kQ_Ln_cm3_s = 1e-15;
    s.max_hours = 1e9;
    s.time_points = 20;
    lifetime::MeanFieldPoint point(cfg.model, s.rates, observer());
    const lifetime::LifetimeResult r = lifetime::run_lifetime(point, s, true);
    REQUIRE(r.status == 0);
    REQUIRE(r.stopped_at_fraction);
    const auto names = point.fate_names();
    for (std::size_t t = 0; t < r.fates.size(); ++t) {
        double sum = 0.0;
        for (double f : r.fates[t]) {
            CHECK(f >= -1e-15);
            sum += f;
        }
        CHECK(std::abs(sum - 1.0) < 1e-9);
    }
    for (std::size_t c = 0; c < names.size(); ++c) {
        if (names[c].rfind("defect_quenching_", 0) != 0) continue;
        INFO(names[c]);
        CHECK(r.fates.front()[c] == 0.0);
        CHECK(r.fates.back()[c] > 0.0);
    }
    // Luminance falls monotonically and EQE with it.
    for (std::size_t t = 1; t < r.luminance_rel.size(); ++t)
        CHECK(r.luminance_rel[t] <= r.luminance_rel[t - 1]);
    CHECK(r.eqe.back() < r.eqe.front());
    CHECK(r.colour_shift_duv_at_stop > 0.0);
}

TEST_CASE("no defect formation: L/L0 = 1 up to max_hours, no LT reached", "[lifetime]") {
    const io::RunConfig cfg =
        io::load_config_text(closed_form_config(1.0e-4, 4.0e-13), "closed.toml");
    LifetimeSettings s;
    s.rates.kQ_T_cm3_s = 1e-11;  // quenching, but nothing forms defects
    s.max_hours = 1234.0;
    s.time_points = 10;
    lifetime::MeanFieldPoint point(cfg.model, s.rates, observer());
    const lifetime::LifetimeResult r = lifetime::run_lifetime(point, s);
    REQUIRE(r.status == 0);
    CHECK_FALSE(r.stopped_at_fraction);
    CHECK(r.stop_h == 1234.0);
    CHECK(r.time_h.back() == 1234.0);
    for (double l : r.luminance_rel) CHECK(l == 1.0);
    for (int reached : r.lt_reached) CHECK(reached == 0);
    for (double h : r.lt_h) CHECK(h == 0.0);
    CHECK(r.colour_shift_duv_at_stop == 0.0);
}

TEST_CASE("acceleration exponent: n_p ~ J^0.5, L0 ~ J gives LT50 ~ L0^-1.5", "[lifetime]") {
    // Derivation: with kTP = 0 (no roll-off) k0 and Q_50 = k0/kQ_T do not depend on J, so
    // LT50 = (k0 Q_50 + kQ_T Q_50^2/2) / (kX_TP n_p G_T) ~ 1/(n_p G) ~ J^-1.5, and L0 ~ G ~ J
    // (unsaturated ions): n = 1.5 exactly in the closed-form limit.
    std::vector<double> L0, lt50;
    std::vector<int> reached;
    for (double J : {3e-5, 1e-4, 3e-4, 1e-3}) {
        const io::RunConfig cfg = io::load_config_text(closed_form_config(J, 0.0), "accel.toml");
        LifetimeSettings s;
        s.rates = closed_form_rates();
        s.max_hours = 1e7;
        s.time_points = 3;
        lifetime::MeanFieldPoint point(cfg.model, s.rates, observer());
        const lifetime::LifetimeResult r = lifetime::run_lifetime(point, s);
        REQUIRE(r.status == 0);
        L0.push_back(r.brightness0);
        lt50.push_back(r.lt_h[3]);
        reached.push_back(r.lt_reached[3]);
    }
    int used = 0;
    const double n = lifetime::acceleration_exponent(L0, lt50, reached, &used);
    CHECK(used == 4);
    // Deviation from 1.5: the excited-ion fraction (<= 3e-9 here) and the integration (1e-6).
    CHECK(std::abs(n - 1.5) < 1e-5);
    // With roll-off (triplet-polaron quenching, k0 grows with J) the exponent is larger.
    std::vector<double> L0r, ltr;
    for (double J : {1.0, 10.0, 100.0}) {
        io::RunConfig cfg = io::load_config_text(closed_form_config(J, 1.0e-10), "accel.toml");
        LifetimeSettings s;
        s.rates = closed_form_rates();
        s.rates.kQ_T_cm3_s = 1e-9;
        s.max_hours = 1e9;
        s.time_points = 3;
        lifetime::MeanFieldPoint point(cfg.model, s.rates, observer());
        const lifetime::LifetimeResult r = lifetime::run_lifetime(point, s);
        REQUIRE(r.status == 0);
        L0r.push_back(r.brightness0);
        ltr.push_back(r.lt_h[3]);
    }
    CHECK(lifetime::acceleration_exponent(L0r, ltr, {1, 1, 1}) > 1.5);
}

TEST_CASE("[lifetime] bad input: located errors", "[lifetime][config]") {
    const std::string base = closed_form_config(1e-4, 0.0);
    auto fails = [&](const std::string& tail, const std::string& key) {
        const std::string text = base + tail;
        try {
            (void)lifetime::read_lifetime_config(text, "bad.toml", 20.0);
            FAIL("no error for " << tail);
        } catch (const InputError& e) {
            const std::string what = e.what();
            INFO(what);
            CHECK(what.find("bad.toml") != std::string::npos);
            CHECK(what.find(key) != std::string::npos);
        }
    };
    fails("[lifetime]\nkX_TP_cm3_s = -1.0\n", "lifetime.kX_TP_cm3_s");
    fails("[lifetime]\nstop_fraction = 1.0\n", "lifetime.stop_fraction");
    fails("[lifetime]\nstop_fraction = 0.0\n", "lifetime.stop_fraction");
    fails("[lifetime]\nmax_hours = 0.0\n", "lifetime.max_hours");
    fails("[lifetime]\ntime_points = 1\n", "lifetime.time_points");
    fails("[lifetime]\nkX_TP = 1.0\n", "lifetime.kX_TP");
    fails("[lifetime]\n[nanocrystal]\nx = 1\n", "nanocrystal");
    fails("[inventory]\nprice_usd_per_kg = { Tb = -5.0 }\n", "inventory.price_usd_per_kg.Tb");
    fails("[inventory]\nprice_usd_per_kg = { Xx = 5.0 }\n", "inventory.price_usd_per_kg.Xx");
    // device.eml_thickness_nm must agree with the [optics] emitting layer; without it d is that
    // layer.
    const std::string optics =
        "[optics]\nemitting_layer = \"EML\"\n[[optics.layer]]\nname = \"EML\"\nthickness_nm = "
        "30.0\n";
    std::string mismatch = base + optics;
    mismatch.replace(mismatch.find("recombination_zone_nm = 20.0"), 28,
                     "recombination_zone_nm = 20.0\neml_thickness_nm = 25.0");
    try {
        (void)lifetime::read_lifetime_config(mismatch, "bad.toml", 20.0);
        FAIL("no error for an EML thickness that disagrees with [optics]");
    } catch (const InputError& e) {
        CHECK(std::string(e.what()).find("device.eml_thickness_nm") != std::string::npos);
        CHECK(std::string(e.what()).find("30 nm") != std::string::npos);
    }
    CHECK(lifetime::read_lifetime_config(base + optics, "ok.toml", 20.0).eml_thickness_nm == 30.0);
    CHECK_FALSE(
        lifetime::read_lifetime_config(base + optics, "ok.toml", 20.0).eml_thickness_is_zone);
    // The main loader accepts the tables (src/io/config.cpp) ...
    const io::RunConfig cfg =
        io::load_config_text(base + "[lifetime]\nkX_TP_cm3_s = 1e-20\n", "ok.toml");
    // ... and the defaults of the spec hold.
    const lifetime::LifetimeConfig lc = lifetime::read_lifetime_config(cfg.text, cfg.path, 20.0);
    REQUIRE(lc.lifetime);
    CHECK(lc.lifetime->stop_fraction == 0.5);
    CHECK(lc.lifetime->max_hours == 1e5);
    CHECK(lc.lifetime->time_points == 200);
    CHECK(lc.lifetime->rates.kQ_T_cm3_s == 0.0);
    CHECK(lc.eml_thickness_nm == 20.0);
}

TEST_CASE("lifetime sweep: thread invariance and the stored exponent", "[lifetime]") {
    const fs::path dir =
        fs::temp_directory_path() / ("relsim_test_lifetime_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string text = closed_form_config(1e-4, 0.0) + R"(
[lifetime]
kX_TP_cm3_s = 1.0e-13
kQ_T_cm3_s = 1.0e-11
max_hours = 1.0e7
time_points = 12
[inventory]
price_usd_per_kg = { Tb = 1500.0 }
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 3.0e-5
to = 1.0e-3
points = 5
)";
    const io::RunConfig cfg = io::load_config_text(text, (dir / "sweep.toml").string());
    const lifetime::Stage stage(cfg);
    std::vector<std::vector<double>> results;
    for (int threads : {1, 2}) {
        sweep::RunOptions opt;
        opt.output_path = (dir / ("t" + std::to_string(threads) + ".h5")).string();
        opt.threads = threads;
        opt.quiet = true;
        (void)sweep::run(cfg, opt);
        (void)stage.run(opt.output_path, threads, true);
        const io::H5File f(opt.output_path, io::H5File::Mode::read_only);
        std::vector<double> all;
        for (const char* p :
             {"/lifetime/luminance_rel", "/lifetime/quencher_cm3", "/results/lifetime/LT50_h",
              "/results/lifetime/colour_shift_duv_at_stop", "/results/inventory/Tb_mg_m2",
              "/results/inventory/cost_usd_m2"}) {
            const auto v = f.read_doubles(p);
            all.insert(all.end(), v.begin(), v.end());
        }
        CHECK(f.dims("/lifetime/time_h") == std::vector<std::uint64_t>{5, 12});
        const double n = f.read_doubles("/summary/lifetime_acceleration_exponent").at(0);
        CHECK(std::abs(n - 1.5) < 1e-5);
        const auto reached = f.read_ints("/results/lifetime/LT50_reached");
        for (int r : reached) CHECK(r == 1);
        results.push_back(all);
    }
    CHECK(results[0] == results[1]);  // bit for bit
    // A resumed run ends by running the stage again on the finished file: it overwrites its own
    // datasets in place with the same numbers (deterministic per point).
    stage.run((dir / "t1.h5").string(), 2, true);
    {
        const io::H5File f((dir / "t1.h5").string(), io::H5File::Mode::read_only);
        std::vector<double> again;
        for (const char* p :
             {"/lifetime/luminance_rel", "/lifetime/quencher_cm3", "/results/lifetime/LT50_h",
              "/results/lifetime/colour_shift_duv_at_stop", "/results/inventory/Tb_mg_m2",
              "/results/inventory/cost_usd_m2"}) {
            const auto v = f.read_doubles(p);
            again.insert(again.end(), v.begin(), v.end());
        }
        CHECK(again == results[0]);
    }
    lifetime::write_time_series_csv((dir / "t1.h5").string(), (dir / "series.csv").string());
    CHECK(fs::file_size(dir / "series.csv") > 100);
    fs::remove_all(dir);
}

TEST_CASE("paper Tb device: LT50 converged to 1e-6 in the integration tolerance", "[lifetime]") {
    // No closed form here (ion excitation and Tb* defect quenching): the tolerance study is the
    // check. LT50 at rel. tol 1e-10 (the default) against 1e-12 must agree to < 1e-6.
    io::RunConfig cfg =
        io::load_config(std::string(RELSIM_SOURCE_DIR) + "/configs/lifetime/tb_lifetime.toml");
    const lifetime::LifetimeConfig lc = lifetime::read_lifetime_config(cfg.text, cfg.path, 20.0);
    REQUIRE(lc.lifetime);
    cfg.model.device.current_density_mA_cm2 = 5.0172;  // L0 = 1000 cd m^-2
    std::vector<double> lt;
    for (double tol : {1e-10, 1e-12}) {
        LifetimeSettings s = *lc.lifetime;
        s.relative_tolerance = tol;
        s.time_points = 5;
        lifetime::MeanFieldPoint point(cfg.model, s.rates, observer());
        const lifetime::LifetimeResult r = lifetime::run_lifetime(point, s);
        REQUIRE(r.status == 0);
        REQUIRE(r.lt_reached[3] == 1);
        CHECK(std::abs(r.brightness0 / 1000.0 - 1.0) < 1e-4);  // the config's J gives L0 = 1000
        lt.push_back(r.lt_h[3]);
    }
    CHECK(std::abs(lt[0] / lt[1] - 1.0) < 1e-6);
}

TEST_CASE("inventory thickness follows a swept recombination zone unless eml_thickness_nm is set",
          "[lifetime][inventory]") {
    const fs::path dir =
        fs::temp_directory_path() / ("relsim_test_inventory_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string sweep = R"(
[sweep]
[[sweep.axis]]
key = "device.recombination_zone_nm"
values = [10.0, 20.0]
)";
    for (const bool fixed : {false, true}) {
        std::string text = closed_form_config(1e-4, 0.0);
        if (fixed)
            text.replace(text.find("recombination_zone_nm = 20.0"), 28,
                         "recombination_zone_nm = 20.0\neml_thickness_nm = 30.0");
        const io::RunConfig cfg = io::load_config_text(text + sweep, (dir / "inv.toml").string());
        const lifetime::Stage stage(cfg);
        sweep::RunOptions opt;
        opt.output_path = (dir / (fixed ? "fixed.h5" : "zone.h5")).string();
        opt.quiet = true;
        (void)sweep::run(cfg, opt);
        stage.run(opt.output_path, 1, true);
        const io::H5File f(opt.output_path, io::H5File::Mode::read_only);
        const auto mg = f.read_doubles("/results/inventory/Tb_mg_m2");
        const auto d = f.read_doubles("/results/inventory/eml_thickness_nm");
        // N = 1e22 cm^-3: 1e22 x d[cm] x 1e4 / N_A x 158.925354 g/mol x 1e3 mg/g
        for (std::size_t i = 0; i < 2; ++i) {
            const double d_nm = fixed ? 30.0 : 10.0 * static_cast<double>(i + 1);
            CHECK(d[i] == d_nm);
            CHECK(std::abs(mg[i] / (1e22 * d_nm * 1e-7 * 1e4 / 6.02214076e23 * 158.925354 * 1e3) -
                           1.0) < 1e-12);
        }
    }
    fs::remove_all(dir);
}

namespace {

//! Two emitter slices, each the closed form of spec section 3 with its own drive: slice i has
//! T_i = g_i / (k0 + kQ Q_i), dQ_i/dt = c_i T_i, brightness w_i T_i. Each Q_i(t) then follows
//! k0 Q + kQ Q^2/2 = c_i g_i t on its own (per-slice degradation with its own densities).
class TwoSlices final : public lifetime::DegradationPoint {
public:
    static constexpr double k0 = 1e7, kQ = 1e-11;
    double g[2] = {3e17, 1e17}, c[2] = {1e-13 * 5e13, 1e-13 * 2e13}, w[2] = {1.0, 2.0};
    [[nodiscard]] std::size_t num_slices() const override { return 2; }
    [[nodiscard]] bool photometric() const override { return true; }
    [[nodiscard]] std::vector<std::string> fate_names() const override { return {}; }
    void solve(const double* Q, bool, lifetime::PointSample& out) override {
        out.formation_cm3_s.resize(2);
        out.brightness = 0.0;
        for (int i = 0; i < 2; ++i) {
            const double T = g[i] / (k0 + kQ * Q[i]);
            out.formation_cm3_s[static_cast<std::size_t>(i)] = c[i] * T;
            out.brightness += w[i] * T;
        }
        out.eqe = out.brightness * 1e-20;
        out.cie_x = 0.3;
        out.cie_y = 0.6;
        out.ok = true;
    }
    [[nodiscard]] double Q_of_t(int i, double t_h) const {
        const double C = c[i] * g[i] * 3600.0;
        return (-k0 + std::sqrt(k0 * k0 + 2.0 * kQ * C * t_h)) / kQ;
    }
};

}  // namespace

TEST_CASE("several emitter slices degrade each with its own densities", "[lifetime]") {
    TwoSlices point;
    LifetimeSettings s;
    s.time_points = 30;
    const lifetime::LifetimeResult r = lifetime::run_lifetime(point, s);
    REQUIRE(r.status == 0);
    REQUIRE(r.stopped_at_fraction);
    double worst = 0.0;
    for (std::size_t i = 1; i < r.time_h.size(); ++i) {
        const double mean = 0.5 * (point.Q_of_t(0, r.time_h[i]) + point.Q_of_t(1, r.time_h[i]));
        worst = std::max(worst, std::abs(r.quencher_cm3[i] / mean - 1.0));
    }
    CHECK(worst < 1e-6);
    // At LT50 the slices' own Q give L/L0 = 1/2.
    auto L = [&](double t) {
        double sum = 0.0;
        for (int i = 0; i < 2; ++i)
            sum += point.w[i] * point.g[i] / (TwoSlices::k0 + TwoSlices::kQ * point.Q_of_t(i, t));
        return sum;
    };
    CHECK(std::abs(L(r.lt_h[3]) / L(0.0) - 0.5) < 1e-7);
    CHECK(std::abs(L(r.lt_h[1]) / L(0.0) - 0.9) < 1e-7);
}

TEST_CASE("lifetime.* keys are sweepable: LT50 ~ 1/kX_TP and bad swept values are located",
          "[lifetime][config]") {
    const fs::path dir =
        fs::temp_directory_path() / ("relsim_test_lifetime_sweep_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string table =
        "[lifetime]\nkX_TP_cm3_s = 1.0e-13\nkQ_T_cm3_s = 1.0e-11\ntime_points = 5\n";
    auto axis = [](const std::string& key, const std::string& values) {
        return "[sweep]\n[[sweep.axis]]\nkey = \"" + key + "\"\nvalues = " + values + "\n";
    };
    const io::RunConfig cfg = io::load_config_text(
        closed_form_config(1e-4, 0.0) + table + axis("lifetime.kX_TP_cm3_s", "[1.0e-13, 2.0e-13]"),
        (dir / "sw.toml").string());
    const lifetime::Stage stage(cfg);
    sweep::RunOptions opt;
    opt.output_path = (dir / "sw.h5").string();
    opt.quiet = true;
    (void)sweep::run(cfg, opt);
    stage.run(opt.output_path, 1, true);
    {
        const io::H5File f(opt.output_path, io::H5File::Mode::read_only);
        const auto lt = f.read_doubles("/results/lifetime/LT50_h");
        REQUIRE(lt.size() == 2);
        // t_f = (k0 Q_f + kQ Q_f^2/2) / (kX_TP n_p G_T): doubling kX_TP halves every LT.
        CHECK(std::abs(lt[1] / lt[0] - 0.5) < 1e-6);
        const auto eqe = f.read_doubles("/results/eqe");
        CHECK(eqe[0] == eqe[1]);  // the kinetic sweep itself ignores the lifetime key
    }
    auto fails = [&](const std::string& text, const std::string& needle) {
        const io::RunConfig bad = io::load_config_text(text, "bad.toml");
        try {
            const lifetime::Stage s(bad);
            FAIL("no error for " << needle);
        } catch (const InputError& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(needle) != std::string::npos);
            CHECK(std::string(e.what()).find("bad.toml:") != std::string::npos);
        }
    };
    const std::string base = closed_form_config(1e-4, 0.0);
    fails(base + table + axis("lifetime.kX_TP_cm3_s", "[1.0e-13, -2.0e-13]"), "sweep value 1");
    fails(base + table + axis("lifetime.stop_fraction", "[0.5, 1.5]"), "lifetime.stop_fraction");
    fails(base + table + axis("lifetime.time_points", "[5, 10]"), "not a sweepable");
    fails(base + axis("lifetime.kX_TP_cm3_s", "[1.0e-13]"), "no [lifetime] table");
    fs::remove_all(dir);
}

// A misspelt [lifetime]/[inventory] key or swept lifetime.* key is answered with the closest
// valid one (issue 21 item 20), at the line of the key (the table key, or the swept key's string).
TEST_CASE("misspelt lifetime keys: did you mean, located", "[lifetime][config]") {
    const auto line_of = [](const std::string& text, const std::string& needle) {
        const auto at = text.find(needle);
        REQUIRE(at != std::string::npos);
        return 1 + static_cast<int>(
                       std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    };
    auto fails = [&](const std::string& text, const std::string& needle, const std::string& at) {
        try {
            const io::RunConfig bad = io::load_config_text(text, "bad.toml");
            const lifetime::Stage s(bad);
            FAIL("no error for " << needle);
        } catch (const InputError& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(needle) != std::string::npos);
            CHECK(e.file() == "bad.toml");
            CHECK(e.line() == line_of(text, at));
        }
    };
    const std::string base = closed_form_config(1e-4, 0.0);
    const std::string table =
        "[lifetime]\nkX_TP_cm3_s = 1.0e-13\nkQ_T_cm3_s = 1.0e-11\ntime_points = 5\n";
    fails(base + "[lifetime]\nkX_TP_cm3_s = 1.0e-13\nkQ_T_cm3 = 1.0e-11\n",
          "unknown key 'kQ_T_cm3' in 'lifetime' (did you mean 'kQ_T_cm3_s'?)", "kQ_T_cm3 =");
    fails(base + table + "[inventory]\nprice_usd_per_kgs = { Tb = 1500.0 }\n",
          "unknown key 'price_usd_per_kgs' in 'inventory' (did you mean 'price_usd_per_kg'?)",
          "price_usd_per_kgs");
    const std::string sweep =
        base + table +
        "[sweep]\n[[sweep.axis]]\nkey = \"lifetime.kQ_T_cm3\"\nvalues = [1.0e-11, 2.0e-11]\n";
    fails(sweep,
          "'lifetime.kQ_T_cm3' is not a sweepable [lifetime] key (did you mean "
          "'lifetime.kQ_T_cm3_s'?)",
          "\"lifetime.kQ_T_cm3\"");
    const std::string sweep2 =
        base + table + "[sweep]\n[[sweep.axis]]\nkey = \"lifetime.max_hour\"\nvalues = [10.0]\n";
    fails(sweep2, "(did you mean 'lifetime.max_hours'?)", "\"lifetime.max_hour\"");
}

TEST_CASE(
    "[lifetime] with [optics]: every emitter slice degrades with its own Q and t = 0 is /results",
    "[lifetime][optics]") {
    const fs::path dir =
        fs::temp_directory_path() / ("relsim_test_lifetime_optics_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const std::string src = std::string(RELSIM_SOURCE_DIR) + "/configs/optics/paper_device.toml";
    std::ifstream in(src);
    std::stringstream text;
    text << in.rdbuf();
    // The config's own directory, so that its ion files resolve as for the shipped file.
    const io::RunConfig cfg = io::load_config_text(
        text.str() +
            "\n[lifetime]\nkX_TP_cm3_s = 1.0e-22\nkQ_T_cm3_s = 1.0e-12\nkQ_Ln_cm3_s = 1.0e-12\n"
            "max_hours = 1.0e7\ntime_points = 6\n",
        std::string(RELSIM_SOURCE_DIR) + "/configs/optics/paper_device_lifetime_test.toml");
    const lifetime::Stage stage(cfg);
    sweep::RunOptions opt;
    opt.output_path = (dir / "opt.h5").string();
    opt.quiet = true;
    (void)sweep::run(cfg, opt);
    stage.run(opt.output_path, 1, true);
    const io::H5File f(opt.output_path, io::H5File::Mode::read_only);
    const double eqe = f.read_doubles("/results/eqe").at(0);
    const auto series = f.read_doubles("/lifetime/eqe");
    CHECK(std::abs(series.at(0) / eqe - 1.0) < 1e-12);  // the sweep's own [optics] point
    CHECK(std::abs(f.read_doubles("/results/lifetime/L0").at(0) /
                       f.read_doubles("/results/luminance_cd_m2").at(0) -
                   1.0) < 1e-12);
    CHECK(f.read_ints("/results/lifetime/LT50_reached").at(0) == 1);
    CHECK(series.back() < 0.6 * series.front());
    // Fates (slice means) still sum to 1 at every time.
    std::vector<double> sum(6, 0.0);
    for (const auto& d : f.datasets()) {
        if (d.path.rfind("/lifetime/fates/", 0) != 0) continue;
        const auto v = f.read_doubles(d.path);
        for (std::size_t t = 0; t < 6; ++t) sum[t] += v[t];
    }
    for (double s : sum) CHECK(std::abs(s - 1.0) < 1e-9);
    CHECK(f.read_doubles("/results/inventory/eml_thickness_nm").at(0) ==
          30.0);  // the [optics] emitting layer
    fs::remove_all(dir);
}
