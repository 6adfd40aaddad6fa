//! @file ensemble.cpp
//! Ensembles of NCs for both engines: NCs run in parallel (OpenMP), each with its own tables
//! and random stream from (seed, NC index); their summaries are reduced in NC order, so the
//! result is bit-identical for any thread count. Memory: one NC's tables per thread plus one
//! small summary per NC.
#include <algorithm>
#include <cmath>
#include <exception>
#include <limits>
#include <stdexcept>

#include <fmt/format.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "relsim/core/error.hpp"
#include "relsim/model/rate_model.hpp"
#include "summary.hpp"

namespace relsim::nanocrystal {
namespace {

using namespace detail;

constexpr double inf_s = std::numeric_limits<double>::infinity();

//! Mean and standard error (sample sd / sqrt(n)) of values[k] over k, summed in k order.
template <class Get>
Estimate estimate(std::size_t n, Get&& get) {
    Estimate e;
    if (n == 0) return e;
    double sum = 0.0;
    for (std::size_t k = 0; k < n; ++k) sum += get(k);
    e.mean = sum / static_cast<double>(n);
    if (n > 1) {
        double ss = 0.0;
        for (std::size_t k = 0; k < n; ++k) {
            const double d = get(k) - e.mean;
            ss += d * d;
        }
        e.standard_error = std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n));
    }
    return e;
}

//! Ratio estimate sum(y) / sum(x) with its delta-method standard error.
template <class GetY, class GetX>
Estimate ratio(std::size_t n, GetY&& y, GetX&& x) {
    Estimate e;
    double sy = 0.0, sx = 0.0;
    for (std::size_t k = 0; k < n; ++k) {
        sy += y(k);
        sx += x(k);
    }
    if (sx <= 0.0) return e;
    e.mean = sy / sx;
    if (n > 1) {
        double ss = 0.0;
        for (std::size_t k = 0; k < n; ++k) {
            const double d = y(k) - e.mean * x(k);
            ss += d * d;
        }
        const double xbar = sx / static_cast<double>(n);
        e.standard_error =
            std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n)) / xbar;
    }
    return e;
}

std::pair<std::size_t, std::size_t> nc_range(const NanocrystalSpec& spec,
                                             const EnsembleOptions& o) {
    if (spec.count <= 0) throw std::invalid_argument("nanocrystal count must be positive");
    const auto total = static_cast<std::size_t>(spec.count);
    const std::size_t first = std::min(o.first_nc, total);
    const std::size_t n = o.nc_count == 0 ? total - first : std::min(o.nc_count, total - first);
    return {first, n};
}

//! Runs f(nc_index) -> T for every NC of the range in parallel; results in NC order.
template <class T, class F>
std::vector<T> run_ensemble(const NanocrystalSpec& spec, const EnsembleOptions& o, F&& f) {
    const auto [first, n] = nc_range(spec, o);
    std::vector<T> out(n);
    std::exception_ptr error;
    const long count = static_cast<long>(n);
#ifdef _OPENMP
    const int threads = o.threads > 0 ? o.threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
#endif
    for (long k = 0; k < count; ++k) {
        try {
            out[static_cast<std::size_t>(k)] = f(first + static_cast<std::size_t>(k));
        } catch (...) {
#ifdef _OPENMP
#pragma omp critical(relsim_nanocrystal_error)
#endif
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
    return out;
}

void require_el(const NanocrystalSpec& spec) {
    if (spec.shape != Shape::sphere || !spec.ligand) {
        throw InputError("", 0, 0, "nanocrystal.ligand",
                         "an EL run needs a sphere with a ligand shell ([nanocrystal.ligand])",
                         "shape = \"sphere\" with [nanocrystal.ligand]");
    }
}

SteadyStateResult reduce_steady(const Model& model, const NanocrystalSpec& spec,
                                const RadialBins& bins, const std::vector<NcSteady>& r) {
    SteadyStateResult out;
    const std::size_t n = r.size();
    out.nc_count = n;
    out.line_labels = model.line_labels;
    // Per-exciton quantities: ratio estimators sum over NCs / sum of generated excitons, with
    // delta-method standard errors (for the linear engine generated = 1 per NC, and this is the
    // plain mean and standard error over NCs, bit for bit).
    auto gen = [&](std::size_t k) { return r[k].generated; };
    for (std::size_t l = 0; l < model.line_labels.size(); ++l) {
        out.line_photons_per_exciton.push_back(ratio(
            n, [&](std::size_t k) { return r[k].lines[l]; }, gen));
    }
    out.ligand_singlet_photons_per_exciton = ratio(
        n, [&](std::size_t k) { return r[k].ligand_singlet_photons; }, gen);
    out.ligand_triplet_photons_per_exciton = ratio(
        n, [&](std::size_t k) { return r[k].ligand_triplet_photons; }, gen);
    auto photons = [&](std::size_t k) {
        double p = r[k].ligand_singlet_photons + r[k].ligand_triplet_photons;
        for (double v : r[k].lines) p += v;
        return p;
    };
    out.photons_per_exciton = ratio(n, photons, gen);
    out.iqe = ratio(
        n, [&](std::size_t k) { return model.charge_balance * photons(k); }, gen);
    out.eqe = ratio(
        n, [&](std::size_t k) { return model.outcoupling * model.charge_balance * photons(k); },
        gen);
    out.transfer_efficiency = ratio(
        n, [&](std::size_t k) { return r[k].transfer; }, gen);
    for (std::size_t f = 0; f < model.fate_names.size(); ++f) {
        out.fates.push_back(
            {model.fate_names[f], ratio(
                                      n, [&](std::size_t k) { return r[k].fates[f]; }, gen)});
    }
    for (std::size_t k = 0; k < n; ++k) {
        double s = 0.0;
        for (double v : r[k].fates) s += v;
        out.fate_sum_per_nc.push_back(r[k].generated > 0.0 ? s / r[k].generated : 0.0);
    }
    const LevelIndex li(model);
    out.excited_per_nc.resize(model.species.size());
    out.radial_excited_fraction.resize(model.species.size());
    for (std::size_t b = 0; b < static_cast<std::size_t>(bins.count); ++b) {
        out.radial_r_nm.push_back((static_cast<double>(b) + 0.5) * bins.bin_nm);
    }
    for (std::size_t s = 0; s < model.species.size(); ++s) {
        for (int j = 0; j < model.species[s].num_levels; ++j) {
            const auto f = static_cast<std::size_t>(li.at(static_cast<int>(s), j));
            out.excited_per_nc[s].push_back(
                estimate(n, [&](std::size_t k) { return r[k].excited[f]; }));
            std::vector<double> prof(static_cast<std::size_t>(bins.count), 0.0);
            for (std::size_t b = 0; b < prof.size(); ++b) {
                double ex = 0.0, ions = 0.0;
                for (std::size_t k = 0; k < n; ++k) {
                    ex += r[k].radial_excited[f * prof.size() + b];
                    ions += r[k].radial_ions[s * prof.size() + b];
                }
                prof[b] = ions > 0.0 ? ex / ions : 0.0;
            }
            out.radial_excited_fraction[s].push_back(std::move(prof));
        }
        out.ions_per_nc_by_species.push_back(
            estimate(n, [&](std::size_t k) { return r[k].ions_by_species[s]; }));
    }
    out.singlets_per_nc = estimate(n, [&](std::size_t k) { return r[k].singlets; });
    out.triplets_per_nc = estimate(n, [&](std::size_t k) { return r[k].triplets; });
    out.sites_per_nc = estimate(n, [&](std::size_t k) { return r[k].sites; });
    out.ions_per_nc = estimate(n, [&](std::size_t k) { return r[k].ions; });
    out.ligands_per_nc = estimate(n, [&](std::size_t k) { return r[k].ligands; });
    out.generation_per_nc_s = model.generation_nc_s;
    for (const NcSteady& s : r) {
        out.events += s.events;
        out.max_dropped_rate_fraction = std::max(out.max_dropped_rate_fraction, s.dropped);
        out.max_states_per_nc = std::max(out.max_states_per_nc, s.states);
    }
    (void)spec;
    return out;
}

std::vector<double> decay_times(const ExcitationSpec& ex) {
    if (ex.points < 2) throw std::invalid_argument("excitation points must be >= 2");
    std::vector<double> t(static_cast<std::size_t>(ex.points));
    for (std::size_t k = 0; k < t.size(); ++k) {
        t[k] = ex.decay_until_s * static_cast<double>(k) / static_cast<double>(t.size() - 1);
    }
    t.back() = ex.decay_until_s;
    return t;
}

DecayResult reduce_decay(const Model& model, const std::vector<double>& times,
                         const std::vector<NcDecay>& r) {
    DecayResult out;
    const std::size_t n = r.size(), P = times.size();
    out.nc_count = n;
    out.time_s = times;
    const LevelIndex li(model);
    auto x = [&](std::size_t k) { return r[k].initial; };
    out.population.resize(model.species.size());
    out.population_stderr.resize(model.species.size());
    for (std::size_t s = 0; s < model.species.size(); ++s) {
        for (int j = 0; j < model.species[s].num_levels; ++j) {
            const auto f = static_cast<std::size_t>(li.at(static_cast<int>(s), j));
            std::vector<double> mean(P), se(P);
            for (std::size_t t = 0; t < P; ++t) {
                const Estimate e = ratio(
                    n, [&](std::size_t k) { return r[k].population[f * P + t]; }, x);
                mean[t] = e.mean;
                se[t] = e.standard_error;
            }
            out.population[s].push_back(std::move(mean));
            out.population_stderr[s].push_back(std::move(se));
        }
    }
    for (std::size_t t = 0; t < P; ++t) {
        out.ligand_singlet.push_back(ratio(
                                         n, [&](std::size_t k) { return r[k].singlet[t]; }, x)
                                         .mean);
        out.ligand_triplet.push_back(ratio(
                                         n, [&](std::size_t k) { return r[k].triplet[t]; }, x)
                                         .mean);
        const Estimate e = ratio(
            n, [&](std::size_t k) { return r[k].photon_rate[t]; }, x);
        out.photon_rate_s.push_back(e.mean);
        out.photon_rate_stderr_s.push_back(e.standard_error);
    }
    for (const NcDecay& d : r) out.events += d.events;
    return out;
}

}  // namespace

double generation_per_nc_s(const NanocrystalSpec& spec, const model::ModelParams& params) {
    const model::RateModel rm(params);
    return rm.nominal_drive().generation_cm3_s / spec.nc_density_cm3;
}

namespace {

double warmup_of(const NanocrystalSpec& spec, const Model& m) {
    double tau = (m.kS_total() > 0.0 ? 1.0 / m.kS_total() : inf_s) +
                 (m.kT_total() > 0.0 ? 1.0 / m.kT_total() : inf_s);
    double ion = 0.0;
    for (const SpeciesTable& t : m.species) {
        double cascade = 0.0;
        for (double k : t.level_rate_s) cascade += k > 0.0 ? 1.0 / k : inf_s;
        ion = std::max(ion, cascade);
    }
    tau += ion;
    if (!std::isfinite(tau) || !(spec.measure_s > 0.0)) return spec.warmup_s;
    const double need =
        tau * std::min(30.0, std::max(0.0, std::log(tau / (1.0e-3 * spec.measure_s))));
    return std::max(spec.warmup_s, need);
}

//! The kmc statistics checks (SteadyStateResult::statistics_failure).
void check_statistics(const NanocrystalSpec& spec, const std::vector<NcSteady>& r,
                      SteadyStateResult& out) {
    const std::size_t n = r.size();
    double generated = 0.0, flight = 0.0;
    for (const NcSteady& s : r) {
        generated += s.generated;
        flight += s.in_flight;
    }
    if (!(generated > 0.0)) {
        out.statistics_failure = fmt::format(
            "no exciton was generated in the measurement window of any of the {} NCs (G_NC = "
            "{:.4g} s^-1, "
            "measure_s = {:.4g} s: {:.3g} expected in all); raise nanocrystal.measure_s or count",
            n, out.generation_per_nc_s, spec.measure_s,
            out.generation_per_nc_s * spec.measure_s * static_cast<double>(n));
        return;
    }
    out.fate_sum = ratio(
        n,
        [&](std::size_t k) {
            double v = 0.0;
            for (double f : r[k].fates) v += f;
            return v;
        },
        [&](std::size_t k) { return r[k].generated; });
    // The fates counted in the window differ from the excitons generated there by the weight in
    // flight at its start minus that at its end: variance ~ 2 x (excitations in flight). The
    // larger of this counting error and the ensemble's delta-method error is the yardstick.
    const double counting = std::sqrt(2.0 * flight) / generated;
    out.fate_sum.standard_error = std::max(out.fate_sum.standard_error, counting);
    const double dev = std::abs(out.fate_sum.mean - 1.0);
    if (dev > 4.0 * out.fate_sum.standard_error + 1.0e-9) {
        out.statistics_failure = fmt::format(
            "the fates sum to {:.6g} +- {:.2g} (ensemble standard error), not 1 within 4 standard "
            "errors "
            "({:.4g} excitons generated in the window over {} NCs, warm-up {:.4g} s); raise "
            "nanocrystal.measure_s, "
            "warmup_s or count",
            out.fate_sum.mean, out.fate_sum.standard_error, generated, n, out.warmup_used_s);
    }
}

}  // namespace

double kmc_warmup_s(const NanocrystalSpec& spec, const model::ModelParams& params) {
    return warmup_of(spec, compile_model(spec, params, params.device.current_density_mA_cm2));
}

SteadyStateResult solve_el_steady_state_kmc(const NanocrystalSpec& spec,
                                            const model::ModelParams& params,
                                            const EnsembleOptions& options) {
    require_el(spec);
    const Model model = compile_model(spec, params, params.device.current_density_mA_cm2);
    const RadialBins bins(spec.radius_nm, options.radial_bin_nm, spec.shape == Shape::periodic_box);
    const double warmup_s = warmup_of(spec, model);
    auto r = run_ensemble<NcSteady>(spec, options, [&](std::size_t nc) {
        const NcSystem sys = build_system(spec, model, nc, options);
        return kmc_steady(model, sys, spec, nc, bins, warmup_s, options.kmc_plain_loop_baseline);
    });
    SteadyStateResult out = reduce_steady(model, spec, bins, r);
    out.warmup_used_s = warmup_s;
    check_statistics(spec, r, out);
    return out;
}

SteadyStateResult solve_el_steady_state_linear(const NanocrystalSpec& spec,
                                               const model::ModelParams& params,
                                               const EnsembleOptions& options) {
    require_el(spec);
    const Model model = compile_model(spec, params, params.device.current_density_mA_cm2);
    const RadialBins bins(spec.radius_nm, options.radial_bin_nm, spec.shape == Shape::periodic_box);
    auto r = run_ensemble<NcSteady>(spec, options, [&](std::size_t nc) {
        const NcSystem sys = build_system(spec, model, nc, options);
        return linear_steady(model, sys, spec, bins);
    });
    return reduce_steady(model, spec, bins, r);
}

SteadyStateResult solve_el_steady_state(const NanocrystalSpec& spec,
                                        const model::ModelParams& params,
                                        const EnsembleOptions& options) {
    if (spec.engine != Engine::kmc) return solve_el_steady_state_linear(spec, params, options);
    SteadyStateResult r = solve_el_steady_state_kmc(spec, params, options);
    if (!r.statistics_failure.empty())
        throw InsufficientStatistics("too little statistics: " + r.statistics_failure);
    return r;
}

DecayResult solve_decay_kmc(const NanocrystalSpec& spec, const model::ModelParams& params,
                            const EnsembleOptions& options) {
    if (!spec.excitation) throw std::invalid_argument("solve_decay needs [nanocrystal.excitation]");
    // Direct excitation: no current (spec section 4), so no polaron quenching.
    const Model model = compile_model(spec, params, 0.0);
    const std::vector<double> times = decay_times(*spec.excitation);
    auto r = run_ensemble<NcDecay>(spec, options, [&](std::size_t nc) {
        const NcSystem sys = build_system(spec, model, nc, options);
        return kmc_decay(model, sys, spec, nc, times);
    });
    return reduce_decay(model, times, r);
}

DecayResult solve_decay_linear(const NanocrystalSpec& spec, const model::ModelParams& params,
                               const EnsembleOptions& options) {
    if (!spec.excitation) throw std::invalid_argument("solve_decay needs [nanocrystal.excitation]");
    const Model model = compile_model(spec, params, 0.0);
    const std::vector<double> times = decay_times(*spec.excitation);
    auto r = run_ensemble<NcDecay>(spec, options, [&](std::size_t nc) {
        const NcSystem sys = build_system(spec, model, nc, options);
        return linear_decay(model, sys, spec, times, options.linear_decay_max_states);
    });
    return reduce_decay(model, times, r);
}

DecayResult solve_decay(const NanocrystalSpec& spec, const model::ModelParams& params,
                        const EnsembleOptions& options) {
    return spec.engine == Engine::kmc ? solve_decay_kmc(spec, params, options)
                                      : solve_decay_linear(spec, params, options);
}

PulseResult solve_el_pulse(const NanocrystalSpec& spec, const model::ModelParams& params,
                           const PulseSpec& pulse, const EnsembleOptions& options) {
    require_el(spec);
    if (pulse.points < 1) throw std::invalid_argument("pulse points must be >= 1");
    const Model on = compile_model(spec, params, pulse.pulse_current_density_mA_cm2);
    const Model off = compile_model(spec, params, 0.0);
    if (spec.engine == Engine::linear && on.polaron_decay_rate_s > 0.0) {
        throw InputError(
            "", 0, 0, "nanocrystal.engine",
            "[physics] polaron_decay after a pulse needs time-dependent rates, which the linear "
            "engine does not have",
            "engine = \"kmc\"");
    }
    // Output times: `points` equal intervals per phase, t = 0 and the pulse end included.
    std::vector<double> times;
    const auto np = static_cast<std::size_t>(pulse.points);
    for (std::size_t k = 0; k <= np; ++k)
        times.push_back(pulse.pulse_on_s * static_cast<double>(k) / static_cast<double>(np));
    for (std::size_t k = 1; k <= np; ++k) {
        times.push_back(pulse.pulse_on_s +
                        pulse.off_s * static_cast<double>(k) / static_cast<double>(np));
    }
    auto r = run_ensemble<NcPulse>(spec, options, [&](std::size_t nc) {
        const NcSystem sys = build_system(spec, on, nc, options);
        return spec.engine == Engine::kmc ? kmc_pulse(on, off, sys, spec, nc, pulse, times)
                                          : linear_pulse(on, off, sys, spec, pulse, times,
                                                         options.linear_decay_max_states);
    });
    PulseResult out;
    const std::size_t n = r.size();
    out.nc_count = n;
    out.time_s = times;
    out.species_photon_rate_per_nc_s.assign(on.species.size(),
                                            std::vector<double>(times.size(), 0.0));
    for (std::size_t t = 0; t < times.size(); ++t) {
        const Estimate e = estimate(n, [&](std::size_t k) { return r[k].photon_rate[t]; });
        out.photon_rate_per_nc_s.push_back(e.mean);
        out.photon_rate_per_nc_stderr_s.push_back(e.standard_error);
        for (std::size_t s = 0; s < on.species.size(); ++s) {
            out.species_photon_rate_per_nc_s[s][t] =
                estimate(n, [&](std::size_t k) { return r[k].species_rate[s][t]; }).mean;
        }
    }
    for (const NcPulse& p : r) out.events += p.events;
    return out;
}

}  // namespace relsim::nanocrystal
