//! Material tables and the [optics] reader (the located errors are exercised on the command
//! line by test_optics_cli.py).
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "relsim/core/error.hpp"
#include "relsim/optics/device_optics.hpp"

using namespace relsim::optics;

TEST_CASE("material tables: sources, range and linear interpolation", "[optics]") {
    for (const char* name : {"glass", "ITO", "Al", "Ag", "LiF", "TPBi", "TAPC", "CzPPOA"}) {
        MaterialTable t;
        INFO(name);
        REQUIRE(load_material(name, t));
        CHECK(t.min_nm() <= 300.0);
        CHECK(t.max_nm() >= 990.0);
    }
    MaterialTable ag;
    REQUIRE(load_material("Ag", ag));
    // Between two rows the index is the linear mix of the rows.
    const double w0 = ag.wavelength_nm[20], w1 = ag.wavelength_nm[21];
    const auto mid = ag.at(0.5 * (w0 + w1));
    CHECK(mid.real() == Approx(0.5 * (ag.n[20] + ag.n[21])));
    CHECK(mid.imag() == Approx(0.5 * (ag.k[20] + ag.k[21])));
    // Silver at 615 nm (Rakic 1998 LD fit): a good metal, eps' = n^2 - k^2 ~ -13.5.
    const auto n615 = ag.at(615.0);
    const double eps_re = n615.real() * n615.real() - n615.imag() * n615.imag();
    CHECK(eps_re == Approx(-13.5).margin(1.0));
    CHECK_THROWS_AS(ag.at(5000.0), std::out_of_range);
    MaterialTable none;
    CHECK_FALSE(load_material("NoSuchMaterial", none));
}

TEST_CASE(
    "material tables: a link to /dev/zero and a wrong cell count are refused (issue 21 item 13)",
    "[optics]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() / "relsim_test_materials_item13";
    fs::remove_all(dir);
    fs::create_directories(dir / "materials");
    fs::create_symlink("/dev/zero", dir / "materials" / "Zero.csv");
    std::ofstream(dir / "materials" / "Cells.csv") << "wavelength_nm,n,k\n400,1.5,0\n500,1.5,,0\n";
    std::ofstream(dir / "materials" / "Good.csv") << "wavelength_nm,n,k\n400,1.5,0\n500,1.5,0\n";
    const char* old_env = std::getenv("RELSIM_DATA_DIR");
    const std::string saved = old_env ? old_env : "";
    setenv("RELSIM_DATA_DIR", dir.c_str(), 1);
    MaterialTable t;
    std::string zero, cells;
    bool good = false;
    try {
        (void)load_material("Zero", t);
    } catch (const relsim::InputError& e) {
        zero = e.problem();
    }
    try {
        (void)load_material("Cells", t);
    } catch (const relsim::InputError& e) {
        cells = e.problem();
    }
    try {
        good = load_material("Good", t);
    } catch (...) {
    }
    if (old_env)
        setenv("RELSIM_DATA_DIR", saved.c_str(), 1);
    else
        unsetenv("RELSIM_DATA_DIR");
    fs::remove_all(dir);
    CHECK(zero.find("not a regular file") != std::string::npos);
    CHECK(cells.find("three comma-separated cells") != std::string::npos);
    CHECK(good);
}

TEST_CASE("[optics] reader: absent table, defaults, sweepable numbers", "[optics]") {
    OpticsChecks checks;
    checks.wavelengths_nm = {400.0, 700.0};
    checks.recombination_zone_nm = {20.0};
    CHECK_FALSE(read_optics_config("title = \"x\"\n", "x.toml", checks).has_value());
    const std::string text = R"(
[optics]
emitting_layer = "EML"
[[optics.layer]]
name = "ITO"
thickness_nm = 100.0
material = "ITO"
[[optics.layer]]
name = "EML"
thickness_nm = 30.0
n = 1.7
[[optics.layer]]
name = "cathode"
material = "Al"
)";
    const auto spec = read_optics_config(text, "t.toml", checks);
    REQUIRE(spec.has_value());
    CHECK(spec->glass_substrate);
    CHECK(spec->substrate_n == 1.52);
    CHECK(spec->emitter_slices == 5);
    CHECK(spec->emitting_index == 1);
    CHECK(spec->layers.back().semi_infinite);
    DeviceOptics d(*spec);
    REQUIRE(d.find_parameter("optics.layer.0.thickness_nm"));
    CHECK(*d.find_parameter("optics.layer.0.thickness_nm") == 100.0);
    CHECK(d.find_parameter("optics.layer.2.thickness_nm") == nullptr);  // semi-infinite
    CHECK(d.find_parameter("optics.layer.0.n") == nullptr);             // a material layer
    CHECK(d.find_parameter("optics.layer.1.n") != nullptr);
    const auto z = d.positions_nm(20.0);
    REQUIRE(z.size() == 5);
    CHECK(z.front() == Approx(2.0));
    CHECK(z.back() == Approx(18.0));
    // A spectrum (solves started from the neighbour's quadrature mesh) equals cold solves.
    std::vector<double> wl;
    for (double w = 450.0; w < 470.0; w += 1.0) wl.push_back(w);
    const auto spectrum = d.powers(wl, 20.0);
    double worst = 0.0;
    for (std::size_t i = 0; i < wl.size(); ++i) {
        const auto cold = dipole_powers(d.stack_at(wl[i]), wl[i], z);
        for (std::size_t k = 0; k < z.size(); ++k) {
            for (bool md : {false, true}) {
                worst = std::max(worst,
                                 std::abs(spectrum[i][k].purcell(md) / cold[k].purcell(md) - 1.0));
                worst = std::max(worst,
                                 std::abs(spectrum[i][k].eta_air(md) / cold[k].eta_air(md) - 1.0));
            }
        }
    }
    CHECK(worst < 1e-6);
    const StackAtWavelength s = d.stack_at(600.0);
    CHECK(s.index.size() == 4);  // glass + 3 layers
    CHECK(s.emitter == 2);
    // A zone that does not fit is a located error at the emitting layer.
    checks.recombination_zone_nm = {40.0};
    try {
        (void)read_optics_config(text, "t.toml", checks);
        FAIL("no error");
    } catch (const relsim::InputError& e) {
        CHECK(e.file() == "t.toml");
        CHECK(e.line() == 3);
        CHECK(e.key() == "optics.emitting_layer");
    }
}
