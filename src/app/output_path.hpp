//! @file output_path.hpp (private to the relsim program)
//! Everything `relsim run` checks and claims about `-o OUT.h5` before it computes anything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "relsim/io/config.hpp"

namespace relsim::app {

//! Exclusive claim on an output name: an flock(2) on `OUT.h5.lock`, held until destruction
//! (or the process's death, kill -9 included: the kernel drops the lock). The lock file is
//! removed on release; one left by a killed run is harmless and reused.
class OutputClaim {
public:
    OutputClaim() = default;
    OutputClaim(std::string lock_path, int fd) : lock_path_(std::move(lock_path)), fd_(fd) {}
    OutputClaim(OutputClaim&& o) noexcept;
    OutputClaim& operator=(OutputClaim&& o) noexcept;
    OutputClaim(const OutputClaim&) = delete;
    OutputClaim& operator=(const OutputClaim&) = delete;
    ~OutputClaim();
    [[nodiscard]] bool held() const noexcept { return fd_ >= 0; }

private:
    void release() noexcept;
    std::string lock_path_;
    int fd_ = -1;
};

//! Checks `output` for `cfg` and claims it; throws relsim::InputError (exit 2, nothing
//! written) when
//!  - it names a folder, a device, a FIFO or a socket, or is in a folder that does not exist;
//!  - it, its `.partial` or its lock file is the config or a file the config reads (ion files,
//!    the CIE table);
//!  - files cannot be created in its folder (read-only, no permission);
//!  - another relsim run holds it (same -o at the same time);
//!  - the folder's file system has less free space than the file needs (estimate from the
//!    layout; skipped with --resume, whose file already has its space).
[[nodiscard]] OutputClaim prepare_output(const std::string& output, const io::RunConfig& cfg,
                                         bool resume);

//! The same checks and claim for any command that writes `output` (relsim fit): `inputs` are the
//! files it reads (refused as output names), `need_bytes` the estimated file size (the free-space
//! check; 0 skips it).
[[nodiscard]] OutputClaim claim_output(const std::string& output,
                                       const std::vector<std::string>& inputs, bool resume,
                                       double need_bytes);

//! The files `relsim run` of `cfg` reads: the config, its ion files, the CIE table.
[[nodiscard]] std::vector<std::string> input_files_of(const io::RunConfig& cfg);

}  // namespace relsim::app
