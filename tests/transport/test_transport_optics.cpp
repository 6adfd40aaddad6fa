// [transport] + [optics] (spec transport.md section 2): each transport slice is an emitter at its
// centre in the [optics] emitting layer with its own Purcell factors and eta_air; the reader
// checks that both tables describe the same layers.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/optics/device_optics.hpp"
#include "relsim/optics/dipole_emission.hpp"
#include "relsim/pipeline/bands.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/pipeline/stack_optics.hpp"
#include "relsim/transport/transport_config.hpp"
#include "relsim/transport/transport_stage.hpp"

using namespace relsim;

namespace {

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

optics::LayerSpec layer(const std::string& name, double thickness_nm, double n, double k = 0.0) {
    optics::LayerSpec l;
    l.name = name;
    l.semi_infinite = thickness_nm <= 0;
    l.thickness_nm = thickness_nm > 0 ? thickness_nm : 0.0;
    l.n = n;
    l.k = k;
    return l;
}

// substrate = "none": a semi-infinite medium below (the anode side), HTL 40 / EML 20 / ETL 40 nm,
// a lossy metal-like half-space above (n = 1, k = 6): the factors depend on the position.
optics::DeviceOptics device_stack(double n_below, double n_htl, double n_eml, double n_etl,
                                  double n_top, double k_top) {
    optics::OpticsSpec s;
    s.file = "test";
    s.glass_substrate = false;
    s.emitting_layer = "EML";
    s.emitting_index = 2;
    s.emitter_slices = 1;
    s.layers = {layer("below", 0, n_below), layer("HTL", 40, n_htl), layer("EML", 20, n_eml),
                layer("ETL", 40, n_etl), layer("top", 0, n_top, k_top)};
    return optics::DeviceOptics(s);
}

pipeline::PointResult solve(const model::ModelParams& p, int slices,
                            std::shared_ptr<const pipeline::OpticsStage> o, double V) {
    auto problem = pipeline::DeviceProblemBuilder(p)
                       .set_profile(transport::make_transport_profile(stack(slices)))
                       .set_emitter(pipeline::make_mean_field_emitter(p))
                       .set_optics(std::move(o))
                       .build();
    pipeline::PointContext ctx(problem);
    pipeline::PointResult r;
    ctx.solve({pipeline::DriveKind::voltage, 0.0, V}, p, r);
    return r;
}

}  // namespace

TEST_CASE("transport + optics: each slice's factors are the dipole model at its centre",
          "[transport][optics]") {
    const model::ModelParams p = tb_params();
    const optics::DeviceOptics ds = device_stack(1.5, 1.68, 1.70, 1.75, 1.0, 6.0);
    std::vector<double> wl;
    std::vector<bool> md;
    pipeline::band_centres(p, wl, md);
    for (const bool from_top : {false, true}) {
        auto stage = std::make_shared<pipeline::PositionedStackOptics>(ds, from_top);
        const pipeline::PointResult r = solve(p, 3, stage, 5.0);
        REQUIRE(r.converged);
        REQUIRE(r.profile.slices.size() == 3);
        REQUIRE(r.slice_optics.size() == 3);
        for (std::size_t k = 0; k < 3; ++k) {
            // Slice centres from the emissive layer's anode-side edge: (k + 1/2) d / n (mesh nodes;
            // the positions are differences of node coordinates, exact to rounding).
            const double z = r.profile.slices[k].position_nm;
            CHECK(z == Approx((static_cast<double>(k) + 0.5) * 20.0 / 3.0).epsilon(1e-12));
            const double zl = from_top ? 20.0 - z : z;
            CHECK(stage->layer_position_nm(z) == zl);
            const pipeline::SliceOptics& o = r.slice_optics[k];
            REQUIRE(o.line_purcell.size() + 2 == wl.size());
            for (std::size_t b = 0; b < wl.size(); ++b) {
                // The dipole model evaluated directly at the slice's position in the emitting
                // layer.
                const optics::EmitterPowers e =
                    optics::dipole_powers(ds.stack_at(wl[b]), wl[b], {zl}).at(0);
                const double eta = b == 0   ? o.ligand_singlet_eta_air
                                   : b == 1 ? o.ligand_triplet_eta_air
                                            : o.line_eta_air[b - 2];
                CHECK(eta == Approx(e.eta_air(md[b])).epsilon(1e-9));
                if (b >= 2) CHECK(o.line_purcell[b - 2] == Approx(e.purcell(md[b])).epsilon(1e-9));
            }
        }
        // The test can fail: the factors depend on the position (metal mirror 40 nm above the EML).
        CHECK(std::abs(r.slice_optics[0].line_purcell[0] / r.slice_optics[2].line_purcell[0] -
                       1.0) > 1e-3);
        CHECK(std::abs(r.slice_optics[0].line_eta_air[0] / r.slice_optics[2].line_eta_air[0] -
                       1.0) > 1e-3);
        // EQE = outcoupling * IQE, with outcoupling the photon-weighted eta_air of the slices.
        CHECK(r.eqe == Approx(r.outcoupling * r.iqe).epsilon(1e-12));
        CHECK(r.outcoupling > 0.0);
        CHECK(r.outcoupling < 1.0);
        // A second point at the same stack reuses the cached factors (no new dipole solves).
        const long before = stage->computations();
        (void)solve(p, 3, stage, 6.0);
        CHECK(stage->computations() == before);
    }
}

TEST_CASE("transport + optics in a homogeneous n = 1.7 medium: outcoupling 1/2, Purcell 1",
          "[transport][optics]") {
    // An isotropic dipole in an infinite homogeneous loss-free medium radiates half its power into
    // each half-space (Novotny & Hecht, Principles of Nano-Optics, 2nd ed., sec. 8.3); with
    // substrate = "none" the upper half-space is "air" (optics.md), so eta_air = 1/2 and F = 1 at
    // every slice position, to the optics module's quadrature accuracy (< 1e-6, spec optics.md).
    const model::ModelParams p = tb_params();
    const optics::DeviceOptics ds = device_stack(1.7, 1.7, 1.7, 1.7, 1.7, 0.0);
    auto stage = std::make_shared<pipeline::PositionedStackOptics>(ds, false);
    const pipeline::PointResult r = solve(p, 4, stage, 5.0);
    REQUIRE(r.converged);
    REQUIRE(r.slice_optics.size() == 4);
    for (const pipeline::SliceOptics& o : r.slice_optics) {
        for (std::size_t l = 0; l < o.line_purcell.size(); ++l) {
            CHECK(o.line_purcell[l] == Approx(1.0).margin(1e-6));
            CHECK(o.line_eta_air[l] == Approx(0.5).margin(1e-6));
        }
        CHECK(o.ligand_singlet_eta_air == Approx(0.5).margin(1e-6));
    }
    CHECK(r.outcoupling == Approx(0.5).margin(1e-6));
    CHECK(r.eqe == Approx(0.5 * r.iqe).epsilon(1e-6));
    // The IQE is that of the run without [optics] (Purcell 1): the same slices, constant
    // outcoupling.
    const pipeline::PointResult c = solve(p, 4, pipeline::make_constant_outcoupling(), 5.0);
    CHECK(r.iqe == Approx(c.iqe).epsilon(1e-5));
}

namespace {
const std::string kTransport = R"([device]
voltage_V = 6.0

[transport]
anode_work_function_eV = 5.0
cathode_work_function_eV = 3.1
emissive_layer = "EML"

[[transport.layer]]
name = "HTL"
thickness_nm = 40.0
eps_r = 3.0
HOMO_eV = -5.5
LUMO_eV = -2.0
mu_n_cm2_Vs = 1e-6
mu_p_cm2_Vs = 1e-4

[[transport.layer]]
name = "EML"
thickness_nm = 20.0
eps_r = 3.0
HOMO_eV = -5.7
LUMO_eV = -2.6
mu_n_cm2_Vs = 1e-5
mu_p_cm2_Vs = 1e-5

[[transport.layer]]
name = "ETL"
thickness_nm = 30.0
eps_r = 3.0
HOMO_eV = -6.2
LUMO_eV = -2.7
mu_n_cm2_Vs = 1e-5
mu_p_cm2_Vs = 1e-7
)";

// An [optics] stack below / l1 / l2 / l3 / metal top; a layer's thickness follows its name (as in
// kTransport: HTL 40, EML eml_nm, ETL 30; other names 35 nm).
std::string optics_table(const std::string& l1, const std::string& l2, const std::string& l3,
                         double eml_nm = 20.0, const std::string& extra = "") {
    auto thick = [&](const std::string& n) {
        return std::to_string(n == "HTL" ? 40.0 : n == "EML" ? eml_nm : n == "ETL" ? 30.0 : 35.0);
    };
    std::string t = "\n[optics]\nsubstrate = \"none\"\nemitting_layer = \"EML\"\n" + extra +
                    "[[optics.layer]]\nname = \"below\"\nn = 1.5\n";
    for (const std::string& n : {l1, l2, l3})
        t += "[[optics.layer]]\nname = \"" + n + "\"\nthickness_nm = " + thick(n) + "\nn = 1.7\n";
    return t + "[[optics.layer]]\nname = \"top\"\nn = 1.0\nk = 6.0\n";
}

// The key of the InputError (exit 2) and whether its message names both tables.
std::string refusal(const std::string& text) {
    try {
        transport::read_transport_config(text, "t.toml");
    } catch (const InputError& e) {
        const std::string m = e.what();
        CHECK(e.line() > 0);
        CHECK(m.find("[optics]") != std::string::npos);
        CHECK(m.find("[transport]") != std::string::npos);
        return e.key();
    }
    return "<accepted>";
}
}  // namespace

TEST_CASE("transport + optics: both tables must describe the same layers (exit 2 naming both)",
          "[transport][optics][config]") {
    {
        const auto c = transport::read_transport_config(
            kTransport + optics_table("HTL", "EML", "ETL"), "t.toml");
        REQUIRE(c);
        CHECK(c->with_optics);
        CHECK_FALSE(c->optics_from_top);
    }
    {  // cathode on the substrate side: the shared layers run down the optics stack
        const auto c = transport::read_transport_config(
            kTransport + optics_table("ETL", "EML", "HTL"), "t.toml");
        REQUIRE(c);
        CHECK(c->optics_from_top);
    }
    // Only the emitting layer shared (other names): accepted, anode on the substrate side.
    CHECK(refusal(kTransport + optics_table("A", "EML", "B")) == "<accepted>");
    // The emitting layer is 25 nm in [optics] and 20 nm in [transport].
    CHECK(refusal(kTransport + optics_table("HTL", "EML", "ETL", 25.0)) ==
          "optics.layer.2.thickness_nm");
    // The optics emitting layer is not the transport emissive layer.
    {
        std::string t = kTransport + optics_table("HTL", "NC", "ETL");
        t.replace(t.find("emitting_layer = \"EML\""), 22, "emitting_layer = \"NC\"");
        CHECK(refusal(t) == "optics.emitting_layer");
    }
    // The optics stack has no layer of the transport emissive layer's name.
    CHECK(refusal(kTransport + optics_table("HTL", "NC", "ETL")) == "optics.emitting_layer");
    // A uniform zone's placement keys are refused with [transport].
    CHECK(refusal(kTransport + optics_table("HTL", "EML", "ETL", 20.0, "zone_offset_nm = 0.0\n")) ==
          "optics.zone_offset_nm");
    CHECK(refusal(kTransport + optics_table("HTL", "EML", "ETL", 20.0, "emitter_slices = 2\n")) ==
          "optics.emitter_slices");
    // The shared layers in a different order (EML below HTL in [optics]).
    CHECK(refusal(kTransport + "\n[optics]\nsubstrate = \"none\"\nemitting_layer = "
                               "\"EML\"\n[[optics.layer]]\nname = \"below\"\nn = 1.5\n"
                               "[[optics.layer]]\nname = \"EML\"\nthickness_nm = 20.0\nn = 1.7\n"
                               "[[optics.layer]]\nname = \"HTL\"\nthickness_nm = 40.0\nn = 1.7\n"
                               "[[optics.layer]]\nname = \"ETL\"\nthickness_nm = 30.0\nn = 1.7\n"
                               "[[optics.layer]]\nname = \"top\"\nn = 1.0\n") == "optics.layer");
    // A thickness swept in one table only, or with other values.
    const std::string both = kTransport + optics_table("HTL", "EML", "ETL");
    CHECK(refusal(both + "[sweep]\n[[sweep.axis]]\nkey = "
                         "\"transport.layer.1.thickness_nm\"\nvalues = [20.0, 30.0]\n") ==
          "transport.layer.1.thickness_nm");
    CHECK(refusal(both + "[sweep]\n[[sweep.axis]]\nkeys = [\"transport.layer.1.thickness_nm\", "
                         "\"optics.layer.2.thickness_nm\"]\n"
                         "values = [[20.0, 30.0], [20.0, 31.0]]\n") ==
          "transport.layer.1.thickness_nm");
    CHECK(refusal(both + "[sweep]\n[[sweep.axis]]\nkeys = [\"transport.layer.1.thickness_nm\", "
                         "\"optics.layer.2.thickness_nm\"]\n"
                         "values = [[20.0, 30.0], [20.0, 30.0]]\n") == "<accepted>");
}
