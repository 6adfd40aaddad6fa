//! @file splitmix64.hpp  (shared: the portable random stream of sweeps, NC ensembles and fit
//! starts; not a user API) The portable random generator of random-mode sweeps: SplitMix64 (Steele,
//! Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014) and a 53-bit uniform
//! double. Same seed, same numbers on every platform and compiler (no <random> distributions, whose
//! output is implementation-defined).
#pragma once

#include <cstdint>

namespace relsim::io::detail {

class SplitMix64 {
public:
    explicit SplitMix64(std::uint64_t seed) noexcept : state_(seed) {}

    //! Next 64-bit output.
    std::uint64_t next() noexcept {
        state_ += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = state_;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }

    //! Uniform double in [0, 1): the top 53 bits of next() times 2^-53.
    double uniform() noexcept { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
    std::uint64_t state_;
};

}  // namespace relsim::io::detail
