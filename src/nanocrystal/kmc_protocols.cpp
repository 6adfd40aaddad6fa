//! @file kmc_protocols.cpp
//! The protocols of the kmc engine on the event machine (kmc_machine.hpp): the EL steady state
//! (warm-up, then a counting window), the direct-excitation decay (snapshots at output times) and
//! the EL pulse (generation on, then off).
#include "kmc_machine.hpp"

namespace relsim::nanocrystal::detail {

NcSteady kmc_steady(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                    std::size_t nc_index, const RadialBins& bins, double warmup_s,
                    bool plain_loop) {
    if (sys.num_ligands() == 0)
        throw std::invalid_argument("kmc EL steady state: the NC has no ligands");
    Kmc k(model, sys, random_stream_seed(spec.seed, nc_index));
    k.set_plain_loop(plain_loop);
    const double t0 = warmup_s, t1 = warmup_s + spec.measure_s;
    k.set_window(t0, t1);
    k.run(t1);
    k.flush();
    NcSteady out;
    fill_geometry_summary(model, sys, bins, spec.radius_nm, out);
    // Totals over the window; the ensemble divides sums over NCs by the sum of `generated`.
    const Counters& c = k.counters();
    out.generated = c.generated;
    out.lines = c.lines;
    out.fates = c.fates;
    out.ligand_singlet_photons = c.lig_S;
    out.ligand_triplet_photons = c.lig_T;
    out.transfer = c.forward - c.back;
    const LevelIndex li(model);
    out.excited.assign(static_cast<std::size_t>(li.total), 0.0);
    out.radial_excited.assign(static_cast<std::size_t>(li.total * bins.count), 0.0);
    const double inv_T = 1.0 / spec.measure_s;
    for (std::size_t i = 0; i < sys.num_ions(); ++i) {
        const Ion& ion = sys.geo.ions[i];
        const int nl = model.species[static_cast<std::size_t>(ion.species)].num_levels;
        for (int j = 0; j < nl; ++j) {
            const double n =
                k.time_in_level()[sys.level_offset[i] + static_cast<std::size_t>(j)] * inv_T;
            const int f = li.at(ion.species, j);
            out.excited[static_cast<std::size_t>(f)] += n;
            if (bins.count > 0)
                out.radial_excited[static_cast<std::size_t>(f * bins.count +
                                                            bins.bin(ion, spec.radius_nm))] += n;
        }
    }
    out.singlets = k.time_singlet() * inv_T;
    out.triplets = k.time_triplet() * inv_T;
    out.in_flight = out.singlets + out.triplets;
    for (double v : out.excited) out.in_flight += v;
    out.events = k.events();
    out.dropped = sys.max_dropped_fraction;
    return out;
}

NcDecay kmc_decay(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                  std::size_t nc_index, const std::vector<double>& times) {
    const ExcitationSpec& ex = *spec.excitation;
    Kmc k(model, sys, random_stream_seed(spec.seed, nc_index));
    k.set_generation(false);
    Stream pick(random_stream_seed(spec.seed, nc_index) ^ 0x5851F42D4C957F2DULL);
    // Targets: round(fraction * N) distinct sites (at least one), by a partial Fisher-Yates
    // shuffle of the candidates.
    std::vector<std::uint32_t> cand;
    if (ex.target_is_ligand) {
        for (std::size_t l = 0; l < sys.num_ligands(); ++l)
            cand.push_back(static_cast<std::uint32_t>(l));
    } else {
        for (std::size_t i = 0; i < sys.num_ions(); ++i) {
            if (sys.geo.ions[i].species == ex.target.species)
                cand.push_back(static_cast<std::uint32_t>(i));
        }
    }
    NcDecay out;
    const LevelIndex li(model);
    const std::size_t P = times.size();
    out.population.assign(static_cast<std::size_t>(li.total) * P, 0.0);
    out.singlet.assign(P, 0.0);
    out.triplet.assign(P, 0.0);
    out.photon_rate.assign(P, 0.0);
    if (cand.empty()) return out;
    const auto n_exc = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::llround(ex.fraction * static_cast<double>(cand.size()))));
    for (std::size_t q = 0; q < n_exc && q < cand.size(); ++q) {
        const std::size_t r = q + pick.below(cand.size() - q);
        std::swap(cand[q], cand[r]);
        if (ex.target_is_ligand) {
            k.excite_ligand(cand[q], 0, 1.0);
        } else {
            k.excite_ion(cand[q], ex.target.level, 1.0);
        }
    }
    out.initial = static_cast<double>(std::min(n_exc, cand.size()));
    // Snapshots at each output time; photon rate from the counts in [t_k - h/2, t_k + h/2]
    // (clipped to [0, t_end]) divided by the bin width.
    std::size_t next = 0;
    const double h = P > 1 ? times[1] - times[0] : times[0];
    std::vector<double> photon_times_counts(P, 0.0);
    std::uint64_t last_photons = 0;
    auto snapshot = [&](double t_next) {
        // Photons emitted by the event just executed happened at now(); bin them.
        if (k.photons_all_ != last_photons) {
            const double t = k.now();
            const auto bin = static_cast<std::size_t>(
                std::min<double>(static_cast<double>(P - 1), std::floor(t / h + 0.5)));
            photon_times_counts[bin] += static_cast<double>(k.photons_all_ - last_photons);
            last_photons = k.photons_all_;
        }
        while (next < P && times[next] < t_next) {
            const auto& cnt = k.level_count();
            for (std::size_t f = 0; f < cnt.size(); ++f)
                out.population[f * P + next] = static_cast<double>(cnt[f]);
            out.singlet[next] = static_cast<double>(k.singlets());
            out.triplet[next] = static_cast<double>(k.triplets());
            ++next;
        }
    };
    k.run(times.back() * (1.0 + 1e-12), snapshot);
    for (std::size_t p = 0; p < P; ++p) {
        const double width = (p == 0 || p + 1 == P) ? 0.5 * h : h;
        out.photon_rate[p] = photon_times_counts[p] / width;
    }
    out.events = k.events();
    return out;
}

NcPulse kmc_pulse(const Model& on, const Model& off, const NcSystem& sys,
                  const NanocrystalSpec& spec, std::size_t nc_index, const PulseSpec& pulse,
                  const std::vector<double>& times) {
    Kmc k(on, sys, random_stream_seed(spec.seed, nc_index));
    k.species_photons.assign(on.species.size(), 0.0);
    NcPulse out;
    const std::size_t P = times.size();
    out.photon_rate.assign(P, 0.0);
    out.species_rate.assign(on.species.size(), std::vector<double>(P, 0.0));
    // Bin k (k >= 1) collects the photons of (t_{k-1}, t_k]; bin 0 is the rate at t = 0: 0.
    std::size_t bin = 1;
    double last_total = 0.0;
    std::vector<double> last_species(on.species.size(), 0.0);
    auto close_bins = [&](double t_next) {
        while (bin < P && times[bin] < t_next) {
            const double width = times[bin] - times[bin - 1];
            const double tot = k.total_photons() + 0.0;
            out.photon_rate[bin] = (tot - last_total) / width;
            last_total = tot;
            for (std::size_t s = 0; s < on.species.size(); ++s) {
                out.species_rate[s][bin] = (k.species_photons[s] - last_species[s]) / width;
                last_species[s] = k.species_photons[s];
            }
            ++bin;
        }
    };
    k.run(pulse.pulse_on_s, close_bins);
    if (on.polaron_decay_rate_s > 0.0) {
        // [physics] polaron_decay: the pulse's model, its polaron channels thinned as n_p decays.
        k.set_polaron_decay(pulse.pulse_on_s, on.polaron_decay_rate_s);
    } else {
        k.set_model(off);
    }
    k.set_generation(false);
    k.run(times.back() * (1.0 + 1e-12), close_bins);
    out.events = k.events();
    return out;
}

}  // namespace relsim::nanocrystal::detail
