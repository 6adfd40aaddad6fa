//! @file toml_reader.hpp  (private: for the modules that read config tables)
//! The typed, range-checked TOML accessors every config reader shares, so that a reader of a
//! domain table ([nanocrystal], [optics], a fit file, ...) reports errors exactly as the
//! mean-field loader does: file, line, column, dotted key path, problem and allowed range.
//! toml++ appears only here and in .cpp files; never include this from a public header.
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

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>
#include <cstdint>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "param_schema.hpp"
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

inline constexpr const char* kIonNameRule = "a name of letters, digits and '_', starting with a letter";
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
            for (const auto a : allowed) {
                if (!list.empty()) list += ", ";
                list += a;
            }
            const toml::source_region& at = k.source().begin.line > 0 ? k.source() : v.source();
            const std::string where_text = prefix.empty() ? "at the top level" : "in '" + prefix + "'";
            fail(at, join(prefix, name), fmt::format("unknown key '{}' {}", name, where_text),
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

    [[noreturn]] void missing(const toml::table& t, const std::string& prefix, std::string_view name,
                              const std::string& allowed) const {
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
        const ParamRule* r = find_rule(rule_key);
        return r ? "a number in " + range_text(*r) : std::string("a number");
    }

private:
    std::string file_;
};

//! Largest config or ion file relsim reads (bytes). The largest shipped config is a few kB; a
//! 1e6-value sweep axis written out as `values = [...]` is ~12 MB, so 16 MiB leaves room for
//! every sensible file and bounds the memory a hostile one can take.
inline constexpr std::size_t kMaxConfigBytes = std::size_t{16} << 20;
//! Deepest nesting of arrays and inline tables, and most parts of one dotted key, accepted
//! before toml++ sees the text (toml++ recurses per level and per key part; 40 000 parts
//! overflow the stack). relsim's own schema needs at most 4 of either.
inline constexpr int kMaxTomlNesting = 32;
inline constexpr int kMaxTomlKeyParts = 32;

//! Text of a file, or nullopt when it cannot be read (`why` says why, in words). Refuses
//! anything but a regular file (a directory, FIFO, device such as /dev/zero, socket) without
//! blocking, a symlink loop by name, and files larger than kMaxConfigBytes.
inline std::optional<std::string> read_file(const std::filesystem::path& p, std::string& why) {
    // O_NONBLOCK: opening a FIFO with no writer must not wait; it is refused below anyway.
    const int fd = ::open(p.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        const int err = errno;
        if (err == ENOENT) {
            why = "no such file";
        } else if (err == ELOOP) {
            why = "symbolic link loop (too many levels of symbolic links)";
        } else {
            why = "cannot be opened for reading: " + std::generic_category().message(err);
        }
        return std::nullopt;
    }
    struct Closer {
        int fd;
        ~Closer() { (void)::close(fd); }
    } closer{fd};
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        why = "cannot be examined: " + std::generic_category().message(errno);
        return std::nullopt;
    }
    if (S_ISDIR(st.st_mode)) {
        why = "is a directory";
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        why = S_ISFIFO(st.st_mode)   ? "is a FIFO (named pipe), not a regular file"
              : S_ISCHR(st.st_mode) ? "is a character device, not a regular file"
              : S_ISBLK(st.st_mode) ? "is a block device, not a regular file"
              : S_ISSOCK(st.st_mode) ? "is a socket, not a regular file"
                                     : "is not a regular file";
        return std::nullopt;
    }
    const auto too_big = [&] {
        why = fmt::format("is larger than the {} MiB a config or ion file may have",
                          kMaxConfigBytes >> 20);
    };
    if (static_cast<std::uint64_t>(st.st_size) > kMaxConfigBytes) {
        too_big();
        return std::nullopt;
    }
    std::string text;
    text.resize(static_cast<std::size_t>(st.st_size) + 1);
    std::size_t used = 0;
    for (;;) {
        if (used == text.size()) {
            if (text.size() > kMaxConfigBytes) {  // grew while being read
                too_big();
                return std::nullopt;
            }
            text.resize(std::min(kMaxConfigBytes + 1, text.size() * 2 + 4096));
        }
        const ssize_t n = ::read(fd, text.data() + used, text.size() - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            why = "read error: " + std::generic_category().message(errno);
            return std::nullopt;
        }
        if (n == 0) break;
        used += static_cast<std::size_t>(n);
    }
    if (used > kMaxConfigBytes) {
        too_big();
        return std::nullopt;
    }
    text.resize(used);
    return text;
}

//! Checks text before toml++ parses it: valid UTF-8 (no overlong forms, surrogates or code
//! points above U+10FFFF), no NUL byte, non-ASCII characters only inside strings and comments,
//! nesting of arrays and inline tables at most kMaxTomlNesting, dotted keys of at most
//! kMaxTomlKeyParts parts. Throws InputError at the first offending line and column. This keeps
//! inputs known to trigger undefined behaviour, assertions or unbounded recursion in toml++
//! 3.3 away from it (see docs/reliability.md).
inline void prevalidate_toml(const std::string& text, const std::string& file) {
    int line = 1;
    std::size_t line_start = 0;
    auto fail_at = [&](std::size_t i, const std::string& problem, const std::string& allowed) {
        throw InputError(file, line, static_cast<int>(i - line_start + 1), "", problem, allowed);
    };
    // Pass 1: UTF-8 and NUL.
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\n') {
            ++line;
            line_start = i + 1;
            ++i;
            continue;
        }
        if (c == 0) fail_at(i, "NUL byte in the text", "a UTF-8 text file without NUL bytes");
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len = 0;
        std::uint32_t cp = 0;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1Fu;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0Fu;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07u;
        } else {
            fail_at(i, fmt::format("invalid UTF-8 byte 0x{:02X}", c), "UTF-8 text");
        }
        if (i + static_cast<std::size_t>(len) > text.size()) {
            fail_at(i, "truncated UTF-8 sequence at the end of the file", "UTF-8 text");
        }
        for (int k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]);
            if ((cc & 0xC0u) != 0x80u) {
                fail_at(i, fmt::format("invalid UTF-8 sequence starting with byte 0x{:02X}", c),
                        "UTF-8 text");
            }
            cp = (cp << 6) | (cc & 0x3Fu);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF)) {
            fail_at(i, fmt::format("invalid UTF-8 (overlong form, surrogate or above U+10FFFF) "
                                   "starting with byte 0x{:02X}", c),
                    "UTF-8 text");
        }
        i += static_cast<std::size_t>(len);
    }
    // Pass 2: a light lexer (comments, the four string forms) for non-ASCII outside strings,
    // nesting depth and dotted-key length.
    line = 1;
    line_start = 0;
    int depth = 0;
    std::vector<char> open;  // the '[' and '{' not yet closed, innermost last
    int parts = 0;         // parts of the dotted chain being read
    bool after_dot = false;  // the chain ended in '.', waiting for its next part
    bool in_segment = false; // inside a bare-key-like run
    auto end_segment = [&] {
        if (in_segment) {
            in_segment = false;
        }
    };
    auto add_part = [&](std::size_t i) {
        parts = after_dot ? parts + 1 : 1;
        after_dot = false;
        if (parts > kMaxTomlKeyParts) {
            fail_at(i, fmt::format("a dotted key with more than {} parts", kMaxTomlKeyParts),
                    fmt::format("at most {} dotted parts", kMaxTomlKeyParts));
        }
    };
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            line_start = i + 1;
            end_segment();
            parts = 0;
            after_dot = false;
            ++i;
            continue;
        }
        if (c == '#') {
            while (i < n && text[i] != '\n') ++i;
            continue;
        }
        if (c == '"' || c == '\'') {
            end_segment();
            const bool multi = i + 2 < n && text[i + 1] == c && text[i + 2] == c;
            if (!multi) add_part(i);
            std::size_t j = i + (multi ? 3 : 1);
            for (;;) {
                if (j >= n) {
                    i = n;
                    break;
                }
                const char d = text[j];
                if (d == '\n') {
                    if (!multi) {  // toml++ reports the unterminated string
                        i = j;
                        break;
                    }
                    ++line;
                    line_start = j + 1;
                }
                if (c == '"' && d == '\\' && j + 1 < n) {
                    j += 2;
                    continue;
                }
                if (d == c) {
                    if (!multi) {
                        i = j + 1;
                        break;
                    }
                    if (j + 2 < n && text[j + 1] == c && text[j + 2] == c) {
                        std::size_t k = j + 3;
                        while (k < n && text[k] == c && k < j + 5) ++k;  // up to 2 quotes inside
                        i = k;
                        break;
                    }
                }
                ++j;
            }
            if (multi) parts = 0;
            continue;
        }
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) {
            fail_at(i, "non-ASCII character outside a string or comment",
                    "ASCII keys and values; put other characters in a quoted string");
        }
        if (std::isalnum(u) || c == '_' || c == '-' || c == '+' || c == ':') {
            if (!in_segment) {
                add_part(i);
                in_segment = true;
            }
            ++i;
            continue;
        }
        end_segment();
        if (c == '.') {
            if (parts > 0) after_dot = true;
        } else if (c != ' ' && c != '\t') {
            parts = 0;
            after_dot = false;
        }
        if (c == '[' || c == '{' || (c == ',' && !open.empty() && open.back() == '{')) {
            // Where a key must follow (a table header, an inline table), toml++ 3.3 asserts
            // (debug) instead of reporting a missing key: check it here.
            const bool header = c == '[' && open.empty() &&
                                text.find_first_not_of(" \t", line_start) == i;
            if (header || c != '[') {
                std::size_t j = i + 1;
                if (header && j < n && text[j] == '[') ++j;
                while (j < n && (text[j] == ' ' || text[j] == '\t')) ++j;
                const auto k = j < n ? static_cast<unsigned char>(text[j]) : '\n';
                const bool key_start = std::isalnum(k) || k == '_' || k == '-' || k == '"' || k == '\'';
                // (Inline tables are one line in TOML 1.0: a newline or comment here is an error
                // too; `{}` is an empty table.)
                const bool left_to_toml = c == '{' && k == '}';
                if (!key_start && !left_to_toml) {
                    fail_at(j, header ? "a table header without a key name" : "a key is expected in the inline table",
                            "a bare key (letters, digits, _ and -) or a quoted key");
                }
            }
        }
        const bool array_open = c == '[' && !(open.empty() && text.find_first_not_of(" \t", line_start) == i);
        if (array_open || (c == ',' && !open.empty() && open.back() == '[')) {
            // A '}' where an array value is expected trips toml++ 3.3's assertion
            // `!is_value_terminator(*cp)` (i=[} , x=[1,}): refuse it here.
            std::size_t j = i + 1;
            int extra_lines = 0;
            std::size_t j_line_start = line_start;
            while (j < n) {
                if (text[j] == '#') {
                    while (j < n && text[j] != '\n') ++j;
                } else if (text[j] == '\n') {
                    ++extra_lines;
                    j_line_start = ++j;
                } else if (text[j] == ' ' || text[j] == '\t' || text[j] == '\r') {
                    ++j;
                } else {
                    break;
                }
            }
            if (j < n && text[j] == '}') {
                line += extra_lines;
                line_start = j_line_start;
                fail_at(j, "'}' where an array value is expected", "a value, or ']' to close the array");
            }
        }
        if (c == '[' || c == '{') {
            open.push_back(c);
            if (++depth > kMaxTomlNesting) {
                fail_at(i, fmt::format("arrays or inline tables nested more than {} deep",
                                       kMaxTomlNesting),
                        fmt::format("at most {} levels", kMaxTomlNesting));
            }
        } else if ((c == ']' || c == '}') && depth > 0) {
            --depth;
            open.pop_back();
        }
        ++i;
    }
}

//! For toml++'s "cannot redefine existing ..." errors, whose key text is garbled for quoted
//! keys in toml++ 3.3: the key as written in the source, found from the error position.
inline std::string key_text_at(const std::string& text, int line, int column) {
    std::size_t pos = 0;
    for (int l = 1; l < line && pos != std::string::npos; ++l) {
        pos = text.find('\n', pos);
        if (pos != std::string::npos) ++pos;
    }
    if (pos == std::string::npos || pos >= text.size()) return {};
    const std::size_t eol = std::min(text.find('\n', pos), text.size());
    std::string row = text.substr(pos, eol - pos);
    std::size_t col = std::min<std::size_t>(column > 0 ? static_cast<std::size_t>(column) : 1, row.size());
    auto trim = [](std::string s) {
        const auto b = s.find_first_not_of(" \t");
        const auto e = s.find_last_not_of(" \t\r");
        return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    const std::size_t eq = row.rfind('=', col == 0 ? 0 : col - 1);
    if (eq == std::string::npos) {  // a table header
        const std::size_t hash = row.find('#');
        return trim(row.substr(0, hash));
    }
    std::size_t start = row.find_last_of("{,", eq);
    start = start == std::string::npos ? 0 : start + 1;
    return trim(row.substr(start, eq - start));
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
            throw InputError(file, line, column, "",
                             "duplicate key or table: '" + key +
                                 "' is already defined earlier in the file",
                             "each key and table defined once");
        }
        throw InputError(file, line, column, "", "TOML syntax error: " + description);
    }
}

}  // namespace relsim::io::detail
