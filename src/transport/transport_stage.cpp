// The [transport] profile stage (transport_stage.hpp).
#include "relsim/transport/transport_stage.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace relsim::transport {
namespace {
constexpr double kA_m2_per_mA_cm2 = 10.0;  // 1 mA cm^-2 = 10 A m^-2 (the one conversion here)
}  // namespace

void to_profile(const Solution& s, pipeline::Profile& out) {
    out.current_density_mA_cm2 = s.current_density_A_m2 / kA_m2_per_mA_cm2;
    out.outside_fraction = s.current_density_A_m2 > 0 ? s.recombination_outside_eml : 0.0;
    // No current, or a current below the solver's resolution: no slice is driven (the kinetic
    // model is not asked for a steady state at G = 0 or at noise).
    if (!(s.current_density_A_m2 > 0) || !(s.continuity_error <= kResolvedContinuityError)) {
        out.slices.clear();
        return;
    }
    out.slices.resize(s.slices.size());
    for (std::size_t k = 0; k < s.slices.size(); ++k) {
        pipeline::Slice& o = out.slices[k];
        o.position_nm =
            s.slices[k].eml_position_nm;  // pipeline: from the emitter's (anode-side) edge
        o.width_nm = s.slices[k].width_nm;
        o.generation_cm3_s = std::max(0.0, s.slices[k].generation_cm3_s);
        o.polaron_density_cm3 = s.slices[k].polaron_density_cm3;
    }
}

TransportProfile::TransportProfile(StackSpec spec) : spec_(std::move(spec)) { rebuild(); }
TransportProfile::~TransportProfile() = default;

void TransportProfile::rebuild() const {
    solver_.reset();
    stack_ = std::make_unique<Stack>(spec_);  // validates (std::invalid_argument)
    solver_ = std::make_unique<Solver>(*stack_);
}

void TransportProfile::set_stack(const StackSpec& spec) {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (spec == spec_) return;
    spec_ = spec;
    rebuild();
}

void TransportProfile::reset() {
    const std::lock_guard<std::mutex> lock(mutex_);
    solver_ = std::make_unique<Solver>(*stack_);
}

Solution TransportProfile::last() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return last_;
}

StackSpec TransportProfile::spec() const {
    const std::lock_guard<std::mutex> lock(mutex_);
    return spec_;
}

void TransportProfile::profile(const pipeline::DrivePoint& drive, const model::ModelParams& params,
                               pipeline::Profile& out) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    if (params.device.temperature_K != spec_.temperature_K) {
        spec_.temperature_K = params.device.temperature_K;
        rebuild();
    }
    if (drive.kind == pipeline::DriveKind::voltage) {
        last_ = solver_->solve_voltage(drive.voltage_V);
    } else {
        const double J = drive.current_density_mA_cm2 * kA_m2_per_mA_cm2;
        if (!(J >= 0) || !std::isfinite(J))
            throw std::invalid_argument("transport: current density must be >= 0");
        last_ = J > 0 ? solver_->solve_current(J) : solver_->solve_voltage(0.0);
        if (J == 0) last_.current_density_A_m2 = 0.0;  // the 0 V equilibrium: J = 0 exactly
    }
    to_profile(last_, out);
}

std::shared_ptr<TransportProfile> make_transport_profile(StackSpec spec) {
    return std::make_shared<TransportProfile>(std::move(spec));
}

}  // namespace relsim::transport
