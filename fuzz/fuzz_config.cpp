//! @file fuzz_config.cpp
//! libFuzzer entry point: what `relsim check` does with a config text (the shared TOML reader,
//! every domain reader, the compiled rate model), under ASan + UBSan. Bad input must end in
//! relsim::InputError; any crash, sanitizer report, toml++ assertion, hang (-timeout) or other
//! exception type is a finding. Ion files named by a fuzzed config resolve relative to this
//! source's configs/ folder (the virtual config path), so the library ions are reachable.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/lifetime/lifetime_config.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/optics/device_optics.hpp"
#include "relsim/transport/transport_config.hpp"

//! Once, before the first input: the modules register their config tables with io (as relsim's
//! main does), so that configs with [optics], [nanocrystal], ... reach the reader.
extern "C" int LLVMFuzzerInitialize(int*, char***) {
    relsim::nanocrystal::register_config_tables();
    relsim::optics::register_config_tables();
    relsim::transport::register_config_tables();
    relsim::lifetime::register_config_tables();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    static const std::string virtual_path = std::string(relsim::build_info::source_dir) + "/configs/fuzz.toml";
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const relsim::io::RunConfig cfg = relsim::io::load_config_text(text, virtual_path);
        const relsim::model::RateModel model(cfg.model);
        (void)model.nominal_drive();
    } catch (const relsim::InputError&) {
        // the expected answer to bad input
    } catch (const std::exception& e) {
        // Not InputError: `relsim check` would answer "run failed" (exit 1) instead of naming
        // the bad key. A finding.
        std::fprintf(stderr, "fuzz_config: non-InputError exception: %s\n", e.what());
        std::abort();
    }
    return 0;
}
