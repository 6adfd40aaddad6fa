//! @file parameters.cpp
//! find_parameter: the numeric model parameters addressed by dotted config key paths.
#include "relsim/model/parameters.hpp"

#include <array>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace relsim::model {

const char* origin_name(Origin o) {
    switch (o) {
        case Origin::config: return "config";
        case Origin::ion_file: return "ion file";
        case Origin::default_value: return "default";
        case Origin::detailed_balance: return "detailed balance";
        case Origin::derived: return "derived";
    }
    return "?";
}

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    while (true) {
        const auto dot = path.find('.');
        parts.push_back(path.substr(0, dot));
        if (dot == std::string_view::npos) break;
        path.remove_prefix(dot + 1);
    }
    return parts;
}

//! A canonical non-negative decimal index ("0", "12"; not "", "+1", "01", "1e2").
bool parse_index(std::string_view s, std::size_t& out) {
    if (s.empty() || s.size() > 9) return false;
    if (s.size() > 1 && s.front() == '0') return false;
    std::size_t v = 0;
    for (const char c : s) {
        if (c < '0' || c > '9') return false;
        v = v * 10 + static_cast<std::size_t>(c - '0');
    }
    out = v;
    return true;
}

template <typename T>
struct Member {
    std::string_view name;
    double T::*ptr;
};

constexpr std::array<Member<DeviceParams>, 7> kDevice{{
    {"current_density_mA_cm2", &DeviceParams::current_density_mA_cm2},
    {"recombination_zone_nm", &DeviceParams::recombination_zone_nm},
    {"charge_balance", &DeviceParams::charge_balance},
    {"singlet_fraction", &DeviceParams::singlet_fraction},
    {"outcoupling", &DeviceParams::outcoupling},
    {"temperature_K", &DeviceParams::temperature_K},
    {"langevin_cm3_s", &DeviceParams::langevin_cm3_s},
}};

constexpr std::array<Member<LigandParams>, 16> kLigand{{
    {"density_cm3", &LigandParams::density_cm3},
    {"triplet_energy_eV", &LigandParams::triplet_energy_eV},
    {"kS_rad_s", &LigandParams::kS_rad_s},
    {"kS_nr_s", &LigandParams::kS_nr_s},
    {"k_isc_s", &LigandParams::k_isc_s},
    {"kT_rad_s", &LigandParams::kT_rad_s},
    {"kT_nr_s", &LigandParams::kT_nr_s},
    {"kTT_cm3_s", &LigandParams::kTT_cm3_s},
    {"tta_singlet_yield", &LigandParams::tta_singlet_yield},
    {"kTP_cm3_s", &LigandParams::kTP_cm3_s},
    {"kSS_cm3_s", &LigandParams::kSS_cm3_s},
    {"kST_cm3_s", &LigandParams::kST_cm3_s},
    {"singlet_band_nm", &LigandParams::singlet_band_nm},
    {"singlet_fwhm_nm", &LigandParams::singlet_fwhm_nm},
    {"triplet_band_nm", &LigandParams::triplet_band_nm},
    {"triplet_fwhm_nm", &LigandParams::triplet_fwhm_nm},
}};

constexpr std::array<Member<DopantParams>, 5> kDopant{{
    {"density_cm3", &DopantParams::density_cm3},
    {"kTET_s", &DopantParams::kTET_s},
    {"kSET_s", &DopantParams::kSET_s},
    {"kETU_s", &DopantParams::kETU_s},
    {"kLP_cm3_s", &DopantParams::kLP_cm3_s},
}};

template <typename T, std::size_t N>
double* lookup(T& obj, const std::array<Member<T>, N>& table, std::string_view name) {
    for (const auto& m : table) {
        if (m.name == name) return &(obj.*(m.ptr));
    }
    return nullptr;
}

double* find_in_dopant(DopantParams& d, const std::vector<std::string_view>& p) {
    // p[0] = "dopant", p[1] = index
    if (p.size() == 3) {
        if (p[2] == "kBT_s") return d.kBT_s ? &*d.kBT_s : nullptr;
        return lookup(d, kDopant, p[2]);
    }
    if (p.size() == 4 && p[2] == "quench_s") {
        for (auto& [level, rate] : d.quench_s) {
            if (level == p[3]) return &rate;
        }
        return nullptr;
    }
    if (p.size() != 5) return nullptr;
    std::size_t j = 0;
    if (!parse_index(p[3], j)) return nullptr;
    LevelScheme& s = d.scheme;
    if (p[2] == "levels") {
        if (j >= s.levels.size() || p[4] != "energy_cm1") return nullptr;
        return &s.levels[j].energy_cm1;
    }
    if (p[2] == "lines") {
        if (j >= s.lines.size()) return nullptr;
        EmissionLine& l = s.lines[j];
        if (p[4] == "rate_s") return &l.rate_s;
        if (p[4] == "wavelength_nm") return &l.wavelength_nm;
        if (p[4] == "fwhm_nm") return &l.fwhm_nm;
        return nullptr;
    }
    if (p[2] == "relaxations") {
        if (j >= s.relaxations.size() || p[4] != "rate_s") return nullptr;
        return &s.relaxations[j].rate_s;
    }
    return nullptr;
}

}  // namespace

double level_degeneracy(const std::string& name) {
    // The name ends in J: digits, optionally "/2", after the last letter (or ')' of a Stark label
    // is not accepted: a J must be readable).
    std::size_t k = name.size();
    while (k > 0 && (std::isdigit(static_cast<unsigned char>(name[k - 1])) || name[k - 1] == '/'))
        --k;
    if (k == 0 || k == name.size() || !std::isalpha(static_cast<unsigned char>(name[k - 1])))
        return 0.0;
    const std::string j = name.substr(k);
    const auto slash = j.find('/');
    if (slash == std::string::npos) {
        return 2.0 * std::stod(j) + 1.0;
    }
    if (j.substr(slash) != "/2" || slash == 0) return 0.0;
    const double twice_j = std::stod(j.substr(0, slash));
    return twice_j + 1.0;
}

void copy_numbers(const ModelParams& from, ModelParams& to) {
    to.physics = from.physics;
    to.device = from.device;  // all numbers
    to.ligand = from.ligand;  // all numbers
    for (std::size_t s = 0; s < from.dopants.size(); ++s) {
        const DopantParams& f = from.dopants[s];
        DopantParams& t = to.dopants[s];
        t.density_cm3 = f.density_cm3;
        t.kTET_s = f.kTET_s;
        t.kSET_s = f.kSET_s;
        t.kETU_s = f.kETU_s;
        t.kLP_cm3_s = f.kLP_cm3_s;
        t.kBT_s = f.kBT_s;
        for (std::size_t q = 0; q < f.quench_s.size(); ++q)
            t.quench_s[q].second = f.quench_s[q].second;
        for (std::size_t j = 0; j < f.scheme.levels.size(); ++j) {
            t.scheme.levels[j].energy_cm1 = f.scheme.levels[j].energy_cm1;
        }
        for (std::size_t l = 0; l < f.scheme.lines.size(); ++l) {
            t.scheme.lines[l].rate_s = f.scheme.lines[l].rate_s;
            t.scheme.lines[l].wavelength_nm = f.scheme.lines[l].wavelength_nm;
            t.scheme.lines[l].fwhm_nm = f.scheme.lines[l].fwhm_nm;
        }
        for (std::size_t r = 0; r < f.scheme.relaxations.size(); ++r) {
            t.scheme.relaxations[r].rate_s = f.scheme.relaxations[r].rate_s;
        }
    }
    for (std::size_t i = 0; i < from.transfers.size(); ++i)
        to.transfers[i].rate = from.transfers[i].rate;
}

double* find_parameter(ModelParams& params, const std::string& key_path) {
    const std::vector<std::string_view> p = split_path(key_path);
    if (p.size() < 2) return nullptr;
    if (p[0] == "device") return p.size() == 2 ? lookup(params.device, kDevice, p[1]) : nullptr;
    if (p[0] == "ligand") return p.size() == 2 ? lookup(params.ligand, kLigand, p[1]) : nullptr;
    std::size_t i = 0;
    if (p.size() < 3 || !parse_index(p[1], i)) return nullptr;
    if (p[0] == "dopant") {
        if (i >= params.dopants.size()) return nullptr;
        return find_in_dopant(params.dopants[i], p);
    }
    if (p[0] == "transfer") {
        if (i >= params.transfers.size() || p.size() != 3) return nullptr;
        IonTransferParams& t = params.transfers[i];
        if ((p[2] == "k_s" && !t.bimolecular) || (p[2] == "k_cm3_s" && t.bimolecular)) {
            return &t.rate;
        }
        return nullptr;
    }
    return nullptr;
}

}  // namespace relsim::model
