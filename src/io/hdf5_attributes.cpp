//! @file hdf5_attributes.cpp
//! H5File's attributes: set, read, look up, and the checksum listing of every attribute.
#include "detail/hdf5_detail.hpp"

namespace relsim::io {

namespace {

//! Reads a one-element numeric attribute into a T using HDF5's conversion.
template <typename T>
T read_numeric_attribute(const Where& where, hid_t file, const std::string& name, hid_t mem_type,
                         bool allow_float) {
    Handle attr = open_attribute(where, file, name);
    Handle type = where.handle(H5Aget_type(attr.get()), H5Tclose, "cannot get the attribute type");
    Handle space =
        where.handle(H5Aget_space(attr.get()), H5Sclose, "cannot get the attribute dataspace");
    const H5T_class_t cls = H5Tget_class(type.get());
    if (!(cls == H5T_INTEGER || (allow_float && cls == H5T_FLOAT))) {
        where.fail_plain(
            fmt::format("attribute '{}' is not {}", name, allow_float ? "numeric" : "an integer"));
    }
    if (point_count(where, space.get()) != 1) {
        where.fail_plain(fmt::format("attribute '{}' is not a single value", name));
    }
    T value{};
    where.check(H5Aread(attr.get(), mem_type, &value),
                fmt::format("cannot read attribute '{}'", name));
    return value;
}

}  // namespace

void H5File::set_attribute(const std::string& object_path, const std::string& name,
                           const std::string& value) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(object_path);
    Handle obj = impl_->open_for_attributes(w, object_path);
    write_string_attribute(w, obj.get(), name, value);
}

void H5File::set_attribute(const std::string& object_path, const std::string& name, double value) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(object_path);
    Handle obj = impl_->open_for_attributes(w, object_path);
    write_attribute(w, obj.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
}

void H5File::set_attribute(const std::string& object_path, const std::string& name,
                           std::int64_t value) {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(object_path);
    Handle obj = impl_->open_for_attributes(w, object_path);
    write_attribute(w, obj.get(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
}

std::string H5File::string_attribute(const std::string& object_path,
                                     const std::string& name) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where_readable(object_path);
    Handle attr = open_attribute(w, impl_->file.get(), name);
    Handle type = w.handle(H5Aget_type(attr.get()), H5Tclose, "cannot get the attribute type");
    Handle space =
        w.handle(H5Aget_space(attr.get()), H5Sclose, "cannot get the attribute dataspace");
    if (H5Tget_class(type.get()) != H5T_STRING) {
        w.fail_plain(fmt::format("attribute '{}' is not a string", name));
    }
    std::vector<std::string> values = read_string_values(
        w, type.get(), space.get(),
        [&](hid_t mem, void* buffer) { return H5Aread(attr.get(), mem, buffer); });
    if (values.size() != 1) {
        w.fail_plain(fmt::format("attribute '{}' holds {} strings, not one", name, values.size()));
    }
    return std::move(values.front());
}

double H5File::double_attribute(const std::string& object_path, const std::string& name) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where_readable(object_path);
    return read_numeric_attribute<double>(w, impl_->file.get(), name, H5T_NATIVE_DOUBLE, true);
}

std::int64_t H5File::int64_attribute(const std::string& object_path,
                                     const std::string& name) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where_readable(object_path);
    return read_numeric_attribute<std::int64_t>(w, impl_->file.get(), name, H5T_NATIVE_INT64,
                                                false);
}

bool H5File::has_attribute(const std::string& object_path, const std::string& name) const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where(object_path);
    if (!impl_->exists(object_path)) {
        w.fail_plain("no such object");
    }
    return w.check_tri(
        H5Aexists_by_name(impl_->file.get(), object_path.c_str(), name.c_str(), H5P_DEFAULT),
        fmt::format("cannot look up attribute '{}'", name));
}

std::vector<std::pair<std::string, std::string>> H5File::attribute_checksums() const {
    if (!impl_) {
        moved_from();
    }
    const Where w = impl_->where();
    impl_->require_open({});
    std::vector<std::string> objects;
    auto visit = [](hid_t, const char* name, const H5O_info_t*, void* data) -> herr_t {
        const std::string n(name);
        static_cast<std::vector<std::string>*>(data)->push_back(n == "." ? "/" : "/" + n);
        return 0;
    };
    // H5O_INFO_ALL: every object's header and attribute/link index sizes are read, so damaged
    // (checksummed) metadata that no value depends on is still reported.
    w.check(H5Ovisit2(impl_->file.get(), H5_INDEX_NAME, H5_ITER_INC, visit, &objects, H5O_INFO_ALL),
            "cannot list the objects");
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& obj : objects) {
        const Where wo = impl_->where(obj);
        std::vector<std::string> names;
        auto collect = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
            static_cast<std::vector<std::string>*>(data)->emplace_back(name);
            return 0;
        };
        wo.check(H5Aiterate_by_name(impl_->file.get(), obj.c_str(), H5_INDEX_NAME, H5_ITER_INC,
                                    nullptr, collect, &names, H5P_DEFAULT),
                 "cannot list the attributes");
        for (const std::string& name : names) {
            Handle attr = open_attribute(wo, impl_->file.get(), name);
            Handle type =
                wo.handle(H5Aget_type(attr.get()), H5Tclose, "cannot get the attribute type");
            Handle space =
                wo.handle(H5Aget_space(attr.get()), H5Sclose, "cannot get the attribute dataspace");
            std::string sum;
            const H5T_class_t cls = H5Tget_class(type.get());
            if (cls == H5T_STRING) {
                sum = content_checksum_of(read_string_values(
                    wo, type.get(), space.get(),
                    [&](hid_t mem, void* buffer) { return H5Aread(attr.get(), mem, buffer); }));
            } else if (cls == H5T_INTEGER || cls == H5T_FLOAT) {
                std::vector<double> v(static_cast<std::size_t>(point_count(wo, space.get())));
                if (!v.empty()) {
                    wo.check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, v.data()),
                             fmt::format("cannot read attribute '{}'", name));
                }
                sum = content_checksum_of(v);
            } else {
                sum = "unsupported";
            }
            out.emplace_back(obj + "@" + name, std::move(sum));
        }
    }
    return out;
}

}  // namespace relsim::io
