//! @file stack_optics.cpp
//! The [optics] stage: Purcell factors and extraction per slice from optics::DeviceOptics.
#include "relsim/pipeline/stack_optics.hpp"

#include <algorithm>
#include <cmath>
#include <list>
#include <mutex>
#include <string>
#include <utility>

#include "relsim/optics/dipole_emission.hpp"

namespace relsim::pipeline {

namespace {

std::vector<double> spectrum_grid(const io::SpectrumSpec& s) {
    const auto n =
        static_cast<std::size_t>(std::floor((s.to_nm - s.from_nm) / s.step_nm + 1e-9)) + 1;
    std::vector<double> w(n);
    for (std::size_t i = 0; i < n; ++i) w[i] = s.from_nm + static_cast<double>(i) * s.step_nm;
    return w;
}

//! The factors of every slice of the zone at one set of band wavelengths.
struct Table {
    std::vector<double> key;      //!< band wavelengths, zone, stack numbers
    std::vector<double> z_nm;     //!< slice positions from the zone's bottom
    std::vector<double> purcell;  //!< [line][slice]
    std::vector<double> eta;      //!< [band][slice]
};

}  // namespace

std::vector<double> optics_wavelengths(const io::RunConfig& c) {
    std::vector<double> w = spectrum_grid(c.spectrum);
    std::vector<bool> md;
    std::vector<double> bands;
    band_centres(c.model, bands, md);
    w.insert(w.end(), bands.begin(), bands.end());
    if (c.sweep) {
        for (const io::SweepAxis& ax : c.sweep->axes) {
            for (std::size_t i = 0; i < ax.keys.size(); ++i) {
                const std::string& k = ax.keys[i];
                if (k.find("wavelength_nm") != std::string::npos ||
                    k.find("band_nm") != std::string::npos) {
                    w.insert(w.end(), ax.values[i].begin(), ax.values[i].end());
                }
            }
        }
    }
    return w;
}

optics::OpticsChecks optics_checks(const io::RunConfig& c) {
    optics::OpticsChecks k;
    k.wavelengths_nm = optics_wavelengths(c);
    k.recombination_zone_nm = {c.model.device.recombination_zone_nm};
    if (c.sweep) {
        for (const io::SweepAxis& ax : c.sweep->axes) {
            for (std::size_t i = 0; i < ax.keys.size(); ++i) {
                k.swept.emplace_back(ax.keys[i], ax.values[i]);
                if (ax.keys[i] == "device.recombination_zone_nm") {
                    k.recombination_zone_nm.insert(k.recombination_zone_nm.end(),
                                                   ax.values[i].begin(), ax.values[i].end());
                }
            }
        }
    }
    return k;
}

std::optional<optics::DeviceOptics> read_stack(const io::RunConfig& config) {
    auto spec = optics::read_optics_config(config, optics_checks(config));
    if (!spec) return std::nullopt;
    return optics::DeviceOptics(std::move(*spec));
}

struct StackOptics::Cache {
    static constexpr std::size_t kEntries = 8;
    std::mutex mutex;
    std::list<std::shared_ptr<const Table>> tables;  //!< most recently used first
    long computations = 0;
};

StackOptics::StackOptics(optics::DeviceOptics stack)
    : optics_(std::move(stack)), cache_(std::make_unique<Cache>()) {}
StackOptics::~StackOptics() = default;

long StackOptics::computations() const {
    std::lock_guard<std::mutex> lock(cache_->mutex);
    return cache_->computations;
}

void StackOptics::slice_optics(const Slice& slice, const model::ModelParams& p,
                               SliceOptics& out) const {
    std::vector<double> wl;
    std::vector<bool> md;
    band_centres(p, wl, md);
    const double zone = p.device.recombination_zone_nm;
    // The cache key: every number the factors depend on.
    std::vector<double> key = wl;
    key.push_back(zone);
    const optics::OpticsSpec& s = optics_.spec();
    key.push_back(s.zone_offset_nm);
    key.push_back(s.substrate_n);
    for (const optics::LayerSpec& l : s.layers) {
        key.push_back(l.thickness_nm);
        key.push_back(l.n);
        key.push_back(l.k);
    }
    const std::size_t nb = wl.size();
    out.line_purcell.resize(nb - 2);
    out.line_eta_air.resize(nb - 2);
    std::shared_ptr<const Table> t;
    {
        std::lock_guard<std::mutex> lock(cache_->mutex);
        for (auto it = cache_->tables.begin(); it != cache_->tables.end(); ++it) {
            if ((*it)->key == key) {
                cache_->tables.splice(cache_->tables.begin(), cache_->tables, it);
                t = cache_->tables.front();
                break;
            }
        }
    }
    if (!t) {
        // The factors of the uniform zone's slices (DeviceOptics::powers at positions_nm).
        auto nt = std::make_shared<Table>();
        nt->key = key;
        const int n = s.emitter_slices;
        const auto ns = static_cast<std::size_t>(n);
        // DeviceOptics::positions_nm less the offset: the uniform profile's (i + 1/2) w / n.
        for (int i = 0; i < n; ++i) nt->z_nm.push_back((i + 0.5) * zone / n);
        const auto powers = optics_.powers(wl, zone);
        nt->purcell.assign((nb - 2) * ns, 1.0);
        nt->eta.assign(nb * ns, 0.0);
        for (std::size_t b = 0; b < nb; ++b) {
            for (std::size_t i = 0; i < ns; ++i) {
                const optics::EmitterPowers& e = powers[b][i];
                nt->eta[b * ns + i] = e.eta_air(md[b]);
                if (b >= 2) nt->purcell[(b - 2) * ns + i] = e.purcell(md[b]);
            }
        }
        std::lock_guard<std::mutex> lock(cache_->mutex);
        ++cache_->computations;
        cache_->tables.push_front(nt);
        if (cache_->tables.size() > Cache::kEntries) cache_->tables.pop_back();
        t = std::move(nt);
    }
    // The slice of the zone's grid at this position, else an exact computation.
    const double tol = 1e-9 * std::max(zone, 1.0);
    for (std::size_t i = 0; i < t->z_nm.size(); ++i) {
        if (std::abs(t->z_nm[i] - slice.position_nm) > tol) continue;
        const std::size_t ns = t->z_nm.size();
        for (std::size_t l = 0; l + 2 < nb; ++l) {
            out.line_purcell[l] = t->purcell[l * ns + i];
            out.line_eta_air[l] = t->eta[(l + 2) * ns + i];
        }
        out.ligand_singlet_eta_air = t->eta[i];
        out.ligand_triplet_eta_air = t->eta[ns + i];
        return;
    }
    const std::vector<double> z{s.zone_offset_nm + slice.position_nm};
    for (std::size_t b = 0; b < nb; ++b) {
        const optics::EmitterPowers e =
            optics::dipole_powers(optics_.stack_at(wl[b]), wl[b], z).at(0);
        const double eta = e.eta_air(md[b]);
        if (b == 0)
            out.ligand_singlet_eta_air = eta;
        else if (b == 1)
            out.ligand_triplet_eta_air = eta;
        else {
            out.line_purcell[b - 2] = e.purcell(md[b]);
            out.line_eta_air[b - 2] = eta;
        }
    }
}

std::shared_ptr<const OpticsStage> make_stack_optics(optics::DeviceOptics stack) {
    return std::make_shared<StackOptics>(std::move(stack));
}

struct PositionedStackOptics::Cache {
    struct Entry {
        std::vector<double> key;  //!< band wavelengths, stack numbers, position
        SliceOptics optics;
    };
    static constexpr std::size_t kEntries = 64;
    std::mutex mutex;
    std::list<Entry> entries;
    long computations = 0;
};

PositionedStackOptics::PositionedStackOptics(optics::DeviceOptics stack, bool from_top)
    : optics_(std::move(stack)), from_top_(from_top), cache_(std::make_unique<Cache>()) {}
PositionedStackOptics::~PositionedStackOptics() = default;

long PositionedStackOptics::computations() const {
    std::lock_guard<std::mutex> lock(cache_->mutex);
    return cache_->computations;
}

double PositionedStackOptics::layer_position_nm(double position_nm) const {
    const optics::OpticsSpec& s = optics_.spec();
    return from_top_ ? s.layers[s.emitting_index].thickness_nm - position_nm : position_nm;
}

void PositionedStackOptics::slice_optics(const Slice& slice, const model::ModelParams& p,
                                         SliceOptics& out) const {
    std::vector<double> wl;
    std::vector<bool> md;
    band_centres(p, wl, md);
    const double z = layer_position_nm(slice.position_nm);
    std::vector<double> key = wl;
    const optics::OpticsSpec& s = optics_.spec();
    key.push_back(s.substrate_n);
    for (const optics::LayerSpec& l : s.layers) {
        key.push_back(l.thickness_nm);
        key.push_back(l.n);
        key.push_back(l.k);
    }
    key.push_back(z);
    {
        std::lock_guard<std::mutex> lock(cache_->mutex);
        for (auto it = cache_->entries.begin(); it != cache_->entries.end(); ++it) {
            if (it->key == key) {
                out = it->optics;
                cache_->entries.splice(cache_->entries.begin(), cache_->entries, it);
                return;
            }
        }
    }
    const std::size_t nb = wl.size();
    out.line_purcell.resize(nb - 2);
    out.line_eta_air.resize(nb - 2);
    const std::vector<double> zs{z};
    for (std::size_t b = 0; b < nb; ++b) {
        const optics::EmitterPowers e =
            optics::dipole_powers(optics_.stack_at(wl[b]), wl[b], zs).at(0);
        const double eta = e.eta_air(md[b]);
        if (b == 0)
            out.ligand_singlet_eta_air = eta;
        else if (b == 1)
            out.ligand_triplet_eta_air = eta;
        else {
            out.line_purcell[b - 2] = e.purcell(md[b]);
            out.line_eta_air[b - 2] = eta;
        }
    }
    std::lock_guard<std::mutex> lock(cache_->mutex);
    ++cache_->computations;
    cache_->entries.push_front({std::move(key), out});
    if (cache_->entries.size() > Cache::kEntries) cache_->entries.pop_back();
}

}  // namespace relsim::pipeline
