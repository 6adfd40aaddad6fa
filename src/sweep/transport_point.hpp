//! @file transport_point.hpp (private to the sweep module)
//! The [transport] drift-diffusion stack behind the one sweep driver
//! (../shared/spec/transport.md sections 2-4): every point is solved by the device pipeline with
//! the transport profile stage (src/transport) -> constant outcoupling or the [optics] stack at
//! the slices' positions -> emitter per slice (the mean-field model, or with [nanocrystal] the
//! linear engine's NC ensemble driven by the slice's G_k and n_p,k), and written into the usual
//! result layout plus the transport outputs.
//!
//! One evaluator per thread. A work unit (a run of the last axis) is solved in order by one
//! thread: its first point from the 0 V equilibrium, each later point by voltage continuation
//! from its predecessor; units depend only on the config, so every thread count writes the
//! same bits.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/io/result_file.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/model/radiometry.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/pipeline/stack_optics.hpp"
#include "relsim/transport/transport_config.hpp"
#include "relsim/transport/transport_stage.hpp"

namespace relsim::sweep {

//! Result names of the transport outputs (spec section 4), in output order, with units.
[[nodiscard]] const std::vector<std::pair<std::string, std::string>>& transport_scalars();

class TransportPointEvaluator {
public:
    //! `tc` from transport::read_transport_config (already checked).
    TransportPointEvaluator(const io::RunConfig& config, const transport::TransportConfig& tc,
                            const io::ResultLayout& layout,
                            std::shared_ptr<const model::CieObserver> observer,
                            std::shared_ptr<const model::Photometry> photometry);

    //! The mean-field layout (populations: EML means; transfer_efficiency: per exciton), plus
    //! the transport fates and scalars, /transport/* profiles, and with [optics] the
    //! outcoupling, per-line slice-mean factors and /optics/* at the config's slices. With
    //! [nanocrystal] (linear engine; the table is read and checked here), the fates are the
    //! microscopic model's and eqe, iqe carry their ensemble standard errors (`<name>_stderr`).
    [[nodiscard]] static io::ResultLayout make_layout(const io::RunConfig& config,
                                                      const transport::TransportConfig& tc,
                                                      const model::RateModel& base_model,
                                                      bool save_spectrum);

    //! Root attributes of a [transport] + [nanocrystal] file (model, engine); nothing otherwise.
    static void describe(const io::RunConfig& config, io::ResultFile& file);

    //! Solves flat point `index` into slot `slot`. `warm`: continue from the previous point of
    //! this evaluator. Never throws; failures become a status with zeros.
    void evaluate(std::uint64_t index, bool warm, io::ResultBlock& block, std::uint64_t slot,
                  std::string& failure_kind);

    //! The figures of one voltage at the config's values (summary root finding): continuation
    //! from the previous call (`warm`), else from 0 V. Throws on a failed solve.
    struct Figures {
        double voltage_V = 0.0, luminance_cd_m2 = 0.0, eqe = 0.0, power_efficacy_lm_W = 0.0;
        bool resolved = true;
    };
    Figures solve_voltage(double voltage_V, bool warm);

private:
    struct Point;
    void set_point(std::uint64_t index);
    void build_problem();  //!< the pipeline of the current stack, optics and emitter spec
    void solve(bool warm, Point& out);
    void publish(const Point& pt, io::ResultBlock& block, std::uint64_t slot);

    const io::RunConfig& config_;
    transport::TransportConfig tc_;
    const io::ResultLayout* layout_ = nullptr;
    std::shared_ptr<const model::CieObserver> observer_;
    std::shared_ptr<const model::Photometry> photometry_;
    bool bands_vary_ = false;
    std::optional<model::RadiometryWeights> radiometry_;
    model::ModelParams params_;
    transport::StackSpec spec_;
    double voltage_V_ = 0.0;
    std::vector<std::vector<double*>> axis_slots_;
    std::vector<std::uint64_t> strides_;
    std::shared_ptr<transport::TransportProfile> stage_;
    std::shared_ptr<pipeline::PositionedStackOptics> optics_;  //!< [optics]: the slices' factors
    std::shared_ptr<const pipeline::DeviceProblem> problem_;
    std::optional<pipeline::PointContext> ctx_;
    pipeline::PointResult result_;
    //! [nanocrystal] (linear engine): the table, this point's NC spec, its swept keys.
    std::optional<nanocrystal::NanocrystalConfig> nc_;
    nanocrystal::NanocrystalSpec nc_spec_;
    std::vector<std::pair<std::size_t, std::size_t>> nc_keys_;  //!< (axis, key) of nanocrystal.*
    std::vector<std::size_t> line_species_;
    std::vector<std::string> state_names_;
};

//! The [optics] stack of a [transport] config (nullopt without [optics]): read by the optics
//! reader (its own checks; the zone is the transport emissive layer, checked against the stack
//! by transport::read_transport_config).
[[nodiscard]] std::optional<optics::DeviceOptics> transport_stack_optics(
    const io::RunConfig& config, const transport::TransportConfig& tc);

//! `relsim check` of [optics] with [transport]: the stack and the slice positions in the
//! emitting layer ("" without [optics]).
[[nodiscard]] std::string describe_transport_optics(const io::RunConfig& config);

//! After the run (rank 0, complete .partial): the /summary voltage figures of a sweep whose
//! only axis is device.voltage_V, each crossing solved between its bracketing points to 1e-6 V
//! (absent where not reached). Returns the lines printed by the CLI ("" for other sweeps).
std::string write_transport_summary(const io::RunConfig& config,
                                    const transport::TransportConfig& tc,
                                    const std::string& partial_path);

}  // namespace relsim::sweep
