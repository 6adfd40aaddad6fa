// Writes the file that h5py_reads.py checks: h5py_writer <output.h5>
#include "relsim/core/error.hpp"
#include "relsim/io/hdf5_file.hpp"

#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUTPUT.h5\n", argv[0]);
        return 2;
    }
    using relsim::io::ElementType;
    using relsim::io::H5File;
    try {
        const std::string partial = std::string(argv[1]) + ".partial";
        {
            H5File f(partial, H5File::Mode::create_truncate);
            f.set_attribute("/", "program", std::string("relsim µ-test"));
            f.set_attribute("/", "seed", std::int64_t{-12345678901});
            f.set_attribute("/", "temperature", 293.15);
            const double tau = 1.5e-3;
            f.write_doubles("/params/tau", {}, &tau, "s");
            std::vector<double> grid(2 * 3);
            for (std::size_t i = 0; i < grid.size(); ++i) {
                grid[i] = 0.5 * static_cast<double>(i);
            }
            f.write_doubles("/params/grid", {2, 3}, grid.data(), "W/cm^2");
            const std::vector<std::int32_t> counts = {3, -1, 7};
            f.write_ints("/params/counts", {3}, counts.data(), "1");
            f.write_strings("/params/ions", {"Er3+", "Yb3+", "τ"});
            f.create_chunked("/results/eqe", ElementType::float64, {4, 5, 6}, {0, 0, 0}, "1", -1.0);
            std::vector<double> part(50);
            for (std::size_t i = 0; i < part.size(); ++i) {
                part[i] = static_cast<double>(i + 7);
            }
            f.write_flat_range("/results/eqe", ElementType::float64, 7, part.size(), part.data());
            f.create_chunked("/results/status", ElementType::uint8, {4, 5, 6}, {0, 0, 0}, "1", 0.0);
            f.create_chunked("/results/code", ElementType::int32, {120}, {0}, "1", -2.0);
            f.set_attribute("/results", "note", std::string("partial"));
        }
        relsim::io::publish_file(partial, argv[1]);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "h5py_writer: %s\n", e.what());
        return 1;
    }
    return 0;
}
