// Catch2 v2 main, compiled once and shared by every test executable. Before the tests run, every
// module registers its config tables with io (relsim/io/config_registry.hpp), as relsim's main
// and the Python module do.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "relsim/lifetime/lifetime_config.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/optics/device_optics.hpp"
#include "relsim/transport/transport_config.hpp"

int main(int argc, char* argv[]) {
    relsim::nanocrystal::register_config_tables();
    relsim::optics::register_config_tables();
    relsim::transport::register_config_tables();
    relsim::lifetime::register_config_tables();
    return Catch::Session().run(argc, argv);
}
