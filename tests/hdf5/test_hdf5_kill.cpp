// A writer killed with SIGKILL after H5File::flush() leaves a file that opens and holds the
// flushed data (the streaming contract of create_chunked/write_flat_range).
#include "relsim/io/hdf5_file.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

using relsim::io::ElementType;
using relsim::io::H5File;

namespace {

constexpr std::uint64_t n0 = 8, n1 = 30, n2 = 17;
constexpr std::uint64_t total = n0 * n1 * n2;  // 4080 doubles
constexpr std::uint64_t flushed = 1500;        // written, then flushed
constexpr double fill = -1.0;

double value_at(std::uint64_t i) { return 0.5 + static_cast<double>(i); }

//! Writes [first, last) in uneven slices that start and end mid-row.
void write_slices(H5File& f, std::uint64_t first, std::uint64_t last, bool die_midway) {
    std::uint64_t step = 37;
    int slices = 0;
    for (std::uint64_t i = first; i < last;) {
        const std::uint64_t count = std::min(step, last - i);
        std::vector<double> data(count);
        for (std::uint64_t k = 0; k < count; ++k) {
            data[k] = value_at(i + k);
        }
        f.write_flat_range("/run/eqe", ElementType::float64, i, count, data.data());
        std::vector<std::int32_t> codes(count, 1);
        f.write_flat_range("/run/status", ElementType::int32, i, count, codes.data());
        i += count;
        step = step * 7 % 101 + 1;
        if (die_midway && ++slices == 9) {
            ::kill(::getpid(), SIGKILL);  // in the middle of unflushed writes
        }
    }
}

[[noreturn]] void child(const std::string& path) {
    try {
        H5File f(path, H5File::Mode::create_truncate);
        f.set_attribute("/", "state", std::string("running"));
        f.create_chunked("/run/eqe", ElementType::float64, {n0, n1, n2}, {2, 7, 5}, "1", fill);
        f.create_chunked("/run/status", ElementType::int32, {n0, n1, n2}, {0, 0, 0}, "1", 0.0);
        write_slices(f, 0, flushed, false);
        f.flush();
        write_slices(f, flushed, total, true);
    } catch (...) {
        ::_exit(3);
    }
    ::_exit(4);  // the kill did not happen
}

}  // namespace

TEST_CASE("hdf5 a writer killed with SIGKILL after a flush leaves a readable file",
          "[hdf5][kill]") {
    relsim::test::TempDir tmp;
    const std::string path = tmp.file("killed.h5.partial");
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        child(path);
    }
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(WTERMSIG(status) == SIGKILL);

    std::uint64_t later = 0;  // elements written after the flush that reached the file
    {
        H5File f(path, H5File::Mode::read_only);
        CHECK(f.string_attribute("/", "state") == "running");
        CHECK(f.string_attribute("/run/eqe", "units") == "1");
        std::vector<double> eqe(total);
        f.read_flat_range("/run/eqe", ElementType::float64, 0, total, eqe.data());
        std::vector<std::int32_t> codes(total);
        f.read_flat_range("/run/status", ElementType::int32, 0, total, codes.data());
        for (std::uint64_t i = 0; i < flushed; ++i) {
            REQUIRE(eqe[i] == value_at(i));
            REQUIRE(codes[i] == 1);
        }
        for (std::uint64_t i = flushed; i < total; ++i) {
            REQUIRE((eqe[i] == fill || eqe[i] == value_at(i)));
            REQUIRE((codes[i] == 0 || codes[i] == 1));
            later += eqe[i] == value_at(i) ? 1 : 0;
        }
    }
    INFO("elements written after the flush found in the file: " << later);
    // Resuming after the crash: reopen read-write and finish.
    {
        H5File f(path, H5File::Mode::read_write);
        write_slices(f, flushed, total, false);
        f.set_attribute("/", "state", std::string("finished"));
    }
    H5File f(path, H5File::Mode::read_only);
    const auto eqe = f.read_doubles("/run/eqe");
    for (std::uint64_t i = 0; i < total; ++i) {
        REQUIRE(eqe[i] == value_at(i));
    }
    CHECK(f.string_attribute("/", "state") == "finished");
}

namespace {

std::vector<char> file_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

// The property the kill-safety rests on, checked directly: after create_chunked() returns, raw
// data writes (and flushes) neither grow the file nor change any byte except elements that
// still held the fill value and the Fletcher32 checksums after chunks; so no metadata
// (superblock, object headers, chunk index) changes.
TEST_CASE("hdf5 streaming writes after create_chunked change only fill-valued elements",
          "[hdf5][kill]") {
    relsim::test::TempDir tmp;
    const std::string path = tmp.file("stream.h5");
    const double marker = -1.2345678901234567e-300;  // a fill value with a distinctive pattern
    char marker_bytes[sizeof(double)];
    std::memcpy(marker_bytes, &marker, sizeof marker);

    H5File f(path, H5File::Mode::create_truncate);
    f.set_attribute("/", "state", std::string("running"));
    f.create_chunked("/run/eqe", ElementType::float64, {n0, n1, n2}, {3, 0, 4}, "1", marker);
    f.create_chunked("/run/more", ElementType::float64, {n2, n1}, {0, 0}, "1", marker);
    const std::vector<char> before = file_bytes(path);

    std::vector<double> data(total);
    for (std::uint64_t i = 0; i < total; ++i) {
        data[i] = value_at(i);
    }
    f.write_flat_range("/run/eqe", ElementType::float64, 5, 1234, data.data());
    f.write_flat_range("/run/more", ElementType::float64, 17, 300, data.data());
    f.flush();
    f.write_flat_range("/run/eqe", ElementType::float64, 2000, total - 2000, data.data());
    f.flush();
    const std::vector<char> after = file_bytes(path);

    REQUIRE(after.size() == before.size());
    std::size_t changed = 0;
    for (std::size_t p = 0; p < before.size(); ++p) {
        if (before[p] == after[p]) {
            continue;
        }
        ++changed;
        // p lies inside an 8-byte element that held the fill value before.
        bool inside_fill = false;
        for (std::size_t o = p >= 7 ? p - 7 : 0; o <= p && !inside_fill; ++o) {
            inside_fill = o + sizeof(double) <= before.size() &&
                          std::memcmp(before.data() + o, marker_bytes, sizeof(double)) == 0;
        }
        // Or in the 4-byte Fletcher32 checksum that follows a chunk (its last element held
        // the fill value): the chunk's own checksum, never metadata.
        for (std::size_t o = p >= 11 ? p - 11 : 0; o + 8 <= p && !inside_fill; ++o) {
            inside_fill =
                p < o + 12 && std::memcmp(before.data() + o, marker_bytes, sizeof(double)) == 0;
        }
        INFO("byte " << p << " changed outside any fill-valued element or chunk checksum");
        REQUIRE(inside_fill);
    }
    CHECK(changed > (total - 766) * 4);  // most bytes of every written element differ
    f.close();
    H5File r(path, H5File::Mode::read_only);
    std::vector<double> back(total);
    r.read_flat_range("/run/eqe", ElementType::float64, 0, total, back.data());
    CHECK(back[4] == marker);
    CHECK(back[5] == value_at(0));
    CHECK(back[total - 1] == value_at(total - 2001));
}
