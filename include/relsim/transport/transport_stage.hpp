// The drift-diffusion stack as the profile stage of the device pipeline
// (include/relsim/pipeline/pipeline.hpp, ../shared/spec/transport.md section 2).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "relsim/pipeline/pipeline.hpp"
#include "relsim/transport/drift_diffusion.hpp"

namespace relsim::transport {

// Status of a point whose current lies below the solver's resolution (continuity_error above
// kResolvedContinuityError: the contact-cell fluxes cancel in double precision and the
// recombination numbers are noise). Such a point publishes zeros, never numbers.
inline constexpr std::int32_t status_unresolved =
    8;  // 7 is nanocrystal::status_insufficient_statistics
inline constexpr double kResolvedContinuityError = 1e-3;

// Slices of a solved stack as the pipeline's Profile (spec section 2), positions from the
// emissive layer's anode-side edge (an [optics] stage places them in its emitting layer): G_k =
// (1/d_k) int R dx, n_p,k = (1/d_k) int (n + p)/2 dx, the solved current, the fraction recombining
// outside the emitter. A negative G_k (rounding at J ~ 0) is published as 0.
void to_profile(const Solution& solution, pipeline::Profile& out);

// The [transport] profile stage. It keeps the continuation history of its solver, so each
// PointContext (thread) should own its own instance (make_transport_profile per thread); calls
// on one instance are serialised by a mutex (correct, but then the continuation path, hence
// the last bits, depends on the call order).
// Voltage drive: continuation from the previous voltage (from 0 V after reset()); current
// drive: J(V) = J solved (Solver::solve_current); J = 0 is the 0 V equilibrium.
// The stack's temperature follows params.device.temperature_K at every point.
class TransportProfile final : public pipeline::ProfileStage {
public:
    explicit TransportProfile(StackSpec spec);
    ~TransportProfile() override;
    [[nodiscard]] std::string table() const override { return "transport"; }
    [[nodiscard]] bool accepts(pipeline::DriveKind) const override { return true; }
    void profile(const pipeline::DrivePoint& drive, const model::ModelParams& params,
                 pipeline::Profile& out) const override;

    // The next points use this stack (rebuilt, and the continuation reset, only if it differs).
    void set_stack(const StackSpec& spec);
    // Forget the continuation history: the next point starts from the 0 V equilibrium.
    void reset();
    // The stack solution behind the last profile() (charge balance, zone, leakage, profiles).
    [[nodiscard]] Solution last() const;
    [[nodiscard]] StackSpec spec() const;

private:
    void rebuild() const;
    mutable std::mutex mutex_;
    mutable StackSpec spec_;
    mutable std::unique_ptr<Stack> stack_;
    mutable std::unique_ptr<Solver> solver_;
    mutable Solution last_;
};

[[nodiscard]] std::shared_ptr<TransportProfile> make_transport_profile(StackSpec spec);

}  // namespace relsim::transport
