// The transport profile stage in the device pipeline (spec section 2): the slice coupling.
#include "relsim/transport/transport_stage.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <numeric>

#include "relsim/core/constants.hpp"
#include "relsim/io/config.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/steady_state.hpp"

using namespace relsim;

namespace {
constexpr double q = constants::elementary_charge_C;

// The Tb device of configs/tb_device.toml (ligand and Tb kinetics) as the emitter.
model::ModelParams tb_params() {
    return io::load_config(std::string(RELSIM_SOURCE_DIR) + "/configs/tb_device.toml").model;
}

transport::StackSpec stack(int slices) {
    transport::StackSpec s;
    s.layers = {{"HTL", 40, 3, -5.5, -2.0, 1e-7, 1e-3},
                {"EML", 20, 3, -5.6, -2.6, 1e-4, 1e-4},
                {"ETL", 40, 3, -6.2, -2.7, 1e-4, 1e-7}};
    s.anode_work_function_eV = 5.2;
    s.cathode_work_function_eV = 3.0;
    s.emissive_layer = "EML";
    s.eml_slices = slices;
    s.cells_per_layer = 160;
    return s;
}

struct Run {
    pipeline::PointResult r;
    transport::Solution sol;
};
Run run(const model::ModelParams& p, int slices, double V) {
    auto stage = transport::make_transport_profile(stack(slices));
    auto problem = pipeline::DeviceProblemBuilder(p)
                       .set_profile(stage)
                       .set_emitter(pipeline::make_mean_field_emitter(p))
                       .set_optics(pipeline::make_constant_outcoupling())
                       .build();
    pipeline::PointContext ctx(problem);
    pipeline::DrivePoint d;
    d.kind = pipeline::DriveKind::voltage;
    d.voltage_V = V;
    Run out;
    ctx.solve(d, p, out.r);
    out.sol = stage->last();
    return out;
}
}  // namespace

TEST_CASE("transport stage: one slice reproduces the mean-field model at the same G and n_p",
          "[transport][pipeline]") {
    const model::ModelParams p = tb_params();
    const Run t = run(p, 1, 5.0);
    REQUIRE(t.r.converged);
    REQUIRE(t.r.profile.slices.size() == 1);
    const pipeline::Slice& s = t.r.profile.slices[0];
    const double J_A_cm2 = t.sol.current_density_A_m2 * 1e-4;
    REQUIRE(J_A_cm2 > 1e-4);  // a lit device (mA cm^-2 range), resolved
    REQUIRE(t.sol.continuity_error < 1e-6);
    // The mean-field model whose uniform zone has the slice's G and n_p:
    // w = d, gamma = q G d / J, k_L = (J / (q w)) / n_p^2 (spec section 2: n_p = sqrt(J/(q w
    // k_L))).
    model::ModelParams mf = p;
    const double w_cm = s.width_nm * 1e-7;
    mf.device.recombination_zone_nm = s.width_nm;
    mf.device.current_density_mA_cm2 = J_A_cm2 * 1e3;
    mf.device.charge_balance = q * s.generation_cm3_s * w_cm / J_A_cm2;
    mf.device.langevin_cm3_s =
        J_A_cm2 / (q * w_cm) / (s.polaron_density_cm3 * s.polaron_density_cm3);
    CHECK(mf.device.charge_balance ==
          Approx(t.sol.recombination_eml_A_m2 / t.sol.current_density_A_m2).epsilon(1e-9));
    const model::RateModel m(mf);
    CHECK(m.nominal_drive().generation_cm3_s == Approx(s.generation_cm3_s).epsilon(1e-12));
    CHECK(m.nominal_drive().polaron_density_cm3 == Approx(s.polaron_density_cm3).epsilon(1e-12));
    std::vector<double> y(m.num_states());
    solver::SteadyStateSolver solver;
    REQUIRE(solver.solve(m, m.nominal_drive(), nullptr, y.data()).status ==
            solver::SolveStatus::converged);
    model::Observables obs;
    model::evaluate_observables(m, m.nominal_drive(), y.data(), obs);
    // Same kinetics at the same (G, n_p): EQE, IQE and the exciton fates agree to the steady-state
    // solver's tolerance (1e-9 relative is far above its ~1e-12 residual, far below any physics).
    CHECK(t.r.eqe == Approx(obs.eqe).epsilon(1e-9));
    CHECK(t.r.iqe == Approx(obs.iqe).epsilon(1e-9));
    REQUIRE(t.r.fates.size() == obs.fates.size());
    for (std::size_t f = 0; f < obs.fates.size(); ++f)
        CHECK(t.r.fates[f] == Approx(obs.fates[f]).margin(1e-12).epsilon(1e-9));
}

TEST_CASE("transport stage: EQE J/q equals the photons counted over slices, fates sum to 1",
          "[transport][pipeline]") {
    const model::ModelParams p = tb_params();
    for (double V : {3.0, 6.0}) {
        const Run t = run(p, 4, V);
        REQUIRE(t.r.converged);
        REQUIRE(t.r.profile.slices.size() == 4);
        // Photons per area and time counted slice by slice (constant outcoupling: every band
        // leaves with device.outcoupling) against EQE x J/q from the solved current [A m^-2].
        double photons_cm2_s = 0.0, generated_cm2_s = 0.0, width_nm = 0.0;
        for (std::size_t k = 0; k < 4; ++k) {
            photons_cm2_s +=
                t.r.profile.slices[k].width_nm * 1e-7 * t.r.slices[k].photon_rate_cm3_s;
            generated_cm2_s +=
                t.r.profile.slices[k].width_nm * 1e-7 * t.r.profile.slices[k].generation_cm3_s;
            width_nm += t.r.profile.slices[k].width_nm;
        }
        CHECK(width_nm == Approx(20.0).epsilon(1e-12));
        const double electrons_cm2_s = t.sol.current_density_A_m2 * 1e-4 / q;
        CHECK(t.r.eqe * electrons_cm2_s ==
              Approx(p.device.outcoupling * photons_cm2_s).epsilon(1e-12));
        // The slices carry exactly the EML recombination: q sum G_k d_k = q int_EML R dx.
        CHECK(q * generated_cm2_s * 1e4 == Approx(t.sol.recombination_eml_A_m2).epsilon(1e-9));
        // Fate budget per injected charge (spec section 2): emitter channels x EML share +
        // recombination outside the EML + no recombination = 1.
        const double share = t.sol.recombination_eml_A_m2 / t.sol.current_density_A_m2;
        double sum = t.sol.recombination_outside_eml + t.sol.no_recombination;
        for (double f : t.r.fates) sum += f * share;
        CHECK(sum == Approx(1.0).epsilon(1e-12));
        CHECK(t.sol.recombination_outside_eml > 0.0);  // the transport layers take a share here
    }
}

TEST_CASE("transport stage: current drive gives the voltage drive's point, J = 0 drives no slice",
          "[transport][pipeline]") {
    const model::ModelParams p = tb_params();
    const Run v = run(p, 2, 4.0);
    auto stage = transport::make_transport_profile(stack(2));
    pipeline::Profile prof;
    pipeline::DrivePoint d;
    d.kind = pipeline::DriveKind::current;
    d.current_density_mA_cm2 = v.r.profile.current_density_mA_cm2;
    stage->profile(d, p, prof);
    CHECK(stage->last().voltage_V == Approx(4.0).margin(1e-8));  // solve_current inverts to 1e-10 V
    for (std::size_t k = 0; k < 2; ++k)
        CHECK(prof.slices[k].generation_cm3_s ==
              Approx(v.r.profile.slices[k].generation_cm3_s).epsilon(1e-6));
    d.current_density_mA_cm2 = 0.0;
    stage->profile(d, p, prof);
    CHECK(prof.slices.empty());
    CHECK(prof.current_density_mA_cm2 == 0.0);
}
