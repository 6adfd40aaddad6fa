//! @file config_ion_scheme.cpp
//! Ion level schemes (spec section 5): the `ground`, `levels`, `lines`, `relaxations` of an ion
//! file or of an inline [[dopant]] scheme, the ion-file search path, and load_ion_file().
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string_view>
#include <system_error>
#include <utility>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "detail/config_parts.hpp"
#include "detail/param_schema.hpp"
#include "detail/toml_reader.hpp"
#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"

namespace relsim::io {
namespace {

namespace fs = std::filesystem;
using detail::excited_list;
using detail::find_level;
using detail::join;
using detail::list_text;
using detail::type_name;
using detail::valid_level_name;
using detail::kIonNameRule;
using detail::kLevelNameRule;
using detail::Origins;
using detail::Src;
using detail::read_file;
using detail::parse_toml;
using model::Origin;

bool is_ground(const model::LevelScheme& s, const std::string& name) {
    return std::find(s.ground.begin(), s.ground.end(), name) != s.ground.end();
}

//! Reads `ground`, `levels`, `lines`, `relaxations` of a scheme table (an ion file root or an
//! inline [[dopant]]). `prefix` names keys in messages, `rule_prefix` ("dopant.<i>") finds rules.
class SchemeReader {
public:
    SchemeReader(const Src& src, std::string prefix, std::string rule_prefix, Origin origin,
                 Origins* origins)
        : src_(src),
          prefix_(std::move(prefix)),
          rule_prefix_(std::move(rule_prefix)),
          origin_(origin),
          origins_(origins) {}

    void read(const toml::table& t, model::LevelScheme& s,
              std::vector<std::pair<std::string, double>>& ground_energies) const {
        read_ground(t, s, ground_energies);
        for (const std::string& g : s.ground) {  // for the plausibility checks (nir_tables.hpp)
            s.ground_energy_cm1.push_back(NAN);
            for (const auto& [name, e] : ground_energies)
                if (name == g) s.ground_energy_cm1.back() = e;
        }
        read_levels(t, s);
        check_ground_energies(t, s, ground_energies);
        read_lines(t, s);
        read_relaxations(t, s);
    }

private:
    [[nodiscard]] std::string key(std::string_view rel) const { return join(prefix_, rel); }
    [[nodiscard]] std::string rule_key(std::string_view rel) const {
        return join(rule_prefix_, rel);
    }

    //! Optional `source` string of an entry, for the provenance of its numbers.
    [[nodiscard]] std::string note(const toml::table& e, const std::string& ekey) const {
        const toml::node* n = e.get("source");
        if (!n) return {};
        return src_.string(*n, join(ekey, "source"), "a string (the source of the numbers)");
    }

    void record(const std::string& rel, const toml::node& n, const std::string& source_note) const {
        if (!origins_) return;
        std::string where = src_.where(n);
        if (!source_note.empty()) where += " (" + source_note + ")";
        (*origins_)[key(rel)] = {origin_, where};
    }

    [[nodiscard]] double entry_number(const toml::table& e, const std::string& rel_entry,
                                      std::string_view name, const std::string& source_note) const {
        const std::string rel = join(rel_entry, name);
        const toml::node& n = src_.require(e, key(rel_entry), name, Src::range_of(rule_key(rel)));
        const double v = src_.number(n, key(rel), rule_key(rel));
        record(rel, n, source_note);
        return v;
    }

    [[nodiscard]] std::string entry_name(const toml::table& e, const std::string& rel_entry,
                                         std::string_view name, const char* rule) const {
        const toml::node& n = src_.require(e, key(rel_entry), name, rule);
        std::string v = src_.string(n, key(join(rel_entry, name)), rule);
        return v;
    }

    void read_ground(const toml::table& t, model::LevelScheme& s,
                     std::vector<std::pair<std::string, double>>& energies) const {
        const char* what =
            "an array of ground-multiplet member names (or {name, energy_cm1, source} tables)";
        const toml::array& arr =
            src_.array(src_.require(t, prefix_, "ground", what), key("ground"), what);
        if (arr.empty())
            src_.fail(arr.source(), key("ground"), "the ground multiplet is empty", what);
        for (std::size_t j = 0; j < arr.size(); ++j) {
            const toml::node& e = *arr.get(j);
            const std::string rel = join(std::string("ground"), j);
            std::string name;
            const toml::node* name_node = &e;
            if (e.is_string()) {
                name = e.as_string()->get();
            } else if (const auto* et = e.as_table()) {
                src_.check_keys(*et, key(rel), {"name", "energy_cm1", "source"});
                name_node = &src_.require(*et, key(rel), "name", kLevelNameRule);
                name = src_.string(*name_node, key(join(rel, "name")), kLevelNameRule);
                if (const toml::node* en = et->get("energy_cm1")) {
                    const std::string erel = join(rel, "energy_cm1");
                    energies.emplace_back(name, src_.number(*en, key(erel), rule_key(erel)));
                }
                (void)note(*et, key(rel));
            } else {
                src_.fail(e.source(), key(rel),
                          "expected a level name or a table, got " + type_name(e), what);
            }
            if (!valid_level_name(name)) {
                src_.fail(name_node->source(), key(rel), "invalid level name '" + name + "'",
                          kLevelNameRule);
            }
            if (is_ground(s, name)) {
                src_.fail(name_node->source(), key(rel),
                          "ground-multiplet member '" + name + "' is listed twice",
                          "distinct names");
            }
            s.ground.push_back(name);
        }
    }

    void read_levels(const toml::table& t, model::LevelScheme& s) const {
        const char* what = "an array of tables {name, energy_cm1, source}";
        const toml::array& arr =
            src_.array(src_.require(t, prefix_, "levels", what), key("levels"), what);
        if (arr.empty()) {
            src_.fail(arr.source(), key("levels"), "the scheme has no excited level", what);
        }
        for (std::size_t j = 0; j < arr.size(); ++j) {
            const std::string rel = join(std::string("levels"), j);
            const toml::table& e =
                src_.table(*arr.get(j), key(rel), "a table {name, energy_cm1, source}");
            src_.check_keys(e, key(rel), {"name", "energy_cm1", "source"});
            const std::string src_note = note(e, key(rel));
            model::Level lv;
            lv.name = entry_name(e, rel, "name", kLevelNameRule);
            const toml::node& name_node = *e.get("name");
            if (!valid_level_name(lv.name)) {
                src_.fail(name_node.source(), key(join(rel, "name")),
                          "invalid level name '" + lv.name + "'", kLevelNameRule);
            }
            if (find_level(s, lv.name) || is_ground(s, lv.name)) {
                src_.fail(name_node.source(), key(join(rel, "name")),
                          "level '" + lv.name +
                              "' is defined twice (excited levels and ground "
                              "members must have distinct names)",
                          "distinct names");
            }
            lv.energy_cm1 = entry_number(e, rel, "energy_cm1", src_note);
            s.levels.push_back(lv);
        }
    }

    void check_ground_energies(const toml::table& t, const model::LevelScheme& s,
                               const std::vector<std::pair<std::string, double>>& energies) const {
        const auto lowest = std::min_element(s.levels.begin(), s.levels.end(),
                                             [](const model::Level& a, const model::Level& b) {
                                                 return a.energy_cm1 < b.energy_cm1;
                                             });
        for (std::size_t g = 0; g < energies.size(); ++g) {
            if (energies[g].second < lowest->energy_cm1) continue;
            const toml::node* arr = t.get("ground");
            src_.fail(arr->source(), key("ground"),
                      fmt::format(
                          "ground-multiplet member '{}' at {} cm^-1 is not below the lowest "
                          "excited level '{}' at {} cm^-1",
                          energies[g].first, energies[g].second, lowest->name, lowest->energy_cm1),
                      fmt::format("[0, {}) cm^-1", lowest->energy_cm1));
        }
    }

    //! `from` must be an excited level; `to` an excited level below it or a ground member.
    void check_transition(const toml::table& e, const std::string& rel, const model::LevelScheme& s,
                          const std::string& from, const std::string& to, const char* kind) const {
        const model::Level* f = find_level(s, from);
        if (!f) {
            src_.fail(e.get("from")->source(), key(join(rel, "from")),
                      fmt::format("{} starts at '{}', which is not an excited level of the scheme",
                                  kind, from),
                      "an excited level: " + excited_list(s));
        }
        const model::Level* d = find_level(s, to);
        const std::string allowed_to = "an excited level below '" + from +
                                       "' or a ground-multiplet member (" + list_text(s.ground) +
                                       ")";
        if (!d && !is_ground(s, to)) {
            src_.fail(e.get("to")->source(), key(join(rel, "to")),
                      fmt::format("{} ends at '{}', which is neither an excited level nor a "
                                  "ground-multiplet member",
                                  kind, to),
                      allowed_to);
        }
        if (d && !(d->energy_cm1 < f->energy_cm1)) {
            src_.fail(e.get("to")->source(), key(join(rel, "to")),
                      fmt::format("{} {} ({} cm^-1) -> {} ({} cm^-1) does not go to a lower energy",
                                  kind, from, f->energy_cm1, to, d->energy_cm1),
                      allowed_to);
        }
    }

    void read_lines(const toml::table& t, model::LevelScheme& s) const {
        const toml::node* node = t.get("lines");
        if (!node) return;
        const char* what = "an array of tables {from, to, rate_s, wavelength_nm, fwhm_nm, source}";
        const toml::array& arr = src_.array(*node, key("lines"), what);
        for (std::size_t j = 0; j < arr.size(); ++j) {
            const std::string rel = join(std::string("lines"), j);
            const toml::table& e = src_.table(*arr.get(j), key(rel), what);
            src_.check_keys(
                e, key(rel),
                {"from", "to", "rate_s", "wavelength_nm", "fwhm_nm", "source", "dipole"});
            const std::string src_note = note(e, key(rel));
            model::EmissionLine l;
            l.from = entry_name(e, rel, "from", "an excited level name");
            l.to = entry_name(e, rel, "to", "a level name");
            check_transition(e, rel, s, l.from, l.to, "line");  // several lines per pair allowed
            l.rate_s = entry_number(e, rel, "rate_s", src_note);
            l.wavelength_nm = entry_number(e, rel, "wavelength_nm", src_note);
            l.fwhm_nm = entry_number(e, rel, "fwhm_nm", src_note);
            if (const toml::node* d = e.get("dipole")) {  // "ED" (default) or "MD": spec optics.md
                const std::string v = src_.string(*d, key(join(rel, "dipole")), "\"ED\" or \"MD\"");
                if (v != "ED" && v != "MD")
                    src_.fail(d->source(), key(join(rel, "dipole")), "unknown dipole '" + v + "'",
                              "\"ED\" or \"MD\"");
                l.magnetic_dipole = v == "MD";
            }
            s.lines.push_back(l);
        }
    }

    void read_relaxations(const toml::table& t, model::LevelScheme& s) const {
        const toml::node* node = t.get("relaxations");
        if (!node) return;
        const char* what = "an array of tables {from, to, rate_s, source}";
        const toml::array& arr = src_.array(*node, key("relaxations"), what);
        std::set<std::pair<std::string, std::string>> seen;
        for (std::size_t j = 0; j < arr.size(); ++j) {
            const std::string rel = join(std::string("relaxations"), j);
            const toml::table& e = src_.table(*arr.get(j), key(rel), what);
            src_.check_keys(e, key(rel), {"from", "to", "rate_s", "source"});
            const std::string src_note = note(e, key(rel));
            model::Relaxation r;
            r.from = entry_name(e, rel, "from", "an excited level name");
            r.to = entry_name(e, rel, "to", "a level name");
            check_transition(e, rel, s, r.from, r.to, "relaxation");
            if (!seen.emplace(r.from, r.to).second) {
                src_.fail(e.source(), key(rel),
                          fmt::format("relaxation {} -> {} is listed twice", r.from, r.to),
                          "one entry per (from, to) pair");
            }
            r.rate_s = entry_number(e, rel, "rate_s", src_note);
            s.relaxations.push_back(r);
        }
    }

    const Src& src_;
    std::string prefix_;
    std::string rule_prefix_;
    Origin origin_;
    Origins* origins_;
};

constexpr std::array<std::string_view, 7> kIonFileKeys = {
    "ion", "description", "references", "ground", "levels", "lines", "relaxations"};

//! Checks the provenance keys of an ion file root and reads its scheme.
model::LevelScheme read_ion_root(const Src& src, const toml::table& root, const std::string& prefix,
                                 const std::string& rule_prefix, Origins* origins,
                                 std::vector<std::pair<std::string, double>>& ground_energies) {
    src.check_keys_in(root, prefix, kIonFileKeys);
    if (const toml::node* n = root.get("ion")) (void)src.string(*n, join(prefix, "ion"));
    if (const toml::node* n = root.get("description"))
        (void)src.string(*n, join(prefix, "description"));
    if (const toml::node* n = root.get("references")) {
        const std::string k = join(prefix, "references");
        const toml::array& refs = src.array(*n, k, "an array of strings");
        for (std::size_t j = 0; j < refs.size(); ++j) {
            (void)src.string(*refs.get(j), join(k, j));
        }
    }
    model::LevelScheme s;
    SchemeReader(src, prefix, rule_prefix, Origin::ion_file, origins)
        .read(root, s, ground_energies);
    return s;
}

//! The scheme of one [[dopant]]: inline, or read from its ion file.
class DopantSchemeReader {
public:
    DopantSchemeReader(const Src& src, const fs::path& dir, Origins& origins,
                       std::vector<SourceFile>& ion_files)
        : src_(src), dir_(dir), origins_(origins), ion_files_(ion_files) {}

    void read_scheme(const toml::table& t, const std::string& prefix, const toml::node& ion_node,
                     model::DopantParams& d) {
        std::vector<std::pair<std::string, double>> ground_energies;
        if (t.get("levels")) {
            if (const toml::node* f = t.get("ion_file")) {
                src_.fail(f->source(), join(prefix, "ion_file"),
                          "a [[dopant]] with an inline scheme ('levels') reads no ion file",
                          "either 'ion_file' or an inline scheme, not both");
            }
            SchemeReader(src_, prefix, prefix, Origin::config, &origins_)
                .read(t, d.scheme, ground_energies);
            return;
        }
        for (const auto name : {"ground", "lines", "relaxations"}) {
            if (const toml::node* n = t.get(name)) {
                src_.fail(n->source(), join(prefix, name),
                          fmt::format(
                              "'{}' belongs to an inline level scheme, which needs 'levels'", name),
                          "an inline scheme with 'ground' and 'levels', or no scheme keys (the ion "
                          "file is read)");
            }
        }
        const fs::path ion_path = locate_ion_file(t, prefix, ion_node, d.ion);
        std::string why;
        const auto text = read_file(ion_path, why);
        if (!text) {
            const toml::node* f = t.get("ion_file");
            const toml::node& at = f ? *f : ion_node;
            src_.fail(at.source(), join(prefix, f ? "ion_file" : "ion"),
                      fmt::format("cannot read ion file '{}': {}", ion_path.string(), why),
                      "a readable TOML level-scheme file");
        }
        const std::string ion_file = ion_path.lexically_normal().string();
        const Src ion_src(ion_file);
        const toml::table root = parse_toml(*text, ion_file);
        d.scheme = read_ion_root(ion_src, root, prefix, prefix, &origins_, ground_energies);
        d.scheme.source_file = ion_file;
        ion_files_.push_back({ion_file, *text});
    }

private:
    fs::path locate_ion_file(const toml::table& t, const std::string& prefix,
                             const toml::node& ion_node, const std::string& ion) {
        if (const toml::node* f = t.get("ion_file")) {
            const fs::path p(
                src_.string(*f, join(prefix, "ion_file"), "a path (relative to the config)"));
            return p.is_absolute() ? p : dir_ / p;
        }
        const std::string file = ion + ".toml";
        std::vector<fs::path> dirs;
        if (const char* env = std::getenv("RELSIM_ION_PATH")) {
            std::string_view rest(env);
            while (!rest.empty()) {
                const auto colon = rest.find(':');
                const std::string_view part = rest.substr(0, colon);
                if (!part.empty()) dirs.emplace_back(std::string(part));
                if (colon == std::string_view::npos) break;
                rest.remove_prefix(colon + 1);
            }
        }
        dirs.push_back(dir_ / "ions");
        dirs.push_back(dir_ / ".." / "ions");
        dirs.push_back(fs::path(build_info::source_dir) / "configs" / "ions");
        std::vector<std::string> searched;
        for (const auto& dir : dirs) {
            const fs::path p = dir / file;
            std::error_code ec;
            if (fs::exists(p, ec)) return p;
            const fs::path shown = fs::absolute(dir, ec);
            searched.push_back((ec ? dir : shown).lexically_normal().string());
        }
        src_.fail(
            ion_node.source(), join(prefix, "ion"),
            fmt::format("no ion file '{}' found; searched: {}", file, list_text(searched)),
            "an ion with a level-scheme file on the search path ($RELSIM_ION_PATH, <config "
            "dir>/ions, <config dir>/../ions, <source tree>/configs/ions), an 'ion_file' key, "
            "or an inline scheme ('ground', 'levels', ...)");
    }

    const Src& src_;
    const fs::path& dir_;
    Origins& origins_;
    std::vector<SourceFile>& ion_files_;
};

}  // namespace

namespace detail {

std::string excited_list(const model::LevelScheme& s) {
    std::vector<std::string> names;
    for (const auto& l : s.levels) names.push_back(l.name);
    return list_text(names);
}

const model::Level* find_level(const model::LevelScheme& s, const std::string& name) {
    for (const auto& l : s.levels) {
        if (l.name == name) return &l;
    }
    return nullptr;
}

void read_dopant_scheme(const Src& src, const std::filesystem::path& dir, const toml::table& t,
                        const std::string& prefix, const toml::node& ion_node,
                        model::DopantParams& d, Origins& origins,
                        std::vector<SourceFile>& ion_files) {
    DopantSchemeReader(src, dir, origins, ion_files).read_scheme(t, prefix, ion_node, d);
}

}  // namespace detail

model::LevelScheme load_ion_file(const std::string& path,
                                 std::vector<std::pair<std::string, double>>* ground_energies_cm1) {
    std::string why;
    const auto text = read_file(fs::path(path), why);
    if (!text) throw InputError(path, 0, 0, "", "cannot read ion file: " + why);
    const Src src(path);
    const toml::table root = parse_toml(*text, path);
    std::vector<std::pair<std::string, double>> energies;
    model::LevelScheme s = read_ion_root(src, root, "", "dopant.0", nullptr, energies);
    s.source_file = path;
    if (ground_energies_cm1) *ground_energies_cm1 = std::move(energies);
    return s;
}

}  // namespace relsim::io
