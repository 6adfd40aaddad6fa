//! @file config.cpp
//! The TOML config loader (spec section 5): strict parsing, physical ranges, cross-references,
//! ion level-scheme files and sweeps. Every error is a relsim::InputError that names the file,
//! line, column, dotted key path and allowed range. Keys and ranges: configs/README.md.
#include "relsim/io/config.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "detail/param_schema.hpp"
#include "detail/toml_reader.hpp"
#include "detail/nir_tables.hpp"
#include "detail/splitmix64.hpp"
#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"

namespace relsim::io {
namespace {

namespace fs = std::filesystem;
using detail::ParamRule;
using detail::join;
using detail::list_text;
using detail::type_name;
using detail::valid_ion_name;
using detail::valid_level_name;
using detail::kIonNameRule;
using detail::kLevelNameRule;
using detail::Src;
using detail::read_file;
using detail::parse_toml;
using model::Origin;

constexpr double kMaxSpectrumPoints = 1.0e6;
constexpr double kMaxSweepPoints = 1.0e8;

//! Origin and "file:line" of every numeric model parameter, by key path.
using Origins = std::map<std::string, std::pair<Origin, std::string>>;

// ------------------------------------------------------------------------------------------------
// Level schemes

std::string excited_list(const model::LevelScheme& s) {
    std::vector<std::string> names;
    for (const auto& l : s.levels) names.push_back(l.name);
    return list_text(names);
}

const model::Level* find_level(const model::LevelScheme& s, const std::string& name) {
    for (const auto& l : s.levels) {
        if (l.name == name) return &l;
    }
    return nullptr;
}

bool is_ground(const model::LevelScheme& s, const std::string& name) {
    return std::find(s.ground.begin(), s.ground.end(), name) != s.ground.end();
}

//! Reads `ground`, `levels`, `lines`, `relaxations` of a scheme table (an ion file root or an
//! inline [[dopant]]). `prefix` names keys in messages, `rule_prefix` ("dopant.<i>") finds rules.
class SchemeReader {
public:
    SchemeReader(const Src& src, std::string prefix, std::string rule_prefix, Origin origin,
                 Origins* origins)
        : src_(src),
          prefix_(std::move(prefix)),
          rule_prefix_(std::move(rule_prefix)),
          origin_(origin),
          origins_(origins) {}

    void read(const toml::table& t, model::LevelScheme& s,
              std::vector<std::pair<std::string, double>>& ground_energies) const {
        read_ground(t, s, ground_energies);
        for (const std::string& g : s.ground) {  // for the plausibility checks (nir_tables.hpp)
            s.ground_energy_cm1.push_back(NAN);
            for (const auto& [name, e] : ground_energies) if (name == g) s.ground_energy_cm1.back() = e;
        }
        read_levels(t, s);
        check_ground_energies(t, s, ground_energies);
        read_lines(t, s);
        read_relaxations(t, s);
    }

private:
    [[nodiscard]] std::string key(std::string_view rel) const { return join(prefix_, rel); }
    [[nodiscard]] std::string rule_key(std::string_view rel) const {
        return join(rule_prefix_, rel);
    }

    //! Optional `source` string of an entry, for the provenance of its numbers.
    [[nodiscard]] std::string note(const toml::table& e, const std::string& ekey) const {
        const toml::node* n = e.get("source");
        if (!n) return {};
        return src_.string(*n, join(ekey, "source"), "a string (the source of the numbers)");
    }

    void record(const std::string& rel, const toml::node& n, const std::string& source_note) const {
        if (!origins_) return;
        std::string where = src_.where(n);
        if (!source_note.empty()) where += " (" + source_note + ")";
        (*origins_)[key(rel)] = {origin_, where};
    }

    [[nodiscard]] double entry_number(const toml::table& e, const std::string& rel_entry,
                                      std::string_view name, const std::string& source_note) const {
        const std::string rel = join(rel_entry, name);
        const toml::node& n =
            src_.require(e, key(rel_entry), name, Src::range_of(rule_key(rel)));
        const double v = src_.number(n, key(rel), rule_key(rel));
        record(rel, n, source_note);
        return v;
    }

    [[nodiscard]] std::string entry_name(const toml::table& e, const std::string& rel_entry,
                                         std::string_view name, const char* rule) const {
        const toml::node& n = src_.require(e, key(rel_entry), name, rule);
        std::string v = src_.string(n, key(join(rel_entry, name)), rule);
        return v;
    }

    void read_ground(const toml::table& t, model::LevelScheme& s,
                     std::vector<std::pair<std::string, double>>& energies) const {
        const char* what = "an array of ground-multiplet member names (or {name, energy_cm1, source} tables)";
        const toml::array& arr = src_.array(src_.require(t, prefix_, "ground", what), key("ground"), what);
        if (arr.empty()) src_.fail(arr.source(), key("ground"), "the ground multiplet is empty", what);
        for (std::size_t j = 0; j < arr.size(); ++j) {
            const toml::node& e = *arr.get(j);
            const std::string rel = join(std::string("ground"), j);
            std::string name;
            const toml::node* name_node = &e;
            if (e.is_string()) {
                name = e.as_string()->get();
            } else if (const auto* et = e.as_table()) {
                src_.check_keys(*et, key(rel), {"name", "energy_cm1", "source"});
                name_node = &src_.require(*et, key(rel), "name", kLevelNameRule);
                name = src_.string(*name_node, key(join(rel, "name")), kLevelNameRule);
                if (const toml::node* en = et->get("energy_cm1")) {
                    const std::string erel = join(rel, "energy_cm1");
                    energies.emplace_back(name, src_.number(*en, key(erel), rule_key(erel)));
                }
                (void)note(*et, key(rel));
            } else {
                src_.fail(e.source(), key(rel), "expected a level name or a table, got " + type_name(e),
                          what);
            }
            if (!valid_level_name(name)) {
                src_.fail(name_node->source(), key(rel), "invalid level name '" + name + "'",
                          kLevelNameRule);
            }
            if (is_ground(s, name)) {
                src_.fail(name_node->source(), key(rel),
                          "ground-multiplet member '" + name + "' is listed twice",
                          "distinct names");
            }
            s.ground.push_back(name);
        }
    }

    void read_levels(const toml::table& t, model::LevelScheme& s) const {
        const char* what = "an array of tables {name, energy_cm1, source}";
        const toml::array& arr = src_.array(src_.require(t, prefix_, "levels", what), key("levels"), what);
        if (arr.empty()) {
            src_.fail(arr.source(), key("levels"), "the scheme has no excited level", what);
        }
        for (std::size_t j = 0; j < arr.size(); ++j) {
            const std::string rel = join(std::string("levels"), j);
            const toml::table& e = src_.table(*arr.get(j), key(rel), "a table {name, energy_cm1, source}");
            src_.check_keys(e, key(rel), {"name", "energy_cm1", "source"});
            const std::string src_note = note(e, key(rel));
            model::Level lv;
            lv.name = entry_name(e, rel, "name", kLevelNameRule);
            const toml::node& name_node = *e.get("name");
            if (!valid_level_name(lv.name)) {
                src_.fail(name_node.source(), key(join(rel, "name")),
                          "invalid level name '" + lv.name + "'", kLevelNameRule);
            }
            if (find_level(s, lv.name) || is_ground(s, lv.name)) {
                src_.fail(name_node.source(), key(join(rel, "name")),
                          "level '" + lv.name + "' is defined twice (excited levels and ground "
                          "members must have distinct names)",
                          "distinct names");
            }
            lv.energy_cm1 = entry_number(e, rel, "energy_cm1", src_note);
            s.levels.push_back(lv);
        }
    }

    void check_ground_energies(const toml::table& t, const model::LevelScheme& s,
                               const std::vector<std::pair<std::string, double>>& energies) const {
        const auto lowest = std::min_element(
            s.levels.begin(), s.levels.end(),
            [](const model::Level& a, const model::Level& b) { return a.energy_cm1 < b.energy_cm1; });
        for (std::size_t g = 0; g < energies.size(); ++g) {
            if (energies[g].second < lowest->energy_cm1) continue;
            const toml::node* arr = t.get("ground");
            src_.fail(arr->source(), key("ground"),
                      fmt::format("ground-multiplet member '{}' at {} cm^-1 is not below the lowest "
                                  "excited level '{}' at {} cm^-1",
                                  energies[g].first, energies[g].second, lowest->name,
                                  lowest->energy_cm1),
                      fmt::format("[0, {}) cm^-1", lowest->energy_cm1));
        }
    }

    //! `from` must be an excited level; `to` an excited level below it or a ground member.
    void check_transition(const toml::table& e, const std::string& rel, const model::LevelScheme& s,
                          const std::string& from, const std::string& to, const char* kind) const {
        const model::Level* f = find_level(s, from);
        if (!f) {
            src_.fail(e.get("from")->source(), key(join(rel, "from")),
                      fmt::format("{} starts at '{}', which is not an excited level of the scheme",
                                  kind, from),
                      "an excited level: " + excited_list(s));
        }
        const model::Level* d = find_level(s, to);
        const std::string allowed_to = "an excited level below '" + from +
                                       "' or a ground-multiplet member (" + list_text(s.ground) + ")";
        if (!d && !is_ground(s, to)) {
            src_.fail(e.get("to")->source(), key(join(rel, "to")),
                      fmt::format("{} ends at '{}', which is neither an excited level nor a "
                                  "ground-multiplet member",
                                  kind, to),
                      allowed_to);
        }
        if (d && !(d->energy_cm1 < f->energy_cm1)) {
            src_.fail(e.get("to")->source(), key(join(rel, "to")),
                      fmt::format("{} {} ({} cm^-1) -> {} ({} cm^-1) does not go to a lower energy",
                                  kind, from, f->energy_cm1, to, d->energy_cm1),
                      allowed_to);
        }
    }

    void read_lines(const toml::table& t, model::LevelScheme& s) const {
        const toml::node* node = t.get("lines");
        if (!node) return;
        const char* what = "an array of tables {from, to, rate_s, wavelength_nm, fwhm_nm, source}";
        const toml::array& arr = src_.array(*node, key("lines"), what);
        for (std::size_t j = 0; j < arr.size(); ++j) {
            const std::string rel = join(std::string("lines"), j);
            const toml::table& e = src_.table(*arr.get(j), key(rel), what);
            src_.check_keys(e, key(rel), {"from", "to", "rate_s", "wavelength_nm", "fwhm_nm", "source", "dipole"});
            const std::string src_note = note(e, key(rel));
            model::EmissionLine l;
            l.from = entry_name(e, rel, "from", "an excited level name");
            l.to = entry_name(e, rel, "to", "a level name");
            check_transition(e, rel, s, l.from, l.to, "line");  // several lines per pair allowed
            l.rate_s = entry_number(e, rel, "rate_s", src_note);
            l.wavelength_nm = entry_number(e, rel, "wavelength_nm", src_note);
            l.fwhm_nm = entry_number(e, rel, "fwhm_nm", src_note);
            if (const toml::node* d = e.get("dipole")) {  // "ED" (default) or "MD": spec optics.md
                const std::string v = src_.string(*d, key(join(rel, "dipole")), "\"ED\" or \"MD\"");
                if (v != "ED" && v != "MD") src_.fail(d->source(), key(join(rel, "dipole")), "unknown dipole '" + v + "'", "\"ED\" or \"MD\"");
                l.magnetic_dipole = v == "MD";
            }
            s.lines.push_back(l);
        }
    }

    void read_relaxations(const toml::table& t, model::LevelScheme& s) const {
        const toml::node* node = t.get("relaxations");
        if (!node) return;
        const char* what = "an array of tables {from, to, rate_s, source}";
        const toml::array& arr = src_.array(*node, key("relaxations"), what);
        std::set<std::pair<std::string, std::string>> seen;
        for (std::size_t j = 0; j < arr.size(); ++j) {
            const std::string rel = join(std::string("relaxations"), j);
            const toml::table& e = src_.table(*arr.get(j), key(rel), what);
            src_.check_keys(e, key(rel), {"from", "to", "rate_s", "source"});
            const std::string src_note = note(e, key(rel));
            model::Relaxation r;
            r.from = entry_name(e, rel, "from", "an excited level name");
            r.to = entry_name(e, rel, "to", "a level name");
            check_transition(e, rel, s, r.from, r.to, "relaxation");
            if (!seen.emplace(r.from, r.to).second) {
                src_.fail(e.source(), key(rel),
                          fmt::format("relaxation {} -> {} is listed twice", r.from, r.to),
                          "one entry per (from, to) pair");
            }
            r.rate_s = entry_number(e, rel, "rate_s", src_note);
            s.relaxations.push_back(r);
        }
    }

    const Src& src_;
    std::string prefix_;
    std::string rule_prefix_;
    Origin origin_;
    Origins* origins_;
};

constexpr std::array<std::string_view, 7> kIonFileKeys = {
    "ion", "description", "references", "ground", "levels", "lines", "relaxations"};

//! Checks the provenance keys of an ion file root and reads its scheme.
model::LevelScheme read_ion_root(const Src& src, const toml::table& root, const std::string& prefix,
                                 const std::string& rule_prefix, Origins* origins,
                                 std::vector<std::pair<std::string, double>>& ground_energies) {
    src.check_keys_in(root, prefix, kIonFileKeys);
    if (const toml::node* n = root.get("ion")) (void)src.string(*n, join(prefix, "ion"));
    if (const toml::node* n = root.get("description")) (void)src.string(*n, join(prefix, "description"));
    if (const toml::node* n = root.get("references")) {
        const std::string k = join(prefix, "references");
        const toml::array& refs = src.array(*n, k, "an array of strings");
        for (std::size_t j = 0; j < refs.size(); ++j) {
            (void)src.string(*refs.get(j), join(k, j));
        }
    }
    model::LevelScheme s;
    SchemeReader(src, prefix, rule_prefix, Origin::ion_file, origins).read(root, s, ground_energies);
    return s;
}

// ------------------------------------------------------------------------------------------------
// The config

struct DeviceField {
    std::string_view name;
    double model::DeviceParams::*member;
    bool required;
};
constexpr DeviceField kDeviceFields[] = {
    {"current_density_mA_cm2", &model::DeviceParams::current_density_mA_cm2, true},
    {"recombination_zone_nm", &model::DeviceParams::recombination_zone_nm, false},
    {"charge_balance", &model::DeviceParams::charge_balance, false},
    {"singlet_fraction", &model::DeviceParams::singlet_fraction, false},
    {"outcoupling", &model::DeviceParams::outcoupling, false},
    {"temperature_K", &model::DeviceParams::temperature_K, false},
    {"langevin_cm3_s", &model::DeviceParams::langevin_cm3_s, false},
};

struct LigandField {
    std::string_view name;
    double model::LigandParams::*member;
    bool required;
};
constexpr LigandField kLigandFields[] = {
    {"density_cm3", &model::LigandParams::density_cm3, true},
    {"triplet_energy_eV", &model::LigandParams::triplet_energy_eV, true},
    {"kS_rad_s", &model::LigandParams::kS_rad_s, false},
    {"kS_nr_s", &model::LigandParams::kS_nr_s, false},
    {"k_isc_s", &model::LigandParams::k_isc_s, false},
    {"kT_rad_s", &model::LigandParams::kT_rad_s, false},
    {"kT_nr_s", &model::LigandParams::kT_nr_s, false},
    {"kTT_cm3_s", &model::LigandParams::kTT_cm3_s, false},
    {"tta_singlet_yield", &model::LigandParams::tta_singlet_yield, false},
    {"kTP_cm3_s", &model::LigandParams::kTP_cm3_s, false},
    {"kSS_cm3_s", &model::LigandParams::kSS_cm3_s, false},
    {"kST_cm3_s", &model::LigandParams::kST_cm3_s, false},
    {"singlet_band_nm", &model::LigandParams::singlet_band_nm, false},
    {"singlet_fwhm_nm", &model::LigandParams::singlet_fwhm_nm, false},
    {"triplet_band_nm", &model::LigandParams::triplet_band_nm, false},
    {"triplet_fwhm_nm", &model::LigandParams::triplet_fwhm_nm, false},
};

constexpr std::array<std::string_view, 16> kDopantKeys = {
    "ion",       "density_cm3", "accepting_level", "kTET_s",   "kSET_s", "kETU_s", "kLP_cm3_s",
    "quench_s",  "kBT_s",       "ion_file",        "ground",   "levels", "lines",  "relaxations",
    "quench_per_s", "lifetime_s"};

class ConfigReader {
public:
    ConfigReader(const std::string& text, const std::string& path)
        : src_(path), dir_(fs::path(path).parent_path()) {
        cfg_.path = path;
        cfg_.text = text;
        if (dir_.empty()) dir_ = ".";
    }

    RunConfig read() {
        const toml::table root = parse_toml(cfg_.text, src_.file());
        src_.check_keys(root, "", {"title", "device", "ligand", "dopant", "transfer", "spectrum",
                                   "transient", "sweep", "nanocrystal", "optics", "bands", "physics",
                                   "lifetime", "inventory", "transport", "output"});  // [nanocrystal]: src/nanocrystal, [optics]: src/optics, [lifetime] [inventory]: src/lifetime
        // [transport] (and device.voltage_V, the transport.* sweep keys) is read and checked by
        // src/transport (read_transport_config), called by the sweep and by relsim check.
        cfg_.transport = root.get("transport") != nullptr;
        cfg_.nanocrystal = root.get("nanocrystal") != nullptr;  // read by src/nanocrystal
        if (const toml::node* n = root.get("title")) cfg_.title = src_.string(*n, "title");
        read_device(root);
        read_ligand(root);
        read_dopants(root);
        read_transfers(root);
        if (const toml::node* n = root.get("spectrum")) read_spectrum(src_.table(*n, "spectrum"));
        if (const toml::node* n = root.get("transient")) read_transient(src_.table(*n, "transient"));
        if (const toml::node* n = root.get("sweep")) read_sweep(src_.table(*n, "sweep"));
        detail::read_output_table(src_, root, cfg_);         // output_config.cpp
        detail::read_bands_table(src_, root, cfg_.bands);    // bands_config.cpp
        detail::read_physics_table(src_, root, cfg_);        // physics_config.cpp
        fill_resolved();
        detail::check_plausibility(cfg_);                    // plausibility.cpp
        return std::move(cfg_);
    }

private:
    //! Reads a numeric parameter `prefix.name` into `out` if present (recording its origin);
    //! otherwise fails when required, or records the default.
    void param(const toml::table& t, const std::string& prefix, std::string_view name,
               bool required, double& out) {
        const std::string k = join(prefix, name);
        if (const toml::node* n = t.get(name)) {
            out = src_.number(*n, k, k);
            origins_[k] = {Origin::config, src_.where(*n)};
        } else if (required) {
            src_.missing(t, prefix, name, Src::range_of(k));
        } else {
            origins_[k] = {Origin::default_value, "default"};
        }
    }

    void read_device(const toml::table& root) {
        const toml::node& n = src_.require(root, "", "device", "a [device] table");
        const toml::table& t = src_.table(n, "device");
        src_.check_keys(t, "device",
                        {"current_density_mA_cm2", "recombination_zone_nm", "charge_balance",
                         "singlet_fraction", "outcoupling", "temperature_K", "langevin_cm3_s",
                         "eml_thickness_nm", "voltage_V"});  // eml_thickness_nm: read by src/lifetime
        if (const toml::node* v = t.get("voltage_V"); v && !cfg_.transport) {  // voltage_V: src/transport
            src_.fail(v->source(), "device.voltage_V",
                      "a voltage drive needs the stack: device.voltage_V goes with a [transport] table",
                      "device.current_density_mA_cm2 without [transport]");
        }
        // A microscopic PL decay ([nanocrystal.excitation]) runs without current: J may be left
        // out or 0 there (the default stands in; src/nanocrystal ignores it).
        const toml::node* nc = root.get("nanocrystal");
        const bool pl = nc && nc->as_table() && nc->as_table()->get("excitation");
        for (const auto& f : kDeviceFields) {
            const bool j = std::string_view(f.name) == "current_density_mA_cm2";
            const toml::node* v = t.get(f.name);
            if (pl && j && v && v->value<double>() == 0.0) continue;
            param(t, "device", f.name, f.required && !(pl && j) && !(cfg_.transport && j),
                  cfg_.model.device.*(f.member));
        }
    }

    void read_ligand(const toml::table& root) {
        const toml::node& n = src_.require(root, "", "ligand", "a [ligand] table");
        const toml::table& t = src_.table(n, "ligand");
        src_.check_keys(t, "ligand",
                        {"density_cm3", "triplet_energy_eV", "kS_rad_s", "kS_nr_s", "k_isc_s",
                         "kT_rad_s", "kT_nr_s", "kTT_cm3_s", "tta_singlet_yield", "kTP_cm3_s",
                         "kSS_cm3_s", "kST_cm3_s", "singlet_band_nm", "singlet_fwhm_nm",
                         "triplet_band_nm", "triplet_fwhm_nm"});
        for (const auto& f : kLigandFields) {
            param(t, "ligand", f.name, f.required, cfg_.model.ligand.*(f.member));
        }
    }

    void read_dopants(const toml::table& root) {
        const toml::node* n = root.get("dopant");
        if (!n) return;
        const char* what = "an array of tables [[dopant]]";
        const toml::array& arr = src_.array(*n, "dopant", what);
        for (std::size_t i = 0; i < arr.size(); ++i) {
            const std::string prefix = join(std::string("dopant"), i);
            read_dopant(src_.table(*arr.get(i), prefix, what), prefix);
        }
    }

    void read_dopant(const toml::table& t, const std::string& prefix) {
        src_.check_keys_in(t, prefix, kDopantKeys);
        model::DopantParams d;
        const toml::node& ion_node = src_.require(t, prefix, "ion", kIonNameRule);
        d.ion = src_.string(ion_node, join(prefix, "ion"), kIonNameRule);
        if (!valid_ion_name(d.ion)) {
            src_.fail(ion_node.source(), join(prefix, "ion"), "invalid ion name '" + d.ion + "'",
                      kIonNameRule);
        }
        for (std::size_t k = 0; k < cfg_.model.dopants.size(); ++k) {
            if (cfg_.model.dopants[k].ion == d.ion) {
                src_.fail(ion_node.source(), join(prefix, "ion"),
                          fmt::format("ion '{}' is already dopant {}; each [[dopant]] needs its own "
                                      "ion name (use ion_file to give a second site of the same "
                                      "element another name)",
                                      d.ion, k),
                          "a name not used by another [[dopant]]");
            }
        }
        param(t, prefix, "density_cm3", !cfg_.nanocrystal, d.density_cm3);  // [nanocrystal]: unused (the
        param(t, prefix, "kTET_s", !cfg_.nanocrystal, d.kTET_s);            // lattice, kTET0_s set them)
        param(t, prefix, "kSET_s", false, d.kSET_s);
        param(t, prefix, "kETU_s", false, d.kETU_s);
        param(t, prefix, "kLP_cm3_s", false, d.kLP_cm3_s);
        if (const toml::node* kbt = t.get("kBT_s")) {
            const std::string k = join(prefix, "kBT_s");
            d.kBT_s = src_.number(*kbt, k, k);
            origins_[k] = {Origin::config, src_.where(*kbt)};
        }

        read_scheme(t, prefix, ion_node, d);

        const toml::node& acc = src_.require(t, prefix, "accepting_level",
                                             "an excited level of the scheme: " + excited_list(d.scheme));
        d.accepting_level = src_.string(acc, join(prefix, "accepting_level"));
        if (!find_level(d.scheme, d.accepting_level)) {
            src_.fail(acc.source(), join(prefix, "accepting_level"),
                      fmt::format("accepting level '{}' is not an excited level of the {} scheme{}",
                                  d.accepting_level, d.ion, scheme_origin(d.scheme)),
                      "an excited level: " + excited_list(d.scheme));
        }

        const toml::node* q = t.get("quench_s");  // `quench_per_s` is an alias (configs/README.md)
        if (const toml::node* alias = t.get("quench_per_s")) {
            if (q) src_.fail(alias->source(), join(prefix, "quench_per_s"), "quench_s is also given", "one of quench_s, quench_per_s");
            q = alias;
        }
        if (q) {
            const std::string qk = join(prefix, "quench_s");
            const toml::table& qt = src_.table(*q, qk, "a table { <level> = rate_s, ... }");
            for (auto&& [lk, lv] : qt) {
                const std::string level(lk.str());
                const std::string k = join(qk, level);
                if (!find_level(d.scheme, level)) {
                    const toml::source_region& at = lk.source().begin.line > 0 ? lk.source() : lv.source();
                    src_.fail(at, k,
                              fmt::format("quench_s names '{}', which is not an excited level of "
                                          "the {} scheme{}",
                                          level, d.ion, scheme_origin(d.scheme)),
                              "an excited level: " + excited_list(d.scheme));
                }
                d.quench_s.emplace_back(level, src_.number(lv, k, k));
                origins_[k] = {Origin::config, src_.where(lv)};
            }
        }
        std::vector<std::pair<std::string, std::string>> derived;  // lifetime_s -> quench_s
        detail::read_lifetimes(src_, t, prefix, d, derived);       // physics_config.cpp
        for (const auto& [k, w] : derived) origins_[k] = {Origin::derived, w};
        cfg_.model.dopants.push_back(std::move(d));
    }

    static std::string scheme_origin(const model::LevelScheme& s) {
        return s.source_file.empty() ? std::string(" (inline)") : " (" + s.source_file + ")";
    }

    void read_scheme(const toml::table& t, const std::string& prefix, const toml::node& ion_node,
                     model::DopantParams& d) {
        std::vector<std::pair<std::string, double>> ground_energies;
        if (t.get("levels")) {
            if (const toml::node* f = t.get("ion_file")) {
                src_.fail(f->source(), join(prefix, "ion_file"),
                          "a [[dopant]] with an inline scheme ('levels') reads no ion file",
                          "either 'ion_file' or an inline scheme, not both");
            }
            SchemeReader(src_, prefix, prefix, Origin::config, &origins_)
                .read(t, d.scheme, ground_energies);
            return;
        }
        for (const auto name : {"ground", "lines", "relaxations"}) {
            if (const toml::node* n = t.get(name)) {
                src_.fail(n->source(), join(prefix, name),
                          fmt::format("'{}' belongs to an inline level scheme, which needs 'levels'", name),
                          "an inline scheme with 'ground' and 'levels', or no scheme keys (the ion "
                          "file is read)");
            }
        }
        const fs::path ion_path = locate_ion_file(t, prefix, ion_node, d.ion);
        std::string why;
        const auto text = read_file(ion_path, why);
        if (!text) {
            const toml::node* f = t.get("ion_file");
            const toml::node& at = f ? *f : ion_node;
            src_.fail(at.source(), join(prefix, f ? "ion_file" : "ion"),
                      fmt::format("cannot read ion file '{}': {}", ion_path.string(), why),
                      "a readable TOML level-scheme file");
        }
        const std::string ion_file = ion_path.lexically_normal().string();
        const Src ion_src(ion_file);
        const toml::table root = parse_toml(*text, ion_file);
        d.scheme = read_ion_root(ion_src, root, prefix, prefix, &origins_, ground_energies);
        d.scheme.source_file = ion_file;
        cfg_.ion_files.push_back({ion_file, *text});
    }

    fs::path locate_ion_file(const toml::table& t, const std::string& prefix,
                             const toml::node& ion_node, const std::string& ion) {
        if (const toml::node* f = t.get("ion_file")) {
            const fs::path p(src_.string(*f, join(prefix, "ion_file"), "a path (relative to the config)"));
            return p.is_absolute() ? p : dir_ / p;
        }
        const std::string file = ion + ".toml";
        std::vector<fs::path> dirs;
        if (const char* env = std::getenv("RELSIM_ION_PATH")) {
            std::string_view rest(env);
            while (!rest.empty()) {
                const auto colon = rest.find(':');
                const std::string_view part = rest.substr(0, colon);
                if (!part.empty()) dirs.emplace_back(std::string(part));
                if (colon == std::string_view::npos) break;
                rest.remove_prefix(colon + 1);
            }
        }
        dirs.push_back(dir_ / "ions");
        dirs.push_back(dir_ / ".." / "ions");
        dirs.push_back(fs::path(build_info::source_dir) / "configs" / "ions");
        std::vector<std::string> searched;
        for (const auto& dir : dirs) {
            const fs::path p = dir / file;
            std::error_code ec;
            if (fs::exists(p, ec)) return p;
            const fs::path shown = fs::absolute(dir, ec);
            searched.push_back((ec ? dir : shown).lexically_normal().string());
        }
        src_.fail(ion_node.source(), join(prefix, "ion"),
                  fmt::format("no ion file '{}' found; searched: {}", file, list_text(searched)),
                  "an ion with a level-scheme file on the search path ($RELSIM_ION_PATH, <config "
                  "dir>/ions, <config dir>/../ions, <source tree>/configs/ions), an 'ion_file' key, "
                  "or an inline scheme ('ground', 'levels', ...)");
    }

    void read_transfers(const toml::table& root) {
        const toml::node* n = root.get("transfer");
        if (!n) return;
        const char* what = "an array of tables [[transfer]]";
        const toml::array& arr = src_.array(*n, "transfer", what);
        for (std::size_t i = 0; i < arr.size(); ++i) {
            const std::string prefix = join(std::string("transfer"), i);
            const toml::table& t = src_.table(*arr.get(i), prefix, what);
            src_.check_keys(t, prefix, {"from", "to", "k_s", "k_cm3_s"});
            model::IonTransferParams tr;
            endpoint(t, prefix, "from", tr.from_ion, tr.from_level);
            endpoint(t, prefix, "to", tr.to_ion, tr.to_level);
            if (tr.from_ion == tr.to_ion && tr.from_level == tr.to_level) {
                src_.fail(t.get("to")->source(), join(prefix, "to"),
                          "a transfer from a level to itself", "another ion or level than 'from'");
            }
            const toml::node* ks = t.get("k_s");
            const toml::node* kb = t.get("k_cm3_s");
            const std::string one_of = "exactly one of k_s ([0, inf) s^-1) or k_cm3_s ([0, inf) cm^3 s^-1)";
            if (ks && kb) {
                src_.fail(kb->source(), join(prefix, "k_cm3_s"), "both k_s and k_cm3_s are given", one_of);
            }
            if (!ks && !kb) src_.missing(t, prefix, "k_s", one_of);
            tr.bimolecular = kb != nullptr;
            const std::string k = join(prefix, tr.bimolecular ? "k_cm3_s" : "k_s");
            const toml::node& rn = tr.bimolecular ? *kb : *ks;
            tr.rate = src_.number(rn, k, k);
            origins_[k] = {Origin::config, src_.where(rn)};
            cfg_.model.transfers.push_back(std::move(tr));
        }
    }

    void endpoint(const toml::table& t, const std::string& prefix, std::string_view name,
                  std::string& ion, std::string& level) {
        const std::string k = join(prefix, name);
        const char* syntax = "\"<Ion>:<level>\", e.g. \"Tb:5D4\"";
        const toml::node& n = src_.require(t, prefix, name, syntax);
        const std::string v = src_.string(n, k, syntax);
        const auto colon = v.find(':');
        if (colon == std::string::npos || v.find(':', colon + 1) != std::string::npos) {
            src_.fail(n.source(), k, "'" + v + "' is not of the form <Ion>:<level>", syntax);
        }
        ion = v.substr(0, colon);
        level = v.substr(colon + 1);
        std::vector<std::string> ions;
        for (const auto& d : cfg_.model.dopants) {
            ions.push_back(d.ion);
            if (d.ion != ion) continue;
            if (!find_level(d.scheme, level)) {
                src_.fail(n.source(), k,
                          fmt::format("transfer {} names level '{}', which is not an excited level "
                                      "of {}",
                                      name, level, ion),
                          "an excited level of " + ion + ": " + excited_list(d.scheme));
            }
            return;
        }
        src_.fail(n.source(), k,
                  fmt::format("transfer {} names ion '{}', which is not a [[dopant]] of this config",
                              name, ion),
                  ions.empty() ? std::string("a dopant ion (the config has no [[dopant]])")
                               : "a dopant ion: " + list_text(ions));
    }

    void read_spectrum(const toml::table& t) {
        src_.check_keys(t, "spectrum", {"from_nm", "to_nm", "step_nm", "save"});
        SpectrumSpec& s = cfg_.spectrum;
        const std::pair<std::string_view, double*> fields[] = {
            {"from_nm", &s.from_nm}, {"to_nm", &s.to_nm}, {"step_nm", &s.step_nm}};
        for (const auto& [name, out] : fields) {
            const std::string k = join(std::string("spectrum"), name);
            if (const toml::node* n = t.get(name)) *out = src_.number(*n, k, k);
        }
        if (const toml::node* n = t.get("save")) {
            s.save = src_.boolean(*n, "spectrum.save");
            s.save_given = true;
        }
        const toml::node* to = t.get("to_nm");
        const toml::source_region& at = to ? to->source() : t.source();
        if (!(s.from_nm < s.to_nm)) {
            src_.fail(at, "spectrum.to_nm",
                      fmt::format("to_nm = {} is not above from_nm = {}", s.to_nm, s.from_nm),
                      fmt::format("({}, inf) nm", s.from_nm));
        }
        const double points = std::floor((s.to_nm - s.from_nm) / s.step_nm + 1e-9) + 1.0;
        if (points > kMaxSpectrumPoints) {
            const toml::node* st = t.get("step_nm");
            src_.fail(st ? st->source() : t.source(), "spectrum.step_nm",
                      fmt::format("the wavelength grid would have {} points", points),
                      fmt::format("at most {} points: step_nm >= {} nm", kMaxSpectrumPoints,
                                  (s.to_nm - s.from_nm) / (kMaxSpectrumPoints - 1.0)));
        }
    }

    void read_transient(const toml::table& t) {
        src_.check_keys(t, "transient", {"pulse_current_density_mA_cm2", "pulse_on_s", "off_s", "points"});
        TransientSpec s;
        const std::pair<std::string_view, double*> fields[] = {
            {"pulse_current_density_mA_cm2", &s.pulse_current_density_mA_cm2},
            {"pulse_on_s", &s.pulse_on_s},
            {"off_s", &s.off_s}};
        for (const auto& [name, out] : fields) {
            const std::string k = join(std::string("transient"), name);
            const toml::node& n = src_.require(t, "transient", name, Src::range_of(k));
            *out = src_.number(n, k, k);
        }
        if (const toml::node* n = t.get("points")) {
            s.points = static_cast<int>(src_.number(*n, "transient.points", "transient.points"));
        }
        cfg_.transient = s;
    }

    // --- sweep -----------------------------------------------------------------------------------

    void check_sweep_key(const toml::table& axis, const std::string& akey, const std::string& kp) {
        model::ModelParams probe = cfg_.model;
        if (model::find_parameter(probe, kp)) return;
        if (cfg_.nanocrystal && kp.rfind("nanocrystal.", 0) == 0) return;  // checked by its reader
        if (cfg_.transport && (kp.rfind("transport.", 0) == 0 || kp == "device.voltage_V")) return;  // src/transport
        if (kp.rfind("optics.", 0) == 0 && detail::find_rule(kp)) return;  // checked by src/optics
        if (kp.rfind("lifetime.", 0) == 0) return;  // checked (key and values) by src/lifetime
        const std::string allowed =
            "the key path of a numeric model parameter of this config: device.<key>, ligand.<key>, "
            "dopant.<i>.<key>, dopant.<i>.quench_s.<level>, dopant.<i>.levels.<j>.energy_cm1, "
            "dopant.<i>.lines.<j>.rate_s|wavelength_nm|fwhm_nm, dopant.<i>.relaxations.<j>.rate_s, "
            "transfer.<i>.k_s|k_cm3_s";
        std::string problem;
        const std::string head = kp.substr(0, kp.find('.'));
        const ParamRule* r = detail::find_rule(kp);
        if (head == "spectrum" || head == "transient" || head == "sweep" || head == "title") {
            problem = fmt::format("'{}' is a [{}] setting, not a model parameter; spectrum, "
                                  "transient and sweep keys cannot be swept",
                                  kp, head);
        } else if (r && !r->model) {
            problem = fmt::format("'{}' is not a model parameter and cannot be swept", kp);
        } else if (r) {
            problem = fmt::format("'{}' names no parameter of this config", kp);
            if (kp.find(".kBT_s") != std::string::npos) {
                problem += " (kBT_s is sweepable only when the [[dopant]] sets it)";
            } else if (kp.find(".quench_s.") != std::string::npos) {
                problem += " (list the level in the dopant's quench_s, e.g. with 0.0, to sweep it)";
            } else if (head == "transfer") {
                problem += " (a transfer has either k_s or k_cm3_s, whichever its table gives)";
            } else {
                problem += " (index out of range)";
            }
        } else {
            problem = fmt::format("'{}' is not a numeric model parameter", kp);
        }
        const std::string near = detail::closest_key_path(kp, detail::kParamRules, [&](const std::string& c) {
            return model::find_parameter(probe, c) != nullptr;
        });
        const std::string near_head = detail::closest_name(head, std::initializer_list<std::string_view>{
            "device", "ligand", "dopant", "transfer", "nanocrystal", "optics", "transport", "lifetime"});
        if (!near.empty()) {
            problem += " (did you mean '" + near + "'?)";
        } else if (!near_head.empty()) {
            problem += " (did you mean '" + near_head + kp.substr(head.size()) + "'?)";
        }
        src_.fail(axis.source(), akey, problem, allowed);
    }

    void check_sweep_values(const toml::table& axis, std::size_t a, const std::string& kp,
                            const std::vector<double>& values) {
        if (cfg_.nanocrystal && kp.rfind("nanocrystal.", 0) == 0) return;  // checked by its reader
        if (cfg_.transport && (kp.rfind("transport.", 0) == 0 || kp == "device.voltage_V")) return;  // src/transport
        if (kp.rfind("lifetime.", 0) == 0) return;  // checked by src/lifetime
        for (std::size_t i = 0; i < values.size(); ++i) {
            std::string allowed;
            const std::string p = check_parameter_value(kp, values[i], allowed);
            if (!p.empty()) {
                src_.fail(axis.source(), kp,
                          fmt::format("sweep axis {} point {}: {}", a, i, p), allowed);
            }
        }
    }

    std::vector<double> value_list(const toml::node& n, const std::string& k) {
        const toml::array& arr = src_.array(n, k, "an array of numbers");
        if (arr.size() > 1000000) {  // as sweep.axis.*.points; 8 bytes per value and key in memory
            src_.fail(arr.source(), k, fmt::format("{} values (about {:.0f} MB in memory)", arr.size(),
                                                   16e-6 * static_cast<double>(arr.size())),
                      "at most 1e6 values per axis");
        }
        std::vector<double> v;
        for (std::size_t i = 0; i < arr.size(); ++i) {
            v.push_back(src_.number(*arr.get(i), join(k, i), static_cast<const ParamRule*>(nullptr)));
        }
        return v;
    }

    //! Reads `from`/`log_from` and `to` of an axis; returns (lo, hi, log).
    std::tuple<double, double, bool> range_of_axis(const toml::table& t, const std::string& ak) {
        const toml::node* lin = t.get("from");
        const toml::node* lg = t.get("log_from");
        const std::string range_keys = "from (linear) or log_from (logarithmic), with to";
        if (lin && lg) {
            src_.fail(lg->source(), join(ak, "log_from"), "both from and log_from are given",
                      "exactly one of " + range_keys);
        }
        const toml::node& fn = lin ? *lin : *lg;
        const std::string fk = join(ak, lin ? "from" : "log_from");
        const double from = src_.number(fn, fk, static_cast<const ParamRule*>(nullptr));
        const toml::node& tn = src_.require(t, ak, "to", "a number");
        const double to = src_.number(tn, join(ak, "to"), static_cast<const ParamRule*>(nullptr));
        if (lg) {
            if (!(from > 0.0)) {
                src_.fail(fn.source(), fk, fmt::format("log_from = {} is not positive", from), "(0, inf)");
            }
            if (!(to > 0.0)) {
                src_.fail(tn.source(), join(ak, "to"),
                          fmt::format("to = {} is not positive on a logarithmic axis", to), "(0, inf)");
            }
        }
        return {from, to, lg != nullptr};
    }

    void read_sweep(const toml::table& t) {
        src_.check_keys(t, "sweep", {"mode", "samples", "seed", "axis"});
        SweepSpec sw;
        if (const toml::node* m = t.get("mode")) {
            sw.mode = src_.string(*m, "sweep.mode", "\"grid\" or \"random\"");
            if (sw.mode != "grid" && sw.mode != "random") {
                src_.fail(m->source(), "sweep.mode", "unknown sweep mode '" + sw.mode + "'",
                          "\"grid\" or \"random\"");
            }
        }
        const bool random = sw.mode == "random";
        std::size_t samples = 0;
        if (random) {
            const toml::node& n = src_.require(t, "sweep", "samples", Src::range_of("sweep.samples"));
            samples = static_cast<std::size_t>(src_.number(n, "sweep.samples", "sweep.samples"));
            if (const toml::node* s = t.get("seed")) {
                // Read as an integer, never through a double (exact up to 2^63 - 1).
                const auto* si = s->as_integer();
                if (!si || si->get() < 0) {
                    src_.fail(s->source(), "sweep.seed",
                              si ? "the seed is negative" : "expected an integer, got " + detail::type_name(*s),
                              "an integer in [0, 9223372036854775807]");
                }
                sw.seed = static_cast<std::uint64_t>(si->get());
            }
        } else {
            for (const auto name : {"samples", "seed"}) {
                if (const toml::node* n = t.get(name)) {
                    src_.fail(n->source(), join(std::string("sweep"), name),
                              fmt::format("'{}' is only used with mode = \"random\"", name),
                              "mode, axis (grid mode)");
                }
            }
        }
        const char* what = "an array of tables [[sweep.axis]]";
        const toml::array& axes =
            src_.array(src_.require(t, "sweep", "axis", what), "sweep.axis", what);
        if (axes.empty()) src_.fail(axes.source(), "sweep.axis", "the sweep has no axis", what);

        std::set<std::string> seen;
        auto claim = [&](const toml::table& at, const std::string& key_of_key, const std::string& kp) {
            check_sweep_key(at, key_of_key, kp);
            if (!seen.insert(kp).second) {
                src_.fail(at.source(), key_of_key, "'" + kp + "' is swept on more than one axis",
                          "each key on one axis only (zip keys that move together)");
            }
        };

        SweepAxis rnd;
        rnd.kind = "random";
        struct RandomRange {
            double from, to;
            bool log;
        };
        std::vector<RandomRange> ranges;
        std::vector<const toml::table*> range_tables;

        for (std::size_t a = 0; a < axes.size(); ++a) {
            const std::string ak = join(std::string("sweep.axis"), a);
            const toml::table& at = src_.table(*axes.get(a), ak, what);
            if (random) {
                src_.check_keys(at, ak, {"key", "from", "log_from", "to"});
                const std::string kp = src_.string(src_.require(at, ak, "key", "a key path"),
                                                   join(ak, "key"));
                claim(at, join(ak, "key"), kp);
                if (!at.get("from") && !at.get("log_from")) {
                    src_.missing(at, ak, "from", "from (uniform) or log_from (log-uniform), with to");
                }
                const auto [lo, hi, lg] = range_of_axis(at, ak);
                check_sweep_values(at, a, kp, {lo, hi});
                rnd.keys.push_back(kp);
                ranges.push_back({lo, hi, lg});
                range_tables.push_back(&at);
                continue;
            }
            src_.check_keys(at, ak, {"key", "keys", "from", "log_from", "to", "points", "values"});
            SweepAxis axis;
            if (const toml::node* ks = at.get("keys")) {
                for (const auto name : {"key", "from", "log_from", "to", "points"}) {
                    if (const toml::node* n = at.get(name)) {
                        src_.fail(n->source(), join(ak, name),
                                  fmt::format("'{}' does not go with 'keys' (a zipped axis lists its "
                                              "values for every key)",
                                              name),
                                  "keys = [..], values = [[..], [..]]");
                    }
                }
                const toml::array& karr = src_.array(*ks, join(ak, "keys"), "an array of key paths");
                if (karr.empty()) src_.fail(karr.source(), join(ak, "keys"), "'keys' is empty", "at least one key path");
                for (std::size_t k = 0; k < karr.size(); ++k) {
                    const std::string kp = src_.string(*karr.get(k), join(join(ak, "keys"), k));
                    claim(at, join(ak, "keys"), kp);
                    axis.keys.push_back(kp);
                }
                const std::string vk = join(ak, "values");
                const toml::array& varr =
                    src_.array(src_.require(at, ak, "values", "an array of arrays, one per key"), vk,
                               "an array of arrays, one per key");
                if (varr.size() != axis.keys.size()) {
                    src_.fail(varr.source(), vk,
                              fmt::format("{} value arrays for {} keys", varr.size(), axis.keys.size()),
                              "one array of values per key");
                }
                for (std::size_t k = 0; k < varr.size(); ++k) {
                    axis.values.push_back(value_list(*varr.get(k), join(vk, k)));
                    if (axis.values[k].size() != axis.values[0].size()) {
                        src_.fail(varr.get(k)->source(), join(vk, k),
                                  fmt::format("{} values for '{}' but {} for '{}'", axis.values[k].size(),
                                              axis.keys[k], axis.values[0].size(), axis.keys[0]),
                                  "value arrays of equal length");
                    }
                }
                axis.kind = "zip";
            } else {
                const std::string kp =
                    src_.string(src_.require(at, ak, "key", "key = \"<key path>\" or keys = [..]"),
                                join(ak, "key"));
                claim(at, join(ak, "key"), kp);
                axis.keys.push_back(kp);
                if (const toml::node* vals = at.get("values")) {
                    for (const auto name : {"from", "log_from", "to", "points"}) {
                        if (const toml::node* n = at.get(name)) {
                            src_.fail(n->source(), join(ak, name),
                                      fmt::format("'{}' does not go with 'values'", name),
                                      "either values = [..] or from/log_from, to, points");
                        }
                    }
                    axis.values.push_back(value_list(*vals, join(ak, "values")));
                    axis.kind = "values";
                } else {
                    if (!at.get("from") && !at.get("log_from")) {
                        src_.missing(at, ak, "from",
                                     "from (linear) or log_from (logarithmic) with to and points, "
                                     "or values = [..]");
                    }
                    const auto [lo, hi, lg] = range_of_axis(at, ak);
                    const std::string pk = join(ak, "points");
                    const toml::node& pn = src_.require(at, ak, "points", Src::range_of("sweep.axis.*.points"));
                    const auto n = static_cast<std::size_t>(src_.number(pn, pk, pk));
                    std::vector<double> v(n);
                    for (std::size_t i = 0; i < n; ++i) {
                        const double f = n == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n - 1);
                        v[i] = lg ? std::exp(std::log(lo) + f * (std::log(hi) - std::log(lo)))
                                  : lo + f * (hi - lo);
                    }
                    v.front() = lo;
                    if (n > 1) v.back() = hi;
                    axis.values.push_back(std::move(v));
                    axis.kind = lg ? "log" : "linear";
                }
            }
            if (axis.size() == 0) {
                src_.fail(at.source(), ak, "the sweep axis has no values", "at least one value");
            }
            for (std::size_t k = 0; k < axis.keys.size(); ++k) {
                check_sweep_values(at, a, axis.keys[k], axis.values[k]);
            }
            sw.axes.push_back(std::move(axis));
        }

        if (random) {
            detail::SplitMix64 rng(sw.seed);
            rnd.values.assign(rnd.keys.size(), std::vector<double>(samples));
            for (std::size_t i = 0; i < samples; ++i) {
                for (std::size_t k = 0; k < rnd.keys.size(); ++k) {
                    const RandomRange& r = ranges[k];
                    const double u = rng.uniform();
                    double v = r.log ? std::exp(std::log(r.from) + u * (std::log(r.to) - std::log(r.from)))
                                     : r.from + u * (r.to - r.from);
                    v = std::clamp(v, std::min(r.from, r.to), std::max(r.from, r.to));
                    rnd.values[k][i] = v;
                }
            }
            for (std::size_t k = 0; k < rnd.keys.size(); ++k) {
                check_sweep_values(*range_tables[k], k, rnd.keys[k], rnd.values[k]);
            }
            sw.axes.push_back(std::move(rnd));
        }

        double total = 1.0;
        for (const auto& ax : sw.axes) total *= static_cast<double>(ax.size());
        if (total > kMaxSweepPoints) {
            src_.fail(t.source(), "sweep",
                      fmt::format("the sweep has {} points in total", total),
                      fmt::format("at most {} points", kMaxSweepPoints));
        }
        cfg_.sweep = std::move(sw);
    }

    void fill_resolved() {
        std::vector<std::string> paths;
        for (const auto& f : kDeviceFields) paths.push_back(join(std::string("device"), f.name));
        for (const auto& f : kLigandFields) paths.push_back(join(std::string("ligand"), f.name));
        for (std::size_t i = 0; i < cfg_.model.dopants.size(); ++i) {
            const auto& d = cfg_.model.dopants[i];
            const std::string p = join(std::string("dopant"), i);
            for (const auto name : {"density_cm3", "kTET_s", "kSET_s", "kETU_s", "kLP_cm3_s"}) {
                paths.push_back(join(p, name));
            }
            if (d.kBT_s) paths.push_back(join(p, "kBT_s"));
            for (const auto& q : d.quench_s) paths.push_back(join(join(p, "quench_s"), q.first));
            for (std::size_t j = 0; j < d.scheme.levels.size(); ++j) {
                paths.push_back(join(join(join(p, "levels"), j), "energy_cm1"));
            }
            for (std::size_t j = 0; j < d.scheme.lines.size(); ++j) {
                for (const auto name : {"rate_s", "wavelength_nm", "fwhm_nm"}) {
                    paths.push_back(join(join(join(p, "lines"), j), name));
                }
            }
            for (std::size_t j = 0; j < d.scheme.relaxations.size(); ++j) {
                paths.push_back(join(join(join(p, "relaxations"), j), "rate_s"));
            }
        }
        for (std::size_t i = 0; i < cfg_.model.transfers.size(); ++i) {
            const std::string p = join(std::string("transfer"), i);
            paths.push_back(join(p, cfg_.model.transfers[i].bimolecular ? "k_cm3_s" : "k_s"));
        }
        for (const auto& p : paths) {
            const double* v = model::find_parameter(cfg_.model, p);
            if (!v) continue;  // cannot happen: the paths above are those find_parameter knows
            ResolvedParameter r;
            r.key = p;
            r.value = *v;
            r.unit = parameter_unit(p);
            if (const auto it = origins_.find(p); it != origins_.end()) {
                r.origin = it->second.first;
                r.source = it->second.second;
            } else {
                r.origin = Origin::default_value;
                r.source = "default";
            }
            cfg_.resolved.push_back(std::move(r));
        }
    }

    Src src_;
    fs::path dir_;
    RunConfig cfg_;
    Origins origins_;
};

}  // namespace

std::size_t SweepSpec::num_points() const {
    std::size_t n = 1;
    for (const auto& a : axes) n *= a.size();
    return n;
}

RunConfig load_config(const std::string& path) {
    std::string why;
    const auto text = read_file(fs::path(path), why);
    if (!text) throw InputError(path, 0, 0, "", "cannot read config file: " + why);
    return load_config_text(*text, path);
}

RunConfig load_config_text(const std::string& text, const std::string& virtual_path) {
    return ConfigReader(text, virtual_path).read();
}

model::LevelScheme load_ion_file(const std::string& path,
                                 std::vector<std::pair<std::string, double>>* ground_energies_cm1) {
    std::string why;
    const auto text = read_file(fs::path(path), why);
    if (!text) throw InputError(path, 0, 0, "", "cannot read ion file: " + why);
    const Src src(path);
    const toml::table root = parse_toml(*text, path);
    std::vector<std::pair<std::string, double>> energies;
    model::LevelScheme s = read_ion_root(src, root, "", "dopant.0", nullptr, energies);
    s.source_file = path;
    if (ground_energies_cm1) *ground_energies_cm1 = std::move(energies);
    return s;
}

std::string check_parameter_value(const std::string& key_path, double value, std::string& allowed) {
    const ParamRule* r = detail::find_rule(key_path);
    if (!r) {
        allowed.clear();
        return "'" + key_path + "' is not a numeric parameter key";
    }
    allowed = detail::range_text(*r);
    return detail::check_rule(*r, value);
}

namespace {
std::mutex& unit_lookup_mutex() {
    static std::mutex m;
    return m;
}
std::vector<UnitLookup>& unit_lookups() {
    static std::vector<UnitLookup> v;
    return v;
}
}  // namespace

void register_unit_lookup(UnitLookup lookup) {
    const std::lock_guard<std::mutex> lock(unit_lookup_mutex());
    auto& v = unit_lookups();
    if (std::find(v.begin(), v.end(), lookup) == v.end()) v.push_back(lookup);
}

std::string parameter_unit(const std::string& key_path) {
    if (const ParamRule* r = detail::find_rule(key_path)) return std::string(r->unit);
    const std::lock_guard<std::mutex> lock(unit_lookup_mutex());
    for (const UnitLookup lookup : unit_lookups()) {
        std::string u = lookup(key_path);
        if (!u.empty()) return u;
    }
    return {};
}

}  // namespace relsim::io
