//! @file profile_point.cpp
//! ProfilePoint (profile_point.hpp): the slices of a fixed recombination profile, each a
//! mean-field steady state with its own quencher density. The arithmetic follows
//! pipeline::PointContext::solve with the mean-field emitter and the constant outcoupling, and
//! the [transport] sweep point (src/sweep/transport_point.cpp), so that Q = 0 is that run.
#include "relsim/lifetime/profile_point.hpp"

#include <cmath>
#include <stdexcept>

#include "defect_fates.hpp"
#include "relsim/core/constants.hpp"
#include "relsim/pipeline/bands.hpp"

namespace relsim::lifetime {
namespace {

constexpr double nm_in_cm = 1.0e-7;
constexpr double mA_in_A = 1.0e-3;

}  // namespace

ProfilePoint::ProfilePoint(const model::ModelParams& params, const DegradationRates& rates,
                           std::shared_ptr<const model::CieObserver> observer,
                           pipeline::Profile profile, ChargeFractions charge)
    : base_(detail::with_all_quench_entries(params)),
      params_(base_),
      rates_(rates),
      profile_(std::move(profile)),
      charge_(charge),
      photometry_(*observer, pipeline::band_shapes(params)),
      radiometry_(pipeline::band_shapes(params), {}) {
    if (profile_.slices.empty()) throw std::invalid_argument("ProfilePoint: no emitter slice");
    for (const pipeline::Slice& s : profile_.slices) {
        if (!(s.width_nm > 0.0))
            throw std::invalid_argument("ProfilePoint: a slice of non-positive width");
    }
    if (!(profile_.current_density_mA_cm2 > 0.0))
        throw std::invalid_argument("ProfilePoint: no current");
    model_.emplace(params_);
    prev_y_.assign(profile_.slices.size(), {});
    fate_names_ = fate_names_of(base_);
    // Brightness measure from the initial state (fixed for the whole run); then start cold.
    PointSample s;
    const std::vector<double> q0(num_slices(), 0.0);
    solve(q0.data(), false, s);
    photometric_ =
        !s.ok ||
        radiometry_.evaluate(flux_.data()).photometry_meaningful;  // flux_ complete when ok
    for (auto& v : prev_y_) v.clear();
}

ProfilePoint::~ProfilePoint() = default;

std::vector<std::string> ProfilePoint::fate_names_of(const model::ModelParams& params) {
    const model::RateModel m(detail::with_all_quench_entries(params));
    std::vector<std::string> names = model::fate_names(m);
    names.emplace_back("defect_quenching_singlet");
    names.emplace_back("defect_quenching_triplet");
    for (const model::CompiledSpecies& sp : m.species())
        names.push_back("defect_quenching_" + sp.ion);
    names.emplace_back("recombination_outside_eml");
    names.emplace_back("no_recombination");
    return names;
}

void ProfilePoint::solve(const double* Q_cm3, bool with_fates, PointSample& out) {
    const std::size_t n = profile_.slices.size();
    const double electrons_cm2_s =
        profile_.current_density_mA_cm2 * mA_in_A / constants::elementary_charge_C;
    double air_cm2_s = 0.0, generated_cm2_s = 0.0;
    out.formation_cm3_s.assign(n, 0.0);
    flux_.assign(2, 0.0);
    lines_air_.clear();
    fates_.clear();
    out.ok = true;
    for (std::size_t k = 0; k < n; ++k) {
        const pipeline::Slice& slice = profile_.slices[k];
        const double Q = Q_cm3[k];
        model::copy_numbers(base_, params_);
        params_.ligand.kT_nr_s += rates_.kQ_T_cm3_s * Q;
        params_.ligand.kS_nr_s += rates_.kQ_S_cm3_s * Q;
        for (model::DopantParams& d : params_.dopants) {
            for (auto& entry : d.quench_s) entry.second += rates_.kQ_Ln_cm3_s * Q;
        }
        model_->refresh(params_);
        const model::RateModel& m = *model_;
        // The drive of the mean-field emitter stage (pipeline/mean_field_emitter.cpp).
        model::Drive d;
        d.current_density_A_cm2 = params_.device.charge_balance > 0.0
                                      ? slice.generation_cm3_s / params_.device.charge_balance *
                                            constants::elementary_charge_C * slice.width_nm *
                                            nm_in_cm
                                      : 0.0;
        d.generation_cm3_s = slice.generation_cm3_s;
        d.polaron_density_cm3 = slice.polaron_density_cm3;
        std::vector<double>& prev = prev_y_[k];
        y_.resize(m.num_states());
        const bool warm = prev.size() == y_.size();
        solver::SteadyStateReport rep =
            solver_.solve(m, d, warm ? prev.data() : nullptr, y_.data());
        if (rep.status != solver::SolveStatus::converged && warm)
            rep = solver_.solve(m, d, nullptr, y_.data());
        if (rep.status != solver::SolveStatus::converged) {
            for (auto& v : prev_y_) v.clear();
            out.ok = false;
            out.brightness = out.eqe = out.cie_x = out.cie_y = 0.0;
            out.fates.assign(fate_names_.size(), 0.0);
            return;
        }
        prev = y_;
        model::evaluate_observables(m, d, y_.data(), obs_);
        const double S = y_[0], T = y_[1], np = d.polaron_density_cm3;
        out.formation_cm3_s[k] = rates_.kX_TP_cm3_s * T * np + rates_.kX_SP_cm3_s * S * np +
                                 rates_.kX_T_s * T + rates_.kX_S_s * S;
        // Constant outcoupling: every band leaves with device.outcoupling (Purcell factor 1).
        const double eta = params_.device.outcoupling;
        const double w_cm = slice.width_nm * nm_in_cm;
        const double singlet_air = w_cm * eta * obs_.ligand_singlet_photon_rate_cm3_s;
        const double triplet_air = w_cm * eta * obs_.ligand_triplet_photon_rate_cm3_s;
        flux_[0] += singlet_air;
        flux_[1] += triplet_air;
        air_cm2_s += singlet_air + triplet_air;
        if (lines_air_.size() < obs_.line_photon_rate_cm3_s.size())
            lines_air_.resize(obs_.line_photon_rate_cm3_s.size(), 0.0);
        for (std::size_t l = 0; l < obs_.line_photon_rate_cm3_s.size(); ++l) {
            const double f = w_cm * eta * obs_.line_photon_rate_cm3_s[l];
            lines_air_[l] += f;
            air_cm2_s += f;
        }
        const double g_cm2_s = w_cm * slice.generation_cm3_s;
        generated_cm2_s += g_cm2_s;
        if (with_fates) {
            detail::split_defect_fates(m, rates_, d.generation_cm3_s, Q,
                                       m.has_cascade() ? obs_.dark_cm3.data() : y_.data(),
                                       obs_.fates, slice_fates_);
            if (fates_.size() < slice_fates_.size()) fates_.resize(slice_fates_.size(), 0.0);
            for (std::size_t f = 0; f < slice_fates_.size(); ++f)
                fates_[f] += g_cm2_s * slice_fates_[f];
        }
    }
    flux_.insert(flux_.end(), lines_air_.begin(), lines_air_.end());
    const model::Colour c = photometry_.evaluate(flux_.data());
    const model::Radiometry rad = radiometry_.evaluate(flux_.data());
    out.brightness = photometric_ ? c.luminance_cd_m2 : rad.radiance_W_sr_m2;
    out.eqe = electrons_cm2_s > 0.0 ? air_cm2_s / electrons_cm2_s : 0.0;
    out.cie_x = c.cie_x;
    out.cie_y = c.cie_y;
    out.ok = std::isfinite(out.brightness) && std::isfinite(out.eqe);
    if (!with_fates) return;
    // Per injected charge: the slices' fates (per exciton, G_k d_k weighted) times the EML share
    // of J/q, then the charge that recombines outside the EML or not at all.
    out.fates.assign(fate_names_.size(), 0.0);
    for (std::size_t f = 0; f < fates_.size() && f < out.fates.size(); ++f) {
        out.fates[f] =
            (generated_cm2_s > 0.0 ? fates_[f] / generated_cm2_s : 0.0) * charge_.eml_share;
    }
    out.fates[fate_names_.size() - 2] = charge_.recombination_outside_eml;
    out.fates[fate_names_.size() - 1] = charge_.no_recombination;
}

}  // namespace relsim::lifetime
