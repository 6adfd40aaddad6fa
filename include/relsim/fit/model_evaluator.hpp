//! @file model_evaluator.hpp
//! What the fitter needs from a model, and nothing more: named numeric parameters it can set,
//! and the model's curve for a data set at the data's x values. The mean-field rate model is
//! the implementation today; the microscopic (nanocrystal) model plugs in through the same
//! interface (a key such as "nanocrystal.radius_nm" is then just another parameter name), with
//! no change to the fitter, the outputs or the CLI.
//!
//! An evaluator is used by one thread at a time. It may keep state between calls (warm starts
//! of steady-state solves along a curve), but its results for a given parameter vector must be
//! a smooth function of the parameters up to the solver's tolerance, so that finite-difference
//! derivatives are not noise.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "relsim/fit/fit_config.hpp"

namespace relsim::fit {

class ModelEvaluator {
public:
    virtual ~ModelEvaluator() = default;
    //! An independent copy (for another thread / another start) with the same parameters.
    [[nodiscard]] virtual std::unique_ptr<ModelEvaluator> clone() const = 0;

    //! Index of parameter `key` for set_parameter(), or -1 when the model has no such key.
    [[nodiscard]] virtual int bind_parameter(const std::string& key) = 0;
    //! Current value of a bound parameter.
    [[nodiscard]] virtual double parameter_value(int index) const = 0;
    virtual void set_parameter(int index, double value) = 0;
    //! Empty when `value` is allowed for `key`; else the problem, with the range in `allowed`.
    [[nodiscard]] virtual std::string check_value(const std::string& key, double value,
                                                  std::string& allowed) const = 0;
    //! Unit of a key ("" when unknown).
    [[nodiscard]] virtual std::string unit(const std::string& key) const = 0;
    //! Empty when data of `kind` can be computed by this model at x; else the problem.
    //! `allowed` receives the allowed x range.
    [[nodiscard]] virtual std::string check_x(DataKind kind, double x,
                                              std::string& allowed) const = 0;
    //! Empty when the model can produce data of `kind` at all; else why not.
    [[nodiscard]] virtual std::string supports(DataKind kind) const = 0;

    //! The model's raw curve for data set `data_id` (a stable id for warm-start caches) at
    //! `x`: EQE (fraction), luminance [cd m^-2], photon rate [cm^-3 s^-1] of the pulse at the
    //! times, or the spectral exitance [W m^-2 nm^-1] at the wavelengths. Returns false (and
    //! why) when the model cannot be solved at the current parameters.
    virtual bool evaluate(DataKind kind, std::size_t data_id, const std::vector<double>& x,
                          std::vector<double>& out, std::string& why) = 0;

    //! The model's config text with `values` (key, value) written in, runnable by `relsim run`.
    [[nodiscard]] virtual std::string config_text_with(
        const std::vector<std::pair<std::string, double>>& values,
        const std::string& header_comment) const = 0;
};

//! The evaluator of a mean-field config (RateModel, steady-state and pulse solvers).
[[nodiscard]] std::unique_ptr<ModelEvaluator> make_mean_field_evaluator(
    const io::RunConfig& config);

//! The evaluator of a config with [optics] or [nanocrystal]: the device-point pipeline with
//! the stages `relsim run` uses (src/fit/pipeline_evaluator.cpp). Throws relsim::InputError
//! for what it cannot fit: [nanocrystal] engine = "kmc", [nanocrystal.excitation].
[[nodiscard]] std::unique_ptr<ModelEvaluator> make_pipeline_evaluator(const io::RunConfig& config);

//! The one place that picks the evaluator of a [[model]]'s config (the fit reader and the
//! fitter both ask here): the pipeline evaluator for a config with [optics] or [nanocrystal],
//! the mean-field evaluator otherwise.
[[nodiscard]] std::unique_ptr<ModelEvaluator> make_model_evaluator(const io::RunConfig& config);

}  // namespace relsim::fit
