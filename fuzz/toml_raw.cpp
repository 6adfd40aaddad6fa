//! @file toml_raw.cpp
//! toml++ alone, without relsim's guards (src/io/detail/toml_guard.hpp), on the files given:
//! shows what each saved input in tests/fuzz/crashes/ does to the library (built with ASan +
//! UBSan in the `fuzz` preset): `build-fuzz/bin/relsim_toml_raw tests/fuzz/crashes/*`.
#include <toml++/toml.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string text = ss.str();
        try {
            (void)toml::parse(std::string_view(text), std::string_view(argv[i]));
            std::printf("%s: parsed\n", argv[i]);
        } catch (const toml::parse_error& e) {
            std::printf("%s: error: %s\n", argv[i], std::string(e.description()).c_str());
        }
        std::fflush(stdout);
    }
    return 0;
}
