//! @file stored_chunks.hpp
//! Internal to relsim_io (no HDF5 types): what writing whole chunks as stored bytes needs,
//! pure arithmetic so that it runs on any thread (the compute threads prepare a block's chunks
//! while the writer thread is in HDF5) and can be tested on its own.
//!
//! A chunked dataset with HDF5's Fletcher32 filter as its only filter stores each chunk as the
//! chunk's raw bytes followed by 4 bytes of checksum. Measured against HDF5 1.10.8 (the test
//! tests/hdf5/test_hdf5_stored_chunks.cpp compares with the library's own filter output):
//! the data are read as 16-bit words, first byte high (big-endian words); an odd last byte is
//! the high byte of a final word whose low byte is 0; both running sums are taken modulo 65535
//! with a nonzero sum represented in 1..65535 (an all-zero chunk gives 0, an even number of 0xff
//! bytes 0xffffffff); the checksum is (second sum << 16) | first sum, appended little-endian.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace relsim::io::detail {

//! Fletcher-32 of `size` bytes with HDF5's conventions (see above).
[[nodiscard]] std::uint32_t fletcher32(const unsigned char* data, std::size_t size);

//! Writes `checksum` into 4 bytes as HDF5's filter appends it (little-endian).
void put_checksum(unsigned char* out, std::uint32_t checksum);

//! The chunks (their offsets: element coordinates of each chunk's first element, in flat
//! order) that make up exactly the flat range [first, first + count) of a dataset of extents
//! `dims` chunked as `chunk`. Empty unless every chunk of the range is whole and lies inside
//! the dataset (no edge chunk) and chunks are contiguous in flat order (chunk = 1, ..., 1, c,
//! then the full trailing extents), i.e. unless the range can be written chunk by chunk with
//! each chunk's bytes a contiguous run of the range's data. count = 0 gives nothing.
[[nodiscard]] std::vector<std::vector<std::uint64_t>> whole_chunks_of(
    std::span<const std::uint64_t> dims, std::span<const std::uint64_t> chunk, std::uint64_t first,
    std::uint64_t count);

}  // namespace relsim::io::detail
