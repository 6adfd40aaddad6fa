//! @file toml_guard.hpp  (private: used by toml_reader.hpp)
//! What stands between a config file and toml++: reading only regular files of bounded size
//! without blocking (read_file), and refusing text that is known to crash, hit assertions in or
//! cause undefined behaviour in toml++ 3.3 (prevalidate_toml). Every refusal is an InputError
//! at file:line:column. docs/reliability.md lists each guard with the input that needs it.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <fmt/format.h>

#include "relsim/core/error.hpp"

namespace relsim::io::detail {

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
              : S_ISCHR(st.st_mode)  ? "is a character device, not a regular file"
              : S_ISBLK(st.st_mode)  ? "is a block device, not a regular file"
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
            fail_at(i,
                    fmt::format("invalid UTF-8 (overlong form, surrogate or above U+10FFFF) "
                                "starting with byte 0x{:02X}",
                                c),
                    "UTF-8 text");
        }
        i += static_cast<std::size_t>(len);
    }
    // Pass 2: a light lexer (comments, the four string forms) for non-ASCII outside strings,
    // nesting depth and dotted-key length.
    line = 1;
    line_start = 0;
    int depth = 0;
    std::vector<char> open;   // the '[' and '{' not yet closed, innermost last
    int parts = 0;            // parts of the dotted chain being read
    bool after_dot = false;   // the chain ended in '.', waiting for its next part
    bool in_segment = false;  // inside a bare-key-like run
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
                    // In a """ string toml++ 3.3 tests the characters after a backslash with
                    // is_whitespace / is_horizontal_whitespace (a line-ending backslash skips
                    // spaces, tabs and line breaks), and those reach __builtin_unreachable for
                    // most code points from U+00A1 (its generated table has holes): UB.
                    // Refuse a non-ASCII character that such a skip would reach.
                    if (multi && text[j + 1] != '\\') {
                        std::size_t k = j + 1;
                        int skipped_lines = 0;
                        std::size_t k_line_start = line_start;
                        while (k < n && (text[k] == ' ' || text[k] == '\t' || text[k] == '\r' ||
                                         text[k] == '\n')) {
                            if (text[k] == '\n') {
                                ++skipped_lines;
                                k_line_start = k + 1;
                            }
                            ++k;
                        }
                        if (k < n && static_cast<unsigned char>(text[k]) >= 0x80) {
                            line += skipped_lines;
                            line_start = k_line_start;
                            fail_at(k,
                                    "a non-ASCII character after a backslash and the whitespace "
                                    "it skips in a \"\"\" string (toml++ 3.3 mis-reads it)",
                                    "an ASCII character there; a non-ASCII one may follow "
                                    "any ASCII character");
                        }
                    }
                    if (text[j + 1] == '\n') {  // an escaped line break is still a line
                        ++line;
                        line_start = j + 2;
                    }
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
            const bool header =
                c == '[' && open.empty() && text.find_first_not_of(" \t", line_start) == i;
            if (header || c != '[') {
                std::size_t j = i + 1;
                if (header && j < n && text[j] == '[') ++j;
                while (j < n && (text[j] == ' ' || text[j] == '\t')) ++j;
                const auto k = j < n ? static_cast<unsigned char>(text[j]) : '\n';
                const bool key_start =
                    std::isalnum(k) || k == '_' || k == '-' || k == '"' || k == '\'';
                // (Inline tables are one line in TOML 1.0: a newline or comment here is an error
                // too; `{}` is an empty table.)
                const bool left_to_toml = c == '{' && k == '}';
                if (!key_start && !left_to_toml) {
                    fail_at(j,
                            header ? "a table header without a key name"
                                   : "a key is expected in the inline table",
                            "a bare key (letters, digits, _ and -) or a quoted key");
                }
            }
        }
        const bool array_open =
            c == '[' && !(open.empty() && text.find_first_not_of(" \t", line_start) == i);
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
                fail_at(j, "'}' where an array value is expected",
                        "a value, or ']' to close the array");
            }
        }
        if (c == '[' || c == '{') {
            open.push_back(c);
            if (++depth > kMaxTomlNesting) {
                fail_at(i,
                        fmt::format("arrays or inline tables nested more than {} deep",
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
    std::size_t col =
        std::min<std::size_t>(column > 0 ? static_cast<std::size_t>(column) : 1, row.size());
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

}  // namespace relsim::io::detail
