//! @file point_evaluator.cpp
#include "point_evaluator.hpp"

#include "optics_point.hpp"
#include "output_plan.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>

#include "relsim/core/build_info.hpp"
#include "relsim/pipeline/bands.hpp"
#include "relsim/pipeline/stack_optics.hpp"

namespace relsim::sweep {
namespace {

//! Fault injection for tests: flat point indices listed in $RELSIM_FAIL_POINTS (comma
//! separated) throw during evaluation, exercising the failure path of a sweep.
std::vector<std::uint64_t> injected_failures() {
    std::vector<std::uint64_t> out;
    if (const char* env = std::getenv("RELSIM_FAIL_POINTS")) {
        std::string s(env);
        std::size_t pos = 0;
        while (pos < s.size()) {
            const std::size_t end = s.find(',', pos);
            out.push_back(std::stoull(s.substr(pos, end - pos)));
            if (end == std::string::npos) break;
            pos = end + 1;
        }
    }
    return out;
}

bool key_changes_bands(const std::string& key) {
    for (const char* s : {"wavelength_nm", "fwhm_nm", "band_nm"}) {
        if (key.find(s) != std::string::npos) return true;
    }
    return false;
}

//! Fixed scalar results, in output order, with units.
const std::vector<std::pair<std::string, std::string>>& fixed_scalars() {
    static const std::vector<std::pair<std::string, std::string>> v{
        {"eqe", "1"},
        {"iqe", "1"},
        {"transfer_efficiency", "1"},
        {"luminance_cd_m2", "cd m^-2"},
        {"current_efficiency_cd_A", "cd A^-1"},
        {"cie_x", "1"},
        {"cie_y", "1"},
        {"photon_rate/total", "cm^-3 s^-1"},
        {"photon_rate/ligand_singlet", "cm^-3 s^-1"},
        {"photon_rate/ligand_triplet", "cm^-3 s^-1"},
    };
    return v;
}

}  // namespace

//! Radiometric scalars, in output order after the fates, with units (model/radiometry.hpp).
const std::vector<std::pair<std::string, std::string>>& radiometric_scalars() {
    static const std::vector<std::pair<std::string, std::string>> v{
        {"radiance_W_sr_m2", "W sr^-1 m^-2"},
        {"radiant_exitance_W_m2", "W m^-2"},
        {"photon_flux_m2_s", "m^-2 s^-1"},
        {"peak_wavelength_nm", "nm"},
        {"centroid_wavelength_nm", "nm"},
        {"visible_power_fraction", "1"},
        {"photometry_valid", "1"},
    };
    return v;
}

std::string hdf5_name(std::string name) {
    std::replace(name.begin(), name.end(), '/', '_');
    return name;
}

solver::PulseSpec pulse_of(const io::TransientSpec& t) { return pipeline::pulse_of(t); }

std::vector<model::BandShape> band_shapes(const model::ModelParams& params) {
    return pipeline::band_shapes(params);
}

void band_photon_flux(const model::ModelParams& p, const model::Observables& obs,
                      std::vector<double>& flux) {
    pipeline::band_photon_flux(p, obs, flux);
}

std::string cie_table_path() { return pipeline::cie_table_path(); }

io::ResultLayout make_layout(const io::RunConfig& config, const model::RateModel& base_model,
                             bool save_spectrum) {
    io::ResultLayout L;
    if (config.sweep) {
        L.axes = config.sweep->axes;
        for (const io::SweepAxis& ax : L.axes) L.shape.push_back(ax.size());
    }
    for (const auto& [name, unit] : fixed_scalars()) {
        L.scalar_names.push_back(name);
        L.scalar_units.push_back(unit);
    }
    for (const model::CompiledSpecies& sp : base_model.species()) {
        L.scalar_names.push_back("photon_rate/" + sp.ion);
        L.scalar_units.push_back("cm^-3 s^-1");
    }
    for (const std::string& name : base_model.state_names()) {
        L.scalar_names.push_back("populations/" + hdf5_name(name));
        L.scalar_units.push_back("cm^-3");
    }
    for (const model::DopantParams& d : config.model.dopants) {  // spec 6: `level` keeps '/'
        for (const model::Level& lv : d.scheme.levels) {
            if (lv.name.find('/') == std::string::npos) continue;
            L.result_attributes.push_back(
                {"populations/" + hdf5_name(d.ion + "_" + lv.name), "level", lv.name});
        }
    }
    for (const std::string& name : model::fate_names(base_model)) {
        L.scalar_names.push_back("fates/" + name);
        L.scalar_units.push_back("1");
    }
    OpticsPoint::add_layout(config, L);  // [optics]: /optics/*, /results/outcoupling
    // Radiometry (spec section 6; model/radiometry.hpp), after every contract quantity.
    for (const auto& [name, unit] : radiometric_scalars()) {
        L.scalar_names.push_back(name);
        L.scalar_units.push_back(unit);
    }
    for (const model::NamedBand& b : config.bands) {
        L.scalar_names.push_back("eqe_band/" + b.name);
        L.scalar_units.push_back("1");
        L.result_attributes.push_back({L.scalar_names.back(), "window_nm",
                                       std::to_string(b.from_nm) + " " + std::to_string(b.to_nm)});
        L.result_attributes.push_back({L.scalar_names.back(), "description",
                                       "EQE counting only the outcoupled photons with wavelengths "
                                       "in the window (Gaussian line shapes)"});
    }
    L.result_attributes.push_back(
        {"photometry_valid", "description",
         "1 when at least 50 % of the radiant power lies in 380-780 nm; 0: cie_x, cie_y, "
         "luminance_cd_m2 and current_efficiency_cd_A describe only a visible leak of the "
         "emission (or nothing) and must not be read as its colour or brightness"});
    for (const model::CompiledLine& cl : base_model.lines()) L.line_labels.push_back(cl.label);
    if (save_spectrum) {
        const io::SpectrumSpec& s = config.spectrum;
        const auto n =
            static_cast<std::size_t>(std::floor((s.to_nm - s.from_nm) / s.step_nm + 1e-9)) + 1;
        for (std::size_t i = 0; i < n; ++i)
            L.wavelength_nm.push_back(s.from_nm + static_cast<double>(i) * s.step_nm);
    }
    if (config.transient) {
        L.transient_time_s = solver::pulse_output_times(pulse_of(*config.transient));
        L.transient_series = {"photon_rate", "ligand_photon_rate"};
        for (const model::CompiledSpecies& sp : base_model.species()) {
            L.transient_series.push_back(sp.ion + "_photon_rate");
        }
        for (const model::CompiledLine& cl : base_model.lines()) {
            L.transient_series.push_back("lines/" + hdf5_name(cl.label));
        }
    }
    apply_output_spec(config, L);  // [output]: what is stored (output_plan.cpp)
    return L;
}

PointEvaluator::PointEvaluator(const io::RunConfig& config, const io::ResultLayout& layout,
                               std::shared_ptr<const model::CieObserver> observer,
                               std::shared_ptr<const model::Photometry> base_photometry)
    : config_(config),
      layout_(layout),
      params_(config.model),
      observer_(std::move(observer)),
      photometry_(std::move(base_photometry)),
      fail_points_(injected_failures()) {
    if (std::optional<optics::DeviceOptics> stack = pipeline::read_stack(config)) {
        stack_ = std::make_shared<pipeline::StackOptics>(std::move(*stack));
        const int slices = stack_->stack().spec().emitter_slices;
        context_.emplace(pipeline::DeviceProblemBuilder(params_)
                             .set_profile(pipeline::make_uniform_profile(slices))
                             .set_optics(stack_)
                             .set_emitter(pipeline::make_mean_field_emitter(params_))
                             .build());
    }
    for (const io::SweepAxis& ax : layout_.axes) {
        std::vector<double*> slots;
        for (const std::string& key : ax.keys) {
            double* slot = model::find_parameter(params_, key);
            if (!slot && stack_) slot = stack_->stack().find_parameter(key);
            slots.push_back(slot);
            bands_vary_ = bands_vary_ || key_changes_bands(key);
        }
        axis_slots_.push_back(std::move(slots));
    }
    strides_.assign(layout_.shape.size(), 1);
    for (std::size_t a = layout_.shape.size(); a-- > 1;) {
        strides_[a - 1] = strides_[a] * layout_.shape[a];
    }
}

PointEvaluator::PointEvaluator(PointEvaluator&&) noexcept = default;
PointEvaluator::~PointEvaluator() = default;

void PointEvaluator::set_point(std::uint64_t index) {
    for (std::size_t a = 0; a < axis_slots_.size(); ++a) {
        const std::uint64_t i = (index / strides_[a]) % layout_.shape[a];
        for (std::size_t k = 0; k < axis_slots_[a].size(); ++k) {
            double* slot = axis_slots_[a][k];
            if (!slot) continue;  // null: a lifetime.* key (src/lifetime)
            const double v = layout_.axes[a].values[k][i];
            if (slot != &params_.device.current_density_mA_cm2 &&
                std::memcmp(slot, &v, sizeof v) != 0) {
                params_dirty_ = true;
            }
            *slot = v;
        }
    }
}

void PointEvaluator::evaluate(std::uint64_t index, bool warm, io::ResultBlock& block,
                              std::uint64_t slot, std::string& failure_kind) {
    const std::uint64_t count = block.count;
    auto zero_slot = [&] { this->zero_slot(block, slot); };
    failure_kind.clear();
    try {
        if (std::find(fail_points_.begin(), fail_points_.end(), index) != fail_points_.end()) {
            throw std::runtime_error("injected failure (RELSIM_FAIL_POINTS)");
        }
        set_point(index);
        if (context_) return evaluate_pipeline(warm, block, slot, failure_kind);
        if (model_ && !params_dirty_) {
            model_->set_current_density(params_.device.current_density_mA_cm2);
        } else {
            if (model_) {
                model_->refresh(params_);
            } else {
                model_.emplace(params_);
            }
            params_dirty_ = false;
        }
        const model::RateModel& model = *model_;
        const model::Drive drive = model.nominal_drive();
        y_.resize(model.num_states());
        const bool use_warm = warm && have_prev_ && prev_y_.size() == y_.size();
        const solver::SteadyStateReport rep =
            solver_.solve(model, drive, use_warm ? prev_y_.data() : nullptr, y_.data());
        block.status[slot] = static_cast<std::int32_t>(rep.status);
        block.method[slot] = static_cast<std::int32_t>(rep.method);
        if (rep.status != solver::SolveStatus::converged) {
            have_prev_ = false;
            failure_kind = solver::to_string(rep.status);
            zero_slot();
        } else {
            prev_y_ = y_;
            have_prev_ = true;
            fill(model, drive, block, slot);
            // No silent NaN: a non-finite value in any dataset of the point (results, line
            // rates, spectrum) turns it into a failure; so does a fate budget that does not
            // close (every exciton leaves through exactly one channel).
            bool finite = true;
            for (std::size_t q = 0; q < layout_.scalar_names.size(); ++q) {
                finite = finite && std::isfinite(block.scalars[q * count + slot]);
            }
            const std::size_t nl = layout_.line_labels.size();
            for (std::size_t l = 0; l < nl; ++l)
                finite = finite && std::isfinite(block.line_rates[slot * nl + l]);
            const std::size_t nw = layout_.wavelength_nm.size();
            for (std::size_t w = 0; w < nw; ++w)
                finite = finite && std::isfinite(block.spectrum[slot * nw + w]);
            double fate_sum = 0.0;
            for (double f : obs_.fates) fate_sum += f;
            std::int32_t failed = 0;
            if (!finite) {
                failed = static_cast<std::int32_t>(solver::SolveStatus::non_finite);
            } else if (!(std::abs(fate_sum - 1.0) <= kFateSumTolerance)) {
                failed = status_fate_budget;
            }
            if (failed != 0) {
                block.status[slot] = failed;
                block.method[slot] = -1;
                failure_kind = failed == status_fate_budget
                                   ? "fate budget"
                                   : solver::to_string(solver::SolveStatus::non_finite);
                have_prev_ = false;
                zero_slot();
            }
        }
        if (!layout_.transient_time_s.empty()) {
            const solver::TransientResult tr =
                solver::run_pulse(model, pulse_of(*config_.transient));
            const std::size_t nt = layout_.transient_time_s.size();
            const std::size_t ns = model.species().size();
            auto series = [&](std::size_t s) {
                return block.transient.begin() + static_cast<long>((s * count + slot) * nt);
            };
            std::copy(tr.photon_rate_cm3_s.begin(), tr.photon_rate_cm3_s.end(), series(0));
            for (std::size_t i = 0; i < nt; ++i) {
                series(1)[static_cast<long>(i)] =
                    tr.ligand_photon_rate_cm3_s[2 * i] + tr.ligand_photon_rate_cm3_s[2 * i + 1];
                for (std::size_t s = 0; s < ns; ++s) {
                    series(2 + s)[static_cast<long>(i)] = tr.species_photon_rate_cm3_s[i * ns + s];
                }
                const std::size_t nl = model.lines().size();
                for (std::size_t l = 0; l < nl; ++l) {
                    series(2 + ns + l)[static_cast<long>(i)] =
                        tr.line_photon_rate_cm3_s[i * nl + l];
                }
            }
            block.rise_time_s[slot] = tr.rise_time_s;
            block.decay_time_s[slot] = tr.decay_time_s;
            block.transient_status[slot] = tr.status;
            // A non-finite value anywhere in the pulse response: zeros and a status bit.
            const std::size_t num_series = layout_.transient_series.size();
            bool finite = std::isfinite(tr.rise_time_s) && std::isfinite(tr.decay_time_s);
            for (std::size_t sr = 0; sr < num_series && finite; ++sr) {
                finite = std::all_of(series(sr), series(sr) + static_cast<long>(nt),
                                     [](double v) { return std::isfinite(v); });
            }
            if (!finite) {
                for (std::size_t sr = 0; sr < num_series; ++sr) std::fill_n(series(sr), nt, 0.0);
                block.rise_time_s[slot] = 0.0;
                block.decay_time_s[slot] = 0.0;
                block.transient_status[slot] |= transient_non_finite;
            }
        }
    } catch (...) {
        have_prev_ = false;
        block.status[slot] = status_error;
        block.method[slot] = -1;
        failure_kind = "error";
        zero_slot();
    }
}

void PointEvaluator::zero_slot(io::ResultBlock& block, std::uint64_t slot) const {
    const std::uint64_t count = block.count;
    for (std::size_t q = 0; q < layout_.scalar_names.size(); ++q)
        block.scalars[q * count + slot] = 0.0;
    const std::size_t nl = layout_.line_labels.size();
    std::fill_n(block.line_rates.begin() + static_cast<long>(slot * nl), nl, 0.0);
    const std::size_t nw = layout_.wavelength_nm.size();
    std::fill_n(block.spectrum.begin() + static_cast<long>(slot * nw), nw, 0.0);
    if (!block.reduce_in.empty()) block.reduce_in[slot] = block.reduce_in[count + slot] = 0.0;
}

//! [optics]: the point through the device-point pipeline (pipeline.hpp): each slice of the zone
//! is a sub-population with the same generation, its line rates carrying the slice's Purcell
//! factors; the results are the slice means and EQE = sum over slices and bands of
//! photons x eta_air / electrons (PointResult, equal slices). A failed slice fails the point and
//! the next point starts every slice cold.
void PointEvaluator::evaluate_pipeline(bool warm, io::ResultBlock& block, std::uint64_t slot,
                                       std::string& failure_kind) {
    if (!warm) context_->forget_warm_starts();
    const double J_mA_cm2 = params_.device.current_density_mA_cm2;
    context_->solve({pipeline::DriveKind::current, J_mA_cm2, 0.0}, params_, point_);
    block.status[slot] = static_cast<std::int32_t>(point_.solver_status);
    block.method[slot] = static_cast<std::int32_t>(point_.solver_method);
    if (!point_.converged) {
        context_->forget_warm_starts();
        failure_kind = solver::to_string(static_cast<solver::SolveStatus>(point_.solver_status));
        return zero_slot(block, slot);
    }
    const pipeline::EmitterMeans& m = point_.means;
    obs_.eqe = point_.eqe;
    obs_.iqe = point_.iqe;
    obs_.transfer_efficiency = m.transfer_efficiency;
    obs_.photon_rate_cm3_s = m.photon_rate_cm3_s;
    obs_.ligand_singlet_photon_rate_cm3_s = m.ligand_singlet_photon_rate_cm3_s;
    obs_.ligand_triplet_photon_rate_cm3_s = m.ligand_triplet_photon_rate_cm3_s;
    obs_.line_photon_rate_cm3_s = m.line_photon_rate_cm3_s;
    obs_.species_photon_rate_cm3_s = m.species_photon_rate_cm3_s;
    obs_.fates = point_.fates;
    y_ = m.populations_cm3;
    band_flux_ = point_.band_photon_flux_air;
    model::Drive drive;  // J [A cm^-2] as model::RateModel::nominal_drive (current efficiency)
    drive.current_density_A_cm2 = J_mA_cm2 * 1.0e-3;
    publish(params_, drive, block, slot, point_.outcoupling);
    const std::uint64_t count = block.count;
    bool finite = true;
    for (std::size_t q = 0; q < layout_.scalar_names.size(); ++q)
        finite = finite && std::isfinite(block.scalars[q * count + slot]);
    if (!finite) {
        block.status[slot] = static_cast<std::int32_t>(solver::SolveStatus::non_finite);
        block.method[slot] = -1;
        failure_kind = solver::to_string(solver::SolveStatus::non_finite);
        zero_slot(block, slot);
    }
}

void PointEvaluator::fill(const model::RateModel& model, const model::Drive& drive,
                          io::ResultBlock& block, std::uint64_t slot) {
    model::evaluate_observables(model, drive, y_.data(), obs_);
    const model::ModelParams& p = model.params();
    // Outcoupled photon flux per band [cm^-2 s^-1] = outcoupling * w * rate per volume.
    band_photon_flux(p, obs_, band_flux_);
    publish(p, drive, block, slot, -1.0);
}

void PointEvaluator::publish(const model::ModelParams& p, const model::Drive& drive,
                             io::ResultBlock& block, std::uint64_t slot, double outcoupling) {
    if (bands_vary_) {
        photometry_ = std::make_shared<const model::Photometry>(*observer_, band_shapes(p));
    }
    if (bands_vary_ || !radiometry_) radiometry_.emplace(band_shapes(p), config_.bands);
    // [output]: photometry, radiometry and the peak search only when a stored quantity needs
    // them (the default layout stores all of them).
    const std::int32_t* stored = layout_.scalar_slot.empty() ? nullptr : layout_.scalar_slot.data();
    if (!needs_known_) find_needs(stored);
    const model::Colour c =
        needs_colour_ ? photometry_->evaluate(band_flux_.data()) : model::Colour{};
    // Current efficiency: L [cd m^-2] / J [A m^-2]; J [A cm^-2] * 1e4 = J [A m^-2].
    const double current_A_m2 = drive.current_density_A_cm2 * 1.0e4;

    const std::uint64_t count = block.count;
    std::size_t q = 0;
    // [output]: computed quantity q goes to stored slot scalar_slot[q] (-1: not stored).
    double* scalars = block.scalars.data();
    auto put = [&](double v) __attribute__((always_inline)) {  // ~40 calls per point
        const std::int64_t s = stored ? stored[q] : static_cast<std::int64_t>(q);
        ++q;
        if (s >= 0) scalars[static_cast<std::uint64_t>(s) * count + slot] = v;
    };
    if (!block.reduce_in.empty()) {  // reduce = "rolloff": the row's inputs
        block.reduce_in[slot] = obs_.eqe;
        block.reduce_in[count + slot] = c.luminance_cd_m2;
    }
    put(obs_.eqe);
    put(obs_.iqe);
    put(obs_.transfer_efficiency);
    put(c.luminance_cd_m2);
    put(current_A_m2 > 0.0 ? c.luminance_cd_m2 / current_A_m2 : 0.0);
    put(c.cie_x);
    put(c.cie_y);
    put(obs_.photon_rate_cm3_s);
    put(obs_.ligand_singlet_photon_rate_cm3_s);
    put(obs_.ligand_triplet_photon_rate_cm3_s);
    for (double r : obs_.species_photon_rate_cm3_s) put(r);
    for (double v : y_) put(v);
    for (double f : obs_.fates) put(f);
    if (outcoupling >= 0.0) {  // [optics] only: effective outcoupling, per-line slice means
        put(outcoupling);
        const std::vector<pipeline::SliceOptics>& so = point_.slice_optics;
        const std::size_t nl = so.empty() ? 0 : so[0].line_purcell.size();
        for (std::size_t l = 0; l < nl; ++l) {
            double m = 0.0;
            for (const pipeline::SliceOptics& o : so) m += o.line_purcell[l];
            put(m / static_cast<double>(so.size()));
        }
        for (std::size_t l = 0; l < nl; ++l) {
            double m = 0.0;
            for (const pipeline::SliceOptics& o : so) m += o.line_eta_air[l];
            put(m / static_cast<double>(so.size()));
        }
    }
    if (!needs_radiometry_) return publish_arrays(block, slot);
    radiometry_->evaluate(band_flux_.data(), rad_, needs_peak_);
    const model::Radiometry& rad = rad_;
    put(rad.radiance_W_sr_m2);
    put(rad.radiant_exitance_W_m2);
    put(rad.photon_flux_m2_s);
    put(rad.peak_wavelength_nm);
    put(rad.centroid_wavelength_nm);
    put(rad.visible_power_fraction);
    put(rad.photometry_meaningful ? 1.0 : 0.0);
    for (double f : rad.window_photon_fraction) put(obs_.eqe * f);
    publish_arrays(block, slot);
}

void PointEvaluator::find_needs(const std::int32_t* stored) {
    // Computed order (make_layout): the 10 fixed scalars (luminance_cd_m2 .. cie_y at 3..6),
    // then species, states, fates, [optics] factors, then radiometry from first_radiometric.
    const std::size_t nq = stored ? layout_.scalar_slot.size() : 0;
    const std::size_t first_radiometric = nq - config_.bands.size() - radiometric_scalars().size();
    auto any_stored = [&](std::size_t from, std::size_t to) {
        for (std::size_t q = from; q < to; ++q) {
            if (stored[q] >= 0) return true;
        }
        return false;
    };
    needs_colour_ = !stored || !layout_.reduced.empty() || any_stored(3, 7);
    needs_radiometry_ = !stored || any_stored(first_radiometric, nq);
    needs_peak_ = !stored || stored[first_radiometric + 3] >= 0;
    needs_known_ = true;
}

void PointEvaluator::publish_arrays(io::ResultBlock& block, std::uint64_t slot) {
    if (!layout_.line_labels.empty()) {
        const std::size_t nl = obs_.line_photon_rate_cm3_s.size();
        std::copy(obs_.line_photon_rate_cm3_s.begin(), obs_.line_photon_rate_cm3_s.end(),
                  block.line_rates.begin() + static_cast<long>(slot * nl));
    }
    if (!layout_.wavelength_nm.empty()) {
        const std::size_t nw = layout_.wavelength_nm.size();
        if (bands_vary_) {
            model::band_spectrum(photometry_->bands(), band_flux_.data(), layout_.wavelength_nm,
                                 block.spectrum.data() + slot * nw);
        } else {  // fixed line shapes: bit-identical to band_spectrum, no erfc per point
            if (!spectrum_basis_)
                spectrum_basis_.emplace(photometry_->bands(), layout_.wavelength_nm);
            spectrum_basis_->evaluate(band_flux_.data(), block.spectrum.data() + slot * nw);
        }
    }
}

}  // namespace relsim::sweep
