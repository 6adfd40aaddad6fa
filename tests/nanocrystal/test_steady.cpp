//! @file test_steady.cpp
//! EL steady state of the microscopic model: fates per NC, the dilute limit against the
//! mean-field RateModel, kmc against linear at low excitation, inert-shell attenuation of the
//! Dexter transfer, and bit identity across thread counts.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>

#include "../support/model_builders.hpp"
#include "nc_builders.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/nanocrystal/engine.hpp"
#include "relsim/solver/steady_state.hpp"

using namespace relsim;
using namespace relsim::nanocrystal;

namespace {

//! A small Tb/Eu-like sphere with every process on: two species, Dexter with back-transfer,
//! migration, Tb -> Eu, surface quenching.
void full_system(NanocrystalSpec& s, model::ModelParams& p, double radius_nm) {
    p = model::ModelParams{};
    model::DopantParams tb = test::example_params().dopants[0];
    p.dopants.push_back(tb);
    p.dopants.push_back(test::one_level_ion("Eu", 17250.0, 500.0, 100.0, 615.0));
    s = NanocrystalSpec{};
    s.lattice = Lattice::beta_NaREF4;
    s.radius_nm = radius_nm;
    s.composition = {0.3, 0.05};
    s.count = 6;
    LigandShellSpec lig;
    lig.kTET0_s = {5.0e10, 5.0e10};
    lig.kSET0_s = {1.0e10, 0.0};
    s.ligand = lig;
    // The accepting level 5D4 lies below the ligand triplet; feed 5D3 too by making it the
    // accepting level of this test, so the cross-relaxation runs.
    p.dopants[0].accepting_level = "5D3";
    p.ligand.triplet_energy_eV = 3.40;  // above 5D3 (26300 cm^-1 = 3.26 eV)
    TransferSpec mig;
    mig.donor = {0, 0};
    mig.donor_to = {0, -1};
    mig.acceptor = {0, 0};
    mig.law = test::exchange(1.0e6, 0.38, 0.1);
    TransferSpec tbeu;
    tbeu.donor = {0, 0};
    tbeu.donor_to = {0, -1};
    tbeu.acceptor = {1, 0};
    tbeu.law = test::multipolar(2.0e3);
    // Cross-relaxation that leaves both ions excited (5D3 + ground -> 5D4 + 5D4): one
    // excitation becomes two, the linear engine's split path.
    TransferSpec cr;
    cr.donor = {0, 1};
    cr.donor_to = {0, 0};
    cr.acceptor = {0, 0};
    cr.law = test::multipolar(1.0e5);
    s.transfers = {mig, tbeu, cr};
    SurfaceQuenchSpec q;
    q.level = {0, 0};
    q.k_surface_s = 1.0e4;
    q.surface_length_nm = 0.5;
    s.surface_quench = {q};
}

double fate_sum(const SteadyStateResult& r) {
    double s = 0.0;
    for (const auto& f : r.fates) s += f.value.mean;
    return s;
}

}  // namespace

TEST_CASE("linear engine: fates sum to 1 for every NC", "[nanocrystal][steady]") {
    NanocrystalSpec s;
    model::ModelParams p;
    full_system(s, p, 2.5);
    s.engine = Engine::linear;
    const SteadyStateResult r = solve_el_steady_state(s, p);
    REQUIRE(r.fate_sum_per_nc.size() == 6);
    // Absorption probabilities of an absorbing chain from one sparse LU solve: 1 up to
    // round-off (condition number of M times 1e-16; 1e-9 leaves four orders of margin).
    for (double v : r.fate_sum_per_nc) CHECK(v == Approx(1.0).margin(1e-9));
    CHECK(r.photons_per_exciton.mean > 0.0);
    CHECK(r.transfer_efficiency.mean > 0.0);
    CHECK(r.transfer_efficiency.mean <= 1.0);
    CHECK(r.ions_per_nc_by_species[1].mean > 0.0);
}

TEST_CASE("kmc engine smoke: fates sum to 1 within the weight in flight", "[nanocrystal][steady]") {
    NanocrystalSpec s;
    model::ModelParams p;
    full_system(s, p, 2.5);
    s.engine = Engine::kmc;
    s.warmup_s = 2e-3;
    s.measure_s = 1e-2;
    const SteadyStateResult r = solve_el_steady_state(s, p);
    INFO("events " << r.events << " fate sum " << fate_sum(r));
    CHECK(r.events > 0);
    CHECK(fate_sum(r) == Approx(1.0).margin(0.05));
}

TEST_CASE("dilute dopants, one ligand, no migration: equal to the mean-field RateModel per NC",
          "[nanocrystal][steady]") {
    // One ligand per NC (round(density * area) = 1), so the mean-field model with
    // kTET_s = sum_i kTET0 exp(-2 (r_i - r0) / L) (and kSET_s likewise) over that NC's ions is
    // the same linear chain; back-transfer off (E_T = 6 eV), J = 1e-11 mA cm^-2: the mean-field
    // nonlinear terms (TTA: kTT T / kT ~ 1e-10 there; ion saturation ~1e-14) are below the
    // 1e-6 relative tolerance by four orders (at 1e-6 mA cm^-2 TTA alone is 1e-5).
    model::ModelParams p = test::base_params();
    p.device.current_density_mA_cm2 = 1.0e-11;
    p.dopants = {test::example_params().dopants[0]};  // Tb-like 5D4/5D3, quench_s 60
    NanocrystalSpec s;
    s.lattice = Lattice::simple_cubic;
    s.a_nm = 0.4;
    s.radius_nm = 2.0;
    s.composition = {0.05};
    LigandShellSpec lig;
    lig.standoff_nm = 0.5;
    lig.surface_density_nm2 = 1.0 / (4.0 * M_PI * 2.5 * 2.5);
    lig.kTET0_s = {5.0e10};
    lig.kSET0_s = {1.0e10};
    s.ligand = lig;
    s.count = 8;
    EnsembleOptions o;
    o.negligible_rate_fraction = 0.0;
    for (std::size_t nc = 0; nc < 8; ++nc) {
        const Geometry g = build_geometry(s, nc);
        REQUIRE(g.ligands.size() == 1);
        double KT = 0.0, KS = 0.0;
        const double pl[3] = {g.ligands[0].x_nm, g.ligands[0].y_nm, g.ligands[0].z_nm};
        for (const Ion& ion : g.ions) {
            const double pi[3] = {ion.x_nm, ion.y_nm, ion.z_nm};
            const double r = distance_nm(g, pl, pi);
            KT += dexter_rate_s(5.0e10, 0.5, 0.15, r);
            KS += dexter_rate_s(1.0e10, 0.5, 0.15, r);
        }
        model::ModelParams mf = p;
        mf.dopants[0].kTET_s = KT;
        mf.dopants[0].kSET_s = KS;
        mf.dopants[0].kBT_s = 0.0;
        const model::RateModel rm(mf);
        solver::SteadyStateSolver solver;
        std::vector<double> y(rm.num_states());
        REQUIRE(solver.solve(rm, rm.nominal_drive(), nullptr, y.data()).status ==
                solver::SolveStatus::converged);
        model::Observables obs;
        model::evaluate_observables(rm, rm.nominal_drive(), y.data(), obs);

        EnsembleOptions one = o;
        one.first_nc = nc;
        one.nc_count = 1;
        const SteadyStateResult r = solve_el_steady_state_linear(s, p, one);
        INFO("NC " << nc << ": K_T = " << KT << " s^-1, EQE micro " << r.eqe.mean << " mean-field "
                   << obs.eqe);
        CHECK(r.eqe.mean == Approx(obs.eqe).epsilon(1e-6));
        CHECK(r.transfer_efficiency.mean == Approx(obs.transfer_efficiency).epsilon(1e-6));
        const auto names = model::fate_names(rm);
        for (std::size_t f = 0; f < names.size(); ++f) {
            for (const auto& mf_fate : r.fates) {
                if (mf_fate.name == names[f])
                    CHECK(mf_fate.value.mean == Approx(obs.fates[f]).margin(1e-8));
            }
        }
        for (std::size_t l = 0; l < obs.line_photon_rate_cm3_s.size(); ++l) {
            const double mf_yield =
                obs.line_photon_rate_cm3_s[l] / rm.nominal_drive().generation_cm3_s;
            CHECK(r.line_photons_per_exciton[l].mean == Approx(mf_yield).margin(1e-9));
        }
    }
}

namespace {

//! A fast-decaying one-level Tb-like ion in a small sphere with a full ligand shell, at an
//! excitation density of ~0.1 per NC.
void low_excitation_sphere(NanocrystalSpec& s, model::ModelParams& p) {
    p = test::base_params(false);  // E_T = 2.90 eV: back-transfer on (factor ~1e-6 here)
    p.device.current_density_mA_cm2 = 10.0;
    p.dopants = {test::one_level_ion("Tb", 20500.0, 5.0e4, 5.0e4)};
    s = NanocrystalSpec{};
    s.lattice = Lattice::simple_cubic;
    s.a_nm = 0.4;
    s.radius_nm = 2.0;
    s.composition = {0.1};
    LigandShellSpec lig;
    lig.surface_density_nm2 = 0.3;
    lig.kTET0_s = {2.0e7};  // per-ligand totals ~1e4 s^-1: transfer efficiency well below 1
    lig.kSET0_s = {0.0};
    s.ligand = lig;
    s.nc_density_cm3 = 3.12e18;  // G_NC = 1e4 s^-1 at 10 mA cm^-2
    s.warmup_s = 2.0e-4;         // > 10 ion lifetimes and 10 ligand triplet lifetimes
    s.measure_s = 2.0e-2;
    s.count = 100;
}

}  // namespace

TEST_CASE("kmc equals linear in EL at low excitation", "[nanocrystal][steady]") {
    NanocrystalSpec s;
    model::ModelParams p;
    low_excitation_sphere(s, p);
    const SteadyStateResult lin = solve_el_steady_state_linear(s, p);
    const SteadyStateResult kmc = solve_el_steady_state_kmc(s, p);
    // Same NCs in both engines; the kmc standard error (counting noise and NC disorder) bounds
    // the spread of the difference. The linear limit neglects blocking, O(excited per NC /
    // ions per NC) ~ 1e-3 relative, well inside the ~1 % statistical error.
    auto z = [](const Estimate& k, const Estimate& l) {
        return (k.mean - l.mean) / k.standard_error;
    };
    const double z_eqe = z(kmc.eqe, lin.eqe);
    const double z_tr = z(kmc.transfer_efficiency, lin.transfer_efficiency);
    const double z_pop = z(kmc.excited_per_nc[0][0], lin.excited_per_nc[0][0]);
    std::printf(
        "kmc vs linear EL: EQE %.5f +- %.5f vs %.5f (z = %+.2f); transfer %.4f vs %.4f (z = "
        "%+.2f); "
        "Tb* per NC %.4f vs %.4f (z = %+.2f); %.3g events\n",
        kmc.eqe.mean, kmc.eqe.standard_error, lin.eqe.mean, z_eqe, kmc.transfer_efficiency.mean,
        lin.transfer_efficiency.mean, z_tr, kmc.excited_per_nc[0][0].mean,
        lin.excited_per_nc[0][0].mean, z_pop, double(kmc.events));
    CHECK(std::abs(z_eqe) < 4.0);
    CHECK(std::abs(z_tr) < 4.0);
    CHECK(std::abs(z_pop) < 4.0);
    // Blocking (an exciton born on an occupied ligand) exists only beyond the linear limit: it
    // must be small here (ligand occupancy G_NC / (n_L k_T) ~ 1e-3), not equal.
    CHECK(kmc.fates[0].name == "ligand_blocked");
    CHECK(kmc.fates[0].value.mean < 0.01);
    CHECK(lin.fates[0].value.mean == 0.0);
    for (std::size_t f = 1; f < kmc.fates.size(); ++f) {
        if (kmc.fates[f].value.standard_error > 0.0) {
            INFO(kmc.fates[f].name);
            CHECK(std::abs(z(kmc.fates[f].value, lin.fates[f].value)) < 4.0);
        }
    }
    // Per NC the fates sum to 1 but for the weight in flight at the window's edges: ~0.1
    // excitation against ~200 generated excitons per NC, so |sum - 1| < 0.03.
    for (double v : kmc.fate_sum_per_nc) CHECK(v == Approx(1.0).margin(0.03));
}

TEST_CASE("an inert shell attenuates the ligand -> ion transfer as the Dexter law says",
          "[nanocrystal][steady]") {
    // Weak transfer (per-ligand totals << kT_total), so the transfer efficiency is proportional
    // to the mean per-ligand Dexter sum K. For a ligand at distance D from the centre of a
    // uniformly filled core of radius Rc, K(D) = n k0 int exp(-2 (rho - r0) / L) A(rho) drho,
    // with A(rho) = pi rho (Rc^2 - (D - rho)^2) / D the area of the sphere of radius rho about
    // the ligand inside the core: an inert shell t moves the ligands to D + t, K(D + t) / K(D)
    // = exp(-2 t / L) times a (computed) curvature factor.
    model::ModelParams p = test::base_params();
    p.dopants = {test::one_level_ion("Tb", 20500.0, 500.0)};
    const double Rc = 1.8, a = 0.3, L = 0.3, standoff = 0.5;
    auto make = [&](double t) {
        NanocrystalSpec s;
        s.lattice = Lattice::simple_cubic;
        s.a_nm = a;
        s.radius_nm = Rc + t;
        s.shells = {{Rc, {1.0}, std::nullopt}};
        if (t > 0.0) s.shells.push_back({Rc + t, {}, std::nullopt});
        LigandShellSpec lig;
        lig.surface_density_nm2 = 1.5;
        lig.standoff_nm = standoff;
        lig.r0_nm = 0.5;
        lig.L_nm = L;
        lig.kTET0_s = {1.0};
        lig.kSET0_s = {0.0};
        s.ligand = lig;
        s.count = 12;
        return s;
    };
    auto continuum = [&](double D) {
        double sum = 0.0;
        const int steps = 20000;
        const double lo = D - Rc, hi = D + Rc, h = (hi - lo) / steps;
        for (int k = 0; k < steps; ++k) {
            const double rho = lo + (k + 0.5) * h;
            sum +=
                std::exp(-2.0 * rho / L) * M_PI * rho * (Rc * Rc - (D - rho) * (D - rho)) / D * h;
        }
        return sum;
    };
    EnsembleOptions o;
    o.negligible_rate_fraction = 0.0;
    const SteadyStateResult r0 = solve_el_steady_state_linear(make(0.0), p, o);
    for (double t : {0.3, 0.6}) {
        const SteadyStateResult r = solve_el_steady_state_linear(make(t), p, o);
        const double ratio = r.transfer_efficiency.mean / r0.transfer_efficiency.mean;
        const double se =
            ratio * std::hypot(r.transfer_efficiency.standard_error / r.transfer_efficiency.mean,
                               r0.transfer_efficiency.standard_error / r0.transfer_efficiency.mean);
        const double expected = continuum(Rc + t + standoff) / continuum(Rc + standoff);
        std::printf(
            "inert shell t = %.1f nm: transfer ratio %.5f +- %.5f, Dexter law %.5f (exp(-2t/L) = "
            "%.5f), "
            "z = %+.2f\n",
            t, ratio, se, expected, std::exp(-2.0 * t / L), (ratio - expected) / se);
        // The lattice is not a continuum: the core's outer ions sit up to a below Rc, a
        // discreteness that the ratio largely cancels; 4 sigma plus 3 % covers it.
        CHECK(std::abs(ratio - expected) < 4.0 * se + 0.03 * expected);
    }
}

TEST_CASE("ensembles are bit-identical for 1 and 2 threads", "[nanocrystal][steady]") {
    NanocrystalSpec s;
    model::ModelParams p;
    full_system(s, p, 2.0);
    s.engine = Engine::kmc;
    s.warmup_s = 1e-3;
    s.measure_s = 2e-3;
    s.count = 5;
    EnsembleOptions one, two;
    one.threads = 1;
    two.threads = 2;
    for (Engine e : {Engine::kmc, Engine::linear}) {
        s.engine = e;
        const SteadyStateResult a = solve_el_steady_state(s, p, one);
        const SteadyStateResult b = solve_el_steady_state(s, p, two);
        auto same = [](double x, double y) { return std::memcmp(&x, &y, sizeof x) == 0; };
        CHECK(same(a.eqe.mean, b.eqe.mean));
        CHECK(same(a.eqe.standard_error, b.eqe.standard_error));
        CHECK(a.events == b.events);
        for (std::size_t f = 0; f < a.fates.size(); ++f)
            CHECK(same(a.fates[f].value.mean, b.fates[f].value.mean));
        for (std::size_t k = 0; k < a.fate_sum_per_nc.size(); ++k)
            CHECK(same(a.fate_sum_per_nc[k], b.fate_sum_per_nc[k]));
        for (std::size_t q = 0; q < a.radial_r_nm.size(); ++q) {
            CHECK(same(a.radial_excited_fraction[0][0][q], b.radial_excited_fraction[0][0][q]));
        }
    }
}

TEST_CASE("EL pulse: the linear response reaches the steady state, kmc follows it",
          "[nanocrystal][steady]") {
    NanocrystalSpec s;
    model::ModelParams p;
    low_excitation_sphere(s, p);
    s.count = 200;
    PulseSpec pulse;
    pulse.pulse_current_density_mA_cm2 = p.device.current_density_mA_cm2;
    pulse.pulse_on_s = 1.0e-3;  // 100 ion lifetimes, 10 bare-ligand triplet lifetimes
    pulse.off_s = 1.0e-3;
    pulse.points = 10;  // 1e-4 s bins
    s.engine = Engine::linear;
    const PulseResult lin = solve_el_pulse(s, p, pulse);
    const SteadyStateResult st = solve_el_steady_state_linear(s, p);
    const double plateau = st.generation_per_nc_s * st.photons_per_exciton.mean;
    const std::size_t on_end = static_cast<std::size_t>(pulse.points);
    REQUIRE(lin.time_s[on_end] == Approx(pulse.pulse_on_s));
    CHECK(lin.photon_rate_per_nc_s[0] == 0.0);
    // The slowest mode is the ligand triplet without a near ion, k >= kT_total = 1e4 s^-1:
    // after 1 ms the gap to the steady state is below e^-10 ~ 5e-5.
    CHECK(lin.photon_rate_per_nc_s[on_end] == Approx(plateau).epsilon(1e-4));
    CHECK(lin.photon_rate_per_nc_s.back() < 1e-4 * plateau);
    s.engine = Engine::kmc;
    const PulseResult kmc = solve_el_pulse(s, p, pulse);
    // Mean of the kmc bins over the second half of the pulse against the plateau. Neighbouring
    // bins share excitations (correlation time <= 1e-4 s, one bin), which at most doubles the
    // variance of the mean of the bins: the standard error below is inflated by sqrt(3).
    double sum = 0.0, var = 0.0;
    int bins = 0;
    for (std::size_t k = on_end / 2 + 1; k <= on_end; ++k) {
        sum += kmc.photon_rate_per_nc_s[k];
        var += kmc.photon_rate_per_nc_stderr_s[k] * kmc.photon_rate_per_nc_stderr_s[k];
        ++bins;
    }
    const double mean = sum / bins, se = std::sqrt(var * 3.0) / bins;
    std::printf("EL pulse plateau: kmc %.1f +- %.1f photons/s per NC, linear %.1f, steady %.1f\n",
                mean, se, lin.photon_rate_per_nc_s[on_end], plateau);
    CHECK(std::abs(mean - plateau) < 4.0 * se);
}

TEST_CASE(
    "kmc at high excitation: one ligand and one ion follow the exact 4-state chain (blocking)",
    "[nanocrystal][steady]") {
    // A sphere of radius 0.1 nm holds one site (the centre); one ligand at 0.6 nm. States
    // (ligand empty/triplet) x (ion ground/excited); generation G is blocked on an occupied
    // ligand, Dexter K on an excited ion. The stationary distribution of this 4-state chain
    // gives the exact photon yield and blocked fraction at any G: saturation, which the linear
    // engine (K / (K + kT) photons per exciton) cannot have.
    model::ModelParams p = test::base_params();
    p.device.singlet_fraction = 0.0;
    p.ligand.kT_rad_s = 0.0;
    p.ligand.kT_nr_s = 1.0e4;
    p.ligand.kTP_cm3_s = 0.0;
    p.device.current_density_mA_cm2 = 10.0;
    const double kI = 1.0e4;
    p.dopants = {test::one_level_ion("Tb", 20500.0, kI)};
    NanocrystalSpec s;
    s.lattice = Lattice::simple_cubic;
    s.a_nm = 0.4;
    s.radius_nm = 0.1;
    s.composition = {1.0};
    LigandShellSpec lig;
    lig.standoff_nm = 0.5;
    lig.surface_density_nm2 = 1.0 / (4.0 * M_PI * 0.36);
    lig.kTET0_s = {3.0e4 / std::exp(-2.0 * (0.6 - 0.5) / 0.15)};  // K = 3e4 s^-1 at 0.6 nm
    lig.kSET0_s = {0.0};
    s.ligand = lig;
    const double G = 2.0e4;
    s.nc_density_cm3 =
        generation_per_nc_s(NanocrystalSpec{}, p) * NanocrystalSpec{}.nc_density_cm3 / G;
    s.warmup_s = 1.0e-3;
    s.measure_s = 5.0e-2;
    s.count = 50;
    const double K = 3.0e4, kT = 1.0e4;
    // Stationary distribution: solve pi Q = 0 with sum 1 (states 0 = (-,-), 1 = (T,-),
    // 2 = (-,X), 3 = (T,X)) by Gaussian elimination of the 4 x 4 system.
    double Q[4][4] = {{0}};
    auto rate = [&](int a, int b, double k) {
        Q[a][b] += k;
        Q[a][a] -= k;
    };
    rate(0, 1, G);
    rate(1, 0, kT);
    rate(1, 2, K);
    rate(2, 0, kI);
    rate(2, 3, G);
    rate(3, 1, kI);
    rate(3, 2, kT);
    double A[4][5] = {{0}};
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 4; ++j) A[i][j] = Q[j][i];  // (Q^T pi)_i = 0
    for (int j = 0; j < 4; ++j) A[3][j] = 1.0;
    A[3][4] = 1.0;
    for (int c = 0; c < 4; ++c) {
        int piv = c;
        for (int r = c + 1; r < 4; ++r)
            if (std::abs(A[r][c]) > std::abs(A[piv][c])) piv = r;
        for (int j = 0; j < 5; ++j) std::swap(A[c][j], A[piv][j]);
        for (int r = 0; r < 4; ++r) {
            if (r == c) continue;
            const double f = A[r][c] / A[c][c];
            for (int j = 0; j < 5; ++j) A[r][j] -= f * A[c][j];
        }
    }
    double pi[4];
    for (int i = 0; i < 4; ++i) pi[i] = A[i][4] / A[i][i];
    const double photons = kI * (pi[2] + pi[3]) / G;
    const double blocked = pi[1] + pi[3];
    const SteadyStateResult r = solve_el_steady_state_kmc(s, p);
    REQUIRE(r.ions_per_nc.mean == 1.0);
    REQUIRE(r.ligands_per_nc.mean == 1.0);
    CHECK(r.generation_per_nc_s == Approx(G).epsilon(1e-12));
    const double z_ph =
        (r.photons_per_exciton.mean - photons) / r.photons_per_exciton.standard_error;
    const double z_bl = (r.fates[0].value.mean - blocked) / r.fates[0].value.standard_error;
    const double z_pop =
        (r.excited_per_nc[0][0].mean - (pi[2] + pi[3])) / r.excited_per_nc[0][0].standard_error;
    std::printf(
        "4-state chain: photons/exciton %.4f +- %.4f exact %.4f (z = %+.2f); blocked %.4f exact "
        "%.4f "
        "(z = %+.2f); ion excited %.4f exact %.4f (z = %+.2f); linear limit %.4f\n",
        r.photons_per_exciton.mean, r.photons_per_exciton.standard_error, photons, z_ph,
        r.fates[0].value.mean, blocked, z_bl, r.excited_per_nc[0][0].mean, pi[2] + pi[3], z_pop,
        K / (K + kT));
    CHECK(std::abs(z_ph) < 4.0);
    CHECK(std::abs(z_bl) < 4.0);
    CHECK(std::abs(z_pop) < 4.0);
    CHECK(photons < 0.8 * K / (K + kT));  // the test is in the saturated regime
}

TEST_CASE(
    "dilute limit with many ligands: transfer = mean over ligands of K/(K + k), not K/(K + k) of "
    "the mean K",
    "[nanocrystal][steady]") {
    // Issue 21 item 8: the one-ligand dilute test equates the two models by construction. With
    // many ligands per NC each exciton meets the Dexter sum K_l of the ligand it is born on, so
    // the microscopic transfer efficiency is the mean over ligands (and NCs) of K_l / (K_l + k),
    // while a mean-field kTET equal to the mean K gives mean(K) / (mean(K) + k), larger by
    // Jensen's inequality (K / (K + k) is concave). Triplets only, no back-transfer.
    model::ModelParams p = test::base_params();
    p.device.current_density_mA_cm2 = 1.0e-11;
    p.device.singlet_fraction = 0.0;
    p.ligand.kTP_cm3_s = 0.0;
    p.dopants = {test::one_level_ion("Tb", 20500.0, 500.0)};
    NanocrystalSpec s;
    s.lattice = Lattice::simple_cubic;
    s.a_nm = 0.4;
    s.radius_nm = 2.0;
    s.composition = {0.05};
    LigandShellSpec lig;
    lig.surface_density_nm2 = 1.0;
    lig.kTET0_s = {2.0e6};
    lig.kSET0_s = {0.0};
    s.ligand = lig;
    s.count = 8;
    EnsembleOptions o;
    o.negligible_rate_fraction = 0.0;
    const double k = p.ligand.kT_rad_s + p.ligand.kT_nr_s;
    double mean_ratio = 0.0, mean_K = 0.0;
    std::size_t n_lig = 0;
    for (std::size_t nc = 0; nc < 8; ++nc) {
        const Geometry g = build_geometry(s, nc);
        REQUIRE(g.ligands.size() > 20);
        double nc_ratio = 0.0;
        for (const LigandSite& l : g.ligands) {
            const double pl[3] = {l.x_nm, l.y_nm, l.z_nm};
            double K = 0.0;
            for (const Ion& ion : g.ions) {
                const double pi[3] = {ion.x_nm, ion.y_nm, ion.z_nm};
                K += dexter_rate_s(2.0e6, 0.5, 0.15, distance_nm(g, pl, pi));
            }
            nc_ratio += K / (K + k);
            mean_K += K;
            ++n_lig;
        }
        mean_ratio +=
            nc_ratio / static_cast<double>(g.ligands.size()) / 8.0;  // each NC weighs G_NC
    }
    mean_K /= static_cast<double>(n_lig);
    const SteadyStateResult r = solve_el_steady_state_linear(s, p, o);
    const double of_mean = mean_K / (mean_K + k);
    std::printf(
        "many ligands: transfer %.6f = mean of K/(K+k) %.6f; K/(K+k) of the mean K %.6f (+%.1f "
        "%%)\n",
        r.transfer_efficiency.mean, mean_ratio, of_mean, 100.0 * (of_mean / mean_ratio - 1.0));
    CHECK(r.transfer_efficiency.mean == Approx(mean_ratio).epsilon(1e-9));
    CHECK(of_mean > 1.2 * mean_ratio);  // the mean-field shortcut overstates the transfer here
}
