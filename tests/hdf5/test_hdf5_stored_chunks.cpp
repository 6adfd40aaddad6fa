// Whole chunks written as stored bytes (H5File::write_stored_chunk, detail/stored_chunks.hpp):
// relsim's Fletcher32 and chunk layout against HDF5's own filter output, byte for byte, read
// back raw with H5Dread_chunk; HDF5 verifies the checksums on every read; the whole-chunk
// arithmetic checked exhaustively on small shapes.
#include "io/detail/stored_chunks.hpp"
#include "relsim/core/error.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <cmath>
#include <map>
#include <string>
#include <vector>

using relsim::RunError;
using relsim::io::ElementType;
using relsim::io::H5File;
using relsim::test::TempDir;
using Dims = std::vector<std::uint64_t>;
namespace detail = relsim::io::detail;

namespace {

//! Stored bytes of a chunk as relsim prepares them: the data, then the checksum.
std::vector<std::uint8_t> stored_bytes(const void* data, std::size_t size) {
    std::vector<std::uint8_t> out(size + 4);
    std::memcpy(out.data(), data, size);
    const auto* p = static_cast<const unsigned char*>(data);
    detail::put_checksum(out.data() + size, detail::fletcher32(p, size));
    return out;
}

//! Chunk offsets of every chunk of `dims` chunked as `chunk`, in row-major order of the grid.
std::vector<Dims> all_chunks(const Dims& dims, const Dims& chunk) {
    std::vector<Dims> out{Dims(dims.size(), 0)};
    for (std::size_t d = dims.size(); d-- > 0;) {
        std::vector<Dims> next;
        for (const Dims& o : out) {
            for (std::uint64_t at = 0; at < dims[d]; at += chunk[d]) {
                Dims p = o;
                p[d] = at;
                next.push_back(p);
            }
        }
        out = next;
    }
    return out;
}

}  // namespace

TEST_CASE("Fletcher32 of relsim equals HDF5's filter output for odd and even sizes",
          "[hdf5][stored_chunks]") {
    // One uint8 dataset per size and content, chunk = that size: the ordinary filtered write
    // of the middle chunk, then its stored bytes (H5Dread_chunk) against relsim's.
    TempDir dir;
    H5File f(dir.file("f.h5"), H5File::Mode::create_truncate);
    std::mt19937_64 random(20261206);
    int n = 0;
    for (const std::uint64_t size :
         {1,   2,   3,   4,   5,   7,    8,    15,    16,    17,    359,   360,
          361, 719, 720, 721, 722, 1001, 4097, 65535, 65536, 65537, 131071}) {
        for (int content = 0; content < 5; ++content) {
            std::vector<std::uint8_t> data(3 * size);
            for (std::size_t i = 0; i < data.size(); ++i) {
                data[i] = content == 0   ? 0
                          : content == 1 ? 0xff
                          : content == 2 ? static_cast<std::uint8_t>(random())
                          : content == 3
                              ? static_cast<std::uint8_t>(i % 2 ? 0x12 : 0)
                              : static_cast<std::uint8_t>(random() % 9 == 0 ? random() : 0);
            }
            const std::string path = "/u8/d" + std::to_string(n++);
            f.create_chunked(path, ElementType::uint8, {3 * size}, {size}, "1", 0.0);
            f.write_flat_range(path, ElementType::uint8, 0, 3 * size, data.data());
            f.flush();
            std::uint32_t mask = 99;
            const auto lib = f.read_stored_chunk(path, {size}, &mask);
            INFO("size " << size << " content " << content);
            CHECK(mask == 0);
            CHECK(lib == stored_bytes(data.data() + size, size));
        }
    }
}

TEST_CASE("Chunks written as stored bytes equal the filtered path's and read back verified",
          "[hdf5][stored_chunks]") {
    TempDir dir;
    const std::string name = dir.file("d.h5");
    struct Case {
        ElementType type;
        Dims dims;
        Dims chunk;
    };
    // Odd chunk sizes in bytes (uint8), chunks of whole trailing rows, a 1-D dataset with an
    // edge chunk (written the ordinary way), and rank 3.
    const std::vector<Case> cases{
        {ElementType::uint8, {7, 13}, {1, 13}},          {ElementType::uint8, {45}, {9}},
        {ElementType::float64, {6, 5, 3}, {2, 5, 3}},    {ElementType::int32, {4, 7}, {3, 7}},
        {ElementType::float64, {1000}, {333}},           {ElementType::float64, {5, 250}, {5, 250}},
        {ElementType::int32, {2, 3, 4, 5}, {1, 1, 4, 5}}};
    std::mt19937_64 random(7);
    {
        H5File f(name, H5File::Mode::create_truncate);
        for (std::size_t c = 0; c < cases.size(); ++c) {
            const Case& k = cases[c];
            std::uint64_t total = 1;
            for (const auto d : k.dims) total *= d;
            const std::size_t es = k.type == ElementType::float64 ? 8
                                   : k.type == ElementType::int32 ? 4
                                                                  : 1;
            std::vector<unsigned char> data(total * es);
            for (std::size_t i = 0; i < data.size(); i += es) {
                if (k.type == ElementType::float64) {
                    const double v = std::ldexp(static_cast<double>(random() >> 11), -40) - 1e3;
                    std::memcpy(&data[i], &v, 8);
                } else {
                    for (std::size_t b = 0; b < es; ++b)
                        data[i + b] = static_cast<unsigned char>(random());
                }
            }
            const std::string filtered = "/filtered/" + std::to_string(c);
            const std::string direct = "/direct/" + std::to_string(c);
            f.create_chunked(filtered, k.type, k.dims, k.chunk, "1", 0.0);
            f.create_chunked(direct, k.type, k.dims, k.chunk, "1", 0.0);
            f.write_flat_range(filtered, k.type, 0, total, data.data());
            const H5File::ChunkGeometry g = f.chunk_geometry(direct);
            REQUIRE(g.stored_bytes_writable);
            REQUIRE(g.chunk == k.chunk);
            REQUIRE(g.type == k.type);
            // Whole chunks as stored bytes, the rest (edge chunks) through the filter, in
            // ranges of one chunk's elements.
            std::uint64_t chunk_elems = 1;
            for (const auto d : k.chunk) chunk_elems *= d;
            std::uint64_t written_whole = 0;
            for (std::uint64_t at = 0; at < total; at += chunk_elems) {
                const std::uint64_t n = std::min(chunk_elems, total - at);
                const auto offsets = detail::whole_chunks_of(g.dims, g.chunk, at, n);
                if (offsets.size() == 1) {
                    const auto bytes = stored_bytes(&data[at * es], n * es);
                    f.write_stored_chunk(direct, offsets[0], bytes.data(), bytes.size());
                    ++written_whole;
                } else {
                    f.write_flat_range(direct, k.type, at, n, &data[at * es]);
                }
            }
            CHECK(written_whole >= 1);
            f.flush();
            for (const Dims& offset : all_chunks(k.dims, k.chunk)) {
                INFO("case " << c << " chunk at " << offset[0]);
                std::uint32_t mask_f = 9, mask_d = 9;
                CHECK(f.read_stored_chunk(direct, offset, &mask_d) ==
                      f.read_stored_chunk(filtered, offset, &mask_f));
                CHECK(mask_d == 0);
                CHECK(mask_f == 0);
            }
        }
        f.close();
    }
    // Reopened: HDF5 verifies every chunk's checksum on the read; the values are the data.
    H5File f(name, H5File::Mode::read_only);
    for (std::size_t c = 0; c < cases.size(); ++c) {
        CHECK(f.read_doubles("/direct/" + std::to_string(c)) ==
              f.read_doubles("/filtered/" + std::to_string(c)));
    }
}

TEST_CASE("A stored chunk whose bytes do not match its checksum is a read error",
          "[hdf5][stored_chunks]") {
    TempDir dir;
    const std::string name = dir.file("bad.h5");
    const std::vector<double> values{1.5, -2.25, 3e300, 0.0, 7.0, 8.0};
    {
        H5File f(name, H5File::Mode::create_truncate);
        f.create_chunked("/x", ElementType::float64, {2, 3}, {1, 3}, "1", 0.0);
        auto good = stored_bytes(values.data(), 24);
        f.write_stored_chunk("/x", {0, 0}, good.data(), good.size());
        auto bad = stored_bytes(values.data() + 3, 24);
        bad[5] ^= 0x10;  // one data bit flipped after the checksum was taken
        f.write_stored_chunk("/x", {1, 0}, bad.data(), bad.size());
        // A chunk of the wrong stored size is refused (it would move the chunk in the file).
        CHECK_THROWS_AS(f.write_stored_chunk("/x", {0, 0}, good.data(), good.size() - 4), RunError);
        f.close();
    }
    H5File f(name, H5File::Mode::read_only);
    double first[3] = {};
    f.read_flat_range("/x", ElementType::float64, 0, 3, first);
    CHECK(first[0] == 1.5);
    CHECK(first[2] == 3e300);
    double second[3] = {};
    CHECK_THROWS_AS(f.read_flat_range("/x", ElementType::float64, 3, 3, second), RunError);
}

TEST_CASE("Whole chunks of a flat range: exactly the ranges made of whole contiguous chunks",
          "[hdf5][stored_chunks]") {
    // Against a brute-force answer: the range's elements fall into a set of chunks, each of
    // which must lie inside the dataset, be contiguous in flat order and be covered entirely.
    const std::vector<std::pair<Dims, Dims>> layouts{{{12}, {4}},
                                                     {{12}, {5}},
                                                     {{3, 4}, {1, 4}},
                                                     {{3, 4}, {2, 4}},
                                                     {{3, 4}, {1, 2}},
                                                     {{3, 4}, {2, 2}},
                                                     {{4, 3, 2}, {2, 3, 2}},
                                                     {{4, 3, 2}, {1, 1, 2}},
                                                     {{4, 3, 2}, {1, 2, 2}},
                                                     {{2, 3, 2}, {1, 3, 1}},
                                                     {{5, 1, 3}, {2, 1, 3}},
                                                     {{3, 3}, {3, 3}}};
    for (const auto& [dims, chunk] : layouts) {
        std::uint64_t total = 1, volume = 1;
        for (std::size_t d = 0; d < dims.size(); ++d) {
            total *= dims[d];
            volume *= chunk[d];
        }
        // For every element: its chunk's grid coordinates, and the flat indices per chunk.
        std::vector<Dims> chunk_of(total);
        std::map<Dims, std::vector<std::uint64_t>> members;
        for (std::uint64_t i = 0; i < total; ++i) {
            Dims idx(dims.size()), c(dims.size());
            std::uint64_t rest = i;
            for (std::size_t d = dims.size(); d-- > 0;) {
                idx[d] = rest % dims[d];
                rest /= dims[d];
                c[d] = idx[d] / chunk[d] * chunk[d];
            }
            chunk_of[i] = c;
            members[c].push_back(i);
        }
        for (std::uint64_t first = 0; first <= total; ++first) {
            for (std::uint64_t count = 0; first + count <= total; ++count) {
                std::vector<Dims> expected;
                bool whole = count > 0;
                for (std::uint64_t i = first; i < first + count && whole; ++i) {
                    if (!expected.empty() && expected.back() == chunk_of[i]) continue;
                    const auto& m = members[chunk_of[i]];
                    whole = m.size() == volume && m.back() - m.front() + 1 == volume &&
                            m.front() >= first && m.back() < first + count;
                    expected.push_back(chunk_of[i]);
                }
                if (!whole) expected.clear();
                INFO("dims rank " << dims.size() << " first " << first << " count " << count);
                CHECK(detail::whole_chunks_of(dims, chunk, first, count) == expected);
            }
        }
    }
}

TEST_CASE("A file written with stored chunks is byte for byte the file HDF5's filter writes",
          "[hdf5][stored_chunks]") {
    // Same datasets, same data; one file through the filter, one with every whole chunk as
    // stored bytes: no chunk moves, no metadata differs (chunks are allocated at creation).
    TempDir dir;
    std::vector<double> values(6 * 250);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::sin(0.37 * i) * 1e3;
    std::vector<std::int32_t> status(6 * 250);
    for (std::size_t i = 0; i < status.size(); ++i) status[i] = static_cast<std::int32_t>(i % 7);
    std::vector<std::uint8_t> ones(status.size(), 1);
    auto write = [&](const std::string& name, bool stored) {
        H5File f(name, H5File::Mode::create_truncate);
        f.create_chunked("/results/x", ElementType::float64, {6, 250}, {2, 250}, "1", 0.0);
        f.create_chunked("/results/status", ElementType::int32, {6, 250}, {2, 250}, "1", -1.0);
        f.create_chunked("/sweep/done", ElementType::uint8, {1500}, {500}, "1", 0.0);
        for (std::uint64_t block = 0; block < 3; ++block) {
            const std::uint64_t first = block * 500;
            if (stored) {
                const auto x = stored_bytes(values.data() + first, 500 * 8);
                f.write_stored_chunk("/results/x", {2 * block, 0}, x.data(), x.size());
                const auto s = stored_bytes(status.data() + first, 500 * 4);
                f.write_stored_chunk("/results/status", {2 * block, 0}, s.data(), s.size());
                f.flush();
                const auto d = stored_bytes(ones.data() + first, 500);
                f.write_stored_chunk("/sweep/done", {first}, d.data(), d.size());
            } else {
                f.write_flat_range("/results/x", ElementType::float64, first, 500,
                                   values.data() + first);
                f.write_flat_range("/results/status", ElementType::int32, first, 500,
                                   status.data() + first);
                f.flush();
                f.write_flat_range("/sweep/done", ElementType::uint8, first, 500,
                                   ones.data() + first);
            }
            f.flush();
        }
        f.close();
    };
    write(dir.file("filtered.h5"), false);
    write(dir.file("stored.h5"), true);
    auto bytes = [](const std::string& name) {
        std::ifstream in(name, std::ios::binary);
        return std::vector<char>(std::istreambuf_iterator<char>(in), {});
    };
    const auto a = bytes(dir.file("filtered.h5"));
    CHECK(a.size() > 6 * 250 * 12);
    CHECK(a == bytes(dir.file("stored.h5")));
}

TEST_CASE("A chunk read into the chunk cache and then written as stored bytes reads back new",
          "[hdf5][stored_chunks]") {
    // A resumed run reads /sweep/done (caching its chunks) before writing chunks of it as
    // stored bytes: HDF5 must drop its cached copy, and a dirty cached copy must not be flushed
    // over the stored chunk later.
    TempDir dir;
    H5File f(dir.file("cache.h5"), H5File::Mode::create_truncate);
    f.create_chunked("/d", ElementType::uint8, {30}, {10}, "1", 0.0);
    std::vector<std::uint8_t> old_values(30, 7);
    f.write_flat_range("/d", ElementType::uint8, 0, 30, old_values.data());
    std::vector<std::uint8_t> seen(30);
    f.read_flat_range("/d", ElementType::uint8, 0, 30, seen.data());  // cached
    const std::vector<std::uint8_t> ones(10, 1);
    const auto stored = stored_bytes(ones.data(), 10);
    f.write_stored_chunk("/d", {10}, stored.data(), stored.size());
    f.read_flat_range("/d", ElementType::uint8, 0, 30, seen.data());
    CHECK(std::vector<std::uint8_t>(seen.begin() + 10, seen.begin() + 20) == ones);
    CHECK(seen[9] == 7);
    CHECK(seen[20] == 7);
    // A partial write leaves the chunk dirty in the cache; a stored write replaces it.
    const std::uint8_t five = 5;
    f.write_flat_range("/d", ElementType::uint8, 25, 1, &five);
    const auto stored2 = stored_bytes(ones.data(), 10);
    f.write_stored_chunk("/d", {20}, stored2.data(), stored2.size());
    f.flush();
    f.close();
    H5File g(dir.file("cache.h5"), H5File::Mode::read_only);
    const auto all = g.read_bytes("/d");
    CHECK(std::vector<std::uint8_t>(all.begin() + 20, all.end()) == ones);
    CHECK(g.read_stored_chunk("/d", {20}) == stored2);
}
