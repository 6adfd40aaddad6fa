//! @file progress.cpp
#include "progress.hpp"

#include <fmt/core.h>
#include <unistd.h>

#include <cstdio>
#include <string>

namespace relsim::sweep {

Progress::Progress(std::uint64_t total, bool quiet)
    : total_(total),
      quiet_(quiet),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

void Progress::update(std::uint64_t done, std::uint64_t computed, std::uint64_t failed) {
    if (quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    const double since = std::chrono::duration<double>(now - last_).count();
    if (since < (tty_ ? 0.2 : 5.0)) return;
    last_ = now;
    print(done, computed, failed, false);
}

void Progress::finish(std::uint64_t done, std::uint64_t computed, std::uint64_t failed) {
    // A run too short for any progress line gets none at the end either.
    if (quiet_ || !printed_) return;
    print(done, computed, failed, true);
}

void Progress::print(std::uint64_t done, std::uint64_t computed, std::uint64_t failed,
                     bool final_line) {
    printed_ = true;
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = elapsed > 0 ? static_cast<double>(computed) / elapsed : 0.0;
    const double eta = rate > 0 ? static_cast<double>(total_ - done) / rate : 0.0;
    const double frac = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
    if (tty_) {
        constexpr int width = 30;
        const int filled = static_cast<int>(frac * width);
        std::string bar(static_cast<std::size_t>(filled), '#');
        bar.resize(width, '.');
        fmt::print(stderr,
                   "\r[{}] {:5.1f}%  {}/{} points  {:.3g} pt/s  ETA {:.0f} s  failed {}   {}", bar,
                   100 * frac, done, total_, rate, eta, failed, final_line ? "\n" : "");
    } else {
        fmt::print(stderr,
                   "progress: {}/{} points ({:.1f}%), {:.3g} points/s, ETA {:.0f} s, {} failed\n",
                   done, total_, 100 * frac, rate, eta, failed);
    }
    std::fflush(stderr);
}

}  // namespace relsim::sweep
