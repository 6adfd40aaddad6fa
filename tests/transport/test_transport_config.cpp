// [transport] reader: good input and the bad inputs of spec section 3 (located errors).
#include "relsim/transport/transport_config.hpp"
#include "relsim/core/error.hpp"

#include <algorithm>
#include <string>

#include <catch2/catch.hpp>

using namespace relsim::transport;

namespace {
const std::string kGood = R"([device]
voltage_V = 6.0
temperature_K = 300.0

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
)";

std::string key_of(const std::string& text) {
    try {
        read_transport_config(text, "t.toml");
    } catch (const relsim::InputError& e) {
        CHECK(e.file() == "t.toml");
        CHECK(e.line() > 0);
        CHECK(!e.allowed().empty());
        return e.key();
    }
    return "<accepted>";
}
std::string replace(std::string s, const std::string& a, const std::string& b) {
    const auto p = s.find(a);
    REQUIRE(p != std::string::npos);
    return s.replace(p, a.size(), b);
}
}  // namespace

TEST_CASE("[transport] good input builds a stack", "[transport][config]") {
    const auto c = read_transport_config(kGood, "t.toml");
    REQUIRE(c);
    REQUIRE(c->stack.layers.size() == 2);
    CHECK(c->stack.layers[1].lumo_eV == -2.6);
    CHECK(c->stack.emissive_layer == "EML");
    Stack st(c->stack);
    CHECK(st.slice_count() == 2);  // 20 nm / 10 nm NC diameter
    CHECK(!read_transport_config("[device]\nvoltage_V = 1.0\n", "t.toml"));
}

TEST_CASE("[transport] bad input names file, line, key and range", "[transport][config]") {
    CHECK(key_of(replace(kGood, "thickness_nm = 40.0", "thickness_nm = 0.0")) ==
          "transport.layer.0.thickness_nm");
    CHECK(key_of(replace(kGood, "mu_p_cm2_Vs = 1e-4", "mu_p_cm2_Vs = -1e-4")) ==
          "transport.layer.0.mu_p_cm2_Vs");
    CHECK(key_of(replace(kGood, "eps_r = 3.0", "eps_r = 0")) == "transport.layer.0.eps_r");
    CHECK(key_of(replace(kGood, "LUMO_eV = -2.0", "LUMO_eV = -6.0")) ==
          "transport.layer.0.LUMO_eV");
    CHECK(key_of(replace(kGood, "emissive_layer = \"EML\"", "emissive_layer = \"X\"")) ==
          "transport.emissive_layer");
    CHECK(key_of(replace(kGood, "voltage_V = 6.0",
                         "voltage_V = 6.0\ncurrent_density_mA_cm2 = 1.0")) == "device.voltage_V");
    CHECK(key_of(replace(kGood, "voltage_V = 6.0", "")) == "device.voltage_V");
    CHECK(
        key_of(replace(kGood, "voltage_V = 6.0", "voltage_V = 6.0\nrecombination_zone_nm = 5.0")) ==
        "device.recombination_zone_nm");
    CHECK(key_of(replace(kGood, "voltage_V = 6.0", "voltage_V = 6.0\ncharge_balance = 1.0")) ==
          "device.charge_balance");
    CHECK(key_of(replace(kGood, "voltage_V = 6.0", "voltage_V = 6.0\nlangevin_cm3_s = 1e-10")) ==
          "device.langevin_cm3_s");
    CHECK(key_of(replace(kGood, "eps_r = 3.0", "eps_r = 3.0\nN0_cm3 = 0")) ==
          "transport.layer.0.N0_cm3");
    CHECK(key_of(replace(kGood, "emissive_layer", "bogus = 1\nemissive_layer")) ==
          "transport.bogus");
}

#include "relsim/io/config.hpp"

// The general reader now takes [transport] (read by src/transport); device.voltage_V without a
// stack is refused, located.
TEST_CASE("relsim run config: [transport] accepted, voltage_V without it refused",
          "[transport][config]") {
    const std::string chem =
        "\n[ligand]\ndensity_cm3 = 7.5e20\ntriplet_energy_eV = 2.9\nkS_rad_s = 1e8\nkS_nr_s = 1e8\n"
        "k_isc_s = 1e11\nkT_rad_s = 1e2\nkT_nr_s = 1e4\n";
    const relsim::io::RunConfig c = relsim::io::load_config_text(kGood + chem, "t.toml");
    CHECK(c.has_table("transport"));
    try {
        (void)relsim::io::load_config_text(
            "[device]\nvoltage_V = 3.0\ncurrent_density_mA_cm2 = 1.0\n" + chem, "u.toml");
        FAIL("accepted");
    } catch (const relsim::InputError& e) {
        CHECK(e.key() == "device.voltage_V");
        CHECK(e.line() == 2);
    }
}

TEST_CASE("[transport] sweep keys and combinations: located refusals", "[transport][config]") {
    const std::string axis = "\n[sweep]\n[[sweep.axis]]\nkey = \"{}\"\nvalues = [{}]\n";
    auto with_axis = [&](const std::string& key, const std::string& values) {
        std::string a = axis;
        a.replace(a.find("{}"), 2, key);
        a.replace(a.find("{}"), 2, values);
        return kGood + a;
    };
    CHECK(key_of(with_axis("transport.layer.1.thickness_nm", "10.0, 20.0")) == "<accepted>");
    CHECK(key_of(with_axis("device.voltage_V", "0.0, 5.0")) == "<accepted>");
    CHECK(key_of(with_axis("transport.layer.1.thickness_nm", "10.0, 0.0")) ==
          "transport.layer.1.thickness_nm");
    CHECK(key_of(with_axis("transport.layer.2.thickness_nm", "10.0")) ==
          "transport.layer.2.thickness_nm");
    CHECK(key_of(with_axis("transport.layer.0.colour", "1.0")) == "transport.layer.0.colour");
    CHECK(key_of(with_axis("transport.eml_slices", "1.0")) == "transport.eml_slices");
    CHECK(key_of(with_axis("transport.layer.0.HOMO_eV", "-5.5, -1.9")) ==
          "transport.layer.0.HOMO_eV");
    CHECK(key_of(with_axis("transport.layer.0.pf_gamma_p_cm_V", "0.0, 1e-3")) == "<accepted>");
    CHECK(key_of(with_axis("transport.layer.0.pf_gamma_p_cm_V", "-1e-3")) ==
          "transport.layer.0.pf_gamma_p_cm_V");
    CHECK(key_of(with_axis("device.current_density_mA_cm2", "1.0")) ==
          "device.voltage_V");  // both drives
    CHECK(key_of(with_axis("device.charge_balance", "0.5")) == "device.charge_balance");
    for (const char* other :
         {"transient"}) {  // [optics]: test_transport_optics.cpp; [lifetime]: tests/lifetime
        const std::string t = kGood + "\n[" + other + "]\n";
        CHECK(key_of(t) == other);
    }
    // [nanocrystal]: the linear engine (the default) combines; kmc and a PL decay are refused.
    CHECK(key_of(kGood + "\n[nanocrystal]\n") == "<accepted>");
    CHECK(key_of(kGood + "\n[nanocrystal]\nengine = \"linear\"\n") == "<accepted>");
    CHECK(key_of(kGood + "\n[nanocrystal]\nengine = \"kmc\"\n") == "nanocrystal.engine");
    CHECK(key_of(kGood + "\n[nanocrystal]\n[nanocrystal.excitation]\n") ==
          "nanocrystal.excitation");
}

// A misspelt key is answered with the closest valid one (issue 21 item 20), at its own line
// (a table key) or at its [[sweep.axis]] (a swept key); an out-of-range layer gets no other layer.
TEST_CASE("[transport] misspelt table and sweep keys: did you mean, located",
          "[transport][config]") {
    auto error_of = [](const std::string& text, int& line) -> std::string {
        try {
            read_transport_config(text, "t.toml");
        } catch (const relsim::InputError& e) {
            CHECK(e.file() == "t.toml");
            line = e.line();
            return e.what();
        }
        return "<accepted>";
    };
    const auto line_of = [](const std::string& text, const std::string& needle) {
        const auto at = text.find(needle);
        REQUIRE(at != std::string::npos);
        return 1 + static_cast<int>(
                       std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    };
    int line = 0;
    const std::string t1 = replace(kGood, "anode_work_function_eV", "anode_work_fuction_eV");
    std::string e = error_of(t1, line);
    INFO(e);
    CHECK(e.find("unknown key 'anode_work_fuction_eV' in 'transport' (did you mean "
                 "'anode_work_function_eV'?)") != std::string::npos);
    CHECK(line == line_of(t1, "anode_work_fuction_eV"));
    const std::string t2 = replace(kGood, "thickness_nm = 20.0", "thicknes_nm = 20.0");
    e = error_of(t2, line);
    INFO(e);
    CHECK(
        e.find("unknown key 'thicknes_nm' in 'transport.layer.1' (did you mean 'thickness_nm'?)") !=
        std::string::npos);
    CHECK(line == line_of(t2, "thicknes_nm"));

    const std::string sweep = "\n[sweep]\n[[sweep.axis]]\nkey = \"";
    const std::string t3 =
        kGood + sweep + "transport.layer.0.thicknes_nm\"\nvalues = [10.0, 20.0]\n";
    e = error_of(t3, line);
    INFO(e);
    CHECK(e.find("'transport.layer.0.thicknes_nm' names no sweepable [transport] number "
                 "(did you mean 'transport.layer.0.thickness_nm'?)") != std::string::npos);
    CHECK(line == line_of(t3, "[[sweep.axis]]"));
    const std::string t4 =
        kGood + sweep + "transport.anode_work_fuction_eV\"\nvalues = [4.8, 5.0]\n";
    e = error_of(t4, line);
    INFO(e);
    CHECK(e.find("(did you mean 'transport.anode_work_function_eV'?)") != std::string::npos);
    CHECK(line == line_of(t4, "[[sweep.axis]]"));
    const std::string t5 = kGood + sweep + "transport.layer.2.thickness_nm\"\nvalues = [10.0]\n";
    e = error_of(t5, line);
    INFO(e);
    CHECK(e.find("names no sweepable [transport] number") != std::string::npos);
    CHECK(e.find("did you mean") == std::string::npos);
}
