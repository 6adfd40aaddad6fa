//! The per-point shortcuts of a sweep (issue 22) change no bit of the output:
//!  - model::SpectrumBasis (fixed line shapes, masses per bin computed once) against
//!    model::band_spectrum (two erfc per band and bin at every point);
//!  - RadiometryWeights::spectral_exitance with per-band constants and zero-flux bands skipped
//!    against the expression it evaluated before;
//!  - RadiometryWeights::evaluate into a reused struct against a fresh one.
//! All comparisons are bitwise (memcmp): the shortcuts perform the same floating-point
//! operations in the same order.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <numbers>
#include <random>
#include <vector>

#include "relsim/core/constants.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/model/radiometry.hpp"

using namespace relsim::model;

namespace {

//! The Tb device's bands (ligand singlet, triplet, 5D4 and 5D3 lines) and a very narrow one.
std::vector<BandShape> tb_bands() {
    return {{420, 60}, {470, 70}, {489, 8}, {544, 8}, {586, 8}, {621, 8}, {650, 8},
            {668, 8},  {680, 8},  {380, 6}, {415, 6}, {437, 6}, {458, 6}, {545.3, 0.01}};
}

bool same(const std::vector<double>& a, const std::vector<double>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

//! The exitance expression of radiometry.cpp before the per-band constants (git 2cdb523).
double old_exitance(const std::vector<BandShape>& bands, const double* flux, double l) {
    const double to_sigma = 1.0 / (2.0 * std::sqrt(2.0 * std::numbers::ln2));
    double sum = 0.0;
    for (std::size_t b = 0; b < bands.size(); ++b) {
        const double s = std::max(bands[b].fwhm_nm * to_sigma, 1.0e-6);
        const double u = l - bands[b].centre_nm;
        if (std::abs(u) > 40.0 * s) continue;
        sum += flux[b] * std::exp(-u * u / (2.0 * s * s)) / (s * std::sqrt(2.0 * std::numbers::pi));
    }
    return 1.0e4 * sum * relsim::constants::photon_energy_J_nm / l;
}

}  // namespace

TEST_CASE("A spectrum from the precomputed basis equals band_spectrum bit for bit",
          "[sweep][point]") {
    const auto bands = tb_bands();
    std::mt19937_64 rng(20261205);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    std::vector<std::vector<double>> grids;
    std::vector<double> g;
    for (int i = 0; i <= 900; ++i) g.push_back(350.0 + 0.5 * i);  // the 0.5 nm grid
    grids.push_back(g);
    g.clear();
    for (int i = 0; i < 300; ++i) g.push_back(300.0 + 2.0 * i + 0.7 * u(rng));  // non-uniform
    grids.push_back(g);
    grids.push_back({540.0, 541.0});  // two points
    grids.push_back({544.0});         // one point: the line shape itself
    for (const auto& grid : grids) {
        const SpectrumBasis basis(bands, grid);
        for (int trial = 0; trial < 20; ++trial) {
            std::vector<double> flux(bands.size());
            for (double& f : flux) f = u(rng) < 0.3 ? 0.0 : std::pow(10.0, 10.0 + 8.0 * u(rng));
            std::vector<double> a(grid.size()), b(grid.size());
            band_spectrum(bands, flux.data(), grid, a.data());
            basis.evaluate(flux.data(), b.data());
            INFO("grid of " << grid.size() << ", trial " << trial);
            CHECK(same(a, b));
            double power = 0.0;
            for (double v : b) power += v;
            CHECK(std::isfinite(power));
        }
    }
}

TEST_CASE("Radiometry with per-band constants and reused storage changes no bit",
          "[sweep][point]") {
    const auto bands = tb_bands();
    const RadiometryWeights w(bands, default_named_bands());
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Radiometry reused;
    for (int trial = 0; trial < 50; ++trial) {
        std::vector<double> flux(bands.size());
        for (double& f : flux) f = u(rng) < 0.3 ? 0.0 : std::pow(10.0, 10.0 + 8.0 * u(rng));
        if (trial == 10)
            std::fill(flux.begin(), flux.end(), 0.0);  // no emission, then emission again
        for (int k = 0; k < 20; ++k) {
            const double l = 300.0 + 500.0 * u(rng);
            const double a = old_exitance(bands, flux.data(), l),
                         b = w.spectral_exitance(flux.data(), l);
            CHECK(std::memcmp(&a, &b, sizeof a) == 0);
        }
        const Radiometry fresh = w.evaluate(flux.data());
        w.evaluate(flux.data(), reused);
        CHECK(std::memcmp(&fresh.peak_wavelength_nm, &reused.peak_wavelength_nm, sizeof(double)) ==
              0);
        CHECK(std::memcmp(&fresh.centroid_wavelength_nm, &reused.centroid_wavelength_nm,
                          sizeof(double)) == 0);
        CHECK(fresh.radiant_exitance_W_m2 == reused.radiant_exitance_W_m2);
        CHECK(fresh.visible_power_fraction == reused.visible_power_fraction);
        CHECK(fresh.photometry_meaningful == reused.photometry_meaningful);
        CHECK(same(fresh.window_photon_fraction, reused.window_photon_fraction));
        if (trial == 10) CHECK(reused.peak_wavelength_nm == 0.0);
    }
}
