//! @file lifetime_config.cpp
//! [lifetime], [inventory] and device.eml_thickness_nm with the shared typed TOML accessors
//! (relsim/io/detail/toml_reader.hpp, the one include of it in this module: switching to the
//! public accessor header is a change of this file only).
#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "relsim/io/config_registry.hpp"
#include "relsim/io/detail/config_document.hpp"
#include "relsim/io/detail/toml_reader.hpp"
#include "relsim/core/error.hpp"
#include "relsim/lifetime/inventory.hpp"
#include "relsim/lifetime/lifetime_config.hpp"

namespace relsim::lifetime {
namespace {

using io::detail::ParamRule;
using io::detail::Src;
namespace rule = io::detail::rule;

constexpr ParamRule kRateRules[] = {
    rule::nonneg("lifetime.kX_TP_cm3_s", "cm^3 s^-1", false),
    rule::nonneg("lifetime.kX_SP_cm3_s", "cm^3 s^-1", false),
    rule::nonneg("lifetime.kX_T_s", "s^-1", false),
    rule::nonneg("lifetime.kX_S_s", "s^-1", false),
    rule::nonneg("lifetime.kQ_T_cm3_s", "cm^3 s^-1", false),
    rule::nonneg("lifetime.kQ_S_cm3_s", "cm^3 s^-1", false),
    rule::nonneg("lifetime.kQ_Ln_cm3_s", "cm^3 s^-1", false),
};
constexpr ParamRule kStopRule{"lifetime.stop_fraction", "1", 0.0, 1.0, true, true, false, false};
constexpr ParamRule kMaxHoursRule = rule::positive("lifetime.max_hours", "h", false);
constexpr ParamRule kTimePointsRule = rule::count("lifetime.time_points", 2.0, 100000.0);
constexpr ParamRule kThicknessRule = rule::positive("device.eml_thickness_nm", "nm", false);
constexpr ParamRule kPriceRule = rule::nonneg("inventory.price_usd_per_kg", "USD kg^-1", false);

//! The keys of [lifetime]: every one but time_points (the output shape) is sweepable as
//! "lifetime.<key>". The reader's key check and the sweep's did-you-mean both derive from it.
constexpr std::array<std::string_view, 10> kLifetimeKeys = {
    "kX_TP_cm3_s", "kX_SP_cm3_s", "kX_T_s",        "kX_S_s",    "kQ_T_cm3_s",
    "kQ_S_cm3_s",  "kQ_Ln_cm3_s", "stop_fraction", "max_hours", "time_points"};

//! "lifetime.<key>" of every sweepable [lifetime] key.
std::vector<std::string> sweepable_keys() {
    std::vector<std::string> out;
    for (const std::string_view k : kLifetimeKeys) {
        if (k != "time_points") out.push_back("lifetime." + std::string(k));
    }
    return out;
}

//! The member of `s` a swept key "lifetime.<name>" sets, with its rule; nullptr: not sweepable.
double* swept_member(LifetimeSettings& s, const std::string& key, const ParamRule** rule) {
    static const char* names[] = {"kX_TP_cm3_s", "kX_SP_cm3_s", "kX_T_s",     "kX_S_s",
                                  "kQ_T_cm3_s",  "kQ_S_cm3_s",  "kQ_Ln_cm3_s"};
    double* members[] = {&s.rates.kX_TP_cm3_s, &s.rates.kX_SP_cm3_s, &s.rates.kX_T_s,
                         &s.rates.kX_S_s,      &s.rates.kQ_T_cm3_s,  &s.rates.kQ_S_cm3_s,
                         &s.rates.kQ_Ln_cm3_s};
    for (std::size_t i = 0; i < std::size(names); ++i) {
        if (key == std::string("lifetime.") + names[i]) {
            *rule = &kRateRules[i];
            return members[i];
        }
    }
    if (key == "lifetime.stop_fraction") {
        *rule = &kStopRule;
        return &s.stop_fraction;
    }
    if (key == "lifetime.max_hours") {
        *rule = &kMaxHoursRule;
        return &s.max_hours;
    }
    return nullptr;
}

//! 1-based line of the first occurrence of `needle` in `text` (0 when absent).
int line_of(const std::string& text, const std::string& needle) {
    const std::size_t at = text.find(needle);
    if (at == std::string::npos) return 0;
    return 1 +
           static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

double* rate_member(DegradationRates& r, std::size_t i) {
    double* m[] = {&r.kX_TP_cm3_s, &r.kX_SP_cm3_s, &r.kX_T_s,     &r.kX_S_s,
                   &r.kQ_T_cm3_s,  &r.kQ_S_cm3_s,  &r.kQ_Ln_cm3_s};
    return m[i];
}

//! Thickness of the [optics] emitting layer, if the config names one.
std::optional<double> optics_emitting_thickness(const toml::table& root) {
    const toml::table* o = root.get("optics") ? root.get("optics")->as_table() : nullptr;
    if (!o) return std::nullopt;
    const toml::node* e = o->get("emitting_layer");
    const toml::node* layers = o->get("layer");
    if (!e || !e->as_string() || !layers || !layers->as_array()) return std::nullopt;
    for (const toml::node& l : *layers->as_array()) {
        const toml::table* t = l.as_table();
        if (!t || !t->get("name") || !t->get("name")->as_string()) continue;
        if (t->get("name")->as_string()->get() != e->as_string()->get()) continue;
        if (const toml::node* th = t->get("thickness_nm")) {
            if (auto v = th->value<double>()) return *v;
        }
    }
    return std::nullopt;
}

//! The [transport] emissive layer, if the config names one: its index among
//! [[transport.layer]], thickness and the node of its thickness (src/transport checks the
//! table itself; an incomplete one is refused there).
struct TransportEml {
    std::size_t index = 0;
    double thickness_nm = 0.0;
    std::string name;
};
std::optional<TransportEml> transport_emissive_layer(const toml::table& root) {
    const toml::table* t = root.get("transport") ? root.get("transport")->as_table() : nullptr;
    if (!t) return std::nullopt;
    const toml::node* e = t->get("emissive_layer");
    const toml::node* layers = t->get("layer");
    if (!e || !e->as_string() || !layers || !layers->as_array()) return std::nullopt;
    const toml::array& arr = *layers->as_array();
    for (std::size_t i = 0; i < arr.size(); ++i) {
        const toml::table* l = arr[i].as_table();
        if (!l || !l->get("name") || !l->get("name")->as_string()) continue;
        if (l->get("name")->as_string()->get() != e->as_string()->get()) continue;
        if (const toml::node* th = l->get("thickness_nm")) {
            if (auto v = th->value<double>()) return TransportEml{i, *v, e->as_string()->get()};
        }
    }
    return std::nullopt;
}

//! Reads the tables from the parsed document `root` of the config `path`.
LifetimeConfig read_lifetime(const toml::table& root, const std::string& path,
                             double recombination_zone_nm) {
    const Src src(path);
    LifetimeConfig out;

    // Emitting-layer thickness: device.eml_thickness_nm, else the [optics] emitting layer, else w.
    out.eml_thickness_nm = recombination_zone_nm;
    out.eml_thickness_origin = "default: device.recombination_zone_nm";
    const std::optional<double> optics_d = optics_emitting_thickness(root);
    if (optics_d && *optics_d > 0.0) {
        out.eml_thickness_nm = *optics_d;
        out.eml_thickness_origin = "[optics] emitting layer";
        out.eml_thickness_is_zone = false;
    }
    // With [transport]: its emissive layer (which a sweep may move: eml_thickness_key).
    const std::optional<TransportEml> transport_d = transport_emissive_layer(root);
    const std::string transport_key =
        transport_d ? fmt::format("transport.layer.{}.thickness_nm", transport_d->index)
                    : std::string();
    if (transport_d && transport_d->thickness_nm > 0.0) {
        out.eml_thickness_nm = transport_d->thickness_nm;
        out.eml_thickness_origin =
            fmt::format("[transport] emissive layer '{}' ({})", transport_d->name, transport_key);
        out.eml_thickness_is_zone = false;
        out.eml_thickness_key = transport_key;
    }
    if (const toml::node* dev = root.get("device"); dev && dev->as_table()) {
        if (const toml::node* n = dev->as_table()->get("eml_thickness_nm")) {
            const double d = src.number(*n, "device.eml_thickness_nm", &kThicknessRule);
            if (transport_d && std::abs(d - transport_d->thickness_nm) >
                                   1e-9 * std::max(d, transport_d->thickness_nm)) {
                src.fail(
                    n->source(), "device.eml_thickness_nm",
                    fmt::format(
                        "{:g} nm disagrees with {} = {:g} nm, the thickness of the [transport] "
                        "emissive layer '{}'",
                        d, transport_key, transport_d->thickness_nm, transport_d->name),
                    fmt::format("{:g} nm ({}), or leave device.eml_thickness_nm out",
                                transport_d->thickness_nm, transport_key));
            }
            if (transport_d) {
                for (const auto& [key, where] : io::detail::swept_keys(root)) {
                    if (key != transport_key) continue;
                    src.fail(
                        *where, key,
                        fmt::format("the sweep moves {} (the [transport] emissive layer) while "
                                    "device.eml_thickness_nm fixes the inventory's thickness",
                                    key),
                        "leave device.eml_thickness_nm out: the inventory follows the swept layer");
                }
            }
            if (optics_d && std::abs(d - *optics_d) > 1e-9 * std::max(d, *optics_d)) {
                src.fail(n->source(), "device.eml_thickness_nm",
                         fmt::format("{:g} nm disagrees with the [optics] emitting layer ({:g} nm)",
                                     d, *optics_d),
                         "the thickness of the [optics] emitting layer, or leave the key out");
            }
            out.eml_thickness_nm = d;
            out.eml_thickness_origin = "config";
            out.eml_thickness_is_zone = false;
            out.eml_thickness_key.clear();
        }
    }

    if (const toml::node* n = root.get("inventory")) {
        const toml::table& t = src.table(*n, "inventory");
        src.check_keys(t, "inventory", {"price_usd_per_kg"});
        if (const toml::node* p = t.get("price_usd_per_kg")) {
            const toml::table& pt =
                src.table(*p, "inventory.price_usd_per_kg",
                          "an inline table of prices by ion, e.g. { Tb = 1500.0 }");
            for (auto&& [k, v] : pt) {
                const std::string ion(k.str());
                const std::string key = "inventory.price_usd_per_kg." + ion;
                if (!atomic_weight_g_mol(ion)) {
                    src.fail(
                        v.source(), key,
                        "'" + ion + "' is not a rare-earth symbol with a standard atomic weight",
                        "Sc, Y, La..Lu");
                }
                out.prices_usd_per_kg[ion] = src.number(v, key, &kPriceRule);
            }
        }
    }

    const toml::node* node = root.get("lifetime");
    if (!node) return out;
    const toml::table& t = src.table(*node, "lifetime");
    if (const toml::node* nc = root.get("nanocrystal")) {
        src.fail(nc->source(), "nanocrystal",
                 "[lifetime] together with [nanocrystal] is not supported in this version (the "
                 "microscopic model has no quasi-steady degradation loop yet)",
                 "either [lifetime] (mean-field) or [nanocrystal]");
    }
    if (root.get("transport")) {
        // [lifetime] + [transport]: constant current only, and not with [optics] yet.
        if (const toml::node* o = root.get("optics")) {
            src.fail(o->source(), "optics",
                     "[lifetime] together with [transport] and [optics] is not supported in this "
                     "version "
                     "(the transport slices degrade with the constant outcoupling only)",
                     "[lifetime] with [transport], or [lifetime] with [optics]");
        }
        const toml::node* dn = root.get("device");
        const toml::node* v = dn && dn->as_table() ? dn->as_table()->get("voltage_V") : nullptr;
        const toml::source_region* where = v ? &v->source() : nullptr;
        for (const auto& [key, region] : io::detail::swept_keys(root)) {
            if (key == "device.voltage_V" && !where) where = region;
        }
        if (where) {
            src.fail(
                *where, "device.voltage_V",
                "[lifetime] with [transport] driven by a voltage is not supported in this version: "
                "the "
                "lifetime test runs at constant current, and brightness decay at constant voltage "
                "needs "
                "the stack re-solved as the device ages (defects as charge traps, not modelled)",
                "device.current_density_mA_cm2 (a constant-current drive) with [transport] and "
                "[lifetime]");
        }
    }
    src.check_keys_in(t, "lifetime", kLifetimeKeys);
    LifetimeSettings s;
    for (std::size_t i = 0; i < std::size(kRateRules); ++i) {
        const std::string key(kRateRules[i].pattern);
        if (const toml::node* n = t.get(key.substr(9)))
            *rate_member(s.rates, i) = src.number(*n, key, &kRateRules[i]);
    }
    if (const toml::node* n = t.get("stop_fraction"))
        s.stop_fraction = src.number(*n, "lifetime.stop_fraction", &kStopRule);
    if (const toml::node* n = t.get("max_hours"))
        s.max_hours = src.number(*n, "lifetime.max_hours", &kMaxHoursRule);
    if (const toml::node* n = t.get("time_points")) {
        s.time_points = static_cast<int>(src.number(*n, "lifetime.time_points", &kTimePointsRule));
    }
    out.lifetime = s;
    return out;
}

}  // namespace

LifetimeConfig read_lifetime_config(const std::string& text, const std::string& path,
                                    double recombination_zone_nm) {
    const toml::table root = io::detail::parse_toml(text, path);
    return read_lifetime(root, path, recombination_zone_nm);
}

LifetimeConfig read_lifetime_config(const io::RunConfig& cfg) {
    const auto document = io::detail::document_of(cfg);  // parsed once by io::load_config
    LifetimeConfig lc =
        read_lifetime(document->root, cfg.path, cfg.model.device.recombination_zone_nm);
    if (!cfg.sweep) return lc;
    for (const io::SweepAxis& ax : cfg.sweep->axes) {
        for (std::size_t k = 0; k < ax.keys.size(); ++k) {
            const std::string& key = ax.keys[k];
            if (key.rfind("lifetime.", 0) != 0) continue;
            const int line = line_of(cfg.text, "\"" + key + "\"");
            const std::string allowed =
                "lifetime.kX_TP_cm3_s, kX_SP_cm3_s, kX_T_s, kX_S_s, kQ_T_cm3_s, kQ_S_cm3_s, "
                "kQ_Ln_cm3_s, "
                "stop_fraction, max_hours (time_points sets the output shape and is not "
                "sweepable), "
                "with a [lifetime] table";
            if (!lc.lifetime)
                throw InputError(cfg.path, line, 0, key,
                                 "a lifetime key is swept but the config has no [lifetime] table",
                                 allowed);
            LifetimeSettings probe = *lc.lifetime;
            const ParamRule* rule = nullptr;
            if (!swept_member(probe, key, &rule)) {
                throw InputError(cfg.path, line, 0, key,
                                 "'" + key + "' is not a sweepable [lifetime] key" +
                                     io::detail::did_you_mean(key, sweepable_keys()),
                                 allowed);
            }
            for (std::size_t i = 0; i < ax.values[k].size(); ++i) {
                const std::string problem = io::detail::check_rule(*rule, ax.values[k][i]);
                if (!problem.empty()) {
                    throw InputError(cfg.path, line, 0, key,
                                     fmt::format("sweep value {}: {}", i, problem),
                                     io::detail::range_text(*rule));
                }
            }
        }
    }
    return lc;
}

std::string parameter_unit(const std::string& key_path) {
    LifetimeSettings probe;
    const ParamRule* rule = nullptr;
    return swept_member(probe, key_path, &rule) && rule ? std::string(rule->unit) : std::string();
}

namespace {

//! The [lifetime] block of `relsim init` (config_registry.hpp, ConfigTables::starting_block);
//! the numbers are those of configs/lifetime/tb_lifetime.toml, where each carries its source.
constexpr const char* kStartingBlock =
    R"(## Optional [lifetime] (docs/lifetime.md): defects form from excitons and polarons at
## constant current and quench them; relsim integrates the luminance decay to LT50 at every
## point. To add it, delete the leading "# " of each line below.
# [lifetime]
# kX_TP_cm3_s = 1.0e-22          # defect formation by triplet-polaron encounters (cm^3 s^-1)
# kQ_T_cm3_s = 1.0e-12           # defect quenching of ligand triplets (cm^3 s^-1)
# kQ_Ln_cm3_s = 1.0e-12          # defect quenching of excited ions (cm^3 s^-1)
# stop_fraction = 0.5            # stop at LT50
# max_hours = 1.0e6
# time_points = 200
)";

}  // namespace

void register_config_tables() {
    io::ConfigTables t;
    t.module = "lifetime";
    t.tables = {"lifetime", "inventory"};
    t.sweep_prefixes = {"lifetime."};  // key and values checked by read_lifetime_config(cfg)
    t.unit = &parameter_unit;
    // The emitting-layer thickness of the inventory, which every run computes (else the
    // [optics] layer or the zone): read here, with or without [lifetime]/[inventory].
    t.io_table_keys = {"device.eml_thickness_nm"};
    // The lifetime and inventory stages read every per-point population and photon rate.
    t.refuses = {{"output.results",
                  "[output] results (a chosen subset) is not combined with [{table}], whose "
                  "stage reads the per-point populations and photon rates",
                  "leave out output.results (store every quantity) or the [{table}] table"}};
    t.starting_block = kStartingBlock;
    t.keys = sweepable_keys();
    io::register_config_tables(std::move(t));
}

LifetimeSettings settings_at(const io::RunConfig& cfg, const LifetimeSettings& base,
                             std::uint64_t index) {
    LifetimeSettings s = base;
    if (!cfg.sweep) return s;
    cfg.sweep->for_each_value(index, [&](const std::string& key, double v) {
        const ParamRule* rule = nullptr;
        if (double* m = swept_member(s, key, &rule)) *m = v;
    });
    return s;
}

}  // namespace relsim::lifetime
