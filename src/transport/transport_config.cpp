// Reader of the [transport] table with the shared typed TOML accessors (the only file of the
// module that sees toml++ or io/detail; switching to a public accessor is a change here only).
#include "relsim/transport/transport_config.hpp"

#include <cmath>
#include <set>

#include <fmt/format.h>

#include "relsim/io/detail/toml_reader.hpp"
#include "relsim/core/error.hpp"

namespace relsim::transport {
namespace {
using io::detail::Src;

double positive(const Src& src, const toml::node& n, const std::string& key) {
  const double v = src.number(n, key, nullptr);
  if (!(v > 0)) src.fail(n.source(), key, fmt::format("value {} is not positive", v), "a finite number > 0");
  return v;
}
double at_least(const Src& src, const toml::node& n, const std::string& key, double lo) {
  const double v = src.number(n, key, nullptr);
  if (!(v >= lo)) src.fail(n.source(), key, fmt::format("value {} is below {}", v, lo), fmt::format("a finite number >= {}", lo));
  return v;
}
}  // namespace

std::optional<TransportConfig> read_transport_config(const std::string& text, const std::string& path) {
  const Src src(path);
  const toml::table root = io::detail::parse_toml(text, path);
  const toml::node* node = root.get("transport");
  if (!node) return std::nullopt;
  const toml::table& t = src.table(*node, "transport");
  src.check_keys(t, "transport", {"anode_work_function_eV", "cathode_work_function_eV", "langevin_prefactor",
                                  "emissive_layer", "nc_diameter_nm", "eml_slices", "save_profiles", "layer"});
  TransportConfig c;
  StackSpec& s = c.stack;
  // [device] keys that are outputs (or unused) with [transport]; exactly one drive key.
  if (const toml::node* dn = root.get("device"); dn && dn->as_table()) {
    const toml::table& d = *dn->as_table();
    for (const char* k : {"recombination_zone_nm", "charge_balance", "langevin_cm3_s"}) {
      if (const toml::node* n = d.get(k))
        src.fail(n->source(), std::string("device.") + k,
                 fmt::format("device.{} is computed by [transport] (an output), it cannot be given", k),
                 "remove the key when [transport] is present");
    }
    const bool hv = d.get("voltage_V") != nullptr, hj = d.get("current_density_mA_cm2") != nullptr;
    if (hv == hj)
      src.fail(d.source(), "device.voltage_V",
               hv ? "both device.voltage_V and device.current_density_mA_cm2 are given"
                  : "neither device.voltage_V nor device.current_density_mA_cm2 is given",
               "exactly one of device.voltage_V and device.current_density_mA_cm2 with [transport]");
    if (const toml::node* n = d.get("temperature_K")) s.temperature_K = positive(src, *n, "device.temperature_K");
  } else {
    src.fail(t.source(), "device.voltage_V", "[transport] needs a [device] table with a drive key",
             "exactly one of device.voltage_V and device.current_density_mA_cm2");
  }
  const std::string need = "a number (eV, > 0)";
  s.anode_work_function_eV = positive(src, src.require(t, "transport", "anode_work_function_eV", need),
                                      "transport.anode_work_function_eV");
  s.cathode_work_function_eV = positive(src, src.require(t, "transport", "cathode_work_function_eV", need),
                                        "transport.cathode_work_function_eV");
  if (const toml::node* n = t.get("langevin_prefactor"))
    s.langevin_prefactor = at_least(src, *n, "transport.langevin_prefactor", 0.0);
  if (const toml::node* n = t.get("nc_diameter_nm")) s.nc_diameter_nm = positive(src, *n, "transport.nc_diameter_nm");
  if (const toml::node* n = t.get("eml_slices")) {
    const auto* i = n->as_integer();
    if (!i || i->get() < 1 || i->get() > 10000)
      src.fail(n->source(), "transport.eml_slices", "expected an integer in [1, 10000]", "an integer in [1, 10000]");
    s.eml_slices = static_cast<int>(i->get());
  }
  if (const toml::node* n = t.get("save_profiles")) c.save_profiles = src.boolean(*n, "transport.save_profiles");
  const char* what = "an array of tables [[transport.layer]] {name, thickness_nm, eps_r, HOMO_eV, LUMO_eV, mu_n_cm2_Vs, mu_p_cm2_Vs, ...}";
  const toml::array& arr = src.array(src.require(t, "transport", "layer", what), "transport.layer", what);
  if (arr.empty()) src.fail(t.source(), "transport.layer", "no layers", what);
  std::set<std::string> names;
  for (std::size_t i = 0; i < arr.size(); ++i) {
    const std::string p = io::detail::join("transport.layer", i);
    const toml::table& lt = src.table(arr[i], p);
    src.check_keys(lt, p, {"name", "thickness_nm", "eps_r", "HOMO_eV", "LUMO_eV", "mu_n_cm2_Vs", "mu_p_cm2_Vs",
                           "pf_gamma_n_cm_V", "pf_gamma_p_cm_V", "N0_cm3"});
    Layer l;
    l.name = src.string(src.require(lt, p, "name", "a unique layer name"), p + ".name");
    if (l.name.empty() || !names.insert(l.name).second)
      src.fail(lt.get("name")->source(), p + ".name", "empty or repeated layer name '" + l.name + "'", "a unique, non-empty name");
    auto req = [&](const char* k) -> const toml::node& { return src.require(lt, p, k, "a number > 0"); };
    l.thickness_nm = positive(src, req("thickness_nm"), p + ".thickness_nm");
    l.eps_r = positive(src, req("eps_r"), p + ".eps_r");
    l.homo_eV = src.number(src.require(lt, p, "HOMO_eV", "a number (eV, vacuum scale)"), p + ".HOMO_eV", nullptr);
    const toml::node& ln = src.require(lt, p, "LUMO_eV", "a number (eV, vacuum scale)");
    l.lumo_eV = src.number(ln, p + ".LUMO_eV", nullptr);
    if (!(l.homo_eV < l.lumo_eV))
      src.fail(ln.source(), p + ".LUMO_eV", fmt::format("HOMO_eV {} >= LUMO_eV {}", l.homo_eV, l.lumo_eV),
               "LUMO_eV > HOMO_eV");
    l.mu_n_cm2_Vs = positive(src, req("mu_n_cm2_Vs"), p + ".mu_n_cm2_Vs");
    l.mu_p_cm2_Vs = positive(src, req("mu_p_cm2_Vs"), p + ".mu_p_cm2_Vs");
    if (const toml::node* n = lt.get("pf_gamma_n_cm_V")) l.pf_gamma_n_cm_V = at_least(src, *n, p + ".pf_gamma_n_cm_V", 0.0);
    if (const toml::node* n = lt.get("pf_gamma_p_cm_V")) l.pf_gamma_p_cm_V = at_least(src, *n, p + ".pf_gamma_p_cm_V", 0.0);
    if (const toml::node* n = lt.get("N0_cm3")) l.N0_cm3 = positive(src, *n, p + ".N0_cm3");
    s.layers.push_back(l);
  }
  if (const toml::node* n = t.get("emissive_layer")) {
    s.emissive_layer = src.string(*n, "transport.emissive_layer");
    if (!names.count(s.emissive_layer))
      src.fail(n->source(), "transport.emissive_layer", "'" + s.emissive_layer + "' names no layer",
               "the name of one [[transport.layer]]");
  } else {
    src.missing(t, "transport", "emissive_layer", "the name of one [[transport.layer]]");
  }
  return c;
}

}  // namespace relsim::transport
