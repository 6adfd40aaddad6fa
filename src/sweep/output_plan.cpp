//! @file output_plan.cpp
#include "output_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "relsim/core/error.hpp"
#include "relsim/sweep/rolloff.hpp"

namespace relsim::sweep {
namespace {

constexpr const char* kSolverMethod = "solver_method";

//! The reduced datasets of reduce = "rolloff", in block order (reduce_rolloff_rows fills them).
const std::vector<io::ResultLayout::Reduced>& rolloff_series() {
    static const std::vector<io::ResultLayout::Reduced> v{
        {"/reduced/rolloff/peak_eqe", "1", "highest EQE of the row's converged points", false},
        {"/reduced/rolloff/peak_J_mA_cm2", "mA cm^-2", "current density of the peak EQE", false},
        {"/reduced/rolloff/peak_luminance_cd_m2", "cd m^-2", "luminance at the peak EQE", false},
        {"/reduced/rolloff/J90_mA_cm2", "mA cm^-2",
         "first J above the peak where EQE = 0.9 x peak (linear in EQE against log J); 0 where "
         "flags bit 1 is set (not reached)",
         false},
        {"/reduced/rolloff/J50_mA_cm2", "mA cm^-2",
         "first J above the peak where EQE = 0.5 x peak; 0 where flags bit 2 is set", false},
        {"/reduced/rolloff/eqe_at_100_cd_m2", "1",
         "EQE where the luminance first reaches 100 cd m^-2 (linear in EQE against log L); 0 "
         "where flags bit 4 is set",
         false},
        {"/reduced/rolloff/eqe_at_1000_cd_m2", "1",
         "EQE where the luminance first reaches 1000 cd m^-2; 0 where flags bit 8 is set", false},
        {"/reduced/rolloff/max_luminance_cd_m2", "cd m^-2", "highest luminance of the row", false},
        {"/reduced/rolloff/last_eqe_over_peak", "1", "EQE at the highest J / peak EQE", false},
        {"/reduced/rolloff/points_used", "1", "converged points of the row with J > 0", true},
        {"/reduced/rolloff/flags", "1",
         "0 all figures reached; +1 J90 not reached; +2 J50 not reached; +4 100 cd m^-2 not "
         "reached; +8 1000 cd m^-2 not reached; 31: no converged point (every figure 0)",
         true},
    };
    return v;
}

bool matches(const std::string& pattern, const std::string& name) {
    if (pattern == "*") return true;
    if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, "/*") == 0) {
        return name.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
    }
    return pattern == name;
}

std::string allowed_names(const std::vector<std::string>& names) {
    std::vector<std::string> groups;
    for (const std::string& n : names) {
        const auto slash = n.find('/');
        if (slash == std::string::npos) continue;
        const std::string g = n.substr(0, slash) + "/*";
        if (std::find(groups.begin(), groups.end(), g) == groups.end()) groups.push_back(g);
    }
    std::string s = "\"*\"";
    for (const std::string& g : groups) s += ", \"" + g + "\"";
    for (const std::string& n : names) s += ", \"" + n + "\"";
    return s + ", \"" + kSolverMethod + "\"";
}

}  // namespace

std::size_t current_key_of_last_axis(const io::ResultLayout& L) {
    const auto& keys = L.axes.back().keys;
    return static_cast<std::size_t>(
        std::find(keys.begin(), keys.end(), "device.current_density_mA_cm2") - keys.begin());
}

void apply_output_spec(const io::RunConfig& config, io::ResultLayout& L) {
    const io::OutputSpec& o = config.output;
    if (!o.given) return;
    if (o.results_given) {
        std::vector<bool> keep(L.scalar_names.size(), false);
        bool method = false;
        for (std::size_t i = 0; i < o.results.size(); ++i) {
            const std::string& pattern = o.results[i];
            bool any = false;
            for (std::size_t q = 0; q < L.scalar_names.size(); ++q) {
                if (matches(pattern, L.scalar_names[q])) keep[q] = any = true;
            }
            if (matches(pattern, kSolverMethod)) method = any = true;
            if (!any) {
                const auto [line, column] = o.results_at[i];
                throw InputError(config.path, line, column, fmt::format("output.results.{}", i),
                                 fmt::format("'{}' names no quantity this run computes", pattern),
                                 allowed_names(L.scalar_names));
            }
        }
        std::vector<std::string> names, units;
        L.scalar_slot.assign(L.scalar_names.size(), -1);
        for (std::size_t q = 0; q < L.scalar_names.size(); ++q) {
            if (!keep[q]) continue;
            L.scalar_slot[q] = static_cast<std::int32_t>(names.size());
            names.push_back(L.scalar_names[q]);
            units.push_back(L.scalar_units[q]);
        }
        L.scalar_names = std::move(names);
        L.scalar_units = std::move(units);
        // Attributes of datasets that are not stored go with them.
        std::erase_if(L.result_attributes, [&](const std::array<std::string, 3>& a) {
            return std::find(L.scalar_names.begin(), L.scalar_names.end(), a[0]) ==
                   L.scalar_names.end();
        });
        L.store_solver_method = method;
    }
    if (!o.line_rates) L.line_labels.clear();
    if (o.reduce == "rolloff") {
        L.reduce_row = L.shape.back();
        L.reduced = rolloff_series();
    }
}

double bytes_per_point(const io::ResultLayout& L, bool allocated) {
    // Per-point datasets are chunked like the blocks; edge chunks are allocated whole, so with
    // `allocated` each kind of dataset counts with its allocation factor.
    auto factor = [&](std::uint64_t row) { return allocated ? L.allocation_factor(row) : 1.0; };
    const double one = factor(0);
    double bytes = one * (8.0 * static_cast<double>(L.scalar_names.size()) + 4.0);  // + status
    bytes += 1.0;  // done mark (1-D, chunks of whole blocks)
    if (L.store_solver_method) bytes += one * 4.0;
    if (!L.line_labels.empty()) {
        bytes += factor(L.line_labels.size()) * 8.0 * static_cast<double>(L.line_labels.size());
    }
    if (!L.wavelength_nm.empty()) {
        bytes += factor(L.wavelength_nm.size()) * 8.0 * static_cast<double>(L.wavelength_nm.size());
    }
    if (!L.transient_time_s.empty()) {
        const std::uint64_t nt = L.transient_time_s.size();
        bytes += factor(nt) * 8.0 * static_cast<double>(L.transient_series.size() * nt);
        bytes += one * (8.0 + 8.0 + 4.0);  // rise, decay time, transient status
    }
    for (const auto& e : L.extra_series) {
        const std::uint64_t len = std::max<std::uint64_t>(e.length, 1);
        bytes += factor(e.length) * 8.0 * static_cast<double>(len);
    }
    if (L.reduce_row > 0) {
        double per_row = 0.0;
        for (const auto& r : L.reduced) per_row += r.integer ? 4.0 : 8.0;
        bytes += per_row / static_cast<double>(L.reduce_row);
    }
    return bytes;
}

void reduce_rolloff_rows(const io::ResultLayout& L, const std::vector<double>& J,
                         io::ResultBlock& b, std::uint64_t row_begin, std::uint64_t row_end) {
    const std::uint64_t n = L.reduce_row;
    const std::uint64_t rows = b.count / n;
    std::vector<double> eqe(n), lum(n);
    std::vector<std::int32_t> status(n);
    for (std::uint64_t r = row_begin; r < row_end; ++r) {
        const std::uint64_t p0 = r * n;
        std::copy_n(b.reduce_in.begin() + static_cast<long>(p0), n, eqe.begin());
        std::copy_n(b.reduce_in.begin() + static_cast<long>(b.count + p0), n, lum.begin());
        std::copy_n(b.status.begin() + static_cast<long>(p0), n, status.begin());
        const std::optional<Rolloff> ro = rolloff(J, eqe, lum, status);
        auto put = [&](std::size_t q, double v) { b.reduced[q * rows + r] = v; };
        if (!ro) {
            for (std::size_t q = 0; q + 1 < L.reduced.size(); ++q) put(q, 0.0);
            put(10, 31.0);
            continue;
        }
        put(0, ro->peak_eqe);
        put(1, ro->peak_J_mA_cm2);
        put(2, ro->peak_luminance_cd_m2);
        put(3, ro->J90_mA_cm2.value_or(0.0));
        put(4, ro->J50_mA_cm2.value_or(0.0));
        put(5, ro->eqe_at_100_cd_m2.value_or(0.0));
        put(6, ro->eqe_at_1000_cd_m2.value_or(0.0));
        put(7, ro->max_luminance_cd_m2);
        put(8, ro->last_eqe_over_peak);
        put(9, static_cast<double>(ro->points_used));
        put(10, (ro->J90_mA_cm2 ? 0 : 1) + (ro->J50_mA_cm2 ? 0 : 2) +
                    (ro->eqe_at_100_cd_m2 ? 0 : 4) + (ro->eqe_at_1000_cd_m2 ? 0 : 8));
    }
}

//! (Moved here from sweep_runner.cpp unchanged.)
void scan_best_point(io::ResultFile& file, const io::ResultLayout& layout, std::uint64_t total,
                     bool has_transient, RunSummary& summary) {
    // The summary's point: highest EQE among converged points (scanned in bounded chunks).
    double best_eqe = -1.0;
    std::uint64_t best = 0;
    constexpr std::uint64_t chunk = 1u << 16;
    // The scanned quantity is the layout's first (eqe in the default layout); an [output] that
    // does not store eqe has no best point.
    std::string scan_name =
        layout.scalar_names.empty() ? std::string() : layout.scalar_names.front();
    if (!layout.scalar_slot.empty() && scan_name != "eqe") scan_name.clear();
    summary.has_best = !scan_name.empty();
    const std::uint64_t scan_total = summary.has_best ? total : 0;
    for (std::uint64_t c0 = 0; c0 < scan_total; c0 += chunk) {
        const std::uint64_t n = std::min(chunk, total - c0);
        const auto eqe = file.read_scalar(scan_name, c0, n);  // eqe (EL)
        const auto status = file.read_status(c0, n);
        for (std::uint64_t i = 0; i < n; ++i) {
            if (status[i] == 0 && eqe[i] > best_eqe) {
                best_eqe = eqe[i];
                best = c0 + i;
            }
        }
    }
    summary.best.index = best;
    summary.best.status = summary.has_best ? file.read_status(best, 1)[0] : -1;
    for (const std::string& name : layout.scalar_names) {
        if (!summary.has_best) break;
        summary.best.values.emplace_back(name, file.read_scalar(name, best, 1)[0]);
    }
    summary.has_transient = has_transient;
    if (summary.has_transient) {
        summary.rise_time_s = file.read_double("/transient/rise_time_s", best);
        summary.decay_time_s = file.read_double("/transient/decay_time_s", best);
    }
}

}  // namespace relsim::sweep
