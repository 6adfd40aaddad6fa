//! @file csv_export.hpp
//! A relsim result file as tidy CSV tables (`relsim export OUT.h5 --csv DIR`, Python's
//! relsim.export_csv): one row per observation, one column per variable, the unit of every
//! column in its header ("eqe [1]", "device.current_density_mA_cm2 [mA cm^-2]").
//!
//!   results.csv          one row per sweep point: point, the axis keys, every per-point
//!                        quantity (/results/*, /transient/rise_time_s, ...; names as in the file
//!                        without "/results/")
//!   line_photon_rate.csv point, axis keys, line, line_photon_rate
//!   spectrum.csv         point, axis keys, wavelength_nm, power        (when spectra were saved)
//!   transient.csv        point, axis keys, time_s, every series         (with a [transient])
//!   <group>__<name>.csv  any other numeric dataset (future groups: /optics, /fit, ...), one row
//!                        per element with its indices
//! Numbers are written with 17 significant digits, so they read back bit for bit.
#pragma once

#include <string>
#include <vector>

namespace relsim::io {

//! Writes the tables into folder `dir` (created when missing) and returns the paths written.
//! Throws InputError when `h5_path` is missing or not a relsim result file, or when a table
//! exists already and `force` is false; RunError on I/O failure.
std::vector<std::string> export_csv(const std::string& h5_path, const std::string& dir, bool force);

struct ExportOptions {
    bool force = false;  //!< replace existing tables (a symbolic link is replaced, not its target)
    bool incomplete = false;  //!< export an unfinished result (a warning and a 'done' column)
};
//! As above. Every table name is checked before the first is written; each table is written
//! to `<name>.exporting` and renamed. An incomplete result (an interrupted run's .partial) is
//! refused (InputError) unless `incomplete`. A fit result (relsim fit) gives parameters.csv,
//! covariance.csv, fit_summary.csv and data_<i>.csv.
std::vector<std::string> export_csv(const std::string& h5_path, const std::string& dir,
                                    const ExportOptions& options);

}  // namespace relsim::io
