//! @file hdf5_file.cpp
//! relsim's only user of the HDF5 C API (see hdf5_file.hpp for the contract). All hid_t live in
//! Handle objects, which close them; every HDF5 call is checked and a failure becomes a
//! relsim::RunError carrying the file, the object, what failed and HDF5's error stack.
#include "relsim/io/hdf5_file.hpp"

#include "detail/flat_range.hpp"
#include "relsim/core/error.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <hdf5.h>

#include <fcntl.h>
#include <unistd.h>

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

namespace relsim::io {

// ---------------------------------------------------------------------------------------------
// Flat range decomposition (pure arithmetic, declared in detail/flat_range.hpp)
// ---------------------------------------------------------------------------------------------
namespace detail {

std::vector<Hyperslab> decompose_flat_range(std::span<const std::uint64_t> dims,
                                            std::uint64_t first, std::uint64_t count) {
    const std::size_t rank = dims.size();
    if (rank == 0 || rank > max_rank) {
        throw std::invalid_argument(fmt::format("flat range: rank {} is not in 1..{}", rank,
                                                max_rank));
    }
    // stride[k]: number of elements in one step of index k (product of the extents after k).
    std::array<std::uint64_t, max_rank> stride{};
    stride[rank - 1] = 1;
    for (std::size_t k = rank - 1; k-- > 0;) {
        stride[k] = stride[k + 1] * dims[k + 1];
    }
    const std::uint64_t total = stride[0] * dims[0];
    if (first > total || count > total - first) {
        throw std::out_of_range(fmt::format("flat range [{}, {} + {}) is outside 0..{}", first,
                                            first, count, total));
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

namespace {

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
        const std::string head = inner.substr(0, inner.find(':') == std::string::npos ? 0 : inner.find(':'));
        std::string op = "I/O failed";
        if (inner.find("write failed") != std::string::npos) op = "file write failed";
        if (inner.find("read failed") != std::string::npos) op = "file read failed";
        inner = fmt::format("{}: {}: {} ({})", head, op,
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
        where.fail_plain(fmt::format("rank {} exceeds HDF5's maximum of {}", dims.size(),
                                     detail::max_rank));
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
    const std::size_t nslots = next_prime(static_cast<std::size_t>(
        std::clamp<std::uint64_t>(10 * chunks_held, 521, 10'007)));
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
Handle open_attribute(const Where& where, hid_t file, const std::string& name) {
    const std::string object(where.object);
    if (!where.check_tri(H5Aexists_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT),
                         fmt::format("cannot look up attribute '{}'", name))) {
        where.fail_plain(fmt::format("has no attribute '{}'", name));
    }
    return where.handle(H5Aopen_by_name(file, object.c_str(), name.c_str(), H5P_DEFAULT,
                                        H5P_DEFAULT),
                        H5Aclose, fmt::format("cannot open attribute '{}'", name));
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

//! Reads a one-element numeric attribute into a T using HDF5's conversion.
template <typename T>
T read_numeric_attribute(const Where& where, hid_t file, const std::string& name, hid_t mem_type,
                         bool allow_float) {
    Handle attr = open_attribute(where, file, name);
    Handle type = where.handle(H5Aget_type(attr.get()), H5Tclose, "cannot get the attribute type");
    Handle space =
        where.handle(H5Aget_space(attr.get()), H5Sclose, "cannot get the attribute dataspace");
    const H5T_class_t cls = H5Tget_class(type.get());
    if (!(cls == H5T_INTEGER || (allow_float && cls == H5T_FLOAT))) {
        where.fail_plain(fmt::format("attribute '{}' is not {}", name,
                                     allow_float ? "numeric" : "an integer"));
    }
    if (point_count(where, space.get()) != 1) {
        where.fail_plain(fmt::format("attribute '{}' is not a single value", name));
    }
    T value{};
    where.check(H5Aread(attr.get(), mem_type, &value),
                fmt::format("cannot read attribute '{}'", name));
    return value;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// H5File
// ---------------------------------------------------------------------------------------------

struct H5File::Impl {
    std::string path;
    Mode mode = Mode::read_only;
    Handle file;
    //! Datasets opened for flat-range I/O, kept open so that their chunk caches persist.
    std::map<std::string, Handle, std::less<>> streams;

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
        Handle group = w.handle(H5Gcreate2(file.get(), object.c_str(), lcpl.get(), H5P_DEFAULT,
                                           H5P_DEFAULT),
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
            const std::string range =
                count <= std::numeric_limits<std::uint64_t>::max() - first
                    ? fmt::format("[{}, {})", first, first + count)
                    : fmt::format("[{}, {} + {})", first, first, count);
            w.fail_plain(fmt::format("flat range {} is outside the dataset of shape {} ({} "
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
            w.check(H5Sselect_hyperslab(space.get(), op, start.data(), nullptr,
                                        block_count.data(), nullptr),
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
            const herr_t rc = write ? H5Dwrite(dset, memory_type(type), mem_space, file_space,
                                               H5P_DEFAULT, buffer)
                                    : H5Dread(dset, memory_type(type), mem_space, file_space,
                                              H5P_DEFAULT, buffer);
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
            Handle mem_space = w.handle(H5Screate_simple(static_cast<int>(dims.size()),
                                                         shape.data(), nullptr),
                                        H5Sclose, "cannot create the memory dataspace");
            io(mem_space.get(), space.get(), bytes, n, at);
            bytes += n * element_size(type);
            at += n;
        }
    }
};

H5File::H5File(const std::string& path, Mode mode) : impl_(std::make_unique<Impl>()) {
    impl_->path = path;
    impl_->mode = mode;
    silence_hdf5_error_printing();
    const Where w = impl_->where();
    Handle fapl = w.handle(H5Pcreate(H5P_FILE_ACCESS), H5Pclose,
                           "cannot create a file access property list");
    // v1.8 format at least: no persistent "open for writing" flag (see header).
    w.check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST),
            "cannot set the library version bounds");
    // Lock as usual, but do not fail on file systems without locking support.
    w.check(H5Pset_file_locking(fapl.get(), 1, 1), "cannot configure file locking");
    hid_t id = H5I_INVALID_HID;
    switch (mode) {
        case Mode::create_truncate:
            id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
            if (id < 0) {
                w.fail("cannot create the file");
            }
            break;
        case Mode::read_write:
        case Mode::read_only: {
            std::error_code ec;
            if (!std::filesystem::exists(path, ec)) {
                (void)H5Eclear2(H5E_DEFAULT);
                w.fail_plain(ec ? fmt::format("cannot open the file: {}", ec.message())
                                : std::string("cannot open the file: it does not exist"));
            }
            id = H5Fopen(path.c_str(), mode == Mode::read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR,
                         fapl.get());
            if (id < 0) {
                w.fail(mode == Mode::read_only ? "cannot open the file read-only"
                                               : "cannot open the file read-write");
            }
            break;
        }
    }
    impl_->file = Handle(id, H5Fclose);
}

H5File::~H5File() {
    try {
        close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
}

H5File::H5File(H5File&&) noexcept = default;

H5File& H5File::operator=(H5File&& other) noexcept {
    if (this != &other) {
        try {
            close();
        } catch (...) {  // NOLINT(bugprone-empty-catch): as in the destructor
        }
        impl_ = std::move(other.impl_);
    }
    return *this;
}

namespace {

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

}  // namespace

std::string content_checksum_of(const std::vector<std::string>& values) {
    Fnv1a64 h;
    for (const std::string& v : values) {
        h.add_u64(v.size());
        h.add(v.data(), v.size());
    }
    return h.text();
}

std::string content_checksum_of(const std::vector<double>& values) {
    return numeric_checksum(values.data(), values.size());
}

namespace {
const std::string& no_path() {
    static const std::string empty;
    return empty;
}
[[noreturn]] void moved_from() {
    throw RunError("HDF5 file: use of a moved-from H5File");
}
}  // namespace

const std::string& H5File::path() const noexcept { return impl_ ? impl_->path : no_path(); }

bool H5File::exists(const std::string& object_path) const {
    if (!impl_) {
        moved_from();
    }
    return impl_->exists(object_path);
}

void H5File::set_attribute(const std::string& object_path, const std::string& name,
                           const std::string& value) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(object_path);
    Handle obj = impl_->open_for_attributes(w, object_path);
    write_string_attribute(w, obj.get(), name, value);
}

void H5File::set_attribute(const std::string& object_path, const std::string& name,
                           double value) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(object_path);
    Handle obj = impl_->open_for_attributes(w, object_path);
    write_attribute(w, obj.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void H5File::set_attribute(const std::string& object_path, const std::string& name,
                           std::int64_t value) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(object_path);
    Handle obj = impl_->open_for_attributes(w, object_path);
    write_attribute(w, obj.get(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

std::string H5File::string_attribute(const std::string& object_path,
                                     const std::string& name) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where_readable(object_path);
    Handle attr = open_attribute(w, impl_->file.get(), name);
    Handle type = w.handle(H5Aget_type(attr.get()), H5Tclose, "cannot get the attribute type");
    Handle space =
        w.handle(H5Aget_space(attr.get()), H5Sclose, "cannot get the attribute dataspace");
    if (H5Tget_class(type.get()) != H5T_STRING) {
        w.fail_plain(fmt::format("attribute '{}' is not a string", name));
    }
    std::vector<std::string> values =
        read_string_values(w, type.get(), space.get(), [&](hid_t mem, void* buffer) {
            return H5Aread(attr.get(), mem, buffer);
        });
    if (values.size() != 1) {
        w.fail_plain(fmt::format("attribute '{}' holds {} strings, not one", name, values.size()));
    }
    return std::move(values.front());
}

double H5File::double_attribute(const std::string& object_path, const std::string& name) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where_readable(object_path);
    return read_numeric_attribute<double>(w, impl_->file.get(), name, H5T_NATIVE_DOUBLE, true);
}

std::int64_t H5File::int64_attribute(const std::string& object_path,
                                     const std::string& name) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where_readable(object_path);
    return read_numeric_attribute<std::int64_t>(w, impl_->file.get(), name, H5T_NATIVE_INT64,
                                                false);
}

bool H5File::has_attribute(const std::string& object_path, const std::string& name) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(object_path);
    if (!impl_->exists(object_path)) {
        w.fail_plain("no such object");
    }
    return w.check_tri(H5Aexists_by_name(impl_->file.get(), object_path.c_str(), name.c_str(),
                                         H5P_DEFAULT),
                       fmt::format("cannot look up attribute '{}'", name));
}

void H5File::write_doubles(const std::string& path, const std::vector<std::uint64_t>& dims,
                           const double* data, const std::string& units) {
    if (!impl_) {
        moved_from();
    }
    impl_->write_dataset(path, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data, units,
                         numeric_checksum(data, element_count(dims)));
}

void H5File::write_ints(const std::string& path, const std::vector<std::uint64_t>& dims,
                        const std::int32_t* data, const std::string& units) {
    if (!impl_) {
        moved_from();
    }
    impl_->write_dataset(path, dims, H5T_STD_I32LE, H5T_NATIVE_INT32, data, units,
                         numeric_checksum(data, element_count(dims)));
}

void H5File::write_strings(const std::string& path, const std::vector<std::string>& values,
                           const std::string& units) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const std::string& value : values) {
        require_no_nul(w, value, "a string");
        pointers.push_back(value.c_str());
    }
    Handle type = vlen_utf8_type(w);
    impl_->write_dataset(path, {values.size()}, type.get(), type.get(), pointers.data(), units,
                         content_checksum_of(values));
}

std::string H5File::content_checksum(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    Handle dset = impl_->open_dataset(path);
    Handle type = w.handle(H5Dget_type(dset.get()), H5Tclose, "cannot get the type");
    if (H5Tget_class(type.get()) == H5T_STRING) return content_checksum_of(read_strings(path));
    return content_checksum_of(read_doubles(path));
}

std::vector<double> H5File::read_doubles(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    return impl_->read_numeric<double>(path, H5T_NATIVE_DOUBLE, true);
}

std::vector<std::int32_t> H5File::read_ints(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    return impl_->read_numeric<std::int32_t>(path, H5T_NATIVE_INT32, false);
}

std::vector<std::uint8_t> H5File::read_bytes(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    return impl_->read_numeric<std::uint8_t>(path, H5T_NATIVE_UINT8, false);
}

std::vector<std::string> H5File::read_strings(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    Handle dset = impl_->open_dataset(path);
    Handle type = w.handle(H5Dget_type(dset.get()), H5Tclose, "cannot get the type");
    Handle space = w.handle(H5Dget_space(dset.get()), H5Sclose, "cannot get the dataspace");
    return read_string_values(w, type.get(), space.get(), [&](hid_t mem, void* buffer) {
        return H5Dread(dset.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
    });
}

std::vector<std::uint64_t> H5File::dims(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    Handle dset = impl_->open_dataset(path);
    Handle space = w.handle(H5Dget_space(dset.get()), H5Sclose, "cannot get the dataspace");
    return extents_of(w, space.get());
}

std::vector<std::pair<std::string, std::string>> H5File::attribute_checksums() const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where();
    impl_->require_open({});
    std::vector<std::string> objects;
    auto visit = [](hid_t, const char* name, const H5O_info_t*, void* data) -> herr_t {
        const std::string n(name);
        static_cast<std::vector<std::string>*>(data)->push_back(n == "." ? "/" : "/" + n);
        return 0;
    };
    // H5O_INFO_ALL: every object's header and attribute/link index sizes are read, so damaged
    // (checksummed) metadata that no value depends on is still reported.
    w.check(H5Ovisit2(impl_->file.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &objects, H5O_INFO_ALL),
            "cannot list the objects");
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& obj : objects) {
        const Where wo = impl_->where(obj);
        std::vector<std::string> names;
        auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        };
        wo.check(H5Aiterate_by_name(impl_->file.get(), obj.c_str(), H5_INDEX_NAME, H5_ITER_INC,
                                    nullptr, collect, &names, H5P_DEFAULT),
                 "cannot list the attributes");
        for (const std::string& name : names) {
            Handle attr = open_attribute(wo, impl_->file.get(), name);
            Handle type = wo.handle(H5Aget_type(attr.get()), H5Tclose, "cannot get the attribute type");
            Handle space = wo.handle(H5Aget_space(attr.get()), H5Sclose,
                                     "cannot get the attribute dataspace");
            std::string sum;
            const H5T_class_t cls = H5Tget_class(type.get());
            if (cls == H5T_STRING) {
                sum = content_checksum_of(read_string_values(
                    wo, type.get(), space.get(),
                    [&](hid_t mem, void* buffer) { return H5Aread(attr.get(), mem, buffer); }));
            } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
                std::vector<double> v(static_cast<std::size_t>(point_count(wo, space.get())));
                if (!v.empty()) {
                    wo.check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, v.data()),
                             fmt::format("cannot read attribute '{}'", name));
                }
                sum = content_checksum_of(v);
            } else {
                sum = "unsupported";
            }
            out.emplace_back(obj + "@" + name, std::move(sum));
        }
    }
    return out;
}

std::vector<H5File::DatasetInfo> H5File::datasets() const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where();
    impl_->require_open({});
    std::vector<std::string> names;
    auto visit = [](hid_t, const char* name, const H5O_info_t* info, void* data) -> herr_t {
        if (info->type == H5O_TYPE_DATASET) {
            static_cast<std::vector<std::string>*>(data)->push_back(std::string("/") + name);
        }
        return 0;
    };
    w.check(H5Ovisit2(impl_->file.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &names, H5O_INFO_BASIC),
            "cannot list the datasets");
    std::vector<DatasetInfo> out;
    for (const std::string& n : names) {
        const Where wd = impl_->where(n);
        Handle dset = impl_->open_dataset(n);
        Handle type = wd.handle(H5Dget_type(dset.get()), H5Tclose, "cannot get the type");
        Handle space = wd.handle(H5Dget_space(dset.get()), H5Sclose, "cannot get the dataspace");
        Handle dcpl = wd.handle(H5Dget_create_plist(dset.get()), H5Pclose,
                                "cannot get the creation property list");
        DatasetInfo d;
        d.path = n;
        d.dims = extents_of(wd, space.get());
        const H5T_class_t cls = H5Tget_class(type.get());
        d.kind = cls == H5T_FLOAT     ? DatasetInfo::Kind::floating
                 : cls == H5T_INTEGER ? DatasetInfo::Kind::integer
                 : cls == H5T_STRING  ? DatasetInfo::Kind::string
                                      : DatasetInfo::Kind::other;
        const int nfilters = H5Pget_nfilters(dcpl.get());
        for (int i = 0; i < nfilters; ++i) {
            unsigned flags = 0;
            std::size_t nelem = 0;
            char fname[32];
            unsigned config = 0;
            if (H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nelem, nullptr,
                               sizeof fname, fname, &config) == H5Z_FILTER_FLETCHER32) {
                d.checksummed = true;
            }
        }
        out.push_back(std::move(d));
    }
    return out;
}

void H5File::create_chunked(const std::string& path, ElementType type,
                            const std::vector<std::uint64_t>& dims,
                            const std::vector<std::uint64_t>& chunk_dims, const std::string& units,
                            double fill_value) {
    if (!impl_) {
        moved_from();
    }
    Impl& im = *impl_;
    const Where w = im.where(path);
    im.require_writable(path);
    require_absolute(w);
    if (units.empty()) {
        w.fail_plain("units must not be empty (use \"1\" for dimensionless)");
    }
    if (chunk_dims.size() != dims.size()) {
        w.fail_plain(fmt::format("{} chunk dimensions given for a dataset of rank {}",
                                 chunk_dims.size(), dims.size()));
    }
    if (im.exists(path)) {
        w.fail_plain("already exists");
    }

    // The fill value in the element type, exactly.
    double as_double = fill_value;
    std::int32_t as_int32 = 0;
    std::uint8_t as_uint8 = 0;
    const void* fill = &as_double;
    auto representable = [&](double lo, double hi) {
        return std::isfinite(fill_value) && std::trunc(fill_value) == fill_value &&
               fill_value >= lo && fill_value <= hi;
    };
    if (type == ElementType::int32) {
        if (!representable(std::numeric_limits<std::int32_t>::min(),
                           std::numeric_limits<std::int32_t>::max())) {
            w.fail_plain(fmt::format("fill value {} is not an int32", fill_value));
        }
        as_int32 = static_cast<std::int32_t>(fill_value);
        fill = &as_int32;
    } else if (type == ElementType::uint8) {
        if (!representable(0, 255)) {
            w.fail_plain(fmt::format("fill value {} is not a uint8", fill_value));
        }
        as_uint8 = static_cast<std::uint8_t>(fill_value);
        fill = &as_uint8;
    }

    Handle space = dataspace(w, dims);
    Handle dcpl = dataset_create_plist(w);
    const bool chunked =
        !dims.empty() && std::none_of(dims.begin(), dims.end(), [](auto d) { return d == 0; });
    Handle dapl;
    if (chunked) {
        const std::vector<hsize_t> chunk = choose_chunk_dims(dims, chunk_dims, element_size(type));
        w.check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
                fmt::format("cannot set chunk dimensions {}",
                            join_dims(std::vector<std::uint64_t>(chunk.begin(), chunk.end()))));
        dapl = streaming_access_plist(w, dims, chunk, element_size(type));
        // A checksum per chunk, verified on every read (a torn or damaged chunk is an error,
        // not silent wrong numbers). Its output size is fixed (chunk + 4 bytes), so rewriting
        // a chunk keeps its file address and the chunk index is never changed by a write.
        w.check(H5Pset_fletcher32(dcpl.get()), "cannot set the Fletcher32 checksum filter");
    }
    // Every chunk allocated and filled now: later raw-data writes go to fixed addresses.
    w.check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), "cannot set early allocation");
    w.check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_ALLOC), "cannot set the fill time");
    w.check(H5Pset_fill_value(dcpl.get(), memory_type(type), fill), "cannot set the fill value");
    Handle lcpl = link_create_plist(w);
    Handle dset = w.handle(H5Dcreate2(im.file.get(), path.c_str(), file_type(type), space.get(),
                                      lcpl.get(), dcpl.get(),
                                      dapl.valid() ? dapl.get() : H5P_DEFAULT),
                           H5Dclose,
                           fmt::format("cannot create the {} dataset of shape {}", type_name(type),
                                       join_dims(dims)));
    write_string_attribute(w, dset.get(), "units", units);
    im.streams.insert_or_assign(path, std::move(dset));
    // Make all metadata (and the fill) final on disk before any raw data is streamed.
    w.check(H5Fflush(im.file.get(), H5F_SCOPE_GLOBAL), "cannot flush the file");
}

void H5File::write_flat_range(const std::string& path, ElementType type, std::uint64_t first,
                              std::uint64_t count, const void* data) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    impl_->require_writable(path);
    if (count != 0 && data == nullptr) {
        w.fail_plain("no data given");
    }
    impl_->transfer_flat_range(w, impl_->stream(path), type, first, count,
                               const_cast<void*>(data), true);
}

void H5File::read_flat_range(const std::string& path, ElementType type, std::uint64_t first,
                             std::uint64_t count, void* data) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    impl_->require_open(path);
    if (count != 0 && data == nullptr) {
        w.fail_plain("no buffer given");
    }
    impl_->transfer_flat_range(w, impl_->stream(path), type, first, count, data, false);
}

void H5File::flush() {
    if (!impl_) {
        moved_from();
    }
    impl_->require_open({});
    impl_->where().check(H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL), "cannot flush the file");
}

void H5File::close() {
    if (!impl_ || !impl_->file.valid()) {
        return;
    }
    const Where w = impl_->where();
    bool failed = false;
    for (auto& entry : impl_->streams) {
        failed = entry.second.close() < 0 || failed;
    }
    impl_->streams.clear();
    failed = impl_->file.close() < 0 || failed;
    if (failed) {
        w.fail("cannot close the file cleanly (buffered data may be lost)");
    }
}

void publish_file(const std::string& partial_path, const std::string& final_path) {
    auto fail = [&](std::string_view what, const std::string& reason) {
        throw RunError(fmt::format("cannot publish '{}' as '{}': {}: {}", partial_path, final_path,
                                   what, reason));
    };
    auto errno_text = [](int err) { return std::generic_category().message(err); };
    // Data on disk before the rename makes it visible under the final name.
    const int fd = ::open(partial_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail("cannot open the file", errno_text(errno));
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        (void)::close(fd);
        fail("fsync failed", errno_text(err));
    }
    (void)::close(fd);
    std::error_code ec;
    std::filesystem::rename(partial_path, final_path, ec);
    if (ec) {
        fail("rename failed", ec.message());
    }
    // Best effort: persist the directory entry.
    std::filesystem::path dir = std::filesystem::path(final_path).parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        (void)::close(dfd);
    }
}

}  // namespace relsim::io
