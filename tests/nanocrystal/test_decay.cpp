//! @file test_decay.cpp
//! Direct-excitation decays (spec section 7): the exact lattice average of donor decay with
//! random acceptors (multipolar s = 6 and exchange), the Inokuti-Hirayama limit, kmc = linear,
//! and the fast-migration limit against the mean-field bimolecular rate. Fixed seeds; each
//! tolerance is stated where it is used.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>

#include "nc_builders.hpp"
#include "relsim/nanocrystal/engine.hpp"

using namespace relsim;
using namespace relsim::nanocrystal;

namespace {

constexpr double tau_s = 1.0e-3;  // donor lifetime without acceptors

//! Periodic simple cubic box of n^3 sites: donor D (one level, 1/tau), acceptor A (one level,
//! fast nonradiative decay), transfer D -> A by `law`.
void donor_acceptor_box(NanocrystalSpec& s, model::ModelParams& p, int n, double a_nm, double xD,
                        double c, const PairLaw& law) {
    p = test::base_params();
    p.dopants = {test::one_level_ion("D", 20000.0, 1.0 / tau_s),
                 test::one_level_ion("A", 17000.0, 0.0, 1.0e6)};
    s = NanocrystalSpec{};
    s.lattice = Lattice::simple_cubic;
    s.a_nm = a_nm;
    s.shape = Shape::periodic_box;
    s.cells = {n, n, n};
    s.composition = {xD, c};
    TransferSpec t;
    t.donor = {0, 0};
    t.donor_to = {0, -1};
    t.acceptor = {1, 0};
    t.law = law;
    s.transfers = {t};
    ExcitationSpec ex;
    ex.target = {0, 0};
    ex.decay_until_s = 3.0 * tau_s;
    ex.points = 13;  // t = k tau / 4
    s.excitation = ex;
}

//! Exact configurational average for one donor: exp(-t/tau) prod_j [1 - c + c exp(-W(r_j) t)]
//! over every other site of the periodic n^3 box (minimum-image distances).
double lattice_average(int n, double a_nm, double c, const PairLaw& law, double t) {
    double logP = -t / tau_s;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            for (int k = 0; k < n; ++k) {
                if (i == 0 && j == 0 && k == 0) continue;
                const double dx = std::min(i, n - i), dy = std::min(j, n - j),
                             dz = std::min(k, n - k);
                const double r = a_nm * std::sqrt(dx * dx + dy * dy + dz * dz);
                logP += std::log(1.0 - c + c * std::exp(-pair_rate_s(law, r) * t));
            }
    return std::exp(logP);
}

//! Largest |z| of the simulated donor decay against the exact lattice average over t > 0.
double max_z_against_lattice(const DecayResult& d, int n, double a_nm, double c,
                             const PairLaw& law) {
    double worst = 0.0;
    for (std::size_t k = 1; k < d.time_s.size(); ++k) {
        const double exact = lattice_average(n, a_nm, c, law, d.time_s[k]);
        // Where P < 1e-3 the average is carried by rare acceptor-free neighbourhoods (a heavy
        // tail 40 NCs do not sample, so the sample standard error is not a valid scale).
        if (exact < 1.0e-3) continue;
        const double z = (d.population[0][0][k] - exact) / d.population_stderr[0][0][k];
        std::printf("  t/tau = %5.2f  P = %.5f +- %.5f  exact %.5f  z = %+.2f\n",
                    d.time_s[k] / tau_s, d.population[0][0][k], d.population_stderr[0][0][k], exact,
                    z);
        worst = std::max(worst, std::abs(z));
    }
    return worst;
}

}  // namespace

TEST_CASE("donor decay with random acceptors equals the exact lattice average (s = 6)",
          "[nanocrystal][decay]") {
    const int n = 10;
    const double a = 0.4, c = 0.1;
    // R0 = 0.6 nm: W = (1/tau) (R0/r)^6 = 11 / tau at the nearest neighbour, P(tau) ~ 0.2.
    const PairLaw law = test::multipolar(std::pow(0.6, 6) / tau_s);
    NanocrystalSpec s;
    model::ModelParams p;
    donor_acceptor_box(s, p, n, a, 0.03, c, law);
    s.count = 40;
    EnsembleOptions o;
    o.negligible_rate_fraction = 0.0;  // every pair, as the exact average has
    const DecayResult d = solve_decay_linear(s, p, o);
    REQUIRE(d.population[0][0][0] == Approx(1.0).epsilon(1e-12));
    std::printf("exact lattice average, s = 6, c = %.2f, %zu NCs:\n", c, d.nc_count);
    // 12 correlated time points, each z ~ N(0, 1) under the hypothesis: |z| < 4 everywhere
    // fails by chance with probability < 1e-3.
    CHECK(max_z_against_lattice(d, n, a, c, law) < 4.0);
}

TEST_CASE("donor decay with random acceptors equals the exact lattice average (exchange)",
          "[nanocrystal][decay]") {
    const int n = 10;
    const double a = 0.4, c = 0.1;
    const PairLaw law = test::exchange(5.0e3, 0.4, 0.2);  // 5 / tau at the nearest neighbour
    NanocrystalSpec s;
    model::ModelParams p;
    donor_acceptor_box(s, p, n, a, 0.03, c, law);
    s.count = 40;
    EnsembleOptions o;
    o.negligible_rate_fraction = 0.0;
    const DecayResult d = solve_decay_linear(s, p, o);
    std::printf("exact lattice average, exchange, c = %.2f, %zu NCs:\n", c, d.nc_count);
    CHECK(max_z_against_lattice(d, n, a, c, law) < 4.0);  // as for s = 6
}

TEST_CASE("low acceptor concentration: the decay tends to Inokuti-Hirayama",
          "[nanocrystal][decay]") {
    // Inokuti & Hirayama, J. Chem. Phys. 43, 1978 (1965), eq. (23) for dipole-dipole (s = 6):
    // P(t) = exp(-t/tau - Gamma(1 - 3/s) (n_A / n_0) (t/tau)^(3/s)), n_0 = 3 / (4 pi R0^3).
    const double a = 0.4, R0 = 1.0;
    const PairLaw law = test::multipolar(std::pow(R0, 6) / tau_s);
    auto ih = [&](double c, double t) {
        const double nA = c / (a * a * a);
        const double ratio = nA * 4.0 * M_PI * R0 * R0 * R0 / 3.0;
        return std::exp(-t / tau_s - std::tgamma(0.5) * ratio * std::sqrt(t / tau_s));
    };
    // The exact lattice average approaches IH as c -> 0 (the lattice's exclusion of r < a and
    // the finite box matter less and less): relative gap at t = tau.
    const int n = 16;
    const double gap_hi = std::abs(lattice_average(n, a, 0.10, law, tau_s) / ih(0.10, tau_s) - 1.0);
    const double gap_lo = std::abs(lattice_average(n, a, 0.01, law, tau_s) / ih(0.01, tau_s) - 1.0);
    // What is left at c = 0.01 is the finite box: IH integrates W over all space, the box only to
    // its half-width R_b = 3.2 nm; the missing exponent is 4 pi n_A R0^6 t / (3 tau R_b^3).
    const double Rb = 0.5 * n * a;
    const double box_gap =
        4.0 * M_PI * (0.01 / (a * a * a)) * std::pow(R0, 6) / (3.0 * Rb * Rb * Rb);
    std::printf(
        "IH: relative gap of the lattice average at t = tau: c = 0.10: %.4f, c = 0.01: %.4f "
        "(finite-box estimate %.4f)\n",
        gap_hi, gap_lo, box_gap);
    CHECK(gap_lo < 0.25 * gap_hi);  // the gap shrinks at least in proportion to c
    CHECK(gap_lo < 1.2 * box_gap);
    // The simulation at c = 0.01 against IH: within its statistical error plus that (computed)
    // lattice gap, at every time.
    NanocrystalSpec s;
    model::ModelParams p;
    donor_acceptor_box(s, p, n, a, 0.005, 0.01, law);
    s.count = 30;
    EnsembleOptions o;
    o.negligible_rate_fraction = 0.0;
    const DecayResult d = solve_decay_linear(s, p, o);
    for (std::size_t k = 1; k < d.time_s.size(); ++k) {
        const double t = d.time_s[k];
        const double expected = ih(0.01, t);
        const double gap = std::abs(lattice_average(n, a, 0.01, law, t) - expected);
        const double z = (d.population[0][0][k] - expected) / (d.population_stderr[0][0][k]);
        std::printf("  t/tau = %5.2f  P = %.5f +- %.5f  IH %.5f  lattice gap %.5f  z(IH) = %+.2f\n",
                    t / tau_s, d.population[0][0][k], d.population_stderr[0][0][k], expected, gap,
                    z);
        CHECK(std::abs(d.population[0][0][k] - expected) <
              4.0 * d.population_stderr[0][0][k] + gap);
    }
}

TEST_CASE("kmc decay equals the linear decay at low excitation", "[nanocrystal][decay]") {
    const PairLaw law = test::multipolar(std::pow(0.6, 6) / tau_s);
    NanocrystalSpec s;
    model::ModelParams p;
    donor_acceptor_box(s, p, 8, 0.4, 0.05, 0.1, law);
    s.count = 300;
    s.excitation->fraction = 1.0e-3;  // one excited donor per NC
    EnsembleOptions o;
    const DecayResult lin = solve_decay_linear(s, p, o);
    const DecayResult kmc = solve_decay_kmc(s, p, o);
    REQUIRE(kmc.population[0][0][0] == Approx(1.0));
    // Same NCs (same geometry streams) in both; the kmc standard error (trajectory noise plus
    // NC disorder) bounds the spread of the difference, |z| < 4 at each of 12 times.
    double worst = 0.0;
    for (std::size_t k = 1; k < lin.time_s.size(); ++k) {
        if (lin.population[0][0][k] < 0.02) continue;  // a handful of survivors: not Gaussian
        const double z =
            (kmc.population[0][0][k] - lin.population[0][0][k]) / kmc.population_stderr[0][0][k];
        worst = std::max(worst, std::abs(z));
    }
    // Photon rate: kmc bins are time averages over +-h/2 of each point, the linear values
    // instantaneous; at t = tau the curvature term (h^2/24) P''/P = (tau/4)^2 k^2 / 24 < 1 %.
    const std::size_t mid = 4;
    const double zp = (kmc.photon_rate_s[mid] - lin.photon_rate_s[mid]) /
                      std::hypot(kmc.photon_rate_stderr_s[mid], 0.01 * lin.photon_rate_s[mid]);
    std::printf(
        "kmc vs linear decay: max |z| = %.2f (times with P > 0.02); photon rate at t = tau: z = "
        "%+.2f\n",
        worst, zp);
    CHECK(worst < 4.0);
    CHECK(std::abs(zp) < 4.0);
}

TEST_CASE("fast migration: the decay follows the mean-field bimolecular transfer rate",
          "[nanocrystal][decay]") {
    // Periodic 6^3 box, donors on 95 % of the sites, nearest-neighbour migration at 1e9 s^-1: the
    // excitation samples every donor of its NC, so P_NC(t) = exp(-(1/tau + kbar_NC) t) with kbar_NC
    // the donor-averaged sum of W over the NC's acceptors; its ensemble mean is the mean-field
    // bimolecular rate k_tr = c sum_j W(r_j) (k_cm3_s N_A of kinetic-model.md section 3).
    const int n = 6;
    const double a = 0.4, c = 0.05;
    const PairLaw law = test::multipolar(10.0);  // R0 = 0.46 nm: kbar ~ 1/tau
    NanocrystalSpec s;
    model::ModelParams p;
    donor_acceptor_box(s, p, n, a, 1.0 - c, c, law);
    TransferSpec mig;
    mig.donor = {0, 0};
    mig.donor_to = {0, -1};
    mig.acceptor = {0, 0};
    mig.law = test::exchange(1.0e9, a, 0.1);
    mig.law.cutoff_nm = 1.01 * a;  // nearest neighbours only
    s.transfers.push_back(mig);
    s.count = 30;
    EnsembleOptions o;
    o.negligible_rate_fraction = 0.0;
    const DecayResult d = solve_decay_linear(s, p, o);
    // kbar per NC from the geometry, independently of the engine's tables.
    std::vector<double> kbar, nD;
    for (int nc = 0; nc < s.count; ++nc) {
        const Geometry g = build_geometry(s, static_cast<std::size_t>(nc));
        double sum = 0.0, donors = 0.0;
        for (const Ion& i : g.ions) {
            if (i.species != 0) continue;
            donors += 1.0;
            const double pi[3] = {i.x_nm, i.y_nm, i.z_nm};
            for (const Ion& j : g.ions) {
                if (j.species != 1) continue;
                const double pj[3] = {j.x_nm, j.y_nm, j.z_nm};
                sum += pair_rate_s(law, distance_nm(g, pi, pj));
            }
        }
        kbar.push_back(sum / donors);
        nD.push_back(donors);
    }
    // Spectral gap of the hopping ~ W0 * 2 (1 - cos(2 pi / 6)) = 1e9 s^-1, so the
    // non-uniformity of the excitation changes the decay rate by ~kbar^2 / gap ~ 1e-5 relative;
    // 1e-4 relative leaves a margin for the dense exponential's round-off.
    double worst = 0.0;
    for (std::size_t k = 1; k < d.time_s.size(); ++k) {
        double num = 0.0, den = 0.0;
        for (std::size_t q = 0; q < kbar.size(); ++q) {
            num += nD[q] * std::exp(-(1.0 / tau_s + kbar[q]) * d.time_s[k]);
            den += nD[q];
        }
        worst = std::max(worst, std::abs(d.population[0][0][k] / (num / den) - 1.0));
    }
    // Mean-field rate from the lattice sum, against the ensemble of kbar (z-score).
    double lattice_sum = 0.0;
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j)
            for (int k = 0; k < n; ++k) {
                if (i == 0 && j == 0 && k == 0) continue;
                const double dx = std::min(i, n - i), dy = std::min(j, n - j),
                             dz = std::min(k, n - k);
                lattice_sum += pair_rate_s(law, a * std::sqrt(dx * dx + dy * dy + dz * dz));
            }
    const double k_mf = c * lattice_sum;
    double mean = 0.0, var = 0.0;
    for (double v : kbar) mean += v / double(kbar.size());
    for (double v : kbar) var += (v - mean) * (v - mean) / double(kbar.size() - 1);
    const double z = (mean - k_mf) / std::sqrt(var / double(kbar.size()));
    // Effective rate of the simulated ensemble decay at t = tau against the mean field:
    // -ln P / t - 1/tau (the NC spread of kbar makes the ensemble decay slightly
    // non-exponential; its effect, var(kbar) t / 2, is below 1 % here).
    const std::size_t k4 = 4;  // t = tau
    const double k_eff = -std::log(d.population[0][0][k4]) / d.time_s[k4] - 1.0 / tau_s;
    std::printf(
        "fast migration: max relative deviation from exp(-(1/tau + kbar) t) %.2e; "
        "k_eff %.1f s^-1, mean-field k_tr %.1f s^-1, ensemble kbar %.1f +- %.1f (z = %+.2f)\n",
        worst, k_eff, k_mf, mean, std::sqrt(var / double(kbar.size())), z);
    CHECK(worst < 1.0e-4);
    CHECK(std::abs(z) < 4.0);
    CHECK(k_eff == Approx(k_mf).epsilon(4.0 * std::sqrt(var / double(kbar.size())) / k_mf + 0.01));
}

TEST_CASE("kmc annihilation of two excited ions follows the exact pair kinetics",
          "[nanocrystal][decay]") {
    // Two ions at distance a (a 1 x 1 x 2 periodic box), both excited at t = 0. Each decays at
    // k0; each ordered pair (i first, j second) annihilates at W, i to the ground, j staying
    // excited, so the doubly excited state leaves at 2 k0 + 2 W. Expected excited number:
    // n(t) = 2 p2 + p1, p2 = e^{-(2k0 + 2W) t}, p1 = (2k0 + 2W) / (k0 + 2W) (e^{-k0 t} - p2).
    model::ModelParams p = test::base_params();
    p.dopants = {test::one_level_ion("D", 20000.0, 1.0 / tau_s)};
    NanocrystalSpec s;
    s.lattice = Lattice::simple_cubic;
    s.a_nm = 0.4;
    s.shape = Shape::periodic_box;
    s.cells = {1, 1, 2};
    s.composition = {1.0};
    AnnihilationSpec an;
    an.first = {0, 0};
    an.second = {0, 0};
    an.first_to = {0, -1};
    an.second_to = {0, 0};
    an.law = test::multipolar(2.0e3 * std::pow(0.4, 6));  // W = 2e3 s^-1 at r = a
    s.annihilations = {an};
    ExcitationSpec ex;
    ex.target = {0, 0};
    ex.fraction = 1.0;
    ex.decay_until_s = 2.0 * tau_s;
    ex.points = 9;
    s.excitation = ex;
    s.count = 4000;
    s.engine = Engine::kmc;
    const DecayResult d = solve_decay(s, p);
    const double k0 = 1.0 / tau_s, W = 2.0e3;
    double worst = 0.0;
    for (std::size_t k = 1; k < d.time_s.size(); ++k) {
        const double t = d.time_s[k];
        const double p2 = std::exp(-(2 * k0 + 2 * W) * t);
        const double p1 = (2 * k0 + 2 * W) / (k0 + 2 * W) * (std::exp(-k0 * t) - p2);
        const double expected = (2 * p2 + p1) / 2.0;  // normalised to 2 at t = 0
        const double z = (d.population[0][0][k] - expected) / d.population_stderr[0][0][k];
        worst = std::max(worst, std::abs(z));
    }
    std::printf("kmc annihilation pair: max |z| = %.2f over 8 times, 4000 pairs\n", worst);
    CHECK(worst < 4.0);  // 8 correlated times, each z ~ N(0, 1)
}
