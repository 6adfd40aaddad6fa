//! @file config_writer.cpp
//! Writes fitted values into a config's text, keeping every comment and the layout: a value
//! present in the text is replaced in place (its source span from toml++); a key the text does
//! not set (a default, or a number from an ion file) is set through a one-value sweep axis
//! appended at the end, which `relsim run` applies exactly like a config value.
#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "relsim/io/detail/toml_reader.hpp"

namespace relsim::fit {
namespace {

//! Byte offset of a toml++ (line, column) position; columns count code points from 1.
std::size_t offset_of(const std::string& text, std::size_t line, std::size_t column) {
    std::size_t pos = 0;
    for (std::size_t l = 1; l < line && pos < text.size(); ++l) {
        const std::size_t nl = text.find('\n', pos);
        if (nl == std::string::npos) return text.size();
        pos = nl + 1;
    }
    for (std::size_t c = 1; c < column && pos < text.size(); ++pos) {
        const auto b = static_cast<unsigned char>(text[pos]);
        if ((b & 0xC0) != 0x80) ++c;  // not a continuation byte: a new code point
    }
    while (pos < text.size() && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) ++pos;
    return pos;
}

const toml::node* find_node(const toml::table& root, const std::string& key) {
    const toml::node* n = &root;
    std::string_view rest = key;
    while (!rest.empty()) {
        const std::size_t dot = rest.find('.');
        const std::string part(rest.substr(0, dot));
        rest = dot == std::string_view::npos ? std::string_view{} : rest.substr(dot + 1);
        if (const auto* t = n->as_table()) {
            n = t->get(part);
        } else if (const auto* a = n->as_array()) {
            if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos)
                return nullptr;
            const std::size_t i = std::stoul(part);
            n = i < a->size() ? a->get(i) : nullptr;
        } else {
            return nullptr;
        }
        if (!n) return nullptr;
    }
    return n->is_number() ? n : nullptr;
}

}  // namespace

//! The shortest text that reads back as exactly `v`, always a TOML float.
std::string toml_float(double v) {
    std::string s = fmt::format("{}", v);
    if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
    return s;
}

std::string write_values_into_config(const std::string& text, const std::string& file,
                                     const std::vector<std::pair<std::string, double>>& values,
                                     const std::string& header_comment) {
    const toml::table root = io::detail::parse_toml(text, file);
    struct Edit {
        std::size_t begin, end;
        std::string with;
    };
    std::vector<Edit> edits;
    std::string appended;
    for (const auto& [key, v] : values) {
        if (const toml::node* n = find_node(root, key)) {
            const auto& src = n->source();
            edits.push_back({offset_of(text, src.begin.line, src.begin.column),
                             offset_of(text, src.end.line, src.end.column), toml_float(v)});
        } else {
            appended += fmt::format(
                "\n[[sweep.axis]]  # relsim fit: fitted value of a key this config does not set\n"
                "key = \"{}\"\nvalues = [{}]\n",
                key, toml_float(v));
        }
    }
    std::sort(edits.begin(), edits.end(),
              [](const Edit& a, const Edit& b) { return a.begin > b.begin; });
    std::string out = text;
    for (const Edit& e : edits) out.replace(e.begin, e.end - e.begin, e.with);
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += appended;
    std::string head;
    std::size_t pos = 0;
    while (pos < header_comment.size()) {
        std::size_t nl = header_comment.find('\n', pos);
        if (nl == std::string::npos) nl = header_comment.size();
        head += "# " + header_comment.substr(pos, nl - pos) + "\n";
        pos = nl + 1;
    }
    return head + out;
}

}  // namespace relsim::fit
