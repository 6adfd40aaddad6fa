//! @file progress.hpp (private to the sweep module)
//! Progress on stderr: a redrawn bar with rate and ETA on a terminal, one line every few
//! seconds otherwise, nothing when quiet.
#pragma once

#include <chrono>
#include <cstdint>

namespace relsim::sweep {

class Progress {
public:
    Progress(std::uint64_t total, bool quiet);
    //! `done` points finished (including resumed ones), `computed` of them solved in this run
    //! (the rate and ETA use those), `failed` of them failed.
    void update(std::uint64_t done, std::uint64_t computed, std::uint64_t failed);
    void finish(std::uint64_t done, std::uint64_t computed, std::uint64_t failed);

private:
    void print(std::uint64_t done, std::uint64_t computed, std::uint64_t failed, bool final_line);
    std::uint64_t total_;
    bool printed_ = false;
    bool quiet_;
    bool tty_;
    std::chrono::steady_clock::time_point start_, last_;
};

}  // namespace relsim::sweep
