//! Composition of the device-point pipeline (pipeline.hpp) with stand-in stages.
#include <catch2/catch.hpp>

#include <numeric>

#include "relsim/io/config.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/steady_state.hpp"
#include "relsim/pipeline/pipeline.hpp"

using namespace relsim;

namespace {

model::ModelParams two_line_params() {
    model::ModelParams p;
    model::DopantParams d;
    model::EmissionLine a, b;
    a.rate_s = 1.0e3;
    b.rate_s = 4.0e3;
    d.scheme.lines = {a, b};
    p.dopants.push_back(d);
    return p;
}

//! Optics with fixed per-line Purcell factors and extraction.
class FixedOptics final : public pipeline::OpticsStage {
public:
    std::string table() const override { return "optics"; }
    void slice_optics(const pipeline::Slice&, const model::ModelParams&,
                      pipeline::SliceOptics& out) const override {
        out.line_purcell = {2.0, 0.5};
        out.line_eta_air = {0.3, 0.6};
        out.ligand_singlet_eta_air = out.ligand_triplet_eta_air = 0.0;
    }
};

//! Emitter in which every exciton emits one photon, split between the lines in proportion to
//! their (Purcell-scaled) radiative rates; one radiative fate.
class BranchingEmitter final : public pipeline::EmitterStage {
public:
    std::string table() const override { return "stand-in"; }
    std::vector<std::string> fate_names() const override { return {"radiative"}; }
    std::unique_ptr<pipeline::EmitterState> make_state() const override {
        return std::make_unique<pipeline::EmitterState>();
    }
    void solve(const pipeline::Slice& slice, const model::ModelParams& p, pipeline::EmitterState&,
               pipeline::SliceEmission& out) const override {
        const auto& lines = p.dopants[0].scheme.lines;
        const double total = lines[0].rate_s + lines[1].rate_s;
        out.line_photon_rate_cm3_s = {slice.generation_cm3_s * lines[0].rate_s / total,
                                      slice.generation_cm3_s * lines[1].rate_s / total};
        out.photon_rate_cm3_s = slice.generation_cm3_s;
        out.iqe = p.device.charge_balance;  // one photon per exciton, cb excitons per electron
        out.fates = {1.0};
    }
};

//! Extraction that depends on the slice's position (a stand-in for a stack).
class PositionOptics final : public pipeline::OpticsStage {
public:
    std::string table() const override { return "optics"; }
    void slice_optics(const pipeline::Slice& s, const model::ModelParams&,
                      pipeline::SliceOptics& out) const override {
        out.line_purcell = {1.0 + 0.1 * s.position_nm, 0.5};
        out.line_eta_air = {0.1 + 0.02 * s.position_nm, 0.6 - 0.01 * s.position_nm};
        out.ligand_singlet_eta_air = out.ligand_triplet_eta_air = 0.0;
    }
};

//! The uniform profile with the equal-slices flag cleared: combined as per-area sums.
class UnflaggedUniform final : public pipeline::ProfileStage {
public:
    explicit UnflaggedUniform(int n) : uniform_(pipeline::make_uniform_profile(n)) {}
    std::string table() const override { return "device"; }
    bool accepts(pipeline::DriveKind k) const override { return uniform_->accepts(k); }
    void profile(const pipeline::DrivePoint& d, const model::ModelParams& p,
                 pipeline::Profile& out) const override {
        uniform_->profile(d, p, out);
        out.equal_slices = false;
        out.zone_width_nm = 0.0;
    }

private:
    std::shared_ptr<const pipeline::ProfileStage> uniform_;
};

//! Records whether each solve had a warm start: solver_method 0 (warm) or 1 (cold).
struct WarmState final : pipeline::EmitterState {
    bool have_guess = false;
    void forget_warm_start() override { have_guess = false; }
};
class WarmStartProbe final : public pipeline::EmitterStage {
public:
    std::string table() const override { return "stand-in"; }
    std::vector<std::string> fate_names() const override { return {"radiative"}; }
    std::unique_ptr<pipeline::EmitterState> make_state() const override {
        return std::make_unique<WarmState>();
    }
    void solve(const pipeline::Slice& slice, const model::ModelParams& p,
               pipeline::EmitterState& state, pipeline::SliceEmission& out) const override {
        auto& s = static_cast<WarmState&>(state);
        out.solver_method = s.have_guess ? 0 : 1;
        s.have_guess = true;
        out.photon_rate_cm3_s = slice.generation_cm3_s;
        out.iqe = p.device.charge_balance;
        out.line_photon_rate_cm3_s = {slice.generation_cm3_s, 0.0};
        out.fates = {1.0};
    }
};

}  // namespace

TEST_CASE("uniform profile reproduces the mean-field drive bit for bit", "[pipeline]") {
    model::ModelParams p;
    p.device.current_density_mA_cm2 = 7.3;
    p.device.charge_balance = 0.8;
    p.device.recombination_zone_nm = 13.0;
    const model::Drive ref = model::RateModel(p).drive_at(7.3e-3);
    pipeline::Profile prof;
    pipeline::make_uniform_profile()->profile({pipeline::DriveKind::current, 7.3, 0.0}, p, prof);
    REQUIRE(prof.slices.size() == 1);
    CHECK(prof.slices[0].generation_cm3_s == ref.generation_cm3_s);
    CHECK(prof.slices[0].polaron_density_cm3 == ref.polaron_density_cm3);
    CHECK(prof.slices[0].width_nm == 13.0);
    CHECK(prof.outside_fraction == 0.0);
    CHECK_THROWS(pipeline::make_uniform_profile()->profile({pipeline::DriveKind::voltage, 0.0, 3.0},
                                                           p, prof));
}

TEST_CASE("context composes profile, Purcell-scaled emitter and per-line extraction",
          "[pipeline]") {
    model::ModelParams p = two_line_params();
    p.device.charge_balance = 1.0;
    auto problem = pipeline::DeviceProblemBuilder(p)
                       .set_emitter(std::make_shared<BranchingEmitter>())
                       .set_optics(std::make_shared<FixedOptics>())
                       .build();
    pipeline::PointContext ctx(problem);
    pipeline::PointResult r;
    ctx.solve({pipeline::DriveKind::current, 10.0, 0.0}, p, r);
    // Purcell-scaled rates 2e3 and 2e3: equal branching, so outcoupling = (0.3 + 0.6) / 2.
    // With charge balance 1 every electron makes one photon: iqe = 1 (to rounding).
    CHECK(r.iqe == Approx(1.0).epsilon(1e-12));
    CHECK(r.outcoupling == Approx(0.45).epsilon(1e-12));
    CHECK(r.eqe == Approx(0.45).epsilon(1e-12));
    CHECK(std::accumulate(r.fates.begin(), r.fates.end(), 0.0) == Approx(1.0).epsilon(1e-14));
    // The caller's parameters are untouched (Purcell factors act on the slice-local copy).
    CHECK(p.dopants[0].scheme.lines[0].rate_s == 1.0e3);
}

TEST_CASE("constant outcoupling: eqe = outcoupling x iqe, rates untouched", "[pipeline]") {
    model::ModelParams p = two_line_params();
    p.device.charge_balance = 0.7;
    p.device.outcoupling = 0.23;
    auto problem = pipeline::DeviceProblemBuilder(p)
                       .set_emitter(std::make_shared<BranchingEmitter>())
                       .set_optics(pipeline::make_constant_outcoupling())
                       .build();
    pipeline::PointContext ctx(problem);
    pipeline::PointResult r;
    ctx.solve({pipeline::DriveKind::current, 3.0, 0.0}, p, r);
    CHECK(r.iqe == Approx(0.7).epsilon(1e-12));  // one photon per recombining exciton
    CHECK(r.outcoupling == Approx(0.23).epsilon(1e-12));
    CHECK(r.eqe == Approx(0.23 * 0.7).epsilon(1e-12));
    // Unscaled branching 1:4 reaches the emitter (Purcell 1).
    REQUIRE(r.slices.size() == 1);
    CHECK(r.slices[0].line_photon_rate_cm3_s[1] ==
          Approx(4.0 * r.slices[0].line_photon_rate_cm3_s[0]).epsilon(1e-12));
}

TEST_CASE("mean-field emitter through the pipeline equals the direct solve (tb_device)",
          "[pipeline]") {
    const io::RunConfig cfg = io::load_config(RELSIM_SOURCE_DIR "/configs/tb_device.toml");
    const model::ModelParams& p = cfg.model;
    model::RateModel rm(p);
    solver::SteadyStateSolver direct;
    std::vector<double> y(rm.num_states());
    REQUIRE(direct.solve(rm, rm.nominal_drive(), nullptr, y.data()).status ==
            solver::SolveStatus::converged);
    model::Observables obs;
    model::evaluate_observables(rm, rm.nominal_drive(), y.data(), obs);

    auto problem = pipeline::DeviceProblemBuilder(p)
                       .set_emitter(pipeline::make_mean_field_emitter(p))
                       .set_optics(pipeline::make_constant_outcoupling())
                       .build();
    pipeline::PointContext ctx(problem);
    pipeline::PointResult r;
    for (int pass = 0; pass < 2; ++pass) {  // cold start, then warm start from the first solve
        ctx.solve({pipeline::DriveKind::current, p.device.current_density_mA_cm2, 0.0}, p, r);
        REQUIRE(r.converged);
        // Solver tolerance 1e-10 relative (SteadyStateOptions), so agree to 1e-9.
        CHECK(r.iqe == Approx(obs.iqe).epsilon(1e-9));
        CHECK(r.eqe == Approx(obs.eqe).epsilon(1e-9));
        REQUIRE(r.fates.size() == obs.fates.size());
        for (std::size_t f = 0; f < obs.fates.size(); ++f)
            CHECK(r.fates[f] == Approx(obs.fates[f]).epsilon(1e-9).margin(1e-15));
    }
}

TEST_CASE("equal slices (slice means) and per-area sums: the same point to rounding",
          "[pipeline]") {
    // The uniform zone in 5 slices with position-dependent Purcell factors and extraction,
    // combined as slice means (the uniform profile) and as per-area sums (the same slices
    // unflagged, as a [transport] profile is combined): the two are the same physics.
    model::ModelParams p = two_line_params();
    p.device.charge_balance = 0.8;
    p.device.recombination_zone_nm = 17.0;
    auto build = [&](std::shared_ptr<const pipeline::ProfileStage> profile) {
        return pipeline::DeviceProblemBuilder(p)
            .set_profile(std::move(profile))
            .set_emitter(std::make_shared<BranchingEmitter>())
            .set_optics(std::make_shared<PositionOptics>())
            .build();
    };
    pipeline::PointContext mean_ctx(build(pipeline::make_uniform_profile(5)));
    pipeline::PointContext area_ctx(build(std::make_shared<UnflaggedUniform>(5)));
    pipeline::PointResult a, b;
    mean_ctx.solve({pipeline::DriveKind::current, 4.0, 0.0}, p, a);
    area_ctx.solve({pipeline::DriveKind::current, 4.0, 0.0}, p, b);
    REQUIRE(a.converged);
    REQUIRE(b.converged);
    CHECK(a.profile.equal_slices);
    CHECK_FALSE(b.profile.equal_slices);
    CHECK(a.iqe == Approx(0.8).epsilon(1e-14));
    CHECK(b.iqe == Approx(a.iqe).epsilon(1e-14));
    CHECK(b.eqe == Approx(a.eqe).epsilon(1e-14));
    CHECK(b.outcoupling == Approx(a.outcoupling).epsilon(1e-14));
    // The extraction varies over the slices, so EQE / IQE is a genuine mean, not a slice value.
    CHECK(a.outcoupling != Approx(a.slice_optics[0].line_eta_air[0]).epsilon(1e-3));
    REQUIRE(a.band_photon_flux_air.size() == 4);
    REQUIRE(b.band_photon_flux_air.size() == 4);
    for (std::size_t i = 0; i < 4; ++i)
        CHECK(b.band_photon_flux_air[i] == Approx(a.band_photon_flux_air[i]).epsilon(1e-14));
    // EQE counts exactly the photons reaching air: sum of band fluxes / (J / q).
    const double electrons_cm2_s = 4.0e-3 / 1.602176634e-19;
    CHECK(std::accumulate(a.band_photon_flux_air.begin(), a.band_photon_flux_air.end(), 0.0) /
              electrons_cm2_s ==
          Approx(a.eqe).epsilon(1e-14));
    CHECK(b.means.photon_rate_cm3_s == Approx(a.means.photon_rate_cm3_s).epsilon(1e-14));
    CHECK(a.means.photon_rate_cm3_s == Approx(a.profile.slices[0].generation_cm3_s).epsilon(1e-14));
    for (std::size_t l = 0; l < 2; ++l)
        CHECK(b.means.line_photon_rate_cm3_s[l] ==
              Approx(a.means.line_photon_rate_cm3_s[l]).epsilon(1e-14));
    REQUIRE(a.fates.size() == 1);
    CHECK(a.fates[0] == Approx(1.0).epsilon(1e-15));
    CHECK(b.fates[0] == Approx(1.0).epsilon(1e-15));
}

TEST_CASE("forget_warm_starts: every slice's next solve starts cold", "[pipeline]") {
    model::ModelParams p = two_line_params();
    auto problem = pipeline::DeviceProblemBuilder(p)
                       .set_profile(pipeline::make_uniform_profile(3))
                       .set_emitter(std::make_shared<WarmStartProbe>())
                       .set_optics(pipeline::make_constant_outcoupling())
                       .build();
    pipeline::PointContext ctx(problem);
    pipeline::PointResult r;
    auto methods = [&] {
        std::vector<int> m;
        for (const pipeline::SliceEmission& e : r.slices) m.push_back(e.solver_method);
        return m;
    };
    ctx.solve({pipeline::DriveKind::current, 1.0, 0.0}, p, r);
    CHECK(methods() == std::vector<int>{1, 1, 1});
    ctx.solve({pipeline::DriveKind::current, 2.0, 0.0}, p, r);
    CHECK(methods() == std::vector<int>{0, 0, 0});
    CHECK(r.solver_method == 0);  // the last slice's report
    ctx.forget_warm_starts();
    ctx.solve({pipeline::DriveKind::current, 2.0, 0.0}, p, r);
    CHECK(methods() == std::vector<int>{1, 1, 1});
}
