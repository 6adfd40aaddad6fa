//! @file test_paper_devices.cpp
//! Validation of the Nature 2025 devices in configs/paper/ against the published figures:
//!   [N25] "Electro-generated excitons for tunable lanthanide electroluminescence",
//!         Nature (2025), doi:10.1038/s41586-025-09717-1.
//! Reported there and used here: peak EQE 5.9 % of NaGd0.6F4:Tb0.4@CzPPOA; 76x the EQE of the
//! device with oleate-capped (insulating) NCs; ligand -> Ln transfer faster than 1 ns with ~100 %
//! efficiency; EL colour green -> yellow -> red as x rises in NaGd0.6F4:Tb(0.4-x)Eu(x)@CzPPOA
//! (Fig. 4). Which parameters were calibrated on which figure: docs/validation.md.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/solver/transient.hpp"
#include "validation_support.hpp"

namespace rv = relsim_validation;
using relsim::solver::SolveStatus;

TEST_CASE("Tb device: peak EQE of NaGd0.6F4:Tb0.4@CzPPOA is 5.9 +- 0.3 %",
          "[validation][paper][calibrated]") {
    // [N25]: peak EQE 5.9 %. CALIBRATED target (dopant.0.quench_s.5D4 was fitted to it), so
    // this guards the calibration against changes of the model or the ion library. Tolerance
    // +-0.3 % absolute (5 %): the spread of peak EQEs of nominally identical devices in a batch
    // is of this order, and it is the project's done-when bound.
    const auto cfg = relsim::io::load_config(rv::paper_config("tb_czppoa_rolloff.toml"));
    const rv::SweepPeak peak = rv::peak_eqe_over_current(cfg);
    INFO("peak EQE " << 100 * peak.eqe << " % at J = " << peak.j_mA_cm2 << " mA cm^-2");
    CHECK(peak.all_converged);
    CHECK(peak.eqe == Approx(0.059).margin(0.003));
}

TEST_CASE("Reference device: CzPPOA over oleate-capped NCs is 76 +- 8 in peak EQE",
          "[validation][paper][calibrated]") {
    // [N25]: the semiconducting ligand raises the EQE 76-fold over oleate-capped NCs.
    // CALIBRATED target (the reference's host -> Tb coupling dopant.0.kTET_s was fitted to it).
    // Ratio of the two devices' peak EQEs (both over the same J sweep). Tolerance +-8 (~10 %):
    // the ratio of two measured EQEs carries both devices' spread (~5 % each).
    const auto czppoa = relsim::io::load_config(rv::paper_config("tb_czppoa_rolloff.toml"));
    const auto oleate = relsim::io::load_config(rv::paper_config("tb_oleate_reference.toml"));
    const rv::SweepPeak a = rv::peak_eqe_over_current(czppoa);
    const rv::SweepPeak b = rv::peak_eqe_over_current(oleate);
    CHECK(a.all_converged);
    CHECK(b.all_converged);
    REQUIRE(b.eqe > 0.0);
    const double ratio = a.eqe / b.eqe;
    const double ratio_tb = a.tb_eqe / b.tb_eqe;
    INFO("EQE " << 100 * a.eqe << " % / " << 100 * b.eqe << " % = " << ratio
                << " (Tb lines only: " << ratio_tb << ")");
    CHECK(ratio == Approx(76.0).margin(8.0));
    // The reference's own host emission must stay a minor part of its EL (header of
    // tb_oleate_reference.toml): the Tb-only ratio stays within the same bound.
    CHECK(ratio_tb == Approx(76.0).margin(8.0));
}

TEST_CASE("CzPPOA ligand: triplet -> Ln transfer faster than 1 ns and above 95 % efficient",
          "[validation][paper][predicted]") {
    // [N25]: ligand -> Ln transfer < 1 ns with ~100 % efficiency. kTET = 2e9 s^-1 was chosen
    // inside that bound, so this checks that the SIMULATED device delivers it at the operating
    // currents (ion-pool depletion, TTA and TPQ could slow or spoil it), measured two ways:
    //  (a) steady state: transfer efficiency (spec section 4) and the ligand triplet lifetime
    //      T / (triplet formation) at J = 1e-3 .. 10 mA cm^-2, where the formation counts the
    //      excitons ((1 - chi) G), ISC (k_isc S) and the thermally activated back-transfer from
    //      Tb 5D4 (kBT N(5D4); detailed balance gives ~3e2 s^-1 here, which re-forms a third of
    //      the triplets, each of which goes back to Tb in 0.5 ns);
    //  (b) transient: the 1/e decay time of the ligand triplet population after a pulse.
    // Bounds are the paper's (< 1 ns, and "~100 %" read as > 95 %).
    const auto cfg = relsim::io::load_config(rv::paper_config("tb_czppoa_rolloff.toml"));
    for (double j : {1.0e-3, 1.0, 10.0}) {
        relsim::model::ModelParams p = cfg.model;
        p.device.current_density_mA_cm2 = j;
        const rv::Point pt = rv::solve_point(p);
        REQUIRE(pt.status == SolveStatus::converged);
        const double chi = p.device.singlet_fraction;
        double triplet_in = (1.0 - chi) * pt.drive.generation_cm3_s + p.ligand.k_isc_s * pt.y[0];
        for (const auto& sp : pt.model->species())
            triplet_in += sp.kBT_s * pt.y[sp.accepting_state];
        const double tau_t = pt.y[1] / triplet_in;
        INFO("J = " << j << " mA cm^-2: transfer efficiency " << pt.obs.transfer_efficiency
                    << ", triplet lifetime " << tau_t * 1e9 << " ns");
        CHECK(pt.obs.transfer_efficiency > 0.95);
        CHECK(tau_t < 1.0e-9);
    }

    // (b) A 1 us pulse at 1 mA cm^-2 (the triplets reach steady state within ns), then 10 ns dark.
    //     After only 1 us the Tb pool holds ~G x 1 us excitations, so back-transfer feeds < 1e-3
    //     of T(t_on) and the 1/e time is the forward transfer time itself.
    relsim::model::ModelParams p = cfg.model;
    p.device.current_density_mA_cm2 = 1.0;
    const relsim::model::RateModel model(p);
    relsim::solver::PulseSpec pulse;
    pulse.current_density_A_cm2 = 1.0e-3;
    pulse.on_s = 1.0e-6;
    pulse.off_s = 1.0e-8;
    pulse.points = 400;
    const auto tr = relsim::solver::run_pulse(model, pulse);
    REQUIRE((tr.status & relsim::solver::transient_failed) == 0);
    const std::size_t ns = model.num_states();
    const std::size_t i_on = static_cast<std::size_t>(pulse.points);
    REQUIRE(tr.time_s[i_on] == Approx(pulse.on_s));
    const double t_on_pop = tr.populations_cm3[i_on * ns + 1];
    REQUIRE(t_on_pop > 0.0);
    double t_decay = -1.0;
    for (std::size_t i = i_on + 1; i < tr.time_s.size(); ++i) {
        const double now = tr.populations_cm3[i * ns + 1];
        if (now <= t_on_pop / std::exp(1.0)) {
            // log-linear interpolation between the two output times around the 1/e crossing
            const double prev = tr.populations_cm3[(i - 1) * ns + 1];
            const double t0 = tr.time_s[i - 1], t1 = tr.time_s[i];
            const double target = std::log(t_on_pop / std::exp(1.0));
            t_decay = t0 +
                      (t1 - t0) * (std::log(prev) - target) / (std::log(prev) - std::log(now)) -
                      pulse.on_s;
            break;
        }
    }
    INFO("ligand triplet 1/e decay after the pulse: " << t_decay * 1e9 << " ns");
    REQUIRE(t_decay > 0.0);
    CHECK(t_decay < 1.0e-9);
}

TEST_CASE("Colour series: x = 0 green (Tb 544 nm), x = 0.10 red (Eu 615 nm), CIE monotone in x",
          "[validation][paper][colour]") {
    // [N25] Fig. 4b,c: EL of NaGd0.6F4:Tb(0.4-x)Eu(x)@CzPPOA moves green -> yellow -> red as x
    // goes 0 -> 0.10. Only the Tb device's quenching is calibrated (on the EQE); the Tb -> Eu
    // transfer constant and the Eu parameters are literature / assumed, so the trajectory is a
    // PREDICTION. Targets: x = 0 CIE x < 0.35 (green side) with the spectrum peaking on the Tb
    // 5D4 -> 7F5 line (544 +- 1 nm, one grid step either side), x = 0.10 CIE x > 0.55 (red side)
    // peaking on Eu 5D0 -> 7F2 (615 +- 1 nm); CIE x strictly rising and CIE y strictly falling
    // along x (the published trajectory is monotone).
    const auto cfg = relsim::io::load_config(rv::paper_config("tb_eu_colour_series.toml"));
    REQUIRE(cfg.sweep.has_value());
    REQUIRE(cfg.sweep->axes.size() == 1);
    const auto& axis = cfg.sweep->axes.front();
    REQUIRE(axis.keys.size() >= 2);
    REQUIRE(axis.keys[0] == "dopant.0.density_cm3");
    REQUIRE(axis.keys[1] == "dopant.1.density_cm3");
    REQUIRE(axis.size() == 5);
    const auto grid =
        rv::uniform_grid(cfg.spectrum.from_nm, cfg.spectrum.to_nm, cfg.spectrum.step_nm);
    std::vector<double> xs, cie_x, cie_y, peaks, eu_share;
    for (std::size_t i = 0; i < axis.size(); ++i) {
        relsim::model::ModelParams p = cfg.model;
        for (std::size_t k = 0; k < axis.keys.size(); ++k)
            rv::set_key(p, axis.keys[k], axis.values[k][i]);
        const double n_tb = axis.values[0][i], n_eu = axis.values[1][i];
        xs.push_back(0.4 * n_eu / (n_tb + n_eu));  // x from the composition (Tb + Eu = 40 %)
        const rv::Point pt = rv::solve_point(p);
        REQUIRE(pt.status == SolveStatus::converged);
        const auto c = rv::colour_of(pt);
        cie_x.push_back(c.cie_x);
        cie_y.push_back(c.cie_y);
        peaks.push_back(rv::peak_nm(grid, rv::spectrum_of(pt, grid)));
        eu_share.push_back(pt.obs.species_photon_rate_cm3_s[rv::dopant_index(p, "Eu")] /
                           pt.obs.photon_rate_cm3_s);
        INFO("x = " << xs.back());
    }
    for (std::size_t i = 0; i < xs.size(); ++i) {
        UNSCOPED_INFO("x = " << xs[i] << ": CIE (" << cie_x[i] << ", " << cie_y[i] << "), peak "
                             << peaks[i] << " nm, Eu photon share " << eu_share[i]);
    }
    CHECK(xs.front() == Approx(0.0).margin(1e-12));
    CHECK(xs.back() == Approx(0.10).epsilon(1e-3));
    // green end
    CHECK(cie_x.front() < 0.35);
    CHECK(cie_y.front() > 0.55);
    CHECK(peaks.front() == Approx(544.0).margin(1.0));
    CHECK(eu_share.front() == Approx(0.0).margin(1e-12));
    // red end
    CHECK(cie_x.back() > 0.55);
    CHECK(peaks.back() == Approx(615.0).margin(1.0));
    CHECK(eu_share.back() > 0.8);
    // monotone trajectory
    for (std::size_t i = 1; i < xs.size(); ++i) {
        CHECK(xs[i] > xs[i - 1]);
        CHECK(cie_x[i] > cie_x[i - 1]);
        CHECK(cie_y[i] < cie_y[i - 1]);
        CHECK(eu_share[i] > eu_share[i - 1]);
    }
}

TEST_CASE("Transient Tb device: the EL decays with the Tb 5D4 lifetime 1/(A + Q)",
          "[validation][paper][predicted]") {
    // Prediction of configs/paper/tb_czppoa_transient.toml: with sub-ns ligand -> Tb transfer and
    // ~3 % of the Tb pool excited at 10 mA cm^-2, the EL decay is the first-order decay of 5D4,
    // tau = 1/(A_rad + Q) = 1/(180 + 430) s = 1.64 ms, except that the ligand's own prompt photons
    // (fraction f ~ 8.5e-4 of the EL at t_on) vanish at once, which shortens the 1/e time by
    // ~f tau. Tolerance 0.5 %: several times f, far below the 10 % a different decay channel
    // (saturation, ETU) would cause. The rise time (to 1 - 1/e) of a linear system equals tau too.
    const auto cfg = relsim::io::load_config(rv::paper_config("tb_czppoa_transient.toml"));
    REQUIRE(cfg.transient.has_value());
    const relsim::model::RateModel model(cfg.model);
    relsim::solver::PulseSpec pulse;
    pulse.current_density_A_cm2 = cfg.transient->pulse_current_density_mA_cm2 * 1e-3;
    pulse.on_s = cfg.transient->pulse_on_s;
    pulse.off_s = cfg.transient->off_s;
    pulse.points = cfg.transient->points;
    const auto tr = relsim::solver::run_pulse(model, pulse);
    REQUIRE(tr.status == relsim::solver::transient_ok);
    const auto& tb = cfg.model.dopants[rv::dopant_index(cfg.model, "Tb")];
    double a_5d4 = 0.0;
    for (const auto& ln : tb.scheme.lines) {
        if (ln.from == "5D4") a_5d4 += ln.rate_s;
    }
    double q_5d4 = 0.0;
    for (const auto& [level, q] : tb.quench_s) {
        if (level == "5D4") q_5d4 = q;
    }
    const double tau = 1.0 / (a_5d4 + q_5d4);
    INFO("decay " << tr.decay_time_s * 1e3 << " ms, rise " << tr.rise_time_s * 1e3
                  << " ms, 1/(A+Q) = " << tau * 1e3 << " ms");
    CHECK(tr.decay_time_s == Approx(tau).epsilon(5e-3));
    CHECK(tr.rise_time_s == Approx(tau).epsilon(5e-3));
}
