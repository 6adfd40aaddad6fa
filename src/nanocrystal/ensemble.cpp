//! @file ensemble.cpp
//! Placeholder of the engine API (implemented in the following commits).
#include <stdexcept>

#include "relsim/nanocrystal/engine.hpp"

namespace relsim::nanocrystal {
namespace {
[[noreturn]] void not_yet() { throw std::logic_error("nanocrystal engines: not implemented yet"); }
}  // namespace
Geometry build_geometry(const NanocrystalSpec&, std::size_t) { not_yet(); }
std::uint64_t random_stream_seed(std::uint64_t, std::size_t) { not_yet(); }
double distance_nm(const Geometry&, const double*, const double*) { not_yet(); }
double pair_rate_s(const PairLaw&, double) { not_yet(); }
double dexter_rate_s(double, double, double, double) { not_yet(); }
SteadyStateResult solve_el_steady_state(const NanocrystalSpec&, const model::ModelParams&,
                                        const EnsembleOptions&) { not_yet(); }
DecayResult solve_decay(const NanocrystalSpec&, const model::ModelParams&, const EnsembleOptions&) {
    not_yet();
}
SteadyStateResult solve_el_steady_state_kmc(const NanocrystalSpec&, const model::ModelParams&,
                                            const EnsembleOptions&) { not_yet(); }
SteadyStateResult solve_el_steady_state_linear(const NanocrystalSpec&, const model::ModelParams&,
                                               const EnsembleOptions&) { not_yet(); }
DecayResult solve_decay_kmc(const NanocrystalSpec&, const model::ModelParams&,
                            const EnsembleOptions&) { not_yet(); }
DecayResult solve_decay_linear(const NanocrystalSpec&, const model::ModelParams&,
                               const EnsembleOptions&) { not_yet(); }
PulseResult solve_el_pulse(const NanocrystalSpec&, const model::ModelParams&, const PulseSpec&,
                           const EnsembleOptions&) { not_yet(); }
double generation_per_nc_s(const NanocrystalSpec&, const model::ModelParams&) { not_yet(); }
}  // namespace relsim::nanocrystal
