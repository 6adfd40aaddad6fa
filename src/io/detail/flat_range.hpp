//! @file flat_range.hpp
//! Internal to relsim_io (no HDF5 types): splits a row-major flat index range of an N-D array
//! into rectangular blocks. Used by H5File::write_flat_range/read_flat_range; declared here so
//! that the tests can check the decomposition on its own.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace relsim::io::detail {

inline constexpr std::size_t max_rank = 32;  // H5S_MAX_RANK

//! The block start[j] .. start[j] + count[j] - 1 in every dimension j < rank. Its elements,
//! taken in row-major order, are a contiguous flat range: count[j] is 1 before some level k
//! and dims[j] after it.
struct Hyperslab {
    std::array<std::uint64_t, max_rank> start{};
    std::array<std::uint64_t, max_rank> count{};
};

//! The blocks covering flat indices [first, first + count) of an array of extents `dims`
//! (rank 1..32), in increasing flat order, disjoint: first the partial pieces that complete
//! the leading unit at each level (innermost first), then the whole middle block, then the
//! partial trailing pieces (outermost first); at most 2 * rank - 1 blocks, none for count = 0.
//! Throws std::invalid_argument for rank 0 or > 32 and std::out_of_range when the range does
//! not lie inside the array.
[[nodiscard]] std::vector<Hyperslab> decompose_flat_range(std::span<const std::uint64_t> dims,
                                                          std::uint64_t first, std::uint64_t count);

}  // namespace relsim::io::detail
