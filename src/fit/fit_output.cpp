//! @file fit_output.cpp
//! The result file of a fit (shared/spec/fitting.md section 3) and the terminal summary.
//! NaN appears only in the uncertainty outputs (/fit/stderr, /fit/stderr_log10,
//! /fit/covariance, /fit/correlation) of parameters the data do not determine or that ended on
//! a bound; every other number written is finite.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "relsim/core/error.hpp"
#include "relsim/fit/fitter.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/io/result_file.hpp"

namespace relsim::fit {

namespace {

std::string utc_now() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

void write_contents(io::H5File& f, const FitConfig& cfg, const FitResult& r);

//! |correlation| from which two parameters count as nearly degenerate: each one's error is then
//! >= 1/sqrt(1 - 0.99^2) = 7 times its error with the other held fixed, i.e. the data fix mainly
//! a combination of the two (issue 21 item 19).
constexpr double kNearDegenerateCorrelation = 0.99;

std::string fitted_name(const FitConfig& cfg, std::size_t j) {
    return cfg.free[j].log ? "log10(" + cfg.free[j].key + ")" : cfg.free[j].key;
}

//! "+1 log10(a) -0.452 b": a direction of the free parameters in the fitted scale.
std::string combination_text(const FitConfig& cfg, const std::vector<double>& dir) {
    std::string s;
    for (std::size_t j = 0; j < dir.size() && j < cfg.free.size(); ++j) {
        if (dir[j] == 0.0) continue;
        s += fmt::format("{}{:+.3g} {}", s.empty() ? "" : " ", dir[j], fitted_name(cfg, j));
    }
    return s;
}

struct PairCorr {
    double c;
    std::size_t i, j;
};

std::vector<PairCorr> near_degenerate_pairs(const FitResult& r) {
    std::vector<PairCorr> out;
    const std::size_t P = r.keys.size();
    for (std::size_t i = 0; i < P; ++i) {
        for (std::size_t j = i + 1; j < P; ++j) {
            const double c = r.correlation[i * P + j];
            if (std::isfinite(c) && std::abs(c) >= kNearDegenerateCorrelation)
                out.push_back({c, i, j});
        }
    }
    return out;
}

}  // namespace

void write_fit_file(const std::string& path, const FitConfig& cfg, const FitResult& r) {
    const std::string partial = path + ".partial";
    std::error_code ec;
    // A stale OUT.partial (the caller has checked that it may go) is unlinked, not opened: a
    // symbolic link there is removed instead of its target being truncated.
    std::filesystem::remove(partial, ec);
    try {
        io::H5File f(partial, io::H5File::Mode::create_truncate);
        write_contents(f, cfg, r);
        io::seal_attributes(f);  // last: the record `relsim verify` compares
        f.close();
    } catch (const std::exception& e) {
        std::filesystem::remove(partial, ec);
        throw RunError(
            fmt::format("cannot write the fit result {}: {}\n  no file is left; the fit "
                        "must be run again (free disk space or raise the file size "
                        "limit if that is the reason above)",
                        partial, e.what()));
    }
    io::publish_file(partial, path);
}

namespace {

void write_contents(io::H5File& f, const FitConfig& cfg, const FitResult& r) {
    {
        // Identification, as in a run's file: `relsim verify` and `relsim export` know it.
        std::string all_text = cfg.text;
        for (const ModelEntry& m : cfg.models) all_text += "\n" + m.config.text;
        f.set_attribute("/", "relsim_version", io::program_version());
        f.set_attribute("/", "result_kind", std::string("fit"));
        f.set_attribute("/", "spec", std::string("fitting contract, version 1"));
        f.set_attribute("/", "config_path", cfg.path);
        f.set_attribute("/", "config_toml", cfg.text);
        f.set_attribute("/", "config_fingerprint", io::fnv1a_hex(all_text));
        f.set_attribute("/", "created_utc", utc_now());
        f.set_attribute("/", "complete", std::int64_t{1});
        const std::uint64_t P = r.keys.size();
        std::vector<std::string> units, flags;
        for (const FreeParameter& fp : cfg.free) units.push_back(fp.unit.empty() ? "1" : fp.unit);
        for (Flag fl : r.flags) flags.emplace_back(to_string(fl));
        f.write_strings("/fit/keys", r.keys);
        f.write_strings("/fit/units", units);
        f.write_doubles("/fit/values", {P}, r.values.data(), "per key: /fit/units");
        f.write_doubles("/fit/stderr", {P}, r.stderr_.data(), "per key: /fit/units");
        f.write_doubles("/fit/stderr_log10", {P}, r.stderr_log10.data(), "log10 units");
        f.write_doubles("/fit/covariance", {P, P}, r.covariance.data(),
                        "product of the two keys' /fit/units");
        f.write_doubles("/fit/correlation", {P, P}, r.correlation.data(), "1");
        f.write_doubles("/fit/chi2", {}, &r.chi2, "1");
        const std::int32_t dof = static_cast<std::int32_t>(r.dof);
        f.write_ints("/fit/dof", {}, &dof, "1");
        f.write_doubles("/fit/reduced_chi2", {}, &r.reduced_chi2, "1");
        std::vector<std::int32_t> ident(r.identifiable.begin(), r.identifiable.end());
        f.write_ints("/fit/identifiable", {P}, ident.data(), "1");
        // Identifiability beyond the per-parameter flag (issue 21 items 6, 19).
        std::vector<std::string> combos;
        for (const auto& dir : r.null_directions) combos.push_back(combination_text(cfg, dir));
        f.write_strings("/fit/unidentified_combinations", combos);
        f.set_attribute(
            "/fit/unidentified_combinations", "description",
            std::string("each a direction in the fitted parameters (log10 for log = true, "
                        "largest coefficient +-1) along which chi2 does not change: the "
                        "data do not determine it; its parameters have identifiable 0"));
        std::vector<std::int32_t> near(P, 0), beyond(P, 0);
        for (const PairCorr& pc : near_degenerate_pairs(r)) near[pc.i] = near[pc.j] = 1;
        for (std::size_t j = 0; j < P && j < r.beyond_bounds.size(); ++j)
            beyond[j] = r.beyond_bounds[j];
        f.write_ints("/fit/near_degenerate", {P}, near.data(), "1");
        f.set_attribute(
            "/fit/near_degenerate", "description",
            fmt::format("1 where the parameter's |correlation| with another is >= {} (the data "
                        "fix mainly a combination of the two)",
                        kNearDegenerateCorrelation));
        f.write_ints("/fit/beyond_bounds", {P}, beyond.data(), "1");
        f.set_attribute("/fit/beyond_bounds", "description",
                        std::string("1 where the stderr spanned the whole bound range (zero "
                                    "sensitivity): not determined; the others' errors are "
                                    "conditional on it held at its value"));
        f.write_strings("/fit/flags", flags);
        std::vector<double> start_chi2 = r.start_chi2;
        std::vector<std::int32_t> start_ok;
        for (double& c : start_chi2) {
            start_ok.push_back(std::isfinite(c) ? 1 : 0);
            if (!std::isfinite(c)) c = 0.0;  // failed start: flagged in /fit/starts/ok, never inf
        }
        f.write_doubles("/fit/starts/chi2", {start_chi2.size()}, start_chi2.data(), "1");
        f.write_ints("/fit/starts/ok", {start_ok.size()}, start_ok.data(), "1");
        f.set_attribute("/fit", "starts", static_cast<std::int64_t>(r.starts));
        f.set_attribute("/fit", "starts_reached_best",
                        static_cast<std::int64_t>(r.starts_reached_best));
        f.set_attribute("/fit", "best_start", static_cast<std::int64_t>(r.best_start));
        f.set_attribute("/fit", "iterations", static_cast<std::int64_t>(r.iterations));
        f.set_attribute("/fit", "termination", r.termination);
        f.set_attribute("/fit", "s2", r.s2);
        f.set_attribute("/fit", "fit_file", cfg.path);
        f.set_attribute("/fit", "fit_file_text", cfg.text);
        for (std::size_t d = 0; d < cfg.data.size(); ++d) {
            const DataSet& ds = cfg.data[d];
            const DataFit& df = r.data[d];
            const std::string g = fmt::format("/fit/data/{}", d);
            const std::uint64_t n = ds.x.size();
            f.write_doubles(g + "/x", {n}, ds.x.data(), x_unit(ds.kind));
            f.write_doubles(g + "/y", {n}, ds.y.data(), y_unit(ds.kind));
            f.write_doubles(g + "/model", {n}, df.model.data(), y_unit(ds.kind));
            f.write_doubles(g + "/residual", {n}, df.residual.data(), y_unit(ds.kind));
            f.write_doubles(g + "/sigma", {n}, df.sigma.data(), y_unit(ds.kind));
            f.set_attribute(g, "kind", std::string(to_string(ds.kind)));
            f.set_attribute(g, "model", cfg.models[ds.model].name);
            f.set_attribute(g, "file", ds.file);
            f.set_attribute(g, "x_name", data_columns(ds.kind)[0]);
            f.set_attribute(g, "y_name", data_columns(ds.kind)[1]);
            f.set_attribute(g, "sigma_estimated",
                            static_cast<std::int64_t>(df.sigma_estimated ? 1 : 0));
            f.set_attribute(g, "amplitude", df.amplitude);
            f.set_attribute(g, "offset", df.offset);
            f.set_attribute(g, "chi2", df.chi2);
        }
        for (std::size_t m = 0; m < cfg.models.size(); ++m) {
            f.write_strings("/fit/config/" + cfg.models[m].name, {r.fitted_configs[m]});
            f.set_attribute("/fit/config/" + cfg.models[m].name, "source",
                            cfg.models[m].config_path);
        }
    }
}

std::string rel_error_text(double value, double err) {
    if (!std::isfinite(err)) return "--";
    if (value == 0.0) return "inf";
    return fmt::format("{:.3g} %", 100.0 * err / std::abs(value));
}

}  // namespace

std::string format_summary(const FitConfig& cfg, const FitResult& r) {
    std::string s;
    s += fmt::format(
        "{} starts: {} ran to the end, {} reached the best chi2 (within 1e-6); best: start {} "
        "({} iterations; {})\n",
        r.starts, r.starts_succeeded, r.starts_reached_best, r.best_start, r.iterations,
        r.termination);
    s += fmt::format("chi2 = {:.6g} for {} degrees of freedom (reduced chi2 {:.4g})\n", r.chi2,
                     r.dof, r.reduced_chi2);
    bool any_estimated = false;
    for (std::size_t d = 0; d < cfg.data.size(); ++d) {
        if (!r.data[d].sigma_estimated) continue;
        any_estimated = true;
        s += fmt::format(
            "  data {} has no sigma column: sigma = {:.4g} estimated from its residuals\n", d,
            r.data[d].sigma.front());
    }
    s += r.s2 == 1.0
             ? "  errors: (J^T W J)^-1 with the data's sigma (s^2 = 1)\n"
             : fmt::format("  errors: s^2 (J^T W J)^-1 with s^2 = reduced chi2 = {:.4g}\n", r.s2);
    (void)any_estimated;
    std::size_t w = 24;
    for (const std::string& k : r.keys) w = std::max(w, k.size());
    s += fmt::format("\n  {:<{}}  {:>14}    {:<12} {:>10}  {}\n", "parameter", w, "value",
                     "+- stderr", "rel. err", "");
    for (std::size_t j = 0; j < r.keys.size(); ++j) {
        const FreeParameter& fp = cfg.free[j];
        std::string note;
        if (r.flags[j] == Flag::at_lower_bound)
            note = fmt::format("ON LOWER BOUND {:g}: not determined", fp.min);
        else if (r.flags[j] == Flag::at_upper_bound)
            note = fmt::format("ON UPPER BOUND {:g}: not determined", fp.max);
        else if (j < r.beyond_bounds.size() && r.beyond_bounds[j]) {
            note =
                "NOT DETERMINED: stderr wider than its bounds (zero sensitivity); held fixed for "
                "the others' errors";
        } else if (r.flags[j] == Flag::degenerate)
            note = "NOT DETERMINED by the data (degenerate direction)";
        else if (r.flags[j] == Flag::relative_error_large)
            note = "NOT DETERMINED (relative error >= 100 %)";
        s += fmt::format("  {:<{}}  {:>14.7g} +- {:<12.4g} {:>10}  {}{}\n", r.keys[j], w,
                         r.values[j], r.stderr_[j], rel_error_text(r.values[j], r.stderr_[j]),
                         fp.unit == "1" ? "" : fp.unit + "  ", note);
    }
    struct Pair {
        double c;
        std::size_t i, j;
    };
    std::vector<Pair> pairs;
    const std::size_t P = r.keys.size();
    for (std::size_t i = 0; i < P; ++i) {
        for (std::size_t j = i + 1; j < P; ++j) {
            const double c = r.correlation[i * P + j];
            if (std::isfinite(c)) pairs.push_back({c, i, j});
        }
    }
    std::sort(pairs.begin(), pairs.end(),
              [](const Pair& a, const Pair& b) { return std::abs(a.c) > std::abs(b.c); });
    if (!pairs.empty()) {
        s += "\n  strongest correlations:\n";
        for (std::size_t k = 0; k < std::min<std::size_t>(5, pairs.size()); ++k) {
            s += fmt::format("    {:+.3f}  {} ~ {}\n", pairs[k].c, r.keys[pairs[k].i],
                             r.keys[pairs[k].j]);
        }
    }
    for (const auto& dir : r.null_directions) {
        s += fmt::format("\n  NOT DETERMINED: chi2 does not change along  {}\n",
                         combination_text(cfg, dir));
    }
    for (const PairCorr& pc : near_degenerate_pairs(r)) {
        s += fmt::format(
            "\n  NEARLY DEGENERATE: {} ~ {} (correlation {:+.3f}): the data fix mainly a "
            "combination of the two;\n    fix one of them, add data that separate them, or "
            "check a profile of chi2 along the other\n",
            r.keys[pc.i], r.keys[pc.j], pc.c);
    }
    const long flagged = std::count(r.identifiable.begin(), r.identifiable.end(), 0);
    if (flagged > 0) {
        s += fmt::format(
            "\n  {} parameter{} not determined by these data; their stderr is NaN or >= 100 %.\n",
            flagged, flagged == 1 ? " is" : "s are");
        s += "  Fix them, narrow their bounds, or add data that depend on them differently (e.g. a "
             "decay).\n";
    }
    s += "\n  data sets:\n";
    for (std::size_t d = 0; d < cfg.data.size(); ++d) {
        const DataSet& ds = cfg.data[d];
        s += fmt::format("    {} {} (model {}, {}): {} points, chi2 {:.4g}", d, to_string(ds.kind),
                         cfg.models[ds.model].name,
                         std::filesystem::path(ds.file).filename().string(), ds.x.size(),
                         r.data[d].chi2);
        if (ds.kind == DataKind::decay || ds.kind == DataKind::spectrum) {
            s += fmt::format(", amplitude {:.4g}", r.data[d].amplitude);
            if (ds.offset) s += fmt::format(", offset {:.4g}", r.data[d].offset);
        }
        s += "\n";
    }
    s += fmt::format("  ({:.3g} s)\n", r.wall_time_s);
    return s;
}

}  // namespace relsim::fit
