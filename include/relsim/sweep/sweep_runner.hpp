//! @file sweep_runner.hpp
//! Runs what a config asks for -- one point, a grid or random sweep, a pulse per point -- in
//! parallel, streaming results into the output file block by block.
//!
//! Determinism: the points are cut into fixed work units (runs of at most 256 consecutive points
//! along the last axis). A unit is solved by one thread, its first point from a cold start and
//! each later point warm-started from its predecessor. Units and blocks depend only on the
//! config, never on the thread count or the schedule, so every thread count writes identical
//! bits.
#pragma once

#include <functional>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "relsim/io/config.hpp"

namespace relsim::sweep {

struct RunOptions {
    std::string output_path;         //!< final HDF5 name; "<out>.partial" while running
    bool resume = false;             //!< continue "<out>.partial" of an interrupted run
    int threads = 0;                 //!< 0: OpenMP's default
    bool quiet = false;              //!< no progress output
    std::uint64_t block_points = 0;  //!< points per written block; 0 chooses
    //! Blocks' whole chunks are laid out with their Fletcher32 checksums on the compute threads
    //! and written as stored bytes (io::PreparedBlock); false sends every write through HDF5's
    //! filter on the writer thread (the same file, byte for byte: tests compare the two).
    bool prepared_chunks = true;
    //! Called with the complete `.partial` before it is published (rank 0): later stages
    //! (the inventory and lifetime of src/lifetime) write their datasets there.
    std::function<void(const std::string&)> before_publish;
};

//! Observables of one point, for the terminal summary.
struct PointReport {
    std::uint64_t index = 0;
    std::int32_t status = 0;
    std::vector<std::pair<std::string, double>> values;  //!< (result name, value) of /results
};

struct RunSummary {
    std::uint64_t points = 0;
    std::uint64_t computed = 0;  //!< solved in this invocation
    std::uint64_t resumed = 0;   //!< taken from the interrupted run
    std::uint64_t failed = 0;
    std::map<std::string, std::uint64_t> failures_by_kind;
    bool interrupted = false;
    double wall_time_s = 0.0;
    std::string output_path;
    PointReport best;  //!< the point of highest EQE (the only point without a sweep)
    bool has_transient = false;
    double rise_time_s = 0.0;  //!< of the best point
    double decay_time_s = 0.0;
    bool has_best = true;  //!< false when eqe is not stored ([output]): no `best`
    // Where the wall time went (printed by every sweep; benchmarks/README.md):
    int threads = 1;  //!< compute threads
    std::uint64_t blocks_written = 0;
    double compute_s = 0.0;      //!< wall time of computing blocks (all threads at once)
    double writer_busy_s = 0.0;  //!< time the writer thread spent writing blocks
    double writer_wait_s = 0.0;  //!< time the computation waited for the writer
    //! time the compute threads spent laying out chunks and their checksums for the writer
    double prepare_s = 0.0;
};

//! Runs the config. Throws InputError for bad input found late (e.g. --resume mismatch) and
//! RunError for I/O failures; a solver failure at a point is recorded there, not thrown.
RunSummary run(const io::RunConfig& config, const RunOptions& options);

//! Size in bytes of the output file `config` produces (every dataset is allocated when the
//! file is created, so this is close to the final size; the estimate errs high by < 5 %).
[[nodiscard]] std::uint64_t estimated_output_bytes(const io::RunConfig& config);

//! What the run stores ([output], docs/output.md): the quantities, bytes per point and the
//! estimated file size, as `relsim check` prints it. Throws InputError for a bad [output].
[[nodiscard]] std::string describe_output(const io::RunConfig& config);

//! Requests a graceful stop (from a signal handler): the block in progress is finished and
//! written, then run() returns with `interrupted` set.
void request_stop() noexcept;

}  // namespace relsim::sweep
