//! @file bands_config.cpp
//! The [bands] table: named wavelength windows for the band-limited EQE (eqe_band/<name>).
//!
//!   [bands]
//!   nir_ii = [1000.0, 1533.0]     # from_nm, to_nm; 0 < from < to <= 1e5 nm
//!
//! The defaults `visible` = [380, 780] and `nir` = [780, 2500] are always present; an entry of
//! the same name replaces a default. Names follow the ion-name rule (they become dataset names).
#include <fmt/format.h>

#include "detail/nir_tables.hpp"

namespace relsim::io::detail {

void read_bands_table(const Src& src, const toml::table& root, std::vector<model::NamedBand>& out) {
    out = model::default_named_bands();
    const toml::node* n = root.get("bands");
    if (!n) return;
    const char* what = "a table of name = [from_nm, to_nm] windows";
    const toml::table& t = src.table(*n, "bands", what);
    for (auto&& [k, v] : t) {
        const std::string name(k.str());
        const std::string key = join(std::string("bands"), name);
        if (!valid_ion_name(name)) {
            src.fail(v.source(), key, "invalid band name '" + name + "'", kIonNameRule);
        }
        const char* range = "[from_nm, to_nm] with 0 < from_nm < to_nm <= 1e5 nm";
        const toml::array& a = src.array(v, key, range);
        if (a.size() != 2) {
            src.fail(v.source(), key, fmt::format("{} numbers given", a.size()), range);
        }
        model::NamedBand b;
        b.name = name;
        b.from_nm = src.number(*a.get(0), join(key, 0), static_cast<const ParamRule*>(nullptr));
        b.to_nm = src.number(*a.get(1), join(key, 1), static_cast<const ParamRule*>(nullptr));
        if (!(b.from_nm > 0.0 && b.from_nm < b.to_nm && b.to_nm <= 1.0e5)) {
            src.fail(
                v.source(), key,
                fmt::format("window [{}, {}] nm is not a wavelength interval", b.from_nm, b.to_nm),
                range);
        }
        bool replaced = false;
        for (model::NamedBand& d : out) {
            if (d.name == name) {
                d = b;
                replaced = true;
            }
        }
        if (!replaced) out.push_back(b);
    }
}

}  // namespace relsim::io::detail
