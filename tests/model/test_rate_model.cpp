//! Tests of the compiled rate equations: structure, the analytic Jacobian, detailed balance.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>

#include "model_builders.hpp"
#include "relsim/core/constants.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"

using relsim::model::RateModel;

namespace {

//! A co-doped model exercising every term: SSA, STA, TTA with singlet yield, TPQ, ETU,
//! polaron quenching, kSET, back-transfer, and a bimolecular ion-ion transfer.
relsim::model::ModelParams full_params() {
    auto p = relsim::test::example_params();
    p.ligand.kSS_cm3_s = 1e-10;
    p.ligand.kST_cm3_s = 2e-10;
    p.ligand.tta_singlet_yield = 0.3;
    p.dopants[0].kSET_s = 1e8;
    p.dopants[0].kETU_s = 5e2;
    p.dopants[0].kLP_cm3_s = 1e-12;
    relsim::model::DopantParams eu;
    eu.ion = "Eu";
    eu.density_cm3 = 7e20;
    eu.accepting_level = "5D1";
    eu.kTET_s = 1e9;
    eu.kBT_s = 1e3;
    eu.scheme.ground = {"7F0", "7F1", "7F2"};
    eu.scheme.levels = {{"5D0", 17293.0}, {"5D1", 19027.0}};
    eu.scheme.lines = {{"5D0", "7F1", 49.4, 591.0, 5.0}, {"5D0", "7F2", 63.5, 615.0, 5.0}};
    eu.scheme.relaxations = {{"5D1", "5D0", 5e5}};
    eu.quench_s = {{"5D0", 30.0}};
    p.dopants.push_back(eu);
    p.transfers.push_back({"Tb", "5D4", "Eu", "5D0", true, 1e-17});
    return p;
}

}  // namespace

TEST_CASE("State layout names the ligand states, then each ion's excited levels", "[model]") {
    RateModel m(full_params());
    const std::vector<std::string> expected{"S", "T", "Tb_5D4", "Tb_5D3", "Eu_5D0", "Eu_5D1"};
    CHECK(m.state_names() == expected);
    CHECK(m.lines().size() == 5);
    CHECK(m.lines()[0].label == "Tb_5D4_7F5");
}

TEST_CASE("Generation and polaron density follow spec section 2", "[model]") {
    RateModel m(relsim::test::example_params());
    // J = 10 mA cm^-2, w = 20 nm, gamma = 1, k_L = 1e-10 cm^3 s^-1.
    const double J = 10e-3, w = 20e-7, q = relsim::constants::elementary_charge_C;
    CHECK(m.nominal_drive().generation_cm3_s == Approx(J / (q * w)).epsilon(1e-14));
    CHECK(m.nominal_drive().polaron_density_cm3 ==
          Approx(std::sqrt(J / (q * w * 1e-10))).epsilon(1e-14));
}

TEST_CASE("Back-transfer defaults to detailed balance (spec section 3)", "[model]") {
    auto p = relsim::test::example_params();
    RateModel m(p);
    const double kT = relsim::constants::boltzmann_eV_K * 300.0;
    const double gap_eV = 2.90 - 20500.0 / relsim::constants::eV_in_cm1;
    const double expected = 2.0e9 * (7.5e20 / 2.8e21) * std::exp(-gap_eV / kT);
    CHECK(m.species()[0].kBT_s == Approx(expected).epsilon(1e-12));
    p.dopants[0].kBT_s = 123.0;
    CHECK(RateModel(p).species()[0].kBT_s == 123.0);
}

TEST_CASE("Analytic Jacobian equals central finite differences at random states", "[model]") {
    // Central differences have truncation error O(h^2 f''') and round-off error
    // O(eps * gross flux of the row / h). With h = 1e-6 |y| the first is ~1e-12 relative to the
    // column; the second is bounded by 1e-13 * sum_c |J_rc y_c| / h (a few eps of margin).
    RateModel m(full_params());
    const std::size_t n = m.num_states();
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> u(0.05, 0.4);
    const auto drive = m.drive_at(0.3);
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<double> y(n);
        y[0] = u(rng) * 1e12;
        y[1] = u(rng) * 1e18;
        for (const auto& sp : m.species()) {
            for (std::size_t j = 0; j < sp.num_levels; ++j)
                y[sp.first_state + j] = u(rng) * sp.density_cm3 / 2;
        }
        std::vector<double> jac(n * n), fp(n), fm(n);
        m.jacobian(drive, y.data(), jac.data());
        for (std::size_t c = 0; c < n; ++c) {
            const double h = 1e-6 * y[c];
            auto yp = y, ym = y;
            yp[c] += h;
            ym[c] -= h;
            m.rhs(drive, yp.data(), fp.data());
            m.rhs(drive, ym.data(), fm.data());
            double col_max = 0.0;
            for (std::size_t r = 0; r < n; ++r)
                col_max = std::max(col_max, std::abs(jac[r + c * n]));
            for (std::size_t r = 0; r < n; ++r) {
                double row_flux = 0.0;
                for (std::size_t k = 0; k < n; ++k) row_flux += std::abs(jac[r + k * n] * y[k]);
                const double fd = (fp[r] - fm[r]) / (2 * h);
                INFO("row " << m.state_names()[r] << " col " << m.state_names()[c]);
                CHECK(std::abs(fd - jac[r + c * n]) <= 1e-8 * col_max + 1e-13 * row_flux / h);
            }
        }
    }
}

TEST_CASE("An inert species (N_s = 0) holds zero populations and takes no energy", "[model]") {
    auto p = full_params();
    p.dopants[1].density_cm3 = 0.0;
    RateModel m(p);
    CHECK(m.is_inert(1));
    std::vector<double> y(m.num_states(), 0.0), f(m.num_states());
    y[1] = 1e17;  // triplets present
    m.rhs(m.nominal_drive(), y.data(), f.data());
    CHECK(f[4] == 0.0);
    CHECK(f[5] == 0.0);
    for (double v : f) CHECK(std::isfinite(v));
}

TEST_CASE("Total photon rate sums ligand bands and every Ln line", "[model]") {
    RateModel m(full_params());
    std::vector<double> y{1e10, 1e16, 1e19, 1e15, 1e18, 1e14};
    const auto& lig = m.params().ligand;
    const double expected = lig.kS_rad_s * 1e10 + lig.kT_rad_s * 1e16 + 100.0 * 1e19 + 40.0 * 1e19 +
                            50.0 * 1e15 + 49.4 * 1e18 + 63.5 * 1e18;
    CHECK(relsim::model::total_photon_rate(m, y.data()) == Approx(expected).epsilon(1e-14));
}
