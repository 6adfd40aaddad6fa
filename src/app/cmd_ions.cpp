//! @file cmd_ions.cpp
#include "cmd_ions.hpp"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <memory>

#include "relsim/io/ion_catalog.hpp"

namespace relsim::app {

Command add_ions_command(CLI::App& app) {
    struct Opts {
        std::vector<std::string> dirs;
        bool brief = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub =
        app.add_subcommand("ions", "List the ion level schemes (levels, lines, sources)");
    sub->add_option("dirs", o->dirs, "folders to list instead of $RELSIM_ION_PATH and the library");
    sub->add_flag("--brief", o->brief, "one line per ion");
    sub->footer("Example:\n  relsim ions\n  relsim ions --brief\n  relsim ions my_ions/");
    return {sub, [o] {
                const auto dirs = o->dirs.empty() ? io::ion_library_dirs() : o->dirs;
                const auto ions = io::list_ion_files(dirs);
                if (ions.empty()) fmt::print("no ion files in: {}\n", fmt::join(dirs, ", "));
                for (const io::IonFileInfo& ion : ions) {
                    std::vector<std::string> names;
                    for (const auto& l : ion.scheme.levels) names.push_back(l.name);
                    fmt::print("{}  ({})\n", ion.ion, ion.path);
                    fmt::print("  excited levels: {}; {} lines, {} relaxations; ground: {}\n",
                               fmt::join(names, ", "), ion.scheme.lines.size(),
                               ion.scheme.relaxations.size(), fmt::join(ion.scheme.ground, ", "));
                    if (o->brief) continue;
                    if (!ion.description.empty()) fmt::print("  {}\n", ion.description);
                    for (const auto& l : ion.scheme.levels) {
                        fmt::print("    level {:<8} {:>10.1f} cm^-1\n", l.name, l.energy_cm1);
                    }
                    for (const auto& l : ion.scheme.lines) {
                        fmt::print("    line  {:>5} -> {:<5} {:>7.1f} nm  A = {:.4g} s^-1\n",
                                   l.from, l.to, l.wavelength_nm, l.rate_s);
                    }
                    if (!ion.references.empty()) fmt::print("  sources:\n");
                    for (const auto& r : ion.references) fmt::print("    {}\n", r);
                }
                return exit_ok;
            }};
}

}  // namespace relsim::app
