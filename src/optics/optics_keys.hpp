//! @file optics_keys.hpp  (private to src/optics)
//! The numeric keys of [optics]: unit and allowed range of each, used by the reader
//! (optics_config.cpp) and by the registration of the [optics] table with io (optics_keys.cpp).
#pragma once

#include <string_view>

#include "relsim/io/detail/param_schema.hpp"

namespace relsim::optics::detail {

namespace rule = io::detail::rule;

//! shared/spec/optics.md section 3; every one sweepable (optics.emitter_slices too: its value is
//! checked, though a sweep of it changes only the slicing).
inline constexpr io::detail::ParamRule kOpticsRules[] = {
    rule::positive("optics.substrate_n", "1"),
    rule::nonneg("optics.zone_offset_nm", "nm"),
    rule::count("optics.emitter_slices", 1.0, 200.0),
    rule::positive("optics.layer.*.thickness_nm", "nm"),
    rule::positive("optics.layer.*.n", "1"),
    rule::nonneg("optics.layer.*.k", "1"),
};

//! The rule of an [optics] key path ("optics.layer.2.n"), nullptr when none.
inline const io::detail::ParamRule* find_optics_rule(std::string_view path) {
    for (const auto& r : kOpticsRules) {
        if (io::detail::pattern_matches(r.pattern, path)) return &r;
    }
    return nullptr;
}

}  // namespace relsim::optics::detail
