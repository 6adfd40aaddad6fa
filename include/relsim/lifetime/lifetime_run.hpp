//! @file lifetime_run.hpp
//! The lifetime and inventory stage of `relsim run` and its description in `relsim check`.
//! The sweep writes /results (the t = 0 state of a lifetime run, identical to the config without
//! [lifetime]); this stage then solves every point's lifetime (mean-field MeanFieldPoint, one
//! OpenMP thread per point) and the inventory, and adds to the finished file:
//!   /lifetime/{time_h, luminance_rel, eqe, cie_x, cie_y, quencher_cm3}   sweep dims + time
//!   /lifetime/fates/<channel>                                            sweep dims + time
//!   /results/lifetime/{LT95_h, LT90_h, LT70_h, LT50_h, LT<nn>_reached, colour_shift_duv_at_stop,
//!                      L0, stop_h, status}
//!   /results/inventory/{<Ion>_mg_m2, <Ion>_mg_per_klm (visible), <Ion>_mg_per_W,
//!                       ion_turnover_per_s/<Ion>, ion_radiative_ceiling_s/<Ion>,
//!                       eml_thickness_nm, cost_usd_m2, cost_usd_per_klm (with prices)}
//!   /summary/lifetime_acceleration_exponent       (a sweep over device.current_density_mA_cm2)
//! The inventory is computed for every run (microscopic: ions counted on the NC lattices);
//! the lifetime loop only with [lifetime] (mean-field, with [optics] per emitter slice; refused
//! with [nanocrystal]).
//! `relsim export` writes the series as lifetime_<name>.csv; write_time_series_csv() below
//! writes one tidy table.
#pragma once

#include <memory>
#include <string>

#include "relsim/io/config.hpp"
#include "relsim/lifetime/lifetime_config.hpp"

namespace relsim::lifetime {

class Stage {
public:
    //! Reads [lifetime], [inventory], device.eml_thickness_nm of `cfg` (InputError on bad
    //! input: call before anything is written).
    explicit Stage(const io::RunConfig& cfg);
    //! Computes and appends to the complete result file `output_path` (before it is published);
    //! returns the summary lines (inventory, lifetime of the point of peak EQE, acceleration
    //! exponent) for the caller to print after the run summary; empty when quiet.
    //! `threads` 0: OpenMP default.
    std::string run(const std::string& output_path, int threads, bool quiet) const;
    //! Text for `relsim check`.
    [[nodiscard]] std::string describe() const;
    [[nodiscard]] const LifetimeConfig& config() const { return lc_; }

private:
    const io::RunConfig& cfg_;
    LifetimeConfig lc_;
};

//! Writes the lifetime time series of result file `h5_path` as one tidy CSV table (point, time_h,
//! luminance_rel, eqe, cie_x, cie_y, quencher_cm3) to `csv_path`. Throws RunError/InputError.
void write_time_series_csv(const std::string& h5_path, const std::string& csv_path);

}  // namespace relsim::lifetime
