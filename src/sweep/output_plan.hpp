//! @file output_plan.hpp (private to the sweep module)
//! The [output] table applied to a run's layout (docs/output.md): which computed quantities are
//! stored, and the reductions along the last sweep axis (roll-off per row of a current sweep).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/io/result_file.hpp"
#include "relsim/sweep/sweep_runner.hpp"

namespace relsim::sweep {

//! Restricts `L` (the full layout of every computed quantity) to what config.output asks for:
//! filters scalar_names (setting L.scalar_slot), line rates and solver_method, and adds the
//! reduced datasets. Throws InputError (file, line, column, key, allowed names) for a name or
//! group that matches no computed quantity. Without an [output] table `L` is left unchanged.
void apply_output_spec(const io::RunConfig& config, io::ResultLayout& L);

//! Stored bytes per point of `L`, including the status, solver method, done mark and the
//! reduced datasets' share per point: the raw data, or with `allocated` what the file holds
//! (edge chunks allocated whole; HDF5's own metadata not included).
[[nodiscard]] double bytes_per_point(const io::ResultLayout& L, bool allocated = false);

//! Roll-off reduction of whole rows of a block: for each row r (b0 is a row start), fills
//! block.reduced[q * rows + r] from block.reduce_in (eqe, luminance), block.status and the
//! last axis' current densities. Rows are independent (called in parallel by row ranges).
void reduce_rolloff_rows(const io::ResultLayout& L, const std::vector<double>& J_mA_cm2,
                         io::ResultBlock& block, std::uint64_t row_begin, std::uint64_t row_end);

//! Index of device.current_density_mA_cm2 among the last axis' keys (reduce = "rolloff").
[[nodiscard]] std::size_t current_key_of_last_axis(const io::ResultLayout& L);

//! The summary's best point (highest EQE among converged points), read back from the file in
//! bounded chunks; none when the layout does not store eqe.
void scan_best_point(io::ResultFile& file, const io::ResultLayout& layout, std::uint64_t total,
                     bool has_transient, RunSummary& summary);

}  // namespace relsim::sweep
