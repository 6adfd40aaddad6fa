//! @file optics_point.cpp
#include "optics_point.hpp"
#include "point_evaluator.hpp"  // hdf5_name

#include <cmath>
#include <optional>

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

optics::OpticsChecks checks_of(const io::RunConfig& c) { return pipeline::optics_checks(c); }

}  // namespace

void OpticsPoint::add_layout(const io::RunConfig& config, io::ResultLayout& L) {
    if (config.has_table("transport"))
        return;  // the [transport] slices: TransportPointEvaluator::make_layout
    const std::optional<optics::DeviceOptics> stack = pipeline::read_stack(config);
    if (!stack) return;
    add_stack_layout(config, *stack, stack->positions_nm(config.model.device.recombination_zone_nm),
                     L);
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

// --- relsim check ---
#include <fmt/format.h>

#include "relsim/sweep/optics_check.hpp"
#include "transport_point.hpp"

namespace relsim::sweep {

std::string describe_optics(const io::RunConfig& config) {
    if (config.has_table("transport"))
        return describe_transport_optics(config);  // emitters: the transport slices
    const auto spec = optics::read_optics_config(config, checks_of(config));
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
