//! @file test_geometry.cpp
//! Lattices, shapes, Bernoulli doping, ligand placement and minimum-image distances of the
//! microscopic model (spec section 1). Statistical checks use fixed seeds and 5-sigma bounds.
#include <catch2/catch.hpp>
#include <cmath>

#include "relsim/nanocrystal/engine.hpp"

using namespace relsim::nanocrystal;

namespace {

NanocrystalSpec sphere_spec(Lattice lat, double a, double c, double R) {
    NanocrystalSpec s;
    s.lattice = lat;
    s.a_nm = a;
    s.c_nm = c;
    s.shape = Shape::sphere;
    s.radius_nm = R;
    s.composition = {1.0};
    return s;
}

}  // namespace

TEST_CASE("simple cubic sphere holds exactly the lattice points within the radius",
          "[nanocrystal][geometry]") {
    const double a = 0.4, R = 2.3;
    const NanocrystalSpec s = sphere_spec(Lattice::simple_cubic, a, a, R);
    const Geometry g = build_geometry(s, 0);
    std::size_t expected = 0;
    for (int i = -10; i <= 10; ++i)
        for (int j = -10; j <= 10; ++j)
            for (int k = -10; k <= 10; ++k)
                if (a * std::sqrt(double(i * i + j * j + k * k)) <= R) ++expected;
    CHECK(g.re_sites == expected);
    CHECK(g.ions.size() == expected);  // composition 1: every site doped
    for (const Ion& ion : g.ions) {
        const double r = std::sqrt(ion.x_nm * ion.x_nm + ion.y_nm * ion.y_nm + ion.z_nm * ion.z_nm);
        CHECK(r <= R + 1e-12);
        CHECK(ion.depth_nm == Approx(R - r).margin(1e-12));
    }
}

TEST_CASE("beta-NaREF4: one full and one half-occupied RE position per cell",
          "[nanocrystal][geometry]") {
    NanocrystalSpec s;
    s.lattice = Lattice::beta_NaREF4;
    s.a_nm = 0.602;
    s.c_nm = 0.360;
    s.shape = Shape::periodic_box;
    s.cells = {10, 10, 10};
    s.composition = {0.4};
    // 1000 full sites + Binomial(1000, 1/2) half sites: mean 1500, sd sqrt(250) = 15.8.
    double sum_sites = 0.0, sum_ions = 0.0;
    const int n = 20;
    for (int nc = 0; nc < n; ++nc) {
        const Geometry g = build_geometry(s, static_cast<std::size_t>(nc));
        CHECK(g.re_sites >= 1000);
        CHECK(g.re_sites <= 2000);
        sum_sites += double(g.re_sites);
        sum_ions += double(g.ions.size());
    }
    const double z_sites = (sum_sites - n * 1500.0) / std::sqrt(n * 250.0);
    INFO("z(sites) = " << z_sites);
    CHECK(std::abs(z_sites) < 5.0);
    // Doping: Binomial(sites, 0.4) given the sites.
    const double z_ions = (sum_ions - 0.4 * sum_sites) / std::sqrt(sum_sites * 0.4 * 0.6);
    INFO("z(ions) = " << z_ions);
    CHECK(std::abs(z_ions) < 5.0);
}

TEST_CASE("minimum-image distance of a 120-degree periodic cell is the shortest image",
          "[nanocrystal][geometry]") {
    NanocrystalSpec s;
    s.lattice = Lattice::beta_NaREF4;
    s.shape = Shape::periodic_box;
    s.cells = {4, 5, 3};
    s.composition = {1.0};
    const Geometry g = build_geometry(s, 3);
    const auto& L = g.cell_matrix_nm;
    for (std::size_t i = 0; i < g.ions.size(); i += 7) {
        for (std::size_t j = 0; j < g.ions.size(); j += 5) {
            const double p[3] = {g.ions[i].x_nm, g.ions[i].y_nm, g.ions[i].z_nm};
            const double q[3] = {g.ions[j].x_nm, g.ions[j].y_nm, g.ions[j].z_nm};
            double best = 1e300;
            for (int u = -2; u <= 2; ++u)
                for (int v = -2; v <= 2; ++v)
                    for (int w = -2; w <= 2; ++w) {
                        double d2 = 0.0;
                        for (int c = 0; c < 3; ++c) {
                            const double d = q[c] - p[c] + u * L[0][c] + v * L[1][c] + w * L[2][c];
                            d2 += d * d;
                        }
                        best = std::min(best, d2);
                    }
            CHECK(distance_nm(g, p, q) == Approx(std::sqrt(best)).margin(1e-12));
            CHECK(distance_nm(g, p, q) == Approx(distance_nm(g, q, p)).margin(1e-12));
        }
    }
}

TEST_CASE("shells: Bernoulli doping with each shell's composition, an inert shell holds no ion",
          "[nanocrystal][geometry]") {
    // Simple cubic, so the core's site count is known exactly.
    const double a = 0.4;
    NanocrystalSpec s = sphere_spec(Lattice::simple_cubic, a, a, 5.0);
    s.composition.clear();
    s.shells = {{3.0, {0.38, 0.02}, std::nullopt}, {5.0, {}, std::nullopt}};
    double core_sites = 0.0;
    for (int i = -10; i <= 10; ++i)
        for (int j = -10; j <= 10; ++j)
            for (int k = -10; k <= 10; ++k)
                if (a * std::sqrt(double(i * i + j * j + k * k)) <= 3.0) core_sites += 1.0;
    double tb = 0.0, eu = 0.0;
    const int n = 5;
    for (int nc = 0; nc < n; ++nc) {
        const Geometry g = build_geometry(s, static_cast<std::size_t>(nc));
        for (const Ion& ion : g.ions) {
            CHECK(s.radius_nm - ion.depth_nm <= 3.0 + 1e-12);
            (ion.species == 0 ? tb : eu) += 1.0;
        }
    }
    const double N = n * core_sites;
    const double z_tb = (tb - 0.38 * N) / std::sqrt(N * 0.38 * 0.62);
    const double z_eu = (eu - 0.02 * N) / std::sqrt(N * 0.02 * 0.98);
    INFO("z(Tb) = " << z_tb << ", z(Eu) = " << z_eu);
    CHECK(std::abs(z_tb) < 5.0);
    CHECK(std::abs(z_eu) < 5.0);
}

TEST_CASE(
    "ligands: rounded count, on the sphere R + standoff, uniform, streams fixed by (seed, NC)",
    "[nanocrystal][geometry]") {
    NanocrystalSpec s = sphere_spec(Lattice::simple_cubic, 0.4, 0.4, 3.0);
    LigandShellSpec lig;
    lig.surface_density_nm2 = 1.5;
    lig.standoff_nm = 0.5;
    s.ligand = lig;
    const double Rl = 3.5;
    const auto expected = static_cast<std::size_t>(std::llround(1.5 * 4.0 * M_PI * Rl * Rl));
    double sum_z = 0.0, sum_z2 = 0.0;
    std::size_t n = 0;
    for (int nc = 0; nc < 10; ++nc) {
        const Geometry g = build_geometry(s, static_cast<std::size_t>(nc));
        REQUIRE(g.ligands.size() == expected);
        for (const LigandSite& l : g.ligands) {
            CHECK(std::sqrt(l.x_nm * l.x_nm + l.y_nm * l.y_nm + l.z_nm * l.z_nm) ==
                  Approx(Rl).margin(1e-12));
            sum_z += l.z_nm / Rl;
            sum_z2 += (l.z_nm / Rl) * (l.z_nm / Rl);
            ++n;
        }
    }
    // Uniform on the sphere: z/R uniform on [-1, 1], mean 0, variance 1/3, E[z^2] = 1/3
    // (variance of z^2: 1/5 - 1/9 = 4/45).
    const double z_mean = sum_z / std::sqrt(n / 3.0);
    const double z_second = (sum_z2 - n / 3.0) / std::sqrt(n * 4.0 / 45.0);
    INFO("z(mean) = " << z_mean << ", z(second moment) = " << z_second);
    CHECK(std::abs(z_mean) < 5.0);
    CHECK(std::abs(z_second) < 5.0);
    // Same (seed, NC): the same NC; another NC or seed: another one.
    const Geometry a = build_geometry(s, 4), b = build_geometry(s, 4), c = build_geometry(s, 5);
    CHECK(a.ligands[0].x_nm == b.ligands[0].x_nm);
    CHECK(a.ligands[0].x_nm != c.ligands[0].x_nm);
    s.seed = 2;
    CHECK(build_geometry(s, 4).ligands[0].x_nm != a.ligands[0].x_nm);
}

TEST_CASE("pair laws: multipolar C / r^s, exchange, Dexter, cutoff", "[nanocrystal][geometry]") {
    PairLaw m;
    m.C_nm_s = 2.0e3;
    for (int s : {6, 8, 10}) {
        m.multipolarity = s;
        CHECK(pair_rate_s(m, 1.3) == Approx(2.0e3 / std::pow(1.3, s)).epsilon(1e-14));
    }
    PairLaw x;
    x.exchange = true;
    x.W0_s = 1e8;
    x.r0_nm = 0.38;
    x.L_nm = 0.1;
    CHECK(pair_rate_s(x, 0.58) == Approx(1e8 * std::exp(-4.0)).epsilon(1e-14));
    x.cutoff_nm = 0.5;
    CHECK(pair_rate_s(x, 0.58) == 0.0);
    CHECK(dexter_rate_s(5e10, 0.5, 0.15, 0.8) == Approx(5e10 * std::exp(-4.0)).epsilon(1e-14));
}
