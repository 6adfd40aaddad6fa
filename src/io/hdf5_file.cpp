//! @file hdf5_file.cpp
//! relsim's only user of the HDF5 C API (see hdf5_file.hpp for the contract). All hid_t live in
//! Handle objects, which close them; every HDF5 call is checked and a failure becomes a
//! relsim::RunError carrying the file, the object, what failed and HDF5's error stack.
//! This file: opening, closing and flushing a file, content checksums, publishing a finished
//! file. The rest: hdf5_handles.cpp (handles, errors, helpers), hdf5_attributes.cpp,
//! hdf5_chunked_io.cpp; shared declarations in detail/hdf5_detail.hpp.
#include "detail/hdf5_detail.hpp"

#include <fcntl.h>
#include <unistd.h>

namespace relsim::io {

H5File::H5File(const std::string& path, Mode mode) : impl_(std::make_unique<Impl>()) {
    impl_->path = path;
    impl_->mode = mode;
    silence_hdf5_error_printing();
    const Where w = impl_->where();
    Handle fapl =
        w.handle(H5Pcreate(H5P_FILE_ACCESS), H5Pclose, "cannot create a file access property list");
    // v1.8 format at least: no persistent "open for writing" flag (see header).
    w.check(H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST),
            "cannot set the library version bounds");
    // Lock as usual, but do not fail on file systems without locking support.
    w.check(H5Pset_file_locking(fapl.get(), 1, 1), "cannot configure file locking");
    hid_t id = H5I_INVALID_HID;
    switch (mode) {
        case Mode::create_truncate:
            id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
            if (id < 0) {
                w.fail("cannot create the file");
            }
            break;
        case Mode::read_write:
        case Mode::read_only: {
            std::error_code ec;
            if (!std::filesystem::exists(path, ec)) {
                (void)H5Eclear2(H5E_DEFAULT);
                w.fail_plain(ec ? fmt::format("cannot open the file: {}", ec.message())
                                : std::string("cannot open the file: it does not exist"));
            }
            id = H5Fopen(path.c_str(), mode == Mode::read_only ? H5F_ACC_RDONLY : H5F_ACC_RDWR,
                         fapl.get());
            if (id < 0) {
                w.fail(mode == Mode::read_only ? "cannot open the file read-only"
                                               : "cannot open the file read-write");
            }
            break;
        }
    }
    impl_->file = Handle(id, H5Fclose);
}

H5File::~H5File() {
    try {
        close();
    } catch (...) {  // NOLINT(bugprone-empty-catch): a destructor must not throw
    }
}

H5File::H5File(H5File&&) noexcept = default;

H5File& H5File::operator=(H5File&& other) noexcept {
    if (this != &other) {
        try {
            close();
        } catch (...) {  // NOLINT(bugprone-empty-catch): as in the destructor
        }
        impl_ = std::move(other.impl_);
    }
    return *this;
}

std::string content_checksum_of(const std::vector<std::string>& values) {
    Fnv1a64 h;
    for (const std::string& v : values) {
        h.add_u64(v.size());
        h.add(v.data(), v.size());
    }
    return h.text();
}

std::string content_checksum_of(const std::vector<double>& values) {
    return numeric_checksum(values.data(), values.size());
}

const std::string& H5File::path() const noexcept { return impl_ ? impl_->path : no_path(); }

bool H5File::exists(const std::string& object_path) const {
    if (!impl_) {
        moved_from();
    }
    return impl_->exists(object_path);
}

void H5File::flush() {
    if (!impl_) {
        moved_from();
    }
    impl_->require_open({});
    impl_->where().check(H5Fflush(impl_->file.get(), H5F_SCOPE_GLOBAL), "cannot flush the file");
}

void H5File::close() {
    if (!impl_ || !impl_->file.valid()) {
        return;
    }
    const Where w = impl_->where();
    bool failed = false;
    for (auto& entry : impl_->streams) {
        failed = entry.second.close() < 0 || failed;
    }
    impl_->streams.clear();
    impl_->stored_chunks.clear();
    failed = impl_->file.close() < 0 || failed;
    if (failed) {
        w.fail("cannot close the file cleanly (buffered data may be lost)");
    }
}

void publish_file(const std::string& partial_path, const std::string& final_path) {
    auto fail = [&](std::string_view what, const std::string& reason) {
        throw RunError(fmt::format("cannot publish '{}' as '{}': {}: {}", partial_path, final_path,
                                   what, reason));
    };
    auto errno_text = [](int err) { return std::generic_category().message(err); };
    // Data on disk before the rename makes it visible under the final name.
    const int fd = ::open(partial_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fail("cannot open the file", errno_text(errno));
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        (void)::close(fd);
        fail("fsync failed", errno_text(err));
    }
    (void)::close(fd);
    std::error_code ec;
    std::filesystem::rename(partial_path, final_path, ec);
    if (ec) {
        fail("rename failed", ec.message());
    }
    // Best effort: persist the directory entry.
    std::filesystem::path dir = std::filesystem::path(final_path).parent_path();
    if (dir.empty()) {
        dir = ".";
    }
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        (void)::close(dfd);
    }
}

}  // namespace relsim::io
