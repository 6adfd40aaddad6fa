//! @file mean_field_evaluator.cpp
//! ModelEvaluator of a mean-field config: RateModel + steady-state solver (warm-started from
//! the same point's previous solution, so that a parameter change of 1e-5 moves Newton by a
//! step it converges in 1-2 iterations to ~1e-16 relative: finite differences see the model,
//! not solver noise) + pulse solver at the data's times with tight tolerances.
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <optional>

#include <fmt/format.h>

#include "relsim/fit/model_evaluator.hpp"
#include "relsim/io/config.hpp"
#include "relsim/model/observables.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/pipeline/bands.hpp"
#include "relsim/solver/steady_state.hpp"
#include "relsim/solver/transient.hpp"

namespace relsim::fit {

std::string write_values_into_config(const std::string& text, const std::string& file,
                                     const std::vector<std::pair<std::string, double>>& values,
                                     const std::string& header_comment);

namespace {

bool changes_bands(const std::string& key) {
    for (const char* s : {"wavelength_nm", "fwhm_nm", "band_nm"}) {
        if (key.find(s) != std::string::npos) return true;
    }
    return false;
}

//! Pulse tolerances for fits: those of `relsim run` (rtol 1e-8). The step-size sequence depends
//! continuously on the parameters (dense output: steps are not cut at output times), so the
//! FD derivatives stay smooth; measured on configs/fit/tb_fit.toml: fitted values and errors
//! agree to 1e-7 with rtol 1e-10 (3x slower).
solver::TransientOptions fit_transient_options() {
    solver::TransientOptions o;
    o.relative_tolerance = 1.0e-8;
    o.scaled_absolute_tolerance = 1.0e-12;
    o.characteristic_times = false;
    return o;
}

class MeanFieldEvaluator final : public ModelEvaluator {
public:
    explicit MeanFieldEvaluator(const io::RunConfig& config)
        : config_(std::make_shared<const io::RunConfig>(config)), params_(config.model) {}

    MeanFieldEvaluator(const MeanFieldEvaluator& o)
        : config_(o.config_),
          params_(o.params_),
          observer_(o.observer_),
          photometry_(o.photometry_) {
        for (const std::string& k : o.keys_) (void)bind_parameter(k);
    }

    std::unique_ptr<ModelEvaluator> clone() const override {
        return std::make_unique<MeanFieldEvaluator>(*this);
    }

    int bind_parameter(const std::string& key) override {
        for (std::size_t i = 0; i < keys_.size(); ++i) {
            if (keys_[i] == key) return static_cast<int>(i);
        }
        double* slot = model::find_parameter(params_, key);
        if (!slot) return -1;
        keys_.push_back(key);
        slots_.push_back(slot);
        return static_cast<int>(keys_.size() - 1);
    }

    double parameter_value(int index) const override {
        return *slots_[static_cast<std::size_t>(index)];
    }

    void set_parameter(int index, double value) override {
        double& v = *slots_[static_cast<std::size_t>(index)];
        if (v == value) return;
        v = value;
        model_dirty_ = true;
        if (changes_bands(keys_[static_cast<std::size_t>(index)])) photometry_.reset();
    }

    std::string check_value(const std::string& key, double value,
                            std::string& allowed) const override {
        return io::check_parameter_value(key, value, allowed);
    }

    std::string unit(const std::string& key) const override { return io::parameter_unit(key); }

    std::string supports(DataKind kind) const override {
        if (kind == DataKind::decay && !config_->transient) {
            return "its config has no [transient] table (the pulse of the decay)";
        }
        return "";
    }

    std::string check_x(DataKind kind, double x, std::string& allowed) const override {
        switch (kind) {
            case DataKind::eqe_vs_current:
            case DataKind::luminance_vs_current:
                return io::check_parameter_value("device.current_density_mA_cm2", x, allowed);
            case DataKind::decay: {
                const double end = config_->transient->pulse_on_s + config_->transient->off_s;
                allowed = fmt::format("[0, {}] s (the [transient] pulse_on_s + off_s)", end);
                return x >= 0.0 && x <= end ? "" : "the time is outside the simulated pulse";
            }
            case DataKind::spectrum: {
                const io::SpectrumSpec& s = config_->spectrum;
                allowed =
                    fmt::format("[{}, {}] nm (the config's [spectrum] range)", s.from_nm, s.to_nm);
                return x >= s.from_nm && x <= s.to_nm
                           ? ""
                           : "the wavelength is outside the spectrum range";
            }
        }
        return "unknown kind";
    }

    bool evaluate(DataKind kind, std::size_t data_id, const std::vector<double>& x,
                  std::vector<double>& out, std::string& why) override {
        out.assign(x.size(), 0.0);
        try {
            prepare_model();
        } catch (const std::exception& e) {
            why = std::string("model could not be built: ") + e.what();
            return false;
        }
        switch (kind) {
            case DataKind::eqe_vs_current:
            case DataKind::luminance_vs_current: return steady_curve(kind, data_id, x, out, why);
            case DataKind::decay: return decay(x, out, why);
            case DataKind::spectrum: return spectrum(data_id, x, out, why);
        }
        return false;
    }

    std::string config_text_with(const std::vector<std::pair<std::string, double>>& values,
                                 const std::string& header) const override {
        return write_values_into_config(config_->text, config_->path, values, header);
    }

private:
    void prepare_model() {
        if (!model_) {
            model_.emplace(params_);
            model_dirty_ = false;
        } else if (model_dirty_) {
            model_->refresh(params_);
            model_dirty_ = false;
        }
    }

    const model::Photometry& photometry() {
        if (!observer_) {
            observer_ = std::make_shared<const model::CieObserver>(
                model::load_cie_observer(pipeline::cie_table_path()));
        }
        if (!photometry_) {
            photometry_ = std::make_shared<const model::Photometry>(*observer_,
                                                                    pipeline::band_shapes(params_));
        }
        return *photometry_;
    }

    //! Steady state at J [mA cm^-2] into y, warm-started from `guess` (may be empty).
    bool solve_at(double J_mA_cm2, const std::vector<double>& guess, std::vector<double>& y,
                  std::string& why) {
        const model::RateModel& m = *model_;
        const model::Drive drive = m.drive_at(J_mA_cm2 * 1e-3);
        y.resize(m.num_states());
        const bool warm = guess.size() == y.size();
        solver::SteadyStateReport rep =
            solver_.solve(m, drive, warm ? guess.data() : nullptr, y.data());
        if (rep.status != solver::SolveStatus::converged && warm) {
            rep = solver_.solve(m, drive, nullptr, y.data());
        }
        if (rep.status != solver::SolveStatus::converged) {
            why = fmt::format("steady state not found at J = {} mA cm^-2 ({})", J_mA_cm2,
                              solver::to_string(rep.status));
            return false;
        }
        return true;
    }

    bool steady_curve(DataKind kind, std::size_t data_id, const std::vector<double>& x,
                      std::vector<double>& out, std::string& why) {
        Cache& c = caches_[data_id];
        if (c.order.size() != x.size()) {
            c.order.resize(x.size());
            std::iota(c.order.begin(), c.order.end(), std::size_t{0});
            std::stable_sort(c.order.begin(), c.order.end(),
                             [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
            c.solutions.assign(x.size(), {});
        }
        const model::RateModel& m = *model_;
        const std::vector<double> none;
        for (std::size_t k = 0; k < x.size(); ++k) {
            const std::size_t i = c.order[k];
            const std::vector<double>& guess = !c.solutions[i].empty()
                                                   ? c.solutions[i]
                                                   : (k > 0 ? c.solutions[c.order[k - 1]] : none);
            if (!solve_at(x[i], guess, y_, why)) {
                c.solutions[i].clear();
                return false;
            }
            c.solutions[i] = y_;
            const model::Drive drive = m.drive_at(x[i] * 1e-3);
            model::evaluate_observables(m, drive, y_.data(), obs_);
            if (kind == DataKind::eqe_vs_current) {
                out[i] = obs_.eqe;
            } else {
                pipeline::band_photon_flux(params_, obs_, flux_);
                out[i] = photometry().evaluate(flux_.data()).luminance_cd_m2;
            }
            if (!std::isfinite(out[i])) {
                why = fmt::format("non-finite model value at x = {}", x[i]);
                return false;
            }
        }
        return true;
    }

    bool decay(const std::vector<double>& x, std::vector<double>& out, std::string& why) {
        solver::PulseSpec pulse = pipeline::pulse_of(*config_->transient);
        std::vector<std::size_t> order(x.size());
        std::iota(order.begin(), order.end(), std::size_t{0});
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
        pulse.output_times_s.resize(x.size());
        for (std::size_t k = 0; k < x.size(); ++k) pulse.output_times_s[k] = x[order[k]];
        const solver::TransientResult tr =
            solver::run_pulse(*model_, pulse, fit_transient_options());
        if (tr.status & solver::transient_failed) {
            why = "the pulse integration failed (non-finite state)";
            return false;
        }
        for (std::size_t k = 0; k < x.size(); ++k) out[order[k]] = tr.photon_rate_cm3_s[k];
        return true;
    }

    bool spectrum(std::size_t data_id, const std::vector<double>& x, std::vector<double>& out,
                  std::string& why) {
        Cache& c = caches_[data_id];
        if (c.solutions.size() != 1) c.solutions.assign(1, {});
        const double J = params_.device.current_density_mA_cm2;
        if (!solve_at(J, c.solutions[0], y_, why)) {
            c.solutions[0].clear();
            return false;
        }
        c.solutions[0] = y_;
        model::evaluate_observables(*model_, model_->drive_at(J * 1e-3), y_.data(), obs_);
        pipeline::band_photon_flux(params_, obs_, flux_);
        try {
            model::band_spectrum(photometry().bands(), flux_.data(), x, out.data());
        } catch (const std::exception& e) {
            why = e.what();
            return false;
        }
        return true;
    }

    struct Cache {
        std::vector<std::size_t> order;
        std::vector<std::vector<double>> solutions;  //!< per point; empty: none yet
    };

    std::shared_ptr<const io::RunConfig> config_;
    model::ModelParams params_;
    std::vector<std::string> keys_;
    std::vector<double*> slots_;
    std::optional<model::RateModel> model_;
    bool model_dirty_ = true;
    solver::SteadyStateSolver solver_;
    std::shared_ptr<const model::CieObserver> observer_;
    std::shared_ptr<const model::Photometry> photometry_;
    std::map<std::size_t, Cache> caches_;
    std::vector<double> y_, flux_;
    model::Observables obs_;
};

}  // namespace

std::unique_ptr<ModelEvaluator> make_mean_field_evaluator(const io::RunConfig& config) {
    return std::make_unique<MeanFieldEvaluator>(config);
}

}  // namespace relsim::fit
