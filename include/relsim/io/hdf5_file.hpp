//! @file hdf5_file.hpp
//! The one wrapper of the HDF5 C API in relsim. No HDF5 type appears here; <hdf5.h> is included
//! only in src/io/hdf5_file.cpp. Paths are absolute HDF5 paths ("/results/eqe"); missing parent
//! groups are created. Every dataset carries a `units` attribute ("1" for dimensionless).
//!
//! File format. Files are written with library-version bounds [v1.8, latest] (superblock v2,
//! no "file open for writing" status flag, so a file whose writer died still opens without
//! h5clear); HDF5 >= 1.8 and h5py read them. Strings, in attributes and in string datasets,
//! are variable-length UTF-8: h5py 3 returns string attributes as Python `str` and string
//! datasets as `bytes` (`ds.asstr()[...]` gives `str`); a string must not contain '\0'.
//! Readers also accept fixed-length strings (as h5py writes `numpy.bytes_`).
//!
//! Errors. Every failure throws relsim::RunError naming the file, the object path, what failed
//! and HDF5's own reason. HDF5's automatic printing of its error stack is switched off for the
//! whole process when the first H5File is opened.
//!
//! Threads. Debian's HDF5 is the serial, non-thread-safe build: at most one thread at a time
//! may call into this class (any instance) or otherwise into HDF5. relsim writes from one
//! thread; parallel sweeps hand their results to that thread.
//!
//! Interrupted writers. create_chunked() allocates every chunk, writes its fill value and
//! flushes before it returns; from then on write_flat_range() only overwrites raw data at
//! fixed file addresses and never changes metadata. A writer killed (even by SIGKILL) after a
//! flush() leaves a file that opens, read-only or read-write (to resume), with every element
//! written before that flush() intact; elements written later hold either their new value or
//! the fill value. Creating datasets or attributes after the last flush() is not covered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace relsim::io {

enum class ElementType { float64, int32, uint8 };

//! One open HDF5 file. Movable, not copyable; closes on destruction (errors then ignored: call
//! close() to see them). Dataset handles used by write_flat_range()/read_flat_range() stay
//! open (with their chunk caches) until close(), so streaming small ranges is cheap.
class H5File {
public:
    enum class Mode { create_truncate, read_write, read_only };
    //! Opens or creates `path`. Throws relsim::RunError with the path and HDF5's reason.
    H5File(const std::string& path, Mode mode);
    ~H5File();
    H5File(H5File&&) noexcept;
    H5File& operator=(H5File&&) noexcept;
    H5File(const H5File&) = delete;
    H5File& operator=(const H5File&) = delete;

    [[nodiscard]] const std::string& path() const noexcept;
    [[nodiscard]] bool exists(const std::string& object_path) const;

    // Attributes on a group or dataset ("/" for the root). set_attribute() replaces an
    // existing attribute of that name and creates `object_path` as a group (with parents)
    // when nothing exists there. Types: string = variable-length UTF-8, double = IEEE f64,
    // int64 = signed 64-bit. The getters throw when the object or attribute is missing;
    // double_attribute() converts integer attributes, int64_attribute() rejects floats.
    void set_attribute(const std::string& object_path, const std::string& name,
                       const std::string& value);
    void set_attribute(const std::string& object_path, const std::string& name, double value);
    void set_attribute(const std::string& object_path, const std::string& name, std::int64_t value);
    [[nodiscard]] std::string string_attribute(const std::string& object_path,
                                               const std::string& name) const;
    [[nodiscard]] double double_attribute(const std::string& object_path,
                                          const std::string& name) const;
    [[nodiscard]] std::int64_t int64_attribute(const std::string& object_path,
                                               const std::string& name) const;
    //! Throws when `object_path` does not exist.
    [[nodiscard]] bool has_attribute(const std::string& object_path, const std::string& name) const;

    // Whole datasets. dims empty = scalar dataspace "()". A write replaces any dataset already
    // at `path` (HDF5 does not reclaim the old one's space); a group there is an error. `units`
    // must not be empty. write_strings() makes a 1-D dataset of variable-length UTF-8 strings.
    // Readers return all elements in row-major order, converting numeric types (read_ints and
    // read_bytes accept integer datasets only).
    void write_doubles(const std::string& path, const std::vector<std::uint64_t>& dims,
                       const double* data, const std::string& units);
    void write_ints(const std::string& path, const std::vector<std::uint64_t>& dims,
                    const std::int32_t* data, const std::string& units);
    void write_strings(const std::string& path, const std::vector<std::string>& values,
                       const std::string& units = "1");
    [[nodiscard]] std::vector<double> read_doubles(const std::string& path) const;
    [[nodiscard]] std::vector<std::int32_t> read_ints(const std::string& path) const;
    [[nodiscard]] std::vector<std::uint8_t> read_bytes(const std::string& path) const;
    [[nodiscard]] std::vector<std::string> read_strings(const std::string& path) const;
    [[nodiscard]] std::vector<std::uint64_t> dims(const std::string& path) const;
    //! Content checksum of a whole dataset as stored ("fnv1a64:" + 16 hex digits; numbers as
    //! IEEE float64 bits, strings length-prefixed: content_checksum_of). write_doubles,
    //! write_ints and write_strings store it as the dataset's `checksum` attribute, because
    //! those datasets are contiguous and HDF5 checks nothing in them; `relsim verify`
    //! recomputes it (chunked datasets carry Fletcher32 instead).
    [[nodiscard]] std::string content_checksum(const std::string& path) const;
    //! ("/object@name", content checksum) of every attribute of every group and dataset, in
    //! name order (strings length-prefixed, numbers as float64 bits: content_checksum_of).
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> attribute_checksums() const;

    //! Every dataset of the file (absolute paths, in name order), with shape, element class and
    //! whether it carries the Fletcher32 checksum (every chunked dataset relsim writes does).
    struct DatasetInfo {
        enum class Kind { floating, integer, string, other };
        std::string path;
        std::vector<std::uint64_t> dims;
        Kind kind = Kind::other;
        bool checksummed = false;
    };
    [[nodiscard]] std::vector<DatasetInfo> datasets() const;

    //! Chunked dataset for streaming, every chunk allocated at creation and protected by a
    //! Fletcher32 checksum (verified by HDF5 on every read: a damaged chunk is a read error) (so
    //! later raw-data writes never touch file metadata and an interrupted writer leaves a readable
    //! file) and filled with `fill_value`. chunk_dims has dims.size() entries.
    //!
    //! A chunk_dims entry of 0 means "choose": entries are filled from the last dimension to the
    //! first, each taking as much of its dimension as fits in a budget of ~128 KiB per chunk
    //! (after the caller's fixed entries); entries larger than the dimension are clipped. So
    //! chunks hold whole trailing rows and flat-order streaming touches few chunks at a time.
    //! Datasets of rank 0 or with a zero-length dimension are stored contiguously (also
    //! allocated and filled at creation). The chunk cache of the dataset is sized to hold every
    //! chunk of one chunk-row along the first dimension (1 MiB .. 32 MiB, at least one chunk),
    //! with fully written chunks evicted first. `fill_value` must be exactly representable in
    //! `type`. The path must not exist yet. Flushes the file before returning.
    void create_chunked(const std::string& path, ElementType type,
                        const std::vector<std::uint64_t>& dims,
                        const std::vector<std::uint64_t>& chunk_dims, const std::string& units,
                        double fill_value);
    //! Writes `count` elements at row-major flat indices [first, first + count) of an N-D
    //! dataset, decomposed into at most 2 * rank rectangular hyperslabs. `data` has the
    //! dataset's element type (double, int32_t or uint8_t; HDF5 converts if they differ).
    //! Works on any dataset of rank 0..32 (rank 0: first = 0, count <= 1); count = 0 does
    //! nothing. Issues one H5Dwrite with the union of the pieces as file selection. Throws
    //! when [first, first + count) is not inside the dataset.
    void write_flat_range(const std::string& path, ElementType type, std::uint64_t first,
                          std::uint64_t count, const void* data);
    //! Reads flat indices [first, first + count) into `data` (type as above).
    void read_flat_range(const std::string& path, ElementType type, std::uint64_t first,
                         std::uint64_t count, void* data) const;

    //! How a dataset stores its chunks, for writing whole chunks as stored bytes.
    struct ChunkGeometry {
        std::vector<std::uint64_t> dims;
        std::vector<std::uint64_t> chunk;  //!< empty: not chunked
        ElementType type = ElementType::float64;
        //! write_stored_chunk() applies: chunked, Fletcher32 the only filter, and the file's
        //! element type (float64, int32 or uint8, little-endian) has the bytes of `type` in
        //! this machine's memory (a little-endian host).
        bool stored_bytes_writable = false;
    };
    [[nodiscard]] ChunkGeometry chunk_geometry(const std::string& path) const;
    //! Writes one whole chunk as it is stored: `size` bytes, the chunk's elements in row-major
    //! order followed by their Fletcher32 checksum as HDF5's filter appends it (see
    //! src/io/detail/stored_chunks.hpp), with HDF5's H5Dwrite_chunk (filter mask 0: every
    //! filter counted as applied). `offset` is the element coordinate of the chunk's first
    //! element (a multiple of the chunk extents). Only for datasets whose chunk_geometry() says
    //! stored_bytes_writable; `size` must be the chunk's bytes + 4, so the chunk keeps its file
    //! address (no metadata change, as for write_flat_range). Nothing checks the checksum here:
    //! a wrong one is found by the next read of the chunk.
    void write_stored_chunk(const std::string& path, const std::vector<std::uint64_t>& offset,
                            const void* bytes, std::size_t size);
    //! The stored bytes of one chunk (H5Dread_chunk: after the filters, checksum included) and
    //! its filter mask (0 when every filter was applied).
    [[nodiscard]] std::vector<std::uint8_t> read_stored_chunk(
        const std::string& path, const std::vector<std::uint64_t>& offset,
        std::uint32_t* filter_mask = nullptr) const;

    //! Pushes every buffered byte to the operating system (H5Fflush, global scope).
    void flush();
    //! Closes the file (idempotent); throws RunError when HDF5 fails to write buffered data.
    //! Every other member except path() throws RunError on a closed or moved-from H5File.
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

//! The content checksums of H5File::content_checksum, from values in memory.
[[nodiscard]] std::string content_checksum_of(const std::vector<double>& values);
[[nodiscard]] std::string content_checksum_of(const std::vector<std::string>& values);

//! Publishes a finished file: renames `partial_path` onto `final_path` atomically.
//! (POSIX rename within one file system; any existing `final_path` is replaced.) The file must
//! be closed; its data are fsync'ed before the rename and the directory after it.
void publish_file(const std::string& partial_path, const std::string& final_path);

}  // namespace relsim::io
