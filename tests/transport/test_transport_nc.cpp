// [transport] + [nanocrystal] engine = "linear" (spec transport.md section 2): each emissive-layer
// slice of the solved stack is an NC ensemble driven by that slice's own G_k and n_p,k. Checked
// against the engine run by hand at each slice's (G_k, n_p,k), set through a different zone
// width, charge balance and current (the engine's drive depends on them only through G and
// n_p), and the fate budget of the injected charge against the transport stage's own numbers.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "relsim/core/constants.hpp"
#include "relsim/io/config.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/nanocrystal/engine.hpp"
#include "relsim/pipeline/nanocrystal_emitter.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/transport/transport_stage.hpp"

using namespace relsim;

namespace {

// The small Tb NC device of tests/pipeline (3 NCs of 2 nm, linear engine: exact, deterministic
// for a fixed seed). kTP_cm3_s is large enough that the slice's n_p shows in the tpq fate.
const std::string kConfig = R"(title = "transport + nanocrystal"
[device]
current_density_mA_cm2 = 10.0
recombination_zone_nm = 20.0
charge_balance = 0.9
outcoupling = 0.2
[ligand]
density_cm3 = 2.61e20
triplet_energy_eV = 2.90
kS_rad_s = 1.0e8
kS_nr_s = 1.0e8
k_isc_s = 1.0e11
kT_rad_s = 1.0e2
kT_nr_s = 1.0e4
kTT_cm3_s = 0.0
kTP_cm3_s = 1.0e-9
[[dopant]]
ion = "Tb"
density_cm3 = 1.60e21
accepting_level = "5D4"
kTET_s = 2.0e9
quench_s = { "5D4" = 430.0 }
[nanocrystal]
engine = "linear"
radius_nm = 2.0
count = 3
seed = 3
composition = { Tb = 0.20 }
[nanocrystal.ligand]
surface_density_nm2 = 1.0
standoff_nm = 0.5
r0_nm = 0.5
L_nm = 0.15
kTET0_s = { Tb = 1.0e10 }
)";

// Three layers, the EML cut into two slices (the recombination is not uniform across it); the
// ETL's small hole barrier (0.1 eV) and hole mobility let ~15 % of J/q recombine outside the EML.
transport::StackSpec stack() {
    transport::StackSpec s;
    s.layers = {{"HTL", 30, 3, -5.5, -2.0, 1e-7, 1e-3},
                {"EML", 20, 3, -5.6, -2.6, 1e-4, 1e-4},
                {"ETL", 30, 3, -5.7, -2.7, 1e-4, 1e-5}};
    s.anode_work_function_eV = 5.2;
    s.cathode_work_function_eV = 3.0;
    s.emissive_layer = "EML";
    s.eml_slices = 2;
    s.cells_per_layer = 120;
    return s;
}

constexpr double q = constants::elementary_charge_C;

// Parameters whose nominal drive (kinetic-model.md section 2) is (G, n_p), through a zone of
// 7 nm and a charge balance of 1, unlike the config's 20 nm and 0.9.
model::ModelParams by_hand(model::ModelParams p, double G_cm3_s, double np_cm3) {
    p.device.recombination_zone_nm = 7.0;
    p.device.charge_balance = 1.0;
    const double electrons_cm3_s = G_cm3_s;  // gamma = 1
    p.device.current_density_mA_cm2 = electrons_cm3_s * q * 7.0e-7 * 1.0e3;
    p.device.langevin_cm3_s = electrons_cm3_s / (np_cm3 * np_cm3);
    return p;
}

double fate(const nanocrystal::SteadyStateResult& r, const std::string& name) {
    for (const nanocrystal::FateEstimate& f : r.fates)
        if (f.name == name) return f.value.mean;
    FAIL("no fate " << name);
    return 0.0;
}

}  // namespace

TEST_CASE("[transport] slices drive the linear NC emitter with their own G_k and n_p,k",
          "[transport][nanocrystal]") {
    const io::RunConfig c = io::load_config_text(kConfig, RELSIM_SOURCE_DIR "/configs/tp_nc.toml");
    const nanocrystal::NanocrystalConfig nc = nanocrystal::read_config(c);
    auto profile = transport::make_transport_profile(stack());
    auto problem = pipeline::DeviceProblemBuilder(c.model)
                       .set_profile(profile)
                       .set_emitter(pipeline::make_nanocrystal_emitter(c.model, nc.spec, {}))
                       .set_optics(pipeline::make_constant_outcoupling())
                       .build();
    pipeline::PointContext ctx(problem);
    pipeline::PointResult r;
    ctx.solve({pipeline::DriveKind::current, 10.0, 0.0}, c.model, r);
    REQUIRE(r.converged);
    const transport::Solution sol = profile->last();
    REQUIRE(r.profile.slices.size() == 2);
    // The two slices differ (else the test could not tell a slice's drive from the other's).
    const pipeline::Slice& s0 = r.profile.slices[0];
    const pipeline::Slice& s1 = r.profile.slices[1];
    REQUIRE(std::abs(s0.generation_cm3_s / s1.generation_cm3_s - 1.0) > 0.1);
    REQUIRE(std::abs(s0.polaron_density_cm3 / s1.polaron_density_cm3 - 1.0) > 0.05);

    const double electrons_cm2_s = r.profile.current_density_mA_cm2 * 1e-3 / q;
    double photons_cm2_s = 0.0, generated_cm2_s = 0.0;
    for (std::size_t k = 0; k < r.profile.slices.size(); ++k) {
        const pipeline::Slice& s = r.profile.slices[k];
        const model::ModelParams hand = by_hand(c.model, s.generation_cm3_s, s.polaron_density_cm3);
        const model::Drive d = model::RateModel(hand).nominal_drive();
        // The hand-made parameters drive (G_k, n_p,k) to rounding.
        CHECK(d.generation_cm3_s == Approx(s.generation_cm3_s).epsilon(1e-14));
        CHECK(d.polaron_density_cm3 == Approx(s.polaron_density_cm3).epsilon(1e-14));
        const nanocrystal::SteadyStateResult direct =
            nanocrystal::solve_el_steady_state(nc.spec, hand);
        const auto& st =
            dynamic_cast<const pipeline::NanocrystalEmitterState&>(*ctx.slice_state(k));
        // The engine sees G and n_p only (to rounding of G and n_p: 1e-14 relative; the linear
        // solve's conditioning keeps it below 1e-10).
        CHECK(st.result.photons_per_exciton.mean ==
              Approx(direct.photons_per_exciton.mean).epsilon(1e-10));
        for (const nanocrystal::FateEstimate& f : direct.fates)
            CHECK(fate(st.result, f.name) == Approx(f.value.mean).epsilon(1e-10).margin(1e-15));
        // Negative control: the config's own k_L (the uniform-zone n_p of the slice's current)
        // changes the triplet-polaron quenching, so the check above can fail.
        model::ModelParams wrong = hand;
        wrong.device.langevin_cm3_s = c.model.device.langevin_cm3_s;
        const nanocrystal::SteadyStateResult other =
            nanocrystal::solve_el_steady_state(nc.spec, wrong);
        CHECK(std::abs(fate(other, "tpq") / fate(direct, "tpq") - 1.0) > 1e-3);
        CHECK(r.slices[k].photon_rate_cm3_s ==
              Approx(s.generation_cm3_s * direct.photons_per_exciton.mean).epsilon(1e-10));
        photons_cm2_s += s.width_nm * 1e-7 * s.generation_cm3_s * direct.photons_per_exciton.mean;
        generated_cm2_s += s.width_nm * 1e-7 * s.generation_cm3_s;
    }
    // IQE = sum_k d_k G_k photons_k / (J/q); EQE = outcoupling x IQE (constant outcoupling).
    CHECK(r.iqe == Approx(photons_cm2_s / electrons_cm2_s).epsilon(1e-10));
    CHECK(r.eqe == Approx(0.2 * r.iqe).epsilon(1e-13));
    // Fate budget of the injected charge: the slices' excitons (the EML share of J/q, from the
    // slices' own integral of R) + recombination outside the EML + no recombination = 1; the
    // slices' share agrees with the stage's EML recombination current (same integral of R).
    const double eml_share = generated_cm2_s / electrons_cm2_s;
    CHECK(eml_share == Approx(sol.recombination_eml_A_m2 / sol.current_density_A_m2).epsilon(1e-9));
    CHECK(r.profile.outside_fraction == sol.recombination_outside_eml);
    INFO("outside " << r.profile.outside_fraction << " none " << sol.no_recombination);
    CHECK(r.profile.outside_fraction > 1e-3);  // the budget's outside term is exercised
    const double emitter = std::accumulate(r.fates.begin(), r.fates.end(), 0.0);
    CHECK(emitter == Approx(1.0).epsilon(1e-12));
    CHECK(emitter * eml_share + sol.recombination_outside_eml + sol.no_recombination ==
          Approx(1.0).epsilon(1e-9));
}

TEST_CASE("[transport] + linear NC emitter, one slice: the plain NC run at that generation",
          "[transport][nanocrystal]") {
    const io::RunConfig c = io::load_config_text(kConfig, RELSIM_SOURCE_DIR "/configs/tp_nc.toml");
    const nanocrystal::NanocrystalConfig nc = nanocrystal::read_config(c);
    transport::StackSpec s = stack();
    s.eml_slices = 1;
    auto profile = transport::make_transport_profile(s);
    auto problem = pipeline::DeviceProblemBuilder(c.model)
                       .set_profile(profile)
                       .set_emitter(pipeline::make_nanocrystal_emitter(c.model, nc.spec, {}))
                       .set_optics(pipeline::make_constant_outcoupling())
                       .build();
    pipeline::PointContext ctx(problem);
    pipeline::PointResult r;
    ctx.solve({pipeline::DriveKind::current, 10.0, 0.0}, c.model, r);
    REQUIRE(r.converged);
    REQUIRE(r.profile.slices.size() == 1);
    const pipeline::Slice& sl = r.profile.slices[0];
    // The plain NC run (uniform zone of the EML's 20 nm, the config's charge balance) at the
    // current whose G = gamma J / (q w) is the slice's, with the k_L that gives its n_p.
    model::ModelParams plain = c.model;
    const double w_cm = 20.0e-7;
    plain.device.current_density_mA_cm2 = sl.generation_cm3_s / 0.9 * q * w_cm * 1e3;
    const double electrons = sl.generation_cm3_s / 0.9;
    plain.device.langevin_cm3_s = electrons / (sl.polaron_density_cm3 * sl.polaron_density_cm3);
    const nanocrystal::SteadyStateResult direct =
        nanocrystal::solve_el_steady_state(nc.spec, plain);
    // IQE per injected charge = (EML share of J/q) x the plain run's photons per exciton.
    const double share =
        sl.width_nm * 1e-7 * sl.generation_cm3_s / (r.profile.current_density_mA_cm2 * 1e-3 / q);
    CHECK(r.iqe == Approx(share * direct.photons_per_exciton.mean).epsilon(1e-10));
    const auto& st = dynamic_cast<const pipeline::NanocrystalEmitterState&>(*ctx.slice_state(0));
    CHECK(st.result.transfer_efficiency.mean ==
          Approx(direct.transfer_efficiency.mean).epsilon(1e-10));
    // The populations the emitter reports are the ensemble means per cm^3 (S, T, Tb levels).
    REQUIRE(r.slices[0].populations_cm3.size() == 2 + c.model.dopants[0].scheme.levels.size());
    CHECK(r.slices[0].populations_cm3[1] ==
          Approx(direct.triplets_per_nc.mean * nc.spec.nc_density_cm3).epsilon(1e-10));
    CHECK(r.slices[0].transfer_efficiency == st.result.transfer_efficiency.mean);
}
