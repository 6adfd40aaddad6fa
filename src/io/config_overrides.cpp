//! @file config_overrides.cpp
//! Overrides edit the TOML text and the ordinary loader validates the result (see the header).
#include "relsim/io/config_overrides.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>
#include <string_view>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "detail/toml_reader.hpp"
#include "relsim/io/detail/config_document.hpp"
#include "relsim/core/error.hpp"
#include "relsim/model/parameters.hpp"

namespace relsim::io {
namespace {

using detail::parse_toml;

std::vector<std::string> split_key(const std::string& key) {
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (true) {
        const std::size_t dot = key.find('.', pos);
        parts.push_back(key.substr(pos, dot == std::string::npos ? std::string::npos : dot - pos));
        if (dot == std::string::npos) break;
        pos = dot + 1;
    }
    return parts;
}

bool is_index(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
    });
}

bool bare_key(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
    });
}

//! A key component as TOML writes it: bare when it can be, quoted otherwise.
std::string toml_key(const std::string& s) {
    if (bare_key(s)) return s;
    std::string q = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') q += '\\';
        q += c;
    }
    return q + "\"";
}

//! Byte offset of a toml++ (line, column) position (1-based; columns count UTF-8 characters).
std::size_t offset_of(const std::string& text, toml::source_position p) {
    std::size_t off = 0;
    for (std::uint32_t line = 1; line < p.line && off < text.size(); ++off) {
        if (text[off] == '\n') ++line;
    }
    for (std::uint32_t col = 1; col < p.column && off < text.size(); ++off) {
        // count characters, not bytes: skip UTF-8 continuation bytes
        while (off + 1 < text.size() && (static_cast<unsigned char>(text[off + 1]) & 0xC0) == 0x80)
            ++off;
        ++col;
    }
    return off;
}

int line_of(const std::string& text, std::size_t offset) {
    return 1 + static_cast<int>(std::count(
                   text.begin(), text.begin() + static_cast<long>(std::min(offset, text.size())),
                   '\n'));
}

//! The node at `parts` (nullptr where the path leaves the document); `depth` receives how many
//! components were found.
const toml::node* walk(const toml::table& root, const std::vector<std::string>& parts,
                       std::size_t& depth) {
    const toml::node* n = &root;
    depth = 0;
    for (const std::string& p : parts) {
        const toml::node* next = nullptr;
        if (const auto* t = n->as_table()) {
            next = t->get(p);
        } else if (const auto* a = n->as_array(); a && is_index(p)) {
            const std::size_t i = std::stoul(p);
            next = i < a->size() ? a->get(i) : nullptr;
        }
        if (!next) return n;
        n = next;
        ++depth;
    }
    return n;
}

//! Whether two TOML values hold the same thing (for the check after an edit).
bool same_value(const toml::node& a, const toml::node& b) {
    if (a.type() != b.type()) return false;
    if (const auto* x = a.as_floating_point()) {
        const double u = x->get(), v = b.as_floating_point()->get();
        return u == v || (std::isnan(u) && std::isnan(v));
    }
    auto text = [](const toml::node& n) {
        std::ostringstream ss;
        ss << toml::json_formatter{n};
        return ss.str();
    };
    return text(a) == text(b);
}

//! Parses a TOML value literal; nullopt when it is not one.
std::optional<toml::table> parse_value(const std::string& value_toml) {
    try {
        toml::table t = toml::parse(std::string_view("v = " + value_toml + "\n"));
        if (t.size() != 1) return std::nullopt;
        return t;
    } catch (const toml::parse_error&) {
        return std::nullopt;
    }
}

std::string quoted(const std::string& s) {
    std::string q = "\"";
    for (char c : s) {
        switch (c) {
            case '"': q += "\\\""; break;
            case '\\': q += "\\\\"; break;
            case '\n': q += "\\n"; break;
            case '\t': q += "\\t"; break;
            default: q += c;
        }
    }
    return q + "\"";
}

[[noreturn]] void refuse(const ConfigOverride& o, const std::string& path,
                         const std::string& problem, const std::string& allowed) {
    throw InputError(path, 0, 0, o.key, problem + " (" + o.origin + ")", allowed);
}

//! Applies one override to `text`; returns the new text and records the edited line.
std::string apply_one(const std::string& text, const std::string& path, const ConfigOverride& o,
                      int& edited_line, bool& inserted) {
    const toml::table root = parse_toml(text, path);
    const std::vector<std::string> parts = split_key(o.key);
    const auto value = parse_value(o.value_toml);
    if (!value)
        refuse(o, path, "'" + o.value_toml + "' is not a TOML value",
               "a number, string, boolean or array");
    const toml::node& new_value = *value->get("v");
    std::size_t depth = 0;
    const toml::node* found = walk(root, parts, depth);
    std::string out;
    inserted = false;
    if (depth == parts.size()) {
        if (found->is_table() || found->is_array_of_tables()) {
            refuse(o, path, "'" + o.key + "' is a table, not a value", "the key path of a value");
        }
        const std::size_t b = offset_of(text, found->source().begin);
        const std::size_t e = offset_of(text, found->source().end);
        out = text.substr(0, b) + o.value_toml + text.substr(e);
        edited_line = line_of(text, b);
    } else {
        // Insert `rest = value` into the deepest existing table.
        const toml::table* parent = found->as_table();
        std::vector<std::string> rest(parts.begin() + static_cast<long>(depth), parts.end());
        if (!parent || std::any_of(rest.begin(), rest.end(), is_index)) {
            refuse(o, path,
                   fmt::format("'{}' names no value of the config that can be set here (an "
                               "ion-file parameter, an array element that does not exist, or a "
                               "key under a non-table)",
                               o.key),
                   "a key of the config file's own tables; set ion-file parameters in the ion "
                   "file or an inline scheme");
        }
        std::string dotted;
        for (const auto& r : rest) dotted += (dotted.empty() ? "" : ".") + toml_key(r);
        const toml::source_region& src = parent->source();
        if (parent == &root) {
            out = dotted + " = " + o.value_toml + "\n" + text;
            edited_line = 1;
        } else if (parent->is_inline()) {
            // before the closing brace of `{ ... }`
            std::size_t close = offset_of(text, src.end);
            while (close > 0 && text[close - 1] != '}') --close;
            if (close == 0) refuse(o, path, "cannot find the end of the inline table", "");
            --close;
            const bool empty = parent->empty();
            out = text.substr(0, close) + (empty ? " " : ", ") + dotted + " = " + o.value_toml +
                  " " + text.substr(close);
            edited_line = line_of(text, close);
        } else {
            // on a new line after the table's header line
            std::size_t eol = text.find('\n', offset_of(text, src.begin));
            if (eol == std::string::npos) {
                out = text + "\n" + dotted + " = " + o.value_toml + "\n";
                edited_line = line_of(text, text.size()) + 1;
            } else {
                out = text.substr(0, eol + 1) + dotted + " = " + o.value_toml + "\n" +
                      text.substr(eol + 1);
                edited_line = line_of(text, eol) + 1;
            }
            inserted = true;
        }
        if (parent == &root) inserted = true;
    }
    // The edit must leave TOML that holds the new value at the key (and nothing else changed).
    toml::table check;
    try {
        check = toml::parse(std::string_view(out), std::string_view(path));
    } catch (const toml::parse_error& e) {
        refuse(o, path, "the edited config is not TOML (" + std::string(e.description()) + ")",
               "a key that can hold this value");
    }
    std::size_t d2 = 0;
    const toml::node* now = walk(check, parts, d2);
    if (d2 != parts.size() || !same_value(*now, new_value)) {
        refuse(o, path, "the edit did not set the key (an unusual layout of the file)",
               "edit the file for this key");
    }
    return out;
}

}  // namespace

ConfigOverride parse_override(const std::string& assignment) {
    const std::size_t eq = assignment.find('=');
    ConfigOverride o;
    o.origin = "--set " + assignment;
    if (eq == std::string::npos) {
        throw InputError("--set", 0, 0, "", "'" + assignment + "' has no '='",
                         "key=value, e.g. device.outcoupling=0.25");
    }
    auto trim = [](std::string s) {
        const auto b = s.find_first_not_of(" \t");
        const auto e = s.find_last_not_of(" \t");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    o.key = trim(assignment.substr(0, eq));
    const std::string value = trim(assignment.substr(eq + 1));
    const auto parts = split_key(o.key);
    if (o.key.empty() ||
        std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return p.empty(); })) {
        throw InputError("--set", 0, 0, o.key, "'" + o.key + "' is not a dotted key path",
                         "a key path such as device.current_density_mA_cm2 or dopant.0.kTET_s");
    }
    o.value_toml = parse_value(value) ? value : quoted(value);
    return o;
}

std::string apply_overrides(const std::string& text, const std::string& path,
                            const std::vector<ConfigOverride>& overrides,
                            std::vector<int>* edited_lines, std::vector<int>* inserted_lines) {
    std::string out = text;
    std::vector<int> edited, inserted_at;
    for (const ConfigOverride& o : overrides) {
        int line = 0;
        bool inserted = false;
        out = apply_one(out, path, o, line, inserted);
        if (inserted) {
            for (int& l : edited) l += l >= line ? 1 : 0;
            for (int& l : inserted_at) l += l >= line ? 1 : 0;
            inserted_at.push_back(line);
        }
        edited.push_back(line);
    }
    if (edited_lines) *edited_lines = edited;
    if (inserted_lines) *inserted_lines = inserted_at;
    return out;
}

RunConfig load_config_text_with_overrides(const std::string& text, const std::string& path,
                                          const std::vector<ConfigOverride>& overrides) {
    if (overrides.empty()) return load_config_text(text, path);
    std::vector<int> edited, inserted;
    const std::string edited_text = apply_overrides(text, path, overrides, &edited, &inserted);
    try {
        RunConfig cfg = load_config_text(edited_text, path);
        return cfg;
    } catch (const InputError& e) {
        if (e.file() != path || e.line() <= 0) throw;
        for (std::size_t i = 0; i < edited.size(); ++i) {
            if (edited[i] == e.line()) {
                // an overridden value: say where it came from
                const int shift = static_cast<int>(std::count_if(
                    inserted.begin(), inserted.end(), [&](int l) { return l < e.line(); }));
                const bool new_line =
                    std::find(inserted.begin(), inserted.end(), e.line()) != inserted.end();
                throw InputError(
                    e.file(), new_line ? 0 : e.line() - shift, new_line ? 0 : e.column(), e.key(),
                    e.problem() + " (value from " + overrides[i].origin + ")", e.allowed());
            }
        }
        if (inserted.empty()) throw;
        const int shift = static_cast<int>(
            std::count_if(inserted.begin(), inserted.end(), [&](int l) { return l < e.line(); }));
        throw InputError(e.file(), e.line() - shift, e.column(), e.key(), e.problem(), e.allowed());
    }
}

RunConfig load_config_with_overrides(const std::string& path,
                                     const std::vector<ConfigOverride>& overrides) {
    if (overrides.empty()) return load_config(path);
    std::string why;
    const auto text = detail::read_file(path, why);
    if (!text) throw InputError(path, 0, 0, "", "cannot read config file: " + why);
    RunConfig cfg = load_config_text_with_overrides(*text, path, overrides);
    return cfg;
}

std::string config_value_toml(const RunConfig& config, const std::string& key) {
    model::ModelParams probe = config.model;
    if (const double* v = model::find_parameter(probe, key)) {
        if (std::isnan(*v)) return "nan";
        if (std::isinf(*v)) return *v > 0 ? "inf" : "-inf";
        std::string s = fmt::format("{:.17g}", *v);
        if (s.find_first_of(".en") == std::string::npos) s += ".0";
        return s;
    }
    const auto document = detail::document_of(config);  // parsed once by load_config
    const toml::table& root = document->root;
    std::size_t depth = 0;
    const std::vector<std::string> parts = split_key(key);
    const toml::node* n = walk(root, parts, depth);
    if (depth != parts.size()) return {};
    const std::size_t b = offset_of(config.text, n->source().begin);
    const std::size_t e = offset_of(config.text, n->source().end);
    if ((n->is_table() && !n->as_table()->is_inline()) || n->is_array_of_tables()) return {};
    return config.text.substr(b, e - b);
}

}  // namespace relsim::io
