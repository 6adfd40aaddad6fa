//! @file config_document.hpp  (shared by the modules that read config tables; not a user API)
//! The parsed TOML document of a loaded config (RunConfig::document): io::load_config parses the
//! text once and every module above io reads its own table from this document instead of parsing
//! the text again (issue 18, "parse once"). toml++ stays out of the public headers.
#pragma once

#include <memory>

#include <toml++/toml.h>

#include "relsim/io/config.hpp"
#include "relsim/io/detail/toml_reader.hpp"

namespace relsim::io {

//! Immutable once made: shared by every copy of the RunConfig and read from any thread.
struct ConfigDocument {
    toml::table root;
};

namespace detail {

//! The document of `cfg`: the one load_config made; for a RunConfig put together by hand
//! (no document), a parse of cfg.text. Keep the pointer while using nodes of the document.
inline std::shared_ptr<const ConfigDocument> document_of(const RunConfig& cfg) {
    if (cfg.document) return cfg.document;
    auto d = std::make_shared<ConfigDocument>();
    d->root = parse_toml(cfg.text, cfg.path);
    return d;
}

}  // namespace detail
}  // namespace relsim::io
