//! @file photometry.hpp
//! Spectra and CIE 1931 photometry of a set of Gaussian emission bands (spec section 4).
//! Photometry is linear in the band photon fluxes, so each band's X, Y, Z weight is integrated
//! once at construction and colour costs O(bands) per evaluation.
#pragma once

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
//! Throws relsim::InputError naming the file and line on a malformed or non-uniform table.
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
    //! (linearly interpolated, zero outside the table), resolved finely enough for any FWHM.
    Photometry(const CieObserver& observer, std::vector<BandShape> bands);

    [[nodiscard]] const std::vector<BandShape>& bands() const noexcept { return bands_; }

    //! Colour of the emission whose outcoupled photon flux per band is given [cm^-2 s^-1].
    [[nodiscard]] Colour evaluate(const double* band_photon_flux_cm2_s) const;

private:
    std::vector<BandShape> bands_;
    std::vector<double> weight_X_, weight_Y_, weight_Z_;  //!< [W m^-2 per (cm^-2 s^-1)] x CMF
};

//! Outcoupled spectral exitance [W m^-2 nm^-1] on `wavelength_nm` of bands with photon fluxes
//! [cm^-2 s^-1]: sum_b flux_b * g_b(lambda) * h c / lambda. `out` has wavelength_nm.size() entries.
void band_spectrum(const std::vector<BandShape>& bands, const double* band_photon_flux_cm2_s,
                   const std::vector<double>& wavelength_nm, double* out_W_m2_nm);

}  // namespace relsim::model
