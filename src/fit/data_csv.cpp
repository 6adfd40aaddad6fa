//! @file data_csv.cpp
//! Measured data files: CSV with a header row naming the columns (any order), '#' comments.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "relsim/core/error.hpp"
#include "relsim/fit/fit_config.hpp"
#include "relsim/io/detail/toml_reader.hpp"

namespace relsim::fit {

const char* to_string(DataKind kind) {
    switch (kind) {
        case DataKind::eqe_vs_current: return "eqe_vs_current";
        case DataKind::luminance_vs_current: return "luminance_vs_current";
        case DataKind::decay: return "decay";
        case DataKind::spectrum: return "spectrum";
    }
    return "?";
}

std::vector<std::string> data_columns(DataKind kind) {
    switch (kind) {
        case DataKind::eqe_vs_current: return {"current_density_mA_cm2", "eqe"};
        case DataKind::luminance_vs_current: return {"current_density_mA_cm2", "luminance_cd_m2"};
        case DataKind::decay: return {"time_s", "intensity"};
        case DataKind::spectrum: return {"wavelength_nm", "intensity"};
    }
    return {};
}

std::string x_unit(DataKind kind) {
    switch (kind) {
        case DataKind::eqe_vs_current:
        case DataKind::luminance_vs_current: return "mA cm^-2";
        case DataKind::decay: return "s";
        case DataKind::spectrum: return "nm";
    }
    return "";
}

std::string y_unit(DataKind kind) {
    switch (kind) {
        case DataKind::eqe_vs_current: return "1";
        case DataKind::luminance_vs_current: return "cd m^-2";
        case DataKind::decay:
        case DataKind::spectrum: return "arb. units";
    }
    return "";
}

namespace {

struct Cell {
    std::string text;
    int column = 0;  //!< 1-based column of the cell's first character
};

std::vector<Cell> split_cells(const std::string& line) {
    std::vector<Cell> cells;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = line.find(',', start);
        const std::size_t end = comma == std::string::npos ? line.size() : comma;
        std::size_t a = start, b = end;
        while (a < b && std::isspace(static_cast<unsigned char>(line[a]))) ++a;
        while (b > a && std::isspace(static_cast<unsigned char>(line[b - 1]))) --b;
        cells.push_back({line.substr(a, b - a), static_cast<int>(a + 1)});
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return cells;
}

bool parse_number(const std::string& s, double& v) {
    if (s.empty()) return false;
    // Decimal numbers only (docs/fitting.md): strtod would also take hex floats (0x1p-3),
    // "inf"/"nan" spellings and locale forms (issue 21 item 11).
    if (s.find_first_not_of("0123456789+-.eE") != std::string::npos) return false;
    char* end = nullptr;
    v = std::strtod(s.c_str(), &end);
    return end == s.c_str() + s.size() && std::isfinite(v);
}

}  // namespace

DataSet read_data_csv(const std::string& path, DataKind kind) {
    std::string why;
    const auto text = io::detail::read_file(path, why);
    if (!text) throw InputError(path, 0, 0, "", "cannot read the data file: " + why);
    const std::vector<std::string> want = data_columns(kind);
    const std::string allowed =
        fmt::format("columns {}, {}[, sigma] (any order)", want[0], want[1]);

    DataSet d;
    d.kind = kind;
    d.file = path;
    int col_x = -1, col_y = -1, col_sigma = -1;
    std::size_t num_cols = 0;
    bool have_header = false;
    std::size_t pos = 0;
    // A UTF-8 byte-order mark (spreadsheet exports) before the header is not part of the first
    // column's name (issue 21 item 11).
    if (text->compare(0, 3, "\xEF\xBB\xBF") == 0) pos = 3;
    int line_no = 0;
    while (pos < text->size()) {
        std::size_t nl = text->find('\n', pos);
        if (nl == std::string::npos) nl = text->size();
        std::string line = text->substr(pos, nl - pos);
        pos = nl + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::size_t first = line.find_first_not_of(" \t");
        if (first == std::string::npos || line[first] == '#') continue;
        const std::vector<Cell> cells = split_cells(line);
        if (!have_header) {
            have_header = true;
            num_cols = cells.size();
            for (std::size_t c = 0; c < cells.size(); ++c) {
                int* slot = nullptr;
                if (cells[c].text == want[0])
                    slot = &col_x;
                else if (cells[c].text == want[1])
                    slot = &col_y;
                else if (cells[c].text == "sigma")
                    slot = &col_sigma;
                if (!slot) {
                    throw InputError(path, line_no, cells[c].column, "",
                                     fmt::format("unknown column '{}' for data of kind '{}'",
                                                 cells[c].text, to_string(kind)),
                                     allowed);
                }
                if (*slot >= 0) {
                    throw InputError(path, line_no, cells[c].column, "",
                                     fmt::format("column '{}' appears twice", cells[c].text),
                                     allowed);
                }
                *slot = static_cast<int>(c);
            }
            if (col_x < 0 || col_y < 0) {
                throw InputError(
                    path, line_no, 1, "",
                    fmt::format("the header lacks column '{}'", col_x < 0 ? want[0] : want[1]),
                    allowed);
            }
            continue;
        }
        if (cells.size() != num_cols) {
            throw InputError(path, line_no, 1, "",
                             fmt::format("{} cells, the header names {}", cells.size(), num_cols),
                             fmt::format("{} comma-separated numbers per line", num_cols));
        }
        double v[3] = {0.0, 0.0, 0.0};
        const int cols[3] = {col_x, col_y, col_sigma};
        const std::string names[3] = {want[0], want[1], "sigma"};
        for (int k = 0; k < 3; ++k) {
            if (cols[k] < 0) continue;
            const Cell& cell = cells[static_cast<std::size_t>(cols[k])];
            if (!parse_number(cell.text, v[k])) {
                throw InputError(
                    path, line_no, cell.column, "",
                    fmt::format("column '{}': '{}' is not a finite number", names[k], cell.text),
                    "a finite decimal number");
            }
        }
        if (col_sigma >= 0 && !(v[2] > 0.0)) {
            throw InputError(path, line_no, cells[static_cast<std::size_t>(col_sigma)].column, "",
                             fmt::format("sigma {} is not positive", v[2]), "sigma > 0");
        }
        d.x.push_back(v[0]);
        d.y.push_back(v[1]);
        if (col_sigma >= 0) d.sigma.push_back(v[2]);
        d.line.push_back(line_no);
    }
    if (!have_header) {
        throw InputError(path, 0, 0, "", "the data file is empty (no header row)", allowed);
    }
    if (d.x.empty()) {
        throw InputError(path, line_no, 0, "", "the data file has a header but no data rows",
                         "at least one row of numbers");
    }
    return d;
}

}  // namespace relsim::fit
