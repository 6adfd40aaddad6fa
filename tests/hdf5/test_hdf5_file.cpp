// Round trips and error behaviour of relsim::io::H5File.
#include "relsim/core/error.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

using relsim::RunError;
using relsim::io::ElementType;
using relsim::io::H5File;
using relsim::test::TempDir;
using Mode = H5File::Mode;
using Dims = std::vector<std::uint64_t>;

namespace {

std::uint64_t product(const Dims& dims) {
    return std::accumulate(dims.begin(), dims.end(), std::uint64_t{1},
                           [](std::uint64_t a, std::uint64_t b) { return a * b; });
}

std::vector<double> ramp(std::size_t n, double offset = 0.0) {
    std::vector<double> v(n);
    for (std::size_t i = 0; i < n; ++i) {
        v[i] = offset + 0.25 * static_cast<double>(i) - 3.0;
    }
    return v;
}

//! True when `f()` throws a RunError whose message contains every one of `parts`.
template <typename F>
bool throws_run_error_with(F&& f, const std::vector<std::string>& parts) {
    try {
        f();
    } catch (const RunError& e) {
        const std::string what = e.what();
        for (const std::string& part : parts) {
            if (what.find(part) == std::string::npos) {
                FAIL("message '" << what << "' lacks '" << part << "'");
            }
        }
        return true;
    }
    return false;
}

}  // namespace

TEST_CASE("hdf5 scalar datasets round trip", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("scalar.h5");
    {
        H5File f(path, Mode::create_truncate);
        const double x = 2.5e-3;
        const std::int32_t n = -42;
        f.write_doubles("/params/tau", {}, &x, "s");
        f.write_ints("/params/n", {}, &n, "1");
    }
    H5File f(path, Mode::read_only);
    CHECK(f.dims("/params/tau").empty());
    CHECK(f.dims("/params/n").empty());
    CHECK(f.read_doubles("/params/tau") == std::vector<double>{2.5e-3});
    CHECK(f.read_ints("/params/n") == std::vector<std::int32_t>{-42});
    CHECK(f.read_doubles("/params/n") == std::vector<double>{-42.0});  // numeric conversion
    CHECK(f.string_attribute("/params/tau", "units") == "s");
}

TEST_CASE("hdf5 1-D, 2-D and 3-D doubles round trip", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("doubles.h5");
    const std::vector<Dims> shapes = {{7}, {3, 5}, {2, 3, 4}, {1, 1, 1}, {0}, {4, 0}};
    {
        H5File f(path, Mode::create_truncate);
        for (std::size_t i = 0; i < shapes.size(); ++i) {
            const auto data = ramp(product(shapes[i]), static_cast<double>(i));
            f.write_doubles("/d/x" + std::to_string(i), shapes[i], data.data(), "m^-3");
        }
        // Special values survive.
        const std::vector<double> special = {std::numeric_limits<double>::quiet_NaN(),
                                             std::numeric_limits<double>::infinity(), -0.0,
                                             std::numeric_limits<double>::denorm_min(), 1e308};
        f.write_doubles("/d/special", {special.size()}, special.data(), "1");
    }
    H5File f(path, Mode::read_only);
    for (std::size_t i = 0; i < shapes.size(); ++i) {
        const std::string name = "/d/x" + std::to_string(i);
        CHECK(f.dims(name) == shapes[i]);
        CHECK(f.read_doubles(name) == ramp(product(shapes[i]), static_cast<double>(i)));
        CHECK(f.string_attribute(name, "units") == "m^-3");
    }
    const auto special = f.read_doubles("/d/special");
    REQUIRE(special.size() == 5);
    CHECK(std::isnan(special[0]));
    CHECK(special[1] == std::numeric_limits<double>::infinity());
    CHECK(std::signbit(special[2]));
    CHECK(special[3] == std::numeric_limits<double>::denorm_min());
    CHECK(special[4] == 1e308);
}

TEST_CASE("hdf5 int datasets round trip", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("ints.h5");
    const std::vector<std::int32_t> values = {0,
                                              1,
                                              -1,
                                              std::numeric_limits<std::int32_t>::min(),
                                              std::numeric_limits<std::int32_t>::max(),
                                              7};
    {
        H5File f(path, Mode::create_truncate);
        f.write_ints("/i/flat", {6}, values.data(), "1");
        f.write_ints("/i/grid", {2, 3}, values.data(), "count");
    }
    H5File f(path, Mode::read_only);
    CHECK(f.read_ints("/i/flat") == values);
    CHECK(f.read_ints("/i/grid") == values);
    CHECK(f.dims("/i/grid") == Dims{2, 3});
    CHECK(f.string_attribute("/i/grid", "units") == "count");
    // Integer readers refuse floating-point data.
    const double x = 1.5;
    H5File w(tmp.file("mixed.h5"), Mode::create_truncate);
    w.write_doubles("/x", {1}, &x, "1");
    CHECK_THROWS_AS(w.read_ints("/x"), RunError);
    CHECK_THROWS_AS(w.read_bytes("/x"), RunError);
}

TEST_CASE("hdf5 string datasets round trip", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("strings.h5");
    const std::vector<std::string> names = {"Er3+", "Yb3+", "", "µs τ → ∞", std::string(1000, 'x')};
    {
        H5File f(path, Mode::create_truncate);
        f.write_strings("/meta/ions", names);
        f.write_strings("/meta/none", {});
        f.write_strings("/meta/labelled", {"a"}, "label");
        CHECK_THROWS_AS(f.write_strings("/meta/bad", {std::string("a\0b", 3)}), RunError);
    }
    H5File f(path, Mode::read_only);
    CHECK(f.read_strings("/meta/ions") == names);
    CHECK(f.dims("/meta/ions") == Dims{names.size()});
    CHECK(f.read_strings("/meta/none").empty());
    CHECK(f.dims("/meta/none") == Dims{0});
    CHECK(f.string_attribute("/meta/ions", "units") == "1");
    CHECK(f.string_attribute("/meta/labelled", "units") == "label");
    CHECK_THROWS_AS(f.read_doubles("/meta/ions"), RunError);
    CHECK_THROWS_AS(f.read_strings("/meta/missing"), RunError);
}

TEST_CASE("hdf5 attributes of each type on root, groups and datasets", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("attrs.h5");
    {
        H5File f(path, Mode::create_truncate);
        const double x = 1.0;
        f.write_doubles("/g/data", {1}, &x, "W");
        for (const std::string obj : {"/", "/g", "/g/data", "/new/group"}) {
            f.set_attribute(obj, "text", std::string("relsim µ ") + obj);
            f.set_attribute(obj, "real", 6.02214076e23);
            f.set_attribute(obj, "count", std::int64_t{-9'000'000'000});
        }
        // Overwriting, also with another type.
        f.set_attribute("/", "text", std::string("second"));
        f.set_attribute("/g", "real", std::string("now a string"));
        f.set_attribute("/g", "count", 2.5);
        f.set_attribute("/g/data", "units", std::string("mW"));
        // Larger than the 64 KiB object-header limit: dense attribute storage (v1.8 format).
        f.set_attribute("/", "config_toml", std::string(300'000, 'c'));
        CHECK_THROWS_AS(f.set_attribute("/", "bad", std::string("a\0b", 3)), RunError);
        CHECK_THROWS_AS(f.set_attribute("/", "", 1.0), RunError);
    }
    H5File f(path, Mode::read_only);
    CHECK(f.exists("/new/group"));  // set_attribute created it
    CHECK(f.string_attribute("/", "text") == "second");
    CHECK(f.string_attribute("/", "config_toml") == std::string(300'000, 'c'));
    CHECK(f.string_attribute("/g/data", "text") == "relsim µ /g/data");
    CHECK(f.string_attribute("/new/group", "text") == "relsim µ /new/group");
    CHECK(f.double_attribute("/", "real") == 6.02214076e23);
    CHECK(f.int64_attribute("/", "count") == -9'000'000'000);
    CHECK(f.int64_attribute("/g/data", "count") == -9'000'000'000);
    CHECK(f.double_attribute("/g/data", "count") == -9e9);  // integer converts to double
    CHECK(f.string_attribute("/g", "real") == "now a string");
    CHECK(f.double_attribute("/g", "count") == 2.5);
    CHECK(f.string_attribute("/g/data", "units") == "mW");
    CHECK(f.has_attribute("/", "text"));
    CHECK_FALSE(f.has_attribute("/", "absent"));
    CHECK_THROWS_AS(f.has_attribute("/nowhere", "text"), RunError);
    CHECK_THROWS_AS(f.int64_attribute("/g", "count"), RunError);  // a float now
    CHECK_THROWS_AS(f.double_attribute("/", "text"), RunError);
    CHECK_THROWS_AS(f.string_attribute("/", "real"), RunError);
    CHECK(throws_run_error_with([&] { (void)f.string_attribute("/g", "absent"); },
                                {path, "/g", "absent"}));
}

TEST_CASE("hdf5 every dataset carries units", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("units.h5");
    H5File f(path, Mode::create_truncate);
    const double x = 1.0;
    const std::int32_t n = 1;
    f.write_doubles("/a", {}, &x, "nm");
    f.write_ints("/b", {1}, &n, "1");
    f.write_strings("/c", {"s"});
    f.create_chunked("/d", ElementType::float64, {4, 4}, {0, 0}, "cd/m^2", 0.0);
    f.create_chunked("/e", ElementType::uint8, {3}, {0}, "1", 0.0);
    for (const std::string name : {"/a", "/b", "/c", "/d", "/e"}) {
        CHECK(f.has_attribute(name, "units"));
    }
    CHECK(f.string_attribute("/d", "units") == "cd/m^2");
    CHECK_THROWS_AS(f.write_doubles("/z", {}, &x, ""), RunError);
    CHECK_THROWS_AS(f.create_chunked("/z", ElementType::float64, {2}, {0}, "", 0.0), RunError);
    CHECK_FALSE(f.exists("/z"));
}

TEST_CASE("hdf5 exists, absolute paths and intermediate groups", "[hdf5]") {
    TempDir tmp;
    H5File f(tmp.file("paths.h5"), Mode::create_truncate);
    const double x = 3.0;
    f.write_doubles("/a/b/c/d", {1}, &x, "1");
    CHECK(f.exists("/"));
    CHECK(f.exists("/a"));
    CHECK(f.exists("/a/b/c"));
    CHECK(f.exists("/a/b/c/d"));
    CHECK(f.exists("/a/b/c/d/"));
    CHECK_FALSE(f.exists("/a/x"));
    CHECK_FALSE(f.exists("/nope/deeper/still"));
    CHECK_FALSE(f.exists("/a/b/c/d/below_a_dataset"));
    CHECK_THROWS_AS(f.write_doubles("/a/b/c/d/e", {1}, &x, "1"), RunError);
    CHECK_THROWS_AS(f.exists("relative"), RunError);
    CHECK_THROWS_AS(f.write_doubles("relative", {1}, &x, "1"), RunError);
    CHECK_THROWS_AS(f.read_doubles("/a/b"), RunError);  // a group
}

TEST_CASE("hdf5 writing a dataset again replaces it", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("replace.h5");
    H5File f(path, Mode::create_truncate);
    const std::vector<double> d = {1, 2, 3};
    const std::vector<std::int32_t> i = {4, 5};
    f.write_doubles("/x", {3}, d.data(), "m");
    f.write_ints("/x", {2}, i.data(), "s");
    CHECK(f.read_ints("/x") == i);
    CHECK(f.string_attribute("/x", "units") == "s");
    // A flat-range stream is replaced too.
    f.create_chunked("/y", ElementType::float64, {4}, {2}, "1", -1.0);
    f.write_flat_range("/y", ElementType::float64, 0, 2, d.data());
    f.write_doubles("/y", {3}, d.data(), "1");
    CHECK(f.read_doubles("/y") == d);
    CHECK(f.dims("/y") == Dims{3});
    // A group is never replaced by a dataset.
    f.set_attribute("/grp", "k", 1.0);
    CHECK(throws_run_error_with([&] { f.write_doubles("/grp", {3}, d.data(), "1"); },
                                {path, "/grp"}));
    CHECK_THROWS_AS(f.create_chunked("/y", ElementType::float64, {4}, {2}, "1", 0.0), RunError);
}

namespace {

//! Writes random flat ranges into a chunked dataset and an in-memory copy, then compares.
template <typename T>
void check_random_flat_ranges(H5File& f, const std::string& name, ElementType type,
                              const Dims& dims, const Dims& chunks, double fill,
                              std::uint32_t seed) {
    f.create_chunked(name, type, dims, chunks, "1", fill);
    const std::uint64_t total = product(dims);
    std::vector<T> reference(total, static_cast<T>(fill));
    std::vector<bool> written(total, false);
    std::mt19937_64 rng(seed);

    // Fill values before any write.
    std::vector<T> all(total);
    f.read_flat_range(name, type, 0, total, all.data());
    CHECK(all == reference);

    T next = 1;
    auto write = [&](std::uint64_t first, std::uint64_t count) {
        std::vector<T> data(count);
        for (auto& v : data) {
            v = next;
            next = static_cast<T>(next + 1);
            if (next == static_cast<T>(fill) || next == 0) {
                next = 1;
            }
        }
        f.write_flat_range(name, type, first, count, data.data());
        std::copy(data.begin(), data.end(), reference.begin() + static_cast<std::ptrdiff_t>(first));
        std::fill(written.begin() + static_cast<std::ptrdiff_t>(first),
                  written.begin() + static_cast<std::ptrdiff_t>(first + count), true);
    };
    for (int round = 0; round < 60; ++round) {
        const std::uint64_t first = rng() % (total + 1);
        const std::uint64_t count = rng() % (total - first + 1);
        write(first, count);
        if (round % 10 == 0) {  // read a random range back as well
            const std::uint64_t rf = rng() % (total + 1);
            const std::uint64_t rc = rng() % (total - rf + 1);
            std::vector<T> part(rc);
            f.read_flat_range(name, type, rf, rc, part.data());
            CHECK(std::equal(part.begin(), part.end(),
                             reference.begin() + static_cast<std::ptrdiff_t>(rf)));
        }
        if (round == 30) {
            f.flush();
        }
    }
    write(0, 0);          // nothing at the start
    write(total, 0);      // nothing at the end
    write(total - 1, 1);  // the last element alone
    f.read_flat_range(name, type, 0, total, all.data());
    CHECK(all == reference);
    // Whole-dataset reads agree with the flat reads.
    if constexpr (std::is_same_v<T, double>) {
        CHECK(f.read_doubles(name) == reference);
    } else if constexpr (std::is_same_v<T, std::int32_t>) {
        CHECK(f.read_ints(name) == reference);
    } else {
        CHECK(f.read_bytes(name) == reference);
    }
    // One write covering everything.
    std::vector<T> everything(total);
    for (std::uint64_t i = 0; i < total; ++i) {
        everything[i] = static_cast<T>(i % 100 + 2);
    }
    f.write_flat_range(name, type, 0, total, everything.data());
    f.read_flat_range(name, type, 0, total, all.data());
    CHECK(all == everything);
}

}  // namespace

TEST_CASE("hdf5 write_flat_range matches an in-memory reference", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("flat.h5");
    H5File f(path, Mode::create_truncate);
    SECTION("3-D doubles, small explicit chunks") {
        check_random_flat_ranges<double>(f, "/r/eqe", ElementType::float64, {5, 7, 11}, {2, 3, 4},
                                         -1.0, 1);
    }
    SECTION("3-D doubles, automatic chunks") {
        check_random_flat_ranges<double>(f, "/r/eqe", ElementType::float64, {6, 9, 13}, {0, 0, 0},
                                         -2.0, 2);
    }
    SECTION("3-D doubles, partly automatic chunks") {
        check_random_flat_ranges<double>(f, "/r/eqe", ElementType::float64, {4, 300, 5}, {1, 0, 99},
                                         -3.0, 3);
    }
    SECTION("3-D int32") {
        check_random_flat_ranges<std::int32_t>(f, "/r/status", ElementType::int32, {3, 4, 5},
                                               {2, 2, 2}, -1.0, 4);
    }
    SECTION("3-D uint8") {
        check_random_flat_ranges<std::uint8_t>(f, "/r/flags", ElementType::uint8, {4, 5, 6},
                                               {0, 0, 0}, 255.0, 5);
    }
    SECTION("1-D, 2-D, 4-D and 5-D doubles") {
        check_random_flat_ranges<double>(f, "/r/d1", ElementType::float64, {97}, {10}, -1.0, 6);
        check_random_flat_ranges<double>(f, "/r/d2", ElementType::float64, {13, 17}, {4, 5}, -1.0,
                                         7);
        check_random_flat_ranges<double>(f, "/r/d4", ElementType::float64, {3, 4, 5, 6},
                                         {2, 3, 2, 4}, -1.0, 8);
        check_random_flat_ranges<double>(f, "/r/d5", ElementType::float64, {2, 3, 2, 3, 2},
                                         {1, 2, 2, 2, 1}, -1.0, 9);
    }
}

TEST_CASE("hdf5 fill values are visible where nothing was written", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("fill.h5");
    {
        H5File f(path, Mode::create_truncate);
        f.create_chunked("/nan", ElementType::float64, {3, 4}, {0, 0}, "1",
                         std::numeric_limits<double>::quiet_NaN());
        f.create_chunked("/neg", ElementType::int32, {10}, {3}, "1", -7.0);
        f.create_chunked("/ff", ElementType::uint8, {2, 2, 2}, {1, 1, 1}, "1", 255.0);
        const std::vector<double> two = {1.0, 2.0};
        f.write_flat_range("/nan", ElementType::float64, 3, 2, two.data());  // crosses a row
        const std::int32_t one = 5;
        f.write_flat_range("/neg", ElementType::int32, 9, 1, &one);
    }
    H5File f(path, Mode::read_only);
    const auto nan = f.read_doubles("/nan");
    for (std::size_t i = 0; i < nan.size(); ++i) {
        if (i == 3 || i == 4) {
            CHECK(nan[i] == static_cast<double>(i - 2));
        } else {
            CHECK(std::isnan(nan[i]));
        }
    }
    CHECK(f.read_ints("/neg") == std::vector<std::int32_t>{-7, -7, -7, -7, -7, -7, -7, -7, -7, 5});
    CHECK(f.read_bytes("/ff") == std::vector<std::uint8_t>(8, 255));
}

TEST_CASE("hdf5 create_chunked edge cases", "[hdf5]") {
    TempDir tmp;
    H5File f(tmp.file("edge.h5"), Mode::create_truncate);
    SECTION("scalar dataset") {
        f.create_chunked("/s", ElementType::float64, {}, {}, "K", 4.0);
        double v = 0;
        f.read_flat_range("/s", ElementType::float64, 0, 1, &v);
        CHECK(v == 4.0);
        const double w = 9.5;
        f.write_flat_range("/s", ElementType::float64, 0, 1, &w);
        f.write_flat_range("/s", ElementType::float64, 1, 0, &w);
        CHECK(f.read_doubles("/s") == std::vector<double>{9.5});
        CHECK(f.dims("/s").empty());
        CHECK_THROWS_AS(f.write_flat_range("/s", ElementType::float64, 1, 1, &w), RunError);
    }
    SECTION("zero-length dimension") {
        f.create_chunked("/z", ElementType::int32, {0, 5}, {0, 0}, "1", 0.0);
        CHECK(f.dims("/z") == Dims{0, 5});
        f.write_flat_range("/z", ElementType::int32, 0, 0, nullptr);
        CHECK(f.read_ints("/z").empty());
    }
    SECTION("chunk dims larger than the dataset are clipped") {
        f.create_chunked("/c", ElementType::float64, {3, 2}, {100, 100}, "1", 1.0);
        CHECK(f.read_doubles("/c") == std::vector<double>(6, 1.0));
    }
    SECTION("bad arguments") {
        CHECK_THROWS_AS(f.create_chunked("/b", ElementType::int32, {3}, {0}, "1", 0.5), RunError);
        CHECK_THROWS_AS(f.create_chunked("/b", ElementType::int32, {3}, {0}, "1", 3e9), RunError);
        CHECK_THROWS_AS(f.create_chunked("/b", ElementType::uint8, {3}, {0}, "1", -1.0), RunError);
        CHECK_THROWS_AS(f.create_chunked("/b", ElementType::uint8, {3}, {0}, "1",
                                         std::numeric_limits<double>::quiet_NaN()),
                        RunError);
        CHECK_THROWS_AS(f.create_chunked("/b", ElementType::float64, {3, 3}, {0}, "1", 0.0),
                        RunError);
        CHECK_THROWS_AS(
            f.create_chunked("/b", ElementType::float64, Dims(33, 1), Dims(33, 0), "1", 0.0),
            RunError);
        CHECK_FALSE(f.exists("/b"));
    }
}

TEST_CASE("hdf5 flat ranges outside the dataset are refused", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("range.h5");
    H5File f(path, Mode::create_truncate);
    f.create_chunked("/r/x", ElementType::float64, {2, 3}, {0, 0}, "1", 0.0);
    std::vector<double> buf(10, 1.0);
    CHECK(throws_run_error_with(
        [&] { f.write_flat_range("/r/x", ElementType::float64, 4, 3, buf.data()); },
        {path, "/r/x", "[4, 7)"}));
    CHECK_THROWS_AS(f.write_flat_range("/r/x", ElementType::float64, 7, 0, buf.data()), RunError);
    CHECK_THROWS_AS(f.read_flat_range("/r/x", ElementType::float64, 0, 7, buf.data()), RunError);
    CHECK_THROWS_AS(f.write_flat_range("/r/x", ElementType::float64,
                                       std::numeric_limits<std::uint64_t>::max(), 2, buf.data()),
                    RunError);
    CHECK_THROWS_AS(f.write_flat_range("/r/missing", ElementType::float64, 0, 1, buf.data()),
                    RunError);
    f.write_flat_range("/r/x", ElementType::float64, 0, 6, buf.data());  // exactly everything
}

TEST_CASE("hdf5 reopen read-write and continue writing", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("resume.h5");
    const Dims dims = {4, 6, 5};
    const std::uint64_t total = product(dims);
    const auto values = ramp(total);
    {
        H5File f(path, Mode::create_truncate);
        f.set_attribute("/", "state", std::string("running"));
        f.create_chunked("/r/eqe", ElementType::float64, dims, {0, 0, 0}, "1", -1.0);
        f.write_flat_range("/r/eqe", ElementType::float64, 0, 47, values.data());
        f.set_attribute("/r", "done", std::int64_t{47});
    }
    {
        H5File f(path, Mode::read_write);
        CHECK(f.string_attribute("/", "state") == "running");
        const auto done = static_cast<std::uint64_t>(f.int64_attribute("/r", "done"));
        REQUIRE(done == 47);
        std::vector<double> head(done);
        f.read_flat_range("/r/eqe", ElementType::float64, 0, done, head.data());
        CHECK(std::equal(head.begin(), head.end(), values.begin()));
        double next = 0;
        f.read_flat_range("/r/eqe", ElementType::float64, done, 1, &next);
        CHECK(next == -1.0);
        f.write_flat_range("/r/eqe", ElementType::float64, done, total - done,
                           values.data() + done);
        f.set_attribute("/r", "done", static_cast<std::int64_t>(total));
        f.set_attribute("/", "state", std::string("finished"));
        f.flush();
    }
    H5File f(path, Mode::read_only);
    CHECK(f.read_doubles("/r/eqe") == values);
    CHECK(f.int64_attribute("/r", "done") == static_cast<std::int64_t>(total));
    CHECK(f.string_attribute("/", "state") == "finished");
}

TEST_CASE("hdf5 read-only files refuse writes", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("ro.h5");
    {
        H5File f(path, Mode::create_truncate);
        f.create_chunked("/x", ElementType::float64, {4}, {0}, "1", 0.0);
    }
    H5File f(path, Mode::read_only);
    const double v = 1.0;
    CHECK(throws_run_error_with([&] { f.write_doubles("/y", {1}, &v, "1"); },
                                {path, "/y", "read-only"}));
    CHECK_THROWS_AS(f.write_flat_range("/x", ElementType::float64, 0, 1, &v), RunError);
    CHECK_THROWS_AS(f.set_attribute("/", "a", 1.0), RunError);
    f.flush();  // allowed, does nothing
}

TEST_CASE("hdf5 opening a missing or foreign file throws RunError naming the path", "[hdf5]") {
    TempDir tmp;
    const std::string missing = tmp.file("does-not-exist.h5");
    CHECK(throws_run_error_with([&] { H5File f(missing, Mode::read_only); }, {missing}));
    CHECK(throws_run_error_with([&] { H5File f(missing, Mode::read_write); }, {missing}));
    const std::string foreign = tmp.file("foreign.h5");
    std::ofstream(foreign) << "this is not an HDF5 file\n";
    CHECK(throws_run_error_with([&] { H5File f(foreign, Mode::read_only); }, {foreign, "HDF5:"}));
    const std::string nodir = tmp.file("no/such/dir/x.h5");
    CHECK(throws_run_error_with([&] { H5File f(nodir, Mode::create_truncate); }, {nodir}));
}

TEST_CASE("hdf5 create_truncate replaces an existing file", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("trunc.h5");
    const double v = 1.0;
    {
        H5File f(path, Mode::create_truncate);
        f.write_doubles("/old", {1}, &v, "1");
    }
    H5File f(path, Mode::create_truncate);
    CHECK_FALSE(f.exists("/old"));
}

TEST_CASE("hdf5 close, move and use after close", "[hdf5]") {
    TempDir tmp;
    const std::string path = tmp.file("life.h5");
    H5File f(path, Mode::create_truncate);
    f.create_chunked("/x", ElementType::float64, {3}, {0}, "1", 0.0);
    const double v = 2.0;
    f.write_flat_range("/x", ElementType::float64, 1, 1, &v);
    H5File g(std::move(f));
    CHECK(g.path() == path);
    CHECK(f.path().empty());  // NOLINT(bugprone-use-after-move): moved-from state is defined
    CHECK_THROWS_AS(f.flush(), RunError);
    g.close();
    g.close();  // idempotent
    CHECK(g.path() == path);
    CHECK(throws_run_error_with([&] { (void)g.read_doubles("/x"); }, {path, "closed"}));
    CHECK_THROWS_AS(g.flush(), RunError);
    H5File h(path, Mode::read_only);
    CHECK(h.read_doubles("/x") == std::vector<double>{0.0, 2.0, 0.0});
    const std::string other_path = tmp.file("other.h5");
    h = H5File(other_path, Mode::create_truncate);  // move assignment closes the old file
    CHECK(h.path() == other_path);
    H5File again(path, Mode::read_write);  // possible only once the old handle is closed
    again.write_flat_range("/x", ElementType::float64, 0, 1, &v);
}

TEST_CASE("hdf5 publish_file renames the partial file", "[hdf5]") {
    TempDir tmp;
    const std::string partial = tmp.file("run.h5.partial");
    const std::string final_path = tmp.file("run.h5");
    {
        H5File f(partial, Mode::create_truncate);
        f.set_attribute("/", "state", std::string("done"));
    }
    std::ofstream(final_path) << "stale";  // replaced atomically
    relsim::io::publish_file(partial, final_path);
    CHECK_FALSE(std::filesystem::exists(partial));
    H5File f(final_path, Mode::read_only);
    CHECK(f.string_attribute("/", "state") == "done");
    CHECK(throws_run_error_with([&] { relsim::io::publish_file(partial, final_path); },
                                {partial, final_path}));
}
