//! @file transport_lifetime.hpp (private to the lifetime module)
//! [lifetime] + [transport] (docs/lifetime.md "With [transport]"): per sweep point, the stack
//! solved once at t = 0 at the point's constant current (a fresh solver from the 0 V
//! equilibrium, as the first point of a sweep work unit), its emissive-layer slices handed to
//! a ProfilePoint, and the time loop run on one Q per slice. Writes /lifetime/slices.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/lifetime/lifetime.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/pipeline/pipeline.hpp"
#include "relsim/transport/transport_config.hpp"

namespace relsim::lifetime::detail {

//! The lifetime of one [transport] point.
struct TransportPointLifetime {
    LifetimeResult result;
    std::vector<pipeline::Slice> slices;  //!< the t = 0 slices (empty when not solved)
    bool photometric = true;
};

class TransportLifetime {
public:
    //! nullopt-like: active() is false without [transport]. The table was checked by the run.
    explicit TransportLifetime(const io::RunConfig& cfg);
    [[nodiscard]] bool active() const { return tc_.has_value(); }
    //! Solves flat sweep point `index` (model parameters `p`, settings `s`). Never throws: a
    //! stack or point that cannot be solved gives status 3 (or run_lifetime's status) and zeros.
    [[nodiscard]] TransportPointLifetime run_point(
        const model::ModelParams& p, const LifetimeSettings& s,
        std::shared_ptr<const model::CieObserver> observer, std::uint64_t index) const;
    //! The emissive layer's thickness at flat sweep point `index` [nm].
    [[nodiscard]] double eml_thickness_nm(std::uint64_t index) const;
    //! Writes /lifetime/slices/{position_nm, width_nm, generation_cm3_s, polaron_density_cm3}
    //! (sweep dims + slices), quencher_cm3 (sweep dims + time + slices) and count (sweep dims);
    //! the slice axis is the largest slice count of the sweep, unused entries 0.
    void write_slices(io::H5File& f, const std::vector<std::uint64_t>& dims,
                      std::size_t time_points,
                      const std::vector<TransportPointLifetime>& points) const;

private:
    [[nodiscard]] transport::StackSpec stack_at(std::uint64_t index) const;
    const io::RunConfig& cfg_;
    std::optional<transport::TransportConfig> tc_;
};

}  // namespace relsim::lifetime::detail
