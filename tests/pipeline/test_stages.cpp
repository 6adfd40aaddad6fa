//! The pipeline's concrete stages: the n-slice uniform profile, the [optics] stack stage and the
//! microscopic emitter stage (issue 18).
#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>
#include <string>

#include "relsim/io/config.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/nanocrystal/engine.hpp"
#include "relsim/pipeline/nanocrystal_emitter.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/pipeline/stack_optics.hpp"

using namespace relsim;

namespace {

const std::string kDevice = R"(title = "stage tests"
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
kTP_cm3_s = 4.0e-13
[[dopant]]
ion = "Tb"
density_cm3 = 1.60e21
accepting_level = "5D4"
kTET_s = 2.0e9
quench_s = { "5D4" = 430.0 }
)";

const std::string kNanocrystal = R"(
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

std::string homogeneous(double n, int slices) {
    return "\n[optics]\nsubstrate = \"none\"\nemitting_layer = \"EML\"\nemitter_slices = " +
           std::to_string(slices) +
           "\n[[optics.layer]]\nname = \"below\"\nn = " + std::to_string(n) +
           "\n[[optics.layer]]\nname = \"EML\"\nthickness_nm = 40.0\nn = " + std::to_string(n) +
           "\n[[optics.layer]]\nname = \"above\"\nn = " + std::to_string(n) + "\n";
}

io::RunConfig config(const std::string& text) {
    return io::load_config_text(text, RELSIM_SOURCE_DIR "/configs/stage_test.toml");
}

}  // namespace

TEST_CASE(
    "uniform profile in n slices: the optics positions, equal generation, widths summing to w",
    "[pipeline]") {
    const io::RunConfig c = config(kDevice + homogeneous(1.7, 4));
    const auto stack = pipeline::read_stack(c);
    REQUIRE(stack);
    pipeline::Profile prof;
    pipeline::make_uniform_profile(4)->profile({pipeline::DriveKind::current, 10.0, 0.0}, c.model,
                                               prof);
    REQUIRE(prof.slices.size() == 4);
    const std::vector<double> z = stack->positions_nm(c.model.device.recombination_zone_nm);
    double width = 0.0;
    for (std::size_t i = 0; i < 4; ++i) {
        // bit for bit the positions DeviceOptics uses (offset 0 here)
        CHECK(prof.slices[i].position_nm == z[i]);
        CHECK(prof.slices[i].generation_cm3_s == prof.slices[0].generation_cm3_s);
        width += prof.slices[i].width_nm;
    }
    CHECK(width == Approx(20.0).epsilon(1e-15));
}

TEST_CASE("stack optics in a homogeneous medium: Purcell 1, eta_air 1/2, on and off the slice grid",
          "[pipeline][optics]") {
    // An isotropic dipole in an infinite homogeneous medium radiates half its power into each
    // half-space (orientation-averaged pattern symmetric under z -> -z; Novotny & Hecht,
    // Principles of Nano-Optics, 2nd ed., sec. 8.3); F = 1 to 1e-6 (spec optics.md section 5).
    const io::RunConfig c = config(kDevice + homogeneous(1.7, 3));
    auto stage = pipeline::make_stack_optics(*pipeline::read_stack(c));
    CHECK(stage->table() == "optics");
    for (double z : {10.0 / 3.0, 10.0, 7.77}) {  // two grid positions, one between (exact path)
        pipeline::Slice s;
        s.position_nm = z;
        pipeline::SliceOptics o;
        stage->slice_optics(s, c.model, o);
        REQUIRE(o.line_purcell.size() == c.model.dopants[0].scheme.lines.size());
        for (std::size_t l = 0; l < o.line_purcell.size(); ++l) {
            CHECK(o.line_purcell[l] == Approx(1.0).margin(1e-6));
            CHECK(o.line_eta_air[l] == Approx(0.5).margin(1e-6));
        }
        CHECK(o.ligand_singlet_eta_air == Approx(0.5).margin(1e-6));
        CHECK(o.ligand_triplet_eta_air == Approx(0.5).margin(1e-6));
    }
}

TEST_CASE("stack optics on the slice grid: the factors relsim run uses, bit for bit",
          "[pipeline][optics]") {
    // The paper's stack (glass/ITO/HTL/EML/ETL/LiF/Al, 5 slices): position-dependent factors.
    const io::RunConfig c = io::load_config(RELSIM_SOURCE_DIR "/configs/optics/paper_device.toml");
    auto stack = *pipeline::read_stack(c);
    auto stage = pipeline::make_stack_optics(stack);
    std::vector<double> wl;
    std::vector<bool> md;
    pipeline::band_centres(c.model, wl, md);
    const auto powers = stack.powers(wl, c.model.device.recombination_zone_nm);
    pipeline::Profile prof;
    pipeline::make_uniform_profile(5)->profile({pipeline::DriveKind::current, 10.0, 0.0}, c.model,
                                               prof);
    REQUIRE(stack.spec().emitter_slices == 5);
    for (std::size_t i = 0; i < 5; ++i) {
        pipeline::SliceOptics o;
        stage->slice_optics(prof.slices[i], c.model, o);
        CHECK(o.ligand_singlet_eta_air == powers[0][i].eta_air(false));
        CHECK(o.ligand_triplet_eta_air == powers[1][i].eta_air(false));
        for (std::size_t l = 0; l < o.line_purcell.size(); ++l) {
            CHECK(o.line_purcell[l] == powers[2 + l][i].purcell(md[2 + l]));
            CHECK(o.line_eta_air[l] == powers[2 + l][i].eta_air(md[2 + l]));
        }
    }
}

TEST_CASE("microscopic emitter, one slice, constant outcoupling: the engine's own result",
          "[pipeline][nanocrystal]") {
    const io::RunConfig c = config(kDevice + kNanocrystal);
    const nanocrystal::NanocrystalConfig nc = nanocrystal::read_config(c);
    const nanocrystal::SteadyStateResult direct =
        nanocrystal::solve_el_steady_state(nc.spec, c.model);
    auto problem = pipeline::DeviceProblemBuilder(c.model)
                       .set_emitter(pipeline::make_nanocrystal_emitter(c.model, nc.spec, {}))
                       .set_optics(pipeline::make_constant_outcoupling())
                       .build();
    pipeline::PointContext ctx(problem);
    pipeline::PointResult r;
    ctx.solve({pipeline::DriveKind::current, c.model.device.current_density_mA_cm2, 0.0}, c.model,
              r);
    REQUIRE(r.converged);
    const auto& state = dynamic_cast<const pipeline::NanocrystalEmitterState&>(*ctx.slice_state(0));
    // The engine saw the point's J bit for bit (the slice's J equals it to rounding).
    CHECK(state.params.device.current_density_mA_cm2 == c.model.device.current_density_mA_cm2);
    CHECK(state.result.iqe.mean == direct.iqe.mean);
    // iqe = photons / electrons: the same number through w G / (J / q) instead of gamma.
    CHECK(r.iqe == Approx(direct.iqe.mean).epsilon(1e-13));
    CHECK(r.eqe == Approx(direct.eqe.mean).epsilon(1e-13));
    CHECK(r.outcoupling == Approx(0.2).epsilon(1e-14));
    CHECK(std::accumulate(r.fates.begin(), r.fates.end(), 0.0) == Approx(1.0).epsilon(1e-9));
    const auto names = problem->emitter_stage().fate_names();
    REQUIRE(names.size() == r.fates.size());
    for (const nanocrystal::FateEstimate& f : direct.fates) {
        const auto it = std::find(names.begin(), names.end(), f.name);
        REQUIRE(it != names.end());
        CHECK(r.fates[static_cast<std::size_t>(it - names.begin())] ==
              Approx(f.value.mean).epsilon(1e-13).margin(1e-15));
    }
}

TEST_CASE("stack optics with a changed stack: recomputed, else cached", "[pipeline][optics]") {
    // A sweep of optics.* keys changes the stack of its own StackOptics between points: the
    // factors follow the stack, and an unchanged stack (any number of kinetic points) is
    // computed once.
    const io::RunConfig c = io::load_config(RELSIM_SOURCE_DIR "/configs/optics/paper_device.toml");
    pipeline::StackOptics stage(*pipeline::read_stack(c));
    pipeline::Profile prof;
    pipeline::make_uniform_profile(5)->profile({pipeline::DriveKind::current, 10.0, 0.0}, c.model,
                                               prof);
    pipeline::SliceOptics before, again, after;
    stage.slice_optics(prof.slices[2], c.model, before);
    model::ModelParams kinetic = c.model;  // a kinetic parameter changes nothing optical
    kinetic.dopants[0].density_cm3 *= 2.0;
    stage.slice_optics(prof.slices[2], kinetic, again);
    CHECK(stage.computations() == 1);
    CHECK(again.line_eta_air == before.line_eta_air);
    // The layer after the emitting layer (the ETL): its thickness moves the cathode mirror.
    const std::size_t etl = stage.stack().spec().emitting_index + 1;
    double* t =
        stage.stack().find_parameter("optics.layer." + std::to_string(etl) + ".thickness_nm");
    REQUIRE(t != nullptr);
    *t += 60.0;
    stage.slice_optics(prof.slices[2], c.model, after);
    CHECK(stage.computations() == 2);
    const auto fresh = pipeline::make_stack_optics(stage.stack());  // the changed stack, built anew
    pipeline::SliceOptics ref;
    fresh->slice_optics(prof.slices[2], c.model, ref);
    CHECK(after.line_eta_air == ref.line_eta_air);
    CHECK(after.line_purcell == ref.line_purcell);
    CHECK(after.line_eta_air[0] != Approx(before.line_eta_air[0]).epsilon(1e-3));
}
