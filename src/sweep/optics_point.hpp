//! @file optics_point.hpp (private to the sweep module)
//! The [optics] coupling of a sweep point (spec shared/spec/optics.md): per-line Purcell factors
//! and outcoupling of every emitter slice, cached between points (recomputed only when a number
//! they depend on changed: the stack, the zone, a line or band wavelength), and the /optics/*
//! datasets of the output file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/io/result_file.hpp"
#include "relsim/optics/device_optics.hpp"

namespace relsim::sweep {

class OpticsPoint {
public:
    //! nullptr when the config has no [optics] table. Throws InputError on a bad table.
    static std::unique_ptr<OpticsPoint> from_config(const io::RunConfig& config);
    explicit OpticsPoint(optics::OpticsSpec spec) : optics_(std::move(spec)) {}

    [[nodiscard]] double* find_parameter(const std::string& key) {
        return optics_.find_parameter(key);
    }
    [[nodiscard]] std::size_t slices() const {
        return static_cast<std::size_t>(optics_.spec().emitter_slices);
    }
    //! Refreshes the factors for the lines and ligand bands of `p` if anything they depend on
    //! changed since the last call.
    void update(const model::ModelParams& p);
    //! Isotropic Purcell factor of line l (RateModel::lines() order) in slice s.
    [[nodiscard]] double line_purcell(std::size_t l, std::size_t s) const {
        return purcell_[l * slices() + s];
    }
    //! Outcoupling into air of band b in slice s; bands: ligand singlet, ligand triplet, lines.
    [[nodiscard]] double band_eta(std::size_t b, std::size_t s) const {
        return eta_[b * slices() + s];
    }
    [[nodiscard]] std::size_t num_lines() const { return purcell_.size() / slices(); }
    //! Slice means of a line's Purcell factor and outcoupling.
    [[nodiscard]] double mean_line_purcell(std::size_t l) const {
        double m = 0.0;
        for (std::size_t s = 0; s < slices(); ++s) m += line_purcell(l, s);
        return m / static_cast<double>(slices());
    }
    [[nodiscard]] double mean_band_eta(std::size_t b) const {
        double m = 0.0;
        for (std::size_t s = 0; s < slices(); ++s) m += band_eta(b, s);
        return m / static_cast<double>(slices());
    }
    //! Number of factor recomputations so far (the cache's misses; tests).
    [[nodiscard]] long recomputations() const { return recomputations_; }

    //! Every wavelength a config needs from the material tables.
    static std::vector<double> needed_wavelengths(const io::RunConfig& config);
    //! Adds /optics/* (the factors of the config as written, on the spectrum grid) and the
    //! /results/outcoupling scalar to a layout (not for a [transport] config).
    static void add_layout(const io::RunConfig& config, io::ResultLayout& layout);
    //! The same for emitters at positions `z_nm` above the bottom of the emitting layer of
    //! `stack` (add_layout: the uniform zone's slices; [transport]: the config's slices).
    static void add_stack_layout(const io::RunConfig& config, const optics::DeviceOptics& stack,
                                 const std::vector<double>& z_nm, io::ResultLayout& layout);

private:
    optics::DeviceOptics optics_;
    std::vector<double> key_;  //!< the numbers the cached factors were computed from
    std::vector<double> purcell_, eta_;
    long recomputations_ = 0;
};

}  // namespace relsim::sweep
