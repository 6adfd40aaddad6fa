// Physics of the drift-diffusion solver (spec transport.md section 5).
#include "relsim/transport/drift_diffusion.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

using namespace relsim::transport;

namespace {
constexpr double kEps0 = 8.8541878128e-12;  // F/m, CODATA 2018

Layer layer(const char* name, double d, double homo, double lumo, double mun, double mup) {
    Layer l;
    l.name = name;
    l.thickness_nm = d;
    l.eps_r = 3.0;
    l.homo_eV = homo;
    l.lumo_eV = lumo;
    l.mu_n_cm2_Vs = mun;
    l.mu_p_cm2_Vs = mup;
    l.N0_cm3 = 1e21;
    return l;
}

// HTL / EML / ETL with 0.2 eV majority steps (TAPC/TCTA/TPBi-like levels).
StackSpec three_layer(int cells = 160) {
    StackSpec s;
    s.layers = {layer("HTL", 40, -5.3, -2.0, 1e-6, 1e-4), layer("EML", 20, -5.5, -2.5, 1e-5, 1e-5),
                layer("ETL", 40, -6.2, -2.7, 1e-4, 1e-6)};
    s.anode_work_function_eV = 5.2;
    s.cathode_work_function_eV = 2.9;
    s.emissive_layer = "EML";
    s.cells_per_layer = cells;
    return s;
}
}  // namespace

TEST_CASE("zero bias: zero current and flat quasi-Fermi levels", "[transport]") {
    Stack st(three_layer());
    Solver sv(st);
    const Solution s = sv.solve_voltage(0.0);
    REQUIRE(s.converged);
    // The contact-cell fluxes at zero bias are ~1e7 A/m^2 each way (p(0) ~ 1e19 cm^-3 in a
    // 0.008 nm cell); their difference is rounding: |J| < 1e-12 of that, and far below J(1 V).
    const double J0 = s.current_density_A_m2;
    CHECK(std::abs(J0) < 1e-5);
    Solver sv1(st);
    CHECK(std::abs(J0) < 1e-6 * sv1.solve_voltage(2.5).current_density_A_m2);
    for (std::size_t i = 0; i < s.profiles.Efn_eV.size(); ++i) {
        CHECK(std::abs(s.profiles.Efn_eV[i]) < 1e-9);
        CHECK(std::abs(s.profiles.Efp_eV[i]) < 1e-9);
        CHECK(std::abs(s.profiles.R_cm3_s[i]) < 1e-6 * 1.0);  // intrinsic term cancels exactly
    }
}

TEST_CASE("forward bias: current conserved, recombination = J_n(L) - J_n(0), balance <= 1",
          "[transport]") {
    Stack st(three_layer());
    Solver sv(st);
    for (double V : {3.0, 6.0, 10.0}) {
        const Solution s = sv.solve_voltage(V);
        REQUIRE(s.current_density_A_m2 > 0);
        CHECK(s.continuity_error < 1e-6);
        const double J = s.current_density_A_m2;
        // total recombination + electron leakage into the anode + hole leakage into the cathode = J
        // (J_n(L) = J - J_p(L)): a telescoping identity of the discrete scheme, exact up to the
        // variation of J(x) between the contact cells (continuity_error, spec bound 1e-6)
        CHECK(std::abs(s.recombination_A_m2 + s.leakage_electron_A_m2 + s.leakage_hole_A_m2 - J) <
              1e-6 * J);
        CHECK(s.charge_balance <= 1.0 + 1e-9);  // rounding of the difference J - leakage
        CHECK(s.charge_balance > 0.5);
        CHECK(s.eml_recombination_fraction >= 0.0);
        CHECK(s.eml_recombination_fraction <= 1.0);
        double slice_sum = 0;
        for (const auto& sl : s.slices) slice_sum += sl.generation_cm3_s * 1e6 * sl.width_nm * 1e-9;
        CHECK(slice_sum * 1.602176634e-19 == Approx(s.recombination_eml_A_m2).epsilon(1e-12));
        CHECK(s.recombination_outside_eml + s.no_recombination + s.recombination_eml_A_m2 / J ==
              Approx(1.0).epsilon(1e-12));
    }
}

TEST_CASE("Mott-Gurney: single-carrier SCLC approaches 9/8 eps mu V^2/L^3 from above",
          "[transport]") {
    // Hole-only: Ohmic anode (zero hole barrier), electrons blocked by 2.9 eV barriers.
    StackSpec s;
    s.layers = {layer("L", 100, -5.0, -1.0, 1e-4, 1e-4)};
    s.anode_work_function_eV = 5.0;    // phi_p = 0
    s.cathode_work_function_eV = 5.0;  // V_bi = 0, electrons blocked (4 eV), hole exit barrier 0
    s.cells_per_layer = 320;
    Stack st(s);
    Solver sv(st);
    const double L = 100e-9, eps = 3.0 * kEps0, mu = 1e-8;
    double prev = 1e9;
    for (double V : {2.0, 5.0, 10.0}) {
        const Solution r = sv.solve_voltage(V);
        const double jmg = 9.0 / 8.0 * eps * mu * V * V / (L * L * L);
        const double ratio = r.current_density_A_m2 / jmg;
        INFO("V = " << V << " J/J_MG = " << ratio);
        CHECK(ratio > 1.0);   // diffusion raises J
        CHECK(ratio < prev);  // and matters less at higher V
        prev = ratio;
    }
    CHECK(prev < 1.25);
}

TEST_CASE("electron-hole mirror image gives the same J and a mirrored zone", "[transport]") {
    StackSpec a = three_layer();
    // Mirror: reverse the layers, swap mu_n <-> mu_p, reflect the levels about E = -4 eV
    // (HOMO' = -8 - LUMO) and the work functions (W_a' = 8 - W_c).
    StackSpec b = a;
    b.layers.assign(a.layers.rbegin(), a.layers.rend());
    for (auto& l : b.layers) {
        const double h = l.homo_eV, u = l.lumo_eV;
        l.homo_eV = -8.0 - u;
        l.lumo_eV = -8.0 - h;
        std::swap(l.mu_n_cm2_Vs, l.mu_p_cm2_Vs);
    }
    b.anode_work_function_eV = 8.0 - a.cathode_work_function_eV;
    b.cathode_work_function_eV = 8.0 - a.anode_work_function_eV;
    Stack sa(a), sb(b);
    Solver va(sa), vb(sb);
    const Solution ra = va.solve_voltage(6.0), rb = vb.solve_voltage(6.0);
    // mesh is mirrored exactly (cosine grading is symmetric), so agreement is to Newton tolerance
    CHECK(rb.current_density_A_m2 == Approx(ra.current_density_A_m2).epsilon(1e-8));
    CHECK(rb.zone_centroid_nm == Approx(20.0 - ra.zone_centroid_nm).epsilon(1e-6));
    CHECK(rb.eml_recombination_fraction == Approx(ra.eml_recombination_fraction).epsilon(1e-8));
}

TEST_CASE("mesh refinement: second order across 0.2-0.5 eV band steps", "[transport]") {
    double J[3];
    const int cells[3] = {40, 80, 160};
    for (int k = 0; k < 3; ++k) {
        Stack st(three_layer(cells[k]));
        Solver sv(st);
        J[k] = sv.solve_voltage(6.0).current_density_A_m2;
    }
    const double order = std::log2(std::abs(J[0] - J[1]) / std::abs(J[1] - J[2]));
    INFO("J = " << J[0] << ", " << J[1] << ", " << J[2] << "; observed order " << order);
    CHECK(order > 1.7);
    CHECK(order < 2.3);
}

TEST_CASE("current drive inverts voltage drive", "[transport]") {
    Stack st(three_layer());
    Solver sv(st);
    const double J6 = sv.solve_voltage(6.0).current_density_A_m2;
    Solver sv2(st);
    const Solution r = sv2.solve_current(J6);
    CHECK(r.voltage_V == Approx(6.0).margin(1e-8));
}

TEST_CASE("bad stacks are refused", "[transport]") {
    StackSpec s = three_layer();
    s.layers[1].homo_eV = -2.0;
    CHECK_THROWS_AS(Stack(s), std::invalid_argument);
    s = three_layer();
    s.layers[0].thickness_nm = 0.0;
    CHECK_THROWS_AS(Stack(s), std::invalid_argument);
    s = three_layer();
    s.emissive_layer = "nope";
    CHECK_THROWS_AS(Stack(s), std::invalid_argument);
}

// The analytic Jacobian (the default) against the coloured finite-difference one, with
// Poole-Frenkel mobilities so that the field-dependent terms are exercised: both Newton runs
// converge to the same solution (the residual is the same; only the path differs), and the
// analytic one needs no more iterations. A wrong derivative would slow Newton to linear
// convergence (many more iterations) or stall it.
TEST_CASE("analytic Jacobian: the finite-difference Jacobian's solution, no more iterations",
          "[transport]") {
    StackSpec s = three_layer(80);
    for (Layer& l : s.layers) l.pf_gamma_n_cm_V = l.pf_gamma_p_cm_V = 3e-3;
    const Stack st(s);
    Solver a(st), f(st);
    f.analytic_jacobian = false;
    // Continuation steps of 0.25 V keep every Newton solve close to its quadratic phase, where a
    // wrong derivative shows; with 0.5 V steps the long nonlinear phase of the turn-on step takes
    // a path-dependent number of iterations for either Jacobian (36 against 25 measured).
    a.max_step_V = f.max_step_V = 0.25;
    int ia = 0, iff = 0;
    for (double V : {1.0, 3.0, 6.0, 9.0}) {
        const Solution ra = a.solve_voltage(V), rf = f.solve_voltage(V);
        ia += ra.newton_iterations;
        iff += rf.newton_iterations;
        CHECK(ra.current_density_A_m2 ==
              Approx(rf.current_density_A_m2).epsilon(1e-8).margin(1e-9));
        CHECK(ra.zone_centroid_nm == Approx(rf.zone_centroid_nm).margin(1e-6));
    }
    CHECK(ia <= iff + 4);
}
