//! @file optics_config.cpp
//! Reader of the [optics] table (shared/spec/optics.md section 3) with the shared typed TOML
//! accessors, so its errors read like every other config error (file, line, column, key,
//! problem, allowed range) and end the run with exit 2 before anything is written.
#include <algorithm>
#include <cmath>
#include <set>

#include <fmt/format.h>

#include "optics_keys.hpp"
#include "relsim/io/detail/config_document.hpp"
#include "relsim/io/detail/toml_reader.hpp"
#include "relsim/core/error.hpp"
#include "relsim/optics/device_optics.hpp"

namespace relsim::optics {
namespace {

using io::detail::join;
using io::detail::Src;

//! Where a swept key appears in [[sweep.axis]] (for messages), else the [sweep] table.
const toml::node* sweep_axis_of(const toml::table& root, const std::string& key) {
    const toml::node* sw = root.get("sweep");
    if (!sw || !sw->as_table()) return nullptr;
    for (const io::detail::SweptKeyAxis& s : io::detail::swept_key_axes(root)) {
        if (s.key == key) return s.axis;
    }
    return sw;
}

//! Reads [optics] from the parsed document `root` of the config `path`.
std::optional<OpticsSpec> read_optics(const toml::table& root, const std::string& path,
                                      const OpticsChecks& checks) {
    const Src src(path);
    const toml::node* node = root.get("optics");
    if (!node) return std::nullopt;
    const toml::table& t = src.table(*node, "optics");
    src.check_keys(t, "optics",
                   {"substrate", "substrate_n", "emitting_layer", "zone_offset_nm",
                    "emitter_slices", "layer"});
    if (const toml::node* tr = root.get("transient")) {
        src.fail(tr->source(), "transient",
                 "[transient] together with [optics] is not supported (pulses are solved for one "
                 "emitter population)",
                 "either [transient] or [optics]");
    }
    OpticsSpec s;
    s.file = path;
    if (const toml::node* n = t.get("substrate")) {
        const std::string v = src.string(*n, "optics.substrate", "\"glass\" or \"none\"");
        if (v != "glass" && v != "none") {
            src.fail(n->source(), "optics.substrate", "unknown substrate '" + v + "'",
                     "\"glass\" or \"none\"");
        }
        s.glass_substrate = v == "glass";
    }
    if (const toml::node* n = t.get("substrate_n")) {
        if (!s.glass_substrate) {
            src.fail(n->source(), "optics.substrate_n", "substrate_n needs substrate = \"glass\"",
                     "no substrate_n with substrate = \"none\"");
        }
        s.substrate_n =
            src.number(*n, "optics.substrate_n", detail::find_optics_rule("optics.substrate_n"));
    }
    if (const toml::node* n = t.get("zone_offset_nm")) {
        s.zone_offset_nm = src.number(*n, "optics.zone_offset_nm",
                                      detail::find_optics_rule("optics.zone_offset_nm"));
    }
    if (const toml::node* n = t.get("emitter_slices")) {
        s.emitter_slices = static_cast<int>(src.number(
            *n, "optics.emitter_slices", detail::find_optics_rule("optics.emitter_slices")));
    }
    const char* what = "an array of tables [[optics.layer]] {name, thickness_nm, material | n, k}";
    const toml::array& arr =
        src.array(src.require(t, "optics", "layer", what), "optics.layer", what);
    const std::size_t nl = arr.size();
    const std::size_t min_layers = s.glass_substrate ? 2 : 3;
    if (nl < min_layers) {
        src.fail(
            arr.source(), "optics.layer", fmt::format("the stack has {} layer(s)", nl),
            s.glass_substrate
                ? "at least 2 layers above the glass (an emitting layer and the semi-infinite top)"
                : "at least 3 layers (semi-infinite bottom, emitting layer, semi-infinite top)");
    }
    std::set<std::string> names;
    for (std::size_t i = 0; i < nl; ++i) {
        const std::string key = join(std::string("optics.layer"), i);
        const toml::table& e = src.table(*arr.get(i), key, what);
        src.check_keys(e, key, {"name", "thickness_nm", "material", "n", "k"});
        LayerSpec l;
        l.name = src.string(src.require(e, key, "name", "a layer name"), join(key, "name"));
        if (!names.insert(l.name).second) {
            src.fail(e.get("name")->source(), join(key, "name"),
                     "layer name '" + l.name + "' is used twice", "unique layer names");
        }
        l.semi_infinite = (i + 1 == nl) || (!s.glass_substrate && i == 0);
        const toml::node* th = e.get("thickness_nm");
        if (l.semi_infinite && th) {
            src.fail(th->source(), join(key, "thickness_nm"),
                     "this layer is semi-infinite (the first with substrate = \"none\", and the "
                     "last) and has no thickness",
                     "no thickness_nm on a semi-infinite layer");
        }
        if (!l.semi_infinite) {
            const toml::node& tn =
                src.require(e, key, "thickness_nm",
                            Src::range_of(detail::find_optics_rule("optics.layer.*.thickness_nm")));
            l.thickness_nm = src.number(tn, join(key, "thickness_nm"),
                                        detail::find_optics_rule("optics.layer.*.thickness_nm"));
            // 1 m: far beyond any coherent film; larger values only overflow the phase terms of
            // the transfer matrices (issue 21 item 13).
            constexpr double kMaxThickness_nm = 1.0e9;
            if (l.thickness_nm > kMaxThickness_nm) {
                src.fail(tn.source(), join(key, "thickness_nm"),
                         fmt::format("thickness {:g} nm is larger than 1e9 nm", l.thickness_nm),
                         "0 < thickness_nm <= 1e9");
            }
        }
        const toml::node* mat = e.get("material");
        const toml::node* nn = e.get("n");
        const toml::node* kk = e.get("k");
        if (mat && (nn || kk)) {
            src.fail((nn ? nn : kk)->source(), join(key, nn ? "n" : "k"),
                     "a layer has either a material or n and k",
                     "material = \"<name>\" or n = <number> (k = <number>)");
        }
        if (!mat && !nn) {
            src.missing(e, key, "material",
                        "material = \"<name>\" (data/materials/<name>.csv) or n = <number>");
        }
        if (mat) {
            l.material = src.string(*mat, join(key, "material"), "a material name");
            l.material_line = static_cast<int>(mat->source().begin.line);
            l.material_column = static_cast<int>(mat->source().begin.column);
            if (!valid_material_name(l.material)) {
                src.fail(mat->source(), join(key, "material"),
                         "'" + l.material + "' is not a material name",
                         "letters, digits, _ - . (a file data/materials/<name>.csv)");
            }
            MaterialTable table;
            if (!load_material(l.material, table)) {
                src.fail(mat->source(), join(key, "material"),
                         "unknown material '" + l.material + "'",
                         "a file " + materials_dir() + "/<name>.csv");
            }
            double lo = 1e300, hi = -1e300;
            for (double w : checks.wavelengths_nm) {
                lo = std::min(lo, w);
                hi = std::max(hi, w);
            }
            if (!checks.wavelengths_nm.empty() && !(table.covers(lo) && table.covers(hi))) {
                src.fail(
                    mat->source(), join(key, "material"),
                    fmt::format("material '{}' ({}) covers {}-{} nm, but this run needs {}-{} nm "
                                "(spectrum grid, line and band centres)",
                                l.material, table.path, table.min_nm(), table.max_nm(), lo, hi),
                    fmt::format("wavelengths within {}-{} nm, or another material table",
                                table.min_nm(), table.max_nm()));
            }
        } else {
            l.n = src.number(*nn, join(key, "n"), detail::find_optics_rule("optics.layer.*.n"));
            if (kk)
                l.k = src.number(*kk, join(key, "k"), detail::find_optics_rule("optics.layer.*.k"));
            l.material_line = static_cast<int>(nn->source().begin.line);
            l.material_column = static_cast<int>(nn->source().begin.column);
        }
        s.layers.push_back(std::move(l));
    }
    const toml::node& em = src.require(t, "optics", "emitting_layer", "the name of a thin layer");
    s.emitting_layer = src.string(em, "optics.emitting_layer", "the name of a thin layer");
    const auto it = std::find_if(s.layers.begin(), s.layers.end(),
                                 [&](const LayerSpec& l) { return l.name == s.emitting_layer; });
    if (it == s.layers.end()) {
        std::vector<std::string> list;
        for (const LayerSpec& l : s.layers) list.push_back(l.name);
        src.fail(em.source(), "optics.emitting_layer",
                 "no layer is named '" + s.emitting_layer + "'",
                 "one of " + io::detail::list_text(list));
    }
    s.emitting_index = static_cast<std::size_t>(it - s.layers.begin());
    if (it->semi_infinite) {
        src.fail(em.source(), "optics.emitting_layer",
                 "the emitting layer '" + s.emitting_layer + "' is semi-infinite",
                 "a thin layer (with a thickness)");
    }
    // The emitting layer must be loss-free at every wavelength used.
    auto absorbs = [&](const LayerSpec& l) {
        if (l.material.empty()) return l.k != 0.0;
        MaterialTable table;
        load_material(l.material, table);
        for (double w : checks.wavelengths_nm) {
            if (table.at(w).imag() != 0.0) return true;
        }
        return false;
    };
    if (absorbs(*it)) {
        src.fail(em.source(), "optics.emitting_layer",
                 "the emitting layer '" + s.emitting_layer +
                     "' absorbs (k > 0); the dipole solver needs a loss-free emitting medium",
                 "an emitting layer with k = 0");
    }
    const toml::node* swept_at = nullptr;
    // Swept optics keys: each must name a number of this stack, with values in range.
    DeviceOptics probe_holder(s);
    double max_offset = s.zone_offset_nm, min_emitter_nm = it->thickness_nm;
    for (const auto& [key, values] : checks.swept) {
        if (!is_optics_key(key)) continue;
        swept_at = sweep_axis_of(root, key);
        const toml::source_region where = swept_at ? swept_at->source() : t.source();
        if (!probe_holder.find_parameter(key)) {
            src.fail(where, key, "'" + key + "' names no number of this [optics] stack",
                     "optics.layer.<i>.thickness_nm (thin layers), optics.layer.<i>.n|k "
                     "(constant-index layers), "
                     "optics.zone_offset_nm, optics.substrate_n (glass)");
        }
        const std::string emitter_key =
            fmt::format("optics.layer.{}.thickness_nm", s.emitting_index);
        for (double v : values) {
            if (key == "optics.zone_offset_nm") max_offset = std::max(max_offset, v);
            if (key == emitter_key) min_emitter_nm = std::min(min_emitter_nm, v);
            if (key == fmt::format("optics.layer.{}.k", s.emitting_index) && v != 0.0) {
                src.fail(where, key, "the emitting layer must stay loss-free (k = 0)",
                         "k = 0 for the emitting layer");
            }
        }
    }
    double max_zone = 0.0;
    for (double z : checks.recombination_zone_nm) max_zone = std::max(max_zone, z);
    if (max_offset + max_zone > min_emitter_nm * (1.0 + 1e-12)) {
        const toml::node* zn = t.get("zone_offset_nm");
        src.fail(
            zn ? zn->source() : em.source(), zn ? "optics.zone_offset_nm" : "optics.emitting_layer",
            fmt::format("the emitters lie outside their layer: zone_offset_nm {} + recombination "
                        "zone {} nm > "
                        "emitting-layer thickness {} nm (largest offset and zone, thinnest layer "
                        "of the run)",
                        max_offset, max_zone, min_emitter_nm),
            "zone_offset_nm + device.recombination_zone_nm <= the emitting layer's thickness_nm");
    }
    return s;
}

}  // namespace

std::optional<OpticsSpec> read_optics_config(const std::string& text, const std::string& path,
                                             const OpticsChecks& checks) {
    const toml::table root = io::detail::parse_toml(text, path);
    return read_optics(root, path, checks);
}

std::optional<OpticsSpec> read_optics_config(const io::RunConfig& config,
                                             const OpticsChecks& checks) {
    const auto document = io::detail::document_of(config);  // parsed once by io::load_config
    return read_optics(document->root, config.path, checks);
}

}  // namespace relsim::optics
