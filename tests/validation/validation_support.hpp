//! @file validation_support.hpp
//! Helpers of the validation tests (tests/validation): load a paper config from configs/paper/,
//! set swept keys through the library's own key paths, solve one steady state and evaluate its
//! observables and colour exactly as `relsim run` does (src/sweep/point_evaluator.cpp: ligand
//! singlet band, ligand triplet band, then every Ln line, fluxes = outcoupling x w x rate).
#pragma once

#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/parameters.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/solver/steady_state.hpp"

namespace relsim_validation {

inline std::string source_dir() { return RELSIM_SOURCE_DIR; }
inline std::string paper_config(const std::string& name) {
    return source_dir() + "/configs/paper/" + name;
}
inline std::string ion_file(const std::string& ion) {
    return source_dir() + "/configs/ions/" + ion + ".toml";
}

//! The CIE 1931 2-degree observer of the project (data/cie1931_2deg_1nm.csv), read once.
inline const relsim::model::CieObserver& observer() {
    static const relsim::model::CieObserver obs =
        relsim::model::load_cie_observer(source_dir() + "/data/cie1931_2deg_1nm.csv");
    return obs;
}

//! Sets a numeric model parameter by its dotted key path; fails the test on an unknown key.
inline void set_key(relsim::model::ModelParams& p, const std::string& key, double value) {
    double* slot = relsim::model::find_parameter(p, key);
    if (slot == nullptr) throw std::invalid_argument("no model parameter '" + key + "'");
    *slot = value;
}

//! Index of the dopant whose ion is `ion` (throws when absent).
inline std::size_t dopant_index(const relsim::model::ModelParams& p, const std::string& ion) {
    for (std::size_t i = 0; i < p.dopants.size(); ++i) {
        if (p.dopants[i].ion == ion) return i;
    }
    throw std::invalid_argument("no dopant " + ion);
}

//! One solved operating point.
struct Point {
    std::unique_ptr<relsim::model::RateModel> model;
    relsim::model::Drive drive;
    std::vector<double> y;
    relsim::model::Observables obs;
    relsim::solver::SolveStatus status = relsim::solver::SolveStatus::not_converged;

    //! Photon rate of the line labelled `label` ("Eu_5D0_7F1"); throws when absent.
    [[nodiscard]] double line_rate(const std::string& label) const {
        const auto& lines = model->lines();
        for (std::size_t l = 0; l < lines.size(); ++l) {
            if (lines[l].label == label) return obs.line_photon_rate_cm3_s[l];
        }
        throw std::invalid_argument("no line " + label);
    }
};

//! Solves the steady state of `params` at its own current density.
inline Point solve_point(const relsim::model::ModelParams& params) {
    Point pt;
    pt.model = std::make_unique<relsim::model::RateModel>(params);
    pt.drive = pt.model->nominal_drive();
    pt.y.assign(pt.model->num_states(), 0.0);
    relsim::solver::SteadyStateSolver solver;
    pt.status = solver.solve(*pt.model, pt.drive, nullptr, pt.y.data()).status;
    relsim::model::evaluate_observables(*pt.model, pt.drive, pt.y.data(), pt.obs);
    return pt;
}

//! Emission bands (ligand singlet, ligand triplet, every Ln line in RateModel::lines() order)
//! and their outcoupled photon fluxes [cm^-2 s^-1], as relsim run builds them.
struct BandSet {
    std::vector<relsim::model::BandShape> bands;
    std::vector<double> flux_cm2_s;
};

inline BandSet bands_of(const Point& pt) {
    const auto& p = pt.model->params();
    const double to_flux = p.device.outcoupling * p.device.recombination_zone_nm * 1.0e-7;
    BandSet b;
    b.bands.push_back({p.ligand.singlet_band_nm, p.ligand.singlet_fwhm_nm});
    b.flux_cm2_s.push_back(to_flux * pt.obs.ligand_singlet_photon_rate_cm3_s);
    b.bands.push_back({p.ligand.triplet_band_nm, p.ligand.triplet_fwhm_nm});
    b.flux_cm2_s.push_back(to_flux * pt.obs.ligand_triplet_photon_rate_cm3_s);
    const auto& lines = pt.model->lines();
    for (std::size_t l = 0; l < lines.size(); ++l) {
        b.bands.push_back({lines[l].line.wavelength_nm, lines[l].line.fwhm_nm});
        b.flux_cm2_s.push_back(to_flux * pt.obs.line_photon_rate_cm3_s[l]);
    }
    return b;
}

inline relsim::model::Colour colour_of(const Point& pt) {
    const BandSet b = bands_of(pt);
    const relsim::model::Photometry photometry(observer(), b.bands);
    return photometry.evaluate(b.flux_cm2_s.data());
}

//! Outcoupled spectral exitance [W m^-2 nm^-1] on `grid_nm`.
inline std::vector<double> spectrum_of(const Point& pt, const std::vector<double>& grid_nm) {
    const BandSet b = bands_of(pt);
    std::vector<double> out(grid_nm.size(), 0.0);
    relsim::model::band_spectrum(b.bands, b.flux_cm2_s.data(), grid_nm, out.data());
    return out;
}

inline std::vector<double> uniform_grid(double from_nm, double to_nm, double step_nm) {
    std::vector<double> g;
    const auto n = static_cast<std::size_t>(std::floor((to_nm - from_nm) / step_nm + 1e-9)) + 1;
    for (std::size_t i = 0; i < n; ++i) g.push_back(from_nm + static_cast<double>(i) * step_nm);
    return g;
}

//! Trapezoidal integral of f over the grid points with lo <= lambda <= hi.
inline double integrate(const std::vector<double>& grid_nm, const std::vector<double>& f, double lo,
                        double hi) {
    double s = 0.0;
    for (std::size_t i = 1; i < grid_nm.size(); ++i) {
        if (grid_nm[i - 1] >= lo && grid_nm[i] <= hi) {
            s += 0.5 * (f[i - 1] + f[i]) * (grid_nm[i] - grid_nm[i - 1]);
        }
    }
    return s;
}

//! Wavelength of the spectrum's maximum.
inline double peak_nm(const std::vector<double>& grid_nm, const std::vector<double>& f) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < f.size(); ++i) {
        if (f[i] > f[best]) best = i;
    }
    return grid_nm[best];
}

//! Peak EQE over a config's single current-density sweep axis (solved point by point).
struct SweepPeak {
    double eqe = 0.0;
    double j_mA_cm2 = 0.0;
    double tb_eqe = 0.0;  //!< EQE of the Tb lines alone at the same point
    bool all_converged = true;
};

inline SweepPeak peak_eqe_over_current(const relsim::io::RunConfig& cfg) {
    REQUIRE(cfg.sweep.has_value());
    REQUIRE(cfg.sweep->axes.size() == 1);
    const auto& axis = cfg.sweep->axes.front();
    REQUIRE(axis.keys.size() == 1);
    REQUIRE(axis.keys.front() == "device.current_density_mA_cm2");
    SweepPeak best;
    for (double j : axis.values.front()) {
        relsim::model::ModelParams p = cfg.model;
        p.device.current_density_mA_cm2 = j;
        const Point pt = solve_point(p);
        best.all_converged =
            best.all_converged && pt.status == relsim::solver::SolveStatus::converged;
        if (pt.obs.eqe > best.eqe) {
            best.eqe = pt.obs.eqe;
            best.j_mA_cm2 = j;
            const std::size_t tb = dopant_index(p, "Tb");
            best.tb_eqe =
                pt.obs.eqe * pt.obs.species_photon_rate_cm3_s[tb] / pt.obs.photon_rate_cm3_s;
        }
    }
    return best;
}

}  // namespace relsim_validation
