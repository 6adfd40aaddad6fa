//! @file hdf5_detail.hpp (private to src/io: the hdf5_*.cpp files only)
//! What the HDF5 files of src/io share: Handle (owns one hid_t), Where (error reporting with
//! HDF5's error stack), the type / property-list / dataspace helpers, string and attribute
//! helpers, the content checksum, and H5File::Impl. Split out of hdf5_file.cpp unchanged.
#pragma once

#include "relsim/io/hdf5_file.hpp"

#include "flat_range.hpp"
#include "relsim/core/error.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <stdexcept>
#include <string_view>
#include <system_error>
#include <utility>
#include <span>
#include <string>
#include <vector>

namespace relsim::io::h5detail {

// ---------------------------------------------------------------------------------------------
// Handles and error reporting
// ---------------------------------------------------------------------------------------------

//! Owns one hid_t and closes it with the matching H5?close function.
class Handle {
public:
    using Closer = herr_t (*)(hid_t);
    Handle() noexcept = default;
    Handle(hid_t id, Closer closer) noexcept : id_(id), closer_(closer) {}
    ~Handle() { (void)close(); }
    Handle(Handle&& other) noexcept
        : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            (void)close();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
            closer_ = other.closer_;
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;

    [[nodiscard]] hid_t get() const noexcept { return id_; }
    [[nodiscard]] bool valid() const noexcept { return id_ >= 0; }
    //! Closes now; returns HDF5's status (0 when there was nothing to close).
    herr_t close() noexcept {
        herr_t status = 0;
        if (id_ >= 0 && closer_ != nullptr) {
            status = closer_(id_);
        }
        id_ = H5I_INVALID_HID;
        return status;
    }

private:
    hid_t id_ = H5I_INVALID_HID;
    Closer closer_ = nullptr;
};

//! HDF5's error stack of this thread as one line (the API call, then the innermost cause,
//! which usually carries errno or the decisive detail), and clears the stack.
std::string take_hdf5_reason();

void silence_hdf5_error_printing();

//! The subject of an operation, for error messages: file and object path.
struct Where {
    const std::string& file;
    std::string_view object;

    [[nodiscard]] std::string subject() const {
        return object.empty() ? fmt::format("HDF5 file '{}'", file)
                              : fmt::format("HDF5 file '{}', object '{}'", file, object);
    }
    //! Throws RunError "<subject>: <what> (HDF5: <stack>)".
    [[noreturn]] void fail(std::string_view what) const {
        const std::string reason = take_hdf5_reason();
        if (reason.empty()) {
            throw RunError(fmt::format("{}: {}", subject(), what));
        }
        throw RunError(fmt::format("{}: {} (HDF5: {})", subject(), what, reason));
    }
    //! Throws RunError for a failure detected by relsim itself, not by HDF5.
    [[noreturn]] void fail_plain(std::string_view what) const {
        throw RunError(fmt::format("{}: {}", subject(), what));
    }
    [[nodiscard]] Handle handle(hid_t id, Handle::Closer closer, std::string_view what) const {
        if (id < 0) {
            fail(what);
        }
        return Handle(id, closer);
    }
    void check(herr_t status, std::string_view what) const {
        if (status < 0) {
            fail(what);
        }
    }
    [[nodiscard]] bool check_tri(htri_t value, std::string_view what) const {
        if (value < 0) {
            fail(what);
        }
        return value > 0;
    }
    template <typename T>
    [[nodiscard]] T check_value(T value, std::string_view what) const {
        if (value < 0) {
            fail(what);
        }
        return value;
    }
};

// ---------------------------------------------------------------------------------------------
// Types, property lists, small helpers (hdf5_handles.cpp)
// ---------------------------------------------------------------------------------------------

hid_t memory_type(ElementType type);
hid_t file_type(ElementType type);
std::size_t element_size(ElementType type);
const char* type_name(ElementType type);
//! Variable-length UTF-8 string type (file and memory alike).
Handle vlen_utf8_type(const Where& where);
//! Link creation: missing parent groups are created; link names are UTF-8.
Handle link_create_plist(const Where& where);
//! Dataset creation defaults: no object timestamps (reproducible files, and no metadata that a
//! raw-data write could want to update).
Handle dataset_create_plist(const Where& where);
Handle dataspace(const Where& where, const std::vector<std::uint64_t>& dims);
std::uint64_t element_count(const std::vector<std::uint64_t>& dims);
std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b);
std::string join_dims(std::span<const std::uint64_t> dims);
void require_absolute(const Where& where);
void require_no_nul(const Where& where, const std::string& value, std::string_view what);
//! Dataspace extents ({} for scalar).
std::vector<std::uint64_t> extents_of(const Where& where, hid_t space);
std::uint64_t point_count(const Where& where, hid_t space);

// Chunk layout and chunk cache
//! See create_chunked() in the header: requested zeros are chosen last dimension first within a
//! ~128 KiB budget; requested values are clipped to the extent.
std::vector<hsize_t> choose_chunk_dims(const std::vector<std::uint64_t>& dims,
                                       const std::vector<std::uint64_t>& requested,
                                       std::size_t elem_size);
//! Dataset access property list whose chunk cache holds one chunk-row along dimension 0 (the
//! chunks that flat-order streaming keeps partly written at the same time), within limits.
Handle streaming_access_plist(const Where& where, std::span<const std::uint64_t> dims,
                              std::span<const hsize_t> chunk, std::size_t elem_size);

// ---------------------------------------------------------------------------------------------
// Strings and attributes
// ---------------------------------------------------------------------------------------------

void reclaim_vlen(hid_t mem_type, hid_t space, void* buffer);

//! Reads every element of a string dataset or attribute (variable- or fixed-length).
//! `read(mem_type, buffer)` performs the H5Dread/H5Aread.
template <typename ReadFn>
std::vector<std::string> read_string_values(const Where& where, hid_t stored_type, hid_t space,
                                            ReadFn read) {
    if (H5Tget_class(stored_type) != H5T_STRING) {
        where.fail_plain("is not of string type");
    }
    const std::size_t n = static_cast<std::size_t>(point_count(where, space));
    std::vector<std::string> out;
    out.reserve(n);
    const H5T_cset_t cset = H5Tget_cset(stored_type);
    if (where.check_tri(H5Tis_variable_str(stored_type), "cannot inspect the string type")) {
        Handle mem = vlen_utf8_type(where);
        where.check(H5Tset_cset(mem.get(), cset == H5T_CSET_ASCII ? H5T_CSET_ASCII : H5T_CSET_UTF8),
                    "cannot set the string character set");
        std::vector<char*> buffer(n, nullptr);
        where.check(read(mem.get(), static_cast<void*>(buffer.data())), "cannot read strings");
        struct Reclaim {
            hid_t mem, space;
            std::vector<char*>& buffer;
            ~Reclaim() { reclaim_vlen(mem, space, buffer.data()); }
        } reclaim{mem.get(), space, buffer};
        for (const char* s : buffer) {
            out.emplace_back(s != nullptr ? s : "");
        }
        return out;
    }
    const std::size_t size = H5Tget_size(stored_type);
    if (size == 0) {
        where.fail("cannot get the string size");
    }
    Handle mem = where.handle(H5Tcopy(stored_type), H5Tclose, "cannot copy the string type");
    const bool space_padded = H5Tget_strpad(stored_type) == H5T_STR_SPACEPAD;
    std::vector<char> buffer(n * size);
    where.check(read(mem.get(), static_cast<void*>(buffer.data())), "cannot read strings");
    for (std::size_t i = 0; i < n; ++i) {
        const char* s = buffer.data() + i * size;
        std::size_t len = 0;
        while (len < size && s[len] != '\0') {
            ++len;
        }
        while (space_padded && len > 0 && s[len - 1] == ' ') {
            --len;
        }
        out.emplace_back(s, len);
    }
    return out;
}

//! Opens attribute `name` of the object at `object` (file-relative absolute path).
Handle open_attribute(const Where& where, hid_t file, const std::string& name);
//! Creates (replacing) scalar attribute `name` on the open object `obj`.
void write_attribute(const Where& where, hid_t obj, const std::string& name, hid_t stored_type,
                     hid_t mem_type, const void* value);
void write_string_attribute(const Where& where, hid_t obj, const std::string& name,
                            const std::string& value);

// ---------------------------------------------------------------------------------------------
// Content checksums
// ---------------------------------------------------------------------------------------------

//! 64-bit FNV-1a over bytes (the content checksums of whole datasets; not cryptographic).
class Fnv1a64 {
public:
    void add(const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) {
            h_ ^= p[i];
            h_ *= 1099511628211ull;
        }
    }
    void add_u64(std::uint64_t v) {  // little-endian, whatever the host
        unsigned char b[8];
        for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
        add(b, 8);
    }
    void add_double(double v) {
        std::uint64_t bits = 0;
        std::memcpy(&bits, &v, sizeof bits);
        add_u64(bits);
    }
    [[nodiscard]] std::string text() const { return fmt::format("fnv1a64:{:016x}", h_); }

private:
    std::uint64_t h_ = 14695981039346656037ull;
};

template <typename T>
std::string numeric_checksum(const T* data, std::uint64_t n) {
    Fnv1a64 h;
    if (data == nullptr) n = 0;  // write_dataset refuses it with its own message
    for (std::uint64_t i = 0; i < n; ++i) h.add_double(static_cast<double>(data[i]));
    return h.text();
}

//! A chunked dataset's chunk extents and the bytes of data in one chunk.
struct StoredChunk {
    std::vector<hsize_t> chunk;
    std::uint64_t bytes = 0;
};

const std::string& no_path();
[[noreturn]] void moved_from();

}  // namespace relsim::io::h5detail

namespace relsim::io {

using namespace h5detail;  // NOLINT(google-build-using-namespace): private to src/io's HDF5 files

// ---------------------------------------------------------------------------------------------
// H5File
// ---------------------------------------------------------------------------------------------

struct H5File::Impl {
    std::string path;
    Mode mode = Mode::read_only;
    Handle file;
    //! Datasets opened for flat-range I/O, kept open so that their chunk caches persist.
    std::map<std::string, Handle, std::less<>> streams;
    //! Chunk extents and chunk bytes of the streams that write_stored_chunk() has written to
    //! (hdf5_stored_chunks.cpp), dropped with the stream.
    std::map<std::string, StoredChunk, std::less<>> stored_chunks;

    [[nodiscard]] Where where(std::string_view object = {}) const {
        silence_hdf5_error_printing();
        return Where{path, object};
    }

    void require_open(std::string_view object) const {
        if (!file.valid()) {
            where(object).fail_plain("the file is closed");
        }
    }
    void require_writable(std::string_view object) const {
        require_open(object);
        if (mode == Mode::read_only) {
            where(object).fail_plain("the file is open read-only");
        }
    }

    [[nodiscard]] bool exists(const std::string& object) const {
        const Where w = where(object);
        require_open(object);
        require_absolute(w);
        // H5Lexists needs every parent to exist and be a group: check component by component.
        std::string prefix;
        std::size_t pos = 1;
        while (pos <= object.size()) {
            const std::size_t slash = std::min(object.find('/', pos), object.size());
            if (slash > pos) {
                if (!prefix.empty() && object_kind(prefix) != H5I_GROUP) {
                    return false;  // below a dataset
                }
                prefix.append("/").append(object, pos, slash - pos);
                if (!w.check_tri(H5Lexists(file.get(), prefix.c_str(), H5P_DEFAULT),
                                 "cannot look up a link") ||
                    !w.check_tri(H5Oexists_by_name(file.get(), prefix.c_str(), H5P_DEFAULT),
                                 "cannot check the object")) {
                    return false;  // missing, or a dangling soft link
                }
            }
            pos = slash + 1;
        }
        return true;  // also for "/"
    }

    //! H5I_DATASET, H5I_GROUP, ... of an existing object.
    [[nodiscard]] H5I_type_t object_kind(const std::string& object) const {
        const Where w = where(object);
        Handle obj = w.handle(H5Oopen(file.get(), object.c_str(), H5P_DEFAULT), H5Oclose,
                              "cannot open the object");
        return H5Iget_type(obj.get());
    }

    [[nodiscard]] Handle open_dataset(const std::string& object, hid_t dapl = H5P_DEFAULT) const {
        const Where w = where(object);
        require_open(object);
        require_absolute(w);
        if (!exists(object)) {
            w.fail_plain("no such dataset");
        }
        return w.handle(H5Dopen2(file.get(), object.c_str(), dapl), H5Dclose,
                        "cannot open the dataset");
    }

    //! A dataset for flat-range I/O: opened once (chunked ones with a streaming chunk cache) and
    //! kept open until close().
    hid_t stream(const std::string& object) {
        if (auto it = streams.find(object); it != streams.end()) {
            return it->second.get();
        }
        const Where w = where(object);
        Handle dset = open_dataset(object);
        Handle dcpl = w.handle(H5Dget_create_plist(dset.get()), H5Pclose,
                               "cannot get the creation property list");
        if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
            Handle space = w.handle(H5Dget_space(dset.get()), H5Sclose, "cannot get the dataspace");
            const std::vector<std::uint64_t> dims = extents_of(w, space.get());
            std::vector<hsize_t> chunk(dims.size());
            w.check(H5Pget_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
                    "cannot get the chunk dimensions");
            Handle type = w.handle(H5Dget_type(dset.get()), H5Tclose, "cannot get the type");
            const std::size_t elem_size = H5Tget_size(type.get());
            Handle dapl =
                streaming_access_plist(w, dims, chunk, std::max<std::size_t>(elem_size, 1));
            w.check(dset.close(), "cannot close the dataset");
            dset = open_dataset(object, dapl.get());
        }
        return streams.emplace(object, std::move(dset)).first->second.get();
    }

    void forget_stream(const std::string& object) {
        stored_chunks.erase(object);
        if (auto it = streams.find(object); it != streams.end()) {
            const herr_t status = it->second.close();
            streams.erase(it);
            where(object).check(status, "cannot close the dataset");
        }
    }

    //! Creates the group at `object` (with parents) unless something exists there.
    void ensure_group(const std::string& object) {
        if (exists(object)) {
            return;
        }
        const Where w = where(object);
        Handle lcpl = link_create_plist(w);
        Handle group =
            w.handle(H5Gcreate2(file.get(), object.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                     H5Gclose, "cannot create the group");
    }

    //! Removes a dataset at `object` (to be replaced); a group there is an error.
    void unlink_dataset_if_present(const std::string& object) {
        forget_stream(object);
        if (!exists(object)) {
            return;
        }
        const Where w = where(object);
        if (object_kind(object) != H5I_DATASET) {
            w.fail_plain("exists and is not a dataset");
        }
        w.check(H5Ldelete(file.get(), object.c_str(), H5P_DEFAULT),
                "cannot delete the old dataset");
    }

    //! Whole-dataset write: new dataset of `stored` type, data from `mem` type, units attribute.
    void write_dataset(const std::string& object, const std::vector<std::uint64_t>& dims,
                       hid_t stored, hid_t mem, const void* data, const std::string& units,
                       const std::string& checksum) {
        const Where w = where(object);
        require_writable(object);
        require_absolute(w);
        if (units.empty()) {
            w.fail_plain("units must not be empty (use \"1\" for dimensionless)");
        }
        const std::uint64_t n = element_count(dims);
        if (n > 0 && data == nullptr) {
            w.fail_plain("no data given");
        }
        Handle space = dataspace(w, dims);
        unlink_dataset_if_present(object);
        Handle lcpl = link_create_plist(w);
        Handle dcpl = dataset_create_plist(w);
        Handle dset = w.handle(H5Dcreate2(file.get(), object.c_str(), stored, space.get(),
                                          lcpl.get(), dcpl.get(), H5P_DEFAULT),
                               H5Dclose, "cannot create the dataset");
        if (n > 0) {
            w.check(H5Dwrite(dset.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                    "cannot write the dataset");
        }
        write_string_attribute(w, dset.get(), "units", units);
        // Written whole, stored contiguously (no Fletcher32): its own content checksum, which
        // `relsim verify` recomputes (issue 21 item 14).
        write_string_attribute(w, dset.get(), "checksum", checksum);
        w.check(dset.close(), "cannot close the dataset");
    }

    //! Reads a whole numeric dataset with HDF5's conversion to `mem`.
    template <typename T>
    std::vector<T> read_numeric(const std::string& object, hid_t mem, bool allow_float) const {
        const Where w = where(object);
        Handle dset = open_dataset(object);
        Handle type = w.handle(H5Dget_type(dset.get()), H5Tclose, "cannot get the type");
        const H5T_class_t cls = H5Tget_class(type.get());
        if (!(cls == H5T_INTEGER || (allow_float && cls == H5T_FLOAT))) {
            w.fail_plain(allow_float ? "is not a numeric dataset" : "is not an integer dataset");
        }
        Handle space = w.handle(H5Dget_space(dset.get()), H5Sclose, "cannot get the dataspace");
        std::vector<T> out(static_cast<std::size_t>(point_count(w, space.get())));
        if (!out.empty()) {
            w.check(H5Dread(dset.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()),
                    "cannot read the dataset");
        }
        return out;
    }

    //! File dataspace of `dset` with [first, first + count) selected; nothing when count = 0.
    //! Context for reading attributes of `object_path`: the file is open and the path absolute.
    Where where_readable(const std::string& object_path) const {
        const Where w = where(object_path);
        require_open(object_path);
        require_absolute(w);
        return w;
    }

    //! The object that receives an attribute: the file must be writable; a missing path is
    //! created as a group.
    Handle open_for_attributes(const Where& w, const std::string& object_path) {
        require_writable(object_path);
        ensure_group(object_path);
        return w.handle(H5Oopen(file.get(), object_path.c_str(), H5P_DEFAULT), H5Oclose,
                        "cannot open the object");
    }

    Handle select_flat_range(const Where& w, hid_t dset, std::uint64_t first,
                             std::uint64_t count) const {
        Handle space = w.handle(H5Dget_space(dset), H5Sclose, "cannot get the dataspace");
        const std::vector<std::uint64_t> dims = extents_of(w, space.get());
        const std::uint64_t total = point_count(w, space.get());
        if (first > total || count > total - first) {
            const std::string range = count <= std::numeric_limits<std::uint64_t>::max() - first
                                          ? fmt::format("[{}, {})", first, first + count)
                                          : fmt::format("[{}, {} + {})", first, first, count);
            w.fail_plain(
                fmt::format("flat range {} is outside the dataset of shape {} ({} "
                            "elements)",
                            range, join_dims(dims), total));
        }
        if (count == 0) {
            return Handle();
        }
        if (dims.empty()) {  // scalar: the only element
            w.check(H5Sselect_all(space.get()), "cannot select the element");
            return space;
        }
        const std::vector<detail::Hyperslab> pieces =
            detail::decompose_flat_range(dims, first, count);
        // One union selection: its row-major order is the flat order of the memory buffer.
        H5S_seloper_t op = H5S_SELECT_SET;
        std::array<hsize_t, detail::max_rank> start{};
        std::array<hsize_t, detail::max_rank> block_count{};
        for (const detail::Hyperslab& piece : pieces) {
            std::copy_n(piece.start.begin(), dims.size(), start.begin());
            std::copy_n(piece.count.begin(), dims.size(), block_count.begin());
            w.check(H5Sselect_hyperslab(space.get(), op, start.data(), nullptr, block_count.data(),
                                        nullptr),
                    "cannot select a hyperslab");
            op = H5S_SELECT_OR;
        }
        return space;
    }

    //! Reads or writes flat indices [first, first + count) piece by piece: each rectangular
    //! piece is one H5Dread/H5Dwrite whose memory dataspace has the piece's own shape, so
    //! HDF5 copies whole rows per chunk instead of mapping a union selection value by value.
    void transfer_flat_range(const Where& w, hid_t dset, ElementType type, std::uint64_t first,
                             std::uint64_t count, void* data, bool write) const {
        Handle space = select_flat_range(w, dset, first, count);  // validates the range
        if (count == 0) {
            return;
        }
        const std::vector<std::uint64_t> dims = extents_of(w, space.get());
        const auto io = [&](hid_t mem_space, hid_t file_space, void* buffer, std::uint64_t n,
                            std::uint64_t at) {
            const herr_t rc =
                write
                    ? H5Dwrite(dset, memory_type(type), mem_space, file_space, H5P_DEFAULT, buffer)
                    : H5Dread(dset, memory_type(type), mem_space, file_space, H5P_DEFAULT, buffer);
            w.check(rc, fmt::format("cannot {} {} {} elements at flat index {}",
                                    write ? "write" : "read", n, type_name(type), at));
        };
        if (dims.size() <= 1) {  // one piece; a 1-D memory space matches the selection
            const hsize_t n = count;
            Handle mem_space = w.handle(H5Screate_simple(1, &n, nullptr), H5Sclose,
                                        "cannot create the memory dataspace");
            io(mem_space.get(), space.get(), data, count, first);
            return;
        }
        auto* bytes = static_cast<unsigned char*>(data);
        std::uint64_t at = first;
        for (const detail::Hyperslab& piece : detail::decompose_flat_range(dims, first, count)) {
            std::array<hsize_t, detail::max_rank> start{};
            std::array<hsize_t, detail::max_rank> shape{};
            std::uint64_t n = 1;
            for (std::size_t d = 0; d < dims.size(); ++d) {
                start[d] = piece.start[d];
                shape[d] = piece.count[d];
                n *= piece.count[d];
            }
            w.check(H5Sselect_hyperslab(space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                        shape.data(), nullptr),
                    "cannot select a hyperslab");
            Handle mem_space =
                w.handle(H5Screate_simple(static_cast<int>(dims.size()), shape.data(), nullptr),
                         H5Sclose, "cannot create the memory dataspace");
            io(mem_space.get(), space.get(), bytes, n, at);
            bytes += n * element_size(type);
            at += n;
        }
    }
};

}  // namespace relsim::io
