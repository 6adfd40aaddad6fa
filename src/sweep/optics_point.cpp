//! @file optics_point.cpp
#include "optics_point.hpp"
#include "point_evaluator.hpp"  // hdf5_name

#include <cmath>

#include "relsim/core/error.hpp"
#include "relsim/pipeline/stack_optics.hpp"

namespace relsim::sweep {
namespace {

std::vector<double> spectrum_grid(const io::SpectrumSpec& s) {
    const auto n =
        static_cast<std::size_t>(std::floor((s.to_nm - s.from_nm) / s.step_nm + 1e-9)) + 1;
    std::vector<double> w(n);
    for (std::size_t i = 0; i < n; ++i) w[i] = s.from_nm + static_cast<double>(i) * s.step_nm;
    return w;
}

using pipeline::band_centres;

optics::OpticsChecks checks_of(const io::RunConfig& c) { return pipeline::optics_checks(c); }

}  // namespace

std::vector<double> OpticsPoint::needed_wavelengths(const io::RunConfig& c) {
    return pipeline::optics_wavelengths(c);
}

std::unique_ptr<OpticsPoint> OpticsPoint::from_config(const io::RunConfig& c) {
    auto spec = optics::read_optics_config(c.text, c.path, checks_of(c));
    if (!spec) return nullptr;
    return std::make_unique<OpticsPoint>(std::move(*spec));
}

void OpticsPoint::update(const model::ModelParams& p) {
    std::vector<double> wl;
    std::vector<bool> md;
    band_centres(p, wl, md);
    // The cache key: every number the factors depend on.
    std::vector<double> key = wl;
    const optics::OpticsSpec& s = optics_.spec();
    key.push_back(p.device.recombination_zone_nm);
    key.push_back(s.zone_offset_nm);
    key.push_back(s.substrate_n);
    for (const optics::LayerSpec& l : s.layers) {
        key.push_back(l.thickness_nm);
        key.push_back(l.n);
        key.push_back(l.k);
    }
    if (key == key_) return;
    key_ = std::move(key);
    ++recomputations_;
    const std::size_t ns = slices();
    const auto powers = optics_.powers(wl, p.device.recombination_zone_nm);
    purcell_.assign((wl.size() - 2) * ns, 1.0);
    eta_.assign(wl.size() * ns, 0.0);
    for (std::size_t b = 0; b < wl.size(); ++b) {
        for (std::size_t i = 0; i < ns; ++i) {
            const optics::EmitterPowers& e = powers[b][i];
            eta_[b * ns + i] = e.eta_air(md[b]);
            if (b >= 2) purcell_[(b - 2) * ns + i] = e.purcell(md[b]);
        }
    }
}

void OpticsPoint::add_layout(const io::RunConfig& config, io::ResultLayout& L) {
    if (config.transport) return;  // the [transport] slices: TransportPointEvaluator::make_layout
    auto op = from_config(config);
    if (!op) return;
    add_stack_layout(config, op->optics_,
                     op->optics_.positions_nm(config.model.device.recombination_zone_nm), L);
}

void OpticsPoint::add_stack_layout(const io::RunConfig& config, const optics::DeviceOptics& stack,
                                   const std::vector<double>& z, io::ResultLayout& L) {
    L.scalar_names.push_back("outcoupling");
    L.scalar_units.push_back("1");
    // Per-point factors of every line (slice means), e.g. for lifetime-vs-distance sweeps.
    for (const char* what : {"optics/purcell/", "optics/eta_air/"}) {
        for (const model::DopantParams& d : config.model.dopants) {
            for (std::size_t li = 0; li < d.scheme.lines.size(); ++li) {
                const model::EmissionLine& ln = d.scheme.lines[li];
                // The line's label as in /results/line_labels (a second line of the same pair is
                // "<label>.2", model::RateModel), with '/' of level names such as Yb 2F5/2
                // escaped: it is an HDF5 path separator (issue 21 item 16).
                std::size_t same = 1;
                for (std::size_t pj = 0; pj < li; ++pj) {
                    same += d.scheme.lines[pj].from == ln.from && d.scheme.lines[pj].to == ln.to
                                ? 1
                                : 0;
                }
                std::string label = d.ion + "_" + ln.from + "_" + ln.to;
                if (same > 1) label += "." + std::to_string(same);
                L.scalar_names.push_back(what + hdf5_name(label));
                L.scalar_units.push_back("1");
            }
        }
    }
    const std::vector<double> wl = spectrum_grid(config.spectrum);
    const std::size_t ns = z.size(), nw = wl.size();
    std::vector<std::vector<optics::EmitterPowers>> pw(nw);
    std::string error;
#pragma omp parallel for schedule(dynamic, 8)
    for (long i = 0; i < static_cast<long>(nw); ++i) {
        const auto w = wl[static_cast<std::size_t>(i)];
        try {
            pw[static_cast<std::size_t>(i)] = optics::dipole_powers(stack.stack_at(w), w, z);
        } catch (const std::exception& e) {
#pragma omp critical
            error = e.what();
        }
    }
    if (!error.empty()) throw RunError("optics: " + error);
    auto add = [&](const std::string& path, const std::string& unit, const std::string& what,
                   auto&& value) {
        io::StaticDataset d;
        d.path = path;
        d.unit = unit;
        d.description = what;
        d.shape = {ns, nw};
        d.data.resize(ns * nw);
        for (std::size_t s = 0; s < ns; ++s) {
            for (std::size_t w = 0; w < nw; ++w) d.data[s * nw + w] = value(pw[w][s]);
        }
        L.static_datasets.push_back(std::move(d));
    };
    io::StaticDataset wd{
        "/optics/wavelength_nm", "nm", "wavelengths of the factors (the spectrum grid)", {nw}, wl};
    L.static_datasets.push_back(std::move(wd));
    io::StaticDataset zd{"/optics/position_nm",
                         "nm",
                         "emitter slice positions above the bottom of the emitting layer",
                         {ns},
                         z};
    L.static_datasets.push_back(std::move(zd));
    for (const bool md : {false, true}) {
        const std::string sfx = md ? "_md" : "_ed";
        const std::string who = md ? "magnetic" : "electric";
        add("/optics/purcell" + sfx, "1",
            "isotropic " + who + "-dipole Purcell factor (slice, wavelength)",
            [md](const optics::EmitterPowers& e) { return e.purcell(md); });
        add("/optics/eta_air" + sfx, "1",
            "isotropic " + who + "-dipole outcoupling into air (slice, wavelength)",
            [md](const optics::EmitterPowers& e) { return e.eta_air(md); });
        auto frac = [md](double optics::CasePowers::*m) {
            return [md, m](const optics::EmitterPowers& e) {
                const optics::CasePowers c = e.isotropic(md);
                return c.purcell > 0.0 ? c.*m / c.purcell : 0.0;
            };
        };
        add("/optics/channels/air" + sfx, "1", "fraction of the dissipated power reaching air",
            frac(&optics::CasePowers::air));
        add("/optics/channels/substrate" + sfx, "1",
            "fraction entering the substrate without reaching air",
            frac(&optics::CasePowers::substrate));
        add("/optics/channels/waveguide" + sfx, "1",
            "fraction in guided modes (outer light line < n_eff < highest dielectric index)",
            frac(&optics::CasePowers::waveguide));
        add("/optics/channels/absorbed" + sfx, "1",
            "fraction absorbed in the layers or coupled to surface plasmons",
            frac(&optics::CasePowers::absorbed));
    }
}

}  // namespace relsim::sweep

// --- the per-slice kinetics of a point (a PointEvaluator member kept here with the optics) ---
#include "point_evaluator.hpp"

namespace relsim::sweep {
namespace {

constexpr double nm_in_cm_optics = 1.0e-7;

void accumulate(const model::Observables& x, double wgt, model::Observables& acc) {
    acc.iqe += wgt * x.iqe;
    acc.transfer_efficiency += wgt * x.transfer_efficiency;
    acc.photon_rate_cm3_s += wgt * x.photon_rate_cm3_s;
    acc.ligand_singlet_photon_rate_cm3_s += wgt * x.ligand_singlet_photon_rate_cm3_s;
    acc.ligand_triplet_photon_rate_cm3_s += wgt * x.ligand_triplet_photon_rate_cm3_s;
    auto vec = [wgt](const std::vector<double>& a, std::vector<double>& b) {
        b.resize(a.size(), 0.0);
        for (std::size_t i = 0; i < a.size(); ++i) b[i] += wgt * a[i];
    };
    vec(x.line_photon_rate_cm3_s, acc.line_photon_rate_cm3_s);
    vec(x.species_photon_rate_cm3_s, acc.species_photon_rate_cm3_s);
    vec(x.fates, acc.fates);
}

void clear(model::Observables& o) {
    o.iqe = o.eqe = o.transfer_efficiency = o.photon_rate_cm3_s = 0.0;
    o.ligand_singlet_photon_rate_cm3_s = o.ligand_triplet_photon_rate_cm3_s = 0.0;
    std::fill(o.line_photon_rate_cm3_s.begin(), o.line_photon_rate_cm3_s.end(), 0.0);
    std::fill(o.species_photon_rate_cm3_s.begin(), o.species_photon_rate_cm3_s.end(), 0.0);
    std::fill(o.fates.begin(), o.fates.end(), 0.0);
}

}  // namespace

//! Each slice is a sub-population of the zone with the same generation density (generation
//! shared evenly), its Ln line rates multiplied by the slice's Purcell factors (nonradiative
//! rates unchanged). Results are slice means (volume densities of the zone); EQE counts every
//! band's photons times its eta_air: EQE = sum_{slices, bands} photons * eta / electrons.
solver::SteadyStateReport PointEvaluator::solve_slices(bool warm) {
    OpticsPoint& op = *optics_;
    op.update(params_);
    const std::size_t ns = op.slices();
    if (slice_prev_y_.size() != ns) slice_prev_y_.assign(ns, {});
    if (!warm) {
        for (auto& v : slice_prev_y_) v.clear();
    }
    if (!slice_params_) slice_params_.emplace(params_);
    model::ModelParams& sp = *slice_params_;
    const double wgt = 1.0 / static_cast<double>(ns);
    clear(obs_);
    std::vector<double> y_mean;
    double outcoupled_cm3_s = 0.0;
    solver::SteadyStateReport last;
    const double w_cm = params_.device.recombination_zone_nm * nm_in_cm_optics;
    for (std::size_t s = 0; s < ns; ++s) {
        model::copy_numbers(params_, sp);
        std::size_t l = 0;
        for (model::DopantParams& d : sp.dopants) {
            for (model::EmissionLine& ln : d.scheme.lines) ln.rate_s *= op.line_purcell(l++, s);
        }
        if (model_) {
            model_->refresh(sp);
        } else {
            model_.emplace(sp);
        }
        const model::RateModel& model = *model_;
        const model::Drive drive = model.nominal_drive();
        y_.resize(model.num_states());
        std::vector<double>& prev = slice_prev_y_[s];
        const bool use_warm = prev.size() == y_.size();
        last = solver_.solve(model, drive, use_warm ? prev.data() : nullptr, y_.data());
        if (last.status != solver::SolveStatus::converged) {
            for (auto& v : slice_prev_y_) v.clear();
            return last;
        }
        prev = y_;
        model::evaluate_observables(model, drive, y_.data(), slice_obs_);
        accumulate(slice_obs_, wgt, obs_);
        y_mean.resize(y_.size(), 0.0);
        for (std::size_t i = 0; i < y_.size(); ++i) y_mean[i] += wgt * y_[i];
        // Outcoupled photons per band, into the spectrum and colour (flux per area).
        band_flux_.resize(2 + slice_obs_.line_photon_rate_cm3_s.size());
        if (s == 0) std::fill(band_flux_.begin(), band_flux_.end(), 0.0);
        auto add_band = [&](std::size_t b, double rate_cm3_s) {
            const double out = rate_cm3_s * op.band_eta(b, s);
            outcoupled_cm3_s += wgt * out;
            band_flux_[b] += wgt * w_cm * out;
        };
        add_band(0, slice_obs_.ligand_singlet_photon_rate_cm3_s);
        add_band(1, slice_obs_.ligand_triplet_photon_rate_cm3_s);
        for (std::size_t b = 0; b < slice_obs_.line_photon_rate_cm3_s.size(); ++b) {
            add_band(2 + b, slice_obs_.line_photon_rate_cm3_s[b]);
        }
    }
    y_ = y_mean;
    const model::Drive drive = model_->nominal_drive();
    const double electrons_cm3_s = drive.generation_cm3_s / params_.device.charge_balance;
    obs_.eqe = electrons_cm3_s > 0.0 ? outcoupled_cm3_s / electrons_cm3_s : 0.0;
    optics_outcoupling_ = obs_.iqe > 0.0 ? obs_.eqe / obs_.iqe : 0.0;
    return last;
}

}  // namespace relsim::sweep

// --- relsim check ---
#include <fmt/format.h>

#include "relsim/sweep/optics_check.hpp"
#include "transport_point.hpp"

namespace relsim::sweep {

std::string describe_optics(const io::RunConfig& config) {
    if (config.transport)
        return describe_transport_optics(config);  // emitters: the transport slices
    const auto spec = optics::read_optics_config(config.text, config.path, checks_of(config));
    if (!spec) return {};
    const optics::DeviceOptics d(*spec);  // loads every material (located errors)
    std::string s = fmt::format(
        "optics: substrate {}, emitting layer '{}', {} slice(s) at",
        spec->glass_substrate ? fmt::format("glass (n = {:g})", spec->substrate_n) : "none",
        spec->emitting_layer, spec->emitter_slices);
    for (double z : d.positions_nm(config.model.device.recombination_zone_nm))
        s += fmt::format(" {:g}", z);
    s += " nm; device.outcoupling is ignored\n";
    for (const optics::LayerSpec& l : spec->layers) {
        s += fmt::format("  layer {:<12} {:>10}  {}\n", l.name,
                         l.semi_infinite ? "semi-inf." : fmt::format("{:g} nm", l.thickness_nm),
                         l.material.empty() ? fmt::format("n = {:g}, k = {:g}", l.n, l.k)
                                            : "material " + l.material);
    }
    return s;
}

}  // namespace relsim::sweep
