//! @file test_nanocrystal_config.cpp
//! The [nanocrystal] reader: every key of spec section 6 lands in NanocrystalSpec, level names
//! resolve against [[dopant]], and every bad input of issue 9 is an InputError naming file, line,
//! key and allowed range. Sweep keys: accepted only with a [nanocrystal] table, checked by key,
//! value and per-point geometry.
#include <catch2/catch.hpp>

#include <string>

#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/nanocrystal/config.hpp"

using relsim::InputError;
using namespace relsim::nanocrystal;

namespace {

const std::string kBase = R"(title = "nc"
[device]
current_density_mA_cm2 = 10.0
[ligand]
density_cm3 = 2.6e20
triplet_energy_eV = 2.9
[[dopant]]
ion = "Tb"
density_cm3 = 1.0e21
accepting_level = "5D4"
kTET_s = 2.0e9
[[dopant]]
ion = "Eu"
density_cm3 = 1.0e20
accepting_level = "5D1"
kTET_s = 0.0
)";

//! The example of spec section 6 (sphere, two shells, ligands, a transfer, surface quench).
const std::string kSpecExample = R"(
[nanocrystal]
engine = "kmc"
lattice = "beta_NaREF4"
a_nm = 0.602
c_nm = 0.360
shape = "sphere"
radius_nm = 5.0
count = 200
seed = 7
nc_density_cm3 = 5.5e17
warmup_s = 5.0e-3
measure_s = 2.0e-2

[[nanocrystal.shell]]
outer_radius_nm = 4.0
composition = { Tb = 0.38, Eu = 0.02 }
[[nanocrystal.shell]]
outer_radius_nm = 5.0
composition = {}

[nanocrystal.ligand]
surface_density_nm2 = 1.5
standoff_nm = 0.5
r0_nm = 0.5
L_nm = 0.15
kTET0_s = { Tb = 5.0e10, Eu = 4.0e10 }

[[nanocrystal.transfer]]
donor = "Tb:5D4"
donor_to = "ground"
acceptor = "Eu:5D0"
C_nm_s = 2.0e3
multipolarity = 6

[[nanocrystal.transfer]]
donor = "Tb:5D4"
acceptor = "Tb:5D4"
W0_s = 1.0e8
r0_nm = 0.38
L_nm = 0.1
cutoff_nm = 1.5

[[nanocrystal.surface_quench]]
level = "Tb:5D4"
k_surface_s = 1.0e4
surface_length_nm = 0.5
)";

const std::string kBox = R"(
[nanocrystal]
lattice = "simple_cubic"
a_nm = 0.5
shape = "periodic_box"
cells = [10, 10, 10]
composition = { Tb = 0.05, Eu = 0.05 }
[[nanocrystal.transfer]]
donor = "Tb:5D4"
acceptor = "Eu:5D0"
C_nm_s = 2.0e3
cutoff_nm = 2.0
[nanocrystal.excitation]
target = "Tb:5D4"
fraction = 0.01
decay_until_s = 1.0e-2
points = 50
)";

NanocrystalConfig read(const std::string& text) {
    const relsim::io::RunConfig cfg = relsim::io::load_config_text(text, "nc.toml");
    REQUIRE(cfg.has_table("nanocrystal"));
    return read_config(cfg);
}

InputError error_of(const std::string& text) {
    try {
        const relsim::io::RunConfig cfg = relsim::io::load_config_text(text, "nc.toml");
        (void)read_config(cfg);
    } catch (const InputError& e) {
        return e;
    }
    FAIL("expected relsim::InputError for:\n" << text);
    throw;
}

int line_of(const std::string& text, const std::string& needle) {
    const auto pos = text.find(needle);
    REQUIRE(pos != std::string::npos);
    int line = 1;
    for (std::size_t i = 0; i < pos; ++i) line += text[i] == '\n';
    return line;
}

//! Replaces the first `from` of `s` by `to` (which must occur).
std::string with(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    return s.replace(pos, from.size(), to);
}

//! The error names the file, the line of `needle`, the key and a non-empty allowed range.
void check_located(const std::string& text, const std::string& needle, const std::string& key,
                   const std::string& problem_part) {
    const InputError e = error_of(text);
    INFO(e.what());
    CHECK(e.file() == "nc.toml");
    CHECK(e.line() == line_of(text, needle));
    CHECK(e.key() == key);
    CHECK(e.problem().find(problem_part) != std::string::npos);
    CHECK_FALSE(e.allowed().empty());
}

}  // namespace

TEST_CASE(
    "the spec-section-6 example lands in NanocrystalSpec, levels resolved against [[dopant]]") {
    const NanocrystalConfig c = read(kBase + kSpecExample);
    const NanocrystalSpec& s = c.spec;
    REQUIRE(c.species == std::vector<std::string>{"Tb", "Eu"});
    CHECK(s.engine == Engine::kmc);
    CHECK(s.lattice == Lattice::beta_NaREF4);
    CHECK(s.shape == Shape::sphere);
    CHECK(s.a_nm == 0.602);
    CHECK(s.c_nm == 0.360);
    CHECK(s.radius_nm == 5.0);
    CHECK(s.count == 200);
    CHECK(s.seed == 7u);
    CHECK(s.nc_density_cm3 == 5.5e17);
    CHECK(s.warmup_s == 5.0e-3);
    CHECK(s.measure_s == 2.0e-2);
    REQUIRE(s.shells.size() == 2);
    CHECK(s.shells[0].outer_radius_nm == 4.0);
    CHECK(s.shells[0].composition == std::vector<double>{0.38, 0.02});
    CHECK(s.shells[1].composition == std::vector<double>{0.0, 0.0});
    REQUIRE(s.ligand);
    CHECK(s.ligand->surface_density_nm2 == 1.5);
    CHECK(s.ligand->L_nm == 0.15);
    CHECK(s.ligand->kTET0_s == std::vector<double>{5.0e10, 4.0e10});
    CHECK(s.ligand->kSET0_s == std::vector<double>{0.0, 0.0});
    REQUIRE(s.transfers.size() == 2);
    // Tb.toml levels: 5D4 (index 0), 5D3; Eu.toml: 5D0 first.
    CHECK(s.transfers[0].donor.species == 0);
    CHECK(s.transfers[0].donor.level == 0);
    CHECK(s.transfers[0].donor_to.is_ground());
    CHECK(s.transfers[0].acceptor.species == 1);
    CHECK(level_name(relsim::io::load_config_text(kBase, "x.toml").model,
                     s.transfers[0].acceptor) == "Eu:5D0");
    CHECK_FALSE(s.transfers[0].law.exchange);
    CHECK(s.transfers[0].law.C_nm_s == 2.0e3);
    CHECK(s.transfers[0].law.multipolarity == 6);
    CHECK_FALSE(s.transfers[0].law.cutoff_nm);
    CHECK(s.transfers[1].law.exchange);
    CHECK(s.transfers[1].law.W0_s == 1.0e8);
    CHECK(s.transfers[1].law.r0_nm == 0.38);
    CHECK(s.transfers[1].law.L_nm == 0.1);
    CHECK(s.transfers[1].law.cutoff_nm == Approx(1.5));
    CHECK(s.transfers[1].donor_to.is_ground());  // default: the ground of the donor
    REQUIRE(s.surface_quench.size() == 1);
    CHECK(s.surface_quench[0].k_surface_s == 1.0e4);
    CHECK_FALSE(s.excitation);
}

TEST_CASE(
    "defaults: linear engine, 100 NCs, seed 1, NaGdF4 lattice constants, radius following the "
    "shells") {
    const std::string text = kBase + R"(
[nanocrystal]
[[nanocrystal.shell]]
outer_radius_nm = 2.0
composition = { Tb = 0.4 }
[[nanocrystal.shell]]
outer_radius_nm = 3.0
composition = {}
[nanocrystal.ligand]
kTET0_s = { Tb = 1e10 }
)";
    const NanocrystalConfig c = read(text);
    CHECK(c.spec.engine == Engine::linear);
    CHECK(c.spec.count == 100);
    CHECK(c.spec.seed == 1u);
    CHECK(c.spec.a_nm == 0.602);
    CHECK(c.spec.c_nm == 0.360);
    CHECK(c.radius_follows_shells);
    CHECK(c.spec.radius_nm == 3.0);
    // Sweeping the last shell moves the radius along.
    NanocrystalSpec p = c.spec;
    REQUIRE(set_parameter(p, c.species, "nanocrystal.shell.1.outer_radius_nm", 4.5));
    derive(c, p);
    CHECK(p.radius_nm == 4.5);
    CHECK(geometry_problem(p).empty());
    // NaYF4 host constants.
    const NanocrystalConfig y =
        read(with(text, "[nanocrystal]\n", "[nanocrystal]\nhost = \"NaYF4\"\n"));
    CHECK(y.spec.a_nm == 0.596);
    CHECK(y.spec.c_nm == 0.353);
    // check prints them with their origin
    bool found = false;
    for (const auto& r : y.resolved) {
        if (r.key == "nanocrystal.a_nm") {
            found = true;
            CHECK(r.source.find("JCPDS 16-0334") != std::string::npos);
        }
    }
    CHECK(found);
}

TEST_CASE("a periodic box: one composition, cells, an excitation, minimum-image cutoff") {
    const NanocrystalConfig c = read(kBase + kBox);
    CHECK(c.spec.shape == Shape::periodic_box);
    CHECK(c.spec.lattice == Lattice::simple_cubic);
    CHECK(c.spec.cells == std::vector<int>{10, 10, 10});
    CHECK(c.spec.composition == std::vector<double>{0.05, 0.05});
    REQUIRE(c.spec.excitation);
    CHECK(c.spec.excitation->target.species == 0);
    CHECK(c.spec.excitation->fraction == 0.01);
    CHECK(c.spec.excitation->points == 50);
    CHECK_FALSE(c.spec.ligand);
}

TEST_CASE("bad input of issue 9: each a located error (file, line, key, allowed range)") {
    const std::string good = kBase + kSpecExample;
    SECTION("shells not increasing") {
        const std::string t = with(good, "outer_radius_nm = 5.0", "outer_radius_nm = 3.5");
        check_located(with(t, "radius_nm = 5.0", "radius_nm = 3.5"), "outer_radius_nm = 3.5",
                      "nanocrystal.shell.1.outer_radius_nm", "increasing");
    }
    SECTION("last shell short of the radius") {
        check_located(with(good, "outer_radius_nm = 5.0", "outer_radius_nm = 4.5"),
                      "radius_nm = 5.0", "nanocrystal.radius_nm", "must equal radius_nm");
    }
    SECTION("composition summing above 1") {
        check_located(with(good, "Tb = 0.38, Eu = 0.02", "Tb = 0.8, Eu = 0.3"), "{ Tb = 0.8",
                      "nanocrystal.shell.0.composition", "sums to 1.1");
    }
    SECTION("a composition naming no [[dopant]]") {
        check_located(with(good, "Tb = 0.38, Eu = 0.02", "Tb = 0.38, Er = 0.02"), "Er = 0.02",
                      "nanocrystal.shell.0.composition.Er", "no [[dopant]]");
    }
    SECTION("a transfer naming an unknown level") {
        check_located(with(good, "acceptor = \"Eu:5D0\"", "acceptor = \"Eu:5D7\""), "\"Eu:5D7\"",
                      "nanocrystal.transfer.0.acceptor", "not a level");
    }
    SECTION("a transfer naming an unknown ion") {
        check_located(with(good, "acceptor = \"Eu:5D0\"", "acceptor = \"Sm:4G5\""), "\"Sm:4G5\"",
                      "nanocrystal.transfer.0.acceptor", "no [[dopant]]");
    }
    SECTION("a transfer to a ground-multiplet member") {
        check_located(with(good, "acceptor = \"Eu:5D0\"", "acceptor = \"Eu:7F1\""), "\"Eu:7F1\"",
                      "nanocrystal.transfer.0.acceptor", "ground multiplet");
    }
    SECTION("donor_to above the donor level") {
        check_located(with(good, "donor_to = \"ground\"", "donor_to = \"Tb:5D3\""), "\"Tb:5D3\"",
                      "nanocrystal.transfer.0.donor_to", "lower level");
    }
    SECTION("count = 0") {
        check_located(with(good, "count = 200", "count = 0"), "count = 0", "nanocrystal.count",
                      "out of range");
    }
    SECTION("count not an integer") {
        check_located(with(good, "count = 200", "count = 2.5"), "count = 2.5", "nanocrystal.count",
                      "integer");
    }
    SECTION("a type error") {
        check_located(with(good, "radius_nm = 5.0", "radius_nm = \"5\""), "radius_nm = \"5\"",
                      "nanocrystal.radius_nm", "expected a number");
    }
    SECTION("a negative rate") {
        check_located(with(good, "k_surface_s = 1.0e4", "k_surface_s = -1.0"), "k_surface_s = -1.0",
                      "nanocrystal.surface_quench.0.k_surface_s", "negative");
    }
    SECTION("multipolarity not 6, 8 or 10") {
        check_located(with(good, "multipolarity = 6", "multipolarity = 7"), "multipolarity = 7",
                      "nanocrystal.transfer.0.multipolarity", "not 6");
    }
    SECTION("both laws") {
        check_located(with(good, "C_nm_s = 2.0e3", "C_nm_s = 2.0e3\nW0_s = 1.0"), "W0_s = 1.0",
                      "nanocrystal.transfer.0.W0_s", "both");
    }
    SECTION("an unknown key") {
        check_located(with(good, "count = 200", "count = 200\nradus_nm = 4"), "radus_nm",
                      "nanocrystal.radus_nm", "unknown key");
    }
    SECTION("an unknown engine") {
        check_located(with(good, "engine = \"kmc\"", "engine = \"mc\""), "engine = \"mc\"",
                      "nanocrystal.engine", "unknown engine");
    }
    SECTION("EL without ligands") {
        const std::string t =
            kBase + "[nanocrystal]\nradius_nm = 3.0\ncomposition = { Tb = 0.4 }\n";
        check_located(t, "[nanocrystal]", "nanocrystal.ligand", "no [nanocrystal.ligand]");
    }
}

TEST_CASE("bad input of a periodic box: ligands, cutoff beyond half the box, sphere keys") {
    const std::string good = kBase + kBox;
    SECTION("a periodic box with ligands") {
        check_located(good + "[nanocrystal.ligand]\nkTET0_s = { Tb = 1e10 }\n",
                      "[nanocrystal.ligand]", "nanocrystal.ligand", "no surface");
    }
    SECTION("a cutoff beyond half the periodic box (10 x 0.5 nm: 2.5 nm)") {
        check_located(with(good, "cutoff_nm = 2.0", "cutoff_nm = 2.6"), "cutoff_nm = 2.6",
                      "nanocrystal.transfer.0.cutoff_nm", "half the periodic box (2.5 nm)");
        CHECK_NOTHROW(read(with(good, "cutoff_nm = 2.0", "cutoff_nm = 2.5")));
    }
    SECTION("hexagonal box: half the smallest face distance, min(n a sqrt(3)/2, n c) / 2") {
        std::string t = with(good, "lattice = \"simple_cubic\"\na_nm = 0.5",
                             "lattice = \"beta_NaREF4\"\na_nm = 0.6\nc_nm = 0.36");
        // cells 10: a sin(120) * 10 = 5.196, c * 10 = 3.6 -> half = 1.8 nm
        check_located(with(t, "cutoff_nm = 2.0", "cutoff_nm = 1.81"), "cutoff_nm = 1.81",
                      "nanocrystal.transfer.0.cutoff_nm", "(1.8 nm)");
        CHECK_NOTHROW(read(with(t, "cutoff_nm = 2.0", "cutoff_nm = 1.79")));
    }
    SECTION("radius_nm in a box") {
        check_located(with(good, "cells = [10, 10, 10]", "cells = [10, 10, 10]\nradius_nm = 3"),
                      "radius_nm = 3", "nanocrystal.radius_nm", "sphere key");
    }
    SECTION("a box without an excitation") {
        const std::string t = good.substr(0, good.find("[nanocrystal.excitation]"));
        check_located(t, "[nanocrystal]", "nanocrystal.excitation", "no ligands");
    }
    SECTION("cells with a zero") {
        check_located(with(good, "cells = [10, 10, 10]", "cells = [10, 0, 10]"),
                      "cells = [10, 0, 10]", "nanocrystal.cells.1", "out of range");
    }
}

TEST_CASE(
    "sweep keys: nanocrystal.* only with a [nanocrystal] table, key, value and geometry checked") {
    const std::string good = kBase + kSpecExample;
    auto sweep = [](const std::string& body) {
        return "\n[sweep]\n[[sweep.axis]]\n" + body + "\n";
    };
    SECTION("accepted: radius + last shell zipped, a composition, a Dexter rate, a model key") {
        const std::string t =
            good +
            sweep(
                "keys = [\"nanocrystal.radius_nm\", \"nanocrystal.shell.1.outer_radius_nm\"]\n"
                "values = [[4.5, 5.0, 6.0], [4.5, 5.0, 6.0]]") +
            "[[sweep.axis]]\nkey = \"nanocrystal.shell.0.composition.Eu\"\nvalues = [0.0, 0.05, "
            "0.1]\n"
            "[[sweep.axis]]\nkey = \"nanocrystal.ligand.kTET0_s.Tb\"\nvalues = [1e10, 5e10]\n"
            "[[sweep.axis]]\nkey = \"dopant.0.quench_s.5D4\"\nvalues = [0.0, 100.0]\n";
        // dopant.0.quench_s.5D4 must be listed to be sweepable: add it
        const std::string t2 =
            with(t, "kTET_s = 2.0e9\n", "kTET_s = 2.0e9\nquench_s = { \"5D4\" = 0.0 }\n");
        const NanocrystalConfig c = read(t2);
        CHECK(c.spec.radius_nm == 5.0);
    }
    SECTION("without [nanocrystal] the mean-field loader rejects the key") {
        try {
            (void)relsim::io::load_config_text(
                kBase + sweep("key = \"nanocrystal.radius_nm\"\nvalues = [1.0]"), "nc.toml");
            FAIL("expected an InputError");
        } catch (const InputError& e) {
            CHECK(e.key() == "sweep.axis.0.key");
        }
    }
    SECTION("a key the table does not have") {
        const std::string t =
            good + sweep("key = \"nanocrystal.transfer.5.C_nm_s\"\nvalues = [1.0]");
        check_located(t, "[[sweep.axis]]", "sweep.axis.0.key", "names no numeric key");
        const std::string t2 =
            good + sweep("key = \"nanocrystal.shell.0.composition.Er\"\nvalues = [0.1]");
        check_located(t2, "[[sweep.axis]]", "sweep.axis.0.key", "names no numeric key");
        const std::string t3 =
            good + sweep("key = \"nanocrystal.transfer.0.W0_s\"\nvalues = [1.0]");
        check_located(t3, "[[sweep.axis]]", "sweep.axis.0.key", "whichever its table gives");
    }
    SECTION("the decay time grid is not sweepable") {
        const std::string t =
            kBase + kBox + sweep("key = \"nanocrystal.excitation.points\"\nvalues = [10, 20]");
        check_located(t, "[[sweep.axis]]", "sweep.axis.0.key", "time grid");
        CHECK_NOTHROW(
            read(kBase + kBox +
                 sweep("key = \"nanocrystal.excitation.fraction\"\nvalues = [0.01, 0.1]")));
    }
    SECTION("a value out of range") {
        const std::string t =
            good + sweep("key = \"nanocrystal.shell.0.composition.Eu\"\nvalues = [0.1, 1.5]");
        check_located(t, "[[sweep.axis]]", "nanocrystal.shell.0.composition.Eu", "point 1");
        const std::string t2 = good + sweep("key = \"nanocrystal.count\"\nvalues = [10, 0]");
        check_located(t2, "[[sweep.axis]]", "nanocrystal.count", "out of range");
    }
    SECTION("a sweep point whose geometry is inconsistent") {
        // radius given: sweeping the last shell alone breaks "last shell = radius"
        const std::string t =
            good + sweep("key = \"nanocrystal.shell.0.outer_radius_nm\"\nvalues = [3.0, 5.5]");
        check_located(t, "[[sweep.axis]]", "nanocrystal.shell.1.outer_radius_nm", "point 1");
        const std::string t2 =
            good + sweep("key = \"nanocrystal.shell.0.composition.Tb\"\nvalues = [0.5, 0.99]");
        check_located(t2, "[[sweep.axis]]", "nanocrystal.shell.0.composition", "sums to");
    }
}

TEST_CASE("get/set by key path reach every numeric member") {
    const NanocrystalConfig c = read(kBase + kSpecExample);
    NanocrystalSpec s = c.spec;
    const std::vector<std::pair<std::string, double>> keys{
        {"nanocrystal.a_nm", 0.61},
        {"nanocrystal.c_nm", 0.37},
        {"nanocrystal.radius_nm", 6.0},
        {"nanocrystal.count", 12},
        {"nanocrystal.seed", 99},
        {"nanocrystal.nc_density_cm3", 1e18},
        {"nanocrystal.warmup_s", 1e-3},
        {"nanocrystal.measure_s", 2e-3},
        {"nanocrystal.shell.0.outer_radius_nm", 3.0},
        {"nanocrystal.shell.1.composition.Eu", 0.1},
        {"nanocrystal.ligand.surface_density_nm2", 2.0},
        {"nanocrystal.ligand.standoff_nm", 0.4},
        {"nanocrystal.ligand.r0_nm", 0.3},
        {"nanocrystal.ligand.L_nm", 0.2},
        {"nanocrystal.ligand.kTET0_s.Eu", 7e9},
        {"nanocrystal.ligand.kSET0_s.Tb", 3e9},
        {"nanocrystal.transfer.0.C_nm_s", 5e3},
        {"nanocrystal.transfer.0.multipolarity", 8},
        {"nanocrystal.transfer.1.W0_s", 2e8},
        {"nanocrystal.transfer.1.r0_nm", 0.4},
        {"nanocrystal.transfer.1.L_nm", 0.12},
        {"nanocrystal.transfer.1.cutoff_nm", 1.2},
        {"nanocrystal.surface_quench.0.k_surface_s", 3e4},
        {"nanocrystal.surface_quench.0.surface_length_nm", 0.7},
    };
    for (const auto& [k, v] : keys) {
        INFO(k);
        REQUIRE(set_parameter(s, c.species, k, v));
        CHECK(get_parameter(s, c.species, k) == Approx(v));
        CHECK_FALSE(parameter_unit(k).empty());
    }
    CHECK(s.transfers[0].law.multipolarity == 8);
    CHECK(s.shells[1].composition[1] == 0.1);
    CHECK(s.ligand->kSET0_s[0] == 3e9);
    // not keys of this spec
    for (const char* k :
         {"nanocrystal.cells.0", "nanocrystal.composition.Tb", "nanocrystal.transfer.0.W0_s",
          "nanocrystal.transfer.0.cutoff_nm", "nanocrystal.shell.2.outer_radius_nm",
          "nanocrystal.excitation.points", "nanocrystal.bogus", "device.outcoupling"}) {
        INFO(k);
        CHECK_FALSE(get_parameter(s, c.species, k));
        CHECK_FALSE(set_parameter(s, c.species, k, 1.0));
    }
    // every resolved parameter names a real key with a unit and a file:line or a default
    for (const auto& r : c.resolved) {
        INFO(r.key);
        CHECK(get_parameter(c.spec, c.species, r.key) == Approx(r.value));
        CHECK_FALSE(r.unit.empty());
        CHECK_FALSE(r.source.empty());
    }
}

// Issue 21 item 20: a 0 nm shell could not share a sweep with thicker shells (outer radii had to
// increase strictly); the microscopic model required [[dopant]] density_cm3 and kTET_s it does not
// use; misspelt keys and sweep key paths got no suggestion.
TEST_CASE(
    "shell thickness_nm (0 allowed) in a sweep, dummy dopant numbers optional, did you mean (issue "
    "21 item 20)") {
    auto sweep = [](const std::string& body) {
        return "\n[sweep]\n[[sweep.axis]]\n" + body + "\n";
    };
    std::string shells = with(kSpecExample, "radius_nm = 5.0\n", "");
    shells = with(shells, "outer_radius_nm = 5.0", "thickness_nm = 1.0");
    SECTION("an inert shell of 0, 0.5 and 2 nm on a 4 nm core: outer radii and radius follow") {
        const std::string t =
            kBase + shells +
            sweep("key = \"nanocrystal.shell.1.thickness_nm\"\nvalues = [0.0, 0.5, 2.0]");
        const NanocrystalConfig c = read(t);
        REQUIRE(c.spec.shells.size() == 2);
        CHECK(c.spec.shells[1].outer_radius_nm == 5.0);
        CHECK(c.spec.radius_nm == 5.0);
        for (const double th : {0.0, 0.5, 2.0}) {
            NanocrystalSpec s = c.spec;
            REQUIRE(set_parameter(s, c.species, "nanocrystal.shell.1.thickness_nm", th));
            derive(c, s);
            CHECK(s.shells[1].outer_radius_nm == 4.0 + th);
            CHECK(s.radius_nm == 4.0 + th);
            CHECK(geometry_problem(s).empty());
        }
        // The outer radius of a thickness shell is derived, not a key (a value set there would be
        // overwritten).
        CHECK_FALSE(get_parameter(c.spec, c.species, "nanocrystal.shell.1.outer_radius_nm"));
        CHECK(get_parameter(c.spec, c.species, "nanocrystal.shell.1.thickness_nm") == 1.0);
    }
    SECTION("bad thickness input") {
        check_located(kBase + with(shells, "thickness_nm = 1.0", "thickness_nm = -0.5"),
                      "thickness_nm = -0.5", "nanocrystal.shell.1.thickness_nm", "negative");
        check_located(
            kBase + with(shells, "thickness_nm = 1.0", "thickness_nm = 1.0\nouter_radius_nm = 5.0"),
            "thickness_nm = 1.0", "nanocrystal.shell.1.thickness_nm", "both");
        const std::string t =
            kBase + with(with(shells, "outer_radius_nm = 4.0", "thickness_nm = 0.0"),
                         "thickness_nm = 1.0", "thickness_nm = 0.0");
        const InputError e = error_of(t);
        CHECK(std::string(e.what()).find("no volume") != std::string::npos);
    }
    SECTION("[[dopant]] density_cm3 and kTET_s may be left out with [nanocrystal], not without") {
        std::string base = with(kBase, "density_cm3 = 1.0e21\n", "");
        base = with(base, "kTET_s = 2.0e9\n", "");
        base = with(base, "density_cm3 = 1.0e20\n", "");
        base = with(base, "kTET_s = 0.0\n", "");
        const NanocrystalConfig c = read(base + kSpecExample);
        CHECK(c.species.size() == 2);
        try {
            (void)relsim::io::load_config_text(base, "nc.toml");
            FAIL("a mean-field config without dopant density_cm3 was accepted");
        } catch (const InputError& e) {
            CHECK(e.key() == "dopant.0.density_cm3");
        }
    }
    SECTION("did you mean: a [nanocrystal] key and a nanocrystal sweep key path") {
        const InputError e =
            error_of(kBase + with(kSpecExample, "count = 200", "count = 200\nradus_nm = 4"));
        CHECK(e.problem().find("did you mean 'radius_nm'?") != std::string::npos);
        const InputError e2 =
            error_of(kBase + kSpecExample +
                     sweep("key = \"nanocrystal.shell.1.outer_radius_mn\"\nvalues = [5.0]"));
        CHECK(e2.problem().find("did you mean 'nanocrystal.shell.1.outer_radius_nm'?") !=
              std::string::npos);
        const InputError e3 =
            error_of(kBase + kSpecExample +
                     sweep("key = \"nanocrystal.ligand.kTET0_s.Tb\"\nvalues = [1e10]\n"
                           "[[sweep.axis]]\nkey = \"nanocrystal.ligand.L_mn\"\nvalues = [0.1]"));
        CHECK(e3.problem().find("did you mean 'nanocrystal.ligand.L_nm'?") != std::string::npos);
        // Far from every key: no suggestion.
        const InputError e4 =
            error_of(kBase + kSpecExample + sweep("key = \"nanocrystal.colour\"\nvalues = [1.0]"));
        CHECK(e4.problem().find("did you mean") == std::string::npos);
    }
}
