//! @file device_optics.cpp
#include "relsim/optics/device_optics.hpp"

#include <algorithm>
#include <stdexcept>

#include "relsim/core/error.hpp"

namespace relsim::optics {

bool is_optics_key(const std::string& key) { return key.rfind("optics.", 0) == 0; }

DeviceOptics::DeviceOptics(OpticsSpec spec) : spec_(std::move(spec)) {
    for (const LayerSpec& l : spec_.layers) {
        if (l.material.empty() || materials_.count(l.material)) continue;
        auto t = std::make_shared<MaterialTable>();
        if (!load_material(l.material, *t)) {
            throw InputError(spec_.file, l.material_line, l.material_column, "optics.layer",
                             "unknown material '" + l.material + "'",
                             "a file " + materials_dir() + "/<name>.csv");
        }
        materials_[l.material] = std::move(t);
    }
}

double* DeviceOptics::find_parameter(const std::string& key) {
    if (key == "optics.zone_offset_nm") return &spec_.zone_offset_nm;
    if (key == "optics.substrate_n") return spec_.glass_substrate ? &spec_.substrate_n : nullptr;
    const std::string head = "optics.layer.";
    if (key.rfind(head, 0) != 0) return nullptr;
    const std::string rest = key.substr(head.size());
    const auto dot = rest.find('.');
    if (dot == std::string::npos || dot == 0) return nullptr;
    const std::string idx = rest.substr(0, dot), field = rest.substr(dot + 1);
    for (char c : idx) {
        if (c < '0' || c > '9') return nullptr;
    }
    const std::size_t i = std::stoul(idx);
    if (i >= spec_.layers.size()) return nullptr;
    LayerSpec& l = spec_.layers[i];
    if (field == "thickness_nm") return l.semi_infinite ? nullptr : &l.thickness_nm;
    if (field == "n") return l.material.empty() ? &l.n : nullptr;
    if (field == "k") return l.material.empty() ? &l.k : nullptr;
    return nullptr;
}

StackAtWavelength DeviceOptics::stack_at(double wl) const {
    StackAtWavelength s;
    s.incoherent_substrate = spec_.glass_substrate;
    if (spec_.glass_substrate) {
        s.index.emplace_back(spec_.substrate_n, 0.0);
        s.thickness_nm.push_back(0.0);
    }
    for (const LayerSpec& l : spec_.layers) {
        Complex n(l.n, l.k);
        if (!l.material.empty()) n = materials_.at(l.material)->at(wl);
        s.index.push_back(n);
        s.thickness_nm.push_back(l.semi_infinite ? 0.0 : l.thickness_nm);
    }
    s.emitter = spec_.emitting_index + (spec_.glass_substrate ? 1 : 0);
    return s;
}

std::vector<double> DeviceOptics::positions_nm(double zone_nm) const {
    std::vector<double> z;
    const int n = spec_.emitter_slices;
    for (int i = 0; i < n; ++i) z.push_back(spec_.zone_offset_nm + (i + 0.5) * zone_nm / n);
    return z;
}

std::vector<std::vector<EmitterPowers>> DeviceOptics::powers(const std::vector<double>& wl,
                                                             double zone_nm,
                                                             const Accuracy& acc) const {
    const std::vector<double> z = positions_nm(zone_nm);
    // Fixed chunks of consecutive wavelengths: inside a chunk each solve starts from the
    // previous one's quadrature mesh (neighbouring wavelengths need nearly the same one); the
    // first of a chunk starts from scratch. Chunks are shared among OpenMP threads (unless
    // called inside a parallel region) and the results do not depend on the thread count.
    constexpr std::size_t chunk = 16;
    std::vector<std::vector<EmitterPowers>> out(wl.size());
    std::string error;
    const long chunks = static_cast<long>((wl.size() + chunk - 1) / chunk);
#pragma omp parallel for schedule(dynamic, 1)
    for (long c = 0; c < chunks; ++c) {
        QuadratureMesh mesh;
        const std::size_t i1 = std::min(wl.size(), static_cast<std::size_t>(c + 1) * chunk);
        for (std::size_t i = static_cast<std::size_t>(c) * chunk; i < i1; ++i) {
            try {
                out[i] = dipole_powers(stack_at(wl[i]), wl[i], z, acc, nullptr, &mesh);
            } catch (const std::exception& e) {
#pragma omp critical(relsim_optics_error)
                error = e.what();
            }
        }
    }
    if (!error.empty()) throw std::runtime_error(error);
    return out;
}

}  // namespace relsim::optics
