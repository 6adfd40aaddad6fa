//! @file hdf5_stored_chunks.cpp
//! H5File's whole-chunk I/O: the chunk geometry of a dataset, and chunks written and read as
//! stored (after the filters: data then Fletcher32), H5Dwrite_chunk / H5Dread_chunk.
#include "detail/hdf5_detail.hpp"

#include <array>
#include <bit>

#if !H5_VERSION_GE(1, 10, 3)
#error "H5Dwrite_chunk and H5Dread_chunk need HDF5 >= 1.10.3"
#endif

namespace relsim::io {

namespace {

//! The chunk extents of a chunked dataset of `rank` dimensions, from its creation properties.
std::vector<hsize_t> chunk_extents_of(const Where& w, hid_t dcpl, std::size_t rank) {
    std::vector<hsize_t> chunk(rank);
    w.check(H5Pget_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data()),
            "cannot get the chunk dimensions");
    return chunk;
}

//! The dataset's chunk extents and its chunk's size in bytes of data.
StoredChunk stored_chunk_of(const Where& w, hid_t dset) {
    Handle dcpl =
        w.handle(H5Dget_create_plist(dset), H5Pclose, "cannot get the creation property list");
    if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) w.fail_plain("is not a chunked dataset");
    Handle space = w.handle(H5Dget_space(dset), H5Sclose, "cannot get the dataspace");
    StoredChunk out;
    out.chunk = chunk_extents_of(w, dcpl.get(), extents_of(w, space.get()).size());
    Handle type = w.handle(H5Dget_type(dset), H5Tclose, "cannot get the type");
    out.bytes = H5Tget_size(type.get());
    for (const hsize_t c : out.chunk) out.bytes = saturating_mul(out.bytes, c);
    return out;
}

}  // namespace

H5File::ChunkGeometry H5File::chunk_geometry(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    Handle dset = impl_->open_dataset(path);
    Handle space = w.handle(H5Dget_space(dset.get()), H5Sclose, "cannot get the dataspace");
    Handle dcpl = w.handle(H5Dget_create_plist(dset.get()), H5Pclose,
                           "cannot get the creation property list");
    ChunkGeometry g;
    g.dims = extents_of(w, space.get());
    if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return g;
    const std::vector<hsize_t> chunk = chunk_extents_of(w, dcpl.get(), g.dims.size());
    g.chunk.assign(chunk.begin(), chunk.end());
    // Fletcher32 and nothing else: the stored chunk is the data then 4 bytes of checksum.
    const int nfilters = H5Pget_nfilters(dcpl.get());
    bool fletcher32_only = nfilters == 1;
    for (int i = 0; i < nfilters; ++i) {
        unsigned flags = 0;
        std::size_t nelem = 0;
        char name[32];
        unsigned config = 0;
        fletcher32_only = fletcher32_only && H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i),
                                                            &flags, &nelem, nullptr, sizeof name,
                                                            name, &config) == H5Z_FILTER_FLETCHER32;
    }
    // The element bytes in the file are those of the memory type only for these exact types on
    // a little-endian host.
    Handle type = w.handle(H5Dget_type(dset.get()), H5Tclose, "cannot get the type");
    bool native = false;
    for (const ElementType t : {ElementType::float64, ElementType::int32, ElementType::uint8}) {
        if (w.check_tri(H5Tequal(type.get(), file_type(t)), "cannot compare types")) {
            g.type = t;
            native = std::endian::native == std::endian::little;
        }
    }
    g.stored_bytes_writable = fletcher32_only && native;
    return g;
}

void H5File::write_stored_chunk(const std::string& path, const std::vector<std::uint64_t>& offset,
                                const void* bytes, std::size_t size) {
    if (!impl_) {
        moved_from();
    }
    Impl& im = *impl_;
    const Where w = im.where(path);
    im.require_writable(path);
    const hid_t dset = im.stream(path);  // its chunk cache drops any copy of this chunk
    auto it = im.stored_chunks.find(path);
    if (it == im.stored_chunks.end()) {
        it = im.stored_chunks.emplace(path, stored_chunk_of(w, dset)).first;
    }
    const StoredChunk& sc = it->second;
    if (offset.size() != sc.chunk.size()) {
        w.fail_plain(fmt::format("chunk offset of rank {} for a dataset of rank {}", offset.size(),
                                 sc.chunk.size()));
    }
    if (bytes == nullptr || size != sc.bytes + 4) {
        w.fail_plain(fmt::format("a stored chunk has {} bytes (data and checksum), not {}",
                                 sc.bytes + 4, size));
    }
    std::array<hsize_t, detail::max_rank> at{};
    std::copy(offset.begin(), offset.end(), at.begin());
    if (H5Dwrite_chunk(dset, H5P_DEFAULT, 0, at.data(), size, bytes) < 0) {
        w.fail(fmt::format("cannot write the chunk at {}", join_dims(offset)));
    }
}

std::vector<std::uint8_t> H5File::read_stored_chunk(const std::string& path,
                                                    const std::vector<std::uint64_t>& offset,
                                                    std::uint32_t* filter_mask) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    impl_->require_open(path);
    Handle dset = impl_->open_dataset(path);
    const StoredChunk sc = stored_chunk_of(w, dset.get());
    if (offset.size() != sc.chunk.size()) {
        w.fail_plain(fmt::format("chunk offset of rank {} for a dataset of rank {}", offset.size(),
                                 sc.chunk.size()));
    }
    const std::vector<hsize_t> at(offset.begin(), offset.end());
    hsize_t stored = 0;
    w.check(H5Dget_chunk_storage_size(dset.get(), at.data(), &stored),
            fmt::format("cannot get the stored size of the chunk at {}", join_dims(offset)));
    std::vector<std::uint8_t> out(static_cast<std::size_t>(stored));
    std::uint32_t mask = 0;
    w.check(H5Dread_chunk(dset.get(), H5P_DEFAULT, at.data(), &mask, out.data()),
            fmt::format("cannot read the chunk at {}", join_dims(offset)));
    if (filter_mask != nullptr) *filter_mask = mask;
    return out;
}

}  // namespace relsim::io
