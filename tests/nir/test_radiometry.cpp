//! @file test_radiometry.cpp
//! Radiometry of Gaussian bands against closed forms (model/radiometry.hpp).
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "relsim/core/constants.hpp"
#include "relsim/model/radiometry.hpp"

namespace rm = relsim::model;

namespace {
const double kSigmaPerFwhm = 1.0 / (2.0 * std::sqrt(2.0 * std::log(2.0)));
}

TEST_CASE("Radiometry: one band against its closed forms (flux, exitance, peak, centroid, windows)",
          "[nir][radiometry]") {
    const double c = 1056.0, fwhm = 15.0, F = 3.0e14;  // F in cm^-2 s^-1
    const double s = fwhm * kSigmaPerFwhm;
    const rm::RadiometryWeights w({{c, fwhm}}, {{"in", 1000.0, 1533.0}, {"left", 0.0 + 1.0, c}});
    const rm::Radiometry r = w.evaluate(&F);
    CHECK(r.photon_flux_m2_s == Approx(1e4 * F).epsilon(1e-15));
    // integral g / lambda = (1/c)(1 + s^2/c^2 + 3 s^4/c^4 + 15 s^6/c^6 + ...) (moments of the
    // normal)
    const double e = s / c;
    const double inv_lambda = (1.0 + e * e + 3 * std::pow(e, 4) + 15 * std::pow(e, 6)) / c;
    const double hc = relsim::constants::photon_energy_J_nm;
    CHECK(r.radiant_exitance_W_m2 == Approx(1e4 * F * hc * inv_lambda).epsilon(1e-12));
    CHECK(r.radiance_W_sr_m2 == Approx(r.radiant_exitance_W_m2 / std::numbers::pi).epsilon(1e-15));
    // peak of exp(-(l-c)^2/2s^2)/l: l^2 - c l + s^2 = 0
    CHECK(r.peak_wavelength_nm == Approx(0.5 * (c + std::sqrt(c * c - 4 * s * s))).epsilon(1e-9));
    CHECK(r.centroid_wavelength_nm == Approx(1.0 / inv_lambda).epsilon(1e-12));
    CHECK(r.window_photon_fraction[0] == Approx(1.0).epsilon(1e-12));
    CHECK(r.window_photon_fraction[1] == Approx(0.5).epsilon(1e-12));  // half of a Gaussian
    CHECK(r.visible_power_fraction == Approx(0.0).margin(1e-15));
    CHECK_FALSE(r.photometry_meaningful);
}

TEST_CASE(
    "Radiometry: window fractions are normal-CDF differences, photometry flag at 50 % visible",
    "[nir][radiometry]") {
    const double c = 780.0, fwhm = 40.0;  // a band centred on the visible / NIR border
    const double F = 1.0;
    const rm::RadiometryWeights w({{c, fwhm}}, rm::default_named_bands());
    const rm::Radiometry r = w.evaluate(&F);
    CHECK(r.window_photon_fraction[0] == Approx(0.5).epsilon(1e-12));  // visible 380-780
    CHECK(r.window_photon_fraction[1] == Approx(0.5).epsilon(1e-12));  // nir 780-2500
    // power: the blue half carries more energy per photon, so just above 50 % is visible
    CHECK(r.visible_power_fraction > 0.5);
    CHECK(r.visible_power_fraction < 0.52);
    CHECK(r.photometry_meaningful);
    const double z = 20.0 / (fwhm * kSigmaPerFwhm);  // a window 760-800 nm
    const rm::RadiometryWeights w2({{c, fwhm}}, {{"mid", 760.0, 800.0}});
    CHECK(w2.evaluate(&F).window_photon_fraction[0] ==
          Approx(std::erf(z / std::sqrt(2.0))).epsilon(1e-12));
}

TEST_CASE("Radiometry: two bands add linearly, the peak is the taller band's",
          "[nir][radiometry]") {
    const double flux[2] = {1.0e14, 3.0e14};
    const rm::RadiometryWeights both({{866.0, 10.0}, {1056.0, 15.0}}, {});
    const rm::RadiometryWeights one({{866.0, 10.0}}, {}), two({{1056.0, 15.0}}, {});
    const rm::Radiometry r = both.evaluate(flux);
    CHECK(r.radiant_exitance_W_m2 == Approx(one.evaluate(&flux[0]).radiant_exitance_W_m2 +
                                            two.evaluate(&flux[1]).radiant_exitance_W_m2)
                                         .epsilon(1e-14));
    // peak heights ~ F / (s lambda): 1e14 / (4.25 x 866) < 3e14 / (6.37 x 1056)
    CHECK(r.peak_wavelength_nm == Approx(two.evaluate(&flux[1]).peak_wavelength_nm).epsilon(1e-9));
    const double none[2] = {0.0, 0.0};
    const rm::Radiometry z = both.evaluate(none);
    CHECK(z.radiant_exitance_W_m2 == 0.0);
    CHECK(z.peak_wavelength_nm == 0.0);
    CHECK_FALSE(z.photometry_meaningful);
}
