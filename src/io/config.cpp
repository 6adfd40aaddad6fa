//! @file config.cpp
//! The TOML config loader (spec section 5): strict parsing, physical ranges, cross-references.
//! Every error is a relsim::InputError that names the file, line, column, dotted key path and
//! allowed range. Keys and ranges: configs/README.md. ConfigReader reads the tables in order;
//! ion level schemes (config_ion_scheme.cpp), [sweep] (config_sweep.cpp) and the parameter
//! tables (config_parameters.cpp) live in their own files (detail/config_parts.hpp).
#include "relsim/io/config.hpp"
#include "relsim/io/config_registry.hpp"

#include <array>
#include <cmath>
#include <filesystem>
#include <memory>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "relsim/io/detail/config_document.hpp"
#include "detail/config_parts.hpp"
#include "detail/param_schema.hpp"
#include "detail/toml_reader.hpp"
#include "detail/nir_tables.hpp"
#include "relsim/core/error.hpp"

namespace relsim::io {
namespace {

namespace fs = std::filesystem;
using detail::excited_list;
using detail::find_level;
using detail::join;
using detail::list_text;
using detail::valid_ion_name;
using detail::kIonNameRule;
using detail::Origins;
using detail::Src;
using detail::read_file;
using detail::parse_toml;
using model::Origin;

constexpr double kMaxSpectrumPoints = 1.0e6;

constexpr std::array<std::string_view, 16> kDopantKeys = {
    "ion",       "density_cm3", "accepting_level", "kTET_s",    "kSET_s", "kETU_s",
    "kLP_cm3_s", "quench_s",    "kBT_s",           "ion_file",  "ground", "levels",
    "lines",     "relaxations", "quench_per_s",    "lifetime_s"};

//! Whether a module (of `modules`) supplies io key `key` (io's pattern, "dopant.*.kTET_s") in a
//! config whose tables `present` answers for; `zero_is_absent` receives whether a 0 then stands
//! for an absent value (config_registry.hpp, SuppliedKey).
bool key_supplied_by_module(const std::vector<ConfigTables>& modules, const std::string& key,
                            const detail::TablePresent& present, bool* zero_is_absent = nullptr) {
    for (const ConfigTables& t : modules) {
        for (const SuppliedKey& s : t.supplies) {
            if (s.key != key || !present(s.when_table)) continue;
            if (zero_is_absent) *zero_is_absent = s.zero_is_absent;
            return true;
        }
    }
    return false;
}

//! The first of `module`'s tables that the config has, "" when none.
std::string present_table(const ConfigTables& module, const detail::TablePresent& present) {
    for (const std::string& name : module.tables) {
        if (present(name)) return name;
    }
    return {};
}

//! The rule of a module-only io key `key` whose module has none of its tables in the config:
//! true and `rule` filled when `key` is used without its module's table (ModuleOnlyKey).
bool key_without_its_table(const std::vector<ConfigTables>& modules, const std::string& key,
                           const detail::TablePresent& present, ModuleOnlyKey& rule) {
    for (const ConfigTables& t : modules) {
        for (const ModuleOnlyKey& k : t.only_with_table) {
            if (k.key != key || !present_table(t, present).empty()) continue;
            rule = k;
            return true;
        }
    }
    return false;
}

//! Every refusal (TableRefusal) of a module with a table in the config, with "{table}" in its
//! texts replaced by that table; `each(refusal)` is called for each.
template <typename Each>
void for_each_refusal(const std::vector<ConfigTables>& modules, const detail::TablePresent& present,
                      Each&& each) {
    for (const ConfigTables& t : modules) {
        const std::string table = present_table(t, present);
        if (table.empty()) continue;
        for (TableRefusal r : t.refuses) {
            for (std::string* text : {&r.problem, &r.allowed}) {
                for (std::size_t at = text->find("{table}"); at != std::string::npos;
                     at = text->find("{table}", at + table.size()))
                    text->replace(at, 7, table);
            }
            each(r);
        }
    }
}

class ConfigReader {
public:
    ConfigReader(const std::string& text, const std::string& path)
        : src_(path), dir_(fs::path(path).parent_path()) {
        cfg_.path = path;
        cfg_.text = text;
        if (dir_.empty()) dir_ = ".";
    }

    RunConfig read() {
        auto document = std::make_shared<ConfigDocument>();  // parsed once (config_document.hpp)
        document->root = parse_toml(cfg_.text, src_.file());
        const toml::table& root = document->root;
        present_.root = &root;
        modules_ = registered_config_tables();  // one snapshot of the registry for this read
        // Top-level tables: io's own, then those of the modules registered in
        // config_registry.hpp (each reads and checks its own table).
        std::vector<std::string> tables = {"title",    "device",   "ligand",    "dopant",
                                           "transfer", "spectrum", "transient", "sweep",
                                           "bands",    "physics",  "output"};
        for (const ConfigTables& m : modules_) {
            tables.insert(tables.end(), m.tables.begin(), m.tables.end());
        }
        src_.check_keys_in(root, "", tables);
        for (const auto& [name, node] : root) {
            if (node.is_table() || node.is_array_of_tables()) cfg_.tables.emplace_back(name.str());
        }
        // A table or key of io's that a module present in the config does not combine with
        // (config_registry.hpp, e.g. [output] with [nanocrystal]): refused, naming both.
        for_each_refusal(modules_, present_, [&](const TableRefusal& r) {
            if (const toml::node* n = detail::node_at(root, r.table))
                src_.fail(n->source(), r.table, r.problem, r.allowed);
        });
        if (const toml::node* n = root.get("title")) cfg_.title = src_.string(*n, "title");
        read_device(root);
        read_ligand(root);
        read_dopants(root);
        read_transfers(root);
        if (const toml::node* n = root.get("spectrum")) read_spectrum(src_.table(*n, "spectrum"));
        if (const toml::node* n = root.get("transient"))
            read_transient(src_.table(*n, "transient"));
        if (const toml::node* n = root.get("sweep")) {
            detail::read_sweep_table(src_, root, src_.table(*n, "sweep"),
                                     cfg_);  // config_sweep.cpp
        }
        detail::read_output_table(src_, root, cfg_);       // output_config.cpp
        detail::read_bands_table(src_, root, cfg_.bands);  // bands_config.cpp
        detail::read_physics_table(src_, root, cfg_);      // physics_config.cpp
        detail::fill_resolved(cfg_, origins_);             // config_parameters.cpp
        detail::check_plausibility(cfg_);                  // plausibility.cpp
        cfg_.document = std::move(document);
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
        std::vector<std::string> keys = {
            "current_density_mA_cm2", "recombination_zone_nm", "charge_balance",
            "singlet_fraction",       "outcoupling",           "temperature_K",
            "langevin_cm3_s"};
        // The [device] keys that modules read themselves (config_registry.hpp: voltage_V for
        // the transport stack, eml_thickness_nm for the inventory).
        for (const ConfigTables& m : modules_) {
            for (const std::string& k : m.io_table_keys) {
                if (k.rfind("device.", 0) == 0) keys.push_back(k.substr(7));
            }
        }
        src_.check_keys_in(t, "device", keys);
        // Such a key without its module's table would be ignored: refused instead.
        for (const auto& [name, node] : t) {
            ModuleOnlyKey rule;
            const std::string key = join(std::string("device"), name.str());
            if (key_without_its_table(modules_, key, present_, rule))
                src_.fail(node.source(), key, rule.problem, rule.allowed);
        }
        for (const auto& f : detail::device_fields()) {
            const std::string key = join(std::string("device"), f.name);
            bool zero_is_absent = false;
            // A module that supplies the key (the transport stack solves J; a microscopic PL
            // decay runs without current) makes it optional.
            const bool supplied = key_supplied_by_module(modules_, key, present_, &zero_is_absent);
            const toml::node* v = t.get(f.name);
            if (supplied && zero_is_absent && v && v->value<double>() == 0.0) continue;
            param(t, "device", f.name, f.required && !supplied, cfg_.model.device.*(f.member));
        }
    }

    void read_ligand(const toml::table& root) {
        const toml::node& n = src_.require(root, "", "ligand", "a [ligand] table");
        const toml::table& t = src_.table(n, "ligand");
        src_.check_keys(
            t, "ligand",
            {"density_cm3", "triplet_energy_eV", "kS_rad_s", "kS_nr_s", "k_isc_s", "kT_rad_s",
             "kT_nr_s", "kTT_cm3_s", "tta_singlet_yield", "kTP_cm3_s", "kSS_cm3_s", "kST_cm3_s",
             "singlet_band_nm", "singlet_fwhm_nm", "triplet_band_nm", "triplet_fwhm_nm"});
        for (const auto& f : detail::ligand_fields()) {
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
                src_.fail(
                    ion_node.source(), join(prefix, "ion"),
                    fmt::format("ion '{}' is already dopant {}; each [[dopant]] needs its own "
                                "ion name (use ion_file to give a second site of the same "
                                "element another name)",
                                d.ion, k),
                    "a name not used by another [[dopant]]");
            }
        }
        // Optional where a module supplies them (the nanocrystal lattice and its kTET0_s).
        param(t, prefix, "density_cm3",
              !key_supplied_by_module(modules_, "dopant.*.density_cm3", present_), d.density_cm3);
        param(t, prefix, "kTET_s", !key_supplied_by_module(modules_, "dopant.*.kTET_s", present_),
              d.kTET_s);
        param(t, prefix, "kSET_s", false, d.kSET_s);
        param(t, prefix, "kETU_s", false, d.kETU_s);
        param(t, prefix, "kLP_cm3_s", false, d.kLP_cm3_s);
        if (const toml::node* kbt = t.get("kBT_s")) {
            const std::string k = join(prefix, "kBT_s");
            d.kBT_s = src_.number(*kbt, k, k);
            origins_[k] = {Origin::config, src_.where(*kbt)};
        }

        detail::read_dopant_scheme(src_, dir_, t, prefix, ion_node, d,
                                   origins_,  // config_ion_scheme.cpp
                                   cfg_.ion_files);

        const toml::node& acc =
            src_.require(t, prefix, "accepting_level",
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
            if (q)
                src_.fail(alias->source(), join(prefix, "quench_per_s"), "quench_s is also given",
                          "one of quench_s, quench_per_s");
            q = alias;
        }
        if (q) {
            const std::string qk = join(prefix, "quench_s");
            const toml::table& qt = src_.table(*q, qk, "a table { <level> = rate_s, ... }");
            for (auto&& [lk, lv] : qt) {
                const std::string level(lk.str());
                const std::string k = join(qk, level);
                if (!find_level(d.scheme, level)) {
                    const toml::source_region& at =
                        lk.source().begin.line > 0 ? lk.source() : lv.source();
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
            const std::string one_of =
                "exactly one of k_s ([0, inf) s^-1) or k_cm3_s ([0, inf) cm^3 s^-1)";
            if (ks && kb) {
                src_.fail(kb->source(), join(prefix, "k_cm3_s"), "both k_s and k_cm3_s are given",
                          one_of);
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
        src_.fail(
            n.source(), k,
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
        src_.check_keys(t, "transient",
                        {"pulse_current_density_mA_cm2", "pulse_on_s", "off_s", "points"});
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

    Src src_;
    detail::TablePresent present_;       //!< which tables the document has (set by read())
    std::vector<ConfigTables> modules_;  //!< the registered modules (set by read())
    fs::path dir_;
    RunConfig cfg_;
    Origins origins_;
};

}  // namespace

RunConfig load_config(const std::string& path) {
    std::string why;
    const auto text = read_file(fs::path(path), why);
    if (!text) throw InputError(path, 0, 0, "", "cannot read config file: " + why);
    return load_config_text(*text, path);
}

RunConfig load_config_text(const std::string& text, const std::string& virtual_path) {
    return ConfigReader(text, virtual_path).read();
}

}  // namespace relsim::io
