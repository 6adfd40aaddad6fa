//! @file nc_point_evaluator.cpp
//! One sweep point of the microscopic model: set the point's keys, run the engine, and write
//! its results under the mean-field names (via the shared photometry) and /microscopic/*.
#include "nc_point_evaluator.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <exception>

#include "nc_point_series.hpp"
#include "optics_point.hpp"
#include "point_evaluator.hpp"
#include "relsim/core/error.hpp"
#include "relsim/pipeline/stack_optics.hpp"

namespace relsim::sweep {
namespace {

constexpr double nm_in_cm = 1.0e-7;
//! Width of the output radial bins [nm]: a fixed grid, so that points of a radius sweep share it.
constexpr double radial_bin_nm = 0.25;

//! Statistical scalars of an EL point, each followed by "<name>_stderr" in the layout.
struct ScalarSpec {
    std::string name;
    std::string unit;
    bool stderr_too = true;
};

bool is_nc_key(const std::string& k) { return k.rfind("nanocrystal.", 0) == 0; }

std::uint64_t count_of(const io::ResultBlock& b) { return b.count; }

//! Line of the header [table] in a config text (0 when absent), for messages.
int line_of_table(const std::string& text, const std::string& table) {
    int line = 1;
    const std::string header = "[" + table + "]";
    for (std::size_t pos = 0; pos < text.size(); ++line) {
        const std::size_t end = std::min(text.find('\n', pos), text.size());
        const std::size_t b = text.find_first_not_of(" \t", pos);
        if (b < end && text.compare(b, header.size(), header) == 0) return line;
        pos = end + 1;
    }
    return 0;
}

}  // namespace

NcPointEvaluator::NcPointEvaluator(const io::RunConfig& config,
                                   std::shared_ptr<const model::CieObserver> observer,
                                   bool save_spectrum, int threads)
    : config_(config),
      nc_(nanocrystal::read_config(config)),
      observer_(std::move(observer)),
      params_(config.model),
      spec_(nc_.spec) {
    decay_ = nc_.spec.excitation.has_value();
    stack_ = pipeline::read_stack(config);  // [optics]: per-slice Purcell factors and eta_air
    if (stack_ && decay_) {
        throw InputError(
            config.path, line_of_table(config.text, "nanocrystal.excitation"), 0,
            "nanocrystal.excitation",
            "[nanocrystal.excitation] (a PL decay) together with [optics] is not supported: the "
            "decay of a directly excited NC is computed without the stack",
            "either [nanocrystal.excitation] or [optics]");
    }
    options_.threads = threads;
    options_.radial_bin_nm = radial_bin_nm;  // the engine bins are then the output grid
    const model::RateModel base(config.model);
    io::ResultLayout& L = layout_;
    if (config.sweep) {
        L.axes = config.sweep->axes;
        for (const io::SweepAxis& ax : L.axes) L.shape.push_back(ax.size());
    }
    strides_.assign(L.shape.size(), 1);
    for (std::size_t a = L.shape.size(); a-- > 1;) strides_[a - 1] = strides_[a] * L.shape[a];

    for (const model::DopantParams& d : config.model.dopants) {
        for (const model::Level& lv : d.scheme.levels)
            level_names_.push_back(d.ion + "_" + lv.name);
    }
    auto scalar = [&](const std::string& name, const std::string& unit, bool with_stderr) {
        L.scalar_names.push_back(name);
        L.scalar_units.push_back(unit);
        if (with_stderr) {
            L.scalar_names.push_back(name + "_stderr");
            L.scalar_units.push_back(unit);
        }
    };
    auto series = [&](const std::string& path, const std::string& unit, std::uint64_t length) {
        L.extra_series.push_back({path, unit, length});
    };

    if (decay_) {
        const nanocrystal::ExcitationSpec& e = *nc_.spec.excitation;
        scalar("pl_yield", "1", false);
        scalar("mean_lifetime_s", "s", false);
        std::vector<double> t(static_cast<std::size_t>(e.points));
        for (std::size_t k = 0; k < t.size(); ++k) {
            t[k] = e.decay_until_s * static_cast<double>(k) / static_cast<double>(t.size() - 1);
        }
        L.extra_fixed.push_back({"/microscopic/decay/time_s", "s", t});
        const auto n = static_cast<std::uint64_t>(e.points);
        for (const std::string& lv : level_names_) {
            series("/microscopic/decay/" + lv, "1", n);
            series("/microscopic/decay/" + lv + "_stderr", "1", n);
        }
        series("/microscopic/decay/ligand_singlet", "1", n);
        series("/microscopic/decay/ligand_triplet", "1", n);
        series("/microscopic/decay/photon_rate", "s^-1", n);
        series("/microscopic/decay/photon_rate_stderr", "s^-1", n);
        series("/microscopic/nc/events", "1", 0);
        return;
    }

    scalar("eqe", "1", true);
    scalar("iqe", "1", true);
    scalar("transfer_efficiency", "1", true);
    scalar("luminance_cd_m2", "cd m^-2", true);
    scalar("current_efficiency_cd_A", "cd A^-1", true);
    scalar("cie_x", "1", false);
    scalar("cie_y", "1", false);
    for (const auto& [name, unit] : radiometric_scalars()) scalar(name, unit, false);
    for (const model::NamedBand& b : config.bands) scalar("eqe_band/" + b.name, "1", false);
    scalar("photon_rate/total", "cm^-3 s^-1", true);
    scalar("photon_rate/ligand_singlet", "cm^-3 s^-1", true);
    scalar("photon_rate/ligand_triplet", "cm^-3 s^-1", true);
    for (const model::DopantParams& d : config.model.dopants)
        scalar("photon_rate/" + d.ion, "cm^-3 s^-1", true);
    scalar("populations/S", "cm^-3", true);
    scalar("populations/T", "cm^-3", true);
    for (const std::string& lv : level_names_) scalar("populations/" + lv, "cm^-3", true);
    std::vector<std::string> fates{
        "ligand_blocked",           "ligand_singlet_radiative",    "ligand_singlet_nonradiative",
        "ligand_triplet_radiative", "ligand_triplet_nonradiative", "tpq"};
    for (const model::DopantParams& d : config.model.dopants) {
        for (const char* f : {"radiative", "nonradiative", "quenching", "surface_quenching",
                              "polaron_quenching", "etu"}) {
            fates.push_back(d.ion + "_" + f);
        }
    }
    for (const std::string& f : fates) scalar("fates/" + f, "1", true);

    for (const model::CompiledLine& cl : base.lines()) L.line_labels.push_back(cl.label);
    if (!L.line_labels.empty())
        series("/results/line_photon_rate_stderr", "cm^-3 s^-1", L.line_labels.size());
    if (save_spectrum) {
        const io::SpectrumSpec& s = config.spectrum;
        const auto n =
            static_cast<std::size_t>(std::floor((s.to_nm - s.from_nm) / s.step_nm + 1e-9)) + 1;
        for (std::size_t i = 0; i < n; ++i)
            L.wavelength_nm.push_back(s.from_nm + static_cast<double>(i) * s.step_nm);
    }

    // Radial grid up to the largest radius any point reaches.
    double r_max = nc_.spec.radius_nm;
    if (config.sweep) {
        for (const io::SweepAxis& ax : config.sweep->axes) {
            for (std::size_t k = 0; k < ax.keys.size(); ++k) {
                const std::string& key = ax.keys[k];
                const bool radius = key == "nanocrystal.radius_nm" ||
                                    (key.rfind("nanocrystal.shell.", 0) == 0 && key.size() > 16 &&
                                     key.compare(key.size() - 16, 16, ".outer_radius_nm") == 0);
                if (radius)
                    r_max = std::max(r_max,
                                     *std::max_element(ax.values[k].begin(), ax.values[k].end()));
            }
        }
        // thickness_nm shells: the radius grows with every thickness, so all at their largest
        // swept values give the largest radius.
        nanocrystal::NanocrystalSpec widest = nc_.spec;
        for (const io::SweepAxis& ax : config.sweep->axes) {
            for (std::size_t k = 0; k < ax.keys.size(); ++k) {
                const std::string& key = ax.keys[k];
                if (key.rfind("nanocrystal.shell.", 0) == 0 && key.size() > 13 &&
                    key.compare(key.size() - 13, 13, ".thickness_nm") == 0) {
                    nanocrystal::set_parameter(
                        widest, nc_.species, key,
                        *std::max_element(ax.values[k].begin(), ax.values[k].end()));
                }
            }
        }
        nanocrystal::derive(nc_, widest);
        if (!widest.shells.empty()) r_max = std::max(r_max, widest.shells.back().outer_radius_nm);
    }
    if (nc_.spec.shape == nanocrystal::Shape::sphere) {
        const auto bins = static_cast<std::size_t>(std::ceil(r_max / radial_bin_nm - 1e-9));
        for (std::size_t b = 0; b < bins; ++b)
            radial_r_nm_.push_back((static_cast<double>(b) + 0.5) * radial_bin_nm);
        L.extra_fixed.push_back({"/microscopic/radial/r_nm", "nm", radial_r_nm_});
        for (const std::string& lv : level_names_)
            series("/microscopic/radial/" + lv, "1", radial_r_nm_.size());
    }
    if (config.transient) {  // EL pulse: the engine's grid, `points` intervals per phase
        const io::TransientSpec& tr = *config.transient;
        const auto np = static_cast<std::size_t>(tr.points);
        for (std::size_t k = 0; k <= np; ++k)
            L.transient_time_s.push_back(tr.pulse_on_s * static_cast<double>(k) /
                                         static_cast<double>(np));
        for (std::size_t k = 1; k <= np; ++k) {
            L.transient_time_s.push_back(tr.pulse_on_s + tr.off_s * static_cast<double>(k) /
                                                             static_cast<double>(np));
        }
        L.transient_series = {"photon_rate", "photon_rate_stderr"};
        for (const model::DopantParams& d : config.model.dopants)
            L.transient_series.push_back(d.ion + "_photon_rate");
    }
    if (stack_) OpticsPoint::add_layout(config, L);  // /results/outcoupling, /optics/*
    effective_ = effective_keys(config, nc_);
    for (const EffectiveKey& k : effective_) series("/microscopic/effective/" + k.name, k.unit, 0);
    for (const model::DopantParams& d : config.model.dopants)
        series("/microscopic/nc/ions_per_nc/" + d.ion, "1", 0);
    series("/microscopic/nc/sites_per_nc", "1", 0);
    series("/microscopic/nc/ligands_per_nc", "1", 0);
    series("/microscopic/nc/generation_per_nc_s", "s^-1", 0);
    series("/microscopic/nc/events", "1", 0);
    series("/microscopic/nc/max_dropped_rate_fraction", "1", 0);
    series("/microscopic/nc/fate_sum_max_deviation", "1", 0);
}

void NcPointEvaluator::set_point(std::uint64_t index) {
    params_ = config_.model;
    spec_ = nc_.spec;
    for (std::size_t a = 0; a < layout_.axes.size(); ++a) {
        const std::uint64_t i = (index / strides_[a]) % layout_.shape[a];
        const io::SweepAxis& ax = layout_.axes[a];
        for (std::size_t k = 0; k < ax.keys.size(); ++k) {
            const double v = ax.values[k][i];
            if (is_nc_key(ax.keys[k])) {
                nanocrystal::set_parameter(spec_, nc_.species, ax.keys[k], v);
            } else if (double* p = model::find_parameter(params_, ax.keys[k])) {
                *p = v;
            }
        }
    }
    nanocrystal::derive(nc_, spec_);
}

void NcPointEvaluator::put(io::ResultBlock& block, std::uint64_t slot, const std::string& name,
                           double v) {
    const auto it = std::find(layout_.scalar_names.begin(), layout_.scalar_names.end(), name);
    if (it == layout_.scalar_names.end()) return;
    const auto q = static_cast<std::size_t>(it - layout_.scalar_names.begin());
    block.scalars[q * block.count + slot] = v;
}

double* NcPointEvaluator::series(io::ResultBlock& block, std::uint64_t slot,
                                 const std::string& path) {
    std::uint64_t offset = 0;
    for (const auto& e : layout_.extra_series) {
        const std::uint64_t len = std::max<std::uint64_t>(e.length, 1);
        if (e.path == path) return block.extra.data() + offset + slot * len;
        offset += block.count * len;
    }
    return nullptr;
}

void NcPointEvaluator::evaluate(std::uint64_t index, io::ResultBlock& block, std::uint64_t slot,
                                std::string& failure_kind) {
    const std::uint64_t count = block.count;
    auto zero_slot = [&] {
        for (std::size_t q = 0; q < layout_.scalar_names.size(); ++q)
            block.scalars[q * count + slot] = 0.0;
        const std::size_t nl = layout_.line_labels.size();
        std::fill_n(block.line_rates.begin() + static_cast<long>(slot * nl), nl, 0.0);
        const std::size_t nw = layout_.wavelength_nm.size();
        std::fill_n(block.spectrum.begin() + static_cast<long>(slot * nw), nw, 0.0);
        for (const auto& e : layout_.extra_series) {
            std::fill_n(series(block, slot, e.path), std::max<std::uint64_t>(e.length, 1), 0.0);
        }
    };
    failure_kind.clear();
    block.method[slot] = spec_.engine == nanocrystal::Engine::kmc ? 1 : 0;
    try {
        set_point(index);
        block.method[slot] = spec_.engine == nanocrystal::Engine::kmc ? 1 : 0;
        if (decay_) {
            fill_decay(nanocrystal::solve_decay(spec_, params_, options_), block, slot);
        } else {
            if (stack_) {
                PointOptics optics;
                const nanocrystal::SteadyStateResult r = solve_with_optics(optics);
                fill_steady(r, block, slot, &optics);
            } else {
                fill_steady(nanocrystal::solve_el_steady_state(spec_, params_, options_), block,
                            slot);
            }
            if (config_.transient) fill_pulse(block, slot);
        }
        block.status[slot] = 0;
        bool finite = true;
        for (std::size_t q = 0; q < layout_.scalar_names.size(); ++q)
            finite = finite && std::isfinite(block.scalars[q * count + slot]);
        for (const auto& e : layout_.extra_series) {
            const double* v = series(block, slot, e.path);
            for (std::uint64_t j = 0; j < std::max<std::uint64_t>(e.length, 1); ++j)
                finite = finite && std::isfinite(v[j]);
        }
        if (!finite) {
            block.status[slot] = static_cast<std::int32_t>(solver::SolveStatus::non_finite);
            failure_kind = solver::to_string(solver::SolveStatus::non_finite);
            zero_slot();
        }
    } catch (const nanocrystal::InsufficientStatistics& e) {
        fmt::print(stderr, "relsim: point {} of the microscopic run failed: {}\n", index, e.what());
        block.status[slot] = nanocrystal::status_insufficient_statistics;
        block.method[slot] = -1;
        failure_kind = "too little statistics";
        zero_slot();
    } catch (const std::exception& e) {
        fmt::print(stderr, "relsim: point {} of the microscopic run failed: {}\n", index, e.what());
        block.status[slot] = status_error;
        block.method[slot] = -1;
        failure_kind = "error";
        zero_slot();
    }
}

void NcPointEvaluator::fill_steady(const nanocrystal::SteadyStateResult& r, io::ResultBlock& block,
                                   std::uint64_t slot, const PointOptics* optics) {
    const model::RateModel mf(params_);
    const model::Drive drive = mf.nominal_drive();
    const double G =
        drive.generation_cm3_s;  // excitons per cm^3 per s (kinetic-model.md section 2)
    const double n_nc = spec_.nc_density_cm3;
    const model::DeviceParams& dev = params_.device;
    auto both = [&](const std::string& name, const nanocrystal::Estimate& e, double scale) {
        put(block, slot, name, e.mean * scale);
        put(block, slot, name + "_stderr", e.standard_error * scale);
    };
    both("eqe", r.eqe, 1.0);
    both("iqe", r.iqe, 1.0);
    both("transfer_efficiency", r.transfer_efficiency, 1.0);
    both("photon_rate/total", r.photons_per_exciton, G);
    both("photon_rate/ligand_singlet", r.ligand_singlet_photons_per_exciton, G);
    both("photon_rate/ligand_triplet", r.ligand_triplet_photons_per_exciton, G);
    both("populations/S", r.singlets_per_nc, n_nc);
    both("populations/T", r.triplets_per_nc, n_nc);
    std::size_t flat = 0;
    for (std::size_t s = 0; s < params_.dopants.size(); ++s) {
        for (std::size_t j = 0; j < params_.dopants[s].scheme.levels.size(); ++j, ++flat) {
            if (s < r.excited_per_nc.size() && j < r.excited_per_nc[s].size()) {
                both("populations/" + level_names_[flat], r.excited_per_nc[s][j], n_nc);
            }
        }
    }
    for (const nanocrystal::FateEstimate& f : r.fates) both("fates/" + f.name, f.value, 1.0);

    // Lines, per-species photon rates, spectrum and colour: the mean-field photometry on the
    // ensemble's band fluxes (outcoupled flux = outcoupling * w * rate per volume).
    const std::size_t nl = layout_.line_labels.size();
    if (r.line_photons_per_exciton.size() != nl) {
        throw std::runtime_error(fmt::format("the engine returned {} line rates for {} lines",
                                             r.line_photons_per_exciton.size(), nl));
    }
    const double to_flux = dev.outcoupling * dev.recombination_zone_nm * nm_in_cm;
    std::vector<double> flux(2 + nl), flux_err(2 + nl);
    flux[0] = to_flux * G * r.ligand_singlet_photons_per_exciton.mean;
    flux[1] = to_flux * G * r.ligand_triplet_photons_per_exciton.mean;
    flux_err[0] = to_flux * G * r.ligand_singlet_photons_per_exciton.standard_error;
    flux_err[1] = to_flux * G * r.ligand_triplet_photons_per_exciton.standard_error;
    double* line_err = series(block, slot, "/results/line_photon_rate_stderr");
    std::vector<double> species_rate(params_.dopants.size(), 0.0),
        species_err(params_.dopants.size(), 0.0);
    const auto& lines = mf.lines();
    for (std::size_t l = 0; l < nl; ++l) {
        const double rate = G * r.line_photons_per_exciton[l].mean;
        const double err = G * r.line_photons_per_exciton[l].standard_error;
        block.line_rates[slot * nl + l] = rate;
        if (line_err) line_err[l] = err;
        flux[2 + l] = to_flux * rate;
        flux_err[2 + l] = to_flux * err;
        species_rate[lines[l].species] += rate;
        species_err[lines[l].species] += err;  // bound: the lines of one NC ensemble are correlated
    }
    if (optics) {  // [optics]: the bands' fluxes into air, slice by slice
                   // (nc_point_evaluator_optics.cpp)
        flux = optics->flux_cm2_s;
        flux_err = optics->flux_err_cm2_s;
        put(block, slot, "outcoupling", optics->outcoupling);
        const auto it =
            std::find(layout_.scalar_names.begin(), layout_.scalar_names.end(), "outcoupling");
        auto q = static_cast<std::size_t>(it - layout_.scalar_names.begin()) + 1;
        for (double v : optics->line_purcell) block.scalars[(q++) * count_of(block) + slot] = v;
        for (double v : optics->line_eta_air) block.scalars[(q++) * count_of(block) + slot] = v;
    }
    for (std::size_t s = 0; s < params_.dopants.size(); ++s) {
        put(block, slot, "photon_rate/" + params_.dopants[s].ion, species_rate[s]);
        put(block, slot, "photon_rate/" + params_.dopants[s].ion + "_stderr", species_err[s]);
    }
    const model::Photometry photometry(*observer_, band_shapes(params_));
    const model::Colour c = photometry.evaluate(flux.data());
    // Luminance is a positive combination of the band fluxes: sum_b w_b sigma_b bounds its
    // standard error whatever the correlation between bands (the engine gives no covariance).
    const model::Colour c_err = photometry.evaluate(flux_err.data());
    const double current_A_m2 = drive.current_density_A_cm2 * 1.0e4;
    put(block, slot, "luminance_cd_m2", c.luminance_cd_m2);
    put(block, slot, "luminance_cd_m2_stderr", c_err.luminance_cd_m2);
    put(block, slot, "current_efficiency_cd_A",
        current_A_m2 > 0.0 ? c.luminance_cd_m2 / current_A_m2 : 0.0);
    put(block, slot, "current_efficiency_cd_A_stderr",
        current_A_m2 > 0.0 ? c_err.luminance_cd_m2 / current_A_m2 : 0.0);
    put(block, slot, "cie_x", c.cie_x);
    put(block, slot, "cie_y", c.cie_y);
    // Radiometry as for the mean-field model (model/radiometry.hpp), of the ensemble-mean fluxes.
    const model::Radiometry rad =
        model::RadiometryWeights(band_shapes(params_), config_.bands).evaluate(flux.data());
    put(block, slot, "radiance_W_sr_m2", rad.radiance_W_sr_m2);
    put(block, slot, "radiant_exitance_W_m2", rad.radiant_exitance_W_m2);
    put(block, slot, "photon_flux_m2_s", rad.photon_flux_m2_s);
    put(block, slot, "peak_wavelength_nm", rad.peak_wavelength_nm);
    put(block, slot, "centroid_wavelength_nm", rad.centroid_wavelength_nm);
    put(block, slot, "visible_power_fraction", rad.visible_power_fraction);
    put(block, slot, "photometry_valid", rad.photometry_meaningful ? 1.0 : 0.0);
    for (std::size_t w = 0; w < config_.bands.size(); ++w) {
        put(block, slot, "eqe_band/" + config_.bands[w].name,
            r.eqe.mean * rad.window_photon_fraction[w]);
    }
    if (!layout_.wavelength_nm.empty()) {
        const std::size_t nw = layout_.wavelength_nm.size();
        model::band_spectrum(photometry.bands(), flux.data(), layout_.wavelength_nm,
                             block.spectrum.data() + slot * nw);
    }

    // Radial profiles, re-sampled onto the fixed grid.
    flat = 0;
    for (std::size_t s = 0; s < params_.dopants.size(); ++s) {
        for (std::size_t j = 0; j < params_.dopants[s].scheme.levels.size(); ++j, ++flat) {
            double* out = series(block, slot, "/microscopic/radial/" + level_names_[flat]);
            if (!out || s >= r.radial_excited_fraction.size() ||
                j >= r.radial_excited_fraction[s].size())
                continue;
            const double limit = spec_.radius_nm + 0.5 * radial_bin_nm;
            for (std::size_t b = 0; b < radial_r_nm_.size(); ++b) {
                out[b] = detail::resample(r.radial_r_nm, r.radial_excited_fraction[s][j],
                                          radial_r_nm_[b], limit);
            }
        }
    }

    const std::vector<double> eff = effective_values(config_, nc_, spec_, params_, r);
    for (std::size_t k = 0; k < effective_.size() && k < eff.size(); ++k) {
        *series(block, slot, "/microscopic/effective/" + effective_[k].name) = eff[k];
    }
    for (std::size_t s = 0; s < params_.dopants.size() && s < r.ions_per_nc_by_species.size();
         ++s) {
        *series(block, slot, "/microscopic/nc/ions_per_nc/" + params_.dopants[s].ion) =
            r.ions_per_nc_by_species[s].mean;
    }
    *series(block, slot, "/microscopic/nc/sites_per_nc") = r.sites_per_nc.mean;
    *series(block, slot, "/microscopic/nc/ligands_per_nc") = r.ligands_per_nc.mean;
    *series(block, slot, "/microscopic/nc/generation_per_nc_s") = r.generation_per_nc_s;
    *series(block, slot, "/microscopic/nc/events") = static_cast<double>(r.events);
    *series(block, slot, "/microscopic/nc/max_dropped_rate_fraction") = r.max_dropped_rate_fraction;
    double dev_max = 0.0;
    for (double f : r.fate_sum_per_nc) dev_max = std::max(dev_max, std::abs(f - 1.0));
    *series(block, slot, "/microscopic/nc/fate_sum_max_deviation") = dev_max;
}

void NcPointEvaluator::describe(io::ResultFile& file) const {
    file.set_attribute("/", "model", "microscopic");
    file.set_attribute("/", "spec",
                       "kinetic-model contract, version 1; microscopic-model contract, version 1");
    file.set_attribute("/", "engine",
                       nc_.spec.engine == nanocrystal::Engine::kmc ? "kmc" : "linear");
    file.set_attribute("/results/solver_method", "description",
                       "microscopic model: 0 linear engine, 1 kmc engine; -1 failed point");
    if (decay_) {
        file.set_attribute(
            "/microscopic/decay", "description",
            "direct excitation at t = 0: ensemble-mean ions per level divided by the "
            "target's value at t = 0; photon_rate per initial excitation [s^-1]");
    } else {
        file.set_attribute("/microscopic/effective", "description",
                           "mean-field parameters that reproduce this point's ensemble yields "
                           "(docs/microscopic.md, 'Effective mean-field parameters')");
        if (!radial_r_nm_.empty()) {
            file.set_attribute("/microscopic/radial", "description",
                               "mean excited fraction of each level among the ions of its species "
                               "against distance from the centre (engine bins re-sampled linearly "
                               "onto r_nm; 0 outside the NC)");
        }
    }
}

void NcPointEvaluator::finish(io::ResultFile& file) const {
    if (decay_) return;  // the mean-field model has no PL decay run
    const std::uint64_t n = layout_.num_points();
    std::vector<std::vector<double>> values;
    for (const EffectiveKey& k : effective_)
        values.push_back(file.read_doubles("/microscopic/effective/" + k.name, 0, n));
    // A failed point (all zeros) gets the config's own values, so the mean-field config stays
    // valid.
    const std::vector<std::int32_t> status = file.read_status(0, n);
    model::ModelParams base = config_.model;
    for (std::size_t k = 0; k < effective_.size(); ++k) {
        const double* v = model::find_parameter(base, effective_[k].key);
        for (std::uint64_t i = 0; i < n; ++i) {
            if (status[i] != 0) values[k][i] = v ? *v : 0.0;
        }
    }
    file.write_strings("/microscopic/meanfield_config",
                       {meanfield_config_text(config_, effective_, values)});
}

}  // namespace relsim::sweep
