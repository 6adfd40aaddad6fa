//! @file cmd_init.cpp
#include "cmd_init.hpp"

#include <fmt/core.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "relsim/core/error.hpp"
#include "relsim/io/config_template.hpp"

namespace relsim::app {

Command add_init_command(CLI::App& app) {
    struct Opts {
        std::string name;
        bool force = false;
    };
    auto o = std::make_shared<Opts>();
    CLI::App* sub = app.add_subcommand("init", "Write NAME.toml, a commented starting config");
    sub->add_option("name", o->name, "config name or path (.toml is added when missing)")
        ->required();
    sub->add_flag("--force", o->force, "replace an existing file");
    sub->footer("Example:\n  relsim init my_device && relsim run my_device.toml -o my_device.h5");
    return {
        sub, [o] {
            namespace fs = std::filesystem;
            if (o->name.empty() || o->name.back() == '/') {
                throw InputError(o->name, 0, 0, "name",
                                 "an empty config name (it would write a hidden '.toml')",
                                 "a name such as my_device");
            }
            fs::path path(o->name);
            if (path.extension() != ".toml") path += ".toml";
            std::error_code ec;
            const auto st = fs::symlink_status(path, ec);
            if (fs::is_symlink(st)) {
                // Dangling or not, writing would go through the link to another file.
                throw InputError(path.string(), 0, 0, "",
                                 "the name is a symbolic link (init writes only a plain file)",
                                 "a new name");
            }
            if (fs::exists(st) && !fs::is_regular_file(st)) {
                throw InputError(path.string(), 0, 0, "",
                                 "the name exists and is not a regular file", "a new name");
            }
            if (fs::exists(st) && !o->force) {
                throw InputError(path.string(), 0, 0, "", "the file exists already",
                                 "a new name, or --force to replace it");
            }
            const std::string title = path.stem().string();
            errno = 0;
            std::ofstream out(path, std::ios::binary | std::ios::trunc);
            out << io::starting_config_text(title);
            out.close();
            if (!out) {
                const int err = errno;
                throw RunError(path.string() + ": cannot write" +
                               (err != 0 ? std::string(": ") + std::strerror(err) : std::string()));
            }
            fmt::print("wrote {}; check it with: relsim check {}\n", path.string(), path.string());
            return exit_ok;
        }};
}

}  // namespace relsim::app
