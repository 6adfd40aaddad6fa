//! @file toml_reader.hpp  (shared by the modules that read their own config tables; not a user API)
//! The typed, range-checked TOML accessors every config reader shares, so that a reader of a
//! domain table ([nanocrystal], [optics], a fit file, ...) reports errors exactly as the
//! mean-field loader does: file, line, column, dotted key path, problem and allowed range.
//! toml++ appears only here and in .cpp files; never include this from a user-facing header
//! (include/relsim/io/detail/ is the config-reader toolkit of the modules, issue 18).
#pragma once

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>
#include <utility>

#include <cstdint>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "param_schema.hpp"
#include "toml_guard.hpp"
#include "relsim/core/error.hpp"

namespace relsim::io::detail {

inline std::string join(const std::string& prefix, std::string_view name) {
    if (prefix.empty()) return std::string(name);
    std::string s = prefix;
    s += '.';
    s += name;
    return s;
}

inline std::string join(const std::string& prefix, std::size_t index) {
    return join(prefix, std::to_string(index));
}

inline std::string list_text(const std::vector<std::string>& items) {
    std::string s;
    for (const auto& it : items) {
        if (!s.empty()) s += ", ";
        s += it;
    }
    return s;
}

inline std::string type_name(const toml::node& n) {
    switch (n.type()) {
        case toml::node_type::table: return "a table";
        case toml::node_type::array: return "an array";
        case toml::node_type::string: return "a string";
        case toml::node_type::integer: return "an integer";
        case toml::node_type::floating_point: return "a floating-point number";
        case toml::node_type::boolean: return "a boolean";
        case toml::node_type::date: return "a date";
        case toml::node_type::time: return "a time";
        case toml::node_type::date_time: return "a date-time";
        default: return "nothing";
    }
}

//! Ion names become file names, dataset names and the "<Ion>:<level>" syntax.
inline bool valid_ion_name(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    if (!std::isalpha(static_cast<unsigned char>(s.front()))) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

//! Level names appear in key paths (dopant.0.quench_s.5D4), dataset names and "<Ion>:<level>".
//! '/' is allowed for J = n/2 names (`2F5/2`); HDF5 names write it as '_' (spec section 6).
inline bool valid_level_name(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    return std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '+' ||
               c == '\'' || c == '(' || c == ')' || c == '/';
    });
}

//! Edit distance (Damerau-Levenshtein, adjacent swaps count 1) of two names, letters compared
//! without case: what "did you mean" measures a misspelt key by.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
    const auto lower = [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    };
    const std::size_t n = a.size(), m = b.size();
    std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
    for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
    for (std::size_t i = 1; i <= n; ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= m; ++j) {
            const bool same = lower(a[i - 1]) == lower(b[j - 1]);
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (same ? 0 : 1)});
            if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) &&
                lower(a[i - 2]) == lower(b[j - 1])) {
                cur[j] = std::min(cur[j], prev2[j - 2] + 1);
            }
        }
        prev2.swap(prev);
        prev.swap(cur);
    }
    return prev[m];
}

//! The candidate closest to `name` when it is close enough to be a typo of it (at most 1 edit
//! for names up to 3 characters, 2 up to 7, else 3 and at most a third of the name), "" otherwise.
template <typename Names>
std::string closest_name(std::string_view name, const Names& candidates) {
    const std::size_t limit = name.size() <= 3   ? 1
                              : name.size() <= 7 ? 2
                                                 : std::min<std::size_t>(3, name.size() / 3);
    std::string best;
    std::size_t best_d = limit + 1;
    for (const auto& c : candidates) {
        const std::string_view cv(c);
        if (cv == name || cv.empty()) continue;
        const std::size_t d = edit_distance(name, cv);
        if (d < best_d) {
            best_d = d;
            best = std::string(cv);
        }
    }
    return best;
}

//! " (did you mean 'x'?)" for the closest candidate of closest_name(), "" when none is close.
template <typename Names>
std::string did_you_mean(std::string_view name, const Names& candidates) {
    const std::string best = closest_name(name, candidates);
    return best.empty() ? std::string() : " (did you mean '" + best + "'?)";
}

inline std::string did_you_mean(std::string_view name,
                                std::initializer_list<std::string_view> candidates) {
    return did_you_mean<std::initializer_list<std::string_view>>(name, candidates);
}

//! The valid key path closest to `path` among the instances of the rule patterns: each `*` of a
//! pattern with as many components as `path` takes `path`'s own component there, and `valid`
//! says whether the resulting path names a parameter of this config. "" when none is close.
template <typename Rules, typename Valid>
std::string closest_key_path(std::string_view path, const Rules& rules, Valid valid) {
    std::vector<std::string_view> parts;
    for (std::size_t pos = 0;;) {
        const std::size_t dot = path.find('.', pos);
        parts.push_back(
            path.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos));
        if (dot == std::string_view::npos) break;
        pos = dot + 1;
    }
    std::vector<std::string> candidates;
    for (const auto& r : rules) {
        const std::string_view pattern = r.pattern;
        std::string inst;
        std::size_t i = 0, pos = 0;
        bool ok = true;
        for (;; ++i) {
            const std::size_t dot = pattern.find('.', pos);
            const std::string_view pc = pattern.substr(
                pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
            if (i >= parts.size()) {
                ok = false;
                break;
            }
            if (i > 0) inst += '.';
            inst += pc == "*" ? parts[i] : pc;
            if (dot == std::string_view::npos) break;
            pos = dot + 1;
        }
        if (ok && i + 1 == parts.size() && inst != path && valid(inst))
            candidates.push_back(std::move(inst));
    }
    return closest_name(path, candidates);
}

inline constexpr const char* kIonNameRule =
    "a name of letters, digits and '_', starting with a letter";
inline constexpr const char* kLevelNameRule =
    "a name of letters, digits and _ - + ' ( ) / (spectroscopic, e.g. 4F3/2)";

//! One TOML file being read: its name for messages and the typed, range-checked accessors.
class Src {
public:
    explicit Src(std::string file) : file_(std::move(file)) {}

    [[nodiscard]] const std::string& file() const { return file_; }

    [[noreturn]] void fail(const toml::source_region& where, const std::string& key,
                           const std::string& problem, const std::string& allowed = {}) const {
        throw InputError(file_, static_cast<int>(where.begin.line),
                         static_cast<int>(where.begin.column), key, problem, allowed);
    }

    [[nodiscard]] std::string where(const toml::node& n) const {
        return file_ + ":" + std::to_string(n.source().begin.line);
    }

    //! Every key of `t` must be in `allowed`.
    void check_keys(const toml::table& t, const std::string& prefix,
                    std::initializer_list<std::string_view> allowed) const {
        check_keys_in(t, prefix, allowed);
    }

    template <typename Keys>
    void check_keys_in(const toml::table& t, const std::string& prefix, const Keys& allowed) const {
        for (auto&& [k, v] : t) {
            const std::string_view name = k.str();
            if (std::find(allowed.begin(), allowed.end(), name) != allowed.end()) continue;
            std::string list;
            for (const auto& a : allowed) {
                if (!list.empty()) list += ", ";
                list += a;
            }
            const toml::source_region& at = k.source().begin.line > 0 ? k.source() : v.source();
            const std::string where_text =
                prefix.empty() ? "at the top level" : "in '" + prefix + "'";
            fail(
                at, join(prefix, name),
                fmt::format("unknown key '{}' {}{}", name, where_text, did_you_mean(name, allowed)),
                "keys " + list);
        }
    }

    [[nodiscard]] const toml::table& table(const toml::node& n, const std::string& key,
                                           const std::string& what = "a table") const {
        if (const auto* t = n.as_table()) return *t;
        fail(n.source(), key, "expected " + what + ", got " + type_name(n), what);
    }

    [[nodiscard]] const toml::array& array(const toml::node& n, const std::string& key,
                                           const std::string& what = "an array") const {
        if (const auto* a = n.as_array()) return *a;
        fail(n.source(), key, "expected " + what + ", got " + type_name(n), what);
    }

    [[nodiscard]] std::string string(const toml::node& n, const std::string& key,
                                     const std::string& what = "a string") const {
        if (const auto* s = n.as_string()) {
            if (s->get().find('\0') != std::string::npos) {
                fail(n.source(), key, "the string contains a NUL character (\\u0000)",
                     "a string without NUL characters");
            }
            return s->get();
        }
        fail(n.source(), key, "expected " + what + ", got " + type_name(n), what);
    }

    [[nodiscard]] bool boolean(const toml::node& n, const std::string& key) const {
        if (const auto* b = n.as_boolean()) return b->get();
        fail(n.source(), key, "expected a boolean, got " + type_name(n), "true or false");
    }

    //! A number (integers accepted), finite, checked against the rule of `rule_key`.
    [[nodiscard]] double number(const toml::node& n, const std::string& key,
                                const std::string& rule_key) const {
        const ParamRule* r = find_rule(rule_key);
        return number(n, key, r);
    }

    [[nodiscard]] double number(const toml::node& n, const std::string& key,
                                const ParamRule* r) const {
        const std::string range = r ? range_text(*r) : "a finite number";
        if (r && r->integer) {
            const auto* i = n.as_integer();
            if (!i) fail(n.source(), key, "expected an integer, got " + type_name(n), range);
            const double v = static_cast<double>(i->get());
            if (auto p = check_rule(*r, v); !p.empty()) fail(n.source(), key, p, range);
            return v;
        }
        double v = 0.0;
        if (const auto* i = n.as_integer()) {
            v = static_cast<double>(i->get());
        } else if (const auto* f = n.as_floating_point()) {
            v = f->get();
        } else {
            fail(n.source(), key, "expected a number, got " + type_name(n), range);
        }
        if (r) {
            if (auto p = check_rule(*r, v); !p.empty()) fail(n.source(), key, p, range);
        } else if (!std::isfinite(v)) {
            fail(n.source(), key, fmt::format("value {} is not a finite number", v), range);
        }
        return v;
    }

    [[noreturn]] void missing(const toml::table& t, const std::string& prefix,
                              std::string_view name, const std::string& allowed) const {
        const std::string where_text = prefix.empty() ? "at the top level" : "in '" + prefix + "'";
        fail(t.source(), join(prefix, name),
             fmt::format("missing required key '{}' {}", name, where_text), allowed);
    }

    [[nodiscard]] const toml::node& require(const toml::table& t, const std::string& prefix,
                                            std::string_view name,
                                            const std::string& allowed) const {
        const toml::node* n = t.get(name);
        if (!n) missing(t, prefix, name, allowed);
        return *n;
    }

    //! Allowed-range text of a required numeric key (for "missing" messages).
    [[nodiscard]] static std::string range_of(const std::string& rule_key) {
        return range_of(find_rule(rule_key));
    }

    [[nodiscard]] static std::string range_of(const ParamRule* r) {
        return r ? "a number in " + range_text(*r) : std::string("a number");
    }

private:
    std::string file_;
};

//! One key swept in the file: its [[sweep.axis]] table and its position in the axis (0 for
//! `key`, the index in `keys`).
struct SweptKeyAxis {
    std::string key;
    const toml::table* axis = nullptr;
    std::size_t index = 0;
};

//! Every key swept in the file, in file order (per axis: `key`, then `keys`): the one walker over
//! [[sweep.axis]] for the readers of modules that check their own keys against [sweep] before the
//! general reader has built the SweepSpec (the general reader checks the shapes).
inline std::vector<SweptKeyAxis> swept_key_axes(const toml::table& root) {
    std::vector<SweptKeyAxis> out;
    const toml::node* sw = root.get("sweep");
    const toml::node* ax = sw && sw->as_table() ? sw->as_table()->get("axis") : nullptr;
    if (!ax || !ax->as_array()) return out;
    for (const toml::node& a : *ax->as_array()) {
        const toml::table* at = a.as_table();
        if (!at) continue;
        if (const toml::node* k = at->get("key"); k && k->as_string())
            out.push_back({k->as_string()->get(), at, 0});
        if (const toml::node* ks = at->get("keys"); ks && ks->as_array()) {
            std::size_t w = 0;
            for (const toml::node& k : *ks->as_array()) {
                if (k.as_string()) out.push_back({k.as_string()->get(), at, w});
                ++w;
            }
        }
    }
    return out;
}

//! (key path, source region of its [[sweep.axis]]) of every key swept in the file, in file order
//! (swept_key_axes).
inline std::vector<std::pair<std::string, const toml::source_region*>> swept_keys(
    const toml::table& root) {
    std::vector<std::pair<std::string, const toml::source_region*>> out;
    for (const SweptKeyAxis& s : swept_key_axes(root)) out.emplace_back(s.key, &s.axis->source());
    return out;
}

inline toml::table parse_toml(const std::string& text, const std::string& file) {
    prevalidate_toml(text, file);
    try {
        return toml::parse(std::string_view(text), std::string_view(file));
    } catch (const toml::parse_error& e) {
        const int line = static_cast<int>(e.source().begin.line);
        const int column = static_cast<int>(e.source().begin.column);
        const std::string description(e.description());
        if (description.find("cannot redefine existing") != std::string::npos) {
            const std::string key = key_text_at(text, line, column);
            throw InputError(
                file, line, column, "",
                "duplicate key or table: '" + key + "' is already defined earlier in the file",
                "each key and table defined once");
        }
        throw InputError(file, line, column, "", "TOML syntax error: " + description);
    }
}

//! Whether a dotted table path ("nanocrystal.excitation") is present in a parsed document: the
//! `has_table` predicate of the registry's lookups (config_registry.hpp).
//! The node at a dotted path of tables ("nanocrystal.excitation", "output.results"), or null.
inline const toml::node* node_at(const toml::table& root, const std::string& path) {
    const toml::table* t = &root;
    std::size_t pos = 0;
    while (t) {
        const std::size_t dot = path.find('.', pos);
        const toml::node* n =
            t->get(path.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos));
        if (!n || dot == std::string::npos) return n;
        t = n->as_table();
        pos = dot + 1;
    }
    return nullptr;
}

struct TablePresent {
    const toml::table* root = nullptr;
    bool operator()(const std::string& path) const {
        return root && node_at(*root, path) != nullptr;
    }
};

}  // namespace relsim::io::detail
