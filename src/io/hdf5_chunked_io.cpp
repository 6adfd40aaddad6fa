//! @file hdf5_chunked_io.cpp
//! H5File's datasets: whole-dataset writes and reads, the dataset listing, chunked datasets
//! and flat-range (chunked, streamed) I/O.
#include "detail/hdf5_detail.hpp"

namespace relsim::io {

void H5File::write_doubles(const std::string& path, const std::vector<std::uint64_t>& dims,
                           const double* data, const std::string& units) {
    if (!impl_) {
        moved_from();
    }
    impl_->write_dataset(path, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, data, units,
                         numeric_checksum(data, element_count(dims)));
}

void H5File::write_ints(const std::string& path, const std::vector<std::uint64_t>& dims,
                        const std::int32_t* data, const std::string& units) {
    if (!impl_) {
        moved_from();
    }
    impl_->write_dataset(path, dims, H5T_STD_I32LE, H5T_NATIVE_INT32, data, units,
                         numeric_checksum(data, element_count(dims)));
}

void H5File::write_strings(const std::string& path, const std::vector<std::string>& values,
                           const std::string& units) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const std::string& value : values) {
        require_no_nul(w, value, "a string");
        pointers.push_back(value.c_str());
    }
    Handle type = vlen_utf8_type(w);
    impl_->write_dataset(path, {values.size()}, type.get(), type.get(), pointers.data(), units,
                         content_checksum_of(values));
}

std::string H5File::content_checksum(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    Handle dset = impl_->open_dataset(path);
    Handle type = w.handle(H5Dget_type(dset.get()), H5Tclose, "cannot get the type");
    if (H5Tget_class(type.get()) == H5T_STRING) return content_checksum_of(read_strings(path));
    return content_checksum_of(read_doubles(path));
}

std::vector<double> H5File::read_doubles(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    return impl_->read_numeric<double>(path, H5T_NATIVE_DOUBLE, true);
}

std::vector<std::int32_t> H5File::read_ints(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    return impl_->read_numeric<std::int32_t>(path, H5T_NATIVE_INT32, false);
}

std::vector<std::uint8_t> H5File::read_bytes(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    return impl_->read_numeric<std::uint8_t>(path, H5T_NATIVE_UINT8, false);
}

std::vector<std::string> H5File::read_strings(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    Handle dset = impl_->open_dataset(path);
    Handle type = w.handle(H5Dget_type(dset.get()), H5Tclose, "cannot get the type");
    Handle space = w.handle(H5Dget_space(dset.get()), H5Sclose, "cannot get the dataspace");
    return read_string_values(w, type.get(), space.get(), [&](hid_t mem, void* buffer) {
        return H5Dread(dset.get(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
    });
}

std::vector<std::uint64_t> H5File::dims(const std::string& path) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    Handle dset = impl_->open_dataset(path);
    Handle space = w.handle(H5Dget_space(dset.get()), H5Sclose, "cannot get the dataspace");
    return extents_of(w, space.get());
}

std::vector<H5File::DatasetInfo> H5File::datasets() const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where();
    impl_->require_open({});
    std::vector<std::string> names;
    auto visit = [](hid_t, const char* name, const H5O_info_t* info, void* data) -> herr_t {
        if (info->type == H5O_TYPE_DATASET) {
            static_cast<std::vector<std::string>*>(data)->push_back(std::string("/") + name);
        }
        return 0;
    };
    w.check(H5Ovisit2(impl_->file.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &names, H5O_INFO_BASIC),
            "cannot list the datasets");
    std::vector<DatasetInfo> out;
    for (const std::string& n : names) {
        const Where wd = impl_->where(n);
        Handle dset = impl_->open_dataset(n);
        Handle type = wd.handle(H5Dget_type(dset.get()), H5Tclose, "cannot get the type");
        Handle space = wd.handle(H5Dget_space(dset.get()), H5Sclose, "cannot get the dataspace");
        Handle dcpl = wd.handle(H5Dget_create_plist(dset.get()), H5Pclose,
                                "cannot get the creation property list");
        DatasetInfo d;
        d.path = n;
        d.dims = extents_of(wd, space.get());
        const H5T_class_t cls = H5Tget_class(type.get());
        d.kind = cls == H5T_FLOAT     ? DatasetInfo::Kind::floating
                 : cls == H5T_INTEGER ? DatasetInfo::Kind::integer
                 : cls == H5T_STRING  ? DatasetInfo::Kind::string
                                      : DatasetInfo::Kind::other;
        const int nfilters = H5Pget_nfilters(dcpl.get());
        for (int i = 0; i < nfilters; ++i) {
            unsigned flags = 0;
            std::size_t nelem = 0;
            char fname[32];
            unsigned config = 0;
            if (H5Pget_filter2(dcpl.get(), static_cast<unsigned>(i), &flags, &nelem, nullptr,
                               sizeof fname, fname, &config) == H5Z_FILTER_FLETCHER32) {
                d.checksummed = true;
            }
        }
        out.push_back(std::move(d));
    }
    return out;
}

void H5File::create_chunked(const std::string& path, ElementType type,
                            const std::vector<std::uint64_t>& dims,
                            const std::vector<std::uint64_t>& chunk_dims, const std::string& units,
                            double fill_value) {
    if (!impl_) {
        moved_from();
    }
    Impl& im = *impl_;
    const Where w = im.where(path);
    im.require_writable(path);
    require_absolute(w);
    if (units.empty()) {
        w.fail_plain("units must not be empty (use \"1\" for dimensionless)");
    }
    if (chunk_dims.size() != dims.size()) {
        w.fail_plain(fmt::format("{} chunk dimensions given for a dataset of rank {}",
                                 chunk_dims.size(), dims.size()));
    }
    if (im.exists(path)) {
        w.fail_plain("already exists");
    }

    // The fill value in the element type, exactly.
    double as_double = fill_value;
    std::int32_t as_int32 = 0;
    std::uint8_t as_uint8 = 0;
    const void* fill = &as_double;
    auto representable = [&](double lo, double hi) {
        return std::isfinite(fill_value) && std::trunc(fill_value) == fill_value &&
               fill_value >= lo && fill_value <= hi;
    };
    if (type == ElementType::int32) {
        if (!representable(std::numeric_limits<std::int32_t>::min(),
                           std::numeric_limits<std::int32_t>::max())) {
            w.fail_plain(fmt::format("fill value {} is not an int32", fill_value));
        }
        as_int32 = static_cast<std::int32_t>(fill_value);
        fill = &as_int32;
    } else if (type == ElementType::uint8) {
        if (!representable(0, 255)) {
            w.fail_plain(fmt::format("fill value {} is not a uint8", fill_value));
        }
        as_uint8 = static_cast<std::uint8_t>(fill_value);
        fill = &as_uint8;
    }

    Handle space = dataspace(w, dims);
    Handle dcpl = dataset_create_plist(w);
    const bool chunked =
        !dims.empty() && std::none_of(dims.begin(), dims.end(), [](auto d) { return d == 0; });
    Handle dapl;
    if (chunked) {
        const std::vector<hsize_t> chunk = choose_chunk_dims(dims, chunk_dims, element_size(type));
        w.check(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
                fmt::format("cannot set chunk dimensions {}",
                            join_dims(std::vector<std::uint64_t>(chunk.begin(), chunk.end()))));
        dapl = streaming_access_plist(w, dims, chunk, element_size(type));
        // A checksum per chunk, verified on every read (a torn or damaged chunk is an error,
        // not silent wrong numbers). Its output size is fixed (chunk + 4 bytes), so rewriting
        // a chunk keeps its file address and the chunk index is never changed by a write.
        w.check(H5Pset_fletcher32(dcpl.get()), "cannot set the Fletcher32 checksum filter");
    }
    // Every chunk allocated and filled now: later raw-data writes go to fixed addresses.
    w.check(H5Pset_alloc_time(dcpl.get(), H5D_ALLOC_TIME_EARLY), "cannot set early allocation");
    w.check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_ALLOC), "cannot set the fill time");
    w.check(H5Pset_fill_value(dcpl.get(), memory_type(type), fill), "cannot set the fill value");
    Handle lcpl = link_create_plist(w);
    Handle dset = w.handle(
        H5Dcreate2(im.file.get(), path.c_str(), file_type(type), space.get(), lcpl.get(),
                   dcpl.get(), dapl.valid() ? dapl.get() : H5P_DEFAULT),
        H5Dclose,
        fmt::format("cannot create the {} dataset of shape {}", type_name(type), join_dims(dims)));
    write_string_attribute(w, dset.get(), "units", units);
    im.streams.insert_or_assign(path, std::move(dset));
    // Make all metadata (and the fill) final on disk before any raw data is streamed.
    w.check(H5Fflush(im.file.get(), H5F_SCOPE_GLOBAL), "cannot flush the file");
}

void H5File::write_flat_range(const std::string& path, ElementType type, std::uint64_t first,
                              std::uint64_t count, const void* data) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    impl_->require_writable(path);
    if (count != 0 && data == nullptr) {
        w.fail_plain("no data given");
    }
    impl_->transfer_flat_range(w, impl_->stream(path), type, first, count, const_cast<void*>(data),
                               true);
}

void H5File::read_flat_range(const std::string& path, ElementType type, std::uint64_t first,
                             std::uint64_t count, void* data) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(path);
    impl_->require_open(path);
    if (count != 0 && data == nullptr) {
        w.fail_plain("no buffer given");
    }
    impl_->transfer_flat_range(w, impl_->stream(path), type, first, count, data, false);
}

}  // namespace relsim::io
