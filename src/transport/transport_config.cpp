// Reader of the [transport] table with the shared typed TOML accessors (the only file of the
// module that sees toml++ or io/detail; switching to a public accessor is a change here only).
#include "relsim/transport/transport_config.hpp"

#include <cmath>
#include <algorithm>
#include <cstring>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "relsim/io/config_registry.hpp"
#include "relsim/io/detail/config_document.hpp"
#include "relsim/io/detail/toml_reader.hpp"
#include "relsim/core/error.hpp"

namespace relsim::transport {
namespace {
using io::detail::Src;

double positive(const Src& src, const toml::node& n, const std::string& key) {
    const double v = src.number(n, key, nullptr);
    if (!(v > 0))
        src.fail(n.source(), key, fmt::format("value {} is not positive", v),
                 "a finite number > 0");
    return v;
}
double at_least(const Src& src, const toml::node& n, const std::string& key, double lo) {
    const double v = src.number(n, key, nullptr);
    if (!(v >= lo))
        src.fail(n.source(), key, fmt::format("value {} is below {}", v, lo),
                 fmt::format("a finite number >= {}", lo));
    return v;
}

//! Numbers of an axis for key number `which` (the general config reader checks the shapes).
std::vector<double> axis_numbers(const toml::table& at, std::size_t which) {
    std::vector<double> v;
    auto add = [&](const toml::node* n) {
        if (n) {
            if (auto d = n->value<double>()) v.push_back(*d);
        }
    };
    if (const toml::node* vals = at.get("values"); vals && vals->as_array()) {
        const toml::array& arr = *vals->as_array();
        if (at.get("keys")) {
            if (which < arr.size() && arr[which].as_array())
                for (const toml::node& x : *arr[which].as_array()) add(&x);
        } else {
            for (const toml::node& x : arr) add(&x);
        }
    }
    add(at.get("from"));
    add(at.get("log_from"));
    add(at.get("to"));
    return v;
}

std::string allowed_of(const std::string& key) {
    for (const char* f : {"HOMO_eV", "LUMO_eV"})
        if (key.size() >= std::strlen(f) &&
            key.compare(key.size() - std::strlen(f), std::string::npos, f) == 0)
            return "a finite number (eV, vacuum scale), HOMO_eV < LUMO_eV";
    for (const char* f : {"pf_gamma_n_cm_V", "pf_gamma_p_cm_V", "langevin_prefactor"})
        if (key.find(f) != std::string::npos) return "a finite number >= 0";
    return "a finite number > 0";
}

//! The sweepable transport.* key paths of the stack `base` (the keys find_stack_parameter knows)
//! that could be meant by the swept `key`: the candidates of "did you mean". A key naming a layer
//! by a number keeps that layer (an index out of range gets no other layer's key suggested).
std::vector<std::string> sweepable_keys(const StackSpec& base, const std::string& key) {
    std::vector<std::string> out = {"transport.anode_work_function_eV",
                                    "transport.cathode_work_function_eV",
                                    "transport.langevin_prefactor", "transport.nc_diameter_nm"};
    std::size_t first = 0, last = base.layers.size();
    const std::string head = "transport.layer.";
    if (key.rfind(head, 0) == 0) {
        const std::string idx = key.substr(head.size(), key.find('.', head.size()) - head.size());
        if (!idx.empty() && idx.size() <= 6 &&
            idx.find_first_not_of("0123456789") == std::string::npos) {
            first = std::stoul(idx);
            last = std::min(last, first + 1);
        }
    }
    for (std::size_t i = first; i < last; ++i)
        for (const char* f : {"thickness_nm", "eps_r", "HOMO_eV", "LUMO_eV", "mu_n_cm2_Vs",
                              "mu_p_cm2_Vs", "pf_gamma_n_cm_V", "pf_gamma_p_cm_V", "N0_cm3"})
            out.push_back(fmt::format("transport.layer.{}.{}", i, f));
    return out;
}

//! The transport.* and device.voltage_V keys of [sweep]: names and every value.
void check_sweep(const Src& src, const toml::table& root, const StackSpec& base) {
    const toml::node* sw = root.get("sweep");
    if (!sw || !sw->as_table()) return;
    const toml::node* ax = sw->as_table()->get("axis");
    if (!ax || !ax->as_array()) return;
    std::vector<double> homo_max(base.layers.size()), lumo_min(base.layers.size());
    for (std::size_t i = 0; i < base.layers.size(); ++i)
        homo_max[i] = base.layers[i].homo_eV, lumo_min[i] = base.layers[i].lumo_eV;
    for (const toml::node& a : *ax->as_array()) {
        const toml::table* at = a.as_table();
        if (!at) continue;
        std::vector<std::string> keys;
        if (const toml::node* k = at->get("key"); k && k->as_string())
            keys.push_back(k->as_string()->get());
        if (const toml::node* ks = at->get("keys"); ks && ks->as_array())
            for (const toml::node& k : *ks->as_array())
                if (k.as_string()) keys.push_back(k.as_string()->get());
        for (std::size_t w = 0; w < keys.size(); ++w) {
            const std::string& key = keys[w];
            const std::vector<double> values = axis_numbers(*at, w);
            if (key == "device.voltage_V") {
                for (double v : values)
                    if (!std::isfinite(v) || std::abs(v) > 1000)
                        src.fail(at->source(), key, fmt::format("voltage {} V", v),
                                 "a finite voltage in [-1000, 1000] V");
                continue;
            }
            if (key.rfind("transport.", 0) != 0) continue;
            StackSpec probe = base;
            double* slot = find_stack_parameter(probe, key);
            if (!slot)
                src.fail(
                    at->source(), key,
                    fmt::format("'{}' names no sweepable [transport] number{}", key,
                                io::detail::did_you_mean(key, sweepable_keys(base, key))),
                    fmt::format(
                        "transport.anode_work_function_eV, transport.cathode_work_function_eV, "
                        "transport.langevin_prefactor, transport.nc_diameter_nm, "
                        "transport.layer.<i>.<key> "
                        "with i in [0, {}] and key thickness_nm, eps_r, HOMO_eV, LUMO_eV, "
                        "mu_n_cm2_Vs, "
                        "mu_p_cm2_Vs, pf_gamma_n_cm_V, pf_gamma_p_cm_V, N0_cm3 (eml_slices is an "
                        "integer, "
                        "not sweepable)",
                        base.layers.size() - 1));
            const std::string allowed = allowed_of(key);
            const bool level = allowed.find("HOMO") != std::string::npos;
            const bool zero_ok = allowed.find(">= 0") != std::string::npos;
            for (double v : values) {
                const bool ok = std::isfinite(v) && (level || (zero_ok ? v >= 0 : v > 0));
                if (!ok)
                    src.fail(at->source(), key, fmt::format("sweep value {} is out of range", v),
                             allowed);
                if (level) {
                    const std::size_t i = std::stoul(key.substr(std::strlen("transport.layer.")));
                    if (key.find("HOMO_eV") != std::string::npos)
                        homo_max[i] = std::max(homo_max[i], v);
                    else
                        lumo_min[i] = std::min(lumo_min[i], v);
                    if (!(homo_max[i] < lumo_min[i]))
                        src.fail(at->source(), key,
                                 fmt::format("layer {} ('{}'): a swept HOMO_eV {} is not below a "
                                             "LUMO_eV {} of the sweep",
                                             i, base.layers[i].name, homo_max[i], lumo_min[i]),
                                 "every HOMO_eV value of a layer below every LUMO_eV value of it");
                }
            }
        }
    }
}

//! (table, index of key `key` in it) of the [[sweep.axis]] that sweeps `key`, else nullptr.
const toml::table* axis_of(const toml::table& root, const std::string& key, std::size_t& which) {
    for (const io::detail::SweptKeyAxis& s : io::detail::swept_key_axes(root)) {
        if (s.key != key) continue;
        which = s.index;
        return s.axis;
    }
    return nullptr;
}

//! [transport] with [optics] (spec section 2): the transport slices are the optics emitters, so
//! both tables must describe the same emitting layer (name and thickness), the layers present in
//! both (by name) must agree in thickness (also when swept: both keys on one axis with the same
//! values) and in order (anode first = substrate first, or the reverse: cathode on the substrate);
//! the optics keys that place a uniform zone (zone_offset_nm, emitter_slices) are refused.
//! The [optics] table itself is checked by its own reader (relsim::optics).
void check_optics(const Src& src, const toml::table& root, const toml::node& on,
                  TransportConfig& c) {
    const toml::table* ot = on.as_table();
    if (!ot) return;  // the optics reader reports it
    c.with_optics = true;
    const StackSpec& s = c.stack;
    for (const char* k : {"zone_offset_nm", "emitter_slices"}) {
        if (const toml::node* n = ot->get(k))
            src.fail(
                n->source(), std::string("optics.") + k,
                fmt::format("optics.{} places a uniform recombination zone; with [transport] the "
                            "[optics] emitters are "
                            "the [transport] slices of emissive_layer '{}' (their number: "
                            "transport.eml_slices or "
                            "transport.nc_diameter_nm)",
                            k, s.emissive_layer),
                "no optics.zone_offset_nm or optics.emitter_slices when [transport] is present");
    }
    if (const toml::node* em = ot->get("emitting_layer"); em && em->as_string()) {
        const std::string name = em->as_string()->get();
        if (name != s.emissive_layer)
            src.fail(
                em->source(), "optics.emitting_layer",
                fmt::format("[optics] emitting_layer '{}' is not the [transport] emissive_layer "
                            "'{}' (the transport "
                            "slices are the optics emitters)",
                            name, s.emissive_layer),
                fmt::format(
                    "optics.emitting_layer = \"{}\", the name of the [transport] emissive layer",
                    s.emissive_layer));
    }
    const toml::node* ln = ot->get("layer");
    if (!ln || !ln->as_array()) return;
    const toml::array& arr = *ln->as_array();
    std::vector<std::pair<std::size_t, std::size_t>> common;  // (transport index, optics index)
    bool eml_found = false;
    for (std::size_t j = 0; j < arr.size(); ++j) {
        const toml::table* lt = arr[j].as_table();
        if (!lt) continue;
        const toml::node* nm = lt->get("name");
        if (!nm || !nm->as_string()) continue;
        const std::string name = nm->as_string()->get();
        for (std::size_t i = 0; i < s.layers.size(); ++i) {
            if (s.layers[i].name != name) continue;
            common.emplace_back(i, j);
            eml_found = eml_found || name == s.emissive_layer;
            const std::string okey = fmt::format("optics.layer.{}.thickness_nm", j);
            const std::string tkey = fmt::format("transport.layer.{}.thickness_nm", i);
            const toml::node* th = lt->get("thickness_nm");
            const double dt = s.layers[i].thickness_nm;
            if (!th) {
                src.fail(
                    lt->source(), okey,
                    fmt::format(
                        "layer '{}' is in [transport] ({} nm) and in [optics] without a thickness "
                        "(a semi-infinite optics layer)",
                        name, dt),
                    "a layer of both tables has the same finite thickness in both");
            }
            const std::optional<double> d = th->value<double>();
            if (d && !(std::abs(*d - dt) <= 1e-9 * std::max(std::abs(dt), 1.0)))
                src.fail(th->source(), okey,
                         fmt::format(
                             "layer '{}' is {} nm thick in [optics] but {} nm in [transport] ({})",
                             name, *d, dt, tkey),
                         fmt::format("{} = {} (the same layer in both tables)", okey, dt));
            // Swept: both thickness keys on one axis with the same values.
            std::size_t wt = 0, wo = 0;
            const toml::table* at = axis_of(root, tkey, wt);
            const toml::table* ao = axis_of(root, okey, wo);
            if (!at && !ao) continue;
            const bool same =
                at && ao && at == ao && axis_numbers(*at, wt) == axis_numbers(*ao, wo);
            if (!same)
                src.fail(
                    (at ? at : ao)->source(), at ? tkey : okey,
                    fmt::format("the thickness of layer '{}' is swept in {} but not in {} with the "
                                "same values: "
                                "[transport] and [optics] would describe different stacks",
                                name, at ? "[transport]" : "[optics]",
                                at ? "[optics]" : "[transport]"),
                    fmt::format("keys = [\"{}\", \"{}\"] on one [[sweep.axis]] with equal values",
                                tkey, okey));
        }
    }
    if (!eml_found) {
        const toml::node* em = ot->get("emitting_layer");
        src.fail(
            em ? em->source() : ot->source(), "optics.emitting_layer",
            fmt::format(
                "the [optics] stack has no layer named '{}' (the [transport] emissive_layer)",
                s.emissive_layer),
            "an [[optics.layer]] named as transport.emissive_layer, the optics emitting_layer");
    }
    // Order: the common layers in transport order (anode first) run up the optics stack (substrate
    // first: anode on the substrate side) or down it (cathode on the substrate side).
    std::sort(common.begin(), common.end());  // transport order
    bool up = true, down = true;
    for (std::size_t k = 1; k < common.size(); ++k) {
        up = up && common[k].second > common[k - 1].second;
        down = down && common[k].second < common[k - 1].second;
    }
    if (!up && !down)
        src.fail(ln->source(), "optics.layer",
                 "the layers present in [transport] and [optics] are in a different order in the "
                 "two stacks",
                 "the shared layers in [optics] in the [transport] order (anode side on the "
                 "substrate) or the reverse");
    c.optics_from_top = !up && down;
}

}  // namespace

namespace {

//! Units of the sweepable transport keys (the /axes unit of a transport sweep), from the key's
//! unit suffix, the same names the config uses.
std::string unit_of_key(const std::string& key) {
    struct Suffix {
        const char* suffix;
        const char* unit;
    };
    static constexpr Suffix kSuffixes[] = {{"_nm", "nm"},
                                           {"_eV", "eV"},
                                           {"_cm2_Vs", "cm^2 V^-1 s^-1"},
                                           {"_cm_V", "(cm/V)^1/2"},
                                           {"_cm3", "cm^-3"},
                                           {"_V", "V"},
                                           {"eps_r", "1"},
                                           {"langevin_prefactor", "1"}};
    for (const Suffix& s : kSuffixes) {
        const std::string_view sv(s.suffix);
        if (key.size() >= sv.size() && key.compare(key.size() - sv.size(), sv.size(), sv) == 0)
            return s.unit;
    }
    return "";
}

//! The [transport] block of `relsim init` (config_registry.hpp, ConfigTables::starting_block);
//! the stack of configs/transport/tb_jvl.toml, where each number carries its source.
constexpr const char* kStartingBlock =
    R"(## Optional [transport] (docs/transport.md): a drift-diffusion model of the stack gives the
## current, the recombination profile and the charge balance (device.voltage_V drives it, or
## device.current_density_mA_cm2 solved for V). To add it, delete the leading "# " of each line
## below and remove recombination_zone_nm, charge_balance and langevin_cm3_s from [device] (the
## stack computes them); sweep device.voltage_V (e.g. 0 to 10 V) rather than J.
# [transport]
# anode_work_function_eV = 5.2
# cathode_work_function_eV = 3.0
# emissive_layer = "NC"          # the layer whose recombination feeds the emitter model
# nc_diameter_nm = 10.0
# [[transport.layer]]            # layers from the anode to the cathode
# name = "TAPC"
# thickness_nm = 40.0
# eps_r = 3.0
# HOMO_eV = -5.5
# LUMO_eV = -2.0
# mu_n_cm2_Vs = 1.0e-7
# mu_p_cm2_Vs = 1.0e-2
# [[transport.layer]]
# name = "NC"
# thickness_nm = 20.0
# eps_r = 3.0
# HOMO_eV = -5.7
# LUMO_eV = -2.6
# mu_n_cm2_Vs = 1.0e-4
# mu_p_cm2_Vs = 1.0e-4
# [[transport.layer]]
# name = "TPBi"
# thickness_nm = 40.0
# eps_r = 3.0
# HOMO_eV = -6.2
# LUMO_eV = -2.7
# mu_n_cm2_Vs = 1.0e-5
# mu_p_cm2_Vs = 1.0e-7
)";

}  // namespace

void register_config_tables() {
    io::ConfigTables t;
    t.module = "transport";
    t.tables = {"transport"};
    // With the table, the transport.* keys and the voltage drive: checked by check_sweep here.
    t.sweep_prefixes = {"transport.", "device.voltage_V"};
    t.sweep_needs_table = true;
    t.keys = {"transport.anode_work_function_eV", "transport.cathode_work_function_eV",
              "transport.langevin_prefactor", "transport.nc_diameter_nm", "device.voltage_V"};
    for (const char* f : {"thickness_nm", "eps_r", "HOMO_eV", "LUMO_eV", "mu_n_cm2_Vs",
                          "mu_p_cm2_Vs", "pf_gamma_n_cm_V", "pf_gamma_p_cm_V", "N0_cm3"})
        t.keys.push_back(std::string("transport.layer.*.") + f);
    t.unit = &unit_of_key;
    t.starting_block = kStartingBlock;
    // The stack solves the current of a voltage drive (J may be left out), and only the stack
    // reads device.voltage_V.
    t.io_table_keys = {"device.voltage_V"};
    t.supplies = {{"transport", "device.current_density_mA_cm2", false}};
    t.only_with_table = {
        {"device.voltage_V",
         "a voltage drive needs the stack: device.voltage_V goes with a [transport] table",
         "device.current_density_mA_cm2 without [transport]"}};
    io::register_config_tables(std::move(t));
}

namespace {

//! Reads [transport] from the parsed document `root` of the config `path`.
std::optional<TransportConfig> read_transport(const toml::table& root, const std::string& path) {
    const Src src(path);
    const toml::node* node = root.get("transport");
    if (!node) return std::nullopt;
    const toml::table& t = src.table(*node, "transport");
    src.check_keys(t, "transport",
                   {"anode_work_function_eV", "cathode_work_function_eV", "langevin_prefactor",
                    "emissive_layer", "nc_diameter_nm", "eml_slices", "save_profiles",
                    "profile_points", "layer"});
    // Tables [transport] does not combine with yet: refused, naming both.
    for (const char* other : {"transient"}) {
        if (const toml::node* n = root.get(other))
            src.fail(
                n->source(), other,
                fmt::format("[transport] and [{}] together are not supported yet ([{}] would be "
                            "ignored for the transport slices)",
                            other, other),
                fmt::format("either [transport] or [{}] in one config", other));
    }
    // [nanocrystal]: the linear engine is each slice's emitter (an EL steady state); the kmc
    // engine and a PL decay are refused, naming both tables.
    if (const toml::node* n = root.get("nanocrystal"); n && n->as_table()) {
        const toml::table& nc = *n->as_table();
        if (const toml::node* e = nc.get("engine"); e && e->value<std::string>() == "kmc")
            src.fail(e->source(), "nanocrystal.engine",
                     "[transport] with [nanocrystal] engine = \"kmc\" is not supported: the kmc "
                     "ensemble is stochastic, and a [transport] run solves its emitter inside the "
                     "voltage continuation and the /summary root finding (each crossing "
                     "bisected to 1e-6 V), which need a deterministic emitter",
                     "engine = \"linear\" with [transport], or kmc without [transport]");
        if (const toml::node* x = nc.get("excitation"))
            src.fail(x->source(), "nanocrystal.excitation",
                     "[transport] with [nanocrystal.excitation] (a PL decay, no current) is not "
                     "supported: [transport] drives an EL steady state",
                     "either [transport] or [nanocrystal.excitation] in one config");
    }
    TransportConfig c;
    StackSpec& s = c.stack;
    // [device] keys that are outputs (or unused) with [transport]; exactly one drive key.
    if (const toml::node* dn = root.get("device"); dn && dn->as_table()) {
        const toml::table& d = *dn->as_table();
        for (const char* k : {"recombination_zone_nm", "charge_balance", "langevin_cm3_s"}) {
            if (const toml::node* n = d.get(k))
                src.fail(
                    n->source(), std::string("device.") + k,
                    fmt::format(
                        "device.{} is computed by [transport] (an output), it cannot be given", k),
                    "remove the key when [transport] is present");
        }
        bool hv = d.get("voltage_V") != nullptr, hj = d.get("current_density_mA_cm2") != nullptr;
        // A swept drive key counts as given.
        for (const auto& [key, where] : io::detail::swept_keys(root)) {
            if (key == "device.voltage_V") hv = true;
            if (key == "device.current_density_mA_cm2") hj = true;
            for (const char* k :
                 {"device.recombination_zone_nm", "device.charge_balance", "device.langevin_cm3_s"})
                if (key == k)
                    src.fail(
                        *where, key,
                        fmt::format("{} is computed by [transport] (an output), it cannot be swept",
                                    k),
                        "a [transport] key, device.voltage_V or another model key");
        }
        if (hv == hj)
            src.fail(d.source(), "device.voltage_V",
                     hv ? "both device.voltage_V and device.current_density_mA_cm2 are given"
                        : "neither device.voltage_V nor device.current_density_mA_cm2 is given",
                     "exactly one of device.voltage_V and device.current_density_mA_cm2 with "
                     "[transport]");
        c.voltage_drive = hv;
        if (const toml::node* n = d.get("voltage_V"))
            c.voltage_V = src.number(*n, "device.voltage_V", nullptr);
        if (const toml::node* n = d.get("temperature_K"))
            s.temperature_K = positive(src, *n, "device.temperature_K");
    } else {
        src.fail(t.source(), "device.voltage_V",
                 "[transport] needs a [device] table with a drive key",
                 "exactly one of device.voltage_V and device.current_density_mA_cm2");
    }
    const std::string need = "a number (eV, > 0)";
    s.anode_work_function_eV =
        positive(src, src.require(t, "transport", "anode_work_function_eV", need),
                 "transport.anode_work_function_eV");
    s.cathode_work_function_eV =
        positive(src, src.require(t, "transport", "cathode_work_function_eV", need),
                 "transport.cathode_work_function_eV");
    if (const toml::node* n = t.get("langevin_prefactor"))
        s.langevin_prefactor = at_least(src, *n, "transport.langevin_prefactor", 0.0);
    if (const toml::node* n = t.get("nc_diameter_nm"))
        s.nc_diameter_nm = positive(src, *n, "transport.nc_diameter_nm");
    if (const toml::node* n = t.get("eml_slices")) {
        const auto* i = n->as_integer();
        if (!i || i->get() < 1 || i->get() > 10000)
            src.fail(n->source(), "transport.eml_slices", "expected an integer in [1, 10000]",
                     "an integer in [1, 10000]");
        s.eml_slices = static_cast<int>(i->get());
    }
    if (const toml::node* n = t.get("save_profiles"))
        c.save_profiles = src.boolean(*n, "transport.save_profiles");
    if (const toml::node* n = t.get("profile_points")) {
        const auto* i = n->as_integer();
        if (!i || i->get() < 2 || i->get() > 100000)
            src.fail(n->source(), "transport.profile_points", "expected an integer in [2, 100000]",
                     "an integer in [2, 100000]");
        c.profile_points = static_cast<int>(i->get());
    }
    const char* what =
        "an array of tables [[transport.layer]] {name, thickness_nm, eps_r, HOMO_eV, LUMO_eV, "
        "mu_n_cm2_Vs, mu_p_cm2_Vs, ...}";
    const toml::array& arr =
        src.array(src.require(t, "transport", "layer", what), "transport.layer", what);
    if (arr.empty()) src.fail(t.source(), "transport.layer", "no layers", what);
    std::set<std::string> names;
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const std::string p = io::detail::join("transport.layer", i);
        const toml::table& lt = src.table(arr[i], p);
        src.check_keys(lt, p,
                       {"name", "thickness_nm", "eps_r", "HOMO_eV", "LUMO_eV", "mu_n_cm2_Vs",
                        "mu_p_cm2_Vs", "pf_gamma_n_cm_V", "pf_gamma_p_cm_V", "N0_cm3"});
        Layer l;
        l.name = src.string(src.require(lt, p, "name", "a unique layer name"), p + ".name");
        if (l.name.empty() || !names.insert(l.name).second)
            src.fail(lt.get("name")->source(), p + ".name",
                     "empty or repeated layer name '" + l.name + "'", "a unique, non-empty name");
        auto req = [&](const char* k) -> const toml::node& {
            return src.require(lt, p, k, "a number > 0");
        };
        l.thickness_nm = positive(src, req("thickness_nm"), p + ".thickness_nm");
        l.eps_r = positive(src, req("eps_r"), p + ".eps_r");
        l.homo_eV = src.number(src.require(lt, p, "HOMO_eV", "a number (eV, vacuum scale)"),
                               p + ".HOMO_eV", nullptr);
        const toml::node& ln = src.require(lt, p, "LUMO_eV", "a number (eV, vacuum scale)");
        l.lumo_eV = src.number(ln, p + ".LUMO_eV", nullptr);
        if (!(l.homo_eV < l.lumo_eV))
            src.fail(ln.source(), p + ".LUMO_eV",
                     fmt::format("HOMO_eV {} >= LUMO_eV {}", l.homo_eV, l.lumo_eV),
                     "LUMO_eV > HOMO_eV");
        l.mu_n_cm2_Vs = positive(src, req("mu_n_cm2_Vs"), p + ".mu_n_cm2_Vs");
        l.mu_p_cm2_Vs = positive(src, req("mu_p_cm2_Vs"), p + ".mu_p_cm2_Vs");
        if (const toml::node* n = lt.get("pf_gamma_n_cm_V"))
            l.pf_gamma_n_cm_V = at_least(src, *n, p + ".pf_gamma_n_cm_V", 0.0);
        if (const toml::node* n = lt.get("pf_gamma_p_cm_V"))
            l.pf_gamma_p_cm_V = at_least(src, *n, p + ".pf_gamma_p_cm_V", 0.0);
        if (const toml::node* n = lt.get("N0_cm3")) l.N0_cm3 = positive(src, *n, p + ".N0_cm3");
        s.layers.push_back(l);
    }
    if (const toml::node* n = t.get("emissive_layer")) {
        s.emissive_layer = src.string(*n, "transport.emissive_layer");
        if (!names.count(s.emissive_layer))
            src.fail(n->source(), "transport.emissive_layer",
                     "'" + s.emissive_layer + "' names no layer",
                     "the name of one [[transport.layer]]");
    } else {
        src.missing(t, "transport", "emissive_layer", "the name of one [[transport.layer]]");
    }
    check_sweep(src, root, c.stack);
    if (const toml::node* on = root.get("optics")) check_optics(src, root, *on, c);
    return c;
}

}  // namespace

double* find_stack_parameter(StackSpec& s, const std::string& key) {
    const std::string head = "transport.";
    if (key.rfind(head, 0) != 0) return nullptr;
    const std::string k = key.substr(head.size());
    if (k == "anode_work_function_eV") return &s.anode_work_function_eV;
    if (k == "cathode_work_function_eV") return &s.cathode_work_function_eV;
    if (k == "langevin_prefactor") return &s.langevin_prefactor;
    if (k == "nc_diameter_nm") return &s.nc_diameter_nm;
    if (k.rfind("layer.", 0) != 0) return nullptr;
    const std::string rest = k.substr(6);
    const std::size_t dot = rest.find('.');
    if (dot == std::string::npos || dot == 0) return nullptr;
    const std::string idx = rest.substr(0, dot), field = rest.substr(dot + 1);
    if (idx.size() > 6 || idx.find_first_not_of("0123456789") != std::string::npos) return nullptr;
    const std::size_t i = std::stoul(idx);
    if (i >= s.layers.size()) return nullptr;
    Layer& l = s.layers[i];
    if (field == "thickness_nm") return &l.thickness_nm;
    if (field == "eps_r") return &l.eps_r;
    if (field == "HOMO_eV") return &l.homo_eV;
    if (field == "LUMO_eV") return &l.lumo_eV;
    if (field == "mu_n_cm2_Vs") return &l.mu_n_cm2_Vs;
    if (field == "mu_p_cm2_Vs") return &l.mu_p_cm2_Vs;
    if (field == "pf_gamma_n_cm_V") return &l.pf_gamma_n_cm_V;
    if (field == "pf_gamma_p_cm_V") return &l.pf_gamma_p_cm_V;
    if (field == "N0_cm3") return &l.N0_cm3;
    return nullptr;
}

std::optional<TransportConfig> read_transport_config(const std::string& text,
                                                     const std::string& path) {
    const toml::table root = io::detail::parse_toml(text, path);
    return read_transport(root, path);
}

std::optional<TransportConfig> read_transport_config(const io::RunConfig& config) {
    const auto document = io::detail::document_of(config);  // parsed once by io::load_config
    return read_transport(document->root, config.path);
}

}  // namespace relsim::transport
