//! @file config.hpp
//! Reading and validating a relsim TOML config (spec section 5) and its ion level schemes.
//! No toml++ type appears here; the parser is used only in src/io/config.cpp.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relsim/model/parameters.hpp"
#include "relsim/model/radiometry.hpp"

namespace relsim::io {

//! [spectrum] table.
struct SpectrumSpec {
    double from_nm = 350.0;
    double to_nm = 800.0;
    double step_nm = 0.5;
    bool save = false;        //!< write /spectrum/power for every point (extension; default off
                              //!< in sweeps, on without a sweep -- see README)
    bool save_given = false;  //!< whether the config set `save` explicitly
};

//! [transient] table: one rectangular current pulse from t = 0 to pulse_on_s, then off_s at J = 0.
struct TransientSpec {
    double pulse_current_density_mA_cm2 = 10.0;
    double pulse_on_s = 5.0e-3;
    double off_s = 2.0e-2;
    int points = 400;  //!< at least this many log-spaced output times per phase
};

//! One sweep axis. Every key in `keys` moves together (a zipped axis); values[k][i] is the value
//! of keys[k] at axis point i. A plain axis has one key.
struct SweepAxis {
    std::vector<std::string> keys;
    std::vector<std::vector<double>> values;
    std::string kind;  //!< "linear", "log", "values", "zip" or "random"
    [[nodiscard]] std::size_t size() const { return values.empty() ? 0 : values.front().size(); }
};

//! [sweep] table. Grid mode: Cartesian product of the axes, row-major (the last axis fastest).
//! Random mode (`mode = "random"`): one axis of `samples` points on which every key varies,
//! drawn uniformly or log-uniformly from its range with a portable generator seeded by `seed`.
struct SweepSpec {
    std::vector<SweepAxis> axes;
    std::string mode = "grid";  //!< "grid" or "random"
    std::uint64_t seed = 0;
    [[nodiscard]] std::size_t num_points() const;
    //! Calls fn(key, value) for every key of every axis at flat point `index` (row-major over
    //! the axes, the last axis fastest): the one place that maps a flat index to axis values.
    template <class Fn>
    void for_each_value(std::uint64_t index, Fn&& fn) const {
        std::uint64_t stride = 1;
        for (std::size_t a = axes.size(); a-- > 0;) {
            const std::uint64_t n = axes[a].size();
            if (n == 0) continue;
            const std::uint64_t i = (index / stride) % n;
            for (std::size_t k = 0; k < axes[a].keys.size(); ++k)
                fn(axes[a].keys[k], axes[a].values[k][i]);
            stride *= n;
        }
    }
};

//! [output] table (docs/output.md): which per-point quantities a run stores, and reductions
//! along the last sweep axis. Without the table every quantity is stored (the default layout).
struct OutputSpec {
    bool given = false;          //!< the config has an [output] table
    bool results_given = false;  //!< `results` was set (else: every /results quantity)
    //! Names below /results ("eqe", "solver_method") or groups ending in "/*" ("fates/*"), or "*".
    std::vector<std::string> results;
    std::vector<std::pair<int, int>> results_at;  //!< (line, column) of each entry, for errors
    bool line_rates = true;                       //!< store /results/line_photon_rate
    std::string reduce = "none";  //!< "none" or "rolloff" (per row of a current sweep)
};

//! A resolved parameter, as `relsim check` prints it.
struct ResolvedParameter {
    std::string key;  //!< dotted key path
    double value = 0.0;
    std::string unit;  //!< e.g. "s^-1", "cm^-3", "1"
    model::Origin origin = model::Origin::config;
    std::string source;  //!< "file:line" or the ion file and its cited source
};

//! A file the config read, with its verbatim text (stored in result files for reruns).
struct SourceFile {
    std::string path;
    std::string text;
};

//! The parsed TOML document of a config (defined in detail/config_document.hpp: no toml++ type
//! in this header).
struct ConfigDocument;

//! A whole validated config.
struct RunConfig {
    std::string path;  //!< as given
    std::string text;  //!< verbatim file text
    //! `text`, parsed once by load_config: the modules above io read their tables from it
    //! (io::detail::document_of). Null in a RunConfig put together by hand.
    std::shared_ptr<const ConfigDocument> document;
    std::string title;
    model::ModelParams model;
    SpectrumSpec spectrum;
    OutputSpec output;  //!< [output] (output_config.cpp)
    std::optional<TransientSpec> transient;
    std::optional<SweepSpec> sweep;
    std::vector<ResolvedParameter> resolved;  //!< every numeric model parameter, in config order
    //! The top-level tables the config has ("device", "optics", "nanocrystal", ...), in file
    //! order. Each module above io reads its own (config_registry.hpp); io names none of them.
    std::vector<std::string> tables;
    //! Whether the config has top-level table `name` (e.g. "nanocrystal": the microscopic model).
    [[nodiscard]] bool has_table(std::string_view name) const {
        for (const std::string& t : tables) {
            if (t == name) return true;
        }
        return false;
    }
    std::vector<SourceFile> ion_files;  //!< every ion level-scheme file read, in dopant order
    //! Named wavelength windows for eqe_band/<name> ([bands], defaults visible and nir).
    std::vector<model::NamedBand> bands = model::default_named_bands();
    //! Plausibility warnings (not errors): values in range but far from any physical material.
    std::vector<std::string> warnings;
};

//! Loads and validates a config. Ion schemes named by `ion = "Tb"` are read from the first of:
//! the dopant's `ion_file` key (relative to the config), `$RELSIM_ION_PATH` (colon-separated),
//! `<config dir>/ions`, `<config dir>/../ions`, `<source tree>/configs/ions`.
//! Throws relsim::InputError (file, line, column, key, problem, allowed range) on any bad input.
[[nodiscard]] RunConfig load_config(const std::string& path);
//! As load_config, from text (for tests); `virtual_path` names the source in messages.
[[nodiscard]] RunConfig load_config_text(const std::string& text, const std::string& virtual_path);

//! Reads one ion level-scheme file (configs/ions/<Ion>.toml) with the same checks as
//! load_config (key paths in messages are relative to the file: "lines.1.rate_s").
//! `ground_energies_cm1`, when not null, receives (name, energy [cm^-1]) of every ground-multiplet
//! member that the file lists with an `energy_cm1` (the model itself needs only their names).
//! Throws relsim::InputError.
[[nodiscard]] model::LevelScheme load_ion_file(
    const std::string& path,
    std::vector<std::pair<std::string, double>>* ground_energies_cm1 = nullptr);

//! Checks one value of a numeric key (a sweep value) against the key's allowed range: io's own
//! keys, then the keys of the modules registered in config_registry.hpp that check their values.
//! Returns an empty string when allowed, otherwise the problem; `allowed` receives the range text.
[[nodiscard]] std::string check_parameter_value(const std::string& key_path, double value,
                                                std::string& allowed);

//! Unit of a numeric sweepable key path ("s^-1", "cm^-3", "1", ...), "" when unknown: the
//! model tables' own keys, then the keys of the modules registered with a unit lookup
//! (config_registry.hpp).
[[nodiscard]] std::string parameter_unit(const std::string& key_path);

}  // namespace relsim::io
