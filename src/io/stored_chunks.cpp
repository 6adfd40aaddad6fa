//! @file stored_chunks.cpp
//! Fletcher-32 with HDF5's conventions and the whole-chunk arithmetic (detail/stored_chunks.hpp).
#include "detail/stored_chunks.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

namespace relsim::io::detail {

namespace {

constexpr std::uint64_t modulus = 65535;

//! 16 interleaved lanes, each keeping its own first and second sum in 32 bits, so that the
//! loop has no serial dependency from word to word and runs on vector registers.
constexpr std::size_t lanes = 16;
//! Steps per lane block: the lanes' 32-bit second sums stay below 2^32 (q (q + 1) / 2 * 65535).
constexpr std::size_t max_steps = 360;
constexpr std::size_t block_words = lanes * max_steps;

struct Sums {
    std::uint64_t a = 0;  //!< sum of words (mod 65535 between blocks)
    std::uint64_t b = 0;  //!< sum of the running sums
};

// GCC/Clang vector extensions (SSE2 on x86-64, NEON on arm64; no target flags needed).
typedef std::uint16_t u16x8 __attribute__((vector_size(16)));
typedef std::uint32_t u32x8 __attribute__((vector_size(32)));

//! Adds `n` words (n a multiple of `lanes`, at most block_words) to `s`.
void add_words(Sums& s, const unsigned char* p, std::size_t n) {
    // Lane j holds words j, j + L, j + 2L, ...: A_j = sum of its words, C_j = sum of its running
    // sums = sum_i (q - i) w_{iL+j} with q = n / L steps. Over the block, with t = iL + j:
    // b_block = sum_t (n - t) w_t = n * a_block - sum_t t w_t and
    // sum_t t w_t = L * sum_j (q A_j - C_j) + sum_j j A_j.
    u32x8 A0{}, A1{}, C0{}, C1{};
    const std::size_t q = n / lanes;
    for (std::size_t i = 0; i < q; ++i) {
        u16x8 w0, w1;
        std::memcpy(&w0, p + 32 * i, 16);
        std::memcpy(&w1, p + 32 * i + 16, 16);
        if constexpr (std::endian::native == std::endian::little) {  // first byte = high byte
            w0 = static_cast<u16x8>((w0 << 8) | (w0 >> 8));
            w1 = static_cast<u16x8>((w1 << 8) | (w1 >> 8));
        }
        A0 += __builtin_convertvector(w0, u32x8);
        A1 += __builtin_convertvector(w1, u32x8);
        C0 += A0;
        C1 += A1;
    }
    std::uint64_t a_block = 0, weighted = 0;
    for (std::size_t j = 0; j < lanes; ++j) {
        const std::uint64_t Aj = j < 8 ? A0[j] : A1[j - 8];
        const std::uint64_t Cj = j < 8 ? C0[j] : C1[j - 8];
        a_block += Aj;
        weighted += lanes * (q * Aj - Cj) + j * Aj;
    }
    const std::uint64_t b_block = n * a_block - weighted;
    // Appending the block to what came before: every earlier word is counted n more times.
    s.b = (s.b + (n % modulus) * s.a + b_block % modulus) % modulus;
    s.a = (s.a + a_block) % modulus;
}

void add_word(Sums& s, std::uint64_t w) {
    s.a = (s.a + w) % modulus;
    s.b = (s.b + s.a) % modulus;
}

}  // namespace

std::uint32_t fletcher32(const unsigned char* data, std::size_t size) {
    Sums s;
    const std::size_t words = size / 2;
    std::size_t done = 0;
    while (words - done >= lanes) {
        const std::size_t n = std::min(block_words, (words - done) / lanes * lanes);
        add_words(s, data + 2 * done, n);
        done += n;
    }
    for (; done < words; ++done) {
        add_word(s, (static_cast<std::uint64_t>(data[2 * done]) << 8) | data[2 * done + 1]);
    }
    if (size % 2 != 0) add_word(s, static_cast<std::uint64_t>(data[size - 1]) << 8);
    // The sums modulo 65535 are 0 both for "all words zero" and for a positive multiple of
    // 65535; HDF5's end-around-carry sums tell them apart (a positive sum never folds to 0).
    if ((s.a == 0 || s.b == 0) &&
        std::all_of(data, data + size, [](unsigned char c) { return c == 0; })) {
        return 0;
    }
    const std::uint64_t a = s.a == 0 ? modulus : s.a;
    const std::uint64_t b = s.b == 0 ? modulus : s.b;
    return static_cast<std::uint32_t>((b << 16) | a);
}

void put_checksum(unsigned char* out, std::uint32_t checksum) {
    for (int i = 0; i < 4; ++i) out[i] = static_cast<unsigned char>(checksum >> (8 * i));
}

std::vector<std::vector<std::uint64_t>> whole_chunks_of(std::span<const std::uint64_t> dims,
                                                        std::span<const std::uint64_t> chunk,
                                                        std::uint64_t first, std::uint64_t count) {
    std::vector<std::vector<std::uint64_t>> out;
    const std::size_t rank = dims.size();
    if (rank == 0 || chunk.size() != rank || count == 0) return out;
    // k: the one dimension where a chunk may be partial; before it chunks are 1 wide, after it
    // they span the whole extent (then a chunk is a contiguous run in flat order).
    std::size_t k = 0;
    while (k + 1 < rank && chunk[k] == 1) ++k;
    std::uint64_t inner = 1;  // elements in one step of dimension k
    for (std::size_t j = k + 1; j < rank; ++j) {
        if (chunk[j] != dims[j]) return out;
        inner *= dims[j];
    }
    if (chunk[k] == 0 || chunk[k] > dims[k] || inner == 0) return out;
    const std::uint64_t chunk_elems = chunk[k] * inner;
    const std::uint64_t slab = dims[k] * inner;  // elements of one index of the outer dimensions
    std::uint64_t total = slab;
    for (std::size_t j = 0; j < k; ++j) total *= dims[j];
    if (first > total || count > total - first || count % chunk_elems != 0) return out;
    for (std::uint64_t at = first; at < first + count; at += chunk_elems) {
        const std::uint64_t within = at % slab;
        if (within % chunk_elems != 0) return {};
        const std::uint64_t index_k = within / inner;
        if (index_k + chunk[k] > dims[k]) return {};  // an edge chunk: partly outside
        std::vector<std::uint64_t> offset(rank, 0);
        offset[k] = index_k;
        std::uint64_t outer = at / slab;
        for (std::size_t j = k; j-- > 0;) {
            offset[j] = outer % dims[j];
            outer /= dims[j];
        }
        out.push_back(std::move(offset));
    }
    return out;
}

}  // namespace relsim::io::detail
