//! @file material.cpp
#include "relsim/optics/material.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"

namespace relsim::optics {

bool MaterialTable::covers(double wl) const {
    return !wavelength_nm.empty() && wl >= min_nm() && wl <= max_nm();
}

std::complex<double> MaterialTable::at(double wl) const {
    if (!covers(wl)) throw std::out_of_range("material " + name + ": wavelength outside the table");
    const auto it = std::upper_bound(wavelength_nm.begin(), wavelength_nm.end(), wl);
    std::size_t j = static_cast<std::size_t>(it - wavelength_nm.begin());
    if (j >= wavelength_nm.size()) j = wavelength_nm.size() - 1;
    if (j == 0) j = 1;
    const double x0 = wavelength_nm[j - 1], x1 = wavelength_nm[j];
    const double f = x1 > x0 ? (wl - x0) / (x1 - x0) : 0.0;
    return {n[j - 1] + f * (n[j] - n[j - 1]), k[j - 1] + f * (k[j] - k[j - 1])};
}

std::string materials_dir() {
    if (const char* dir = std::getenv("RELSIM_DATA_DIR")) return std::string(dir) + "/materials";
    return std::string(build_info::source_dir) + "/data/materials";
}

bool valid_material_name(const std::string& s) {
    if (s.empty() || s.size() > 64 || s.front() == '.') return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

bool load_material(const std::string& name, MaterialTable& out) {
    const std::string path = materials_dir() + "/" + name + ".csv";
    std::error_code ec;
    const auto st = std::filesystem::status(path, ec);  // follows links
    if (!std::filesystem::exists(st)) return false;
    // A table is a plain file of modest size: a link to /dev/zero or a FIFO would be read forever
    // (issue 21 item 13).
    if (!std::filesystem::is_regular_file(st)) {
        throw InputError(path, 0, 0, "",
                         "the material table is not a regular file (a device, FIFO or folder)",
                         "a CSV file wavelength_nm,n,k");
    }
    constexpr std::uintmax_t kMaxTableBytes = 16u << 20;
    if (std::filesystem::file_size(path, ec) > kMaxTableBytes) {
        throw InputError(path, 0, 0, "", "the material table is larger than 16 MiB",
                         "a CSV file wavelength_nm,n,k of at most 16 MiB");
    }
    std::ifstream in(path);
    if (!in) throw InputError(path, 0, 0, "", "cannot open the material table");
    MaterialTable t;
    t.name = name;
    t.path = path;
    std::string line;
    int no = 0;
    bool header = false;
    while (std::getline(in, line)) {
        ++no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.empty() || line[0] == '#') continue;
        if (!header) {
            if (line != "wavelength_nm,n,k") {
                throw InputError(path, no, 1, "", "expected the header 'wavelength_nm,n,k'",
                                 "a CSV table: wavelength_nm,n,k");
            }
            header = true;
            continue;
        }
        if (std::count(line.begin(), line.end(), ',') != 2) {
            throw InputError(path, no, 1, "", "a row must hold three comma-separated cells",
                             "wavelength_nm, n, k");
        }
        std::replace(line.begin(), line.end(), ',', ' ');
        std::istringstream ss(line);
        double w = 0, n = 0, k = 0;
        std::string rest;
        if (!(ss >> w >> n >> k) || (ss >> rest) || !std::isfinite(w) || !std::isfinite(n) ||
            !std::isfinite(k)) {
            throw InputError(path, no, 1, "", "a row must hold three finite numbers",
                             "wavelength_nm, n, k");
        }
        if (!(w > 0.0) || !(n > 0.0) || k < 0.0) {
            throw InputError(path, no, 1, "", "wavelength and n must be > 0 and k >= 0",
                             "wavelength_nm > 0, n > 0, k >= 0");
        }
        if (!t.wavelength_nm.empty() && w <= t.wavelength_nm.back()) {
            throw InputError(path, no, 1, "", "wavelengths must increase",
                             "ascending wavelength_nm");
        }
        t.wavelength_nm.push_back(w);
        t.n.push_back(n);
        t.k.push_back(k);
    }
    if (t.wavelength_nm.size() < 2) {
        throw InputError(path, no, 0, "", "a material table needs at least two rows",
                         "wavelength_nm,n,k rows");
    }
    out = std::move(t);
    return true;
}

}  // namespace relsim::optics
