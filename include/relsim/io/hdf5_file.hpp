//! @file hdf5_file.hpp
//! The one wrapper of the HDF5 C API in relsim. No HDF5 type appears here; <hdf5.h> is included
//! only in src/io/hdf5_file.cpp. Paths are absolute HDF5 paths ("/results/eqe"); missing parent
//! groups are created. Every dataset carries a `units` attribute ("1" for dimensionless).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace relsim::io {

enum class ElementType { float64, int32, uint8 };

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

    // Attributes on a group or dataset ("/" for the root).
    void set_attribute(const std::string& object_path, const std::string& name,
                       const std::string& value);
    void set_attribute(const std::string& object_path, const std::string& name, double value);
    void set_attribute(const std::string& object_path, const std::string& name, std::int64_t value);
    [[nodiscard]] std::string string_attribute(const std::string& object_path,
                                               const std::string& name) const;
    [[nodiscard]] double double_attribute(const std::string& object_path,
                                          const std::string& name) const;
    [[nodiscard]] bool has_attribute(const std::string& object_path, const std::string& name) const;

    // Whole datasets. dims empty = scalar dataspace "()".
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

    //! Chunked dataset for streaming, every chunk allocated at creation (so later raw-data
    //! writes never touch file metadata and an interrupted writer leaves a readable file) and
    //! filled with `fill_value`. chunk_dims has dims.size() entries.
    void create_chunked(const std::string& path, ElementType type,
                        const std::vector<std::uint64_t>& dims,
                        const std::vector<std::uint64_t>& chunk_dims, const std::string& units,
                        double fill_value);
    //! Writes `count` elements at row-major flat indices [first, first + count) of an N-D
    //! dataset, decomposed into at most 2 * rank rectangular hyperslabs. `data` has the
    //! dataset's element type (double, int32_t or uint8_t).
    void write_flat_range(const std::string& path, ElementType type, std::uint64_t first,
                          std::uint64_t count, const void* data);
    //! Reads flat indices [first, first + count) into `data` (type as above).
    void read_flat_range(const std::string& path, ElementType type, std::uint64_t first,
                         std::uint64_t count, void* data) const;

    //! Pushes every buffered byte to the operating system (H5Fflush).
    void flush();
    void close();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

//! Publishes a finished file: renames `partial_path` onto `final_path` atomically.
void publish_file(const std::string& partial_path, const std::string& final_path);

}  // namespace relsim::io
