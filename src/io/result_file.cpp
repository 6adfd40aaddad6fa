//! @file result_file.cpp
#include "relsim/io/result_file.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"
#include "relsim/io/hdf5_file.hpp"

namespace relsim::io {
namespace {

std::vector<std::uint64_t> with_last(std::vector<std::uint64_t> shape, std::uint64_t last) {
    shape.push_back(last);
    return shape;
}

std::string utc_now_iso8601() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

std::string join(const std::vector<std::string>& items, const char* sep) {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    return out;
}

//! Chunk dimensions covering about `points` consecutive points in flat (row-major) order:
//! whole trailing rows where they fit, then part of the next dimension.
std::vector<std::uint64_t> chunk_for(const std::vector<std::uint64_t>& shape,
                                     std::uint64_t points) {
    std::vector<std::uint64_t> c(shape.size(), 1);
    std::uint64_t left = std::max<std::uint64_t>(points, 1);
    for (std::size_t i = shape.size(); i-- > 0;) {
        c[i] = std::max<std::uint64_t>(1, std::min(shape[i], left));
        if (c[i] < shape[i]) break;
        left = std::max<std::uint64_t>(1, left / c[i]);
    }
    return c;
}

//! What a rerun needs besides the config text: every ion file's text and the resolved
//! parameter table (as `relsim check` prints it).
void write_rerun_record(H5File& f, const RunIdentity& id) {
    f.set_attribute("/config", "description",
                    std::string("the inputs of this run: the config text is the root attribute "
                                "config_toml; ion_files/path and ion_files/text hold every ion "
                                "level-scheme file it read; resolved/* every numeric model "
                                "parameter with its value, unit, origin and source"));
    if (!id.ion_files.empty()) {
        std::vector<std::string> paths, texts;
        for (const SourceFile& s : id.ion_files) {
            paths.push_back(s.path);
            texts.push_back(s.text);
        }
        f.write_strings("/config/ion_files/path", paths);
        f.write_strings("/config/ion_files/text", texts);
    }
    if (!id.resolved.empty()) {
        std::vector<std::string> keys, units, origins, sources;
        std::vector<double> values;
        for (const ResolvedParameter& r : id.resolved) {
            keys.push_back(r.key);
            values.push_back(r.value);
            units.push_back(r.unit.empty() ? "1" : r.unit);
            origins.push_back(relsim::model::origin_name(r.origin));
            sources.push_back(r.source);
        }
        f.write_strings("/config/resolved/key", keys);
        f.write_doubles("/config/resolved/value", {values.size()}, values.data(),
                        "per parameter: /config/resolved/unit");
        f.write_strings("/config/resolved/unit", units);
        f.write_strings("/config/resolved/origin", origins);
        f.write_strings("/config/resolved/source", sources);
    }
}

}  // namespace

std::string fnv1a_hex(const std::string& text) {
    std::uint64_t h = 14695981039346656037ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string program_version() { return std::string("relsim ") + build_info::version; }

namespace {
constexpr const char* kAttributeRecord = "attribute_checksums";

std::vector<std::pair<std::string, std::string>> recorded_attributes(const H5File& f) {
    std::vector<std::pair<std::string, std::string>> all = f.attribute_checksums();
    const std::string self = std::string("/@") + kAttributeRecord;
    all.erase(
        std::remove_if(all.begin(), all.end(), [&](const auto& a) { return a.first == self; }),
        all.end());
    return all;
}
}  // namespace

void seal_attributes(H5File& f) {
    std::string record;
    for (const auto& [where, sum] : recorded_attributes(f)) record += where + " " + sum + "\n";
    f.set_attribute("/", kAttributeRecord, record);
}

bool has_attribute_record(const H5File& f) { return f.has_attribute("/", kAttributeRecord); }

std::vector<std::string> attribute_record_problems(const H5File& f) {
    std::vector<std::string> problems;
    if (!has_attribute_record(f)) return problems;
    std::map<std::string, std::string> recorded;
    const std::string text = f.string_attribute("/", kAttributeRecord);
    std::size_t a = 0;
    while (a < text.size()) {
        std::size_t e = text.find('\n', a);
        if (e == std::string::npos) e = text.size();
        const std::string line = text.substr(a, e - a);
        const std::size_t sp = line.rfind(' ');
        if (sp == std::string::npos) {
            problems.push_back("the attribute record " + std::string(kAttributeRecord) +
                               " is damaged");
            return problems;
        }
        recorded[line.substr(0, sp)] = line.substr(sp + 1);
        a = e + 1;
    }
    for (const auto& [where, sum] : recorded_attributes(f)) {
        const auto it = recorded.find(where);
        if (it == recorded.end()) {
            problems.push_back(
                fmt::format("attribute {}: added after the file was finished", where));
            continue;
        }
        if (it->second != sum) {
            problems.push_back(
                fmt::format("attribute {}: CHANGED since the file was written "
                            "(checksum {}, now {})",
                            where, it->second, sum));
        }
        recorded.erase(it);
    }
    for (const auto& [where, sum] : recorded) {
        problems.push_back(
            fmt::format("attribute {}: MISSING (recorded when the file was written)", where));
    }
    return problems;
}

std::uint64_t ResultLayout::num_points() const {
    std::uint64_t n = 1;
    for (std::uint64_t d : shape) n *= d;
    return n;
}

double ResultLayout::allocation_factor(std::uint64_t row) const {
    const std::uint64_t block = points_per_block > 0 ? points_per_block : 16384;
    const std::uint64_t points = row == 0 ? std::min<std::uint64_t>(block, 16384)
                                          : std::clamp<std::uint64_t>(16384 / row, 1, block);
    const std::vector<std::uint64_t> c = chunk_for(shape, points);  // as create_datasets()
    double allocated = 1.0, used = 1.0;
    for (std::size_t i = 0; i < shape.size(); ++i) {
        allocated *= static_cast<double>((shape[i] + c[i] - 1) / c[i] * c[i]);
        used *= static_cast<double>(shape[i]);
    }
    return used > 0.0 ? allocated / used : 1.0;
}

std::vector<std::uint64_t> ResultLayout::reduced_shape() const {
    return shape.empty() ? shape : std::vector<std::uint64_t>(shape.begin(), shape.end() - 1);
}

void ResultBlock::resize(const ResultLayout& layout, std::uint64_t n) {
    count = n;
    scalars.assign(layout.scalar_names.size() * n, 0.0);
    status.assign(n, 0);
    method.assign(n, 0);
    line_rates.assign(layout.line_labels.size() * n, 0.0);
    spectrum.assign(layout.wavelength_nm.size() * n, 0.0);
    transient.assign(layout.transient_series.size() * layout.transient_time_s.size() * n, 0.0);
    const std::uint64_t nt = layout.transient_time_s.empty() ? 0 : n;
    rise_time_s.assign(nt, 0.0);
    decay_time_s.assign(nt, 0.0);
    transient_status.assign(nt, 0);
    std::uint64_t per_point = 0;
    for (const auto& e : layout.extra_series) per_point += std::max<std::uint64_t>(e.length, 1);
    extra.assign(per_point * n, 0.0);
    const bool reducing = layout.reduce_row > 0 && !layout.reduced.empty();
    reduce_in.assign(reducing ? 2 * n : 0, 0.0);
    reduced.assign(reducing ? layout.reduced.size() * (n / layout.reduce_row) : 0, 0.0);
}

ResultFile::ResultFile(ResultFile&&) noexcept = default;
ResultFile& ResultFile::operator=(ResultFile&&) noexcept = default;
ResultFile::~ResultFile() = default;

void ResultFile::create_datasets(const ResultLayout& L) {
    H5File& f = *file_;
    // Chunks hold about one block of points in flat order (at most the 128 KiB HDF5 would
    // choose): every block is flushed (kill safety) and a checksummed chunk is rewritten
    // whole, so chunks much larger than a block would be rewritten many times over.
    const std::uint64_t block = L.points_per_block > 0 ? L.points_per_block : 16384;
    const std::vector<std::uint64_t> no_chunk =
        chunk_for(L.shape, std::min<std::uint64_t>(block, 16384));
    auto with_row = [&](std::uint64_t row) {
        std::vector<std::uint64_t> c = chunk_for(
            L.shape, std::clamp<std::uint64_t>(16384 / std::max<std::uint64_t>(row, 1), 1, block));
        c.push_back(row);
        return c;
    };
    for (std::size_t q = 0; q < L.scalar_names.size(); ++q) {
        f.create_chunked("/results/" + L.scalar_names[q], ElementType::float64, L.shape, no_chunk,
                         L.scalar_units[q], 0.0);
    }
    for (const auto& [path, name, value] : L.result_attributes) {
        f.set_attribute("/results/" + path, name, value);
    }
    f.create_chunked("/results/status", ElementType::int32, L.shape, no_chunk, "1", -1.0);
    f.set_attribute("/results/status", "description",
                    std::string("0 converged; 1 not converged; 2 non-finite; 3 singular; "
                                "4 unphysical; 5 error; 6 fates do not sum to 1 within 1e-9; "
                                "-1 not computed. Where status != 0 every "
                                "result of the point is 0 (a placeholder, never NaN)."));
    if (L.store_solver_method) {
        f.create_chunked("/results/solver_method", ElementType::int32, L.shape, no_chunk, "1",
                         -1.0);
        f.set_attribute(
            "/results/solver_method", "description",
            std::string("0 Newton; 1 pseudo-transient continuation then Newton; -1 none"));
    }
    if (L.reduce_row > 0) {
        const std::vector<std::uint64_t> rshape = L.reduced_shape();
        const std::vector<std::uint64_t> rchunk =
            chunk_for(rshape, std::max<std::uint64_t>(1, block / L.reduce_row));
        for (const ResultLayout::Reduced& r : L.reduced) {
            f.create_chunked(r.path, r.integer ? ElementType::int32 : ElementType::float64, rshape,
                             rchunk, r.unit, 0.0);
            if (!r.description.empty()) f.set_attribute(r.path, "description", r.description);
        }
    }
    if (!L.line_labels.empty()) {
        f.create_chunked("/results/line_photon_rate", ElementType::float64,
                         with_last(L.shape, L.line_labels.size()), with_row(L.line_labels.size()),
                         "cm^-3 s^-1", 0.0);
        f.write_strings("/results/line_labels", L.line_labels);
    }
    for (std::size_t a = 0; a < L.axes.size(); ++a) {
        const SweepAxis& ax = L.axes[a];
        const std::string path = "/axes/" + std::to_string(a);
        f.write_doubles(path, {ax.values[0].size()}, ax.values[0].data(),
                        parameter_unit(ax.keys[0]).empty() ? "1" : parameter_unit(ax.keys[0]));
        f.set_attribute(path, "key", ax.keys[0]);
        f.set_attribute(path, "keys", join(ax.keys, ","));
        // The axis's name: every key of a zipped axis (issue 21 item 20: it was named after its
        // first key only); readers name the dimension by it.
        f.set_attribute(path, "name", join(ax.keys, " + "));
        f.set_attribute(path, "kind", ax.kind);
        for (std::size_t k = 1; k < ax.keys.size(); ++k) {
            const std::string zpath = path + "_key" + std::to_string(k);
            const std::string unit = parameter_unit(ax.keys[k]);
            f.write_doubles(zpath, {ax.values[k].size()}, ax.values[k].data(),
                            unit.empty() ? "1" : unit);
            f.set_attribute(zpath, "key", ax.keys[k]);
        }
    }
    if (!L.wavelength_nm.empty()) {
        f.write_doubles("/spectrum/wavelength_nm", {L.wavelength_nm.size()}, L.wavelength_nm.data(),
                        "nm");
        f.create_chunked("/spectrum/power", ElementType::float64,
                         with_last(L.shape, L.wavelength_nm.size()),
                         with_row(L.wavelength_nm.size()), "W m^-2 nm^-1", 0.0);
        f.set_attribute("/spectrum/power", "description",
                        std::string("outcoupled spectral exitance (Lambertian emitter)"));
    }
    if (!L.transient_time_s.empty()) {
        f.write_doubles("/transient/time_s", {L.transient_time_s.size()}, L.transient_time_s.data(),
                        "s");
        for (const std::string& s : L.transient_series) {
            f.create_chunked("/transient/" + s, ElementType::float64,
                             with_last(L.shape, L.transient_time_s.size()),
                             with_row(L.transient_time_s.size()), "cm^-3 s^-1", 0.0);
        }
        f.create_chunked("/transient/rise_time_s", ElementType::float64, L.shape, no_chunk, "s",
                         0.0);
        f.create_chunked("/transient/decay_time_s", ElementType::float64, L.shape, no_chunk, "s",
                         0.0);
        f.create_chunked("/transient/status", ElementType::int32, L.shape, no_chunk, "1", -1.0);
        f.set_attribute(
            "/transient/status", "description",
            std::string("0 ok; +1 rise threshold never reached; +2 decay threshold "
                        "never reached (time reported as 0); +8 integration failed; +16 non-finite "
                        "value in the response (series and times set to 0)"));
    }
    for (const StaticDataset& d : L.static_datasets) {
        f.write_doubles(d.path, d.shape, d.data.data(), d.unit);
        if (!d.description.empty()) f.set_attribute(d.path, "description", d.description);
    }
    for (const auto& e : L.extra_series) {
        const auto dims = e.length == 0 ? L.shape : with_last(L.shape, e.length);
        f.create_chunked(e.path, ElementType::float64, dims,
                         e.length == 0 ? no_chunk : with_row(e.length), e.unit, 0.0);
    }
    for (const auto& e : L.extra_fixed)
        f.write_doubles(e.path, {e.values.size()}, e.values.data(), e.unit);
    f.create_chunked("/sweep/done", ElementType::uint8, {L.num_points()},
                     {std::min<std::uint64_t>(block, 131072)}, "1", 0.0);
    f.set_attribute("/sweep/done", "description",
                    std::string("1 where the point's results are on disk (row-major point index)"));
}

ResultFile::ResultFile(const std::string& final_path, const ResultLayout& layout)
    : layout_(layout), final_path_(final_path), partial_path_(final_path + ".partial") {}

ResultFile ResultFile::create(const std::string& final_path, const ResultLayout& layout,
                              const RunIdentity& id) {
    ResultFile rf(final_path, layout);
    // Built under a temporary name and renamed onto `.partial` only once every dataset exists
    // and is flushed: a run killed (or out of disk) while creating leaves no `.partial` (a
    // stale `.creating` file is replaced by the next run, which holds the output's lock), and
    // an older `.partial` is not touched until its replacement is complete.
    const std::string creating = rf.partial_path_ + ".creating";
    try {
        rf.file_ = std::make_unique<H5File>(creating, H5File::Mode::create_truncate);
        H5File& f = *rf.file_;
        f.set_attribute("/", "relsim_version", program_version());
        f.set_attribute("/", "config_toml", id.config_text);
        f.set_attribute("/", "config_path", id.config_path);
        f.set_attribute("/", "config_fingerprint", id.fingerprint);
        f.set_attribute("/", "title", id.title);
        f.set_attribute("/", "created_utc", utc_now_iso8601());
        f.set_attribute("/", "spec", std::string("kinetic-model contract, version 1"));
        f.set_attribute("/", "complete", std::int64_t{0});
        // The summary attributes exist from the start (fixed-size values), so that finish()
        // overwrites them in place instead of growing the file's metadata.
        f.set_attribute("/", "failed_points", std::int64_t{-1});
        f.set_attribute("/", "wall_time_s", 0.0);
        f.set_attribute("/", "finished_utc", std::string("not finished"));
        write_rerun_record(f, id);
        rf.create_datasets(layout);
        // What prepare_block needs of the datasets, learnt before the file appears as .partial
        // (the same datasets after the rename).
        rf.learn_chunk_geometry();
        f.flush();
        f.close();
    } catch (const std::exception& e) {
        rf.file_.reset();  // closes; errors ignored (the file is removed)
        std::error_code ec;
        std::filesystem::remove(creating, ec);
        // The hint follows the OS reason: "free disk space" only where space or a size limit
        // is the reason (issue 21 item 16: a bad dataset name was answered with it).
        const std::string why = e.what();
        auto says = [&](const char* t) { return why.find(t) != std::string::npos; };
        std::string hint;
        if (says("No space left on device") || says("Disk quota exceeded")) {
            hint = "free disk space and run again";
        } else if (says("File too large")) {
            hint = "raise the file size limit (ulimit -f) and run again";
        } else if (says("Input/output error")) {
            hint =
                "the storage reported an I/O error: check the disk or file system, then run again";
        } else if (says("Permission denied") || says("Read-only file system")) {
            hint = "write to a folder this user can write to";
        } else {
            hint = "this is not a disk-space problem; please report it with the config";
        }
        throw RunError(
            fmt::format("cannot create the output file {}: {}\n  nothing was "
                        "computed and no file is left; {}",
                        rf.partial_path_, why, hint));
    }
    std::error_code ec;
    std::filesystem::rename(creating, rf.partial_path_, ec);
    if (ec) {
        std::filesystem::remove(creating, ec);
        throw RunError(
            fmt::format("cannot rename {} to {}: {}", creating, rf.partial_path_, ec.message()));
    }
    rf.file_ = std::make_unique<H5File>(rf.partial_path_, H5File::Mode::read_write);
    return rf;
}

namespace {

[[noreturn]] void unresumable(const std::string& partial, const std::string& why) {
    throw InputError(partial, 0, 0, "",
                     "--resume: this file cannot be resumed: " + why + ". It is left as it is",
                     "to start over, run again without --resume (the new run replaces it once "
                     "its own file is created), or move the file away");
}

}  // namespace

ResultFile ResultFile::resume(const std::string& final_path, const ResultLayout& layout,
                              const RunIdentity& id) {
    ResultFile rf(final_path, layout);
    std::error_code ec;
    const auto st = std::filesystem::status(rf.partial_path_, ec);
    if (!std::filesystem::exists(st)) {
        throw InputError(rf.partial_path_, 0, 0, "", "--resume: no interrupted run to resume",
                         "run without --resume to start one");
    }
    if (!std::filesystem::is_regular_file(st))
        unresumable(rf.partial_path_, "it is not a regular file");
    if (std::filesystem::file_size(rf.partial_path_, ec) == 0) {
        unresumable(rf.partial_path_, "it is empty");
    }
    // Read-only first: a foreign or damaged file is examined without being modified.
    try {
        const H5File probe(rf.partial_path_, H5File::Mode::read_only);
        if (!probe.has_attribute("/", "config_fingerprint")) {
            unresumable(rf.partial_path_, "it is not a relsim output file (no config_fingerprint)");
        }
        const std::string stored = probe.string_attribute("/", "config_fingerprint");
        if (stored != id.fingerprint) {
            throw InputError(id.config_path, 0, 0, "",
                             "--resume refused: " + rf.partial_path_ +
                                 " was started from a different config (fingerprint " + stored +
                                 ", this config " + id.fingerprint + ")",
                             "the same config text, ion files and sweep as the interrupted run");
        }
        const std::vector<std::uint64_t> points{layout.num_points()};
        auto expect = [&](const std::string& path, const std::vector<std::uint64_t>& dims) {
            if (!probe.exists(path))
                unresumable(rf.partial_path_, "dataset " + path + " is missing");
            if (probe.dims(path) != dims) {
                unresumable(rf.partial_path_, "dataset " + path + " has the wrong shape");
            }
        };
        expect("/sweep/done", points);
        expect("/results/status", layout.shape);
        if (layout.store_solver_method) expect("/results/solver_method", layout.shape);
        for (const ResultLayout::Reduced& r : layout.reduced)
            expect(r.path, layout.reduced_shape());
        for (const std::string& q : layout.scalar_names) expect("/results/" + q, layout.shape);
    } catch (const InputError&) {
        throw;
    } catch (const std::exception& e) {
        unresumable(rf.partial_path_,
                    std::string("it is not a readable HDF5 file (") + e.what() + ")");
    }
    rf.file_ = std::make_unique<H5File>(rf.partial_path_, H5File::Mode::read_write);
    rf.learn_chunk_geometry();
    return rf;
}

std::vector<std::uint8_t> ResultFile::done_marks(std::uint64_t first, std::uint64_t count) const {
    std::vector<std::uint8_t> marks(count);
    file_->read_flat_range("/sweep/done", ElementType::uint8, first, count, marks.data());
    return marks;
}

std::vector<double> ResultFile::read_scalar(const std::string& name, std::uint64_t first,
                                            std::uint64_t count) const {
    std::vector<double> v(count);
    file_->read_flat_range("/results/" + name, ElementType::float64, first, count, v.data());
    return v;
}

double ResultFile::read_double(const std::string& path, std::uint64_t index) const {
    double v = 0.0;
    file_->read_flat_range(path, ElementType::float64, index, 1, &v);
    return v;
}

std::vector<std::int32_t> ResultFile::read_status(std::uint64_t first, std::uint64_t count) const {
    std::vector<std::int32_t> v(count);
    file_->read_flat_range("/results/status", ElementType::int32, first, count, v.data());
    return v;
}

std::vector<double> ResultFile::read_doubles(const std::string& path, std::uint64_t first,
                                             std::uint64_t count) const {
    std::vector<double> v(count);
    file_->read_flat_range(path, ElementType::float64, first, count, v.data());
    return v;
}

void ResultFile::write_strings(const std::string& path, const std::vector<std::string>& values) {
    file_->write_strings(path, values);
    file_->flush();
}

void ResultFile::set_attribute(const std::string& path, const std::string& name,
                               const std::string& value) {
    file_->set_attribute(path, name, value);
    file_->flush();
}

void ResultFile::finish(std::uint64_t failed_points, double wall_time_s,
                        const std::function<void(const std::string&)>& before_publish) {
    H5File& f = *file_;
    f.set_attribute("/", "complete", std::int64_t{1});
    f.set_attribute("/", "failed_points", static_cast<std::int64_t>(failed_points));
    f.set_attribute("/", "finished_utc", utc_now_iso8601());
    f.set_attribute("/", "wall_time_s", wall_time_s);
    f.close();
    if (before_publish) before_publish(partial_path_);
    {
        // Last write: the record of every attribute (config text, fingerprint, summary, units,
        // axis keys), which `relsim verify` compares (issue 21 item 14).
        H5File g(partial_path_, H5File::Mode::read_write);
        seal_attributes(g);
        g.close();
    }
    publish_file(partial_path_, final_path_);
}

}  // namespace relsim::io
