//! @file hdf5_listing.hpp
//! What an HDF5 file holds: every dataset below a group, with its shape and units, for the
//! readers that do not know a file's layout in advance (`relsim export`, Python's open()).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace relsim::io {

struct DatasetInfo {
    std::string path;                 //!< absolute, e.g. "/results/fates/tta"
    std::vector<std::uint64_t> dims;  //!< empty for a scalar
    bool is_string = false;
    bool is_integer = false;
    std::string units;  //!< the `units` attribute, "" when absent
};

//! Every dataset below `group` ("/" for all), in name order (depth first). Throws RunError
//! when the file cannot be opened; an absent group gives an empty list.
[[nodiscard]] std::vector<DatasetInfo> list_datasets(const std::string& file,
                                                     const std::string& group = "/");

}  // namespace relsim::io
