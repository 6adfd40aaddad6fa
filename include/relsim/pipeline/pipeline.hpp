//! @file pipeline.hpp
//! One device pipeline (issue 18): the seam every capability plugs into.
//!
//! STATUS: the builder, PointContext::solve (the generic slice composition), the uniform
//! profile, the constant outcoupling, the [optics] stack (stack_optics.hpp), the mean-field
//! emitter and the microscopic emitter (nanocrystal_emitter.hpp) are implemented and tested
//! (tests/pipeline). `relsim fit` evaluates configs with [optics] or [nanocrystal] through it
//! (src/fit/pipeline_evaluator.cpp); `relsim run`, every sweep and the Python module solve a
//! mean-field point with [optics] (src/sweep/point_evaluator.cpp), a microscopic point with
//! [optics] (src/sweep/nc_point_evaluator_optics.cpp) and a [transport] point
//! (src/sweep/transport_point.cpp) through it. The mean-field point without [optics] or
//! [transport] (one slice, constant outcoupling) is solved directly by the RateModel: the hot
//! path (docs/architecture.md, "Who uses it").
//!
//! Design (Ceres Problem/Solve, OpenMM System/Context): a `DeviceProblem` is built ONCE from a
//! validated config (the [optics] stack parsed once, the ion schemes compiled once) and is
//! immutable and shared by every thread. Each thread owns a `PointContext` made from it, which
//! holds the scratch and the warm-start state per slice and solves device points one after the
//! other (a sweep, a fit's objective, a lifetime time loop).
//!
//! Data flow of one point (each arrow is one stage; a stage sees only its input struct):
//!
//!     DrivePoint --ProfileStage--> Profile (slices k: position_nm, width_nm, G_k, n_p,k,
//!                                            fraction of current recombining outside)
//!       --OpticsStage (per slice)--> SliceOptics (per-line Purcell factor, eta_air)
//!       --EmitterStage (per slice, ModelParams with Purcell-scaled line rates)--> SliceEmission
//!       --PointContext::solve (slice means or per-area sums)--> PointResult (fates, band fluxes)
//!
//! HOW A TRANSPORT STAGE PLUGS IN (src/transport, owned by "transport"): implement
//! `ProfileStage`: given the DrivePoint (current today; `DriveKind::voltage` once the stack
//! exists) and the point's ModelParams, fill `Profile` (slices with G_k [cm^-3 s^-1] and
//! n_p,k [cm^-3], the solved current density for a voltage drive, and the fraction of the
//! current that recombines outside the emitter). Register it with
//! `DeviceProblemBuilder::set_profile(...)` from the factory that reads your table; no other
//! stage's code changes. The uniform zone (`make_uniform_profile`) is today's implementation.
//!
//! HOW A LIFETIME LOOP PLUGS IN (src/lifetime, owned by "lifetime"): the loop is an OUTER loop
//! over time, not a stage. It builds the DeviceProblem once, makes one PointContext(problem) per
//! thread, and at each time step calls `PointContext::solve(drive, params_t, result)` with the
//! degraded parameters params_t (same structure as `problem.base_params()`; only numbers change,
//! see model::copy_numbers), reading the slice state from `PointResult::slices` to update its
//! degradation variables. The context warm-starts every slice from the previous step.
//!
//! Adding a stage (e.g. a new emitter engine) means a new class implementing one interface and
//! one line in the factory that builds the DeviceProblem from the config; combinations that a
//! stage cannot honour are refused at build time by `DeviceProblemBuilder::build()` with
//! relsim::InputError naming both tables (exit 2 in the CLI).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "relsim/model/parameters.hpp"

namespace relsim::pipeline {

//! How the device is driven at one point.
enum class DriveKind { current, voltage };

//! The drive of one device point.
struct DrivePoint {
    DriveKind kind = DriveKind::current;
    double current_density_mA_cm2 = 0.0;  //!< given (current drive) or solved (voltage drive)
    double voltage_V = 0.0;               //!< given (voltage drive); unused for a current drive
};

//! One emitter slice of the recombination profile.
struct Slice {
    double position_nm = 0.0;          //!< slice centre from the emitter's bottom interface
    double width_nm = 0.0;             //!< slice thickness
    double generation_cm3_s = 0.0;     //!< exciton generation rate G_k [cm^-3 s^-1]
    double polaron_density_cm3 = 0.0;  //!< polaron density n_p,k [cm^-3]
};

//! The recombination profile of one point cut into emitter slices.
struct Profile {
    std::vector<Slice> slices;
    double current_density_mA_cm2 = 0.0;  //!< the current of the point (solved for a voltage drive)
    double outside_fraction = 0.0;  //!< fraction of the current recombining outside the emitter
    //! The slices are equal sub-populations of one zone of thickness `zone_width_nm` (same
    //! width, same generation: the uniform zone cut into n parts). The point's results are then
    //! slice means (weights exactly 1/n; PointContext::solve); otherwise per-area sums over the
    //! slices (a [transport] profile).
    bool equal_slices = false;
    double zone_width_nm = 0.0;  //!< with equal_slices: the zone's thickness
};

//! Stage 1: drive -> profile. The uniform zone today; the drift-diffusion stack later.
class ProfileStage {
public:
    virtual ~ProfileStage() = default;
    //! Table that configured this stage ("device" for the uniform zone, "transport", ...),
    //! used in refusal messages.
    [[nodiscard]] virtual std::string table() const = 0;
    //! Whether the stage accepts this drive kind (a uniform zone accepts current only).
    [[nodiscard]] virtual bool accepts(DriveKind kind) const = 0;
    //! Fills `out` (reusing its storage). Must be thread-safe (const, no shared mutable state).
    virtual void profile(const DrivePoint& drive, const model::ModelParams& params,
                         Profile& out) const = 0;
};

//! Optics of one slice: per-line Purcell factors and extraction into air.
struct SliceOptics {
    std::vector<double> line_purcell;     //!< per RateModel::lines(), multiplies the radiative rate
    std::vector<double> line_eta_air;     //!< per line, fraction of the emitted power reaching air
    double ligand_singlet_eta_air = 0.0;  //!< extraction of the ligand singlet band
    double ligand_triplet_eta_air = 0.0;  //!< extraction of the ligand triplet band
};

//! Stage 3: optics per slice. `constant outcoupling` (Purcell 1, eta = device.outcoupling) or
//! the [optics] stack (thin-film dipole emission, parsed once when the problem is built).
class OpticsStage {
public:
    virtual ~OpticsStage() = default;
    [[nodiscard]] virtual std::string table() const = 0;
    virtual void slice_optics(const Slice& slice, const model::ModelParams& params,
                              SliceOptics& out) const = 0;
};

//! What the emitter model produces for one slice (rates per unit volume of that slice).
struct SliceEmission {
    double photon_rate_cm3_s = 0.0;
    std::vector<double> line_photon_rate_cm3_s;  //!< per line, inside the emitter
    std::vector<double> fates;                   //!< per fate name, each / G_k; sum = 1
    double ligand_singlet_photon_rate_cm3_s = 0.0;
    double ligand_triplet_photon_rate_cm3_s = 0.0;
    double iqe = 0.0;  //!< photons per electron recombining in the slice (G / charge_balance)
    //! Mean-field emitter only (empty / 0 otherwise): the steady-state populations per
    //! RateModel::state_names() [cm^-3], the photon rate per dopant species [cm^-3 s^-1] and the
    //! transfer efficiency (per exciton generated).
    std::vector<double> populations_cm3;
    std::vector<double> species_photon_rate_cm3_s;
    double transfer_efficiency = 0.0;
    bool converged = true;  //!< false: the numbers are not a result (never published as good)
    //! The steady-state solver's report (mean-field emitter: solver::SolveStatus and
    //! solver::SolveMethod as integers; other emitters: 0 / -1).
    int solver_status = 0;
    int solver_method = -1;
};

//! Per-thread, per-slice mutable state of an emitter (warm start, engine scratch, RNG stream).
class EmitterState {
public:
    virtual ~EmitterState() = default;
    //! The next solve starts cold (no warm start from the previous solution).
    virtual void forget_warm_start() {}
};

//! Stage 2: the emitter model of one slice. The mean-field RateModel or the microscopic
//! nanocrystal ensemble (linear or kmc engine), each with every [physics] option. The stage
//! receives slice-local ModelParams whose line radiative rates already carry the slice's Purcell
//! factors (this is how the microscopic engine gets [optics] without knowing about it).
class EmitterStage {
public:
    virtual ~EmitterStage() = default;
    [[nodiscard]] virtual std::string table() const = 0;
    [[nodiscard]] virtual std::vector<std::string> fate_names() const = 0;
    [[nodiscard]] virtual std::unique_ptr<EmitterState> make_state() const = 0;
    virtual void solve(const Slice& slice, const model::ModelParams& slice_params,
                       EmitterState& state, SliceEmission& out) const = 0;
};

//! Means over the emitter's volume of the slices' volume densities (Profile::equal_slices:
//! sum_k x_k / n; otherwise sum_k w_k x_k / sum_k w_k) and the generation-weighted transfer
//! efficiency.
struct EmitterMeans {
    double photon_rate_cm3_s = 0.0;
    double ligand_singlet_photon_rate_cm3_s = 0.0;
    double ligand_triplet_photon_rate_cm3_s = 0.0;
    std::vector<double> line_photon_rate_cm3_s;
    std::vector<double> species_photon_rate_cm3_s;  //!< mean-field emitter only
    std::vector<double> populations_cm3;            //!< mean-field emitter only
    double transfer_efficiency = 0.0;
};

//! Result of one device point (stage 4: observables combined over the slices).
//!
//! Equal slices (the uniform zone, Profile::equal_slices), in the arithmetic of the mean-field
//! model's slices (every weight exactly 1/n): iqe, fates and the means are the slice means;
//! EQE = (sum over slices k and bands b of photons_kb x eta_kb / n) / (G / charge_balance);
//! band flux_b = sum_k (w_zone / n) x photons_kb x eta_kb. Any other profile: per-area sums,
//! iqe = sum_k w_k photons_k / (J / q), EQE likewise with photons x eta, fates weighted by
//! w_k G_k, band flux_b = sum_k w_k eta_kb photons_kb. Both are the same physics; only the
//! rounding differs (each keeps the outputs its users published before the merge bit for bit).
struct PointResult {
    Profile profile;
    std::vector<SliceOptics> slice_optics;
    std::vector<SliceEmission> slices;
    double iqe = 0.0;
    double eqe = 0.0;
    double outcoupling = 0.0;                  //!< eqe / iqe
    std::vector<double> fates;                 //!< width- and G-weighted, sum = 1
    std::vector<double> line_photon_flux_air;  //!< per line, photons / (cm^2 s) into air
    //! Photons / (cm^2 s) into air per band in output order (ligand singlet, ligand triplet,
    //! then every line): the input of model::Photometry / model::RadiometryWeights.
    std::vector<double> band_photon_flux_air;
    EmitterMeans means;
    bool converged = true;  //!< every slice converged (otherwise iqe, eqe, fates are 0)
    //! The solver report of the first slice that failed, else of the last slice.
    int solver_status = 0;
    int solver_method = -1;
};

//! Built once from the config; immutable; shared by all threads.
class DeviceProblem {
public:
    [[nodiscard]] const model::ModelParams& base_params() const { return base_; }
    [[nodiscard]] const ProfileStage& profile_stage() const { return *profile_; }
    [[nodiscard]] const EmitterStage& emitter_stage() const { return *emitter_; }
    [[nodiscard]] const OpticsStage& optics_stage() const { return *optics_; }

private:
    friend class DeviceProblemBuilder;
    model::ModelParams base_;
    std::shared_ptr<const ProfileStage> profile_;
    std::shared_ptr<const EmitterStage> emitter_;
    std::shared_ptr<const OpticsStage> optics_;
};

//! Assembles a DeviceProblem; `build()` checks that the stages compose (throws
//! relsim::InputError naming both tables when they do not).
class DeviceProblemBuilder {
public:
    explicit DeviceProblemBuilder(model::ModelParams base);
    DeviceProblemBuilder& set_profile(std::shared_ptr<const ProfileStage> stage);
    DeviceProblemBuilder& set_emitter(std::shared_ptr<const EmitterStage> stage);
    DeviceProblemBuilder& set_optics(std::shared_ptr<const OpticsStage> stage);
    [[nodiscard]] std::shared_ptr<const DeviceProblem> build();

private:
    DeviceProblem problem_;
};

//! Per-thread solver of device points with warm starts (OpenMM's Context).
class PointContext {
public:
    explicit PointContext(std::shared_ptr<const DeviceProblem> problem);
    //! Solves one point with the given parameters (same structure as base_params()).
    //! Stops at the first slice that does not converge (out.converged = false).
    void solve(const DrivePoint& drive, const model::ModelParams& params, PointResult& out);
    //! Every slice's next solve starts cold (a sweep's first point of a unit, after a failure).
    void forget_warm_starts();
    [[nodiscard]] const DeviceProblem& problem() const { return *problem_; }
    //! The emitter state of slice k after the last solve (nullptr before); an emitter's own
    //! header says what its state holds (e.g. NanocrystalEmitterState: the ensemble result).
    [[nodiscard]] const EmitterState* slice_state(std::size_t k) const {
        return k < states_.size() ? states_[k].get() : nullptr;
    }

private:
    std::shared_ptr<const DeviceProblem> problem_;
    std::vector<std::unique_ptr<EmitterState>> states_;  //!< one per slice (warm starts)
    model::ModelParams slice_params_;                    //!< scratch: Purcell-scaled params
};

//! Today's profile: the recombination zone cut into `slices` equal slices (centres at
//! (i + 1/2) w / slices from the zone's bottom), each with G = gamma J / (q w) and the
//! contract's n_p (kinetic-model.md section 2), nothing outside the emitter. Table "device".
//! With [optics], slices = optics.emitter_slices (optics.md section 2: generation shared evenly).
[[nodiscard]] std::shared_ptr<const ProfileStage> make_uniform_profile(int slices = 1);

//! The mean-field emitter (model::RateModel + solver::SteadyStateSolver, every [physics] option
//! of the model): per-slice state holds the compiled model (refreshed, not rebuilt, per point)
//! and warm-starts each slice from its previous solution. Table "ligand"/"dopant".
[[nodiscard]] std::shared_ptr<const EmitterStage> make_mean_field_emitter(
    const model::ModelParams& structure);

//! Optics without a stack: Purcell factor 1 and extraction `device.outcoupling` for every line
//! and the ligand bands (of the point's parameters, so that a sweep or fit of
//! device.outcoupling acts). Table "device".
[[nodiscard]] std::shared_ptr<const OpticsStage> make_constant_outcoupling();

}  // namespace relsim::pipeline
