//! @file radiometry.cpp
//! Radiometry of Gaussian emission bands (definitions in radiometry.hpp).
#include "relsim/model/radiometry.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "relsim/core/constants.hpp"

namespace relsim::model {
namespace {

const double kFwhmToSigma = 1.0 / (2.0 * std::sqrt(2.0 * std::numbers::ln2));
constexpr double kSupportSigmas = 8.0;
constexpr double kPerCm2ToPerM2 = 1.0e4;

//! 8-point Gauss-Legendre on [-1, 1] (Abramowitz & Stegun, table 25.4).
constexpr std::array<double, 4> kNode = {0.1834346424956498049394761, 0.5255324099163289858177390,
                                         0.7966664774136267395915539, 0.9602898564975362316835609};
constexpr std::array<double, 4> kWeight = {0.3626837833783619829651504, 0.3137066458778872873379622,
                                           0.2223810344533744705443560,
                                           0.1012285362903762591525314};

//! integral over [lo, hi] of g(l) / l for the normalised Gaussian (c, s); pieces no wider than s.
double gauss_over_lambda(double c, double s, double lo, double hi) {
    lo = std::max(lo, std::max(c - kSupportSigmas * s, 1e-6));
    hi = std::min(hi, c + kSupportSigmas * s);
    if (!(lo < hi)) return 0.0;
    const auto pieces = static_cast<std::size_t>(std::max(1.0, std::ceil((hi - lo) / s)));
    const double h = (hi - lo) / static_cast<double>(pieces);
    const double inv_two_s2 = 1.0 / (2.0 * s * s);
    double sum = 0.0;
    for (std::size_t p = 0; p < pieces; ++p) {
        const double mid = lo + (static_cast<double>(p) + 0.5) * h;
        for (std::size_t k = 0; k < kNode.size(); ++k) {
            for (const double sign : {-1.0, 1.0}) {
                const double l = mid + sign * 0.5 * h * kNode[k];
                const double u = l - c;
                sum += kWeight[k] * 0.5 * h * std::exp(-u * u * inv_two_s2) / l;
            }
        }
    }
    return sum / (s * std::sqrt(2.0 * std::numbers::pi));
}

//! Gaussian sigma of a band [nm], at least 1e-6 nm: a narrower line (down to fwhm_nm = 5e-324)
//! is a delta at every resolution these outputs have, and 1 / (2 s^2) must stay finite.
double sigma_nm(const BandShape& band) { return std::max(band.fwhm_nm * kFwhmToSigma, 1.0e-6); }

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

}  // namespace

std::vector<NamedBand> default_named_bands() {
    return {{"visible", kVisibleFromNm, kVisibleToNm}, {"nir", kVisibleToNm, 2500.0}};
}

RadiometryWeights::RadiometryWeights(std::vector<BandShape> bands, std::vector<NamedBand> windows)
    : bands_(std::move(bands)), windows_(std::move(windows)) {
    for (const NamedBand& w : windows_) {
        if (!(std::isfinite(w.from_nm) && std::isfinite(w.to_nm) && w.from_nm < w.to_nm)) {
            throw std::invalid_argument("radiometry: window " + w.name + " needs from_nm < to_nm");
        }
    }
    inv_lambda_all_.resize(bands_.size());
    inv_lambda_visible_.resize(bands_.size());
    window_fraction_.resize(bands_.size() * windows_.size());
    for (std::size_t b = 0; b < bands_.size(); ++b) {
        const BandShape& band = bands_[b];
        if (!(std::isfinite(band.centre_nm) && band.centre_nm > 0.0 &&
              std::isfinite(band.fwhm_nm) && band.fwhm_nm > 0.0)) {
            throw std::invalid_argument("radiometry: band " + std::to_string(b) +
                                        " needs a finite positive centre and FWHM");
        }
        const double c = band.centre_nm;
        const double s = sigma_nm(band);
        sigma_.push_back(s);
        two_s2_.push_back(2.0 * s * s);
        norm_.push_back(s * std::sqrt(2.0 * std::numbers::pi));
        inv_norm_.push_back(1.0 / norm_.back() * (1.0 + 1e-15));  // rounded up: for bounds only
        inv_lambda_all_[b] = gauss_over_lambda(c, s, 0.0, c + kSupportSigmas * s);
        inv_lambda_visible_[b] = gauss_over_lambda(c, s, kVisibleFromNm, kVisibleToNm);
        for (std::size_t w = 0; w < windows_.size(); ++w) {
            window_fraction_[b * windows_.size() + w] =
                normal_cdf((windows_[w].to_nm - c) / s) - normal_cdf((windows_[w].from_nm - c) / s);
        }
    }
}

double RadiometryWeights::spectral_exitance(const double* flux, double l) const {
    double sum = 0.0;
    for (std::size_t b = 0; b < bands_.size(); ++b) {
        // A band without flux adds exactly 0; so does one beyond 40 s (exp underflows to 0
        // beyond 38.6 s): skipping either leaves the sum's bits unchanged.
        if (flux[b] == 0.0) continue;
        const double u = l - bands_[b].centre_nm;
        if (std::abs(u) > 40.0 * sigma_[b]) continue;
        const double x = u * u / two_s2_[b];
        // A term below half an ulp of the partial sum leaves it unchanged (round to nearest):
        // skip its exp when a cheap upper bound shows that. exp(-x) <= 2^-k for
        // k = floor(x log2 e) - 1 (one less for the rounding of x log2 e); the computed term
        // is at most (1 + 2^-52) times its exact value, and half an ulp of a positive normal
        // partial sum exceeds sum 2^-54; the factor 2 covers the rounding.
        if (sum > 1e-300 && x > 40.0 && flux[b] > 0.0) {
            const int k =
                std::min(static_cast<int>(std::min(x, 2000.0) * 1.4426950408889634) - 1, 1022);
            const double bound =
                std::bit_cast<double>(static_cast<std::uint64_t>(1023 - k) << 52);  // 2^-k
            if (2.0 * flux[b] * inv_norm_[b] * bound < sum * 0x1p-54) continue;
        }
        sum += flux[b] * std::exp(-x) / norm_[b];
    }
    return kPerCm2ToPerM2 * sum * constants::photon_energy_J_nm / l;
}

Radiometry RadiometryWeights::evaluate(const double* flux) const {
    Radiometry r;
    evaluate(flux, r);
    return r;
}

void RadiometryWeights::evaluate(const double* flux, Radiometry& r, bool peak) const {
    r.window_photon_fraction.assign(windows_.size(), 0.0);
    r.peak_wavelength_nm = r.centroid_wavelength_nm = r.visible_power_fraction = 0.0;
    r.photometry_meaningful = false;
    double photons = 0.0, energy = 0.0, visible = 0.0;
    for (std::size_t b = 0; b < bands_.size(); ++b) {
        photons += flux[b];
        energy += flux[b] * inv_lambda_all_[b];
        visible += flux[b] * inv_lambda_visible_[b];
        for (std::size_t w = 0; w < windows_.size(); ++w) {
            r.window_photon_fraction[w] += flux[b] * window_fraction_[b * windows_.size() + w];
        }
    }
    const double hc = constants::photon_energy_J_nm;
    r.photon_flux_m2_s = kPerCm2ToPerM2 * photons;
    r.radiant_exitance_W_m2 = kPerCm2ToPerM2 * hc * energy;
    r.radiance_W_sr_m2 = r.radiant_exitance_W_m2 / std::numbers::pi;
    if (!(photons > 0.0 && energy > 0.0)) return;
    for (double& f : r.window_photon_fraction) f /= photons;
    // integral lambda P = 1e4 hc sum_b F_b (the Gaussian's area, to 1e-15 at +-8 s).
    r.centroid_wavelength_nm = photons / energy;
    r.visible_power_fraction = visible / energy;
    r.photometry_meaningful = r.visible_power_fraction >= kMinVisiblePowerFraction;
    if (!peak) return;
    // Peak: the band centre with the largest P, refined by golden-section search within one FWHM.
    double best_l = 0.0, best_p = -1.0;
    for (std::size_t b = 0; b < bands_.size(); ++b) {
        if (!(flux[b] > 0.0)) continue;
        const double p = spectral_exitance(flux, bands_[b].centre_nm);
        if (p > best_p) {
            best_p = p;
            best_l = bands_[b].centre_nm;
        }
    }
    double fwhm = 0.0;
    for (const BandShape& band : bands_) {
        if (band.centre_nm == best_l) fwhm = std::max(fwhm, sigma_nm(band) / kFwhmToSigma);
    }
    const double inv_phi = 2.0 / (1.0 + std::sqrt(5.0));
    double a = std::max(best_l - fwhm, 1e-6), e = best_l + fwhm;
    double x1 = e - inv_phi * (e - a), x2 = a + inv_phi * (e - a);
    double p1 = spectral_exitance(flux, x1), p2 = spectral_exitance(flux, x2);
    for (int it = 0; it < 200 && e - a > 1e-9 * best_l; ++it) {
        if (p1 < p2) {
            a = x1;
            x1 = x2;
            p1 = p2;
            x2 = a + inv_phi * (e - a);
            p2 = spectral_exitance(flux, x2);
        } else {
            e = x2;
            x2 = x1;
            p2 = p1;
            x1 = e - inv_phi * (e - a);
            p1 = spectral_exitance(flux, x1);
        }
    }
    r.peak_wavelength_nm = 0.5 * (a + e);
}

}  // namespace relsim::model
