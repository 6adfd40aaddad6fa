//! @file result_file.cpp
#include "relsim/io/result_file.hpp"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

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

std::uint64_t ResultLayout::num_points() const {
    std::uint64_t n = 1;
    for (std::uint64_t d : shape) n *= d;
    return n;
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
}

ResultFile::ResultFile(ResultFile&&) noexcept = default;
ResultFile& ResultFile::operator=(ResultFile&&) noexcept = default;
ResultFile::~ResultFile() = default;

void ResultFile::create_datasets(const ResultLayout& L) {
    H5File& f = *file_;
    const std::vector<std::uint64_t> no_chunk(L.shape.size(), 0);
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
                                "4 unphysical; 5 error; -1 not computed. Where status != 0 every "
                                "result of the point is 0 (a placeholder, never NaN)."));
    f.create_chunked("/results/solver_method", ElementType::int32, L.shape, no_chunk, "1", -1.0);
    f.set_attribute("/results/solver_method", "description",
                    std::string("0 Newton; 1 pseudo-transient continuation then Newton; -1 none"));
    if (!L.line_labels.empty()) {
        f.create_chunked("/results/line_photon_rate", ElementType::float64,
                         with_last(L.shape, L.line_labels.size()),
                         std::vector<std::uint64_t>(L.shape.size() + 1, 0), "cm^-3 s^-1", 0.0);
        f.write_strings("/results/line_labels", L.line_labels);
    }
    for (std::size_t a = 0; a < L.axes.size(); ++a) {
        const SweepAxis& ax = L.axes[a];
        const std::string path = "/axes/" + std::to_string(a);
        f.write_doubles(path, {ax.values[0].size()}, ax.values[0].data(),
                        parameter_unit(ax.keys[0]).empty() ? "1" : parameter_unit(ax.keys[0]));
        f.set_attribute(path, "key", ax.keys[0]);
        f.set_attribute(path, "keys", join(ax.keys, ","));
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
        f.write_doubles("/spectrum/wavelength_nm", {L.wavelength_nm.size()},
                        L.wavelength_nm.data(), "nm");
        f.create_chunked("/spectrum/power", ElementType::float64,
                         with_last(L.shape, L.wavelength_nm.size()),
                         std::vector<std::uint64_t>(L.shape.size() + 1, 0), "W m^-2 nm^-1", 0.0);
        f.set_attribute("/spectrum/power", "description",
                        std::string("outcoupled spectral exitance (Lambertian emitter)"));
    }
    if (!L.transient_time_s.empty()) {
        f.write_doubles("/transient/time_s", {L.transient_time_s.size()},
                        L.transient_time_s.data(), "s");
        for (const std::string& s : L.transient_series) {
            f.create_chunked("/transient/" + s, ElementType::float64,
                             with_last(L.shape, L.transient_time_s.size()),
                             std::vector<std::uint64_t>(L.shape.size() + 1, 0), "cm^-3 s^-1",
                             0.0);
        }
        f.create_chunked("/transient/rise_time_s", ElementType::float64, L.shape, no_chunk, "s", 0.0);
        f.create_chunked("/transient/decay_time_s", ElementType::float64, L.shape, no_chunk, "s", 0.0);
        f.create_chunked("/transient/status", ElementType::int32, L.shape, no_chunk, "1", -1.0);
        f.set_attribute("/transient/status", "description",
                        std::string("0 ok; +1 rise threshold never reached; +2 decay threshold "
                                    "never reached (time reported as 0); +8 integration failed"));
    }
    f.create_chunked("/sweep/done", ElementType::uint8, {L.num_points()}, {0}, "1", 0.0);
    f.set_attribute("/sweep/done", "description",
                    std::string("1 where the point's results are on disk (row-major point index)"));
}

ResultFile::ResultFile(const std::string& final_path, const ResultLayout& layout)
    : layout_(layout), final_path_(final_path), partial_path_(final_path + ".partial") {}

ResultFile ResultFile::create(const std::string& final_path, const ResultLayout& layout,
                              const RunIdentity& id) {
    ResultFile rf(final_path, layout);
    rf.file_ = std::make_unique<H5File>(rf.partial_path_, H5File::Mode::create_truncate);
    H5File& f = *rf.file_;
    f.set_attribute("/", "relsim_version", program_version());
    f.set_attribute("/", "config_toml", id.config_text);
    f.set_attribute("/", "config_path", id.config_path);
    f.set_attribute("/", "config_fingerprint", id.fingerprint);
    f.set_attribute("/", "title", id.title);
    f.set_attribute("/", "created_utc", utc_now_iso8601());
    f.set_attribute("/", "spec", std::string("kinetic-model contract, version 1"));
    f.set_attribute("/", "complete", std::int64_t{0});
    rf.create_datasets(layout);
    f.flush();
    return rf;
}

ResultFile ResultFile::resume(const std::string& final_path, const ResultLayout& layout,
                              const RunIdentity& id) {
    ResultFile rf(final_path, layout);
    if (!std::filesystem::exists(rf.partial_path_)) {
        throw InputError(rf.partial_path_, 0, 0, "", "--resume: no interrupted run to resume",
                         "run without --resume to start one");
    }
    rf.file_ = std::make_unique<H5File>(rf.partial_path_, H5File::Mode::read_write);
    const std::string stored = rf.file_->string_attribute("/", "config_fingerprint");
    if (stored != id.fingerprint) {
        throw InputError(id.config_path, 0, 0, "",
                         "--resume refused: " + rf.partial_path_ +
                             " was started from a different config (fingerprint " + stored +
                             ", this config " + id.fingerprint + ")",
                         "the same config text, ion files and sweep as the interrupted run");
    }
    return rf;
}

std::vector<std::uint8_t> ResultFile::done_marks(std::uint64_t first, std::uint64_t count) const {
    std::vector<std::uint8_t> marks(count);
    file_->read_flat_range("/sweep/done", ElementType::uint8, first, count, marks.data());
    return marks;
}

void ResultFile::write_block(const ResultBlock& b) {
    H5File& f = *file_;
    const ResultLayout& L = layout_;
    for (std::size_t q = 0; q < L.scalar_names.size(); ++q) {
        f.write_flat_range("/results/" + L.scalar_names[q], ElementType::float64, b.first,
                           b.count, b.scalars.data() + q * b.count);
    }
    f.write_flat_range("/results/status", ElementType::int32, b.first, b.count, b.status.data());
    f.write_flat_range("/results/solver_method", ElementType::int32, b.first, b.count,
                       b.method.data());
    if (!L.line_labels.empty()) {
        const std::uint64_t nl = L.line_labels.size();
        f.write_flat_range("/results/line_photon_rate", ElementType::float64, b.first * nl,
                           b.count * nl, b.line_rates.data());
    }
    if (!L.wavelength_nm.empty()) {
        const std::uint64_t nw = L.wavelength_nm.size();
        f.write_flat_range("/spectrum/power", ElementType::float64, b.first * nw, b.count * nw,
                           b.spectrum.data());
    }
    if (!L.transient_time_s.empty()) {
        const std::uint64_t nt = L.transient_time_s.size();
        for (std::size_t s = 0; s < L.transient_series.size(); ++s) {
            f.write_flat_range("/transient/" + L.transient_series[s], ElementType::float64,
                               b.first * nt, b.count * nt, b.transient.data() + s * b.count * nt);
        }
        f.write_flat_range("/transient/rise_time_s", ElementType::float64, b.first, b.count,
                           b.rise_time_s.data());
        f.write_flat_range("/transient/decay_time_s", ElementType::float64, b.first, b.count,
                           b.decay_time_s.data());
        f.write_flat_range("/transient/status", ElementType::int32, b.first, b.count,
                           b.transient_status.data());
    }
    f.flush();
    const std::vector<std::uint8_t> ones(b.count, 1);
    f.write_flat_range("/sweep/done", ElementType::uint8, b.first, b.count, ones.data());
    f.flush();
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

void ResultFile::finish(std::uint64_t failed_points, double wall_time_s) {
    H5File& f = *file_;
    f.set_attribute("/", "complete", std::int64_t{1});
    f.set_attribute("/", "failed_points", static_cast<std::int64_t>(failed_points));
    f.set_attribute("/", "finished_utc", utc_now_iso8601());
    f.set_attribute("/", "wall_time_s", wall_time_s);
    f.close();
    publish_file(partial_path_, final_path_);
}

}  // namespace relsim::io
