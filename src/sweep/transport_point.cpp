//! @file transport_point.cpp
//! [transport] points through the device pipeline (transport_point.hpp).
#include "transport_point.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "optics_point.hpp"
#include "point_evaluator.hpp"
#include "relsim/core/constants.hpp"
#include "relsim/optics/device_optics.hpp"
#include "relsim/core/error.hpp"
#include "relsim/pipeline/nanocrystal_emitter.hpp"
#include "relsim/solver/steady_state.hpp"

namespace relsim::sweep {
namespace {

constexpr double nm_in_cm = 1.0e-7;
constexpr double A_m2_per_mA_cm2 = 10.0;  // 1 mA cm^-2 = 10 A m^-2

const char* const kProfileFields[] = {"x_nm",   "psi_V", "Ec_eV", "Ev_eV",   "Efn_eV",
                                      "Efp_eV", "n_cm3", "p_cm3", "R_cm3_s", "field_V_cm"};
const char* const kProfileUnits[] = {"nm", "V",     "eV",    "eV",         "eV",
                                     "eV", "cm^-3", "cm^-3", "cm^-3 s^-1", "V cm^-1"};

std::size_t index_of(const io::ResultLayout& L, const std::string& name) {
    const auto it = std::find(L.scalar_names.begin(), L.scalar_names.end(), name);
    if (it == L.scalar_names.end()) throw std::logic_error("transport layout lacks " + name);
    return static_cast<std::size_t>(it - L.scalar_names.begin());
}

double* extra_series(const io::ResultLayout& L, io::ResultBlock& block, std::uint64_t slot,
                     const std::string& path) {
    std::uint64_t offset = 0;
    for (const auto& e : L.extra_series) {
        const std::uint64_t len = std::max<std::uint64_t>(e.length, 1);
        if (e.path == path) return block.extra.data() + offset + slot * len;
        offset += block.count * len;
    }
    throw std::logic_error("transport layout lacks " + path);
}

//! Linear interpolation of a node profile onto `m` equidistant positions over [0, L].
void resample(const std::vector<double>& x, const std::vector<double>& y, std::size_t m,
              double* out) {
    const double L = x.back();
    std::size_t j = 0;
    for (std::size_t i = 0; i < m; ++i) {
        const double xi = L * static_cast<double>(i) / static_cast<double>(m - 1);
        while (j + 2 < x.size() && x[j + 1] < xi) ++j;
        const double h = x[j + 1] - x[j];
        const double t = h > 0 ? std::clamp((xi - x[j]) / h, 0.0, 1.0) : 0.0;
        out[i] = y[j] + t * (y[j + 1] - y[j]);
    }
}

//! Slice centres of the config's stack [nm from the emissive layer's anode-side edge].
std::vector<double> config_slice_positions(const transport::StackSpec& spec) {
    const transport::Stack st(spec);
    const double d = spec.layers[static_cast<std::size_t>(st.emissive_index())].thickness_nm;
    const int n = st.slice_count();
    std::vector<double> z;
    for (int k = 0; k < n; ++k) z.push_back((k + 0.5) * d / n);
    return z;
}

}  // namespace

std::optional<optics::DeviceOptics> transport_stack_optics(const io::RunConfig& config,
                                                           const transport::TransportConfig& tc) {
    if (!tc.with_optics) return std::nullopt;
    optics::OpticsChecks checks = pipeline::optics_checks(config);
    // The emitters fill the emitting layer (the transport slices); their match with the layer
    // (name, thickness, also swept) is checked by transport::read_transport_config.
    checks.recombination_zone_nm = {0.0};
    auto spec = optics::read_optics_config(config, checks);
    if (!spec) return std::nullopt;
    return optics::DeviceOptics(std::move(*spec));
}

std::string describe_transport_optics(const io::RunConfig& config) {
    const auto tc = transport::read_transport_config(config);
    if (!tc) return {};
    const auto stack = transport_stack_optics(config, *tc);
    if (!stack) return {};
    const pipeline::PositionedStackOptics where(*stack, tc->optics_from_top);
    const optics::OpticsSpec& spec = stack->spec();
    std::string s = fmt::format(
        "optics: substrate {}, emitting layer '{}' = [transport] emissive layer, {} slice(s) at",
        spec.glass_substrate ? fmt::format("glass (n = {:g})", spec.substrate_n) : "none",
        spec.emitting_layer, config_slice_positions(tc->stack).size());
    for (double z : config_slice_positions(tc->stack))
        s += fmt::format(" {:g}", where.layer_position_nm(z));
    s += fmt::format(
        " nm above its bottom ({} on the substrate side); device.outcoupling is ignored\n",
        tc->optics_from_top ? "cathode" : "anode");
    for (const optics::LayerSpec& l : spec.layers) {
        s += fmt::format("  layer {:<12} {:>10}  {}\n", l.name,
                         l.semi_infinite ? "semi-inf." : fmt::format("{:g} nm", l.thickness_nm),
                         l.material.empty() ? fmt::format("n = {:g}, k = {:g}", l.n, l.k)
                                            : "material " + l.material);
    }
    return s;
}

const std::vector<std::pair<std::string, std::string>>& transport_scalars() {
    static const std::vector<std::pair<std::string, std::string>> v{
        {"voltage_V", "V"},
        {"current_density_mA_cm2", "mA cm^-2"},
        {"charge_balance", "1"},
        {"eml_recombination_fraction", "1"},
        {"zone_centroid_nm", "nm"},
        {"zone_rms_width_nm", "nm"},
        {"zone_q05_nm", "nm"},
        {"zone_q50_nm", "nm"},
        {"zone_q95_nm", "nm"},
        {"leakage_electron_mA_cm2", "mA cm^-2"},
        {"leakage_hole_mA_cm2", "mA cm^-2"},
        {"continuity_error", "1"},
        {"power_efficacy_lm_W", "lm W^-1"},
        {"wall_plug_efficiency", "1"},
    };
    return v;
}

io::ResultLayout TransportPointEvaluator::make_layout(const io::RunConfig& config,
                                                      const transport::TransportConfig& tc,
                                                      const model::RateModel& base_model,
                                                      bool save_spectrum) {
    io::ResultLayout base = sweep::make_layout(config, base_model, save_spectrum);
    io::ResultLayout L = base;
    L.scalar_names.clear();
    L.scalar_units.clear();
    // [nanocrystal] (linear engine, read_transport_config refused the rest): the table checked
    // here, before any file exists; the microscopic model's fates replace the mean-field ones.
    const bool nc = config.has_table("nanocrystal");
    if (nc) (void)nanocrystal::read_config(config);
    const std::vector<std::string> nc_fates =
        nc ? pipeline::nanocrystal_fate_names(config.model) : std::vector<std::string>{};
    std::size_t last_fate = 0;
    for (std::size_t q = 0; q < base.scalar_names.size(); ++q) {
        const std::string& n = base.scalar_names[q];
        if (nc && n.rfind("fates/", 0) == 0) {
            if (last_fate == 0) {
                for (const std::string& f : nc_fates) {
                    L.scalar_names.push_back("fates/" + f);
                    L.scalar_units.push_back("1");
                }
                last_fate = L.scalar_names.size();
            }
            continue;
        }
        L.scalar_names.push_back(n);
        L.scalar_units.push_back(base.scalar_units[q]);
        if (n.rfind("fates/", 0) == 0) last_fate = L.scalar_names.size();
        if (nc && (n == "eqe" || n == "iqe")) {  // the ensemble's standard error (disorder)
            L.scalar_names.push_back(n + "_stderr");
            L.scalar_units.push_back(base.scalar_units[q]);
        }
    }
    if (nc) {
        L.result_attributes.push_back(
            {"eqe_stderr", "description",
             "standard error over the NC ensemble (doping and ligand disorder), summed linearly "
             "over the slices (every slice draws the same NCs)"});
        L.result_attributes.push_back({"iqe_stderr", "description",
                                       "standard error over the NC ensemble, summed linearly "
                                       "over the slices"});
    }
    const std::vector<std::string> fates{"fates/recombination_outside_eml",
                                         "fates/no_recombination"};
    L.scalar_names.insert(L.scalar_names.begin() + static_cast<long>(last_fate), fates.begin(),
                          fates.end());
    L.scalar_units.insert(L.scalar_units.begin() + static_cast<long>(last_fate), 2, "1");
    if (const auto stack =
            transport_stack_optics(config, tc)) {  // after the fates, as without [transport]
        io::ResultLayout extra;
        std::vector<double> z = config_slice_positions(tc.stack);
        const pipeline::PositionedStackOptics where(*stack, tc.optics_from_top);
        for (double& x : z) x = where.layer_position_nm(x);
        OpticsPoint::add_stack_layout(config, *stack, z, extra);
        const auto at = L.scalar_names.begin() + static_cast<long>(last_fate + 2);
        L.scalar_names.insert(at, extra.scalar_names.begin(), extra.scalar_names.end());
        L.scalar_units.insert(L.scalar_units.begin() + static_cast<long>(last_fate + 2),
                              extra.scalar_units.begin(), extra.scalar_units.end());
        for (auto& d : extra.static_datasets) L.static_datasets.push_back(std::move(d));
        L.result_attributes.push_back(
            {"outcoupling", "description",
             "photons into air / photons emitted, over the [transport] slices (each at its "
             "position in the [optics] emitting layer); 0 at zero current"});
    }
    L.result_attributes.push_back(
        {"transfer_efficiency", "description",
         "per exciton generated in the emissive layer (slices weighted by G_k d_k)"});
    for (const std::string& n : L.scalar_names)
        if (n.rfind("populations/", 0) == 0)
            L.result_attributes.push_back(
                {n, "description", "mean over the emissive layer (slices weighted by d_k)"});
    for (const auto& [name, unit] : transport_scalars()) {
        L.scalar_names.push_back(name);
        L.scalar_units.push_back(unit);
    }
    L.result_attributes.push_back(
        {"fates/recombination_outside_eml", "description",
         "charge (of J/q) recombining outside transport.emissive_layer: lost"});
    L.result_attributes.push_back(
        {"fates/no_recombination", "description",
         "charge (of J/q) crossing the stack without recombining (leakage); 1 at zero current"});
    L.result_attributes.push_back(
        {"continuity_error", "description",
         "max_x |J(x) - J| / J; a point above 1e-3 (current below the solver's "
         "resolution) has status 8 and zeros"});
    if (tc.save_profiles) {
        for (std::size_t f = 0; f < std::size(kProfileFields); ++f)
            L.extra_series.push_back({std::string("/transport/") + kProfileFields[f],
                                      kProfileUnits[f],
                                      static_cast<std::uint64_t>(tc.profile_points)});
        L.extra_series.push_back({"/transport/layer_edges_nm", "nm", tc.stack.layers.size() + 1});
    }
    return L;
}

TransportPointEvaluator::TransportPointEvaluator(
    const io::RunConfig& config, const transport::TransportConfig& tc,
    const io::ResultLayout& layout, std::shared_ptr<const model::CieObserver> observer,
    std::shared_ptr<const model::Photometry> photometry)
    : config_(config),
      tc_(tc),
      layout_(&layout),
      observer_(std::move(observer)),
      photometry_(std::move(photometry)),
      params_(config.model),
      spec_(tc.stack),
      voltage_V_(tc.voltage_V) {
    if (auto stack = transport_stack_optics(config, tc))
        optics_ = std::make_shared<pipeline::PositionedStackOptics>(std::move(*stack),
                                                                    tc.optics_from_top);
    if (config.has_table("nanocrystal")) {
        nc_ = nanocrystal::read_config(config);
        nc_spec_ = nc_->spec;
    }
    for (const io::SweepAxis& ax : layout.axes) {
        std::vector<double*> slots;
        for (const std::string& key : ax.keys) {
            if (nc_ && key.rfind("nanocrystal.", 0) == 0)  // set on nc_spec_ by set_point
                nc_keys_.emplace_back(axis_slots_.size(), slots.size());
            double* slot = model::find_parameter(params_, key);
            if (!slot) slot = transport::find_stack_parameter(spec_, key);
            if (!slot && key == "device.voltage_V") slot = &voltage_V_;
            if (!slot && optics_) slot = optics_->stack().find_parameter(key);
            for (const char* s : {"wavelength_nm", "fwhm_nm", "band_nm"})
                bands_vary_ = bands_vary_ || key.find(s) != std::string::npos;
            slots.push_back(slot);
        }
        axis_slots_.push_back(std::move(slots));
    }
    strides_.assign(layout.shape.size(), 1);
    for (std::size_t a = layout.shape.size(); a-- > 1;)
        strides_[a - 1] = strides_[a] * layout.shape[a];
    spec_.temperature_K = params_.device.temperature_K;
    stage_ = transport::make_transport_profile(spec_);
    build_problem();
    const model::RateModel m(config.model);
    for (const model::CompiledLine& cl : m.lines()) line_species_.push_back(cl.species);
    state_names_ = m.state_names();
}

void TransportPointEvaluator::build_problem() {
    std::shared_ptr<const pipeline::EmitterStage> emitter;
    if (nc_) {
        // One NC ensemble per slice on this evaluator's thread (the sweep's threads run work
        // units in parallel): the linear engine is deterministic, the same bits for any count.
        nanocrystal::EnsembleOptions options;
        options.threads = 1;
        emitter = pipeline::make_nanocrystal_emitter(config_.model, nc_spec_, options);
    } else {
        emitter = pipeline::make_mean_field_emitter(config_.model);
    }
    problem_ = pipeline::DeviceProblemBuilder(config_.model)
                   .set_profile(stage_)
                   .set_emitter(std::move(emitter))
                   .set_optics(optics_ ? std::shared_ptr<const pipeline::OpticsStage>(optics_)
                                       : pipeline::make_constant_outcoupling())
                   .build();
}

void TransportPointEvaluator::describe(const io::RunConfig& config, io::ResultFile& file) {
    if (!config.has_table("nanocrystal")) return;
    file.set_attribute("/", "model", "microscopic");
    file.set_attribute("/", "engine", "linear");
    file.set_attribute("/results/solver_method", "description",
                       "microscopic model: 0 linear engine; -1 failed point");
}

struct TransportPointEvaluator::Point {
    transport::Solution sol;
    bool zero_current = false;
};

void TransportPointEvaluator::set_point(std::uint64_t index) {
    for (std::size_t a = 0; a < axis_slots_.size(); ++a) {
        const std::uint64_t i = (index / strides_[a]) % layout_->shape[a];
        for (std::size_t k = 0; k < axis_slots_[a].size(); ++k)
            if (axis_slots_[a][k]) *axis_slots_[a][k] = layout_->axes[a].values[k][i];
    }
    if (nc_keys_.empty()) return;
    // A swept nanocrystal.* key: this point's NC spec, its emitter (the stack's continuation,
    // held by the profile stage, is kept; the NC emitter has no warm start).
    nc_spec_ = nc_->spec;
    for (const auto& [a, k] : nc_keys_) {
        const std::uint64_t i = (index / strides_[a]) % layout_->shape[a];
        nanocrystal::set_parameter(nc_spec_, nc_->species, layout_->axes[a].keys[k],
                                   layout_->axes[a].values[k][i]);
    }
    nanocrystal::derive(*nc_, nc_spec_);
    build_problem();
    if (ctx_) ctx_.emplace(problem_);  // the new emitter, the same stack continuation
}

void TransportPointEvaluator::solve(bool warm, Point& pt) {
    spec_.temperature_K = params_.device.temperature_K;
    stage_->set_stack(spec_);  // rebuilt (cold) only when a transport.* key moved
    if (!warm || !ctx_) {
        stage_->reset();
        ctx_.emplace(problem_);  // emitter slices start cold too
    }
    pipeline::DrivePoint d;
    if (tc_.voltage_drive) {
        d.kind = pipeline::DriveKind::voltage;
        d.voltage_V = voltage_V_;
    } else {
        d.kind = pipeline::DriveKind::current;
        d.current_density_mA_cm2 = params_.device.current_density_mA_cm2;
    }
    ctx_->solve(d, params_, result_);
    pt.sol = stage_->last();
    pt.zero_current =
        tc_.voltage_drive ? voltage_V_ == 0.0 : params_.device.current_density_mA_cm2 == 0.0;
    if (pt.zero_current) {  // no current: every transport ratio is 0 (never noise / 0)
        transport::Solution z;
        z.converged = true;
        z.voltage_V = pt.sol.voltage_V;
        z.profiles = std::move(pt.sol.profiles);
        pt.sol = std::move(z);
    }
}

void TransportPointEvaluator::publish(const Point& pt, io::ResultBlock& block, std::uint64_t slot) {
    const io::ResultLayout& L = *layout_;
    const std::uint64_t count = block.count;
    auto put = [&](const std::string& name, double v) {
        block.scalars[index_of(L, name) * count + slot] = v;
    };
    const transport::Solution& s = pt.sol;
    const double J_A_m2 = s.current_density_A_m2;
    const bool driven = !result_.slices.empty();  // J > 0 and resolved (transport::to_profile)
    // Slice sums: photons per area inside the emitter and outcoupled per band.
    double w_sum = 0.0, photons = 0.0, singlet = 0.0, triplet = 0.0, lig_air_s = 0.0,
           lig_air_t = 0.0;
    double generated = 0.0, transferred = 0.0;
    std::vector<double> populations;
    const std::size_t nl = L.line_labels.size();
    std::vector<double> lines(nl, 0.0), species(params_.dopants.size(), 0.0);
    for (std::size_t k = 0; k < result_.slices.size(); ++k) {
        const double w = result_.profile.slices[k].width_nm * nm_in_cm;
        const pipeline::SliceEmission& e = result_.slices[k];
        w_sum += w;
        photons += w * e.photon_rate_cm3_s;
        singlet += w * e.ligand_singlet_photon_rate_cm3_s;
        triplet += w * e.ligand_triplet_photon_rate_cm3_s;
        lig_air_s +=
            w * result_.slice_optics[k].ligand_singlet_eta_air * e.ligand_singlet_photon_rate_cm3_s;
        lig_air_t +=
            w * result_.slice_optics[k].ligand_triplet_eta_air * e.ligand_triplet_photon_rate_cm3_s;
        const double g = w * result_.profile.slices[k].generation_cm3_s;
        generated += g;
        transferred += g * e.transfer_efficiency;
        populations.resize(e.populations_cm3.size(), 0.0);
        for (std::size_t i = 0; i < e.populations_cm3.size(); ++i)
            populations[i] += w * e.populations_cm3[i];
        for (std::size_t l = 0; l < nl && l < e.line_photon_rate_cm3_s.size(); ++l) {
            lines[l] += w * e.line_photon_rate_cm3_s[l];
            species[line_species_[l]] += w * e.line_photon_rate_cm3_s[l];
        }
    }
    const double per_volume = w_sum > 0 ? 1.0 / w_sum : 0.0;  // EML-mean rates [cm^-3 s^-1]
    std::vector<double> band_flux(2 + nl, 0.0);
    band_flux[0] = lig_air_s;
    band_flux[1] = lig_air_t;
    for (std::size_t l = 0; l < nl && l < result_.line_photon_flux_air.size(); ++l)
        band_flux[2 + l] = result_.line_photon_flux_air[l];

    if (bands_vary_)
        photometry_ = std::make_shared<const model::Photometry>(*observer_, band_shapes(params_));
    if (bands_vary_ || !radiometry_) radiometry_.emplace(band_shapes(params_), config_.bands);
    const model::Radiometry rad = radiometry_->evaluate(band_flux.data());
    const model::Colour c = photometry_->evaluate(band_flux.data());

    put("eqe", driven ? result_.eqe : 0.0);
    put("iqe", driven ? result_.iqe : 0.0);
    if (nc_) {  // the ensemble's standard errors, summed linearly (the slices share their NCs)
        double err = 0.0;
        for (std::size_t k = 0; driven && k < result_.slices.size(); ++k) {
            const auto* st =
                dynamic_cast<const pipeline::NanocrystalEmitterState*>(ctx_->slice_state(k));
            const pipeline::Slice& sl = result_.profile.slices[k];
            if (st)
                err += sl.width_nm * nm_in_cm * sl.generation_cm3_s *
                       st->result.photons_per_exciton.standard_error;
        }
        const double electrons_cm2_s =
            result_.profile.current_density_mA_cm2 * 1.0e-3 / constants::elementary_charge_C;
        const double iqe_err = electrons_cm2_s > 0 ? err / electrons_cm2_s : 0.0;
        put("iqe_stderr", driven ? iqe_err : 0.0);
        put("eqe_stderr", driven ? result_.outcoupling * iqe_err : 0.0);
    }
    put("transfer_efficiency", generated > 0 ? transferred / generated : 0.0);
    for (std::size_t i = 0; i < state_names_.size(); ++i)
        put("populations/" + hdf5_name(state_names_[i]),
            i < populations.size() ? populations[i] * per_volume : 0.0);
    if (optics_) {  // slice means of the factors (equal slice widths), as without [transport]
        put("outcoupling", driven ? result_.outcoupling : 0.0);
        const std::size_t q0 =
            index_of(L, "outcoupling");  // then optics/purcell/*, optics/eta_air/* per line
        const double ns = static_cast<double>(result_.slice_optics.size());
        for (std::size_t l = 0; l < nl; ++l) {
            double f = 0.0, eta = 0.0;
            for (const pipeline::SliceOptics& o : result_.slice_optics) {
                f += l < o.line_purcell.size() ? o.line_purcell[l] : 0.0;
                eta += l < o.line_eta_air.size() ? o.line_eta_air[l] : 0.0;
            }
            block.scalars[(q0 + 1 + l) * count + slot] = driven ? f / ns : 0.0;
            block.scalars[(q0 + 1 + nl + l) * count + slot] = driven ? eta / ns : 0.0;
        }
    }
    put("luminance_cd_m2", c.luminance_cd_m2);
    put("current_efficiency_cd_A", J_A_m2 > 0 && driven ? c.luminance_cd_m2 / J_A_m2 : 0.0);
    put("cie_x", c.cie_x);
    put("cie_y", c.cie_y);
    put("photon_rate/total", photons * per_volume);
    put("photon_rate/ligand_singlet", singlet * per_volume);
    put("photon_rate/ligand_triplet", triplet * per_volume);
    for (std::size_t sp = 0; sp < params_.dopants.size(); ++sp)
        put("photon_rate/" + params_.dopants[sp].ion, species[sp] * per_volume);
    // Fates per injected charge J/q: the emitter's fates (per exciton generated in the EML)
    // times the EML share of J/q, plus recombination outside the EML and no recombination.
    const double eml_share = driven ? s.recombination_eml_A_m2 / J_A_m2 : 0.0;
    const std::vector<std::string> names = problem_->emitter_stage().fate_names();
    for (std::size_t f = 0; f < names.size(); ++f)
        put("fates/" + names[f],
            driven && f < result_.fates.size() ? result_.fates[f] * eml_share : 0.0);
    put("fates/recombination_outside_eml", driven ? s.recombination_outside_eml : 0.0);
    put("fates/no_recombination", driven ? s.no_recombination : 1.0);
    put("radiance_W_sr_m2", rad.radiance_W_sr_m2);
    put("radiant_exitance_W_m2", rad.radiant_exitance_W_m2);
    put("photon_flux_m2_s", rad.photon_flux_m2_s);
    put("peak_wavelength_nm", rad.peak_wavelength_nm);
    put("centroid_wavelength_nm", rad.centroid_wavelength_nm);
    put("visible_power_fraction", rad.visible_power_fraction);
    put("photometry_valid", rad.photometry_meaningful ? 1.0 : 0.0);
    for (std::size_t b = 0; b < config_.bands.size(); ++b)
        put("eqe_band/" + config_.bands[b].name,
            (driven ? result_.eqe : 0.0) * rad.window_photon_fraction[b]);
    // Transport outputs (spec section 4).
    const double V = s.voltage_V;
    put("voltage_V", V);
    put("current_density_mA_cm2", J_A_m2 / A_m2_per_mA_cm2);
    put("charge_balance", s.charge_balance);
    put("eml_recombination_fraction", s.eml_recombination_fraction);
    put("zone_centroid_nm", s.zone_centroid_nm);
    put("zone_rms_width_nm", s.zone_rms_width_nm);
    put("zone_q05_nm", s.zone_q05_nm);
    put("zone_q50_nm", s.zone_q50_nm);
    put("zone_q95_nm", s.zone_q95_nm);
    put("leakage_electron_mA_cm2", s.leakage_electron_A_m2 / A_m2_per_mA_cm2);
    put("leakage_hole_mA_cm2", s.leakage_hole_A_m2 / A_m2_per_mA_cm2);
    put("continuity_error", s.continuity_error);
    const double electrical_W_m2 = J_A_m2 * V;
    // Lambertian: luminous exitance = pi L [lm m^-2]; radiant exitance = pi radiance [W m^-2].
    put("power_efficacy_lm_W", electrical_W_m2 > 0 && driven
                                   ? std::numbers::pi * c.luminance_cd_m2 / electrical_W_m2
                                   : 0.0);
    put("wall_plug_efficiency", electrical_W_m2 > 0 && driven
                                    ? std::numbers::pi * rad.radiance_W_sr_m2 / electrical_W_m2
                                    : 0.0);
    for (std::size_t l = 0; l < nl; ++l) block.line_rates[slot * nl + l] = lines[l] * per_volume;
    if (!L.wavelength_nm.empty()) {
        const std::size_t nw = L.wavelength_nm.size();
        model::band_spectrum(photometry_->bands(), band_flux.data(), L.wavelength_nm,
                             block.spectrum.data() + slot * nw);
    }
    if (tc_.save_profiles) {
        const transport::Profiles& P = s.profiles;
        const std::vector<double>* fields[] = {&P.x_nm,    &P.psi_V,     &P.Ec_eV, &P.Ev_eV,
                                               &P.Efn_eV,  &P.Efp_eV,    &P.n_cm3, &P.p_cm3,
                                               &P.R_cm3_s, &P.field_V_cm};
        const auto m = static_cast<std::size_t>(tc_.profile_points);
        for (std::size_t f = 0; f < std::size(kProfileFields); ++f)
            resample(P.x_nm, *fields[f], m,
                     extra_series(L, block, slot, std::string("/transport/") + kProfileFields[f]));
        double* edges = extra_series(L, block, slot, "/transport/layer_edges_nm");
        edges[0] = 0.0;
        for (std::size_t i = 0; i < spec_.layers.size(); ++i)
            edges[i + 1] = edges[i] + spec_.layers[i].thickness_nm;
    }
}

void TransportPointEvaluator::evaluate(std::uint64_t index, bool warm, io::ResultBlock& block,
                                       std::uint64_t slot, std::string& failure_kind) {
    const io::ResultLayout& L = *layout_;
    const std::uint64_t count = block.count;
    auto zero_slot = [&] {
        for (std::size_t q = 0; q < L.scalar_names.size(); ++q)
            block.scalars[q * count + slot] = 0.0;
        const std::size_t nl = L.line_labels.size();
        std::fill_n(block.line_rates.begin() + static_cast<long>(slot * nl), nl, 0.0);
        const std::size_t nw = L.wavelength_nm.size();
        std::fill_n(block.spectrum.begin() + static_cast<long>(slot * nw), nw, 0.0);
        std::uint64_t offset = 0;
        for (const auto& e : L.extra_series) {
            const std::uint64_t len = std::max<std::uint64_t>(e.length, 1);
            std::fill_n(block.extra.begin() + static_cast<long>(offset + slot * len), len, 0.0);
            offset += count * len;
        }
    };
    auto fail = [&](std::int32_t status, const std::string& kind) {
        block.status[slot] = status;
        block.method[slot] = -1;
        failure_kind = kind;
        zero_slot();
    };
    failure_kind.clear();
    try {
        set_point(index);
        Point pt;
        solve(warm, pt);
        block.status[slot] = 0;
        block.method[slot] = 0;
        if (!result_.converged) {
            ctx_.reset();
            return fail(static_cast<std::int32_t>(solver::SolveStatus::not_converged),
                        "not converged");
        }
        if (!pt.zero_current && !(pt.sol.continuity_error <= transport::kResolvedContinuityError))
            return fail(transport::status_unresolved,
                        "current below the transport solver's resolution");
        publish(pt, block, slot);
        bool finite = true;
        for (std::size_t q = 0; q < L.scalar_names.size(); ++q)
            finite = finite && std::isfinite(block.scalars[q * count + slot]);
        for (double v : block.extra) finite = finite && std::isfinite(v);
        double fate_sum = 0.0;
        for (std::size_t q = 0; q < L.scalar_names.size(); ++q)
            if (L.scalar_names[q].rfind("fates/", 0) == 0)
                fate_sum += block.scalars[q * count + slot];
        if (!finite)
            return fail(static_cast<std::int32_t>(solver::SolveStatus::non_finite), "non-finite");
        if (!(std::abs(fate_sum - 1.0) <= 1e-9)) return fail(status_fate_budget, "fate budget");
    } catch (...) {
        ctx_.reset();  // the next point starts cold
        fail(status_error, "error");
    }
}

TransportPointEvaluator::Figures TransportPointEvaluator::solve_voltage(double voltage_V,
                                                                        bool warm) {
    voltage_V_ = voltage_V;
    Point pt;
    solve(warm, pt);
    if (!result_.converged) throw std::runtime_error("transport: the emitter did not converge");
    Figures f;
    f.voltage_V = voltage_V;
    f.resolved = pt.zero_current || pt.sol.continuity_error <= transport::kResolvedContinuityError;
    if (!f.resolved || result_.slices.empty()) return f;
    io::ResultBlock b;
    b.resize(*layout_, 1);
    publish(pt, b, 0);
    f.luminance_cd_m2 = b.scalars[index_of(*layout_, "luminance_cd_m2")];
    f.eqe = b.scalars[index_of(*layout_, "eqe")];
    f.power_efficacy_lm_W = b.scalars[index_of(*layout_, "power_efficacy_lm_W")];
    return f;
}

}  // namespace relsim::sweep
