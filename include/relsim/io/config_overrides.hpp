//! @file config_overrides.hpp
//! Setting config keys from outside the file: `relsim run CONFIG --set key=value` and Python's
//! `cfg["key"] = value`. An override edits the config *text* (the value in place when the key
//! is written in the file, a new `key = value` line in its table otherwise, comments and the
//! rest of the file untouched) and the edited text is validated by the ordinary loader, so an
//! override is checked exactly like the file: same ranges, same messages.
#pragma once

#include <string>
#include <vector>

#include "relsim/io/config.hpp"

namespace relsim::io {

//! One override: a dotted key path and a TOML value literal ("1.5", "\"Eu\"", "true", "[1, 2]").
struct ConfigOverride {
    std::string key;
    std::string value_toml;
    std::string origin;  //!< how the user wrote it, for messages ("--set device.outcoupling=0.3")
};

//! Parses a `--set` argument "key=value". A value that is not a TOML literal is taken as a
//! string (`--set dopant.1.ion=Eu`). Throws InputError (file "--set") when there is no '=' or
//! the key is not a dotted key path.
[[nodiscard]] ConfigOverride parse_override(const std::string& assignment);

//! The config text with the overrides applied, in order. `path` names the text in messages.
//! Throws InputError when the text is not TOML, when a key cannot be set this way (a key whose
//! parent is not a table of the file, e.g. an ion-file parameter, or a new array element) or
//! when the edited text would not be TOML. The result is not validated: load it.
//! `edited_lines`, when not null, receives the 1-based lines of the result that hold an
//! overridden value; `inserted_lines` the lines that were added (for line-number mapping).
[[nodiscard]] std::string apply_overrides(const std::string& text, const std::string& path,
                                          const std::vector<ConfigOverride>& overrides,
                                          std::vector<int>* edited_lines = nullptr,
                                          std::vector<int>* inserted_lines = nullptr);

//! load_config_text(apply_overrides(text, ...), path). A validation error on an overridden
//! value names the override ("... (value from --set device.outcoupling=3)"); errors elsewhere
//! keep the line numbers of the original text.
[[nodiscard]] RunConfig load_config_text_with_overrides(
    const std::string& text, const std::string& path, const std::vector<ConfigOverride>& overrides);

//! Reads `path` and applies the overrides (as above).
[[nodiscard]] RunConfig load_config_with_overrides(const std::string& path,
                                                   const std::vector<ConfigOverride>& overrides);

//! A value of the config by dotted key path, as TOML text: the literal written in the file, or
//! for a numeric model parameter that the file leaves to its default (or takes from an ion
//! file) its resolved value. Empty when the key names nothing.
[[nodiscard]] std::string config_value_toml(const RunConfig& config, const std::string& key);

}  // namespace relsim::io
