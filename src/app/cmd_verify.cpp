//! @file cmd_verify.cpp
#include "cmd_verify.hpp"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/core.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cmath>
#include <cstdint>
#include <exception>
#include <set>
#include <string>
#include <vector>

#include "relsim/io/hdf5_file.hpp"
#include "relsim/io/result_file.hpp"

namespace relsim::app {
namespace {

using io::ElementType;
using io::H5File;

constexpr std::uint64_t kPiece = std::uint64_t{1} << 20;  // elements read at a time
constexpr double kFateSumTolerance = 1.0e-9;              // as the sweep's per-point check
const std::set<std::string> kFitUncertainty = {"/fit/stderr", "/fit/stderr_log10",
                                               "/fit/covariance", "/fit/correlation"};

std::uint64_t elements(const std::vector<std::uint64_t>& dims) {
    std::uint64_t n = 1;
    for (auto d : dims) n *= d;
    return n;
}

int verify_in_this_process(const std::string& path);

}  // namespace

int verify_command(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        fmt::print(stderr, "error: {}: no such regular file\n", path);
        return 2;
    }
    // The HDF5 library (1.10) can crash on corrupt metadata (a changed byte in a B-tree or an
    // object header: SIGSEGV, "free(): invalid pointer"). The file is read in a child process,
    // so that such a file is reported as damaged instead of killing verify (issue 21 item 14).
    std::fflush(stdout);
    std::fflush(stderr);
    const pid_t child = ::fork();
    if (child == 0) {
        const int rc = verify_in_this_process(path);
        std::fflush(stdout);
        std::fflush(stderr);
        ::_exit(rc);
    }
    if (child < 0) return verify_in_this_process(path);
    int status = 0;
    while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    fmt::print(
        "{}: DAMAGED: reading it crashed the HDF5 library ({}): its internal structure is "
        "corrupt\n",
        path, WIFSIGNALED(status) ? fmt::format("signal {}", WTERMSIG(status)) : "abnormal end");
    return 1;
}

namespace {

int verify_in_this_process(const std::string& path) {
    std::vector<std::string> problems;
    try {
        const H5File f(path, H5File::Mode::read_only);
        if (!f.has_attribute("/", "relsim_version") ||
            !f.has_attribute("/", "config_fingerprint")) {
            fmt::print("{}: NOT A RELSIM FILE (no relsim_version / config_fingerprint)\n", path);
            return 1;
        }
        const bool complete =
            f.has_attribute("/", "complete") && f.int64_attribute("/", "complete") == 1;
        const bool fit_file =
            f.has_attribute("/", "result_kind") && f.string_attribute("/", "result_kind") == "fit";
        const auto sets = f.datasets();
        std::uint64_t checksummed = 0, chunked_like = 0, numbers = 0, whole_sums = 0,
                      unprotected = 0;
        std::vector<double> buf;
        for (const auto& d : sets) {
            // Datasets written whole (axes, resolved config, strings, fit results) are stored
            // contiguously, where HDF5 checks nothing: their `checksum` attribute is recomputed.
            if (d.kind != H5File::DatasetInfo::Kind::other && !d.checksummed) {
                if (f.has_attribute(d.path, "checksum")) {
                    ++whole_sums;
                    try {
                        const std::string stored = f.string_attribute(d.path, "checksum");
                        const std::string now = f.content_checksum(d.path);
                        if (stored != now) {
                            problems.push_back(
                                fmt::format("{}: CHANGED since it was written (checksum {}, "
                                            "now {})",
                                            d.path, stored, now));
                        }
                    } catch (const std::exception& e) {
                        problems.push_back(fmt::format("{}: unreadable: {}", d.path, e.what()));
                        continue;
                    }
                } else {
                    ++unprotected;
                }
            }
            if (d.kind == H5File::DatasetInfo::Kind::string) {
                try {
                    (void)f.read_strings(d.path);
                } catch (const std::exception& e) {
                    problems.push_back(fmt::format("{}: unreadable: {}", d.path, e.what()));
                }
                continue;
            }
            if (d.kind == H5File::DatasetInfo::Kind::other) continue;
            checksummed += d.checksummed ? 1 : 0;
            chunked_like += d.dims.size() >= 1 && elements(d.dims) > 0 &&
                                    (d.path.rfind("/results/", 0) == 0 || d.path == "/sweep/done")
                                ? 1
                                : 0;
            const std::uint64_t n = elements(d.dims);
            std::uint64_t bad = 0;
            try {
                for (std::uint64_t a = 0; a < n; a += kPiece) {
                    const std::uint64_t m = std::min(kPiece, n - a);
                    buf.resize(m);
                    f.read_flat_range(d.path, ElementType::float64, a, m, buf.data());
                    bad += static_cast<std::uint64_t>(std::count_if(
                        buf.begin(), buf.end(), [](double v) { return !std::isfinite(v); }));
                }
                numbers += n;
            } catch (const std::exception& e) {
                problems.push_back(
                    fmt::format("{}: DAMAGED (checksum or read error): {}", d.path, e.what()));
                continue;
            }
            // A fit file writes NaN where the data do not determine a parameter, in the four
            // uncertainty outputs only (shared/spec/fitting.md section 3, docs/fitting.md).
            if (bad > 0 && !(fit_file && kFitUncertainty.count(d.path))) {
                problems.push_back(fmt::format("{}: {} non-finite values", d.path, bad));
            }
        }
        try {
            for (std::string& p : io::attribute_record_problems(f))
                problems.push_back(std::move(p));
        } catch (const std::exception& e) {
            problems.push_back(fmt::format("attributes: unreadable: {}", e.what()));
        }
        const bool sealed = io::has_attribute_record(f);
        if (complete && !sealed) {
            fmt::print(
                "note: no attribute record (written before it was added): a change to the "
                "config text or the summary attributes cannot be detected\n");
        }
        if (unprotected > 0) {
            fmt::print(
                "note: {} contiguous datasets carry no checksum attribute (written before "
                "checksums were added); their damage cannot be detected\n",
                unprotected);
        }
        if (fit_file) {
            if (!f.exists("/fit/values") || !f.exists("/fit/keys")) {
                problems.push_back("no /fit/keys or /fit/values: not a complete relsim fit layout");
            }
            if (problems.empty()) {
                fmt::print(
                    "{}: ok: fit result, {} datasets, {} numbers read, {} checksummed "
                    "datasets verified, finite except the uncertainties of undetermined "
                    "parameters, attributes as written\n",
                    path, sets.size(), numbers, whole_sums + checksummed);
                return 0;
            }
            fmt::print("{}: {} problem{}:\n", path, problems.size(),
                       problems.size() == 1 ? "" : "s");
            for (const auto& p : problems) fmt::print("  {}\n", p);
            return 1;
        }
        // Progress marks and the fate budget of every converged point.
        std::uint64_t points = 0, done = 0, failed = 0, open_budget = 0;
        if (f.exists("/sweep/done") && f.exists("/results/status")) {
            points = elements(f.dims("/sweep/done"));
            std::vector<std::string> fates;
            for (const auto& d : sets) {
                // The fate fractions only: their `_stderr` companions (microscopic runs) are
                // standard errors, not fates (issue 21 item 17).
                if (d.path.rfind("/results/fates/", 0) == 0 &&
                    d.path.find("_stderr") == std::string::npos)
                    fates.push_back(d.path);
            }
            try {
                std::vector<double> marks, status, sum, part;
                for (std::uint64_t a = 0; a < points; a += kPiece) {
                    const std::uint64_t m = std::min(kPiece, points - a);
                    marks.resize(m);
                    status.resize(m);
                    f.read_flat_range("/sweep/done", ElementType::float64, a, m, marks.data());
                    f.read_flat_range("/results/status", ElementType::float64, a, m, status.data());
                    sum.assign(m, 0.0);
                    part.resize(m);
                    for (const auto& q : fates) {
                        f.read_flat_range(q, ElementType::float64, a, m, part.data());
                        for (std::uint64_t i = 0; i < m; ++i) sum[i] += part[i];
                    }
                    for (std::uint64_t i = 0; i < m; ++i) {
                        done += marks[i] == 1.0 ? 1 : 0;
                        if (marks[i] != 1.0) continue;
                        if (status[i] != 0.0) {
                            ++failed;
                        } else if (!fates.empty() &&
                                   !(std::abs(sum[i] - 1.0) <= kFateSumTolerance)) {
                            ++open_budget;
                        }
                    }
                }
            } catch (const std::exception&) {
                // already reported above as a damaged dataset
            }
            if (open_budget > 0) {
                problems.push_back(
                    fmt::format("{} converged points whose fates do not sum to 1 "
                                "within 1e-9",
                                open_budget));
            }
        } else {
            problems.push_back("no /sweep/done or /results/status: not a complete relsim layout");
        }
        if (!complete || done != points) {
            problems.push_back(fmt::format(
                "INCOMPLETE: {} of {} points done{}; continue it with relsim run CONFIG -o "
                "<name without .partial> --resume",
                done, points, complete ? " (marked complete!)" : ", the run did not finish"));
        }
        if (checksummed < chunked_like) {
            fmt::print(
                "note: {} of {} result datasets carry no checksum (written before "
                "checksums were added); their damage cannot be detected\n",
                chunked_like - checksummed, chunked_like);
        }
        if (problems.empty()) {
            fmt::print(
                "{}: ok: complete, {} points ({} failed), {} datasets, {} numbers read, "
                "{} checksummed datasets verified, all finite, fates sum to 1{}\n",
                path, points, failed, sets.size(), numbers, checksummed + whole_sums,
                sealed ? ", attributes as written" : "");
            return 0;
        }
    } catch (const std::exception& e) {
        fmt::print("{}: DAMAGED: not a readable HDF5 file: {}\n", path, e.what());
        return 1;
    }
    fmt::print("{}: {} problem{}:\n", path, problems.size(), problems.size() == 1 ? "" : "s");
    for (const auto& p : problems) fmt::print("  {}\n", p);
    return 1;
}

}  // namespace

}  // namespace relsim::app
