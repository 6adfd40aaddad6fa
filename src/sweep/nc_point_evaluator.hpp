//! @file nc_point_evaluator.hpp (private to the sweep module)
//! The microscopic model behind the one sweep driver: when a config has [nanocrystal], every
//! point is solved by the nanocrystal engines (shared/spec/microscopic-model.md) instead of the
//! mean-field rate equations, and written into the same result file layout (/results under the
//! mean-field names with `<name>_stderr`, plus /microscopic/*). With [optics], an EL point is
//! solved through the device-point pipeline (include/relsim/pipeline): one ensemble per emitter
//! slice with its Purcell-scaled line rates, EQE and spectrum from each band's eta_air
//! (nc_point_evaluator_optics.cpp), /results/outcoupling and /optics/* as for the mean-field model.
//!
//! Points run one at a time: the ensemble inside a point is already parallel over NCs
//! (the engine's OpenMP, `--threads`), and a point costs seconds, not microseconds.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/io/result_file.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/nanocrystal/engine.hpp"
#include "relsim/optics/device_optics.hpp"

namespace relsim::sweep {

//! Names of the effective mean-field parameters of one point (see nc_effective.cpp), in the
//! order they are stored under /microscopic/effective/, with the mean-field key each one sets.
struct EffectiveKey {
    std::string name;  //!< dataset name below /microscopic/effective/
    std::string key;   //!< mean-field config key path ("dopant.0.kTET_s")
    std::string unit;
    std::string from = {}, to = {};  //!< transfers only: "<Ion>:<level>" of donor and acceptor
};

//! The effective mean-field parameters that reproduce one point's ensemble (nc_effective.cpp).
[[nodiscard]] std::vector<EffectiveKey> effective_keys(const io::RunConfig& config,
                                                       const nanocrystal::NanocrystalConfig& nc);
//! Values of effective_keys() for one EL steady state.
[[nodiscard]] std::vector<double> effective_values(const io::RunConfig& config,
                                                   const nanocrystal::NanocrystalConfig& nc,
                                                   const nanocrystal::NanocrystalSpec& spec,
                                                   const model::ModelParams& params,
                                                   const nanocrystal::SteadyStateResult& r);
//! The mean-field config (TOML text) that `relsim run` runs as is: the config's [device],
//! [ligand], [[dopant]] (schemes inline) and [spectrum], with the effective parameters set; for
//! a sweep, one zipped axis over every point (row-major) that sets them and every swept
//! mean-field key. `values[k][p]` is effective key k at flat point p.
[[nodiscard]] std::string meanfield_config_text(const io::RunConfig& config,
                                                const std::vector<EffectiveKey>& keys,
                                                const std::vector<std::vector<double>>& values);

class NcPointEvaluator {
public:
    //! Reads the [nanocrystal] table (throws InputError) and builds the layout.
    NcPointEvaluator(const io::RunConfig& config,
                     std::shared_ptr<const model::CieObserver> observer, bool save_spectrum,
                     int threads);

    [[nodiscard]] const io::ResultLayout& layout() const { return layout_; }
    [[nodiscard]] const nanocrystal::NanocrystalConfig& nanocrystal() const { return nc_; }

    //! Solves flat point `index` into slot `slot` of `block`. Never throws; failures become a
    //! status (5: error, 2: non-finite), and every result of a failed point is 0.
    void evaluate(std::uint64_t index, io::ResultBlock& block, std::uint64_t slot,
                  std::string& failure_kind);

    //! Root attributes of a microscopic run (at creation).
    void describe(io::ResultFile& file) const;
    //! After the last point: /microscopic/meanfield_config from the stored effective parameters.
    void finish(io::ResultFile& file) const;

private:
    void set_point(std::uint64_t index);
    //! What [optics] changes in an EL point: band fluxes into air (and their errors), the
    //! effective outcoupling, slice means of each line's Purcell factor and eta_air.
    struct PointOptics {
        std::vector<double> flux_cm2_s, flux_err_cm2_s;
        double outcoupling = 0.0;
        std::vector<double> line_purcell, line_eta_air;
    };
    void fill_steady(const nanocrystal::SteadyStateResult& r, io::ResultBlock& block,
                     std::uint64_t slot, const PointOptics* optics = nullptr);
    //! [optics]: the point's ensembles per slice through the pipeline, combined into `r`.
    nanocrystal::SteadyStateResult solve_with_optics(PointOptics& optics);
    void fill_pulse(io::ResultBlock& block, std::uint64_t slot);
    void fill_decay(const nanocrystal::DecayResult& r, io::ResultBlock& block, std::uint64_t slot);
    void put(io::ResultBlock& block, std::uint64_t slot, const std::string& name, double v);
    double* series(io::ResultBlock& block, std::uint64_t slot, const std::string& path);

    const io::RunConfig& config_;
    nanocrystal::NanocrystalConfig nc_;
    bool decay_ = false;
    io::ResultLayout layout_;
    std::vector<EffectiveKey> effective_;
    std::vector<std::uint64_t> strides_;
    std::shared_ptr<const model::CieObserver> observer_;
    model::ModelParams params_;          //!< this point's mean-field parameters
    nanocrystal::NanocrystalSpec spec_;  //!< this point's nanocrystal
    nanocrystal::EnsembleOptions options_;
    std::vector<double> radial_r_nm_;
    std::vector<std::string> level_names_;       //!< "<Ion>_<level>" per (species, level), flat
    std::optional<optics::DeviceOptics> stack_;  //!< [optics], parsed once; nullopt without
};

}  // namespace relsim::sweep
