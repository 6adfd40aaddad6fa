//! @file hdf5_handles.cpp
//! Handles, error reporting, types, property lists, chunk layout and attribute helpers of
//! relsim's HDF5 layer (detail/hdf5_detail.hpp), and the flat range decomposition.
#include "detail/hdf5_detail.hpp"

namespace relsim::io {

// ---------------------------------------------------------------------------------------------
// Flat range decomposition (pure arithmetic, declared in detail/flat_range.hpp)
// ---------------------------------------------------------------------------------------------
namespace detail {

std::vector<Hyperslab> decompose_flat_range(std::span<const std::uint64_t> dims,
                                            std::uint64_t first, std::uint64_t count) {
    const std::size_t rank = dims.size();
    if (rank == 0 || rank > max_rank) {
        throw std::invalid_argument(
            fmt::format("flat range: rank {} is not in 1..{}", rank, max_rank));
    }
    // stride[k]: number of elements in one step of index k (product of the extents after k).
    std::array<std::uint64_t, max_rank> stride{};
    stride[rank - 1] = 1;
    for (std::size_t k = rank - 1; k-- > 0;) {
        stride[k] = stride[k + 1] * dims[k + 1];
    }
    const std::uint64_t total = stride[0] * dims[0];
    if (first > total || count > total - first) {
        throw std::out_of_range(
            fmt::format("flat range [{}, {} + {}) is outside 0..{}", first, first, count, total));
    }
    std::vector<Hyperslab> pieces;
    if (count == 0) {
        return pieces;
    }
    const std::uint64_t end = first + count;
    std::uint64_t cur = first;
    // n consecutive steps of index `level` starting at `cur` (aligned to stride[level]).
    auto emit = [&](std::size_t level, std::uint64_t n) {
        Hyperslab& h = pieces.emplace_back();
        std::uint64_t rest = cur;
        for (std::size_t j = 0; j < rank; ++j) {
            h.start[j] = rest / stride[j];
            rest %= stride[j];
            h.count[j] = j < level ? 1 : (j == level ? n : dims[j]);
        }
        cur += n * stride[level];
    };

    // Head: innermost level first, complete the partial unit of the next-outer level. Stop when
    // the range ends inside that unit; the tail then continues one level further in.
    std::size_t tail_from = 0;
    for (std::size_t k = rank - 1; k >= 1; --k) {
        const std::uint64_t unit = stride[k - 1];
        const std::uint64_t offset = cur % unit;
        if (offset == 0) {
            continue;
        }
        const std::uint64_t n = std::min(unit - offset, end - cur) / stride[k];
        if (n > 0) {
            emit(k, n);
        }
        if (cur % unit != 0) {
            tail_from = k + 1;
            break;
        }
    }
    // Middle block and tail: outermost level first, as many whole steps as remain.
    for (std::size_t j = tail_from; j < rank && cur < end; ++j) {
        const std::uint64_t n = (end - cur) / stride[j];
        if (n > 0) {
            emit(j, n);
        }
    }
    return pieces;
}

}  // namespace detail

namespace h5detail {
namespace {

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* err, void* client) {
    auto* entries = static_cast<std::vector<std::string>*>(client);
    std::string entry = err->func_name != nullptr ? err->func_name : "";
    if (err->desc != nullptr && *err->desc != '\0') {
        entry += entry.empty() ? "" : ": ";
        entry += err->desc;
    }
    if (!entry.empty()) {
        entries->push_back(std::move(entry));
    }
    return 0;
}

}  // namespace

//! HDF5's error stack of this thread as one line (the API call, then the innermost cause,
//! which usually carries errno or the decisive detail), and clears the stack.
std::string take_hdf5_reason() {
    std::vector<std::string> entries;  // from the API call inwards
    (void)H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &entries);
    (void)H5Eclear2(H5E_DEFAULT);
    if (entries.empty()) {
        return {};
    }
    // The sec2 driver's innermost entry is a long dump with the OS error inside; keep the
    // error itself: "file write failed: File too large (errno 27)".
    std::string& inner = entries.back();
    const std::size_t at_errno = inner.find("errno = ");
    const std::size_t at_msg = inner.find("error message = '");
    if (at_errno != std::string::npos && at_msg != std::string::npos) {
        const std::size_t b = at_msg + 17;
        const std::size_t e = inner.find('\'', b);
        const std::size_t ce = inner.find(',', at_errno);
        const std::string head =
            inner.substr(0, inner.find(':') == std::string::npos ? 0 : inner.find(':'));
        std::string op = "I/O failed";
        if (inner.find("write failed") != std::string::npos) op = "file write failed";
        if (inner.find("read failed") != std::string::npos) op = "file read failed";
        inner = fmt::format(
            "{}: {}: {} ({})", head, op,
            inner.substr(b, e == std::string::npos ? std::string::npos : e - b),
            inner.substr(at_errno, ce == std::string::npos ? std::string::npos : ce - at_errno));
    }
    if (entries.size() == 1) {
        return entries.front();
    }
    return entries.front() + " <- ... <- " + entries.back();
}

void silence_hdf5_error_printing() {
    // No clean-up at exit: after a failed H5Fclose (disk full, file size limit, EIO) HDF5 1.10
    // keeps the file object, and its atexit handler then crashes in H5F__close_cb trying to
    // close it again. relsim closes every file itself; this must precede library start-up
    // (it fails harmlessly once the library is running).
    static const bool no_atexit = [] {
        (void)H5dont_atexit();
        return true;
    }();
    (void)no_atexit;
    // The error stack (and so this setting) is per thread in Debian's HDF5 build: done once
    // in every thread that calls HDF5 (the sweep writes from a helper thread).
    thread_local bool silenced = false;
    if (!silenced) {
        (void)H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
        silenced = true;
    }
}

// ---------------------------------------------------------------------------------------------
// Types, property lists, small helpers
// ---------------------------------------------------------------------------------------------

hid_t memory_type(ElementType type) {
    switch (type) {
        case ElementType::float64: return H5T_NATIVE_DOUBLE;
        case ElementType::int32: return H5T_NATIVE_INT32;
        case ElementType::uint8: return H5T_NATIVE_UINT8;
    }
    return H5I_INVALID_HID;
}

hid_t file_type(ElementType type) {
    switch (type) {
        case ElementType::float64: return H5T_IEEE_F64LE;
        case ElementType::int32: return H5T_STD_I32LE;
        case ElementType::uint8: return H5T_STD_U8LE;
    }
    return H5I_INVALID_HID;
}

std::size_t element_size(ElementType type) {
    switch (type) {
        case ElementType::float64: return sizeof(double);
        case ElementType::int32: return sizeof(std::int32_t);
        case ElementType::uint8: return sizeof(std::uint8_t);
    }
    return 1;
}

const char* type_name(ElementType type) {
    switch (type) {
        case ElementType::float64: return "float64";
        case ElementType::int32: return "int32";
        case ElementType::uint8: return "uint8";
    }
    return "?";
}

//! Variable-length UTF-8 string type (file and memory alike).
Handle vlen_utf8_type(const Where& where) {
    Handle type = where.handle(H5Tcopy(H5T_C_S1), H5Tclose, "cannot copy the string type");
    where.check(H5Tset_size(type.get(), H5T_VARIABLE), "cannot make a variable-length string type");
    where.check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "cannot set UTF-8 on the string type");
    return type;
}

//! Link creation: missing parent groups are created; link names are UTF-8.
Handle link_create_plist(const Where& where) {
    Handle lcpl = where.handle(H5Pcreate(H5P_LINK_CREATE), H5Pclose,
                               "cannot create a link creation property list");
    where.check(H5Pset_create_intermediate_group(lcpl.get(), 1),
                "cannot enable creation of intermediate groups");
    where.check(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), "cannot set UTF-8 link names");
    return lcpl;
}

//! Dataset creation defaults: no object timestamps (reproducible files, and no metadata that a
//! raw-data write could want to update).
Handle dataset_create_plist(const Where& where) {
    Handle dcpl = where.handle(H5Pcreate(H5P_DATASET_CREATE), H5Pclose,
                               "cannot create a dataset creation property list");
    where.check(H5Pset_obj_track_times(dcpl.get(), 0), "cannot switch off object timestamps");
    return dcpl;
}

Handle dataspace(const Where& where, const std::vector<std::uint64_t>& dims) {
    if (dims.empty()) {
        return where.handle(H5Screate(H5S_SCALAR), H5Sclose, "cannot create a scalar dataspace");
    }
    if (dims.size() > detail::max_rank) {
        where.fail_plain(
            fmt::format("rank {} exceeds HDF5's maximum of {}", dims.size(), detail::max_rank));
    }
    const std::vector<hsize_t> extents(dims.begin(), dims.end());
    return where.handle(H5Screate_simple(static_cast<int>(extents.size()), extents.data(), nullptr),
                        H5Sclose, "cannot create the dataspace");
}

std::uint64_t element_count(const std::vector<std::uint64_t>& dims) {
    std::uint64_t n = 1;
    for (const std::uint64_t d : dims) {
        if (d != 0 && n > std::numeric_limits<std::uint64_t>::max() / d) {
            return std::numeric_limits<std::uint64_t>::max();
        }
        n *= d;
    }
    return n;
}

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) {
    if (a != 0 && b > std::numeric_limits<std::uint64_t>::max() / a) {
        return std::numeric_limits<std::uint64_t>::max();
    }
    return a * b;
}

std::string join_dims(std::span<const std::uint64_t> dims) {
    return fmt::format("({})", fmt::join(dims, ", "));
}

void require_absolute(const Where& where) {
    if (where.object.empty() || where.object.front() != '/') {
        where.fail_plain("object paths must be absolute (start with '/')");
    }
}

void require_no_nul(const Where& where, const std::string& value, std::string_view what) {
    if (value.find('\0') != std::string::npos) {
        where.fail_plain(fmt::format("{} contains a NUL character", what));
    }
}

//! Dataspace extents ({} for scalar).
std::vector<std::uint64_t> extents_of(const Where& where, hid_t space) {
    const int rank = where.check_value(H5Sget_simple_extent_ndims(space), "cannot get the rank");
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    if (rank > 0) {
        where.check(H5Sget_simple_extent_dims(space, dims.data(), nullptr),
                    "cannot get the extents");
    }
    return {dims.begin(), dims.end()};
}

std::uint64_t point_count(const Where& where, hid_t space) {
    const hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n < 0) {
        where.fail("cannot count the elements");
    }
    return static_cast<std::uint64_t>(n);
}

// ---------------------------------------------------------------------------------------------
// Chunk layout and chunk cache
// ---------------------------------------------------------------------------------------------

constexpr std::uint64_t target_chunk_bytes = 128 * 1024;
constexpr std::uint64_t min_cache_bytes = 256 * 1024;
// A block of consecutive points touches a few chunks per dataset, and a run keeps ~60 datasets
// open at once, so the cache is bounded per dataset to keep a sweep's resident memory flat.
constexpr std::uint64_t max_cache_bytes = 2 * 1024 * 1024;

//! See create_chunked() in the header: requested zeros are chosen last dimension first within a
//! ~128 KiB budget; requested values are clipped to the extent.
std::vector<hsize_t> choose_chunk_dims(const std::vector<std::uint64_t>& dims,
                                       const std::vector<std::uint64_t>& requested,
                                       std::size_t elem_size) {
    const std::size_t rank = dims.size();
    std::vector<hsize_t> chunk(rank, 1);
    std::uint64_t fixed = 1;
    for (std::size_t d = 0; d < rank; ++d) {
        if (requested[d] != 0) {
            chunk[d] = std::min(requested[d], dims[d]);
            fixed = saturating_mul(fixed, chunk[d]);
        }
    }
    std::uint64_t budget = std::max<std::uint64_t>(1, target_chunk_bytes / elem_size / fixed);
    for (std::size_t d = rank; d-- > 0;) {
        if (requested[d] == 0) {
            chunk[d] = std::clamp<std::uint64_t>(budget, 1, dims[d]);
            budget = std::max<std::uint64_t>(1, budget / chunk[d]);
        }
    }
    return chunk;
}

std::size_t next_prime(std::size_t n) {
    auto is_prime = [](std::size_t v) {
        if (v < 2) {
            return false;
        }
        for (std::size_t d = 2; d * d <= v; ++d) {
            if (v % d == 0) {
                return false;
            }
        }
        return true;
    };
    while (!is_prime(n)) {
        ++n;
    }
    return n;
}

//! Dataset access property list whose chunk cache holds one chunk-row along dimension 0 (the
//! chunks that flat-order streaming keeps partly written at the same time), within limits.
Handle streaming_access_plist(const Where& where, std::span<const std::uint64_t> dims,
                              std::span<const hsize_t> chunk, std::size_t elem_size) {
    std::uint64_t chunk_bytes = elem_size;
    std::uint64_t chunks_per_row = 1;
    for (std::size_t d = 0; d < dims.size(); ++d) {
        chunk_bytes = saturating_mul(chunk_bytes, chunk[d]);
        if (d > 0) {
            chunks_per_row = saturating_mul(chunks_per_row, (dims[d] + chunk[d] - 1) / chunk[d]);
        }
    }
    const std::uint64_t wanted = saturating_mul(chunks_per_row, chunk_bytes);
    const std::uint64_t nbytes =
        std::max(std::clamp(wanted, min_cache_bytes, max_cache_bytes), chunk_bytes);
    const std::uint64_t chunks_held = std::max<std::uint64_t>(1, nbytes / chunk_bytes);
    const std::size_t nslots = next_prime(
        static_cast<std::size_t>(std::clamp<std::uint64_t>(10 * chunks_held, 521, 10'007)));
    Handle dapl = where.handle(H5Pcreate(H5P_DATASET_ACCESS), H5Pclose,
                               "cannot create a dataset access property list");
    where.check(H5Pset_chunk_cache(dapl.get(), nslots, static_cast<std::size_t>(nbytes), 1.0),
                "cannot set the chunk cache");
    return dapl;
}

// ---------------------------------------------------------------------------------------------
// Strings and attributes
// ---------------------------------------------------------------------------------------------

void reclaim_vlen(hid_t mem_type, hid_t space, void* buffer) {
#if H5_VERSION_GE(1, 12, 0)
    (void)H5Treclaim(mem_type, space, H5P_DEFAULT, buffer);
#else
    (void)H5Dvlen_reclaim(mem_type, space, H5P_DEFAULT, buffer);
#endif
}

//! Opens attribute `name` of the object at `object` (file-relative absolute path).
Handle open_attribute(const Where& where, hid_t file, const std::string& name) {
    const std::string object(where.object);
    if (!where.check_tri(H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT),
                         fmt::format("cannot look up attribute '{}'", name))) {
        where.fail_plain(fmt::format("has no attribute '{}'", name));
    }
    return where.handle(
        H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT), H5Aclose,
        fmt::format("cannot open attribute '{}'", name));
}

//! Creates (replacing) scalar attribute `name` on the open object `obj`.
void write_attribute(const Where& where, hid_t obj, const std::string& name, hid_t stored_type,
                     hid_t mem_type, const void* value) {
    require_no_nul(where, name, "the attribute name");
    if (name.empty()) {
        where.fail_plain("attribute names must not be empty");
    }
    if (where.check_tri(H5Aexists(obj, name.c_str()),
                        fmt::format("cannot look up attribute '{}'", name))) {
        where.check(H5Adelete(obj, name.c_str()),
                    fmt::format("cannot delete the old attribute '{}'", name));
    }
    Handle space = where.handle(H5Screate(H5S_SCALAR), H5Sclose, "cannot create a dataspace");
    Handle acpl = where.handle(H5Pcreate(H5P_ATTRIBUTE_CREATE), H5Pclose,
                               "cannot create an attribute creation property list");
    where.check(H5Pset_char_encoding(acpl.get(), H5T_CSET_UTF8),
                "cannot set UTF-8 attribute names");
    Handle attr = where.handle(
        H5Acreate2(obj, name.c_str(), stored_type, space.get(), acpl.get(), H5P_DEFAULT), H5Aclose,
        fmt::format("cannot create attribute '{}'", name));
    where.check(H5Awrite(attr.get(), mem_type, value),
                fmt::format("cannot write attribute '{}'", name));
    where.check(attr.close(), fmt::format("cannot close attribute '{}'", name));
}

void write_string_attribute(const Where& where, hid_t obj, const std::string& name,
                            const std::string& value) {
    require_no_nul(where, value, fmt::format("the value of attribute '{}'", name));
    Handle type = vlen_utf8_type(where);
    const char* text = value.c_str();
    write_attribute(where, obj, name, type.get(), type.get(), static_cast<const void*>(&text));
}

const std::string& no_path() {
    static const std::string empty;
    return empty;
}
[[noreturn]] void moved_from() { throw RunError("HDF5 file: use of a moved-from H5File"); }

}  // namespace h5detail

}  // namespace relsim::io
