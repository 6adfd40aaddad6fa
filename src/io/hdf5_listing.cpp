//! @file hdf5_listing.cpp
#include "relsim/io/hdf5_listing.hpp"

#include <hdf5.h>

#include <algorithm>

#include "relsim/core/error.hpp"
#include "relsim/io/hdf5_file.hpp"

namespace relsim::io {
namespace {

struct Visit {
    std::string prefix;
    std::vector<DatasetInfo> found;
};

herr_t on_link(hid_t group, const char* name, const H5L_info_t*, void* data) {
    auto* v = static_cast<Visit*>(data);
    const hid_t obj = H5Oopen(group, name, H5P_DEFAULT);
    if (obj < 0) return 0;
    if (H5Iget_type(obj) == H5I_DATASET) {
        DatasetInfo d;
        d.path = v->prefix + name;
        const hid_t space = H5Dget_space(obj);
        const int rank = H5Sget_simple_extent_ndims(space);
        if (rank > 0) {
            std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
            H5Sget_simple_extent_dims(space, dims.data(), nullptr);
            d.dims.assign(dims.begin(), dims.end());
        }
        H5Sclose(space);
        const hid_t type = H5Dget_type(obj);
        const H5T_class_t cls = H5Tget_class(type);
        d.is_string = cls == H5T_STRING;
        d.is_integer = cls == H5T_INTEGER;
        H5Tclose(type);
        v->found.push_back(std::move(d));
    }
    H5Oclose(obj);
    return 0;
}

}  // namespace

std::vector<DatasetInfo> list_datasets(const std::string& file, const std::string& group) {
    H5File f(file, H5File::Mode::read_only);  // checks the file and silences HDF5's printing
    Visit v;
    v.prefix = group == "/" ? "/" : group + "/";
    if (group != "/" && !f.exists(group)) return {};
    const hid_t fid = H5Fopen(file.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    if (fid < 0) throw RunError(file + ": cannot open the file to list its datasets");
    const hid_t g = H5Gopen(fid, group.c_str(), H5P_DEFAULT);
    if (g >= 0) {
        H5Lvisit(g, H5_INDEX_NAME, H5_ITER_INC, on_link, &v);
        H5Gclose(g);
    }
    H5Fclose(fid);
    for (DatasetInfo& d : v.found) {
        if (f.has_attribute(d.path, "units")) d.units = f.string_attribute(d.path, "units");
    }
    std::sort(v.found.begin(), v.found.end(),
              [](const DatasetInfo& a, const DatasetInfo& b) { return a.path < b.path; });
    return v.found;
}

}  // namespace relsim::io
