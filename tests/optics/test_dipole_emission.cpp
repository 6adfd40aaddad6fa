//! The dipole-emission solver against closed forms and conservation laws
//! (spec shared/spec/optics.md section 5).
#include <catch2/catch.hpp>

#include <cmath>
#include <numbers>

#include "relsim/optics/dipole_emission.hpp"

using namespace relsim::optics;

namespace {

StackAtWavelength stack(std::vector<Complex> n, std::vector<double> d, std::size_t emitter,
                        bool glass = false) {
    StackAtWavelength s;
    s.index = std::move(n);
    s.thickness_nm = std::move(d);
    s.emitter = emitter;
    s.incoherent_substrate = glass;
    return s;
}

}  // namespace

TEST_CASE("homogeneous stack: F = 1 for ED and MD, both orientations, to 1e-6", "[optics]") {
    for (double n : {1.0, 1.5, 1.8}) {
        // Emitting layer between two semi-infinite media of its own index, and a thin layer of
        // the same index above it (no interface anywhere).
        const auto s = stack({n, n, n, n}, {0.0, 50.0, 80.0, 0.0}, 1);
        for (double wl : {400.0, 615.0}) {
            SolveReport rep;
            const auto r = dipole_powers(s, wl, {1.0, 10.0, 25.0, 49.0}, {}, &rep);
            CHECK(rep.converged);
            for (const EmitterPowers& e : r) {
                for (const CasePowers& c : e.cases) {
                    CHECK(std::abs(c.purcell - 1.0) < 1e-6);
                    // Half the power goes up (into the loss-free top medium = air), half down.
                    CHECK(std::abs(c.air - 0.5) < 1e-6);
                    CHECK(std::abs(c.substrate - 0.5) < 1e-6);
                    CHECK(std::abs(c.waveguide) < 1e-6);
                    CHECK(std::abs(c.absorbed) < 1e-6);
                }
            }
        }
    }
}

TEST_CASE("perfect mirror: the closed forms of spec section 5 for all four dipole cases",
          "[optics]") {
    // A mirror of index n_m = 1e7 i (eps = -1e14) is perfect to ~1e-6 at these distances.
    const double n = 1.5, wl = 600.0;
    const auto s = stack({Complex(0.0, 1.0e7), n, n}, {0.0, 1000.0, 0.0}, 1);
    std::vector<double> z;
    for (double d = 10.0; d < 1000.0; d += 37.0) z.push_back(d);
    const auto r = dipole_powers(s, wl, z);
    double worst = 0.0;
    for (std::size_t i = 0; i < z.size(); ++i) {
        const double x = 4.0 * std::numbers::pi * n * z[i] / wl;
        const double a = std::sin(x) / (x * x * x) - std::cos(x) / (x * x);
        const double b = std::sin(x) / x + std::cos(x) / (x * x) - std::sin(x) / (x * x * x);
        const auto& c = r[i].cases;
        const double expected[4] = {1.0 + 3.0 * a, 1.0 - 1.5 * b, 1.0 - 3.0 * a, 1.0 + 1.5 * b};
        for (std::size_t k = 0; k < num_cases; ++k) {
            INFO("z = " << z[i] << " nm, case " << k);
            CHECK(c[k].purcell == Approx(expected[k]).epsilon(1e-3).margin(1e-4));
            worst = std::max(worst, std::abs(c[k].purcell - expected[k]));
        }
        // ED + MD isotropic = 2 above a perfect mirror.
        CHECK(r[i].purcell(false) + r[i].purcell(true) == Approx(2.0).epsilon(1e-4));
        // Nothing reaches the mirror side; the top half-space takes everything (air).
        CHECK(r[i].eta_air(false) == Approx(1.0).epsilon(1e-4));
    }
    WARN("largest |F - closed form| above the mirror: " << worst);
    CHECK(worst < 1e-4);
}

TEST_CASE("lossless stack conserves energy, including tunnelling into a denser substrate",
          "[optics]") {
    // Emitter n = 1.5 between a semi-infinite n = 1.8 bottom (evanescent waves with 1 < u < 1.2
    // tunnel into it) and n = 1.3 / air above; no guided mode exists (the bottom is densest).
    const auto s = stack({1.8, 1.5, 1.3, 1.0}, {0.0, 60.0, 80.0, 0.0}, 1);
    for (double wl : {450.0, 550.0, 700.0}) {
        const auto r = dipole_powers(s, wl, {5.0, 20.0, 40.0, 55.0});
        for (const EmitterPowers& e : r) {
            for (const CasePowers& c : e.cases) {
                // air + substrate computed from the transmitted Poynting flux, purcell from the
                // reflected field at the dipole: independent quantities.
                CHECK(c.air + c.substrate == Approx(c.purcell).epsilon(1e-7));
                CHECK(std::abs(c.absorbed) < 1e-7);
                CHECK(std::abs(c.waveguide) < 1e-12);
            }
        }
    }
}

TEST_CASE("thick glass substrate: escape into air matches the Fresnel escape-cone integral",
          "[optics]") {
    // Emitter inside index-matched glass (n_g everywhere: no coherent interface), glass/air below.
    // The isotropic dipole then sends 1/2 of its power down, unpolarised and uniform in solid
    // angle; air receives (1/2) int_0^theta_c (T_s + T_p)/2 sin(theta) d(theta) through the
    // glass/air interface; the reflected part travels back into the (loss-free) top medium.
    const double ng = 1.52;
    const auto s = stack({ng, ng, ng}, {0.0, 100.0, 0.0}, 1, true);
    const auto r = dipole_powers(s, 550.0, {50.0});
    const CasePowers iso = r[0].isotropic(false);
    const double theta_c = std::asin(1.0 / ng);
    const int n = 20000;
    double integral = 0.0;
    for (int i = 0; i < n; ++i) {  // midpoint rule on a smooth integrand
        const double th = (i + 0.5) * theta_c / n;
        const double ci = std::cos(th), st = ng * std::sin(th), ct = std::sqrt(1.0 - st * st);
        const double rs = (ng * ci - ct) / (ng * ci + ct), rp = (ci - ng * ct) / (ci + ng * ct);
        integral += 0.5 * ((1.0 - rs * rs) + (1.0 - rp * rp)) * std::sin(th) * theta_c / n;
    }
    const double escape = 0.5 * integral;
    CHECK(iso.purcell == Approx(1.0).epsilon(1e-6));
    // air = escape through the glass + the upward half (top medium loss-free).
    CHECK(iso.air - 0.5 == Approx(escape).epsilon(1e-5));
    CHECK(iso.substrate == Approx(0.5 - escape).epsilon(1e-5));
    WARN("escape cone: solver " << iso.air - 0.5 << ", Fresnel integral " << escape);
}

TEST_CASE("absorbing stacks: channels sum to 1, every channel >= 0, lossy poles converge",
          "[optics]") {
    // glass / ITO-like / organic (emitter) / organic / Al-like (semi-infinite), and a silver
    // mirror.
    const auto oled = stack({1.52, Complex(1.82, 0.01), 1.7, 1.7, Complex(1.2, 7.26)},
                            {0.0, 100.0, 30.0, 60.0, 0.0}, 2, true);
    const auto ag = stack({Complex(0.14, 3.98), 1.5, 1.0}, {0.0, 300.0, 0.0}, 1);
    for (const auto* s : {&oled, &ag}) {
        SolveReport rep;
        const auto r = dipole_powers(*s, 615.0, {3.0, 15.0, 27.0}, {}, &rep);
        CHECK(rep.converged);
        for (const EmitterPowers& e : r) {
            for (bool md : {false, true}) {
                const CasePowers c = e.isotropic(md);
                const double sum = (c.air + c.substrate + c.waveguide + c.absorbed) / c.purcell;
                CHECK(sum == Approx(1.0).epsilon(1e-12));
                CHECK(c.air >= 0.0);
                CHECK(c.substrate >= 0.0);
                CHECK(c.waveguide >= -1e-9);
                CHECK(c.absorbed >= -1e-9);
                CHECK(e.eta_air(md) > 0.0);
                CHECK(e.eta_air(md) < 1.0);
            }
        }
    }
}

TEST_CASE("accuracy: the default factors agree with a much tighter integration to 1e-6 relative",
          "[optics]") {
    // Measures the real error of the default tolerance (docs/optics.md quotes these numbers) on
    // an OLED-like stack with guided modes and a plasmon, and Ag at 3..300 nm from the emitter.
    const auto oled = stack({1.52, Complex(1.82, 0.01), 1.7, 1.7, Complex(1.2, 7.26)},
                            {0.0, 100.0, 30.0, 60.0, 0.0}, 2, true);
    const auto ag = stack({Complex(0.14, 3.98), 1.5, 1.5, 1.0}, {0.0, 2.0, 300.0, 0.0}, 2);
    Accuracy tight;
    tight.rel_tol = 1e-11;
    tight.max_intervals = 400000;
    tight.initial_splits = 16;
    double worst = 0.0;
    for (const auto& [s, z] : {std::pair{oled, std::vector<double>{3.0, 15.0, 27.0}},
                               std::pair{ag, std::vector<double>{1.0, 10.0, 50.0, 298.0}}}) {
        for (double wl : {420.0, 615.0}) {
            const auto r = dipole_powers(s, wl, z);
            const auto t = dipole_powers(s, wl, z, tight);
            for (std::size_t i = 0; i < z.size(); ++i) {
                for (bool md : {false, true}) {
                    const CasePowers a = r[i].isotropic(md), b = t[i].isotropic(md);
                    worst = std::max(worst, std::abs(a.purcell / b.purcell - 1.0));
                    worst = std::max(worst, std::abs(r[i].eta_air(md) / t[i].eta_air(md) - 1.0));
                    for (double CasePowers::*m :
                         {&CasePowers::substrate, &CasePowers::waveguide, &CasePowers::absorbed}) {
                        worst = std::max(worst, std::abs(a.*m - b.*m) / b.purcell);
                    }
                }
            }
        }
    }
    WARN(
        "largest relative deviation of F, eta_air, channels at the default rel_tol from rel_tol "
        "1e-11: "
        << worst);
    CHECK(worst < 1e-6);
}
