//! @file run_output.cpp
#include "run_output.hpp"

#include <fmt/core.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <filesystem>

#include "relsim/core/error.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/sweep/rolloff.hpp"

namespace relsim::app {

void check_output_path(const std::string& output, bool force, bool resume, const char* command) {
    std::string ext = std::filesystem::path(output).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    constexpr std::array<const char*, 10> not_hdf5 = {".csv",  ".tsv", ".txt", ".dat",  ".json",
                                                      ".xlsx", ".npy", ".npz", ".toml", ".nc"};
    if (std::find(not_hdf5.begin(), not_hdf5.end(), ext) != not_hdf5.end()) {
        throw InputError("", 0, 0, "-o",
                         fmt::format("'{}' names a {} file, but {} writes HDF5; nothing "
                                     "was run. Write OUT.h5, then `relsim export OUT.h5 --csv DIR` "
                                     "for CSV tables",
                                     output, ext.substr(1), command),
                         "an HDF5 file name (.h5)");
    }
    if (!force && !resume && std::filesystem::exists(output)) {
        throw InputError("", 0, 0, "-o",
                         fmt::format("the output file {} exists already; nothing was run", output),
                         "a new file name, or --force to replace it");
    }
}

void print_rolloff(const io::RunConfig& cfg, const std::string& result_path) {
    if (!cfg.sweep || cfg.sweep->axes.size() != 1 || cfg.sweep->mode != "grid") return;
    const io::SweepAxis& ax = cfg.sweep->axes[0];
    const auto it = std::find(ax.keys.begin(), ax.keys.end(), "device.current_density_mA_cm2");
    if (it == ax.keys.end() || ax.size() < 2) return;
    const std::vector<double>& J = ax.values[static_cast<std::size_t>(it - ax.keys.begin())];
    const io::H5File f(result_path, io::H5File::Mode::read_only);
    if (!f.exists("/results/eqe") || !f.exists("/results/luminance_cd_m2")) return;  // [output]
    const auto r =
        sweep::rolloff(J, f.read_doubles("/results/eqe"),
                       f.read_doubles("/results/luminance_cd_m2"), f.read_ints("/results/status"));
    if (!r) return;
    // Photometry of infrared emission is not meaningful (the point summary says so): the
    // roll-off then quotes radiance, never cd m^-2 (issue 21 item 18).
    bool photometric = true;
    std::vector<double> radiance;
    if (f.exists("/results/photometry_valid")) {
        const std::vector<double> valid = f.read_doubles("/results/photometry_valid");
        const std::vector<std::int32_t> status = f.read_ints("/results/status");
        photometric = false;
        for (std::size_t i = 0; i < valid.size() && i < status.size(); ++i) {
            if (status[i] == 0 && valid[i] != 0.0) photometric = true;
        }
        if (!photometric && f.exists("/results/radiance_W_sr_m2"))
            radiance = f.read_doubles("/results/radiance_W_sr_m2");
    }
    fmt::print("Roll-off over J ({} points):\n", r->points_used);
    if (photometric) {
        fmt::print("  peak EQE {:.4g} % at J = {:.4g} mA cm^-2 ({:.4g} cd m^-2)\n",
                   100 * r->peak_eqe, r->peak_J_mA_cm2, r->peak_luminance_cd_m2);
    } else {
        const auto at = std::find(J.begin(), J.end(), r->peak_J_mA_cm2);
        const auto i = static_cast<std::size_t>(at - J.begin());
        if (at != J.end() && i < radiance.size()) {
            fmt::print(
                "  peak EQE {:.4g} % at J = {:.4g} mA cm^-2 (radiance {:.4g} W sr^-1 m^-2)\n",
                100 * r->peak_eqe, r->peak_J_mA_cm2, radiance[i]);
        } else {
            fmt::print("  peak EQE {:.4g} % at J = {:.4g} mA cm^-2\n", 100 * r->peak_eqe,
                       r->peak_J_mA_cm2);
        }
    }
    auto j_line = [&](const char* name, const std::optional<double>& v, double level) {
        if (v) {
            fmt::print("  {} (EQE = {:.0f} % of peak) = {:.4g} mA cm^-2\n", name, 100 * level, *v);
        } else {
            fmt::print("  {} not reached (EQE at the highest J is {:.3g} % of the peak)\n", name,
                       100 * r->last_eqe_over_peak);
        }
    };
    j_line("J90", r->J90_mA_cm2, 0.9);
    j_line("J50", r->J50_mA_cm2, 0.5);
    auto l_line = [&](double L, const std::optional<double>& v) {
        if (v) {
            fmt::print("  EQE at {:g} cd m^-2 = {:.4g} %\n", L, 100 * *v);
        } else {
            fmt::print(
                "  EQE at {:g} cd m^-2: not reached in the sweep (luminance {:.4g} .. {:.4g} cd "
                "m^-2)\n",
                L, r->min_luminance_cd_m2, r->max_luminance_cd_m2);
        }
    };
    if (!photometric) {
        fmt::print(
            "  EQE at 100 and 1000 cd m^-2: not given: photometry is not meaningful for this "
            "emission (under 50 % of the power in 380-780 nm); see radiance_W_sr_m2\n");
        return;
    }
    l_line(100.0, r->eqe_at_100_cd_m2);
    l_line(1000.0, r->eqe_at_1000_cd_m2);
}

}  // namespace relsim::app
