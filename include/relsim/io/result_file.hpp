//! @file result_file.hpp
//! The relsim output file (spec section 6): names, shapes and units of every dataset, written
//! block by block as a sweep proceeds, kill-safe, resumable, and published under its final
//! name only when complete.
//!
//! While a run is in progress the file is `<out>.partial`. Every dataset is allocated at
//! creation; each block is written as data -> flush -> `/sweep/done` marks -> flush, so a point
//! whose mark is set has its data on disk whatever happens to the process afterwards.
#pragma once

#include <functional>
#include <map>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/io/hdf5_file.hpp"

namespace relsim::io {

//! A dataset written once when the file is created (e.g. /optics/*: the same at every point).
struct StaticDataset {
    std::string path;
    std::string unit;
    std::string description;
    std::vector<std::uint64_t> shape;
    std::vector<double> data;  //!< row-major, product of shape entries
};

//! What a run writes: every name and shape, fixed before the first point is computed.
struct ResultLayout {
    std::vector<std::uint64_t> shape;  //!< one entry per sweep axis; empty for a single point
    std::vector<SweepAxis> axes;
    //! Floating-point results per point, as paths below /results ("eqe", "fates/tta", ...).
    std::vector<std::string> scalar_names;
    std::vector<std::string> scalar_units;
    std::vector<std::string> line_labels;  //!< "/results/line_photon_rate" last dimension
    std::vector<double> wavelength_nm;     //!< empty: no spectra saved
    std::vector<double> transient_time_s;  //!< empty: no transient
    //! Transient time series per point: "photon_rate", "<Ion>_photon_rate", ...
    std::vector<std::string> transient_series;
    //! Points per written block (0: 16384); sets the chunk size (not part of the file's layout).
    std::uint64_t points_per_block = 0;
    //! Further per-point arrays (the microscopic model's /microscopic/*): absolute dataset path,
    //! unit and length per point; stored as [shape..., length], or shaped like /results when
    //! length is 0 (one value per point).
    struct Series {
        std::string path;
        std::string unit;
        std::uint64_t length = 0;
    };
    std::vector<Series> extra_series;
    //! Point-independent 1-D datasets written at creation (grids such as
    //! /microscopic/decay/time_s).
    struct Fixed {
        std::string path;
        std::string unit;
        std::vector<double> values;
    };
    std::vector<Fixed> extra_fixed;
    std::vector<StaticDataset> static_datasets;  //!< written at creation
    //! Extra string attributes of /results datasets: (path below /results, name, value), e.g.
    //! ("populations/Nd_4F3_2", "level", "4F3/2") or a band's limits.
    std::vector<std::array<std::string, 3>> result_attributes;
    //! [output] (docs/output.md). Index in scalar_names of each quantity a point evaluator
    //! computes, in its computing order, or -1 when not stored; empty: every computed quantity
    //! is stored, in order (the default layout).
    std::vector<std::int32_t> scalar_slot;
    bool store_solver_method = true;  //!< /results/solver_method
    //! Reductions along the last axis: one value per row of `reduce_row` points (0: none).
    //! Each is a dataset shaped like `shape` without its last entry (rank 0 for a 1-axis sweep).
    std::uint64_t reduce_row = 0;
    struct Reduced {
        std::string path;  //!< absolute, e.g. /reduced/rolloff/J90_mA_cm2
        std::string unit;
        std::string description;
        bool integer = false;  //!< stored as int32 (flags, counts)
    };
    std::vector<Reduced> reduced;
    [[nodiscard]] std::uint64_t num_points() const;
    //! Allocated / used elements of a per-point dataset with `row` values per point (0 for one
    //! value): every chunk is allocated whole at creation, edge chunks included.
    [[nodiscard]] double allocation_factor(std::uint64_t row) const;
    //! Shape of the reduced datasets: `shape` without its last entry.
    [[nodiscard]] std::vector<std::uint64_t> reduced_shape() const;
};

//! One block of consecutive points [first, first + count), quantity-major buffers.
struct ResultBlock {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
    std::vector<double> scalars;                 //!< [scalar][point]
    std::vector<std::int32_t> status;            //!< [point]
    std::vector<std::int32_t> method;            //!< [point]
    std::vector<double> line_rates;              //!< [point][line]
    std::vector<double> spectrum;                //!< [point][wavelength]
    std::vector<double> transient;               //!< [series][point][time]
    std::vector<double> rise_time_s;             //!< [point]
    std::vector<double> decay_time_s;            //!< [point]
    std::vector<std::int32_t> transient_status;  //!< [point]
    std::vector<double> extra;  //!< [series][point][max(length, 1)], series in order
    //! Inputs of the reductions (not written): [eqe, luminance_cd_m2][point].
    std::vector<double> reduce_in;
    std::vector<double> reduced;  //!< [reduced series][row], rows of this block
    //! Sizes every buffer for `n` points of `layout`.
    void resize(const ResultLayout& layout, std::uint64_t n);
};

//! A block's whole chunks made ready for the writer on the compute side: each chunk's bytes as
//! the file stores them (the data, then their Fletcher32 checksum as HDF5's filter appends it),
//! so that the writer thread only hands them to HDF5 (H5File::write_stored_chunk) instead of
//! running the filter pipeline itself (benchmarks/README.md, "The writer, fourth pass").
//! ResultFile::prepare_block() lays the chunks out; fill(i) computes chunk i and may run for
//! different i on different threads at once, also while the writer writes another block.
//! Writes of the block that are not whole chunks (an edge chunk, a block not aligned to the
//! chunks) are not here and go through the ordinary filtered path.
struct PreparedBlock {
    std::uint64_t first = 0;  //!< the block it was prepared from
    std::uint64_t count = 0;
    struct Chunk {
        std::size_t write = 0;  //!< index of the block's dataset write it belongs to
        std::vector<std::uint64_t> offset;
        const unsigned char* source = nullptr;  //!< the chunk's data in the ResultBlock
        std::size_t size = 0;                   //!< bytes of data
        std::vector<unsigned char> stored;      //!< size + 4 bytes, after fill()
    };
    std::vector<Chunk> chunks;
    std::vector<std::uint8_t> whole;  //!< per dataset write of the block: 1 = done as chunks
    std::vector<std::uint8_t> ones;   //!< the block's /sweep/done marks
    [[nodiscard]] std::size_t size() const noexcept { return chunks.size(); }
    //! Copies chunk i's data and appends its checksum.
    void fill(std::size_t i);
};

//! Identification written at the root of the file.
struct RunIdentity {
    std::string config_path;
    std::string config_text;
    std::string fingerprint;  //!< hash of the resolved parameters and axes (resume check)
    std::string title;
    std::vector<SourceFile> ion_files;        //!< written to /config/ion_files/*
    std::vector<ResolvedParameter> resolved;  //!< written to /config/resolved/*
};

class ResultFile {
public:
    //! Creates `<final_path>.partial` with every dataset allocated.
    static ResultFile create(const std::string& final_path, const ResultLayout& layout,
                             const RunIdentity& id);
    //! Reopens `<final_path>.partial` to continue an interrupted run. Throws InputError when the
    //! file belongs to another config (different fingerprint) or does not exist.
    static ResultFile resume(const std::string& final_path, const ResultLayout& layout,
                             const RunIdentity& id);

    ResultFile(ResultFile&&) noexcept;
    ResultFile& operator=(ResultFile&&) noexcept;
    ~ResultFile();

    //! Done marks of points [first, first + count) (1 = on disk).
    [[nodiscard]] std::vector<std::uint8_t> done_marks(std::uint64_t first,
                                                       std::uint64_t count) const;
    //! Lays out the whole chunks of `block` (see PreparedBlock; fill() them before
    //! write_block). Touches no HDF5 (only what create()/resume() learnt of the datasets), so it
    //! may run on any thread while another writes; the buffers of `out` are reused.
    void prepare_block(const ResultBlock& block, PreparedBlock& out) const;
    //! Writes a block's data, flushes, then marks its points done and flushes again. With
    //! `prepared` (for this block, every chunk filled) its chunks are written as stored bytes.
    void write_block(const ResultBlock& block, const PreparedBlock* prepared = nullptr);
    //! Reads back scalar results of points [first, first + count) for the run summary.
    [[nodiscard]] std::vector<double> read_scalar(const std::string& name, std::uint64_t first,
                                                  std::uint64_t count) const;
    //! One element of any float64 dataset, by flat index.
    [[nodiscard]] double read_double(const std::string& path, std::uint64_t index) const;
    [[nodiscard]] std::vector<std::int32_t> read_status(std::uint64_t first,
                                                        std::uint64_t count) const;
    //! Reads flat elements [first, first + count) of any float64 dataset.
    [[nodiscard]] std::vector<double> read_doubles(const std::string& path, std::uint64_t first,
                                                   std::uint64_t count) const;
    //! Writes (or replaces) a 1-D string dataset, e.g. a generated config text; call before
    //! finish().
    void write_strings(const std::string& path, const std::vector<std::string>& values);
    //! Sets a string attribute on any object ("/" for the root); call before finish().
    void set_attribute(const std::string& path, const std::string& name, const std::string& value);
    //! Writes the run summary attributes, closes and renames onto the final name.
    //! `before_publish`, if set, is called with the closed, complete `.partial` path before the
    //! rename (stages that add datasets to the result write them there, so a published file is
    //! never edited afterwards; a kill inside it leaves a `.partial` that --resume completes).
    void finish(std::uint64_t failed_points, double wall_time_s,
                const std::function<void(const std::string&)>& before_publish = {});

    [[nodiscard]] const std::string& partial_path() const noexcept { return partial_path_; }

private:
    ResultFile(const std::string& final_path, const ResultLayout& layout);
    void create_datasets(const ResultLayout& layout);
    void learn_chunk_geometry();
    std::unique_ptr<H5File> file_;
    //! Chunked datasets whose whole chunks may be written as stored bytes, by path.
    std::map<std::string, H5File::ChunkGeometry, std::less<>> geometry_;
    ResultLayout layout_;
    std::string final_path_;
    std::string partial_path_;
};

//! Portable 64-bit FNV-1a hash, as 16 hex digits (fingerprints; not cryptographic).
[[nodiscard]] std::string fnv1a_hex(const std::string& text);

//! Program version string written to every file.
[[nodiscard]] std::string program_version();

//! Records every attribute of `f` (H5File::attribute_checksums) in the root attribute
//! `attribute_checksums`, one line "/object@name fnv1a64:..." each: the last write before a
//! file is published (`relsim verify` compares; HDF5 checks no attribute value itself).
void seal_attributes(H5File& f);
[[nodiscard]] bool has_attribute_record(const H5File& f);
//! Attributes changed, added or missing against the record (empty: all match, or no record).
[[nodiscard]] std::vector<std::string> attribute_record_problems(const H5File& f);

}  // namespace relsim::io
