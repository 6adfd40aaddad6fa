//! @file result_blocks.cpp
//! ResultFile's block writes: every dataset write of a block, made either through HDF5's
//! filtered path (H5File::write_flat_range) or, where the write is whole chunks, as chunks
//! prepared on the compute side (PreparedBlock: data + Fletcher32, H5File::write_stored_chunk).
#include <cstring>

#include "detail/stored_chunks.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/io/result_file.hpp"

namespace relsim::io {
namespace {

//! One dataset write of a block: flat elements [first, first + count) of `path`.
struct DatasetWrite {
    std::string path;
    ElementType type = ElementType::float64;
    std::uint64_t first = 0;
    std::uint64_t count = 0;
    const void* data = nullptr;
};

std::size_t bytes_of(ElementType type) {
    return type == ElementType::float64 ? 8 : type == ElementType::int32 ? 4 : 1;
}

//! Every dataset write of block `b`, in the order they are made; the last one is /sweep/done
//! (from `ones`), which follows a flush of all the others.
std::vector<DatasetWrite> writes_of(const ResultLayout& L, const ResultBlock& b,
                                    const std::uint8_t* ones) {
    std::vector<DatasetWrite> w;
    auto add = [&](std::string path, ElementType type, std::uint64_t first, std::uint64_t count,
                   const void* data) {
        w.push_back({std::move(path), type, first, count, data});
    };
    constexpr ElementType f64 = ElementType::float64;
    for (std::size_t q = 0; q < L.scalar_names.size(); ++q) {
        add("/results/" + L.scalar_names[q], f64, b.first, b.count, b.scalars.data() + q * b.count);
    }
    add("/results/status", ElementType::int32, b.first, b.count, b.status.data());
    if (L.store_solver_method) {
        add("/results/solver_method", ElementType::int32, b.first, b.count, b.method.data());
    }
    if (L.reduce_row > 0 && !L.reduced.empty()) {  // blocks hold whole rows (sweep_runner.cpp)
        const std::uint64_t rows = b.count / L.reduce_row;
        for (std::size_t r = 0; r < L.reduced.size(); ++r) {
            add(L.reduced[r].path, f64, b.first / L.reduce_row, rows, b.reduced.data() + r * rows);
        }
    }
    if (!L.line_labels.empty()) {
        const std::uint64_t nl = L.line_labels.size();
        add("/results/line_photon_rate", f64, b.first * nl, b.count * nl, b.line_rates.data());
    }
    if (!L.wavelength_nm.empty()) {
        const std::uint64_t nw = L.wavelength_nm.size();
        add("/spectrum/power", f64, b.first * nw, b.count * nw, b.spectrum.data());
    }
    if (!L.transient_time_s.empty()) {
        const std::uint64_t nt = L.transient_time_s.size();
        for (std::size_t s = 0; s < L.transient_series.size(); ++s) {
            add("/transient/" + L.transient_series[s], f64, b.first * nt, b.count * nt,
                b.transient.data() + s * b.count * nt);
        }
        add("/transient/rise_time_s", f64, b.first, b.count, b.rise_time_s.data());
        add("/transient/decay_time_s", f64, b.first, b.count, b.decay_time_s.data());
        add("/transient/status", ElementType::int32, b.first, b.count, b.transient_status.data());
    }
    const double* extra = b.extra.data();
    for (const auto& e : L.extra_series) {
        const std::uint64_t len = std::max<std::uint64_t>(e.length, 1);
        add(e.path, f64, b.first * len, b.count * len, extra);
        extra += b.count * len;
    }
    add("/sweep/done", ElementType::uint8, b.first, b.count, ones);
    return w;
}

}  // namespace

void PreparedBlock::fill(std::size_t i) {
    Chunk& c = chunks[i];
    c.stored.resize(c.size + 4);
    std::memcpy(c.stored.data(), c.source, c.size);
    detail::put_checksum(c.stored.data() + c.size, detail::fletcher32(c.source, c.size));
}

void ResultFile::learn_chunk_geometry() {
    geometry_.clear();
    for (const H5File::DatasetInfo& d : file_->datasets()) {
        if (!d.checksummed) continue;
        H5File::ChunkGeometry g = file_->chunk_geometry(d.path);
        if (g.stored_bytes_writable) geometry_.emplace(d.path, std::move(g));
    }
}

void ResultFile::prepare_block(const ResultBlock& b, PreparedBlock& out) const {
    out.first = b.first;
    out.count = b.count;
    out.ones.assign(b.count, 1);
    const std::vector<DatasetWrite> writes = writes_of(layout_, b, out.ones.data());
    out.whole.assign(writes.size(), 0);
    std::size_t n = 0;
    for (std::size_t i = 0; i < writes.size(); ++i) {
        const DatasetWrite& w = writes[i];
        const auto it = geometry_.find(w.path);
        if (it == geometry_.end() || it->second.type != w.type || w.count == 0) continue;
        const H5File::ChunkGeometry& g = it->second;
        const std::vector<std::vector<std::uint64_t>> offsets =
            detail::whole_chunks_of(g.dims, g.chunk, w.first, w.count);
        if (offsets.empty()) continue;
        out.whole[i] = 1;
        const std::size_t chunk_bytes = w.count / offsets.size() * bytes_of(w.type);
        const auto* source = static_cast<const unsigned char*>(w.data);
        for (const std::vector<std::uint64_t>& offset : offsets) {
            if (n == out.chunks.size()) out.chunks.emplace_back();
            PreparedBlock::Chunk& c = out.chunks[n++];
            c.write = i;
            c.offset = offset;
            c.source = source;
            c.size = chunk_bytes;
            source += chunk_bytes;
        }
    }
    out.chunks.resize(n);
}

void ResultFile::write_block(const ResultBlock& b, const PreparedBlock* prepared) {
    H5File& f = *file_;
    const bool use = prepared != nullptr && prepared->first == b.first &&
                     prepared->count == b.count && prepared->ones.size() == b.count;
    std::vector<std::uint8_t> own_ones;
    if (!use) own_ones.assign(b.count, 1);
    const std::vector<DatasetWrite> writes =
        writes_of(layout_, b, use ? prepared->ones.data() : own_ones.data());
    const bool whole_known = use && prepared->whole.size() == writes.size();
    std::size_t next_chunk = 0;  // chunks are in the order of the writes
    auto write = [&](std::size_t i) {
        const DatasetWrite& w = writes[i];
        if (whole_known && prepared->whole[i]) {
            for (; next_chunk < prepared->chunks.size() && prepared->chunks[next_chunk].write == i;
                 ++next_chunk) {
                const PreparedBlock::Chunk& c = prepared->chunks[next_chunk];
                f.write_stored_chunk(w.path, c.offset, c.stored.data(), c.stored.size());
            }
            return;
        }
        f.write_flat_range(w.path, w.type, w.first, w.count, w.data);
    };
    for (std::size_t i = 0; i + 1 < writes.size(); ++i) write(i);
    f.flush();
    write(writes.size() - 1);  // /sweep/done, once the data are on disk
    f.flush();
}

}  // namespace relsim::io
