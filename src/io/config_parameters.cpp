//! @file config_parameters.cpp
//! The numeric model-parameter tables of the config: the [device] and [ligand] keys, the list of
//! resolved parameters with their origins (RunConfig::resolved), and the range and unit lookups
//! (check_parameter_value, parameter_unit) that answer from the key table param_schema.hpp.
#include <algorithm>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "detail/config_parts.hpp"
#include "detail/param_schema.hpp"
#include "detail/toml_reader.hpp"
#include "relsim/io/config.hpp"
#include "relsim/io/config_registry.hpp"

namespace relsim::io {
namespace detail {
namespace {

using model::Origin;

constexpr DeviceField kDeviceFields[] = {
    {"current_density_mA_cm2", &model::DeviceParams::current_density_mA_cm2, true},
    {"recombination_zone_nm", &model::DeviceParams::recombination_zone_nm, false},
    {"charge_balance", &model::DeviceParams::charge_balance, false},
    {"singlet_fraction", &model::DeviceParams::singlet_fraction, false},
    {"outcoupling", &model::DeviceParams::outcoupling, false},
    {"temperature_K", &model::DeviceParams::temperature_K, false},
    {"langevin_cm3_s", &model::DeviceParams::langevin_cm3_s, false},
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

}  // namespace

std::span<const DeviceField> device_fields() { return kDeviceFields; }
std::span<const LigandField> ligand_fields() { return kLigandFields; }

void fill_resolved(RunConfig& cfg, const Origins& origins) {
    std::vector<std::string> paths;
    for (const auto& f : kDeviceFields) paths.push_back(join(std::string("device"), f.name));
    for (const auto& f : kLigandFields) paths.push_back(join(std::string("ligand"), f.name));
    for (std::size_t i = 0; i < cfg.model.dopants.size(); ++i) {
        const auto& d = cfg.model.dopants[i];
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
    for (std::size_t i = 0; i < cfg.model.transfers.size(); ++i) {
        const std::string p = join(std::string("transfer"), i);
        paths.push_back(join(p, cfg.model.transfers[i].bimolecular ? "k_cm3_s" : "k_s"));
    }
    for (const auto& p : paths) {
        const double* v = model::find_parameter(cfg.model, p);
        if (!v) continue;  // cannot happen: the paths above are those find_parameter knows
        ResolvedParameter r;
        r.key = p;
        r.value = *v;
        r.unit = parameter_unit(p);
        if (const auto it = origins.find(p); it != origins.end()) {
            r.origin = it->second.first;
            r.source = it->second.second;
        } else {
            r.origin = Origin::default_value;
            r.source = "default";
        }
        cfg.resolved.push_back(std::move(r));
    }
}

}  // namespace detail

using detail::ParamRule;

std::string check_parameter_value(const std::string& key_path, double value, std::string& allowed) {
    if (const ParamRule* r = detail::find_rule(key_path)) {
        allowed = detail::range_text(*r);
        return detail::check_rule(*r, value);
    }
    for (const ConfigTables& t : registered_config_tables()) {
        if (!t.check_swept_value || (t.knows_swept_key && !t.knows_swept_key(key_path))) continue;
        bool mine = false;
        for (const std::string& p : t.sweep_prefixes) {
            mine =
                mine || (!p.empty() && p.back() == '.' ? key_path.rfind(p, 0) == 0 : key_path == p);
        }
        if (mine) return t.check_swept_value(key_path, value, allowed);
    }
    allowed.clear();
    return "'" + key_path + "' is not a numeric parameter key";
}

std::string parameter_unit(const std::string& key_path) {
    if (const ParamRule* r = detail::find_rule(key_path)) return std::string(r->unit);
    for (const ConfigTables& t : registered_config_tables()) {
        if (!t.unit) continue;
        std::string u = t.unit(key_path);
        if (!u.empty()) return u;
    }
    return {};
}

}  // namespace relsim::io
