// The flat-range decomposition behind H5File::write_flat_range, checked exhaustively on small
// shapes: blocks are valid, in order, contiguous in flat order, cover exactly the range, and
// there are at most 2 * rank - 1 of them.
#include "io/detail/flat_range.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <vector>

using relsim::io::detail::decompose_flat_range;
using relsim::io::detail::Hyperslab;
using Dims = std::vector<std::uint64_t>;

namespace {

std::uint64_t flat_index(const Dims& dims, const std::vector<std::uint64_t>& index) {
    std::uint64_t flat = 0;
    for (std::size_t j = 0; j < dims.size(); ++j) {
        flat = flat * dims[j] + index[j];
    }
    return flat;
}

//! Walks every element of every block in row-major order and checks it is the next flat index.
void check_decomposition(const Dims& dims, std::uint64_t first, std::uint64_t count) {
    const auto pieces = decompose_flat_range(dims, first, count);
    INFO("first " << first << " count " << count);
    REQUIRE(pieces.size() <= (count == 0 ? 0 : 2 * dims.size() - 1));
    std::uint64_t expected = first;
    for (const Hyperslab& h : pieces) {
        std::uint64_t elements = 1;
        for (std::size_t j = 0; j < dims.size(); ++j) {
            REQUIRE(h.count[j] >= 1);
            REQUIRE(h.start[j] + h.count[j] <= dims[j]);
            elements *= h.count[j];
        }
        std::vector<std::uint64_t> index(h.start.begin(), h.start.begin() + dims.size());
        for (std::uint64_t e = 0; e < elements; ++e) {
            REQUIRE(flat_index(dims, index) == expected);
            ++expected;
            for (std::size_t j = dims.size(); j-- > 0;) {  // odometer within the block
                if (++index[j] < h.start[j] + h.count[j]) {
                    break;
                }
                index[j] = h.start[j];
            }
        }
    }
    REQUIRE(expected == first + count);
}

}  // namespace

TEST_CASE("hdf5 flat range decomposition covers every range exactly", "[hdf5][flat_range]") {
    const std::vector<Dims> shapes = {{1},
                                      {7},
                                      {3, 4},
                                      {1, 5},
                                      {4, 1},
                                      {2, 3, 4},
                                      {3, 1, 2, 5},
                                      {2, 2, 2, 2, 2},
                                      {1, 1, 1},
                                      {5, 1, 1, 3},
                                      {3, 4, 1, 2, 1, 2}};
    for (const Dims& dims : shapes) {
        std::uint64_t total = 1;
        for (const auto d : dims) {
            total *= d;
        }
        for (std::uint64_t first = 0; first <= total; ++first) {
            for (std::uint64_t count = 0; first + count <= total; ++count) {
                check_decomposition(dims, first, count);
            }
        }
    }
}

TEST_CASE("hdf5 flat range decomposition of large ranges stays small", "[hdf5][flat_range]") {
    const Dims dims = {1000, 1000, 1000, 10};
    // Mid-row start and end: head pieces, one middle block, tail pieces.
    const std::uint64_t first = std::uint64_t{3} * 10'000'000 + 7 * 10'000 + 11 * 10 + 3;
    const std::uint64_t last = std::uint64_t{998} * 10'000'000 + 5 * 10'000 + 999 * 10 + 8;
    const auto pieces = decompose_flat_range(dims, first, last - first);
    CHECK(pieces.size() == 7);
    CHECK(decompose_flat_range(dims, 0, 10'000'000'000).size() == 1);
    CHECK(decompose_flat_range(dims, 5, 1).size() == 1);
}

TEST_CASE("hdf5 flat range decomposition rejects bad input", "[hdf5][flat_range]") {
    CHECK_THROWS_AS(decompose_flat_range(Dims{}, 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(decompose_flat_range(Dims(33, 1), 0, 1), std::invalid_argument);
    CHECK_THROWS_AS(decompose_flat_range(Dims{3, 4}, 10, 3), std::out_of_range);
    CHECK_THROWS_AS(decompose_flat_range(Dims{3, 4}, 13, 0), std::out_of_range);
    CHECK(decompose_flat_range(Dims{3, 4}, 12, 0).empty());
    CHECK(decompose_flat_range(Dims{0, 4}, 0, 0).empty());
}
