//! @file csv_export.cpp
#include "relsim/io/csv_export.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include "relsim/core/error.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/io/hdf5_listing.hpp"

namespace relsim::io {
namespace {

namespace fs = std::filesystem;

struct AxisColumn {
    std::string header;
    std::vector<double> values;
    std::size_t axis = 0;
};

std::string header_of(const std::string& name, const std::string& units) {
    return name + " [" + (units.empty() ? "1" : units) + "]";
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + "\"";
}

std::string num(double v) { return fmt::format("{:.17g}", v); }

//! An open output table; refuses to replace a file unless forced.
class Table {
public:
    Table(const fs::path& path, bool force, std::vector<std::string>& written) : path_(path) {
        if (fs::exists(path) && !force) {
            throw InputError(path.string(), 0, 0, "", "the file exists already",
                             "a new file, or --force to replace it");
        }
        out_.open(path, std::ios::binary | std::ios::trunc);
        if (!out_) throw RunError(path.string() + ": cannot open for writing");
        written.push_back(path.string());
    }
    std::ofstream& out() { return out_; }
    ~Table() = default;

private:
    fs::path path_;
    std::ofstream out_;
};

}  // namespace

std::vector<std::string> export_csv(const std::string& h5_path, const std::string& dir, bool force) {
    if (!fs::is_regular_file(h5_path)) {
        throw InputError(h5_path, 0, 0, "", "no such result file", "a file written by relsim run");
    }
    std::vector<DatasetInfo> all = list_datasets(h5_path);
    H5File f(h5_path, H5File::Mode::read_only);
    if (!f.has_attribute("/", "relsim_version")) {
        throw InputError(h5_path, 0, 0, "", "not a relsim result file (no relsim_version attribute)",
                         "a file written by relsim run");
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!fs::is_directory(dir)) {
        throw InputError(dir, 0, 0, "--csv", "cannot create the output folder", "a folder path");
    }
    std::vector<std::string> written;

    // sweep axes (every key of a zipped axis is a column)
    std::vector<std::uint64_t> shape;
    std::vector<AxisColumn> axis_cols;
    for (std::size_t a = 0;; ++a) {
        const std::string p = "/axes/" + std::to_string(a);
        if (!f.exists(p)) break;
        AxisColumn c;
        c.axis = a;
        c.values = f.read_doubles(p);
        c.header = header_of(f.string_attribute(p, "key"), f.string_attribute(p, "units"));
        shape.push_back(c.values.size());
        axis_cols.push_back(std::move(c));
        for (std::size_t k = 1;; ++k) {
            const std::string z = p + "_key" + std::to_string(k);
            if (!f.exists(z)) break;
            AxisColumn zc;
            zc.axis = a;
            zc.values = f.read_doubles(z);
            zc.header = header_of(f.string_attribute(z, "key"), f.string_attribute(z, "units"));
            axis_cols.push_back(std::move(zc));
        }
    }
    std::uint64_t points = 1;
    for (std::uint64_t n : shape) points *= n;
    std::vector<std::uint64_t> strides(shape.size(), 1);
    for (std::size_t a = shape.size(); a-- > 1;) strides[a - 1] = strides[a] * shape[a];
    auto point_prefix = [&](std::uint64_t p) {
        std::string s = std::to_string(p);
        for (const AxisColumn& c : axis_cols) {
            s += ',' + num(c.values[(p / strides[c.axis]) % shape[c.axis]]);
        }
        return s;
    };
    auto point_header = [&] {
        std::string s = "point";
        for (const AxisColumn& c : axis_cols) s += ',' + csv_field(c.header);
        return s;
    };
    auto is_meta = [](const std::string& p) {
        return p.rfind("/axes/", 0) == 0 || p.rfind("/config/", 0) == 0 || p.rfind("/sweep/", 0) == 0;
    };
    std::map<std::string, bool> used;

    // results.csv: every numeric dataset shaped like the sweep
    {
        std::vector<std::pair<std::string, std::vector<double>>> cols;
        std::vector<bool> integer;
        for (const DatasetInfo& d : all) {
            if (is_meta(d.path) || d.is_string || d.dims != shape) continue;
            if (d.path == "/spectrum/wavelength_nm" || d.path == "/transient/time_s") continue;
            std::string name = d.path.substr(1);
            if (name.rfind("results/", 0) == 0) name = name.substr(8);
            cols.emplace_back(header_of(name, d.units), f.read_doubles(d.path));
            integer.push_back(d.is_integer);
            used[d.path] = true;
        }
        Table t(fs::path(dir) / "results.csv", force, written);
        auto& o = t.out();
        o << point_header();
        for (const auto& c : cols) o << ',' << csv_field(c.first);
        o << '\n';
        for (std::uint64_t p = 0; p < points; ++p) {
            o << point_prefix(p);
            for (std::size_t c = 0; c < cols.size(); ++c) {
                const double v = cols[c].second[p];
                o << ',' << (integer[c] ? fmt::format("{}", static_cast<long long>(v)) : num(v));
            }
            o << '\n';
        }
    }

    // per-point arrays with a trailing dimension: lines, spectrum, transient
    auto with_last = [&](std::uint64_t n) {
        auto s = shape;
        s.push_back(n);
        return s;
    };
    if (f.exists("/results/line_photon_rate") && f.exists("/results/line_labels")) {
        const auto labels = f.read_strings("/results/line_labels");
        const auto v = f.read_doubles("/results/line_photon_rate");
        used["/results/line_photon_rate"] = used["/results/line_labels"] = true;
        Table t(fs::path(dir) / "line_photon_rate.csv", force, written);
        auto& o = t.out();
        o << point_header() << ",line,"
          << csv_field(header_of("line_photon_rate", f.string_attribute("/results/line_photon_rate", "units")))
          << '\n';
        for (std::uint64_t p = 0; p < points; ++p) {
            for (std::size_t l = 0; l < labels.size(); ++l) {
                o << point_prefix(p) << ',' << csv_field(labels[l]) << ',' << num(v[p * labels.size() + l]) << '\n';
            }
        }
    }
    auto series_table = [&](const std::string& file, const std::string& coord_path,
                            const std::string& coord_name, const std::string& group) {
        const auto x = f.read_doubles(coord_path);
        used[coord_path] = true;
        std::vector<std::pair<std::string, std::vector<double>>> cols;
        for (const DatasetInfo& d : all) {
            if (d.path.rfind(group, 0) != 0 || d.dims != with_last(x.size()) || d.is_string) continue;
            if (d.path == coord_path) continue;
            cols.emplace_back(header_of(d.path.substr(group.size()), d.units), f.read_doubles(d.path));
            used[d.path] = true;
        }
        if (cols.empty()) return;
        Table t(fs::path(dir) / file, force, written);
        auto& o = t.out();
        o << point_header() << ',' << csv_field(header_of(coord_name, f.string_attribute(coord_path, "units")));
        for (const auto& c : cols) o << ',' << csv_field(c.first);
        o << '\n';
        for (std::uint64_t p = 0; p < points; ++p) {
            const std::string pre = point_prefix(p);
            for (std::size_t i = 0; i < x.size(); ++i) {
                o << pre << ',' << num(x[i]);
                for (const auto& c : cols) o << ',' << num(c.second[p * x.size() + i]);
                o << '\n';
            }
        }
    };
    if (f.exists("/spectrum/wavelength_nm")) {
        series_table("spectrum.csv", "/spectrum/wavelength_nm", "wavelength_nm", "/spectrum/");
    }
    if (f.exists("/transient/time_s")) {
        series_table("transient.csv", "/transient/time_s", "time_s", "/transient/");
    }

    // anything else numeric (groups added by other capabilities): one row per element
    for (const DatasetInfo& d : all) {
        if (is_meta(d.path) || used.count(d.path) || d.is_string) continue;
        std::string name = d.path.substr(1);
        std::replace(name.begin(), name.end(), '/', '_');
        const auto v = f.read_doubles(d.path);
        Table t(fs::path(dir) / (name + ".csv"), force, written);
        auto& o = t.out();
        for (std::size_t k = 0; k < d.dims.size(); ++k) o << 'i' << k << ',';
        o << csv_field(header_of(d.path.substr(d.path.rfind('/') + 1), d.units)) << '\n';
        std::vector<std::uint64_t> st(d.dims.size(), 1);
        for (std::size_t a = d.dims.size(); a-- > 1;) st[a - 1] = st[a] * d.dims[a];
        for (std::size_t i = 0; i < v.size(); ++i) {
            for (std::size_t k = 0; k < d.dims.size(); ++k) o << (i / st[k]) % d.dims[k] << ',';
            o << num(v[i]) << '\n';
        }
    }
    return written;
}

}  // namespace relsim::io
