//! @file cmd_export.cpp
#include "cmd_export.hpp"

#include <fmt/core.h>

#include <memory>

#include "relsim/core/error.hpp"
#include "relsim/io/csv_export.hpp"

namespace relsim::app {

Command add_export_command(CLI::App& app) {
    struct Opts {
        std::string file, csv_dir, format, output;
        bool force = false;
        bool incomplete = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand(
        "export", "Write a result file as tidy CSV tables (units in the headers)");
    sub->add_option("file", o->file, "relsim result file (HDF5)")->required();
    sub->add_option("--csv", o->csv_dir, "folder for the CSV tables (created when missing)");
    sub->add_option("--format", o->format, "output format: csv (the only one)")
        ->check(CLI::IsMember({"csv"}));
    sub->add_option("-o,--output", o->output, "folder for the tables with --format csv");
    sub->add_flag("--force", o->force, "replace tables that exist already");
    sub->add_flag(
        "--incomplete", o->incomplete,
        "export an interrupted run's .partial (a warning; a 'done' column marks the points done)");
    sub->footer(
        "Tables: results.csv (one row per sweep point: axis keys and every per-point quantity),\n"
        "line_photon_rate.csv, spectrum.csv, transient.csv (one row per point and line,\n"
        "wavelength or time), <group>_<name>.csv for any other dataset; for a fit result\n"
        "parameters.csv, covariance.csv, fit_summary.csv, data_<i>.csv. Headers carry units:\n"
        "'eqe [1]', 'device.current_density_mA_cm2 [mA cm^-2]'.\n"
        "Example:\n  relsim export tb.h5 --csv tb_csv\n  relsim export tb.h5 --format csv -o "
        "tb_csv");
    return {sub, [o] {
                std::string dir = o->csv_dir;
                if (dir.empty()) dir = o->output;
                if (dir.empty()) {
                    throw InputError("", 0, 0, "--csv", "no output folder given",
                                     "--csv DIR, or --format csv -o DIR");
                }
                if (!o->csv_dir.empty() && !o->output.empty() && o->csv_dir != o->output) {
                    throw InputError("", 0, 0, "--csv", "both --csv and -o name a folder",
                                     "one of --csv DIR or --format csv -o DIR");
                }
                io::ExportOptions eo;
                eo.force = o->force;
                eo.incomplete = o->incomplete;
                for (const std::string& p : io::export_csv(o->file, dir, eo)) {
                    fmt::print("{}\n", p);
                }
                return exit_ok;
            }};
}

}  // namespace relsim::app
