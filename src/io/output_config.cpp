//! @file output_config.cpp
//! The [output] table: which per-point quantities a run stores, and reductions along the last
//! sweep axis (docs/output.md).
//!
//!   [output]
//!   results = ["eqe", "cie_x", "cie_y", "luminance_cd_m2", "fates/*"]  # default: every quantity
//!   line_rates = false    # /results/line_photon_rate (default true)
//!   spectra = false       # /spectrum/power (default: as [spectrum] save)
//!   reduce = "rolloff"    # per row of a current sweep: /reduced/rolloff/* (default "none")
//!
//! The syntax is checked here; the names in `results` are checked against the quantities the
//! run computes by the sweep module (they depend on the ions and levels), also before anything
//! is written, with the file, line and allowed names in the message.
#include <fmt/format.h>

#include "detail/nir_tables.hpp"

namespace relsim::io::detail {

void read_output_table(const Src& src, const toml::table& root, RunConfig& cfg) {
    const toml::node* n = root.get("output");
    if (!n) return;
    const toml::table& t = src.table(*n, "output", "an [output] table");
    src.check_keys(t, "output", {"results", "line_rates", "spectra", "reduce"});
    OutputSpec& o = cfg.output;
    o.given = true;
    if (const toml::node* r = t.get("results")) {
        const char* what = "an array of result names, e.g. [\"eqe\", \"cie_x\", \"fates/*\"]";
        const toml::array& a = src.array(*r, "output.results", what);
        o.results_given = true;
        for (std::size_t i = 0; i < a.size(); ++i) {
            const toml::node& e = *a.get(i);
            const std::string key = join(std::string("output.results"), i);
            std::string name = src.string(e, key, "a result name (string)");
            if (name.empty()) src.fail(e.source(), key, "empty result name", what);
            o.results.push_back(std::move(name));
            o.results_at.emplace_back(static_cast<int>(e.source().begin.line),
                                      static_cast<int>(e.source().begin.column));
        }
    }
    if (const toml::node* v = t.get("line_rates"))
        o.line_rates = src.boolean(*v, "output.line_rates");
    if (const toml::node* v = t.get("spectra")) {
        const bool spectra = src.boolean(*v, "output.spectra");
        if (cfg.spectrum.save_given && cfg.spectrum.save != spectra) {
            src.fail(v->source(), "output.spectra",
                     fmt::format("output.spectra = {} contradicts spectrum.save = {} (both tables "
                                 "set whether spectra are stored)",
                                 spectra, cfg.spectrum.save),
                     "the same value in [output] and [spectrum], or only one of the two keys");
        }
        cfg.spectrum.save = spectra;
        cfg.spectrum.save_given = true;
    }
    if (const toml::node* v = t.get("reduce")) {
        const char* allowed = "\"none\" or \"rolloff\"";
        o.reduce = src.string(*v, "output.reduce", allowed);
        if (o.reduce != "none" && o.reduce != "rolloff") {
            src.fail(v->source(), "output.reduce", "unknown reduction '" + o.reduce + "'", allowed);
        }
        if (o.reduce == "rolloff") {
            const char* need =
                "a grid [sweep] whose last axis is device.current_density_mA_cm2 (alone or zipped) "
                "with at least 2 values";
            const SweepSpec* s = cfg.sweep ? &*cfg.sweep : nullptr;
            bool ok = s && s->mode == "grid" && !s->axes.empty() && s->axes.back().size() >= 2;
            if (ok) {
                const auto& keys = s->axes.back().keys;
                ok = std::find(keys.begin(), keys.end(), "device.current_density_mA_cm2") !=
                     keys.end();
            }
            if (!ok) {
                src.fail(v->source(), "output.reduce",
                         "reduce = \"rolloff\" needs the current density as the last sweep axis",
                         need);
            }
        }
    }
}

}  // namespace relsim::io::detail
