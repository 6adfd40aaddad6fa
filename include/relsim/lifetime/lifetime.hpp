//! @file lifetime.hpp
//! Operational lifetime under constant current (shared/spec/lifetime-inventory.md section 1):
//! exciton-polaron (and exciton) defect formation, quasi-steady kinetics, the quencher density
//! Q integrated over hours with an adaptive, error-controlled Runge-Kutta method with dense
//! output, and the times LT95/90/70/50 solved on that dense output.
//!
//! Why integrating Q alone is enough: every kinetic time of the rate equations is <= ms (Ln
//! excited states live ~1 ms, ligand states ns..100 us), while Q changes over hours. Over one
//! kinetic time Q moves by a fraction ~1e-7 of itself, so the populations follow their steady
//! state at the current Q to that order (quasi-steady / adiabatic elimination). The slow
//! system is then dQ/dt = F(Q), with F evaluated by one warm-started steady-state solve.
//!
//! The model is behind DegradationPoint: "solve the point with these quencher densities ->
//! brightness, colour, formation rates". The mean-field implementation is MeanFieldPoint
//! (mean_field_point.hpp); a device pipeline with several emitter slices implements the same
//! interface with one Q per slice.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace relsim::lifetime {

//! Defect formation and quenching rates ([lifetime] of the spec).
struct DegradationRates {
    double kX_TP_cm3_s = 0.0;  //!< formation by triplet-polaron encounters
    double kX_SP_cm3_s = 0.0;  //!< formation by singlet-polaron encounters
    double kX_T_s = 0.0;       //!< monomolecular formation from triplets
    double kX_S_s = 0.0;       //!< monomolecular formation from singlets
    double kQ_T_cm3_s = 0.0;   //!< defect quenching of ligand triplets
    double kQ_S_cm3_s = 0.0;   //!< defect quenching of ligand singlets
    double kQ_Ln_cm3_s = 0.0;  //!< defect quenching of every excited ion level
    [[nodiscard]] bool forms_defects() const {
        return kX_TP_cm3_s > 0.0 || kX_SP_cm3_s > 0.0 || kX_T_s > 0.0 || kX_S_s > 0.0;
    }
};

struct LifetimeSettings {
    DegradationRates rates;
    double stop_fraction = 0.5;  //!< stop at L/L0 = stop_fraction, in (0, 1)
    double max_hours = 1.0e5;    //!< or at this time, > 0
    int time_points = 200;       //!< output times: 0, then log-spaced 1e-4 t_stop .. t_stop
    //! Relative tolerance of the Q integration (Runge-Kutta-Dormand-Prince 5(4) with its
    //! 4th-order dense output) and of the LT root solves.
    double relative_tolerance = 1.0e-10;
};

//! One quasi-steady solve of a device point at given quencher densities.
struct PointSample {
    double brightness = 0.0;  //!< luminance [cd m^-2], or radiance [W sr^-1 m^-2] (NIR)
    double eqe = 0.0;
    double cie_x = 0.0, cie_y = 0.0;
    std::vector<double> formation_cm3_s;  //!< dQ/dt per slice [cm^-3 s^-1]
    std::vector<double> fates;            //!< per DegradationPoint::fate_names()
    bool ok = false;                      //!< the steady state converged
};

//! The point model seen by the time loop.
class DegradationPoint {
public:
    virtual ~DegradationPoint() = default;
    [[nodiscard]] virtual std::size_t num_slices() const = 0;
    //! True when `brightness` is the photometric luminance, false when it is the radiance.
    [[nodiscard]] virtual bool photometric() const = 0;
    [[nodiscard]] virtual std::vector<std::string> fate_names() const = 0;
    //! Solves the steady state with quencher density Q_cm3[i] in slice i (warm-started from the
    //! previous solve). `with_fates`: fill `fates` too.
    virtual void solve(const double* Q_cm3, bool with_fates, PointSample& out) = 0;
};

//! CIE 1976 u', v' of CIE 1931 x, y (CIE 015:2018, eq. 8.8): u' = 4x/(-2x + 12y + 3),
//! v' = 9y/(-2x + 12y + 3); (0, 0) when the denominator is not positive.
void cie_uv(double x, double y, double& u, double& v);

//! The LT levels of the outputs, in order: 0.95, 0.90, 0.70, 0.50.
[[nodiscard]] const std::vector<double>& lt_levels();
//! "LT95", "LT90", "LT70", "LT50".
[[nodiscard]] std::string lt_name(double level);

struct LifetimeResult {
    // Time series, time_points entries each.
    std::vector<double> time_h, luminance_rel, eqe, cie_x, cie_y, quencher_cm3;  //!< Q: slice mean
    std::vector<std::vector<double>> fates;                //!< [time][channel] (filled when asked)
    std::vector<std::vector<double>> quencher_slices_cm3;  //!< [time][slice]: Q of every slice
    std::vector<double> lt_h;                              //!< per lt_levels(); 0 when not reached
    std::vector<int> lt_reached;                           //!< 1 or 0
    double stop_h = 0.0;                    //!< time of the stop (stop_fraction or max_hours)
    bool stopped_at_fraction = false;       //!< false: max_hours reached first
    double colour_shift_duv_at_stop = 0.0;  //!< |(u',v')(stop) - (u',v')(0)|
    double brightness0 = 0.0;               //!< L0 (or radiance at t = 0)
    int steps = 0;                          //!< accepted Runge-Kutta steps
    long solves = 0;                        //!< point solves used
    int status = 0;                         //!< 0 ok; nonzero: a point solve failed
};

//! Runs the time loop: Q(0) = 0, constant drive. Never throws on a failed solve (status != 0,
//! every output 0, no NaN). @throws std::invalid_argument on settings out of range.
[[nodiscard]] LifetimeResult run_lifetime(DegradationPoint& point, const LifetimeSettings& settings,
                                          bool with_fates = false);

//! Acceleration exponent n of LT = C * L0^-n: least squares of log(LT) on log(L0) over the
//! entries with reached != 0 and both values > 0. Returns 0 (and `used` = count) when fewer
//! than two points qualify.
[[nodiscard]] double acceleration_exponent(const std::vector<double>& L0,
                                           const std::vector<double>& lt_h,
                                           const std::vector<int>& reached, int* used = nullptr);

}  // namespace relsim::lifetime
