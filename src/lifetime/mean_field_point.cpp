//! @file mean_field_point.cpp
#include "relsim/lifetime/mean_field_point.hpp"

#include <cmath>

#include "defect_fates.hpp"

namespace relsim::lifetime {
namespace {

constexpr double nm_in_cm = 1.0e-7;

}  // namespace

namespace detail {

// Every excited level of every dopant listed in quench_s (missing ones with 0.0), so that the
// defect loss kQ_Ln Q can be added to each without changing the model's structure.
model::ModelParams with_all_quench_entries(model::ModelParams p) {
    for (model::DopantParams& d : p.dopants) {
        for (const model::Level& lv : d.scheme.levels) {
            bool listed = false;
            for (const auto& [name, rate] : d.quench_s) listed = listed || name == lv.name;
            if (!listed) d.quench_s.emplace_back(lv.name, 0.0);
        }
    }
    return p;
}

void split_defect_fates(const model::RateModel& m, const DegradationRates& rates,
                        double generation_cm3_s, double Q, const double* d,
                        const std::vector<double>& fates_in, std::vector<double>& fates) {
    constexpr std::size_t kLigandFates = 8;   // model::fate_names: 8 ligand channels first
    constexpr std::size_t kSpeciesFates = 5;  // then 5 per species, quenching third
    const double inv_G = generation_cm3_s > 0.0 ? 1.0 / generation_cm3_s : 0.0;
    fates = fates_in;
    const double ds = rates.kQ_S_cm3_s * Q * d[0] * inv_G;
    const double dt = rates.kQ_T_cm3_s * Q * d[1] * inv_G;
    fates[1] -= ds;
    fates[3] -= dt;
    fates.push_back(ds);
    fates.push_back(dt);
    const auto& species = m.species();
    for (std::size_t s = 0; s < species.size(); ++s) {
        double excited = 0.0;
        for (std::size_t j = 0; j < species[s].num_levels; ++j)
            excited += d[species[s].first_state + j];
        const double dl = m.is_inert(s) ? 0.0 : rates.kQ_Ln_cm3_s * Q * excited * inv_G;
        fates[kLigandFates + kSpeciesFates * s + 2] -= dl;
        fates.push_back(dl);
    }
}

}  // namespace detail

std::vector<model::BandShape> band_list(const model::ModelParams& params) {
    std::vector<model::BandShape> bands{
        {params.ligand.singlet_band_nm, params.ligand.singlet_fwhm_nm},
        {params.ligand.triplet_band_nm, params.ligand.triplet_fwhm_nm}};
    for (const model::DopantParams& d : params.dopants) {
        for (const model::EmissionLine& ln : d.scheme.lines)
            bands.push_back({ln.wavelength_nm, ln.fwhm_nm});
    }
    return bands;
}

MeanFieldPoint::MeanFieldPoint(const model::ModelParams& params, const DegradationRates& rates,
                               std::shared_ptr<const model::CieObserver> observer,
                               const SliceOptics* optics)
    : base_(detail::with_all_quench_entries(params)),
      params_(base_),
      rates_(rates),
      photometry_(*observer, band_list(params)),
      radiometry_(band_list(params), {}) {
    model_.emplace(params_);
    if (optics) {
        optics_ = *optics;
        slice_prev_y_.assign(optics_->band_eta.size(), {});
    }
    fate_names_ = model::fate_names(*model_);
    fate_names_.emplace_back("defect_quenching_singlet");
    fate_names_.emplace_back("defect_quenching_triplet");
    for (const model::CompiledSpecies& sp : model_->species())
        fate_names_.push_back("defect_quenching_" + sp.ion);
    // Brightness measure from the initial state (fixed for the whole run).
    PointSample s;
    const std::vector<double> q0(num_slices(), 0.0);
    solve(q0.data(), false, s);
    photometric_ = radiometry_out_.photometry_meaningful || !s.ok;
    have_prev_ = false;
    for (auto& v : slice_prev_y_) v.clear();
}

MeanFieldPoint::~MeanFieldPoint() = default;

void MeanFieldPoint::split_fates(const model::RateModel& m, const model::Drive& drive, double Q,
                                 const double* d, std::vector<double>& fates) const {
    detail::split_defect_fates(m, rates_, drive.generation_cm3_s, Q, d, obs_.fates, fates);
}

void MeanFieldPoint::solve_slices(const double* Q_cm3, bool with_fates, PointSample& out) {
    const std::size_t ns = num_slices();
    const double wgt = 1.0 / static_cast<double>(ns);
    const double w_cm = base_.device.recombination_zone_nm * nm_in_cm;
    out.formation_cm3_s.assign(ns, 0.0);
    out.fates.assign(with_fates ? fate_names_.size() : 0, 0.0);
    double outcoupled_cm3_s = 0.0, photons_cm3_s = 0.0, G = 0.0, gamma = 1.0;
    std::fill(flux_.begin(), flux_.end(), 0.0);
    for (std::size_t sl = 0; sl < ns; ++sl) {
        const double Q = Q_cm3[sl];
        model::copy_numbers(base_, params_);
        std::size_t l = 0;
        for (model::DopantParams& d : params_.dopants) {
            for (model::EmissionLine& ln : d.scheme.lines)
                ln.rate_s *= optics_->line_purcell[sl][l++];
        }
        params_.ligand.kT_nr_s += rates_.kQ_T_cm3_s * Q;
        params_.ligand.kS_nr_s += rates_.kQ_S_cm3_s * Q;
        for (model::DopantParams& d : params_.dopants) {
            for (auto& entry : d.quench_s) entry.second += rates_.kQ_Ln_cm3_s * Q;
        }
        model_->refresh(params_);
        const model::RateModel& m = *model_;
        const model::Drive drive = m.nominal_drive();
        std::vector<double>& prev = slice_prev_y_[sl];
        y_.resize(m.num_states());
        const solver::SteadyStateReport rep =
            solver_.solve(m, drive, prev.size() == y_.size() ? prev.data() : nullptr, y_.data());
        if (rep.status != solver::SolveStatus::converged) {
            for (auto& v : slice_prev_y_) v.clear();
            out.ok = false;
            out.brightness = out.eqe = out.cie_x = out.cie_y = 0.0;
            out.fates.assign(fate_names_.size(), 0.0);
            return;
        }
        prev = y_;
        model::evaluate_observables(m, drive, y_.data(), obs_);
        G = drive.generation_cm3_s;
        gamma = params_.device.charge_balance;
        out.formation_cm3_s[sl] = rates_.kX_TP_cm3_s * y_[1] * drive.polaron_density_cm3 +
                                  rates_.kX_SP_cm3_s * y_[0] * drive.polaron_density_cm3 +
                                  rates_.kX_T_s * y_[1] + rates_.kX_S_s * y_[0];
        const std::vector<double>& eta = optics_->band_eta[sl];
        flux_.resize(2 + obs_.line_photon_rate_cm3_s.size(), 0.0);
        auto add_band = [&](std::size_t b, double rate_cm3_s) {
            const double o = rate_cm3_s * eta[b];
            outcoupled_cm3_s += wgt * o;
            flux_[b] += wgt * w_cm * o;
        };
        add_band(0, obs_.ligand_singlet_photon_rate_cm3_s);
        add_band(1, obs_.ligand_triplet_photon_rate_cm3_s);
        for (std::size_t b = 0; b < obs_.line_photon_rate_cm3_s.size(); ++b)
            add_band(2 + b, obs_.line_photon_rate_cm3_s[b]);
        photons_cm3_s += wgt * obs_.photon_rate_cm3_s;
        if (with_fates) {
            split_fates(m, drive, Q, m.has_cascade() ? obs_.dark_cm3.data() : y_.data(),
                        slice_fates_);
            for (std::size_t c = 0; c < slice_fates_.size(); ++c)
                out.fates[c] += wgt * slice_fates_[c];
        }
    }
    const double electrons_cm3_s = G / gamma;
    colour_ = photometry_.evaluate(flux_.data());
    radiometry_out_ = radiometry_.evaluate(flux_.data());
    out.brightness = photometric_ ? colour_.luminance_cd_m2 : radiometry_out_.radiance_W_sr_m2;
    out.eqe = electrons_cm3_s > 0.0 ? outcoupled_cm3_s / electrons_cm3_s : 0.0;
    out.cie_x = colour_.cie_x;
    out.cie_y = colour_.cie_y;
    out.ok =
        std::isfinite(out.brightness) && std::isfinite(out.eqe) && std::isfinite(photons_cm3_s);
}

void MeanFieldPoint::solve(const double* Q_cm3, bool with_fates, PointSample& out) {
    if (optics_) {
        solve_slices(Q_cm3, with_fates, out);
        return;
    }
    const double Q = Q_cm3[0];
    model::copy_numbers(base_, params_);
    params_.ligand.kT_nr_s += rates_.kQ_T_cm3_s * Q;
    params_.ligand.kS_nr_s += rates_.kQ_S_cm3_s * Q;
    for (model::DopantParams& d : params_.dopants) {
        for (auto& entry : d.quench_s) entry.second += rates_.kQ_Ln_cm3_s * Q;
    }
    model_->refresh(params_);
    const model::RateModel& m = *model_;
    const model::Drive drive = m.nominal_drive();
    y_.resize(m.num_states());
    const solver::SteadyStateReport rep =
        solver_.solve(m, drive, have_prev_ ? prev_y_.data() : nullptr, y_.data());
    out.formation_cm3_s.assign(1, 0.0);
    out.ok = rep.status == solver::SolveStatus::converged;
    if (!out.ok) {
        have_prev_ = false;
        out.brightness = out.eqe = out.cie_x = out.cie_y = 0.0;
        out.fates.assign(fate_names_.size(), 0.0);
        return;
    }
    prev_y_ = y_;
    have_prev_ = true;
    model::evaluate_observables(m, drive, y_.data(), obs_);
    const double S = y_[0], T = y_[1], np = drive.polaron_density_cm3;
    out.formation_cm3_s[0] = rates_.kX_TP_cm3_s * T * np + rates_.kX_SP_cm3_s * S * np +
                             rates_.kX_T_s * T + rates_.kX_S_s * S;
    // Outcoupled band fluxes -> colour, luminance, radiance.
    const double per_volume =
        params_.device.outcoupling * params_.device.recombination_zone_nm * nm_in_cm;
    flux_.resize(2 + obs_.line_photon_rate_cm3_s.size());
    flux_[0] = per_volume * obs_.ligand_singlet_photon_rate_cm3_s;
    flux_[1] = per_volume * obs_.ligand_triplet_photon_rate_cm3_s;
    for (std::size_t l = 0; l < obs_.line_photon_rate_cm3_s.size(); ++l) {
        flux_[2 + l] = per_volume * obs_.line_photon_rate_cm3_s[l];
    }
    colour_ = photometry_.evaluate(flux_.data());
    radiometry_out_ = radiometry_.evaluate(flux_.data());
    out.brightness = photometric_ ? colour_.luminance_cd_m2 : radiometry_out_.radiance_W_sr_m2;
    out.eqe = obs_.eqe;
    out.cie_x = colour_.cie_x;
    out.cie_y = colour_.cie_y;
    out.ok = std::isfinite(out.brightness) && std::isfinite(out.eqe);
    if (!with_fates) return;
    // Fate split: the augmented channels back into the contract's and the defect channels.
    split_fates(m, drive, Q, m.has_cascade() ? obs_.dark_cm3.data() : y_.data(), out.fates);
}

}  // namespace relsim::lifetime
