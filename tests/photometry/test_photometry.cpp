// Tests of spectra and CIE 1931 photometry (spec section 4; include/relsim/model/photometry.hpp).
// Every expected value is computed here independently of the library: the CMFs are interpolated
// by a local routine, integrals are taken by the trapezoid rule on fine grids, and the reference
// chromaticities come straight from the CIE table.
#include "relsim/core/constants.hpp"
#include "relsim/core/error.hpp"
#include "relsim/model/photometry.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using relsim::model::BandShape;
using relsim::model::CieObserver;
using relsim::model::Colour;
using relsim::model::Photometry;
namespace constants = relsim::constants;

const std::string kTablePath = std::string(RELSIM_SOURCE_DIR) + "/data/cie1931_2deg_1nm.csv";

const CieObserver& observer() {
    static const CieObserver obs = relsim::model::load_cie_observer(kTablePath);
    return obs;
}

double sigma_of(double fwhm) { return fwhm / (2.0 * std::sqrt(2.0 * std::numbers::ln2)); }

//! Energy of one photon at lambda [J].
double photon_J(double lambda_nm) { return constants::photon_energy_J_nm / lambda_nm; }

//! Photon flux [cm^-2 s^-1] that carries `W_m2` of power at `lambda_nm`.
double flux_for_power(double W_m2, double lambda_nm) { return W_m2 * 1.0e-4 / photon_J(lambda_nm); }

//! Linear interpolation of a table column, zero outside the table (test-local, independent).
double interp(const std::vector<double>& column, double lambda_nm) {
    const auto& nm = observer().wavelength_nm;
    if (lambda_nm < nm.front() || lambda_nm > nm.back()) return 0.0;
    const double step = (nm.back() - nm.front()) / static_cast<double>(nm.size() - 1);
    auto i = static_cast<std::size_t>((lambda_nm - nm.front()) / step);
    i = std::min(i, nm.size() - 2);
    const double t = (lambda_nm - nm[i]) / step;
    return column[i] + t * (column[i + 1] - column[i]);
}

std::vector<double> grid(double lo, double hi, double step) {
    const auto n = static_cast<std::size_t>(std::llround((hi - lo) / step)) + 1;
    std::vector<double> g(n);
    for (std::size_t i = 0; i < n; ++i) g[i] = lo + static_cast<double>(i) * step;
    g.back() = hi;
    return g;
}

double trapezoid(const std::vector<double>& x, const std::vector<double>& f) {
    double s = 0.0;
    for (std::size_t i = 1; i < x.size(); ++i) s += 0.5 * (x[i] - x[i - 1]) * (f[i] + f[i - 1]);
    return s;
}

double rel_err(double got, double want) { return std::abs(got - want) / std::abs(want); }

//! Spectral-locus chromaticity at a table wavelength, straight from the table.
void locus_point(int nm, double& x, double& y) {
    const auto& obs = observer();
    const auto i = static_cast<std::size_t>(nm - 380);
    REQUIRE(obs.wavelength_nm[i] == static_cast<double>(nm));
    const double s = obs.xbar[i] + obs.ybar[i] + obs.zbar[i];
    x = obs.xbar[i] / s;
    y = obs.ybar[i] / s;
}

//! Writes `text` to a fresh temporary file and returns its path.
std::string write_temp(const std::string& tag, const std::string& text) {
    std::random_device rd;
    const auto path = std::filesystem::temp_directory_path() /
                      ("relsim_photometry_" + tag + "_" + std::to_string(rd()) + ".csv");
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
}

}  // namespace

TEST_CASE(
    "photometry: CIE 1931 table loads as 401 uniform 1 nm rows from 380 to 780 nm with V(555) = 1",
    "[photometry][cie]") {
    // The data file is the CVRL ciexyz31_1 table; these are its defining features.
    const auto& obs = observer();
    REQUIRE(obs.wavelength_nm.size() == 401);
    REQUIRE(obs.xbar.size() == 401);
    REQUIRE(obs.ybar.size() == 401);
    REQUIRE(obs.zbar.size() == 401);
    CHECK(obs.wavelength_nm.front() == 380.0);
    CHECK(obs.wavelength_nm.back() == 780.0);
    for (std::size_t i = 0; i < obs.wavelength_nm.size(); ++i) {
        REQUIRE(obs.wavelength_nm[i] == 380.0 + static_cast<double>(i));
    }
    CHECK(obs.ybar[555 - 380] == 1.0);
    CHECK(*std::max_element(obs.ybar.begin(), obs.ybar.end()) == 1.0);
}

TEST_CASE("photometry: equal-energy spectrum (CIE illuminant E) gives x = y = 1/3",
          "[photometry][colour]") {
    // A comb of bands 1 nm apart, FWHM 3 nm (s = 1.274 nm), from 300 to 860 nm. By Poisson
    // summation sum_n g(l - n) = 1 + 2 sum_k exp(-2 pi^2 k^2 s^2) cos(2 pi k l): the ripple is
    // 2 exp(-32.0) = 2.5e-14. With photon flux F_n = k c_n the power density is
    // 1e4 k hc sum_n c_n g(l - c_n) / l, and sum_n c_n g(l - c_n) = l sum_n g - sum_n (l - c_n) g,
    // whose last sum is again exponentially small (its Fourier terms carry the same factor), so
    // the power per nm is constant to ~1e-13. The comb reaches 80 nm (> 60 s) beyond the table,
    // so no edge fall-off is seen in 380-780 nm. k = 1 / (1e4 hc_1nm) makes it 1 W m^-2 nm^-1.
    std::vector<BandShape> bands;
    std::vector<double> flux;
    const double k = 1.0 / (1.0e4 * constants::photon_energy_J_nm);
    for (int c = 300; c <= 860; ++c) {
        bands.push_back({static_cast<double>(c), 3.0});
        flux.push_back(k * c);
    }

    // The spectrum is flat, as argued above (1e-9 leaves room for rounding in the 560-term sums).
    const auto nm = grid(380.0, 780.0, 0.1);
    std::vector<double> P(nm.size());
    relsim::model::band_spectrum(bands, flux.data(), nm, P.data());
    for (std::size_t i = 0; i < nm.size(); ++i) REQUIRE(std::abs(P[i] - 1.0) < 1e-9);

    const Photometry photo(observer(), bands);
    const Colour col = photo.evaluate(flux.data());
    // A flat 1 W m^-2 nm^-1 spectrum integrates the piecewise-linear CMF exactly: X is the
    // trapezoid sum of the xbar column over 380-780 nm, likewise Y, Z (to the ~1e-13 flatness).
    const auto& obs = observer();
    CHECK(rel_err(col.X, trapezoid(obs.wavelength_nm, obs.xbar)) < 1e-6);
    CHECK(rel_err(col.Y, trapezoid(obs.wavelength_nm, obs.ybar)) < 1e-6);
    CHECK(rel_err(col.Z, trapezoid(obs.wavelength_nm, obs.zbar)) < 1e-6);
    // CIE 015:2018: illuminant E is at (1/3, 1/3); the 1931 CMFs have equal areas to ~3e-4.
    CHECK(std::abs(col.cie_x - 1.0 / 3.0) < 1e-3);
    CHECK(std::abs(col.cie_y - 1.0 / 3.0) < 1e-3);
}

TEST_CASE(
    "photometry: a 0.01 nm line at a table wavelength lies on the spectral locus of the table",
    "[photometry][colour]") {
    // The CMFs are piecewise linear with a kink at each node; a symmetric line of width s centred
    // on a node averages the kink to cmf(c) + (slope_right - slope_left) s / sqrt(2 pi). At
    // FWHM 0.01 nm (s = 0.0042 nm) and table second differences <= 5e-4 this shifts x and y by
    // at most 4.2e-7 (544 nm: 2.9e-7 in x, 4.1e-7 in y), and the h c / lambda weighting acts only
    // at order s^2 / c = 3e-8 nm times the slope. Hence 1e-6 against the table's locus point.
    // Expanding E[cmf(l) c / l] over the line to second order gives
    //   cmf(c) + (slope_right - slope_left) s / sqrt(2 pi) - slope_mean s^2 / c + cmf(c) s^2 / c^2,
    // the last term common to X, Y, Z; the rest is O(s^3 / c^2) ~ 1e-13 relative. With that the
    // chromaticity must hold to 1e-10, which checks that the weights resolve a 0.01 nm line far
    // below the 1e-6 requirement.
    const auto& obs = observer();
    const double s = sigma_of(0.01);
    const auto kinked = [&](const std::vector<double>& v, std::size_t i, double c) {
        const double kink = (v[i + 1] - v[i]) - (v[i] - v[i - 1]);
        const double slope_mean = 0.5 * (v[i + 1] - v[i - 1]);
        return v[i] + kink * s / std::sqrt(2.0 * std::numbers::pi) - slope_mean * s * s / c;
    };
    for (const int c : {450, 544, 615}) {
        const Photometry photo(observer(), {{static_cast<double>(c), 0.01}});
        const double f = 1.0e15;
        const Colour col = photo.evaluate(&f);
        double x = 0.0, y = 0.0;
        locus_point(c, x, y);
        INFO("line at " << c << " nm");
        CHECK(std::abs(col.cie_x - x) < 1e-6);
        CHECK(std::abs(col.cie_y - y) < 1e-6);

        const auto i = static_cast<std::size_t>(c - 380);
        const double cd = static_cast<double>(c);
        const double kx = kinked(obs.xbar, i, cd), ky = kinked(obs.ybar, i, cd),
                     kz = kinked(obs.zbar, i, cd);
        CHECK(std::abs(col.cie_x - kx / (kx + ky + kz)) < 1e-10);
        CHECK(std::abs(col.cie_y - ky / (kx + ky + kz)) < 1e-10);
    }
}

TEST_CASE("photometry: luminance of 1 W m^-2 at 555 nm is 683.002/pi times V(555) cd m^-2",
          "[photometry][luminance]") {
    // Monochromatic: FWHM 0.001 nm. The kink of V at its 555 nm peak (second difference -4e-4)
    // changes the line-averaged V by 4e-4 * s / sqrt(2 pi) = 7e-8, and the mean of c / lambda
    // over the line, 1 + (s/c)^2, by 6e-13, so the result holds to 1e-6 relative.
    // 1 W m^-2 is 1e-4 / (hc / 555 nm) photons cm^-2 s^-1.
    const Photometry photo(observer(), {{555.0, 0.001}});
    const double f = flux_for_power(1.0, 555.0);
    const Colour col = photo.evaluate(&f);
    const double V555 = observer().ybar[555 - 380];
    REQUIRE(V555 == 1.0);
    CHECK(rel_err(col.Y, V555 * 1.0) < 1e-6);
    CHECK(rel_err(col.luminance_cd_m2, 683.002 / std::numbers::pi * V555) < 1e-6);
}

TEST_CASE("photometry: linear in the band fluxes with chromaticity invariant to scaling",
          "[photometry][linearity]") {
    // X, Y, Z are sums of flux times fixed weights, so additivity and scaling hold to rounding.
    const Photometry photo(observer(), {{612.0, 3.0}, {545.0, 8.0}, {420.0, 60.0}, {700.0, 0.5}});
    const std::vector<double> f1 = {3.0e15, 1.0e14, 7.0e13, 2.0e12};
    const std::vector<double> f2 = {5.0e13, 9.0e14, 0.0, 4.0e14};
    std::vector<double> f12(f1.size()), f_scaled(f1.size());
    const double scale = 7.3;
    for (std::size_t i = 0; i < f1.size(); ++i) {
        f12[i] = f1[i] + f2[i];
        f_scaled[i] = scale * f1[i];
    }
    const Colour a = photo.evaluate(f1.data());
    const Colour b = photo.evaluate(f2.data());
    const Colour ab = photo.evaluate(f12.data());
    CHECK(rel_err(ab.X, a.X + b.X) < 1e-13);
    CHECK(rel_err(ab.Y, a.Y + b.Y) < 1e-13);
    CHECK(rel_err(ab.Z, a.Z + b.Z) < 1e-13);
    CHECK(rel_err(ab.luminance_cd_m2, a.luminance_cd_m2 + b.luminance_cd_m2) < 1e-13);

    const Colour s = photo.evaluate(f_scaled.data());
    CHECK(rel_err(s.luminance_cd_m2, scale * a.luminance_cd_m2) < 1e-13);
    CHECK(std::abs(s.cie_x - a.cie_x) < 1e-14);
    CHECK(std::abs(s.cie_y - a.cie_y) < 1e-14);

    // No emission: everything is zero, chromaticity included (documented convention).
    const std::vector<double> zero(f1.size(), 0.0);
    const Colour z = photo.evaluate(zero.data());
    CHECK(z.X == 0.0);
    CHECK(z.Y == 0.0);
    CHECK(z.Z == 0.0);
    CHECK(z.cie_x == 0.0);
    CHECK(z.cie_y == 0.0);
    CHECK(z.luminance_cd_m2 == 0.0);
    // No bands at all: the default object and an empty list evaluate to zero too.
    CHECK(Photometry().evaluate(nullptr).luminance_cd_m2 == 0.0);
    CHECK(Photometry(observer(), {}).evaluate(nullptr).cie_x == 0.0);
}

TEST_CASE(
    "photometry: CMFs are zero outside 380-780 nm so lines beyond the table are invisible and "
    "one on its edge counts half",
    "[photometry][colour]") {
    const double f = 1.0e16;
    for (const double c : {300.0, 379.9, 780.1, 900.0}) {
        // FWHM 0.001 nm: 8 s = 0.0034 nm, so these lines are entirely outside the table.
        const Colour col = Photometry(observer(), {{c, 0.001}}).evaluate(&f);
        INFO("line at " << c << " nm");
        CHECK(col.X == 0.0);
        CHECK(col.Y == 0.0);
        CHECK(col.Z == 0.0);
        CHECK(col.cie_x == 0.0);
        CHECK(col.cie_y == 0.0);
    }
    // A line centred on 780 nm: only its lower half is weighted, by ybar(780) to first order;
    // the slope of ybar there (-7%/nm relative) times the half-line mean offset s sqrt(2/pi)
    // = 3.4e-4 nm changes this by 2.4e-5 relative. Hence 1e-4.
    const Colour edge = Photometry(observer(), {{780.0, 0.001}}).evaluate(&f);
    const double want = 0.5 * f * 1.0e4 * photon_J(780.0) * observer().ybar.back();
    CHECK(rel_err(edge.Y, want) < 1e-4);
}

TEST_CASE("photometry: band_spectrum integrates to the band power and peaks at F g(c) hc/c",
          "[photometry][spectrum]") {
    // The exact power of a band is 1e4 F hc E[1/lambda] with lambda ~ N(c, s^2), and
    // E[1/lambda] = (1/c) (1 + (s/c)^2 + 3 (s/c)^4 + 15 (s/c)^6 + 105 (s/c)^8 + ...). For the
    // 0.01 nm line (s/c)^2 = 5e-11, so the power is F hc / c to well below 1e-9; for a 100 nm
    // band at 550 nm, (s/c)^2 = 6e-3, so F hc / c alone would be off by 0.6 % and the series is
    // needed (the next term, 945 (s/c)^10, is 7e-9). The trapezoid rule on a grid with step
    // <= s / 20 over c +- 12 s is spectrally accurate for a Gaussian (error ~exp(-2 pi^2 400)),
    // and band_spectrum's cut at 10 s drops 2e-23 of the area: both well below 1e-6.
    const double F = 2.5e15;
    struct Case {
        double c, fwhm;
    };
    for (const Case bc : {Case{612.0, 0.01}, Case{550.0, 100.0}}) {
        INFO("band at " << bc.c << " nm, FWHM " << bc.fwhm << " nm");
        const double s = sigma_of(bc.fwhm);
        const std::vector<BandShape> bands = {{bc.c, bc.fwhm}};
        const auto nm = grid(bc.c - 12.0 * s, bc.c + 12.0 * s, s / 20.0);
        std::vector<double> P(nm.size());
        relsim::model::band_spectrum(bands, &F, nm, P.data());
        const double r2 = (s / bc.c) * (s / bc.c);
        const double mean_inv = (1.0 + r2 * (1.0 + r2 * (3.0 + r2 * (15.0 + r2 * 105.0)))) / bc.c;
        const double power = 1.0e4 * F * constants::photon_energy_J_nm * mean_inv;  // W m^-2
        // band_spectrum gives each grid point the band's flux in its bin times hc / lambda_i
        // (power-conserving for any width); taking 1/lambda at the bin centre instead of over
        // the bin costs (step / c)^2 / 12 = 1.2e-6 for the 100 nm band (step 2.1 nm).
        const double bin_term = (s / 20.0 / bc.c) * (s / 20.0 / bc.c) / 12.0;
        CHECK(rel_err(trapezoid(nm, P), power) < 1e-6 + 1.1 * bin_term);
        if (bc.fwhm < 1.0) {
            CHECK(rel_err(trapezoid(nm, P), 1.0e4 * F * photon_J(bc.c)) < 1e-9);
        } else {
            CHECK(rel_err(trapezoid(nm, P), 1.0e4 * F * photon_J(bc.c)) > 1e-3);  // 1/lambda skew
        }

        // Peak value at the centre: 1e4 F g(c) hc / c with g(c) = 1 / (s sqrt(2 pi)).
        const std::vector<double> centre = {bc.c};
        double peak = 0.0;
        relsim::model::band_spectrum(bands, &F, centre, &peak);
        const double want = 1.0e4 * F / (s * std::sqrt(2.0 * std::numbers::pi)) * photon_J(bc.c);
        CHECK(rel_err(peak, want) < 1e-13);
    }
}

TEST_CASE(
    "photometry: X Y Z equal trapezoid integrals of the interpolated CMFs times band_spectrum "
    "on a 0.01 nm grid",
    "[photometry][consistency]") {
    // The two code paths (precomputed weights; spectrum on a grid) must describe the same
    // emission. The grid contains every table node, so the piecewise-linear CMF's kinks fall on
    // grid points and the trapezoid error is the smooth one, h^2 / 12 * integral f'' ~
    // (1e-4 / 12) / s^2 relative: 7e-7 for the 8 nm line (s = 3.4 nm), less for the 60 nm band.
    // Hence 1e-5. The 60 nm band at 420 nm runs past 380 nm, where the CMFs are cut to zero:
    // the grid starts at 380 nm, so that cut is integrated exactly as well.
    const auto nm = grid(380.0, 780.0, 0.01);
    const double F = 1.0e15;
    struct Case {
        double c, fwhm;
    };
    for (const Case bc : {Case{544.0, 8.0}, Case{420.0, 60.0}}) {
        INFO("band at " << bc.c << " nm, FWHM " << bc.fwhm << " nm");
        const std::vector<BandShape> bands = {{bc.c, bc.fwhm}};
        std::vector<double> P(nm.size());
        relsim::model::band_spectrum(bands, &F, nm, P.data());
        std::vector<double> fx(nm.size()), fy(nm.size()), fz(nm.size());
        for (std::size_t i = 0; i < nm.size(); ++i) {
            fx[i] = interp(observer().xbar, nm[i]) * P[i];
            fy[i] = interp(observer().ybar, nm[i]) * P[i];
            fz[i] = interp(observer().zbar, nm[i]) * P[i];
        }
        const Colour col = Photometry(observer(), bands).evaluate(&F);
        CHECK(rel_err(col.Y, trapezoid(nm, fy)) < 1e-5);
        CHECK(rel_err(col.X, trapezoid(nm, fx)) < 1e-5);
        CHECK(rel_err(col.Z, trapezoid(nm, fz)) < 1e-5);
        CHECK(rel_err(col.luminance_cd_m2, 683.002 / std::numbers::pi * trapezoid(nm, fy)) < 1e-5);
    }
}

TEST_CASE("photometry: invalid bands and grid wavelengths are rejected", "[photometry][errors]") {
    // A zero or negative FWHM has no Gaussian; lambda <= 0 has no photon energy.
    CHECK_THROWS_AS(Photometry(observer(), {{550.0, 0.0}}), std::invalid_argument);
    CHECK_THROWS_AS(Photometry(observer(), {{-5.0, 10.0}}), std::invalid_argument);
    CHECK_THROWS_AS(Photometry(observer(), {{std::nan(""), 10.0}}), std::invalid_argument);
    CHECK_THROWS_AS(Photometry(CieObserver{}, {{550.0, 10.0}}), std::invalid_argument);
    const double f = 1.0;
    double out = 0.0;
    const std::vector<double> bad_grid = {0.0};
    CHECK_THROWS_AS(relsim::model::band_spectrum({{550.0, 10.0}}, &f, bad_grid, &out),
                    std::invalid_argument);
    const std::vector<double> ok_grid = {550.0};
    CHECK_THROWS_AS(relsim::model::band_spectrum({{550.0, -1.0}}, &f, ok_grid, &out),
                    std::invalid_argument);
}

TEST_CASE("photometry: a malformed CIE table throws InputError naming the file and line",
          "[photometry][cie][errors]") {
    struct Bad {
        const char* tag;
        std::string text;
        int line;
    };
    const std::string header = "nm,X,Y,Z\n";
    const std::vector<Bad> cases = {
        {"not_a_number", header + "380,0.1,0.2,0.3\n381,0.1,abc,0.3\n", 3},
        {"three_fields", header + "380,0.1,0.2,0.3\n381,0.1,0.2\n", 3},
        {"five_fields", header + "380,0.1,0.2,0.3,0.4\n", 2},
        {"trailing_junk", header + "380,0.1,0.2,0.3x\n", 2},
        {"empty_field", header + "380,0.1,,0.3\n", 2},
        {"non_uniform", header + "380,0,0,0\n381,0,0,0\n382,0,0,0\n384,0,0,0\n", 5},
        {"not_increasing", header + "380,0,0,0\n381,0,0,0\n381,0,0,0\n", 4},
        {"decreasing", header + "381,0,0,0\n380,0,0,0\n", 3},
        {"negative_cmf", header + "380,0,0,0\n381,0,-0.1,0\n", 3},
        {"not_finite", header + "380,0,0,0\n381,inf,0,0\n", 3},
        {"blank_inside", header + "380,0,0,0\n\n381,0,0,0\n", 3},
        {"bad_header", "wavelength,X,Y,Z\n380,0,0,0\n381,0,0,0\n", 1},
        {"no_header", "380,0,0,0\n381,0,0,0\n", 1},
        {"one_row", header + "380,0,0,0\n", 2},
    };
    for (const Bad& bad : cases) {
        INFO("case " << bad.tag);
        const std::string path = write_temp(bad.tag, bad.text);
        try {
            (void)relsim::model::load_cie_observer(path);
            FAIL("no InputError thrown");
        } catch (const relsim::InputError& e) {
            CHECK(e.file() == path);
            CHECK(e.line() == bad.line);
            CHECK_FALSE(e.problem().empty());
            CHECK(std::string(e.what()).find(path + ":" + std::to_string(bad.line)) !=
                  std::string::npos);
        }
        std::filesystem::remove(path);
    }

    SECTION("a missing file") {
        const std::string path =
            (std::filesystem::temp_directory_path() / "relsim_no_such_cie_table.csv").string();
        try {
            (void)relsim::model::load_cie_observer(path);
            FAIL("no InputError thrown");
        } catch (const relsim::InputError& e) {
            CHECK(e.file() == path);
            CHECK(std::string(e.what()).find(path) != std::string::npos);
        }
    }

    SECTION("CRLF line ends, blanks around fields and trailing blank lines are accepted") {
        const std::string path =
            write_temp("crlf", "nm, X ,Y,Z\r\n380, 0.5,0.25 ,0\r\n381,1e-3,2,3\r\n\r\n");
        const CieObserver obs = relsim::model::load_cie_observer(path);
        std::filesystem::remove(path);
        REQUIRE(obs.wavelength_nm == std::vector<double>{380.0, 381.0});
        CHECK(obs.xbar == std::vector<double>{0.5, 1e-3});
        CHECK(obs.ybar == std::vector<double>{0.25, 2.0});
        CHECK(obs.zbar == std::vector<double>{0.0, 3.0});
    }
}

TEST_CASE("photometry: a line narrower than the grid step keeps its power (down to 5e-324 nm)",
          "[photometry][spectrum][reliability]") {
    // Issue 14 item 5: fwhm_nm = 5e-324 gave NaN. Each grid value is the band's flux in the bin
    // of that point, so sum_i P_i (bin width) = 1e4 F hc / c for a line inside one bin, and the
    // colour of a delta line is that of the CMFs interpolated at c.
    const double F = 1.0e15;
    const auto nm = grid(500.0, 600.0, 0.5);
    for (const double fwhm :
         {5e-324, 1e-300, 1e-9, 1e-3, 0.01}) {  // 0.01 nm: 12 s from the bin edge
        INFO("FWHM " << fwhm << " nm");
        const std::vector<BandShape> bands = {{544.3, fwhm}};
        std::vector<double> P(nm.size());
        relsim::model::band_spectrum(bands, &F, nm, P.data());
        double power = 0.0;
        for (std::size_t i = 0; i < P.size(); ++i) {
            REQUIRE(std::isfinite(P[i]));
            power += P[i] * 0.5;  // every bin is 0.5 nm wide
        }
        // hc / lambda at the bin centre (544.5 nm) instead of the line's 544.3 nm: 4e-4.
        CHECK(rel_err(power, 1.0e4 * F * photon_J(544.5)) < 1e-12);
        const Photometry photo(observer(), bands);
        const Colour col = photo.evaluate(&F);
        REQUIRE(std::isfinite(col.cie_x));
        REQUIRE(std::isfinite(col.luminance_cd_m2));
        CHECK(col.luminance_cd_m2 > 0.0);
        const Photometry wide(observer(), {{544.3, 0.05}});
        const Colour ref = wide.evaluate(&F);
        CHECK(std::abs(col.cie_x - ref.cie_x) < 1e-5);
        CHECK(rel_err(col.luminance_cd_m2, ref.luminance_cd_m2) < 1e-5);
    }
}
