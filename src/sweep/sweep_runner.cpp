//! @file sweep_runner.cpp
//! The block loop: cut points into deterministic work units, solve the units of a block in
//! parallel, write the block from this (single) thread, repeat; skip blocks an interrupted run
//! already wrote.
#include "relsim/sweep/sweep_runner.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <optional>

#include "nc_point_evaluator.hpp"
#include "output_plan.hpp"
#include "point_evaluator.hpp"
#include "progress.hpp"
#include "transport_point.hpp"
#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef RELSIM_HAVE_MPI
#include <mpi.h>
#endif

namespace relsim::sweep {
namespace {

std::atomic<bool> stop_requested{false};

//! Longest run of consecutive last-axis points solved by one thread with warm starts.
constexpr std::uint64_t max_unit_points = 256;

struct WorkUnit {
    std::uint64_t first = 0;
    std::uint64_t count = 0;
};

//! Deterministic work units: rows of the last axis cut into runs of at most max_unit_points.
class UnitCutter {
public:
    UnitCutter(std::uint64_t total, std::uint64_t row)
        : total_(total), row_(std::max<std::uint64_t>(row, 1)) {}
    //! The unit starting at flat index `first` (always a unit boundary).
    [[nodiscard]] WorkUnit at(std::uint64_t first) const {
        const std::uint64_t in_row = first % row_;
        const std::uint64_t left_in_row = row_ - in_row;
        return {first, std::min({max_unit_points - in_row % max_unit_points, left_in_row,
                                 total_ - first})};
    }

private:
    std::uint64_t total_;
    std::uint64_t row_;
};

std::string serialise_params(const io::RunConfig& c) {
    std::string s = c.text;
    auto num = [&](double v) { s += fmt::format("{:.17g};", v); };
    const model::ModelParams& p = c.model;
    for (const model::DopantParams& d : p.dopants) {
        s += d.ion + ":" + d.accepting_level + ";";
        for (const auto& l : d.scheme.levels) {
            s += l.name;
            num(l.energy_cm1);
        }
        for (const auto& l : d.scheme.lines) {
            s += l.from + ">" + l.to;
            num(l.rate_s);
            num(l.wavelength_nm);
            num(l.fwhm_nm);
            if (l.magnetic_dipole) s += "MD;";  // [optics] treats it differently
        }
        for (const auto& r : d.scheme.relaxations) {
            s += r.from + ">" + r.to;
            num(r.rate_s);
        }
    }
    if (c.sweep) {
        for (const io::SweepAxis& ax : c.sweep->axes) {
            for (std::size_t k = 0; k < ax.keys.size(); ++k) {
                s += ax.keys[k] + "=";
                for (double v : ax.values[k]) num(v);
            }
        }
    }
    s += build_info::version;
    return s;
}

const char* failure_kind(std::int32_t status) {
    if (status == status_error) return "error";
    if (status == status_fate_budget) return "fates do not sum to 1";
    if (status == nanocrystal::status_insufficient_statistics) return "too little statistics";
    if (status == transport::status_unresolved)
        return "current below the transport solver's resolution";
    return solver::to_string(static_cast<solver::SolveStatus>(status));
}

struct Ranks {
    int rank = 0;
    int size = 1;
};

#ifdef RELSIM_HAVE_MPI
Ranks mpi_ranks() {
    int initialised = 0;
    MPI_Initialized(&initialised);
    Ranks r;
    if (initialised) {
        MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
        MPI_Comm_size(MPI_COMM_WORLD, &r.size);
    }
    return r;
}
void mpi_broadcast(void* data, std::size_t bytes) {
    MPI_Bcast(data, static_cast<int>(bytes), MPI_BYTE, 0, MPI_COMM_WORLD);
}
//! A block travels as two messages: every double buffer, then every int buffer, in a fixed
//! order; the receiver has sized its block identically from the shared layout.
template <class F>
void for_each_buffer(io::ResultBlock& b, F&& f) {
    f(b.scalars, MPI_DOUBLE);
    f(b.line_rates, MPI_DOUBLE);
    f(b.spectrum, MPI_DOUBLE);
    f(b.transient, MPI_DOUBLE);
    f(b.rise_time_s, MPI_DOUBLE);
    f(b.decay_time_s, MPI_DOUBLE);
    f(b.status, MPI_INT32_T);
    f(b.method, MPI_INT32_T);
    f(b.transient_status, MPI_INT32_T);
    f(b.extra, MPI_DOUBLE);
    f(b.reduced, MPI_DOUBLE);
}
void mpi_send_block(io::ResultBlock& b, std::size_t block_index) {
    const int tag = static_cast<int>(block_index % 32768);
    for_each_buffer(b, [&](auto& v, MPI_Datatype t) {
        MPI_Send(v.data(), static_cast<int>(v.size()), t, 0, tag, MPI_COMM_WORLD);
    });
}
void mpi_receive_block(io::ResultBlock& b, int from, std::size_t block_index) {
    const int tag = static_cast<int>(block_index % 32768);
    for_each_buffer(b, [&](auto& v, MPI_Datatype t) {
        MPI_Recv(v.data(), static_cast<int>(v.size()), t, from, tag, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    });
}
#else
Ranks mpi_ranks() { return {}; }
void mpi_broadcast(void*, std::size_t) {}
void mpi_send_block(io::ResultBlock&, std::size_t) {}
void mpi_receive_block(io::ResultBlock&, int, std::size_t) {}
#endif

}  // namespace

void request_stop() noexcept { stop_requested.store(true); }

std::uint64_t estimated_output_bytes(const io::RunConfig& config) {
    const model::RateModel base_model(config.model);
    const bool has_sweep = config.sweep.has_value();
    const bool save_spectrum = config.spectrum.save_given ? config.spectrum.save : !has_sweep;
    const io::ResultLayout L = make_layout(config, base_model, save_spectrum);
    double bytes = static_cast<double>(L.num_points()) * bytes_per_point(L, true);
    // The inventory stage (src/lifetime, run before the file is published) adds per point, per
    // ion: mg m^-2, mg klm^-1, mg W^-1, turnover, radiative ceiling; and cost (2), EML thickness.
    // It is skipped when [output] leaves out what it reads. ([lifetime] datasets not included.)
    if (!config.output.results_given) {
        bytes += static_cast<double>(L.num_points()) * 8.0 *
                 (5.0 * static_cast<double>(config.model.dopants.size()) + 3.0);
    }
    for (const io::SweepAxis& ax : L.axes)
        bytes += 8.0 * static_cast<double>(ax.size() * ax.keys.size());
    bytes += static_cast<double>(config.text.size()) + 1.0e5;  // attributes and metadata
    return static_cast<std::uint64_t>(bytes * 1.02);           // chunk checksums, index
}

std::string describe_output(const io::RunConfig& config) {
    if (config.has_table("nanocrystal"))
        return {};  // the microscopic layout is described by its own check
    const model::RateModel base_model(config.model);
    const bool has_sweep = config.sweep.has_value();
    const bool save_spectrum = config.spectrum.save_given ? config.spectrum.save : !has_sweep;
    const io::ResultLayout L = make_layout(config, base_model, save_spectrum);
    const double per_point = bytes_per_point(L);
    const double total = static_cast<double>(estimated_output_bytes(config));
    std::string s = fmt::format(
        "output: {} results per point{}{}{}{}; {:.1f} bytes per point; estimated file size {:.4g} "
        "MB "
        "for {} points\n",
        L.scalar_names.size(), L.store_solver_method ? " + solver_method" : "",
        L.line_labels.empty() ? "" : fmt::format(" + {} line rates", L.line_labels.size()),
        L.wavelength_nm.empty() ? ""
                                : fmt::format(" + a {}-point spectrum", L.wavelength_nm.size()),
        L.reduce_row > 0 ? fmt::format(" + roll-off of each {}-point J row ({} datasets)",
                                       L.reduce_row, L.reduced.size())
                         : "",
        per_point, total / 1e6, L.num_points());
    if (config.output.given && config.output.results_given) {
        s += "  stored /results:";
        for (const std::string& n : L.scalar_names) s += " " + n;
        s += "\n";
    }
    return s;
}

namespace {
RunSummary run_impl(const io::RunConfig& config, const RunOptions& options, bool& file_ready);
}  // namespace

RunSummary run(const io::RunConfig& config, const RunOptions& options) {
    bool file_ready = false;
    try {
        return run_impl(config, options, file_ready);
    } catch (const RunError& e) {
        if (!file_ready) throw;
        // A write or read error after the file was created: what is done is kept, and the
        // run continues from there once the cause is gone.
        throw RunError(fmt::format(
            "{}\n  every block written before the error is kept in {}.partial; once the cause is "
            "fixed (disk space, file size limit, device), continue with\n    relsim run {} -o {} "
            "--resume",
            e.what(), options.output_path, config.path, options.output_path));
    }
}

namespace {
//! Set-up and claim of the output (rank 0 only touches the file): creates it, or reopens it
//! with --resume and reads which blocks are done; under MPI, tells the other ranks.
std::vector<std::uint8_t> open_output(const RunOptions& options, const io::ResultLayout& layout,
                                      const io::RunIdentity& id,
                                      const std::vector<std::uint64_t>& block_start,
                                      const Ranks& ranks, NcPointEvaluator* nc,
                                      std::optional<io::ResultFile>& file, bool& file_ready) {
    const bool writer = ranks.rank == 0;
    const std::size_t num_blocks = block_start.size() - 1;
    std::vector<std::uint8_t> block_done(num_blocks, 0);
    std::string open_error;
    if (writer) {
        try {
            file.emplace(options.resume ? io::ResultFile::resume(options.output_path, layout, id)
                                        : io::ResultFile::create(options.output_path, layout, id));
            if (nc) nc->describe(*file);
            if (options.resume) {
                for (std::size_t k = 0; k < num_blocks; ++k) {
                    const auto marks =
                        file->done_marks(block_start[k], block_start[k + 1] - block_start[k]);
                    block_done[k] = std::all_of(marks.begin(), marks.end(),
                                                [](std::uint8_t m) { return m == 1; });
                }
            }
            file_ready = true;
        } catch (const std::exception& e) {
            open_error = e.what();
            if (ranks.size == 1) throw;
        }
    }
    if (ranks.size > 1) {
        int failed_open = open_error.empty() ? 0 : 1;
        mpi_broadcast(&failed_open, sizeof failed_open);
        if (failed_open) {
            if (writer) throw RunError(open_error);
            throw RunError("rank 0 could not open the output file");
        }
        mpi_broadcast(block_done.data(), block_done.size());
    }
    return block_done;
}

//! Blocks: runs of whole work units of about `block_target` points (the first point of every
//! block, then `total`); with a roll-off reduction, whole rows.
std::vector<std::uint64_t> plan_blocks(const UnitCutter& cutter, std::uint64_t total,
                                       std::uint64_t block_target, const io::ResultLayout& layout) {
    std::vector<std::uint64_t> block_start{0};
    for (std::uint64_t p = 0; p < total;) {
        const std::uint64_t b0 = p;
        // reduce = "rolloff": a block holds whole rows (each row's figures come from its block).
        while (p < total &&
               (p - b0 < block_target || (layout.reduce_row > 0 && p % layout.reduce_row != 0))) {
            p += cutter.at(p).count;
        }
        block_start.push_back(p);
    }
    return block_start;
}

//! The last stage: transport /summary figures (voltage sweeps) and the caller's stages, then
//! the finished file is published under its final name.
void publish_output(const io::RunConfig& config, const RunOptions& options,
                    const transport::TransportConfig* tconf, io::ResultFile& file,
                    RunSummary& summary) {
    std::function<void(const std::string&)> before_publish = options.before_publish;
    if (tconf) {  // /summary voltage figures of a voltage sweep, then the other stages
        before_publish = [&config, &tconf,
                          next = options.before_publish](const std::string& partial) {
            (void)write_transport_summary(config, *tconf, partial);
            if (next) next(partial);
        };
    }
    file.finish(summary.failed, summary.wall_time_s, before_publish);
}

//! The compute step: the points [b0, b1) of a block into `block`, work units in parallel over
//! the compute threads (each unit warm-started along its row), then the per-row reductions.
struct BlockComputer {
    const io::ResultLayout& layout;
    const UnitCutter& cutter;
    NcPointEvaluator* nc;
    const transport::TransportConfig* tconf;
    std::vector<PointEvaluator>& evaluators;
    std::vector<TransportPointEvaluator>& transport_evaluators;
    int threads;
    bool warm_starts;
    const std::vector<double>& row_J;  //!< current densities of a row (reduce = "rolloff")
    std::vector<WorkUnit>& units;      //!< scratch: the block's work units
    double& compute_s;                 //!< summary.compute_s

    void operator()(std::uint64_t b0, std::uint64_t b1, io::ResultBlock& block) const {
        const auto c0 = std::chrono::steady_clock::now();
        struct Timer {  // adds the block's wall time to summary.compute_s however it ends
            std::chrono::steady_clock::time_point start;
            double& sum;
            ~Timer() {
                sum +=
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            }
        } timer{c0, compute_s};
        units.clear();
        for (std::uint64_t p = b0; p < b1; p += units.back().count) units.push_back(cutter.at(p));
        block.resize(layout, b1 - b0);
        block.first = b0;
        if (nc) {
            std::string kind;
            for (std::uint64_t i = b0; i < b1; ++i) nc->evaluate(i, block, i - b0, kind);
            return;
        }
        const long num_units = static_cast<long>(units.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (long u = 0; u < num_units; ++u) {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            const WorkUnit& unit = units[static_cast<std::size_t>(u)];
            std::string kind;
            for (std::uint64_t k = 0; k < unit.count; ++k) {
                const std::uint64_t index = unit.first + k;
                if (tconf) {  // a unit is solved in order by voltage continuation
                    transport_evaluators[static_cast<std::size_t>(tid)].evaluate(
                        index, warm_starts && k > 0, block, index - b0, kind);
                } else {
                    evaluators[static_cast<std::size_t>(tid)].evaluate(index, warm_starts && k > 0,
                                                                       block, index - b0, kind);
                }
            }
        }
        if (layout.reduce_row > 0) {  // per-row reductions, by the compute threads
            const long rows = static_cast<long>((b1 - b0) / layout.reduce_row);
#pragma omp parallel for schedule(static) num_threads(threads)
            for (long r = 0; r < rows; ++r) {
                reduce_rolloff_rows(layout, row_J, block, static_cast<std::uint64_t>(r),
                                    static_cast<std::uint64_t>(r) + 1);
            }
        }
    }
};

RunSummary run_impl(const io::RunConfig& config, const RunOptions& options, bool& file_ready) {
    const auto t0 = std::chrono::steady_clock::now();
    stop_requested.store(false);
    const Ranks ranks = mpi_ranks();
    const bool writer = ranks.rank == 0;
    const model::RateModel base_model(config.model);
    const bool has_sweep = config.sweep.has_value();
    const bool save_spectrum = config.spectrum.save_given ? config.spectrum.save : !has_sweep;
    auto observer =
        std::make_shared<const model::CieObserver>(model::load_cie_observer(cie_table_path()));
    auto photometry =
        std::make_shared<const model::Photometry>(*observer, band_shapes(config.model));
    // A config with [nanocrystal] runs the microscopic model (nc_point_evaluator.hpp): same
    // driver, one point at a time, every thread on the point's NC ensemble.
    std::optional<NcPointEvaluator> nc;
    // (With [transport], [nanocrystal] is the transport pipeline's emitter: transport_point.hpp.)
    if (config.has_table("nanocrystal") && !config.has_table("transport"))
        nc.emplace(config, observer, save_spectrum, options.threads);
    // A config with [transport] drives the pipeline from the drift-diffusion stack
    // (transport_point.hpp); its table and sweep keys are checked here, before any file exists.
    std::optional<transport::TransportConfig> tconf;
    if (config.has_table("transport")) tconf = transport::read_transport_config(config);
    io::ResultLayout layout =
        nc      ? nc->layout()
        : tconf ? TransportPointEvaluator::make_layout(config, *tconf, base_model, save_spectrum)
                : make_layout(config, base_model, save_spectrum);
    const std::uint64_t total = layout.num_points();
    // The coordinate datasets are written once, before any point: each must be finite (a
    // pulse of 1e308 s on and off has an infinite end time).
    auto check_axis = [&](const std::vector<double>& v, const std::string& key, const char* what) {
        for (double x : v) {
            if (!std::isfinite(x)) {
                throw InputError(config.path, 0, 0, key,
                                 fmt::format("the {} holds a non-finite value ({})", what, x),
                                 "finite times and wavelengths");
            }
        }
    };
    check_axis(layout.transient_time_s, "transient", "pulse time axis (pulse_on_s + off_s)");
    check_axis(layout.wavelength_nm, "spectrum", "wavelength grid");

    io::RunIdentity id;
    id.config_path = config.path;
    id.config_text = config.text;
    id.title = config.title;
    id.ion_files = config.ion_files;
    id.resolved = config.resolved;
    id.fingerprint = io::fnv1a_hex(serialise_params(config));

    // Blocks: runs of whole work units, the same on every rank whatever the thread count.
    // A microscopic point is its own unit (no warm start between points), so that every point
    // is its own block and a kill loses only the point in progress (docs/microscopic.md).
    const UnitCutter cutter(total, nc || layout.shape.empty() ? 1 : layout.shape.back());
    // A block buffer holds at most ~16 MB (2^21 values): with spectra (900 values per point at
    // 0.5 nm) a 16384-point block would be 118 MB per buffer, mostly page faults to fill.
    const double values_per_point = bytes_per_point(layout) / 8.0;
    const std::uint64_t default_block = std::clamp<std::uint64_t>(
        static_cast<std::uint64_t>(2097152.0 / std::max(values_per_point, 1.0)), 256, 16384);
    // The default block is one chunk of the /results datasets: their chunks (io's chunk_for of
    // about a block) are runs of whole trailing rows, contiguous in flat order, so a block of
    // exactly one chunk overwrites whole chunks and HDF5 never reads a chunk back (verifying and
    // recomputing its Fletcher32) to merge two blocks' parts: half the writer's time
    // (benchmarks/README.md, "The writer, third pass"). Results do not depend on the blocks.
    auto chunk_aligned = [&](std::uint64_t target) {
        if (layout.shape.empty()) return target;
        std::uint64_t points = 1, left = target;
        for (std::size_t i = layout.shape.size(); i-- > 0;) {  // io/result_file.cpp chunk_for
            const std::uint64_t c = std::max<std::uint64_t>(1, std::min(layout.shape[i], left));
            points *= c;
            if (c < layout.shape[i]) break;
            left = std::max<std::uint64_t>(1, left / c);
        }
        // Units are runs within a row: whole rows tile a chunk of whole rows.
        return points >= layout.shape.back() && points % layout.shape.back() == 0 ? points : target;
    };
    const std::uint64_t block_target = options.block_points > 0
                                           ? options.block_points
                                           : (nc                 ? 1
                                              : config.transient ? 16
                                                                 : chunk_aligned(default_block));
    const std::vector<std::uint64_t> block_start = plan_blocks(cutter, total, block_target, layout);
    const std::size_t num_blocks = block_start.size() - 1;
    layout.points_per_block = block_target;

    // Only the writer (rank 0) touches the file; it tells the others which blocks are done.
    std::optional<io::ResultFile> file;
    const std::vector<std::uint8_t> block_done =
        open_output(options, layout, id, block_start, ranks, nc ? &*nc : nullptr, file, file_ready);
    if (file && tconf) TransportPointEvaluator::describe(config, *file);  // with [nanocrystal]

    int threads = 1;
#ifdef _OPENMP
    threads = options.threads > 0 ? options.threads : omp_get_max_threads();
#endif
    std::vector<PointEvaluator> evaluators;
    evaluators.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < (nc || tconf ? 0 : threads); ++i)
        evaluators.emplace_back(config, layout, observer, photometry);
    std::vector<TransportPointEvaluator> transport_evaluators;
    transport_evaluators.reserve(static_cast<std::size_t>(threads));
    for (int i = 0; i < (tconf ? threads : 0); ++i)
        transport_evaluators.emplace_back(config, *tconf, layout, observer, photometry);
    const bool warm_starts = !(has_sweep && config.sweep->mode == "random");

    RunSummary summary;
    summary.threads = nc ? 1 : threads;
    summary.points = total;
    summary.output_path = options.output_path;
    Progress progress(total, options.quiet || !writer);
    // Double buffering: while one block is written (by a helper thread, the only one touching
    // HDF5 meanwhile), the next is computed into the other buffer.
    io::ResultBlock buffers[2];
    int current = 0;
    std::future<void> pending_write;
    auto wait_for_writer = [&] {
        if (!pending_write.valid()) return;
        const auto w0 = std::chrono::steady_clock::now();
        pending_write.get();  // rethrows a write failure here
        summary.writer_wait_s +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    };
    std::vector<WorkUnit> units;
    std::uint64_t done = 0;
    // Each block's whole chunks, with their Fletcher32 checksums, laid out by the compute threads
    // (double-buffered like the blocks): the writer thread only hands the bytes to HDF5
    // (benchmarks/README.md, "The writer, fourth pass"); the rest takes HDF5's filtered path.
    io::PreparedBlock prepared[2];
    auto prepare_chunks = [&](const io::ResultBlock& b, io::PreparedBlock& p) {
        if (!options.prepared_chunks) return;
        const auto p0 = std::chrono::steady_clock::now();
        file->prepare_block(b, p);
        const long n = static_cast<long>(p.size());
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
        for (long i = 0; i < n; ++i) p.fill(static_cast<std::size_t>(i));
        summary.prepare_s +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - p0).count();
    };

    // Current densities of a row for reduce = "rolloff".
    const std::vector<double> row_J =
        layout.reduce_row > 0 ? layout.axes.back().values[current_key_of_last_axis(layout)]
                              : std::vector<double>{};
    const BlockComputer compute_block{layout,
                                      cutter,
                                      nc ? &*nc : nullptr,
                                      tconf ? &*tconf : nullptr,
                                      evaluators,
                                      transport_evaluators,
                                      threads,
                                      warm_starts,
                                      row_J,
                                      units,
                                      summary.compute_s};
    auto count_failures = [&](const std::vector<std::int32_t>& status) {
        for (std::int32_t s : status) {
            if (s != 0) {
                ++summary.failed;
                ++summary.failures_by_kind[failure_kind(s)];
            }
        }
    };

    for (std::size_t k = 0; k < num_blocks; ++k) {
        const std::uint64_t b0 = block_start[k];
        const std::uint64_t b1 = block_start[k + 1];
        const std::uint64_t n = b1 - b0;
        const int owner = static_cast<int>(k % static_cast<std::size_t>(ranks.size));
        io::ResultBlock& block = buffers[current];
        if (block_done[k]) {
            if (writer) {
                wait_for_writer();
                count_failures(file->read_status(b0, n));
            }
            summary.resumed += n;
        } else if (writer) {
            // A stop request (Ctrl-C) ends a single-process run between blocks; under MPI the
            // job is ended by the launcher and continued with --resume.
            if (ranks.size == 1 && stop_requested.load()) {
                summary.interrupted = true;
                break;
            }
            if (owner == 0) {
                compute_block(b0, b1, block);
            } else {
                block.resize(layout, n);
                block.first = b0;
                mpi_receive_block(block, owner, k);
            }
            prepare_chunks(block, prepared[current]);
            wait_for_writer();
            count_failures(block.status);
            pending_write = std::async(std::launch::async, [&file, &block, &summary,
                                                            &chunks = prepared[current]] {
                const auto w0 = std::chrono::steady_clock::now();
                file->write_block(block, chunks.size() > 0 ? &chunks : nullptr);
                // Read by the main thread only after get() (one write in flight at a time).
                summary.writer_busy_s +=
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
                ++summary.blocks_written;
            });
            current ^= 1;
            summary.computed += n;
        } else if (owner == ranks.rank) {
            compute_block(b0, b1, block);
            mpi_send_block(block, k);
            summary.computed += n;
        }
        done += n;
        progress.update(done, summary.computed, summary.failed);
    }
    wait_for_writer();
    progress.finish(done, summary.computed, summary.failed);
    summary.wall_time_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (summary.interrupted || !writer) return summary;

    scan_best_point(*file, layout, total, config.transient.has_value(), summary);
    if (nc) nc->finish(*file);
    publish_output(config, options, tconf ? &*tconf : nullptr, *file, summary);
    return summary;
}
}  // namespace

}  // namespace relsim::sweep
