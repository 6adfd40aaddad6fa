//! @file pipeline.cpp
//! The generic composition of the device-point pipeline (pipeline.hpp): profile -> optics per
//! slice -> emitter per slice (Purcell-scaled line rates) -> observables summed over slices.
#include "relsim/pipeline/pipeline.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

#include "relsim/core/constants.hpp"

namespace relsim::pipeline {
namespace {

constexpr double nm_in_cm = 1.0e-7;
constexpr double mA_in_A = 1.0e-3;

double electrons_per_cm2_s(double current_density_mA_cm2) {
    return current_density_mA_cm2 * mA_in_A / constants::elementary_charge_C;
}

//! One uniform slice over the recombination zone (as model::RateModel's drive, spec section 2).
class UniformProfile final : public ProfileStage {
public:
    explicit UniformProfile(int slices) : slices_(slices < 1 ? 1 : slices) {}
    std::string table() const override { return "device"; }
    bool accepts(DriveKind kind) const override { return kind == DriveKind::current; }
    void profile(const DrivePoint& drive, const model::ModelParams& params,
                 Profile& out) const override {
        if (drive.kind != DriveKind::current)
            throw std::invalid_argument("the uniform recombination zone takes a current drive");
        const model::DeviceParams& dev = params.device;
        // Same expression order as model::RateModel::drive_at (bit-identical G and n_p).
        const double w_cm = dev.recombination_zone_nm * nm_in_cm;
        const double electrons_cm3_s =
            drive.current_density_mA_cm2 * mA_in_A / (constants::elementary_charge_C * w_cm);
        const auto n = static_cast<std::size_t>(slices_);
        out.slices.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            Slice& s = out.slices[i];
            // Same expression as optics::DeviceOptics::positions_nm (bit-identical positions).
            s.position_nm = (static_cast<int>(i) + 0.5) * dev.recombination_zone_nm / slices_;
            s.width_nm = n == 1 ? dev.recombination_zone_nm : dev.recombination_zone_nm / slices_;
            s.generation_cm3_s = dev.charge_balance * electrons_cm3_s;
            s.polaron_density_cm3 = std::sqrt(electrons_cm3_s / dev.langevin_cm3_s);
        }
        out.current_density_mA_cm2 = drive.current_density_mA_cm2;
        out.outside_fraction = 0.0;
        out.equal_slices = true;
        out.zone_width_nm = dev.recombination_zone_nm;
    }

private:
    int slices_;
};

class ConstantOutcoupling final : public OpticsStage {
public:
    std::string table() const override { return "device"; }
    void slice_optics(const Slice&, const model::ModelParams& params,
                      SliceOptics& out) const override {
        std::size_t lines = 0;
        for (const model::DopantParams& d : params.dopants) lines += d.scheme.lines.size();
        out.line_purcell.assign(lines, 1.0);
        out.line_eta_air.assign(lines, params.device.outcoupling);
        out.ligand_singlet_eta_air = params.device.outcoupling;
        out.ligand_triplet_eta_air = params.device.outcoupling;
    }
};

}  // namespace

std::shared_ptr<const OpticsStage> make_constant_outcoupling() {
    return std::make_shared<ConstantOutcoupling>();
}

std::shared_ptr<const ProfileStage> make_uniform_profile(int slices) {
    return std::make_shared<UniformProfile>(slices);
}

DeviceProblemBuilder::DeviceProblemBuilder(model::ModelParams base) {
    problem_.base_ = std::move(base);
}
DeviceProblemBuilder& DeviceProblemBuilder::set_profile(std::shared_ptr<const ProfileStage> s) {
    problem_.profile_ = std::move(s);
    return *this;
}
DeviceProblemBuilder& DeviceProblemBuilder::set_emitter(std::shared_ptr<const EmitterStage> s) {
    problem_.emitter_ = std::move(s);
    return *this;
}
DeviceProblemBuilder& DeviceProblemBuilder::set_optics(std::shared_ptr<const OpticsStage> s) {
    problem_.optics_ = std::move(s);
    return *this;
}
std::shared_ptr<const DeviceProblem> DeviceProblemBuilder::build() {
    if (!problem_.profile_) problem_.profile_ = make_uniform_profile();
    if (!problem_.emitter_ || !problem_.optics_)
        throw std::logic_error("DeviceProblemBuilder: an emitter and an optics stage are required");
    return std::make_shared<const DeviceProblem>(std::move(problem_));
}

PointContext::PointContext(std::shared_ptr<const DeviceProblem> problem)
    : problem_(std::move(problem)), slice_params_(problem_->base_params()) {}

void PointContext::forget_warm_starts() {
    for (auto& st : states_) st->forget_warm_start();
}

namespace {

//! sum += a * x, element by element (sum grows to x's size).
void add_scaled(std::vector<double>& sum, const std::vector<double>& x, double a) {
    if (sum.size() < x.size()) sum.resize(x.size(), 0.0);
    for (std::size_t i = 0; i < x.size(); ++i) sum[i] += a * x[i];
}

void clear_means(EmitterMeans& m) {
    m.photon_rate_cm3_s = m.ligand_singlet_photon_rate_cm3_s = 0.0;
    m.ligand_triplet_photon_rate_cm3_s = m.transfer_efficiency = 0.0;
    m.line_photon_rate_cm3_s.clear();
    m.species_photon_rate_cm3_s.clear();
    m.populations_cm3.clear();
}

//! means += a * (the slice's volume densities); transfer efficiency with weight `g`.
void add_means(EmitterMeans& m, const SliceEmission& em, double a, double g) {
    m.photon_rate_cm3_s += a * em.photon_rate_cm3_s;
    m.ligand_singlet_photon_rate_cm3_s += a * em.ligand_singlet_photon_rate_cm3_s;
    m.ligand_triplet_photon_rate_cm3_s += a * em.ligand_triplet_photon_rate_cm3_s;
    m.transfer_efficiency += g * em.transfer_efficiency;
    add_scaled(m.line_photon_rate_cm3_s, em.line_photon_rate_cm3_s, a);
    add_scaled(m.species_photon_rate_cm3_s, em.species_photon_rate_cm3_s, a);
    add_scaled(m.populations_cm3, em.populations_cm3, a);
}

//! Equal slices (the uniform zone cut into n equal sub-populations): slice means with weight
//! exactly 1/n, in the arithmetic the mean-field sweep has always published (pipeline.hpp).
void combine_equal(const Profile& profile, const model::ModelParams& params, PointResult& out) {
    const std::size_t n = out.slices.size();
    const double wgt = 1.0 / static_cast<double>(n);
    const double zone_cm = profile.zone_width_nm * nm_in_cm;
    double iqe = 0.0, outcoupled_cm3_s = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        const SliceEmission& em = out.slices[k];
        const SliceOptics& opt = out.slice_optics[k];
        iqe += wgt * em.iqe;
        add_means(out.means, em, wgt, wgt);
        add_scaled(out.fates, em.fates, wgt);
        const std::size_t nb = 2 + em.line_photon_rate_cm3_s.size();
        if (out.band_photon_flux_air.size() < nb) out.band_photon_flux_air.resize(nb, 0.0);
        auto add_band = [&](std::size_t b, double rate_cm3_s, double eta) {
            const double air = rate_cm3_s * eta;
            outcoupled_cm3_s += wgt * air;
            out.band_photon_flux_air[b] += wgt * zone_cm * air;
        };
        add_band(0, em.ligand_singlet_photon_rate_cm3_s, opt.ligand_singlet_eta_air);
        add_band(1, em.ligand_triplet_photon_rate_cm3_s, opt.ligand_triplet_eta_air);
        for (std::size_t l = 0; l < em.line_photon_rate_cm3_s.size(); ++l) {
            add_band(2 + l, em.line_photon_rate_cm3_s[l],
                     l < opt.line_eta_air.size() ? opt.line_eta_air[l] : 0.0);
        }
    }
    out.line_photon_flux_air.assign(out.band_photon_flux_air.begin() + 2,
                                    out.band_photon_flux_air.end());
    // Electrons per unit volume of the zone: G / charge_balance (the model's IQE denominator).
    const double electrons_cm3_s =
        profile.slices[0].generation_cm3_s / params.device.charge_balance;
    out.iqe = iqe;
    out.eqe = electrons_cm3_s > 0.0 ? outcoupled_cm3_s / electrons_cm3_s : 0.0;
    out.outcoupling = out.iqe > 0.0 ? out.eqe / out.iqe : 0.0;
}

//! Any other profile: per-area sums over the slices (pipeline.hpp).
void combine_per_area(const Profile& profile, PointResult& out) {
    const std::size_t n = out.slices.size();
    const double electrons_cm2_s = electrons_per_cm2_s(profile.current_density_mA_cm2);
    double photons_cm2_s = 0.0, air_cm2_s = 0.0, generated_cm2_s = 0.0, width_cm = 0.0;
    out.band_photon_flux_air.assign(2, 0.0);
    for (std::size_t k = 0; k < n; ++k) {
        const Slice& slice = profile.slices[k];
        const SliceOptics& opt = out.slice_optics[k];
        const SliceEmission& em = out.slices[k];
        const double w_cm = slice.width_nm * nm_in_cm;
        width_cm += w_cm;
        photons_cm2_s += w_cm * em.photon_rate_cm3_s;
        const double singlet_air =
            w_cm * opt.ligand_singlet_eta_air * em.ligand_singlet_photon_rate_cm3_s;
        const double triplet_air =
            w_cm * opt.ligand_triplet_eta_air * em.ligand_triplet_photon_rate_cm3_s;
        out.band_photon_flux_air[0] += singlet_air;
        out.band_photon_flux_air[1] += triplet_air;
        air_cm2_s += singlet_air + triplet_air;
        if (out.line_photon_flux_air.size() < em.line_photon_rate_cm3_s.size())
            out.line_photon_flux_air.resize(em.line_photon_rate_cm3_s.size(), 0.0);
        for (std::size_t l = 0; l < em.line_photon_rate_cm3_s.size(); ++l) {
            const double eta = l < opt.line_eta_air.size() ? opt.line_eta_air[l] : 0.0;
            const double flux = w_cm * eta * em.line_photon_rate_cm3_s[l];
            out.line_photon_flux_air[l] += flux;
            air_cm2_s += flux;
        }
        const double g_cm2_s = w_cm * slice.generation_cm3_s;
        generated_cm2_s += g_cm2_s;
        add_scaled(out.fates, em.fates, g_cm2_s);
        add_means(out.means, em, w_cm, g_cm2_s);
    }
    out.band_photon_flux_air.insert(out.band_photon_flux_air.end(),
                                    out.line_photon_flux_air.begin(),
                                    out.line_photon_flux_air.end());
    for (double& f : out.fates) f = generated_cm2_s > 0.0 ? f / generated_cm2_s : 0.0;
    // The means: volume-weighted (transfer efficiency: generation-weighted).
    const double per_width = width_cm > 0.0 ? 1.0 / width_cm : 0.0;
    EmitterMeans& m = out.means;
    m.photon_rate_cm3_s *= per_width;
    m.ligand_singlet_photon_rate_cm3_s *= per_width;
    m.ligand_triplet_photon_rate_cm3_s *= per_width;
    for (auto* v : {&m.line_photon_rate_cm3_s, &m.species_photon_rate_cm3_s, &m.populations_cm3})
        for (double& x : *v) x *= per_width;
    m.transfer_efficiency = generated_cm2_s > 0.0 ? m.transfer_efficiency / generated_cm2_s : 0.0;
    out.iqe = electrons_cm2_s > 0.0 ? photons_cm2_s / electrons_cm2_s : 0.0;
    out.eqe = electrons_cm2_s > 0.0 ? air_cm2_s / electrons_cm2_s : 0.0;
    out.outcoupling = photons_cm2_s > 0.0 ? air_cm2_s / photons_cm2_s : 0.0;
}

}  // namespace

void PointContext::solve(const DrivePoint& drive, const model::ModelParams& params,
                         PointResult& out) {
    const DeviceProblem& p = *problem_;
    p.profile_stage().profile(drive, params, out.profile);
    const std::size_t n = out.profile.slices.size();
    out.slice_optics.resize(n);
    out.slices.resize(n);
    while (states_.size() < n) states_.push_back(p.emitter_stage().make_state());

    out.converged = true;
    out.fates.clear();
    out.line_photon_flux_air.clear();
    out.band_photon_flux_air.clear();
    clear_means(out.means);
    for (std::size_t k = 0; k < n; ++k) {
        const Slice& slice = out.profile.slices[k];
        SliceOptics& opt = out.slice_optics[k];
        p.optics_stage().slice_optics(slice, params, opt);
        // Slice-local parameters: every line's radiative rate carries the slice's Purcell factor.
        slice_params_ = params;
        std::size_t line = 0;
        for (model::DopantParams& d : slice_params_.dopants) {
            for (model::EmissionLine& l : d.scheme.lines) {
                if (line < opt.line_purcell.size()) l.rate_s *= opt.line_purcell[line];
                ++line;
            }
        }
        SliceEmission& em = out.slices[k];
        p.emitter_stage().solve(slice, slice_params_, *states_[k], em);
        out.solver_status = em.solver_status;
        out.solver_method = em.solver_method;
        if (!em.converged) {  // no partial sums published as a result
            out.converged = false;
            out.iqe = out.eqe = out.outcoupling = 0.0;
            out.band_photon_flux_air.assign(2, 0.0);
            return;
        }
    }
    if (n > 0 && out.profile.equal_slices) {
        combine_equal(out.profile, params, out);
    } else {
        combine_per_area(out.profile, out);
    }
}

}  // namespace relsim::pipeline
