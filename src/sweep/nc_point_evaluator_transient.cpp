//! @file nc_point_evaluator_transient.cpp
//! The microscopic point's time-resolved outputs: a pulse ([transient]) and a PL decay
//! ([nanocrystal.excitation]) written onto the fixed output time grid (split from
//! nc_point_evaluator.cpp, which holds the steady state).
#include <algorithm>
#include <cmath>

#include <fmt/core.h>

#include "nc_point_evaluator.hpp"
#include "nc_point_series.hpp"

namespace relsim::sweep {

using detail::integral;
using detail::resample;

void NcPointEvaluator::fill_pulse(io::ResultBlock& block, std::uint64_t slot) {
    const io::TransientSpec& t = *config_.transient;
    nanocrystal::PulseSpec pulse;
    pulse.pulse_current_density_mA_cm2 = t.pulse_current_density_mA_cm2;
    pulse.pulse_on_s = t.pulse_on_s;
    pulse.off_s = t.off_s;
    pulse.points = t.points;
    const nanocrystal::PulseResult r = nanocrystal::solve_el_pulse(spec_, params_, pulse, options_);
    const std::vector<double>& grid = layout_.transient_time_s;
    const std::size_t nt = grid.size();
    if (r.time_s.size() != nt) {
        throw std::runtime_error(
            fmt::format("the engine's pulse has {} times, expected {}", r.time_s.size(), nt));
    }
    const double n_nc = spec_.nc_density_cm3;  // per NC -> per cm^3 of the layer
    auto out = [&](std::size_t series) {
        return block.transient.data() + (series * block.count + slot) * nt;
    };
    for (std::size_t k = 0; k < nt; ++k) {
        out(0)[k] = r.photon_rate_per_nc_s[k] * n_nc;
        out(1)[k] = r.photon_rate_per_nc_stderr_s[k] * n_nc;
        for (std::size_t s = 0;
             s < r.species_photon_rate_per_nc_s.size() && 2 + s < layout_.transient_series.size();
             ++s) {
            out(2 + s)[k] = r.species_photon_rate_per_nc_s[s][k] * n_nc;
        }
    }
    // Rise and decay times as the mean-field solver defines them (solver/transient.hpp), with
    // linear interpolation between output times.
    const double* y = out(0);
    std::size_t on = 0;
    while (on + 1 < nt && grid[on + 1] <= t.pulse_on_s * (1.0 + 1e-12)) ++on;
    const double peak = y[on];
    auto crossing = [&](std::size_t from, std::size_t to, double level, bool rising) -> double {
        for (std::size_t k = from + 1; k <= to; ++k) {
            if (rising ? y[k] >= level : y[k] <= level) {
                const double f = (level - y[k - 1]) / (y[k] - y[k - 1]);
                return grid[k - 1] + (std::isfinite(f) ? f : 1.0) * (grid[k] - grid[k - 1]);
            }
        }
        return -1.0;
    };
    const double rise = peak > 0.0 ? crossing(0, on, (1.0 - std::exp(-1.0)) * peak, true) : -1.0;
    const double fall = peak > 0.0 ? crossing(on, nt - 1, peak * std::exp(-1.0), false) : -1.0;
    block.rise_time_s[slot] = rise < 0.0 ? 0.0 : rise;
    block.decay_time_s[slot] = fall < 0.0 ? 0.0 : fall - t.pulse_on_s;
    block.transient_status[slot] = (rise < 0.0 ? 1 : 0) + (fall < 0.0 ? 2 : 0);
}

void NcPointEvaluator::fill_decay(const nanocrystal::DecayResult& r, io::ResultBlock& block,
                                  std::uint64_t slot) {
    const std::vector<double>& grid = layout_.extra_fixed.front().values;
    auto copy = [&](const std::string& path, const std::vector<double>& v) {
        double* out = series(block, slot, path);
        if (!out) return;
        if (r.time_s.size() == grid.size()) {
            std::copy_n(v.begin(), std::min(v.size(), grid.size()), out);
        } else {
            for (std::size_t k = 0; k < grid.size(); ++k)
                out[k] = resample(r.time_s, v, grid[k], grid.back());
        }
    };
    std::size_t flat = 0;
    const nanocrystal::ExcitationSpec& e = *spec_.excitation;
    double mean_lifetime = 0.0;
    for (std::size_t s = 0; s < params_.dopants.size(); ++s) {
        for (std::size_t j = 0; j < params_.dopants[s].scheme.levels.size(); ++j, ++flat) {
            if (s >= r.population.size() || j >= r.population[s].size()) continue;
            copy("/microscopic/decay/" + level_names_[flat], r.population[s][j]);
            if (s < r.population_stderr.size() && j < r.population_stderr[s].size()) {
                copy("/microscopic/decay/" + level_names_[flat] + "_stderr",
                     r.population_stderr[s][j]);
            }
            if (!e.target_is_ligand && static_cast<int>(s) == e.target.species &&
                static_cast<int>(j) == e.target.level) {
                mean_lifetime = integral(r.time_s, r.population[s][j]);
            }
        }
    }
    copy("/microscopic/decay/ligand_singlet", r.ligand_singlet);
    copy("/microscopic/decay/ligand_triplet", r.ligand_triplet);
    copy("/microscopic/decay/photon_rate", r.photon_rate_s);
    copy("/microscopic/decay/photon_rate_stderr", r.photon_rate_stderr_s);
    if (e.target_is_ligand)
        mean_lifetime = integral(r.time_s, r.ligand_triplet) + integral(r.time_s, r.ligand_singlet);
    put(block, slot, "pl_yield", integral(r.time_s, r.photon_rate_s));
    put(block, slot, "mean_lifetime_s", mean_lifetime);
    *series(block, slot, "/microscopic/nc/events") = static_cast<double>(r.events);
}

}  // namespace relsim::sweep
