//! @file pipeline_evaluator.cpp
//! ModelEvaluator of a config with [optics] or [nanocrystal]: every data point is solved by the
//! device-point pipeline (include/relsim/pipeline) with the stages `relsim run` uses for that
//! config (uniform zone cut into the optics slices; the [optics] stack or the constant
//! outcoupling; the mean-field or the linear-engine microscopic emitter), so that the fit
//! fits the model `run` computes. One PointContext per data point: each point warm-starts
//! from its own previous solution (finite differences see the model, not solver noise). The
//! kmc engine is refused (its objective is stochastic), and so are decays of the microscopic
//! model (no pulse solve at the data's times) and optics.* keys (no fit of the stack).
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include <fmt/format.h>

#include "relsim/core/error.hpp"
#include "relsim/fit/model_evaluator.hpp"
#include "relsim/io/config.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/pipeline/bands.hpp"
#include "relsim/pipeline/nanocrystal_emitter.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/pipeline/stack_optics.hpp"

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

bool is_nc_key(const std::string& k) { return k.rfind("nanocrystal.", 0) == 0; }

//! Line of `key = ` inside table [table] of a config text (0 when not found): for messages.
int line_of(const std::string& text, const std::string& table, const std::string& key) {
    std::istringstream in(text);
    std::string line;
    int n = 0;
    bool inside = false;
    while (std::getline(in, line)) {
        ++n;
        const auto b = line.find_first_not_of(" \t");
        if (b == std::string::npos) continue;
        if (line[b] == '[') {
            inside = line.compare(b, table.size() + 2, "[" + table + "]") == 0;
            continue;
        }
        if (inside && line.compare(b, key.size(), key) == 0) return n;
    }
    return 0;
}

class PipelineEvaluator final : public ModelEvaluator {
public:
    PipelineEvaluator(const io::RunConfig& config, std::optional<optics::DeviceOptics> stack)
        : config_(std::make_shared<const io::RunConfig>(config)),
          params_(config.model),
          stack_(std::move(stack)) {
        if (config.has_table("nanocrystal")) {
            nc_ = std::make_shared<const nanocrystal::NanocrystalConfig>(
                nanocrystal::read_config(config));
            spec_ = nc_->spec;
            if (spec_.engine == nanocrystal::Engine::kmc) {
                throw InputError(config.path, line_of(config.text, "nanocrystal", "engine"), 0,
                                 "nanocrystal.engine",
                                 "[nanocrystal] engine = \"kmc\" cannot be fitted by relsim fit: "
                                 "its objective is "
                                 "stochastic (finite differences would see Monte Carlo noise)",
                                 "engine = \"linear\" in a config fitted by relsim fit");
            }
            if (spec_.excitation) {
                throw InputError(config.path,
                                 line_of(config.text, "nanocrystal.excitation", "target"), 0,
                                 "nanocrystal.excitation",
                                 "[nanocrystal.excitation] (a PL decay run) has no "
                                 "electroluminescence curve for "
                                 "relsim fit to fit",
                                 "a config without [nanocrystal.excitation]");
            }
        }
    }

    PipelineEvaluator(const PipelineEvaluator& o)
        : config_(o.config_),
          params_(o.params_),
          stack_(o.stack_),
          nc_(o.nc_),
          spec_(o.spec_),
          observer_(o.observer_),
          photometry_(o.photometry_) {
        for (const Slot& s : o.slots_) (void)bind_parameter(s.key);
    }

    std::unique_ptr<ModelEvaluator> clone() const override {
        return std::make_unique<PipelineEvaluator>(*this);
    }

    int bind_parameter(const std::string& key) override {
        for (std::size_t i = 0; i < slots_.size(); ++i) {
            if (slots_[i].key == key) return static_cast<int>(i);
        }
        Slot s;
        s.key = key;
        if (is_nc_key(key)) {
            if (!nc_ || !nanocrystal::get_parameter(spec_, nc_->species, key)) return -1;
            s.nanocrystal = true;
        } else {
            s.model = model::find_parameter(params_, key);
            if (!s.model) return -1;
        }
        slots_.push_back(s);
        return static_cast<int>(slots_.size() - 1);
    }

    double parameter_value(int index) const override {
        const Slot& s = slots_[static_cast<std::size_t>(index)];
        return s.model ? *s.model
                       : nanocrystal::get_parameter(spec_, nc_->species, s.key).value_or(0.0);
    }

    void set_parameter(int index, double value) override {
        const Slot& s = slots_[static_cast<std::size_t>(index)];
        if (parameter_value(index) == value) return;
        if (s.model) {
            *s.model = value;
        } else {
            nanocrystal::set_parameter(spec_, nc_->species, s.key, value);
            nanocrystal::derive(*nc_, spec_);
            problem_.reset();  // the emitter stage holds the spec
        }
        if (changes_bands(s.key)) photometry_.reset();
    }

    std::string check_value(const std::string& key, double value,
                            std::string& allowed) const override {
        if (const std::string why = unused(key); !why.empty()) {
            allowed = "a parameter the model of this config uses";
            return why;
        }
        return is_nc_key(key) ? nanocrystal::check_parameter_value(key, value, allowed)
                              : io::check_parameter_value(key, value, allowed);
    }

    std::string unit(const std::string& key) const override {
        return is_nc_key(key) ? nanocrystal::parameter_unit(key) : io::parameter_unit(key);
    }

    std::string supports(DataKind kind) const override {
        if (kind == DataKind::decay) {
            if (nc_) {
                return "relsim fit does not fit decays of the microscopic model ([nanocrystal] "
                       "with decay data): "
                       "fit eqe_vs_current, luminance_vs_current or spectrum data, or the "
                       "mean-field model";
            }
            return "its config has no [transient] table (the pulse of the decay)";
        }
        return "";
    }

    std::string check_x(DataKind kind, double x, std::string& allowed) const override {
        switch (kind) {
            case DataKind::eqe_vs_current:
            case DataKind::luminance_vs_current:
                return io::check_parameter_value("device.current_density_mA_cm2", x, allowed);
            case DataKind::decay: return supports(kind);
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
            if (!problem_) build();
            switch (kind) {
                case DataKind::eqe_vs_current:
                case DataKind::luminance_vs_current: {
                    auto& ctx = contexts(data_id, x.size());
                    for (std::size_t i = 0; i < x.size(); ++i) {
                        if (!solve_at(*ctx[i], x[i], why)) return false;
                        out[i] = kind == DataKind::eqe_vs_current
                                     ? result_.eqe
                                     : photometry()
                                           .evaluate(result_.band_photon_flux_air.data())
                                           .luminance_cd_m2;
                        if (!std::isfinite(out[i])) {
                            why = fmt::format("non-finite model value at x = {}", x[i]);
                            return false;
                        }
                    }
                    return true;
                }
                case DataKind::spectrum: {
                    auto& ctx = contexts(data_id, 1);
                    if (!solve_at(*ctx[0], params_.device.current_density_mA_cm2, why))
                        return false;
                    model::band_spectrum(photometry().bands(), result_.band_photon_flux_air.data(),
                                         x, out.data());
                    return true;
                }
                case DataKind::decay: why = supports(kind); return false;
            }
        } catch (const std::exception& e) {
            why = std::string("the model could not be solved: ") + e.what();
            return false;
        }
        return false;
    }

    std::string config_text_with(const std::vector<std::pair<std::string, double>>& values,
                                 const std::string& header) const override {
        return write_values_into_config(config_->text, config_->path, values, header);
    }

private:
    //! Why `key` is a number of the config that this model does not use ("" when it uses it):
    //! fitting it would fit nothing (a flat direction), so the fit refuses it.
    std::string unused(const std::string& key) const {
        if (stack_ && key == "device.outcoupling") {
            return "[optics] replaces device.outcoupling (each band's eta_air per emitter slice): "
                   "relsim run ignores "
                   "it for this config, so relsim fit cannot fit it";
        }
        if (!nc_) return "";
        // Mean-field numbers the microscopic model does not use (nanocrystal/engine.hpp,
        // shared/spec/microscopic-model.md section 6): the lattice and the Dexter law replace them.
        static const std::vector<std::string> dopant = {"density_cm3", "kTET_s", "kSET_s", "kBT_s",
                                                        "kETU_s"};
        static const std::vector<std::string> ligand = {"ligand.density_cm3", "ligand.kTT_cm3_s",
                                                        "ligand.kSS_cm3_s", "ligand.kST_cm3_s",
                                                        "ligand.tta_singlet_yield"};
        bool is_unused = key.rfind("transfer.", 0) == 0 ||
                         std::find(ligand.begin(), ligand.end(), key) != ligand.end();
        if (key.rfind("dopant.", 0) == 0) {
            const std::size_t dot = key.find('.', 7);
            is_unused = dot != std::string::npos && std::find(dopant.begin(), dopant.end(),
                                                              key.substr(dot + 1)) != dopant.end();
        }
        return is_unused ? "[nanocrystal] does not use " + key +
                               " (the microscopic model replaces it by the lattice, "
                               "[nanocrystal.ligand] kTET0_s / "
                               "kSET0_s and [[nanocrystal.transfer]]): relsim run ignores it for "
                               "this config"
                         : "";
    }

    struct Slot {
        std::string key;
        double* model = nullptr;  //!< into params_; null for a nanocrystal key (in spec_)
        bool nanocrystal = false;
    };

    //! The stages `relsim run` uses for this config.
    void build() {
        pipeline::DeviceProblemBuilder b(params_);
        b.set_profile(pipeline::make_uniform_profile(stack_ ? stack_->spec().emitter_slices : 1));
        b.set_optics(stack_ ? pipeline::make_stack_optics(*stack_)
                            : pipeline::make_constant_outcoupling());
        if (nc_) {
            b.set_emitter(
                pipeline::make_nanocrystal_emitter(params_, spec_, nanocrystal::EnsembleOptions{}));
        } else {
            b.set_emitter(pipeline::make_mean_field_emitter(params_));
        }
        problem_ = b.build();
        contexts_.clear();
    }

    std::vector<std::unique_ptr<pipeline::PointContext>>& contexts(std::size_t data_id,
                                                                   std::size_t n) {
        auto& v = contexts_[data_id];
        while (v.size() < n) v.push_back(std::make_unique<pipeline::PointContext>(problem_));
        return v;
    }

    //! The point at current density J [mA cm^-2] into result_ (as a sweep point of `run`: the
    //! config's parameters with device.current_density_mA_cm2 = J).
    bool solve_at(pipeline::PointContext& ctx, double J_mA_cm2, std::string& why) {
        point_ = params_;
        point_.device.current_density_mA_cm2 = J_mA_cm2;
        ctx.solve({pipeline::DriveKind::current, J_mA_cm2, 0.0}, point_, result_);
        if (!result_.converged) {
            why = fmt::format("steady state not found at J = {} mA cm^-2", J_mA_cm2);
            return false;
        }
        return true;
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

    std::shared_ptr<const io::RunConfig> config_;
    model::ModelParams params_;
    std::optional<optics::DeviceOptics> stack_;
    std::shared_ptr<const nanocrystal::NanocrystalConfig> nc_;
    nanocrystal::NanocrystalSpec spec_;
    std::vector<Slot> slots_;
    std::shared_ptr<const pipeline::DeviceProblem> problem_;
    std::map<std::size_t, std::vector<std::unique_ptr<pipeline::PointContext>>> contexts_;
    model::ModelParams point_;
    pipeline::PointResult result_;
    std::shared_ptr<const model::CieObserver> observer_;
    std::shared_ptr<const model::Photometry> photometry_;
};

}  // namespace

//! [transport] is not a fit model yet (its voltage drive, solved current and slices are not a
//! data kind of relsim fit): refused, not silently fitted with the typed-in zone and balance.
static void refuse_transport(const io::RunConfig& config) {
    if (!config.has_table("transport")) return;
    int line = 0, n = 0;
    std::istringstream in(config.text);
    for (std::string l; std::getline(in, l);) {
        ++n;
        const auto b = l.find_first_not_of(" \t");
        if (b != std::string::npos && l.compare(b, 11, "[transport]") == 0) {
            line = n;
            break;
        }
    }
    throw InputError(
        config.path, line, 0, "transport",
        "[transport] cannot be fitted by relsim fit yet: the fit's model is driven by a current "
        "through a typed-in recombination zone and charge balance, which [transport] computes",
        "a config without [transport] (relsim run solves [transport] configs)");
}

std::unique_ptr<ModelEvaluator> make_pipeline_evaluator(const io::RunConfig& config) {
    refuse_transport(config);
    return std::make_unique<PipelineEvaluator>(config, pipeline::read_stack(config));
}

std::unique_ptr<ModelEvaluator> make_model_evaluator(const io::RunConfig& config) {
    refuse_transport(config);
    std::optional<optics::DeviceOptics> stack = pipeline::read_stack(config);
    if (stack || config.has_table("nanocrystal"))
        return std::make_unique<PipelineEvaluator>(config, std::move(stack));
    return make_mean_field_evaluator(config);
}

}  // namespace relsim::fit
