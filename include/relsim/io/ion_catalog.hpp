//! @file ion_catalog.hpp
//! The ion level-scheme library as a list (`relsim ions`, Python's relsim.ions()).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "relsim/model/parameters.hpp"

namespace relsim::io {

//! One ion file, read with the same checks as a config's ion file.
struct IonFileInfo {
    std::string path;
    std::string ion;  //!< the file's `ion` (the file name when absent)
    std::string description;
    std::vector<std::string> references;
    model::LevelScheme scheme;
    std::vector<std::pair<std::string, double>> ground_energies_cm1;
};

//! Folders searched for `<Ion>.toml` when a config names no folder: $RELSIM_ION_PATH
//! (colon-separated), then <source tree>/configs/ions. (A config also searches next to itself.)
[[nodiscard]] std::vector<std::string> ion_library_dirs();

//! Every `*.toml` of the folders, in folder then name order; a name found in an earlier folder
//! hides later ones. Throws InputError for a file that fails its checks.
[[nodiscard]] std::vector<IonFileInfo> list_ion_files(const std::vector<std::string>& dirs);

//! Reads one ion file with its description and references. Throws InputError.
[[nodiscard]] IonFileInfo describe_ion_file(const std::string& path);

}  // namespace relsim::io
