//! @file test_fit_config.cpp
//! Fit files, data files and fitted configs.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "fit_test_support.hpp"
#include "relsim/core/error.hpp"
#include "relsim/fit/fitter.hpp"

using relsim::fit::DataKind;
using namespace relsim::test;

namespace {

std::string write_temp(const std::string& name, const std::string& text) {
    const auto dir = std::filesystem::temp_directory_path() / "relsim_fit_config_test";
    std::filesystem::create_directories(dir);
    const auto p = dir / name;
    std::ofstream(p) << text;
    return p.string();
}

}  // namespace

TEST_CASE("Data CSV: columns in any order, comments, optional sigma", "[fit][config]") {
    const auto p =
        write_temp("d.csv",
                   "# a comment\n\nsigma , eqe,current_density_mA_cm2\r\n0.001,0.05,1e-2\n"
                   "  # indented comment\n0.002,0.04,10\n");
    const auto d = relsim::fit::read_data_csv(p, DataKind::eqe_vs_current);
    CHECK(d.x == std::vector<double>{1e-2, 10.0});
    CHECK(d.y == std::vector<double>{0.05, 0.04});
    CHECK(d.sigma == std::vector<double>{0.001, 0.002});
    CHECK(d.line == std::vector<int>{4, 6});
    const auto q = write_temp("e.csv", "time_s,intensity\n0.1,5\n");
    CHECK(relsim::fit::read_data_csv(q, DataKind::decay).sigma.empty());
    try {
        (void)relsim::fit::read_data_csv(write_temp("f.csv", "time_s,intensity\n0.1,abc\n"),
                                         DataKind::decay);
        FAIL("no error");
    } catch (const relsim::InputError& e) {
        CHECK(e.line() == 2);
        CHECK(e.column() == 5);
        CHECK(e.problem().find("'abc' is not a finite number") != std::string::npos);
    }
}

TEST_CASE(
    "Data CSV: a UTF-8 BOM before the header is skipped, hex floats are refused (issue 21 item 11)",
    "[fit][config]") {
    const auto b = write_temp("bom.csv", "\xEF\xBB\xBFtime_s,intensity\n0.1,5\n");
    const auto d = relsim::fit::read_data_csv(b, DataKind::decay);
    CHECK(d.x == std::vector<double>{0.1});
    CHECK(d.y == std::vector<double>{5.0});
    try {
        (void)relsim::fit::read_data_csv(write_temp("hex.csv", "time_s,intensity\n0.1,0x1p3\n"),
                                         DataKind::decay);
        FAIL("a hex float was accepted");
    } catch (const relsim::InputError& e) {
        CHECK(e.line() == 2);
        CHECK(e.problem().find("'0x1p3' is not a finite number") != std::string::npos);
    }
}

TEST_CASE("The example fit file reads and its data lie inside the model's range", "[fit][config]") {
    const auto cfg = relsim::fit::load_fit_config(source_path("configs/fit/tb_fit.toml"));
    REQUIRE(cfg.models.size() == 1);
    CHECK(cfg.models[0].name == "tb");
    REQUIRE(cfg.data.size() == 2);
    CHECK(cfg.data[0].kind == DataKind::eqe_vs_current);
    CHECK(cfg.data[0].x.size() == 30);
    CHECK(cfg.data[1].kind == DataKind::decay);
    REQUIRE(cfg.free.size() == 3);
    CHECK(cfg.free[1].key == "dopant.0.quench_s.5D4");
    CHECK(cfg.free[1].log);
    CHECK(cfg.free[1].start_value == 100.0);  // no start given: the model config's value
    CHECK(cfg.free[1].unit == "s^-1");
    CHECK(cfg.options.multistart == 8);
}

TEST_CASE(
    "Fitted values are written into the config text in place, other keys via a one-value axis",
    "[fit][config]") {
    const relsim::io::RunConfig base = tb_config();
    auto ev = relsim::fit::make_mean_field_evaluator(base);
    const std::string text = ev->config_text_with({{"device.outcoupling", 0.1234567891234},
                                                   {"dopant.0.quench_s.5D4", 321.0},
                                                   {"dopant.0.lines.1.rate_s", 101.5},
                                                   {"ligand.kSS_cm3_s", 2e-12}},
                                                  "header line\nsecond line");
    CHECK(text.rfind("# header line\n# second line\n", 0) == 0);
    CHECK(text.find("outcoupling = 0.1234567891234 ") !=
          std::string::npos);  // comment kept after it
    CHECK(text.find("quench_s = { \"5D4\" = 321.0 }") != std::string::npos);
    CHECK(text.find("key = \"dopant.0.lines.1.rate_s\"\nvalues = [101.5]") != std::string::npos);
    const auto cfg = relsim::io::load_config_text(text, source_path("configs/fit/fitted.toml"));
    CHECK(cfg.model.device.outcoupling == 0.1234567891234);
    CHECK(cfg.model.dopants[0].quench_s[0].second == 321.0);
    CHECK(cfg.model.ligand.kSS_cm3_s == 2e-12);
    REQUIRE(cfg.sweep);
    CHECK(cfg.sweep->axes.back().keys[0] == "dopant.0.lines.1.rate_s");
    CHECK(cfg.sweep->axes.back().values[0] == std::vector<double>{101.5});
}

TEST_CASE("The fitted config reproduces the fitted model curve", "[fit][config]") {
    const auto J = logspace(-2, 3, 20);
    const auto truth = model_curve(tb_config(), DataKind::eqe_vs_current, J);
    Gaussian g(1);
    auto c = one_model(tb_config({{"device.outcoupling", 0.3}, {"dopant.0.quench_s.5D4", 100.0}}));
    c.data = {noisy(DataKind::eqe_vs_current, J, truth, 1.0, 0.02, 0.0, g)};
    c.free = {free_param("device.outcoupling", 0.05, 0.6, false, 0.3),
              free_param("dopant.0.quench_s.5D4", 1.0, 1.0e4, true, 100.0)};
    c.options.multistart = 1;
    const auto res = relsim::fit::run_fit(c);
    const auto fitted =
        relsim::io::load_config_text(res.fitted_configs[0], source_path("configs/fit/fitted.toml"));
    const auto curve = model_curve(fitted, DataKind::eqe_vs_current, J);
    for (std::size_t i = 0; i < J.size(); ++i)
        CHECK(curve[i] == Approx(res.data[0].model[i]).epsilon(1e-12));
}
