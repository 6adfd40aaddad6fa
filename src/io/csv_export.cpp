//! @file csv_export.cpp
#include "relsim/io/csv_export.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <system_error>

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

//! The tables of one export: every name is checked before the first is written (issue 21 item
//! 15: a refusal came after results.csv had been written), then each is written to a new file
//! beside it and renamed onto its name, so --force replaces a symbolic link itself, never the
//! file it points to, and a failed write leaves the old table (or none), never half a table.
class Tables {
public:
    using Body = std::function<void(std::ostream&)>;
    Tables(fs::path dir, bool force) : dir_(std::move(dir)), force_(force) {}
    void add(const std::string& name, Body body) { planned_.emplace_back(name, std::move(body)); }

    std::vector<std::string> write_all() {
        for (const auto& [name, body] : planned_) check(dir_ / name);
        std::vector<std::string> written;
        for (const auto& [name, body] : planned_) {
            write_one(dir_ / name, body);
            written.push_back((dir_ / name).string());
        }
        return written;
    }

private:
    void check(const fs::path& path) const {
        struct stat st {};
        if (::lstat(path.c_str(), &st) != 0) return;  // new
        if (!force_) {
            throw InputError(path.string(), 0, 0, "",
                             "the file exists already; nothing was written",
                             "a new folder, or --force to replace the tables");
        }
        if (!S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
            throw InputError(
                path.string(), 0, 0, "",
                "is not a regular file (a folder, device or FIFO); nothing was written",
                "a folder whose table names are free or regular files");
        }
    }

    static void write_one(const fs::path& path, const Body& body) {
        const std::string temp = path.string() + ".exporting";
        auto os_error = [](int err) { return std::generic_category().message(err); };
        int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (fd < 0 && errno == EEXIST) {  // left by an export that was killed
            (void)::unlink(temp.c_str());
            fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        }
        if (fd < 0) {
            throw RunError(fmt::format("cannot create {}: {}", temp, os_error(errno)));
        }
        (void)::close(fd);
        {
            std::ofstream out(temp, std::ios::binary | std::ios::trunc);
            errno = 0;
            if (out) body(out);
            out.flush();
            const int err = errno;
            if (!out) {
                std::error_code ec;
                fs::remove(temp, ec);
                throw RunError(
                    fmt::format("cannot write {}: {}", temp, err ? os_error(err) : "write failed"));
            }
        }
        std::error_code ec;
        fs::rename(temp, path, ec);
        if (ec) {
            fs::remove(temp, ec);
            throw RunError(
                fmt::format("cannot rename {} to {}: {}", temp, path.string(), ec.message()));
        }
    }

    fs::path dir_;
    bool force_;
    std::vector<std::pair<std::string, Body>> planned_;
};

}  // namespace

namespace {

//! A fit result (`relsim fit`, result_kind "fit"): parameters, covariance, data and model.
void plan_fit_tables(const H5File& f, Tables& tables) {
    const auto keys = std::make_shared<std::vector<std::string>>(f.read_strings("/fit/keys"));
    const auto units = std::make_shared<std::vector<std::string>>(f.read_strings("/fit/units"));
    const auto flags = std::make_shared<std::vector<std::string>>(f.read_strings("/fit/flags"));
    auto opt = [&](const std::string& p) {
        return std::make_shared<std::vector<double>>(f.exists(p) ? f.read_doubles(p)
                                                                 : std::vector<double>{});
    };
    const auto values = opt("/fit/values"), err = opt("/fit/stderr"),
               err10 = opt("/fit/stderr_log10"), ident = opt("/fit/identifiable"),
               near = opt("/fit/near_degenerate"), beyond = opt("/fit/beyond_bounds"),
               cov = opt("/fit/covariance"), corr = opt("/fit/correlation");
    tables.add("parameters.csv", [=](std::ostream& o) {
        o << "key,unit,value,stderr,stderr_log10,identifiable,near_degenerate,beyond_bounds,flag\n";
        auto at = [](const std::vector<double>& v, std::size_t j) {
            return j < v.size() ? num(v[j]) : std::string();
        };
        for (std::size_t j = 0; j < keys->size(); ++j) {
            o << csv_field((*keys)[j]) << ',' << csv_field(j < units->size() ? (*units)[j] : "")
              << ',' << at(*values, j) << ',' << at(*err, j) << ',' << at(*err10, j) << ','
              << at(*ident, j) << ',' << at(*near, j) << ',' << at(*beyond, j) << ','
              << csv_field(j < flags->size() ? (*flags)[j] : "") << '\n';
        }
    });
    tables.add("covariance.csv", [=](std::ostream& o) {
        o << "key_i,key_j,covariance,correlation\n";
        const std::size_t P = keys->size();
        for (std::size_t i = 0; i < P; ++i) {
            for (std::size_t j = 0; j < P && i * P + j < cov->size(); ++j) {
                o << csv_field((*keys)[i]) << ',' << csv_field((*keys)[j]) << ','
                  << num((*cov)[i * P + j]) << ','
                  << (i * P + j < corr->size() ? num((*corr)[i * P + j]) : std::string()) << '\n';
            }
        }
    });
    std::vector<std::pair<std::string, double>> stats;
    for (const char* q : {"chi2", "dof", "reduced_chi2"}) {
        const std::string p = std::string("/fit/") + q;
        if (f.exists(p)) stats.emplace_back(q, f.read_doubles(p).at(0));
    }
    tables.add("fit_summary.csv", [stats](std::ostream& o) {
        o << "quantity,value\n";
        for (const auto& [q, v] : stats) o << q << ',' << num(v) << '\n';
    });
    for (std::size_t d = 0;; ++d) {
        const std::string g = fmt::format("/fit/data/{}", d);
        if (!f.exists(g + "/x")) break;
        std::vector<std::pair<std::string, std::vector<double>>> cols;
        const std::string xn = f.has_attribute(g, "x_name") ? f.string_attribute(g, "x_name") : "x";
        const std::string yn = f.has_attribute(g, "y_name") ? f.string_attribute(g, "y_name") : "y";
        for (const auto& [q, name] :
             std::vector<std::pair<std::string, std::string>>{{"x", xn},
                                                              {"y", yn},
                                                              {"model", "model"},
                                                              {"residual", "residual"},
                                                              {"sigma", "sigma"}}) {
            if (!f.exists(g + "/" + q)) continue;
            cols.emplace_back(header_of(name, f.string_attribute(g + "/" + q, "units")),
                              f.read_doubles(g + "/" + q));
        }
        tables.add(fmt::format("data_{}.csv", d), [cols](std::ostream& o) {
            for (std::size_t c = 0; c < cols.size(); ++c)
                o << (c ? "," : "") << csv_field(cols[c].first);
            o << '\n';
            const std::size_t n = cols.empty() ? 0 : cols[0].second.size();
            for (std::size_t i = 0; i < n; ++i) {
                for (std::size_t c = 0; c < cols.size(); ++c)
                    o << (c ? "," : "") << num(cols[c].second.at(i));
                o << '\n';
            }
        });
    }
}

}  // namespace

std::vector<std::string> export_csv(const std::string& h5_path, const std::string& dir,
                                    bool force) {
    ExportOptions opt;
    opt.force = force;
    return export_csv(h5_path, dir, opt);
}

std::vector<std::string> export_csv(const std::string& h5_path, const std::string& dir,
                                    const ExportOptions& opt) {
    const bool force = opt.force;
    if (!fs::is_regular_file(h5_path)) {
        throw InputError(h5_path, 0, 0, "", "no such result file", "a file written by relsim run");
    }
    std::vector<DatasetInfo> all = list_datasets(h5_path);
    H5File f(h5_path, H5File::Mode::read_only);
    if (!f.has_attribute("/", "relsim_version")) {
        throw InputError(h5_path, 0, 0, "",
                         "not a relsim result file (no relsim_version attribute)",
                         "a file written by relsim run or relsim fit");
    }
    // An interrupted run (issue 21 item 15: a .partial was exported with exit 0 and no word).
    const bool complete =
        f.has_attribute("/", "complete") && f.int64_attribute("/", "complete") == 1;
    std::vector<std::uint8_t> done;
    if (f.exists("/sweep/done")) done = f.read_bytes("/sweep/done");
    const auto n_done =
        static_cast<std::size_t>(std::count(done.begin(), done.end(), std::uint8_t{1}));
    const bool whole = complete && n_done == done.size();
    if (!whole) {
        const std::string what =
            fmt::format("is an incomplete result ({} of {} points done{})", n_done, done.size(),
                        complete ? "" : ": the run did not finish");
        if (!opt.incomplete) {
            throw InputError(
                h5_path, 0, 0, "", what + "; nothing was written",
                "resume it (relsim run CONFIG -o NAME --resume), or --incomplete to export the "
                "points done (a 'done' column marks them)");
        }
        fmt::print(stderr,
                   "warning: {} {}; exported with a 'done [1]' column: rows with done = 0 hold "
                   "placeholder zeros, not results\n",
                   h5_path, what);
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (!fs::is_directory(dir)) {
        throw InputError(
            dir, 0, 0, "--csv",
            "cannot create the output folder" + (ec ? ": " + ec.message() : std::string()),
            "a folder path this user can write to");
    }
    Tables tables(dir, force);
    if (f.has_attribute("/", "result_kind") && f.string_attribute("/", "result_kind") == "fit") {
        plan_fit_tables(f, tables);
        return tables.write_all();
    }

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
    auto point_prefix = [axis_cols, strides, shape](std::uint64_t p) {
        std::string s = std::to_string(p);
        for (const AxisColumn& c : axis_cols) {
            s += ',' + num(c.values[(p / strides[c.axis]) % shape[c.axis]]);
        }
        return s;
    };
    auto point_header = [axis_cols] {
        std::string s = "point";
        for (const AxisColumn& c : axis_cols) s += ',' + csv_field(c.header);
        return s;
    };
    auto is_meta = [](const std::string& p) {
        return p.rfind("/axes/", 0) == 0 || p.rfind("/config/", 0) == 0 ||
               p.rfind("/sweep/", 0) == 0;
    };
    std::map<std::string, bool> used;

    // results.csv: every numeric dataset shaped like the sweep
    {
        auto cols = std::make_shared<std::vector<std::pair<std::string, std::vector<double>>>>();
        auto integer = std::make_shared<std::vector<bool>>();
        for (const DatasetInfo& d : all) {
            if (is_meta(d.path) || d.is_string || d.dims != shape) continue;
            if (d.path == "/spectrum/wavelength_nm" || d.path == "/transient/time_s") continue;
            std::string name = d.path.substr(1);
            if (name.rfind("results/", 0) == 0) name = name.substr(8);
            cols->emplace_back(header_of(name, d.units), f.read_doubles(d.path));
            integer->push_back(d.is_integer);
            used[d.path] = true;
        }
        const bool mark = !whole && done.size() == points;
        auto marks = std::make_shared<std::vector<std::uint8_t>>(done);
        tables.add("results.csv", [=](std::ostream& o) {
            o << point_header();
            if (mark) o << ",done [1]";
            for (const auto& c : *cols) o << ',' << csv_field(c.first);
            o << '\n';
            for (std::uint64_t p = 0; p < points; ++p) {
                o << point_prefix(p);
                if (mark) o << ',' << int((*marks)[p]);
                for (std::size_t c = 0; c < cols->size(); ++c) {
                    const double v = (*cols)[c].second[p];
                    o << ','
                      << ((*integer)[c] ? fmt::format("{}", static_cast<long long>(v)) : num(v));
                }
                o << '\n';
            }
        });
    }

    // per-point arrays with a trailing dimension: lines, spectrum, transient
    auto with_last = [&](std::uint64_t n) {
        auto s = shape;
        s.push_back(n);
        return s;
    };
    if (f.exists("/results/line_photon_rate") && f.exists("/results/line_labels")) {
        auto labels =
            std::make_shared<std::vector<std::string>>(f.read_strings("/results/line_labels"));
        auto v = std::make_shared<std::vector<double>>(f.read_doubles("/results/line_photon_rate"));
        const std::string unit = f.string_attribute("/results/line_photon_rate", "units");
        used["/results/line_photon_rate"] = used["/results/line_labels"] = true;
        tables.add("line_photon_rate.csv", [=](std::ostream& o) {
            o << point_header() << ",line," << csv_field(header_of("line_photon_rate", unit))
              << '\n';
            for (std::uint64_t p = 0; p < points; ++p) {
                for (std::size_t l = 0; l < labels->size(); ++l) {
                    o << point_prefix(p) << ',' << csv_field((*labels)[l]) << ','
                      << num((*v)[p * labels->size() + l]) << '\n';
                }
            }
        });
    }
    auto series_table = [&](const std::string& file, const std::string& coord_path,
                            const std::string& coord_name, const std::string& group) {
        auto x = std::make_shared<std::vector<double>>(f.read_doubles(coord_path));
        used[coord_path] = true;
        auto cols = std::make_shared<std::vector<std::pair<std::string, std::vector<double>>>>();
        for (const DatasetInfo& d : all) {
            if (d.path.rfind(group, 0) != 0 || d.dims != with_last(x->size()) || d.is_string)
                continue;
            if (d.path == coord_path) continue;
            cols->emplace_back(header_of(d.path.substr(group.size()), d.units),
                               f.read_doubles(d.path));
            used[d.path] = true;
        }
        if (cols->empty()) return;
        const std::string coord_header =
            header_of(coord_name, f.string_attribute(coord_path, "units"));
        tables.add(file, [=](std::ostream& o) {
            o << point_header() << ',' << csv_field(coord_header);
            for (const auto& c : *cols) o << ',' << csv_field(c.first);
            o << '\n';
            for (std::uint64_t p = 0; p < points; ++p) {
                const std::string pre = point_prefix(p);
                for (std::size_t i = 0; i < x->size(); ++i) {
                    o << pre << ',' << num((*x)[i]);
                    for (const auto& c : *cols) o << ',' << num(c.second[p * x->size() + i]);
                    o << '\n';
                }
            }
        });
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
        auto v = std::make_shared<std::vector<double>>(f.read_doubles(d.path));
        const DatasetInfo info = d;
        tables.add(name + ".csv", [v, info](std::ostream& o) {
            for (std::size_t k = 0; k < info.dims.size(); ++k) o << 'i' << k << ',';
            o << csv_field(header_of(info.path.substr(info.path.rfind('/') + 1), info.units))
              << '\n';
            std::vector<std::uint64_t> st(info.dims.size(), 1);
            for (std::size_t a = info.dims.size(); a-- > 1;) st[a - 1] = st[a] * info.dims[a];
            for (std::size_t i = 0; i < v->size(); ++i) {
                for (std::size_t k = 0; k < info.dims.size(); ++k)
                    o << (i / st[k]) % info.dims[k] << ',';
                o << num((*v)[i]) << '\n';
            }
        });
    }
    return tables.write_all();
}

}  // namespace relsim::io
