//! @file photometry.hpp
//! Spectra and CIE 1931 photometry of a set of Gaussian emission bands (spec section 4).
//! Photometry is linear in the band photon fluxes, so each band's X, Y, Z weight is integrated
//! once at construction and colour costs O(bands) per evaluation.
//!
//! Definitions (the contract):
//!  - A band b is a normalised Gaussian in wavelength,
//!      g_b(lambda) = exp(-(lambda - c)^2 / (2 s^2)) / (s sqrt(2 pi)),
//!      s = FWHM / (2 sqrt(2 ln 2)),
//!    with lambda, c, s, FWHM in nm (so g_b is in nm^-1 and integrates to 1).
//!  - A band with outcoupled photon flux F_b [cm^-2 s^-1] has the spectral exitance
//!      P_b(lambda) = 1e4 * F_b * g_b(lambda) * h c / lambda   [W m^-2 nm^-1]
//!    (h c / lambda = constants::photon_energy_J_nm / lambda_nm joules; 1e4 converts cm^-2
//!    to m^-2).
//!  - The colour-matching functions xbar, ybar, zbar are linearly interpolated between table
//!    points and are zero outside the table range (380-780 nm for the CIE table).
//!  - X = integral xbar P dlambda, Y = integral ybar P dlambda, Z = integral zbar P dlambda
//!    [W m^-2, CMF-weighted]; x = X / (X + Y + Z), y = Y / (X + Y + Z), and x = y = 0 when
//!    X + Y + Z <= 0 (no emission: it is 0 for non-negative fluxes).
//!  - Luminance of a Lambertian emitter: L = (683.002 / pi) * Y   [cd m^-2].
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace relsim::model {

//! CIE 1931 2-degree colour-matching functions on a uniform wavelength grid.
struct CieObserver {
    std::vector<double> wavelength_nm;
    std::vector<double> xbar;
    std::vector<double> ybar;  //!< photopic V(lambda)
    std::vector<double> zbar;
};

//! Reads a CSV table "nm,X,Y,Z" with a header line (data/cie1931_2deg_1nm.csv).
//! Strict: the header must name the columns nm,X,Y,Z; every data line must hold exactly four
//! finite numbers (surrounding blanks allowed, a trailing '\r' tolerated), the CMF values must be
//! >= 0, the wavelengths > 0, strictly increasing and uniformly spaced (relative tolerance 1e-9),
//! and there must be at least two data lines. Blank lines are allowed only at the end of file.
//! Throws relsim::InputError(file, line, 0, "", problem, allowed) naming the file and the 1-based
//! line on a malformed or non-uniform table, and (line 0) when the file cannot be opened.
[[nodiscard]] CieObserver load_cie_observer(const std::string& csv_path);

//! A normalised Gaussian band in wavelength.
struct BandShape {
    double centre_nm = 0.0;
    double fwhm_nm = 0.0;
};

//! Colour and luminance of an outcoupled emission.
struct Colour {
    double X = 0.0, Y = 0.0, Z = 0.0;  //!< tristimulus of the spectral exitance [W m^-2]-weighted
    double cie_x = 0.0;                //!< chromaticity x (0 when there is no emission)
    double cie_y = 0.0;                //!< chromaticity y (0 when there is no emission)
    double luminance_cd_m2 = 0.0;      //!< Lambertian: (683.002 / pi) * integral V P dlambda
};

//! Precomputed photometric weights of a fixed list of bands.
class Photometry {
public:
    Photometry() = default;
    //! Each band's spectral exitance per unit photon flux is g(lambda) * h c / lambda, with g the
    //! normalised Gaussian; its X, Y, Z weights are integrals of that against the CMFs
    //! (linearly interpolated, zero outside the table), resolved finely enough for any FWHM:
    //! piecewise 8-point Gauss-Legendre between table nodes, pieces no wider than s, over
    //! c +- 8 s (error <= 3e-11 of X+Y+Z for FWHM 0.001-200 nm; see photometry.cpp).
    //! @throws std::invalid_argument if the observer's columns differ in length, hold fewer than
    //!         two points or the wavelengths are not strictly increasing, or a band has a
    //!         non-finite or non-positive centre or FWHM.
    Photometry(const CieObserver& observer, std::vector<BandShape> bands);

    [[nodiscard]] const std::vector<BandShape>& bands() const noexcept { return bands_; }

    //! Colour of the emission whose outcoupled photon flux per band is given [cm^-2 s^-1];
    //! `band_photon_flux_cm2_s` has bands().size() entries (may be null when there are none).
    //! X = sum_b F_b wX_b etc., O(bands).
    [[nodiscard]] Colour evaluate(const double* band_photon_flux_cm2_s) const;

private:
    std::vector<BandShape> bands_;
    std::vector<double> weight_X_, weight_Y_, weight_Z_;  //!< [W m^-2 per (cm^-2 s^-1)] x CMF
};

//! Outcoupled spectral exitance [W m^-2 nm^-1] on `wavelength_nm` of bands with photon fluxes
//! [cm^-2 s^-1]: sum_b flux_b * g_b(lambda) * h c / lambda. `out` has wavelength_nm.size() entries.
//! A band is skipped at grid points farther than 10 s from its centre (its density there is
//! below 2e-22 of its peak), so the cost is O(grid points x bands near each point).
//! @throws std::invalid_argument for a band with a non-finite or non-positive centre or FWHM,
//!         or a non-finite or non-positive grid wavelength.
void band_spectrum(const std::vector<BandShape>& bands, const double* band_photon_flux_cm2_s,
                   const std::vector<double>& wavelength_nm, double* out_W_m2_nm);

//! band_spectrum() for bands whose shapes stay fixed while their fluxes change (the points of a
//! sweep that moves no wavelength or width): every band's mass in every grid bin is computed
//! once, so a spectrum costs one multiply-add per (grid point, band in reach) instead of two
//! erfc. evaluate() performs the same floating-point operations in the same order as
//! band_spectrum(), so its output is bit-identical (tests/sweep/test_point.cpp).
class SpectrumBasis {
public:
    SpectrumBasis() = default;
    //! @throws std::invalid_argument as band_spectrum().
    SpectrumBasis(std::vector<BandShape> bands, std::vector<double> wavelength_nm);
    //! `out` has wavelength_nm.size() entries.
    void evaluate(const double* band_photon_flux_cm2_s, double* out_W_m2_nm) const;

private:
    std::vector<BandShape> bands_;
    std::vector<double> wavelength_nm_;
    std::vector<double> width_nm_;      //!< bin width per grid point (0: an empty bin)
    std::vector<std::uint32_t> first_;  //!< per grid point: offset into entries_
    struct Entry {
        std::uint32_t band;
        double mass;  //!< the band's normalised mass in the bin
    };
    std::vector<Entry> entries_;  //!< per grid point, the bands in reach, in band order
};

}  // namespace relsim::model
