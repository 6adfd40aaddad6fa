//! @file ion_catalog.cpp
#include "relsim/io/ion_catalog.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "detail/toml_reader.hpp"
#include "relsim/core/build_info.hpp"
#include "relsim/io/config.hpp"

namespace relsim::io {

namespace fs = std::filesystem;

std::vector<std::string> ion_library_dirs() {
    std::vector<std::string> dirs;
    if (const char* env = std::getenv("RELSIM_ION_PATH")) {
        std::string rest(env);
        std::size_t pos = 0;
        while (pos <= rest.size()) {
            const std::size_t colon = rest.find(':', pos);
            const std::string part =
                rest.substr(pos, colon == std::string::npos ? std::string::npos : colon - pos);
            if (!part.empty()) dirs.push_back(part);
            if (colon == std::string::npos) break;
            pos = colon + 1;
        }
    }
    dirs.push_back((fs::path(build_info::source_dir) / "configs" / "ions").string());
    return dirs;
}

IonFileInfo describe_ion_file(const std::string& path) {
    IonFileInfo info;
    info.path = path;
    info.scheme = load_ion_file(path, &info.ground_energies_cm1);  // all checks, InputError
    std::string why;
    const auto text = detail::read_file(path, why);
    const toml::table root = detail::parse_toml(text.value_or(""), path);
    info.ion = root["ion"].value_or(fs::path(path).stem().string());
    info.description = root["description"].value_or(std::string());
    if (const toml::array* refs = root["references"].as_array()) {
        for (const toml::node& r : *refs) info.references.push_back(r.value_or(std::string()));
    }
    return info;
}

std::vector<IonFileInfo> list_ion_files(const std::vector<std::string>& dirs) {
    std::vector<IonFileInfo> out;
    std::set<std::string> seen;
    for (const std::string& dir : dirs) {
        std::error_code ec;
        if (!fs::is_directory(dir, ec)) continue;
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (e.path().extension() == ".toml") files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& p : files) {
            if (!seen.insert(p.stem().string()).second) continue;
            out.push_back(describe_ion_file(p.lexically_normal().string()));
        }
    }
    return out;
}

}  // namespace relsim::io
