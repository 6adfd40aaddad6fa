//! @file radiometry.hpp
//! Radiometry of a set of Gaussian emission bands, for any device, visible or near-infrared
//! (spec section 6): radiant exitance, radiance, photon flux, peak and centroid wavelength, the
//! photon fraction (hence the EQE) within named wavelength windows, and whether photometry
//! (CIE colour, luminance) means anything for the emission.
//!
//! Definitions (bands as in photometry.hpp: band b is a normalised Gaussian g_b(lambda) in nm^-1
//! with photon flux F_b [cm^-2 s^-1]; P(lambda) = 1e4 sum_b F_b g_b(lambda) h c / lambda
//! [W m^-2 nm^-1] is the outcoupled spectral exitance):
//!  - radiant exitance  M = integral P dlambda                          [W m^-2]
//!  - radiance          L_e = M / pi (Lambertian)                        [W sr^-1 m^-2]
//!  - photon flux       Phi = 1e4 sum_b F_b                              [m^-2 s^-1]
//!  - centroid          lambda_c = integral lambda P / integral P        [nm]
//!  - peak              the lambda of the largest P (searched near every band centre) [nm]
//!  - window fraction   f_w = sum_b F_b (Phi_N((hi - c_b)/s_b) - Phi_N((lo - c_b)/s_b)) / sum F_b,
//!    the fraction of the PHOTONS in [lo, hi] (Phi_N the normal CDF), so EQE_w = f_w EQE
//!  - visible power fraction  v = integral_380^780 P / integral P; photometric outputs are
//!    flagged as meaningless when v < kMinVisiblePowerFraction (0.5): the colour and luminance of
//!    a NIR device are those of its residual visible leak (or zero), not of its emission.
//! Each band's integrals of g / lambda (over c +- 8 s, lambda > 0, and over 380-780 nm) are
//! computed once, with 8-point Gauss-Legendre on pieces no wider than s (relative error < 1e-13,
//! as for the photometric weights), so an evaluation costs O(bands x windows).
#pragma once

#include <string>
#include <vector>

#include "relsim/model/photometry.hpp"

namespace relsim::model {

//! A named wavelength window [from_nm, to_nm] for the band-limited EQE.
struct NamedBand {
    std::string name;
    double from_nm = 0.0;
    double to_nm = 0.0;
};

//! The default windows: visible 380-780 nm (the CIE table's range), nir 780-2500 nm.
[[nodiscard]] std::vector<NamedBand> default_named_bands();

//! Below this fraction of the radiant power in 380-780 nm, photometry is flagged (and the run
//! summary prints radiometry instead of luminance and colour).
inline constexpr double kMinVisiblePowerFraction = 0.5;
inline constexpr double kVisibleFromNm = 380.0;
inline constexpr double kVisibleToNm = 780.0;

struct Radiometry {
    double radiant_exitance_W_m2 = 0.0;
    double radiance_W_sr_m2 = 0.0;
    double photon_flux_m2_s = 0.0;
    double peak_wavelength_nm = 0.0;      //!< 0 when there is no emission
    double centroid_wavelength_nm = 0.0;  //!< 0 when there is no emission
    double visible_power_fraction = 0.0;  //!< 0 when there is no emission
    bool photometry_meaningful = false;   //!< visible_power_fraction >= kMinVisiblePowerFraction
    std::vector<double> window_photon_fraction;  //!< per NamedBand
};

class RadiometryWeights {
public:
    RadiometryWeights() = default;
    //! @throws std::invalid_argument for a band with a non-finite or non-positive centre or
    //!         FWHM, or a window with from_nm >= to_nm.
    RadiometryWeights(std::vector<BandShape> bands, std::vector<NamedBand> windows);

    [[nodiscard]] const std::vector<NamedBand>& windows() const noexcept { return windows_; }
    //! Radiometry of the emission with outcoupled photon flux per band [cm^-2 s^-1].
    [[nodiscard]] Radiometry evaluate(const double* band_photon_flux_cm2_s) const;
    //! The same into `out`, reusing its storage (no allocation once sized: sweep points).
    //! `peak` false: peak_wavelength_nm is left 0 (its golden-section search is most of the
    //! cost; for callers that do not store it).
    void evaluate(const double* band_photon_flux_cm2_s, Radiometry& out, bool peak = true) const;
    //! Outcoupled spectral exitance P(lambda) [W m^-2 nm^-1] (exact sum of the Gaussians).
    [[nodiscard]] double spectral_exitance(const double* band_photon_flux_cm2_s,
                                           double wavelength_nm) const;

private:
    std::vector<BandShape> bands_;
    std::vector<NamedBand> windows_;
    std::vector<double> inv_lambda_all_;      //!< integral g_b / lambda [nm^-1], whole band
    std::vector<double> inv_lambda_visible_;  //!< the same over 380-780 nm
    std::vector<double> window_fraction_;     //!< [band][window] photon fraction
    // Per band, for spectral_exitance (the same expressions it evaluated per call before):
    std::vector<double> sigma_;     //!< s [nm]
    std::vector<double> two_s2_;    //!< 2 s^2 [nm^2]
    std::vector<double> norm_;      //!< s sqrt(2 pi) [nm]
    std::vector<double> inv_norm_;  //!< >= 1 / norm_ (bounds of negligible terms)
};

}  // namespace relsim::model
