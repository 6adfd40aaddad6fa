//! @file material.hpp
//! Complex refractive index tables, data/materials/<name>.csv (wavelength_nm, n, k; '#' lines
//! carry the source of the numbers), linearly interpolated in wavelength.
#pragma once

#include <complex>
#include <string>
#include <vector>

namespace relsim::optics {

struct MaterialTable {
    std::string name;
    std::string path;
    std::vector<double> wavelength_nm, n, k;  //!< ascending wavelengths
    [[nodiscard]] double min_nm() const { return wavelength_nm.front(); }
    [[nodiscard]] double max_nm() const { return wavelength_nm.back(); }
    [[nodiscard]] bool covers(double wavelength_nm) const;
    //! n + i k at a wavelength inside the table (callers check covers() first; outside: throws
    //! std::out_of_range).
    [[nodiscard]] std::complex<double> at(double wavelength_nm) const;
};

//! Folder of the material files: $RELSIM_DATA_DIR/materials, else <source tree>/data/materials.
[[nodiscard]] std::string materials_dir();
//! Whether `name` is a plain material name (letters, digits, _ - .; no path separators).
[[nodiscard]] bool valid_material_name(const std::string& name);
//! Reads materials_dir()/<name>.csv. Throws relsim::InputError naming the file and line on a
//! malformed table; returns false (and leaves `out` alone) when the file does not exist.
bool load_material(const std::string& name, MaterialTable& out);

}  // namespace relsim::optics
