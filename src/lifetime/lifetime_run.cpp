//! @file lifetime_run.cpp
//! The lifetime/inventory stage of `relsim run` (lifetime_run.hpp).
#include "relsim/lifetime/lifetime_run.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/lifetime/inventory.hpp"
#include "relsim/lifetime/mean_field_point.hpp"
#include "relsim/model/photometry.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/lifetime/profile_point.hpp"
#include "relsim/optics/device_optics.hpp"
#include "transport_lifetime.hpp"

#ifdef _OPENMP
#include <omp.h>
#endif

namespace relsim::lifetime {
namespace {

using io::ElementType;
using io::H5File;

std::string cie_path() {
    if (const char* dir = std::getenv("RELSIM_DATA_DIR"))
        return std::string(dir) + "/cie1931_2deg_1nm.csv";
    return std::string(build_info::source_dir) + "/data/cie1931_2deg_1nm.csv";
}

std::vector<std::uint64_t> sweep_dims(const io::RunConfig& cfg) {
    std::vector<std::uint64_t> d;
    if (cfg.sweep) {
        for (const io::SweepAxis& ax : cfg.sweep->axes) d.push_back(ax.size());
    }
    return d;
}

std::uint64_t num_points(const io::RunConfig& cfg) {
    return cfg.sweep ? cfg.sweep->num_points() : 1;
}

//! The model parameters of flat sweep point `index` (row-major over the axes).
model::ModelParams params_at(const io::RunConfig& cfg, std::uint64_t index) {
    model::ModelParams p = cfg.model;
    if (!cfg.sweep) return p;
    cfg.sweep->for_each_value(index, [&](const std::string& key, double v) {
        if (double* slot = model::find_parameter(p, key)) *slot = v;
    });
    return p;
}

void put(H5File& f, const std::string& path, const std::vector<std::uint64_t>& dims,
         const std::vector<double>& v, const std::string& units) {
    if (!f.exists(path)) {
        f.create_chunked(path, ElementType::float64, dims,
                         std::vector<std::uint64_t>(dims.size(), 0), units, 0.0);
    }
    f.write_flat_range(path, ElementType::float64, 0, v.size(), v.data());
}

void put_ints(H5File& f, const std::string& path, const std::vector<std::uint64_t>& dims,
              const std::vector<std::int32_t>& v) {
    if (!f.exists(path)) {
        f.create_chunked(path, ElementType::int32, dims, std::vector<std::uint64_t>(dims.size(), 0),
                         "1", 0.0);
    }
    f.write_flat_range(path, ElementType::int32, 0, v.size(), v.data());
}

//! Index of the sweep axis that moves device.current_density_mA_cm2 when it is the only axis.
bool is_current_sweep(const io::RunConfig& cfg) {
    if (!cfg.sweep || cfg.sweep->axes.size() != 1) return false;
    const auto& keys = cfg.sweep->axes[0].keys;
    return std::find(keys.begin(), keys.end(), "device.current_density_mA_cm2") != keys.end();
}

std::string hours_text(double h) { return fmt::format("{:.4g} h", h); }

//! The [optics] table of the config (nullopt without one), read with the wavelengths and zone
//! widths the lifetime points use (the kinetic run has checked the table already).
std::optional<optics::OpticsSpec> optics_spec(const io::RunConfig& cfg) {
    optics::OpticsChecks checks;
    for (const model::BandShape& b : band_list(cfg.model))
        checks.wavelengths_nm.push_back(b.centre_nm);
    checks.recombination_zone_nm = {cfg.model.device.recombination_zone_nm};
    if (cfg.sweep) {
        for (const io::SweepAxis& ax : cfg.sweep->axes) {
            for (std::size_t k = 0; k < ax.keys.size(); ++k) {
                checks.swept.emplace_back(ax.keys[k], ax.values[k]);
                const std::string& key = ax.keys[k];
                if (key == "device.recombination_zone_nm") {
                    checks.recombination_zone_nm.insert(checks.recombination_zone_nm.end(),
                                                        ax.values[k].begin(), ax.values[k].end());
                }
                if (key.find("wavelength_nm") != std::string::npos ||
                    key.find("band_nm") != std::string::npos) {
                    checks.wavelengths_nm.insert(checks.wavelengths_nm.end(), ax.values[k].begin(),
                                                 ax.values[k].end());
                }
            }
        }
    }
    return optics::read_optics_config(cfg, checks);  // the document parsed by io::load_config
}

//! Purcell factors and outcoupling of every emitter slice of sweep point `index` (the optics.*
//! keys of the point applied), in the band order of band_list().
SliceOptics slice_optics(const io::RunConfig& cfg, const optics::OpticsSpec& spec,
                         const model::ModelParams& p, std::uint64_t index) {
    optics::DeviceOptics dev(spec);
    if (cfg.sweep) {
        cfg.sweep->for_each_value(index, [&](const std::string& key, double v) {
            if (double* slot = dev.find_parameter(key)) *slot = v;
        });
    }
    std::vector<double> wl;
    std::vector<bool> md{false, false};
    for (const model::BandShape& b : band_list(p)) wl.push_back(b.centre_nm);
    for (const model::DopantParams& d : p.dopants) {
        for (const model::EmissionLine& ln : d.scheme.lines) md.push_back(ln.magnetic_dipole);
    }
    const auto powers = dev.powers(wl, p.device.recombination_zone_nm);  // [band][slice]
    const std::size_t ns = static_cast<std::size_t>(spec.emitter_slices);
    SliceOptics so;
    so.line_purcell.assign(ns, std::vector<double>(wl.size() - 2, 1.0));
    so.band_eta.assign(ns, std::vector<double>(wl.size(), 0.0));
    for (std::size_t b = 0; b < wl.size(); ++b) {
        for (std::size_t sl = 0; sl < ns; ++sl) {
            so.band_eta[sl][b] = powers[b][sl].eta_air(md[b]);
            if (b >= 2) so.line_purcell[sl][b - 2] = powers[b][sl].purcell(md[b]);
        }
    }
    return so;
}

}  // namespace

Stage::Stage(const io::RunConfig& cfg) : cfg_(cfg), lc_(read_lifetime_config(cfg)) {}

std::string Stage::describe() const {
    std::string s;
    {
        s += fmt::format(
            "inventory: emitting layer {:g} nm ({}); per ion: mg m^-2 = N_s d M / N_A "
            "(IUPAC 2021 atomic weights), mg per klm (pi L / 1000), mg per optical W, "
            "photons per ion per s{}\n",
            lc_.eml_thickness_nm, lc_.eml_thickness_origin,
            cfg_.has_table("nanocrystal")
                ? "; microscopic model: N_s = mean ions per NC on the lattice x "
                  "nc_density_cm3 (the [[dopant]] densities below are not used)"
                : "");
        for (const model::DopantParams& d : cfg_.model.dopants) {
            const auto M = atomic_weight_g_mol(d.ion);
            if (cfg_.has_table("nanocrystal")) {
                s += fmt::format(
                    "  {}: M = {} g mol^-1, ions counted on the NC lattices at run time\n", d.ion,
                    M ? fmt::format("{:.6g}", *M) : std::string("unknown"));
                continue;
            }
            s += fmt::format(
                "  {}: M = {} g mol^-1, {:.6g} mg m^-2 at N = {:g} cm^-3{}\n", d.ion,
                M ? fmt::format("{:.6g}", *M) : std::string("unknown"),
                M ? mass_mg_m2(d.density_cm3, lc_.eml_thickness_nm, *M) : 0.0, d.density_cm3,
                lc_.prices_usd_per_kg.count(d.ion)
                    ? fmt::format(", price {:g} USD kg^-1", lc_.prices_usd_per_kg.at(d.ion))
                    : std::string());
        }
        if (lc_.prices_usd_per_kg.empty()) s += "  no [inventory] prices: no cost output\n";
    }
    if (lc_.lifetime) {
        const LifetimeSettings& l = *lc_.lifetime;
        const DegradationRates& r = l.rates;
        s += fmt::format(
            "lifetime: constant current, defects Q: dQ/dt = {:g} T n_p + {:g} S n_p + {:g} T + "
            "{:g} S; "
            "quenching kQ_T {:g}, kQ_S {:g}, kQ_Ln {:g} cm^3 s^-1\n"
            "  quasi-steady point solves, Q(t) by Dormand-Prince 5(4) with dense output (rel. tol "
            "{:g}); "
            "stop at L/L0 = {:g} or {:g} h; {} output times; LT95/90/70/50\n",
            r.kX_TP_cm3_s, r.kX_SP_cm3_s, r.kX_T_s, r.kX_S_s, r.kQ_T_cm3_s, r.kQ_S_cm3_s,
            r.kQ_Ln_cm3_s, l.relative_tolerance, l.stop_fraction, l.max_hours, l.time_points);
        if (cfg_.has_table("transport")) {
            s += "  [transport]: the stack solved once per point at t = 0 at its constant current "
                 "(Q does not enter "
                 "the drift-diffusion equations); every emissive-layer slice degrades with its own "
                 "G_k, n_p,k "
                 "(one Q per slice, /lifetime/slices)\n";
        }
        if (!r.forms_defects()) s += "  every formation rate is 0: L/L0 stays 1 up to max_hours\n";
        if (is_current_sweep(cfg_))
            s += "  current sweep: acceleration exponent n of LT50 = C L0^-n in the summary\n";
    }
    return s;
}

std::string Stage::run(const std::string& output_path, int threads, bool quiet) const {
    std::string report;
    const std::uint64_t N = num_points(cfg_);
    const std::vector<std::uint64_t> dims = sweep_dims(cfg_);
    H5File f(output_path, H5File::Mode::read_write);
    for (const char* need : {"/results/status", "/results/eqe", "/results/luminance_cd_m2"}) {
        if (!f.exists(need)) {
            if (!quiet)
                report +=
                    fmt::format("  inventory: not computed ({} is not in the result file)\n", need);
            return report;
        }
    }
    if (cfg_.output.results_given &&
        !cfg_.has_table("nanocrystal")) {  // [output] may leave out what the inventory reads
        for (const model::DopantParams& d : cfg_.model.dopants) {
            std::vector<std::string> need{"/results/photon_rate/" + d.ion};
            for (const model::Level& lv : d.scheme.levels) {
                if (cfg_.has_table("transport"))
                    break;  // [transport] results have no populations (max radiative rate)
                std::string name = d.ion + "_" + lv.name;
                std::replace(name.begin(), name.end(), '/', '_');
                need.push_back("/results/populations/" + name);
            }
            for (const std::string& p : need) {
                if (f.exists(p)) continue;
                if (!quiet)
                    report += fmt::format(
                        "  inventory: not computed ({} is not stored: [output] results)\n", p);
                return report;
            }
        }
    }
    const std::vector<double> status = f.read_doubles("/results/status");
    const std::vector<double> eqe = f.read_doubles("/results/eqe");
    const std::vector<double> lum = f.read_doubles("/results/luminance_cd_m2");
    const std::vector<double> rad = f.exists("/results/radiance_W_sr_m2")
                                        ? f.read_doubles("/results/radiance_W_sr_m2")
                                        : std::vector<double>(N, 0.0);
    const std::vector<double> pvalid = f.exists("/results/photometry_valid")
                                           ? f.read_doubles("/results/photometry_valid")
                                           : std::vector<double>(N, 1.0);
    std::uint64_t best = 0;
    double best_eqe = -1.0;
    for (std::uint64_t i = 0; i < N; ++i) {
        if (status[i] == 0.0 && eqe[i] > best_eqe) {
            best_eqe = eqe[i];
            best = i;
        }
    }

    // ---- inventory ----------------------------------------------------------------------------
    const std::size_t ns = cfg_.model.dopants.size();
    std::vector<std::vector<double>> species_rate(ns);
    for (std::size_t s = 0; s < ns; ++s) {
        const std::string p = "/results/photon_rate/" + cfg_.model.dopants[s].ion;
        species_rate[s] = f.exists(p) ? f.read_doubles(p) : std::vector<double>(N, 0.0);
    }
    // Level populations (mean-field /results/populations/<Ion>_<level>) pick each ion's emitting
    // level for the turnover ceiling; absent (microscopic runs): the largest radiative rate.
    std::vector<std::vector<std::vector<double>>> pops(ns);  // [species][level][point]
    for (std::size_t s = 0; s < ns; ++s) {
        for (const model::Level& lv : cfg_.model.dopants[s].scheme.levels) {
            std::string name = cfg_.model.dopants[s].ion + "_" + lv.name;
            std::replace(name.begin(), name.end(), '/', '_');
            const std::string p = "/results/populations/" + name;
            pops[s].push_back(f.exists(p) ? f.read_doubles(p) : std::vector<double>(N, 0.0));
        }
    }
    bool photometric = true;
    for (std::uint64_t i = 0; i < N; ++i)
        photometric = photometric && (status[i] != 0.0 || pvalid[i] != 0.0);
    std::vector<Inventory> inv(N);
    std::vector<double> thickness(N);
    // Microscopic model: ion densities counted on the lattice (mean ions per NC x NC density),
    // recounted only at points where a nanocrystal.* key moves.
    std::optional<nanocrystal::NanocrystalConfig> nc;
    std::vector<double> nc_ions;
    bool nc_keys_swept = false;
    if (cfg_.has_table("nanocrystal")) {
        nc = nanocrystal::read_config(cfg_);
        if (cfg_.sweep) {
            for (const io::SweepAxis& ax : cfg_.sweep->axes) {
                for (const std::string& k : ax.keys)
                    nc_keys_swept = nc_keys_swept || k.rfind("nanocrystal.", 0) == 0;
            }
        }
    }
    for (std::uint64_t i = 0; i < N; ++i) {
        InventoryPoint ip;
        const bool ok = status[i] == 0.0;
        ip.luminance_cd_m2 = ok ? lum[i] : 0.0;
        ip.radiance_W_sr_m2 = ok ? rad[i] : 0.0;
        ip.photometry_meaningful = photometric;
        for (std::size_t s = 0; s < ns; ++s) {
            ip.species_photon_rate_cm3_s.push_back(ok ? species_rate[s][i] : 0.0);
            ip.level_population_cm3.emplace_back();
            for (const auto& level : pops[s])
                ip.level_population_cm3.back().push_back(ok ? level[i] : 0.0);
        }
        model::ModelParams p = params_at(cfg_, i);
        if (nc) {
            nanocrystal::NanocrystalSpec spec = nc->spec;
            if (nc_keys_swept) {
                cfg_.sweep->for_each_value(i, [&](const std::string& key, double v) {
                    (void)nanocrystal::set_parameter(spec, nc->species, key, v);
                });
                nanocrystal::derive(
                    *nc, spec);  // radii that follow the swept keys (thickness_nm shells)
            }
            if (nc_keys_swept || nc_ions.empty()) nc_ions = mean_ions_per_nc(spec, ns);
            for (std::size_t s = 0; s < ns; ++s)
                p.dopants[s].density_cm3 = nc_ions[s] * spec.nc_density_cm3;
        }
        double d_nm =
            lc_.eml_thickness_is_zone ? p.device.recombination_zone_nm : lc_.eml_thickness_nm;
        if (!lc_.eml_thickness_key.empty() && cfg_.sweep) {  // [transport]: a swept emissive layer
            cfg_.sweep->for_each_value(i, [&](const std::string& key, double v) {
                if (key == lc_.eml_thickness_key) d_nm = v;
            });
        }
        inv[i] = compute_inventory(p, d_nm, ip, lc_.prices_usd_per_kg);
        thickness[i] = d_nm;
    }
    for (std::size_t s = 0; s < ns; ++s) {
        const std::string ion = cfg_.model.dopants[s].ion;
        std::vector<double> v(N);
        auto field = [&](double SpeciesInventory::*m, const std::string& path,
                         const std::string& units) {
            for (std::uint64_t i = 0; i < N; ++i) v[i] = inv[i].species[s].*m;
            put(f, path, dims, v, units);
        };
        field(&SpeciesInventory::mg_m2, "/results/inventory/" + ion + "_mg_m2", "mg m^-2");
        if (photometric)
            field(&SpeciesInventory::mg_per_klm, "/results/inventory/" + ion + "_mg_per_klm",
                  "mg klm^-1");
        field(&SpeciesInventory::mg_per_W, "/results/inventory/" + ion + "_mg_per_W", "mg W^-1");
        field(&SpeciesInventory::turnover_per_s, "/results/inventory/ion_turnover_per_s/" + ion,
              "s^-1");
        field(&SpeciesInventory::radiative_ceiling_s,
              "/results/inventory/ion_radiative_ceiling_s/" + ion, "s^-1");
    }
    const bool has_cost = N > 0 && inv[0].has_cost;
    if (has_cost) {
        std::vector<double> c(N), ck(N);
        for (std::uint64_t i = 0; i < N; ++i) {
            c[i] = inv[i].cost_usd_m2;
            ck[i] = inv[i].cost_usd_per_klm;
        }
        put(f, "/results/inventory/cost_usd_m2", dims, c, "USD m^-2");
        if (photometric) put(f, "/results/inventory/cost_usd_per_klm", dims, ck, "USD klm^-1");
    }
    put(f, "/results/inventory/eml_thickness_nm", dims, thickness, "nm");
    f.set_attribute("/results/inventory", "eml_thickness_origin", lc_.eml_thickness_origin);
    f.set_attribute("/results/inventory", "atomic_weights",
                    std::string("IUPAC/CIAAW 2021 standard atomic weights"));
    if (!quiet && ns > 0) {
        const Inventory& b = inv[best];
        std::string line = fmt::format("  inventory (EML {:g} nm{}):", thickness[best],
                                       nc ? ", ions counted on the NC lattices" : "");
        for (const SpeciesInventory& si : b.species) {
            line += fmt::format(" {} {:.4g} mg m^-2", si.ion, si.mg_m2);
            if (photometric)
                line += fmt::format(" ({:.4g} mg klm^-1)", si.mg_per_klm);
            else
                line += fmt::format(" ({:.4g} mg W^-1)", si.mg_per_W);
            line += fmt::format(", turnover {:.4g} s^-1 of <= {:.4g}{}", si.turnover_per_s,
                                si.radiative_ceiling_s, &si == &b.species.back() ? "" : ";");
        }
        if (has_cost) line += fmt::format("; cost {:.4g} USD m^-2", b.cost_usd_m2);
        report += line + "\n";
    }

    // ---- lifetime -----------------------------------------------------------------------------
    if (!lc_.lifetime) return report;
    const LifetimeSettings settings = *lc_.lifetime;
    const auto observer =
        std::make_shared<const model::CieObserver>(model::load_cie_observer(cie_path()));
    std::vector<LifetimeResult> res(N);
    std::vector<std::string> fate_names;
    bool photometric_life = true;
    const detail::TransportLifetime transport_life(cfg_);
    std::vector<detail::TransportPointLifetime> transport_res;
    const std::optional<optics::OpticsSpec> ospec =
        transport_life.active() ? std::nullopt
                                : optics_spec(cfg_);  // [transport] + [optics]: refused
    // The factors depend on the stack, the zone and the band wavelengths only: computed once
    // unless a sweep key moves one of them.
    bool optics_vary = false;
    if (ospec && cfg_.sweep) {
        for (const io::SweepAxis& ax : cfg_.sweep->axes) {
            for (const std::string& k : ax.keys) {
                optics_vary = optics_vary || k.rfind("optics.", 0) == 0 ||
                              k == "device.recombination_zone_nm" ||
                              k.find("wavelength_nm") != std::string::npos ||
                              k.find("band_nm") != std::string::npos;
            }
        }
    }
    std::optional<SliceOptics> fixed_optics;
    if (ospec && !optics_vary) fixed_optics = slice_optics(cfg_, *ospec, params_at(cfg_, 0), 0);
    auto point_optics = [&](const model::ModelParams& p, std::uint64_t i) {
        if (!ospec) return std::optional<SliceOptics>();
        if (fixed_optics) return fixed_optics;
        return std::optional<SliceOptics>(slice_optics(cfg_, *ospec, p, i));
    };
    if (transport_life.active()) {
        fate_names = ProfilePoint::fate_names_of(params_at(cfg_, 0));
    } else {
        const model::ModelParams p0 = params_at(cfg_, 0);
        const std::optional<SliceOptics> so = point_optics(p0, 0);
        MeanFieldPoint probe(p0, settings_at(cfg_, settings, 0).rates, observer,
                             so ? &*so : nullptr);
        fate_names = probe.fate_names();
        photometric_life = probe.photometric();
    }
#ifdef _OPENMP
    const int nt = threads > 0 ? threads : omp_get_max_threads();
#else
    (void)threads;
#endif
    if (transport_life.active()) transport_res.resize(N);
#pragma omp parallel for schedule(dynamic) num_threads(nt)
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(N); ++i) {
        if (transport_life.active()) {  // the stack solved once per point, one Q per slice
            const auto idx = static_cast<std::uint64_t>(i);
            auto& tr = transport_res[static_cast<std::size_t>(i)];
            tr = transport_life.run_point(params_at(cfg_, idx), settings_at(cfg_, settings, idx),
                                          observer, idx);
            res[static_cast<std::size_t>(i)] = tr.result;
            continue;
        }
        try {
            const auto idx = static_cast<std::uint64_t>(i);
            const model::ModelParams p = params_at(cfg_, idx);
            const std::optional<SliceOptics> so = point_optics(p, idx);
            MeanFieldPoint point(p, settings_at(cfg_, settings, idx).rates, observer,
                                 so ? &*so : nullptr);
            res[static_cast<std::size_t>(i)] = run_lifetime(
                point, settings_at(cfg_, settings, static_cast<std::uint64_t>(i)), true);
        } catch (const std::exception&) {  // a point that cannot be built: status 3, zeros
            LifetimeResult r;
            r.status = 3;
            res[static_cast<std::size_t>(i)] = r;
        }
    }
    if (transport_life.active()) {  // brightness measure of the first point with a solved stack
        for (const auto& tr : transport_res) {
            if (tr.slices.empty()) continue;
            photometric_life = tr.photometric;
            break;
        }
    }
    const std::size_t P = static_cast<std::size_t>(settings.time_points);
    std::vector<std::uint64_t> tdims = dims;
    tdims.push_back(P);
    auto series = [&](std::vector<double> LifetimeResult::*m, const std::string& name,
                      const std::string& units) {
        std::vector<double> v(N * P, 0.0);
        for (std::uint64_t i = 0; i < N; ++i) {
            if ((res[i].*m).size() == P)
                std::copy((res[i].*m).begin(), (res[i].*m).end(),
                          v.begin() + static_cast<long>(i * P));
        }
        put(f, "/lifetime/" + name, tdims, v, units);
    };
    series(&LifetimeResult::time_h, "time_h", "h");
    series(&LifetimeResult::luminance_rel, "luminance_rel", "1");
    series(&LifetimeResult::eqe, "eqe", "1");
    series(&LifetimeResult::cie_x, "cie_x", "1");
    series(&LifetimeResult::cie_y, "cie_y", "1");
    series(&LifetimeResult::quencher_cm3, "quencher_cm3", "cm^-3");
    for (std::size_t c = 0; c < fate_names.size(); ++c) {
        std::vector<double> v(N * P, 0.0);
        for (std::uint64_t i = 0; i < N; ++i) {
            if (res[i].fates.size() != P) continue;
            for (std::size_t t = 0; t < P; ++t) v[i * P + t] = res[i].fates[t][c];
        }
        put(f, "/lifetime/fates/" + fate_names[c], tdims, v, "1");
    }
    // The common time axis of every point relative to its own stop: t / t_stop = 0, then
    // log-spaced 1e-4 .. 1 (a coordinate of the series: relsim.open names the time dimension by
    // it).
    {
        std::vector<double> rel(P, 0.0);
        for (std::size_t t = 1; t < P; ++t) {
            rel[t] = t + 1 == P ? 1.0
                                : std::pow(10.0, P > 2 ? -4.0 + 4.0 * static_cast<double>(t - 1) /
                                                                    static_cast<double>(P - 2)
                                                       : 0.0);
        }
        put(f, "/lifetime/time_over_stop", {P}, rel, "1");
        f.set_attribute("/lifetime/time_over_stop", "coordinate", static_cast<std::int64_t>(1));
    }
    if (transport_life.active()) transport_life.write_slices(f, dims, P, transport_res);
    f.set_attribute("/lifetime", "brightness",
                    std::string(photometric_life ? "luminance_cd_m2" : "radiance_W_sr_m2"));
    for (std::size_t k = 0; k < lt_levels().size(); ++k) {
        std::vector<double> v(N);
        std::vector<std::int32_t> reached(N);
        for (std::uint64_t i = 0; i < N; ++i) {
            v[i] = res[i].lt_h.size() > k ? res[i].lt_h[k] : 0.0;
            reached[i] = res[i].lt_reached.size() > k ? res[i].lt_reached[k] : 0;
        }
        put(f, "/results/lifetime/" + lt_name(lt_levels()[k]) + "_h", dims, v, "h");
        put_ints(f, "/results/lifetime/" + lt_name(lt_levels()[k]) + "_reached", dims, reached);
    }
    std::vector<double> duv(N), L0(N), stop(N), lt50(N);
    std::vector<std::int32_t> st(N), r50(N);
    for (std::uint64_t i = 0; i < N; ++i) {
        duv[i] = res[i].colour_shift_duv_at_stop;
        L0[i] = res[i].brightness0;
        stop[i] = res[i].stop_h;
        st[i] = res[i].status;
        lt50[i] = res[i].lt_h.size() == 4 ? res[i].lt_h[3] : 0.0;
        r50[i] = res[i].lt_reached.size() == 4 ? res[i].lt_reached[3] : 0;
    }
    put(f, "/results/lifetime/colour_shift_duv_at_stop", dims, duv, "1");
    put(f, "/results/lifetime/L0", dims, L0, photometric_life ? "cd m^-2" : "W sr^-1 m^-2");
    put(f, "/results/lifetime/stop_h", dims, stop, "h");
    put_ints(f, "/results/lifetime/status", dims, st);
    std::string exponent_line;
    if (is_current_sweep(cfg_)) {
        std::vector<int> reached(r50.begin(), r50.end());
        for (std::uint64_t i = 0; i < N; ++i) reached[i] = reached[i] && st[i] == 0;
        int used = 0;
        const double n_exp = acceleration_exponent(L0, lt50, reached, &used);
        put(f, "/summary/lifetime_acceleration_exponent", {}, {n_exp}, "1");
        f.set_attribute("/summary/lifetime_acceleration_exponent", "points_used",
                        static_cast<std::int64_t>(used));
        exponent_line =
            used >= 2
                ? fmt::format(
                      "  lifetime acceleration: LT50 = C L0^-n, n = {:.4f} ({} points reached "
                      "LT50)\n",
                      n_exp, used)
                : fmt::format(
                      "  lifetime acceleration: fewer than 2 points reached LT50 (n = 0 stored)\n");
    }
    f.flush();
    f.close();
    if (quiet) return report;
    const LifetimeResult& b = res[best];
    if (b.status != 0) {
        report += fmt::format("  lifetime: the point solve failed (status {})\n", b.status);
    } else {
        std::string lts;
        for (std::size_t k = 0; k < lt_levels().size(); ++k) {
            lts +=
                fmt::format(" {} {}", lt_name(lt_levels()[k]),
                            b.lt_reached[k] ? hours_text(b.lt_h[k]) : std::string("not reached"));
        }
        report += fmt::format(
            "  lifetime ({} L0 {:.4g} {}):{}; stop at {} ({}), L/L0 {:.4g}, EQE {:.4g} % -> {:.4g} "
            "%, Delta u'v' {:.3g}\n",
            photometric_life ? "luminance" : "radiance (NIR)", b.brightness0,
            photometric_life ? "cd m^-2" : "W sr^-1 m^-2", lts, hours_text(b.stop_h),
            b.stopped_at_fraction ? "stop_fraction" : "max_hours", b.luminance_rel.back(),
            100 * b.eqe.front(), 100 * b.eqe.back(), b.colour_shift_duv_at_stop);
    }
    report += exponent_line;
    return report;
}

void write_time_series_csv(const std::string& h5_path, const std::string& csv_path) {
    const H5File f(h5_path, H5File::Mode::read_only);
    if (!f.exists("/lifetime/time_h")) {
        throw InputError(h5_path, 0, 0, "", "no /lifetime group (the run had no [lifetime] table)",
                         "");
    }
    const auto dims = f.dims("/lifetime/time_h");
    const std::uint64_t P = dims.back();
    const char* names[] = {"time_h", "luminance_rel", "eqe", "cie_x", "cie_y", "quencher_cm3"};
    const char* units[] = {"h", "1", "1", "1", "1", "cm^-3"};
    std::vector<std::vector<double>> cols;
    for (const char* n : names) cols.push_back(f.read_doubles(std::string("/lifetime/") + n));
    std::ofstream out(csv_path);
    if (!out) throw RunError(csv_path + ": cannot open for writing");
    out << "point";
    for (std::size_t c = 0; c < cols.size(); ++c) out << ',' << names[c] << " [" << units[c] << ']';
    out << '\n';
    for (std::uint64_t k = 0; k < cols[0].size(); ++k) {
        out << k / P;
        for (const auto& c : cols) out << ',' << fmt::format("{:.17g}", c[k]);
        out << '\n';
    }
    if (!out) throw RunError(csv_path + ": write failed");
}

}  // namespace relsim::lifetime
