//! @file output_path.cpp
#include "output_path.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <vector>

#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"
#include "relsim/sweep/sweep_runner.hpp"

namespace relsim::app {
namespace fs = std::filesystem;

namespace {

[[noreturn]] void refuse(const std::string& problem, const std::string& allowed) {
    throw InputError("", 0, 0, "-o", problem, allowed);
}

std::string os_error(int err) { return std::generic_category().message(err); }

const char* kind_of(mode_t m) {
    if (S_ISDIR(m)) return "a folder";
    if (S_ISCHR(m)) return "a character device";
    if (S_ISBLK(m)) return "a block device";
    if (S_ISFIFO(m)) return "a FIFO (named pipe)";
    if (S_ISSOCK(m)) return "a socket";
    return "not a regular file";
}

//! The input files a run reads: the config, every ion file, the CIE table.
std::vector<std::string> inputs_of(const io::RunConfig& cfg) {
    std::vector<std::string> in{cfg.path};
    for (const auto& d : cfg.model.dopants) {
        if (!d.scheme.source_file.empty()) in.push_back(d.scheme.source_file);
    }
    if (const char* dir = std::getenv("RELSIM_DATA_DIR")) {
        in.push_back(std::string(dir) + "/cie1931_2deg_1nm.csv");
    } else {
        in.push_back(std::string(build_info::source_dir) + "/data/cie1931_2deg_1nm.csv");
    }
    return in;
}

bool same_file(const std::string& a, const std::string& b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec)) return fs::equivalent(a, b, ec) && !ec;
    return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

std::string megabytes(double bytes) { return fmt::format("{:.1f} MB", bytes / 1e6); }

}  // namespace

OutputClaim::OutputClaim(OutputClaim&& o) noexcept
    : lock_path_(std::move(o.lock_path_)), fd_(std::exchange(o.fd_, -1)) {}

OutputClaim& OutputClaim::operator=(OutputClaim&& o) noexcept {
    if (this != &o) {
        release();
        lock_path_ = std::move(o.lock_path_);
        fd_ = std::exchange(o.fd_, -1);
    }
    return *this;
}

OutputClaim::~OutputClaim() { release(); }

void OutputClaim::release() noexcept {
    if (fd_ < 0) return;
    // Unlinked while still locked: a run waiting on this inode sees it is stale and retries.
    (void)::unlink(lock_path_.c_str());
    (void)::close(fd_);
    fd_ = -1;
}

std::vector<std::string> input_files_of(const io::RunConfig& cfg) { return inputs_of(cfg); }

OutputClaim prepare_output(const std::string& output, const io::RunConfig& cfg, bool resume) {
    return claim_output(output, inputs_of(cfg), resume,
                        resume ? 0.0 : static_cast<double>(sweep::estimated_output_bytes(cfg)));
}

OutputClaim claim_output(const std::string& output, const std::vector<std::string>& inputs,
                         bool resume, double need_bytes) {
    if (output.empty()) refuse("the output file name is empty", "a file name such as out.h5");
    if (output.back() == '/') {
        refuse("'" + output + "' names a folder, not a file",
               "a file name such as " + output + "out.h5");
    }
    struct stat st {};
    if (::stat(output.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        refuse(fmt::format("'{}' is {}", output, kind_of(st.st_mode)),
               "a regular file (existing or new) in an existing folder");
    }
    const fs::path out_dir = fs::absolute(output).parent_path();
    std::error_code ec;
    if (!fs::is_directory(out_dir, ec)) {
        refuse("the output folder " + out_dir.string() + " does not exist",
               "a file in an existing folder");
    }
    const std::string partial = output + ".partial";
    const std::string lock = output + ".lock";
    for (const std::string& in : inputs) {
        for (const std::string& mine : {output, partial, partial + ".creating", lock}) {
            if (same_file(mine, in)) {
                refuse(fmt::format("'{}' is an input of this run ({}); writing it would destroy it",
                                   mine, in),
                       "an output name different from the config, ion and data files");
            }
        }
    }
    if (::stat(partial.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        refuse(fmt::format("'{}' is {}", partial, kind_of(st.st_mode)), "a regular file");
    }

    // Claim: create the lock file (this also proves files can be created in the folder).
    int fd = -1;
    for (int attempt = 0; attempt < 16; ++attempt) {
        fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0) {
            const int err = errno;
            refuse(fmt::format("cannot create files in the output folder {}: {} (creating {})",
                               out_dir.string(), os_error(err), lock),
                   "a folder this user can write to");
        }
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            const int err = errno;
            char buf[64] = {};
            const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
            (void)::close(fd);
            if (err == EWOULDBLOCK) {
                std::string who = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
                while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
                refuse(fmt::format("'{}' is being written by another relsim run{}; nothing was "
                                   "done",
                                   output, who.empty() ? "" : " (pid " + who + ")"),
                       "wait for that run to end, or choose another -o");
            }
            refuse(fmt::format("cannot lock {}: {}", lock, os_error(err)),
                   "a file system with flock(2) support");
        }
        struct stat by_fd {
        }, by_name{};
        if (::fstat(fd, &by_fd) == 0 && ::stat(lock.c_str(), &by_name) == 0 &&
            by_fd.st_ino == by_name.st_ino && by_fd.st_dev == by_name.st_dev) {
            break;  // the lock is on the file that carries the name
        }
        (void)::close(fd);  // released and unlinked by its previous holder meanwhile: retry
        fd = -1;
    }
    if (fd < 0) refuse("cannot claim " + lock + " (it keeps being replaced)", "a quiet folder");
    OutputClaim claim(lock, fd);
    const std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
        // Only the message to a second run suffers; the lock itself is held.
    }

    if (!resume && need_bytes > 0.0) {
        struct statvfs vfs {};
        if (::statvfs(out_dir.c_str(), &vfs) == 0) {
            const double free_bytes =
                static_cast<double>(vfs.f_bavail) * static_cast<double>(vfs.f_frsize);
            const double need = need_bytes;
            if (free_bytes < need) {
                refuse(fmt::format("the output folder {} has {} free; this run's file needs "
                                   "about {}",
                                   out_dir.string(), megabytes(free_bytes), megabytes(need)),
                       "an output folder with enough free space, or a smaller sweep");
            }
        }
    }
    return claim;
}

}  // namespace relsim::app
