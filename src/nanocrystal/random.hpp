//! @file random.hpp  (private to relsim_nanocrystal)
//! The portable random stream of one NC: SplitMix64 (Steele, Lea, Flood, "Fast splittable
//! pseudorandom number generators", OOPSLA 2014), seeded by a hash of (seed, NC index), so that
//! each NC's doping, ligands and KMC trajectory are the same for any thread count or rank.
//! No <random> distributions (their output is implementation-defined).
#pragma once

#include <cmath>
#include <cstdint>

#include "relsim/io/detail/splitmix64.hpp"

namespace relsim::nanocrystal::detail {

//! One SplitMix64 output step applied to x (a strong 64-bit mixer).
inline std::uint64_t mix64(std::uint64_t x) noexcept {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

//! The sweep engine's SplitMix64 (src/io/detail/splitmix64.hpp: next(), uniform() in [0, 1)
//! from the top 53 bits) with the draws the KMC and the geometry need on top.
class Stream : public io::detail::SplitMix64 {
public:
    using SplitMix64::SplitMix64;
    //! Uniform in (0, 1]: never 0, for -log(u).
    double uniform_open0() noexcept {
        return (static_cast<double>(next() >> 11) + 1.0) * 0x1.0p-53;
    }
    //! Exponential waiting time of total rate `rate` (> 0).
    double exponential(double rate) noexcept { return -std::log(uniform_open0()) / rate; }
    //! Uniform integer in [0, n) (n > 0) from a 53-bit uniform; bias below n / 2^53.
    std::uint64_t below(std::uint64_t n) noexcept {
        const auto k = static_cast<std::uint64_t>(uniform() * static_cast<double>(n));
        return k < n ? k : n - 1;
    }
};

//! Sub-stream tags, so that geometry and dynamics of one NC draw from separate streams and a
//! change of the KMC never changes the doping.
enum class StreamTag : std::uint64_t { geometry = 1, dynamics = 2 };

inline std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t nc_index, StreamTag tag) {
    return mix64(mix64(mix64(seed) ^ nc_index) ^ static_cast<std::uint64_t>(tag));
}

}  // namespace relsim::nanocrystal::detail
