//! @file fit_config.hpp
//! A fit file (FIT.toml, contract: shared/spec/fitting.md section 1): the models, the measured
//! data and the free parameters. Reading it validates everything a fit needs -- every error is
//! a relsim::InputError naming the file, line, column, key and allowed range (exit 2), and is
//! raised before anything is computed or written.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"

namespace relsim::fit {

//! What a data set measures; fixes its CSV columns and how the model is compared with it.
enum class DataKind {
    eqe_vs_current,        //!< current_density_mA_cm2, eqe[, sigma]        (EQE as a fraction)
    luminance_vs_current,  //!< current_density_mA_cm2, luminance_cd_m2[, sigma]
    decay,                 //!< time_s, intensity[, sigma]: the config's [transient] pulse,
                           //!< intensity = amplitude x photon rate (+ offset), amplitude fitted
    spectrum,              //!< wavelength_nm, intensity[, sigma]: amplitude x steady-state
                           //!< spectrum at the config's current density (the line shape)
};
[[nodiscard]] const char* to_string(DataKind kind);
//! Column names of a kind: {x, y}; the optional third column is always "sigma".
[[nodiscard]] std::vector<std::string> data_columns(DataKind kind);
//! Unit of the x and y columns of a kind.
[[nodiscard]] std::string x_unit(DataKind kind);
[[nodiscard]] std::string y_unit(DataKind kind);

//! One measured curve.
struct DataSet {
    std::size_t model = 0;  //!< index into FitConfig::models
    DataKind kind = DataKind::eqe_vs_current;
    std::string file;  //!< resolved path of the CSV
    std::vector<double> x, y;
    std::vector<double> sigma;  //!< empty: one unknown sigma for the whole set, estimated
    std::vector<int> line;      //!< 1-based CSV line of each point (for messages)
    bool offset = false;        //!< decay / spectrum: also fit a constant offset
};

//! One [[free]] parameter.
struct FreeParameter {
    std::string key;                  //!< the key path verbatim, e.g. "dopant.0.quench_s.5D4"
    std::vector<std::size_t> models;  //!< models it is set in (indices into FitConfig::models)
    double min = 0.0;
    double max = 0.0;
    bool log = false;             //!< fitted as log10(value)
    std::optional<double> start;  //!< as given; else the first model's config value
    double start_value = 0.0;     //!< resolved start (inside [min, max])
    std::string unit;             //!< unit of the key ("s^-1", "1", ...)
};

//! [fit] table.
struct FitOptions {
    int multistart = 8;        //!< starts in all: the given start, then Latin-hypercube points
    int max_iterations = 200;  //!< per start
    std::uint64_t seed = 1;    //!< of the Latin hypercube
    //! Relative finite-difference step in the fitted scale (log10 units for log parameters).
    double fd_step = 1.0e-4;
};

//! One [[model]]: a relsim run config.
struct ModelEntry {
    std::string name;
    std::string config_path;  //!< resolved
    io::RunConfig config;
    int line = 0;  //!< of the [[model]] table in the fit file
};

struct FitConfig {
    std::string path;
    std::string text;
    std::vector<ModelEntry> models;
    std::vector<DataSet> data;
    std::vector<FreeParameter> free;
    FitOptions options;
};

//! Reads and validates a fit file and everything it names (model configs, CSV data).
//! Throws relsim::InputError.
[[nodiscard]] FitConfig load_fit_config(const std::string& path);

//! Reads one data CSV (header naming the columns of `kind` in any order, optional "sigma",
//! '#' comment lines, blank lines ignored). Throws relsim::InputError with the file, line and
//! column of the bad cell.
[[nodiscard]] DataSet read_data_csv(const std::string& path, DataKind kind);

}  // namespace relsim::fit
