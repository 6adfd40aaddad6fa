//! @file point_evaluator.hpp (private to the sweep module)
//! Solves one sweep point and fills its slot of a result block. One evaluator per thread: it
//! owns a copy of the model parameters, the solver's scratch space and the previous solution
//! used as a warm start.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/io/result_file.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/model/radiometry.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/pipeline/stack_optics.hpp"
#include "relsim/solver/steady_state.hpp"
#include "relsim/solver/transient.hpp"

namespace relsim::sweep {

//! Status code written for a point whose evaluation threw (beyond the SolveStatus codes).
inline constexpr std::int32_t status_error = 5;
//! Status of a point whose exciton fates do not sum to 1 within kFateSumTolerance.
inline constexpr std::int32_t status_fate_budget = 6;
inline constexpr double kFateSumTolerance = 1.0e-9;
//! Transient status bit: a non-finite value in the pulse response (which is then zeroed).
inline constexpr std::int32_t transient_non_finite = 16;

//! Builds the output layout of a config (names, units, shapes).
[[nodiscard]] io::ResultLayout make_layout(const io::RunConfig& config,
                                           const model::RateModel& base_model, bool save_spectrum);

//! A name as an HDF5 dataset name: '/' (in level names such as 4F3/2) becomes '_'.
[[nodiscard]] std::string hdf5_name(std::string name);

//! The pulse of a [transient] table, in the solver's units.
[[nodiscard]] solver::PulseSpec pulse_of(const io::TransientSpec& transient);

//! Band list in output order: ligand singlet, ligand triplet, then every Ln line.
[[nodiscard]] std::vector<model::BandShape> band_shapes(const model::ModelParams& params);

//! Outcoupled photon flux per band (order of band_shapes) [cm^-2 s^-1] of observables `obs`:
//! outcoupling x w x photon rate per volume.
void band_photon_flux(const model::ModelParams& params, const model::Observables& obs,
                      std::vector<double>& flux_cm2_s);

//! The CIE 1931 table: $RELSIM_DATA_DIR/cie1931_2deg_1nm.csv, else the source tree's data/.
[[nodiscard]] std::string cie_table_path();

//! Radiometric scalars of /results, in output order, with units (model/radiometry.hpp);
//! shared by the mean-field and microscopic evaluators.
[[nodiscard]] const std::vector<std::pair<std::string, std::string>>& radiometric_scalars();

class PointEvaluator {
public:
    PointEvaluator(const io::RunConfig& config, const io::ResultLayout& layout,
                   std::shared_ptr<const model::CieObserver> observer,
                   std::shared_ptr<const model::Photometry> base_photometry);
    PointEvaluator(PointEvaluator&&) noexcept;
    ~PointEvaluator();

    //! Solves flat point `index` into slot `slot` of `block`. `warm`: start from the previous
    //! point this evaluator solved. Never throws; failures become a status.
    void evaluate(std::uint64_t index, bool warm, io::ResultBlock& block, std::uint64_t slot,
                  std::string& failure_kind);

private:
    void set_point(std::uint64_t index);
    //! Zeros every dataset of a failed point.
    void zero_slot(io::ResultBlock& block, std::uint64_t slot) const;
    void fill(const model::RateModel& model, const model::Drive& drive, io::ResultBlock& block,
              std::uint64_t slot);
    //! Photometry and every result of the point from obs_, y_ and band_flux_.
    void publish(const model::ModelParams& p, const model::Drive& drive, io::ResultBlock& block,
                 std::uint64_t slot, double outcoupling);
    //! Which of photometry, radiometry and its peak search the stored quantities need.
    void find_needs(const std::int32_t* stored);
    //! The per-point arrays: line rates and the spectrum.
    void publish_arrays(io::ResultBlock& block, std::uint64_t slot);
    //! [optics]: the point solved by the device-point pipeline, published.
    void evaluate_pipeline(bool warm, io::ResultBlock& block, std::uint64_t slot,
                           std::string& failure_kind);

    const io::RunConfig& config_;
    const io::ResultLayout& layout_;
    model::ModelParams params_;
    std::vector<std::vector<double*>> axis_slots_;  //!< [axis][key] -> parameter in params_
    std::vector<std::uint64_t> strides_;
    bool bands_vary_ = false;
    std::shared_ptr<const model::CieObserver> observer_;
    std::shared_ptr<const model::Photometry> photometry_;
    std::optional<model::RadiometryWeights> radiometry_;
    model::Radiometry rad_;  //!< reused at every point (no allocation per point)
    bool needs_known_ = false, needs_colour_ = true, needs_radiometry_ = true, needs_peak_ = true;
    //! Spectra with fixed line shapes: every band's mass per grid bin, computed once.
    std::optional<model::SpectrumBasis> spectrum_basis_;
    solver::SteadyStateSolver solver_;
    //! Built at the first point, then refreshed in place: sweep points share one structure.
    std::optional<model::RateModel> model_;
    //! A parameter other than device.current_density_mA_cm2 changed since model_ was last
    //! refreshed (set_point): otherwise only the drive is recomputed (set_current_density).
    bool params_dirty_ = true;
    std::vector<double> y_, prev_y_, band_flux_;
    bool have_prev_ = false;
    std::vector<std::uint64_t> fail_points_;  //!< fault injection for tests
    model::Observables obs_;
    // [optics]: the device-point pipeline (the uniform zone cut into optics.emitter_slices
    // slices, the stack stage, the mean-field emitter); empty without an [optics] table. The
    // stage is this evaluator's own: swept optics.* keys change its stack between points.
    std::shared_ptr<pipeline::StackOptics> stack_;
    std::optional<pipeline::PointContext> context_;
    pipeline::PointResult point_;
};

}  // namespace relsim::sweep
