//! @file cost.cpp
//! Up-front size and time estimates of a microscopic run (issue 21 item 12): what cannot finish
//! or fit in memory is refused before anything is built, with the estimate in the message.
//! Estimates, from the spec alone and the compiled per-species rates:
//!  * sites per NC: lattice site density x volume (beta-NaREF4: 1.5 RE sites per hexagonal cell,
//!    the (2/3, 1/3, 1/2) site half occupied; simple cubic: 1 per a^3); the geometry loop visits
//!    about as many lattice points;
//!  * table bytes per NC: 48 bytes per pair entry (a forward and a reverse compressed row of
//!    partner, rate, running sum) for every transfer channel and the Dexter / back-transfer
//!    tables, partners per donor = min(acceptors, acceptor density x the sphere of the law's
//!    reach at the negligible-rate floor), plus ~100 bytes per site;
//!  * summary bytes: what the ensemble keeps per NC (lines, fates, levels, radial bins, decay
//!    records) x count;
//!  * kmc events: count x excitons x 3 (generation, transfer, decay: a lower bound, migration
//!    hops come on top): EL count x G_NC x (warm-up + window); decay count x excited sites.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "relsim/nanocrystal/engine.hpp"
#include "system.hpp"

namespace relsim::nanocrystal {
namespace {

constexpr double pi = 3.14159265358979323846;
constexpr double gib = 1024.0 * 1024.0 * 1024.0;

double site_density_nm3(const NanocrystalSpec& s) {
    if (s.lattice == Lattice::simple_cubic) return 1.0 / (s.a_nm * s.a_nm * s.a_nm);
    return 1.5 / (s.a_nm * s.a_nm * s.c_nm * std::sqrt(3.0) / 2.0);
}

double volume_nm3(const NanocrystalSpec& s) {
    if (s.shape == Shape::sphere) return 4.0 / 3.0 * pi * s.radius_nm * s.radius_nm * s.radius_nm;
    double cells = 1.0;
    for (int c : s.cells) cells *= c;
    const double cell = s.lattice == Lattice::simple_cubic
                            ? s.a_nm * s.a_nm * s.a_nm
                            : s.a_nm * s.a_nm * s.c_nm * std::sqrt(3.0) / 2.0;
    return cells * cell;
}

//! Largest occupation probability of species `sp` anywhere in the NC.
double max_fraction(const NanocrystalSpec& s, int sp) {
    double c = 0.0;
    auto take = [&](const Composition& comp) {
        if (sp >= 0 && static_cast<std::size_t>(sp) < comp.size())
            c = std::max(c, comp[static_cast<std::size_t>(sp)]);
    };
    if (s.shells.empty()) {
        take(s.composition);
    } else {
        for (const ShellSpec& sh : s.shells) take(sh.composition);
    }
    return c;
}

}  // namespace

CostEstimate estimate_cost(const NanocrystalSpec& spec, const model::ModelParams& params,
                           const EnsembleOptions& options) {
    CostEstimate e;
    const double rho = site_density_nm3(spec);
    const double V = volume_nm3(spec);
    e.sites_per_nc = rho * V;
    if (!std::isfinite(e.sites_per_nc) || e.sites_per_nc > 1e12) {
        // Beyond anything buildable: the other estimates would overflow; stop here.
        e.table_bytes_per_nc = e.summary_bytes = e.events = HUGE_VAL;
        return e;
    }
    const double J = spec.excitation ? 0.0 : params.device.current_density_mA_cm2;
    const detail::Model m = detail::compile_model(spec, params, J);
    const int n_species = static_cast<int>(m.species.size());
    double ions = 0.0;
    for (int s = 0; s < n_species; ++s) ions += e.sites_per_nc * max_fraction(spec, s);
    const double frac = options.negligible_rate_fraction;
    double entries = 0.0;
    for (const TransferSpec& t : spec.transfers) {
        const double decay = m.species[static_cast<std::size_t>(t.donor.species)]
                                 .level_rate_s[static_cast<std::size_t>(t.donor.level)];
        const double reach = detail::law_reach_nm(t.law, frac * decay);
        const double acceptors = e.sites_per_nc * max_fraction(spec, t.acceptor.species);
        const double within =
            rho * max_fraction(spec, t.acceptor.species) * 4.0 / 3.0 * pi * reach * reach * reach;
        entries +=
            e.sites_per_nc * max_fraction(spec, t.donor.species) * std::min(acceptors, within);
    }
    double ligands = 0.0;
    if (spec.ligand && spec.shape == Shape::sphere) {
        const double r = spec.radius_nm + spec.ligand->standoff_nm;
        ligands = 4.0 * pi * r * r * spec.ligand->surface_density_nm2;
        double k0 = 0.0;
        for (double k : spec.ligand->kTET0_s) k0 = std::max(k0, k);
        for (double k : spec.ligand->kSET0_s) k0 = std::max(k0, k);
        const double floor =
            frac * std::min(m.kT_total() > 0 ? m.kT_total() : HUGE_VAL, m.kS_total());
        const double reach =
            floor > 0.0 && k0 > floor
                ? spec.ligand->r0_nm + 0.5 * spec.ligand->L_nm * std::log(k0 / floor)
                : (k0 > 0.0 ? 2.0 * (spec.radius_nm + spec.ligand->standoff_nm) : 0.0);
        entries += ligands * std::min(ions, rho * 2.0 / 3.0 * pi * reach * reach * reach);
    }
    e.pair_entries_per_nc = entries;
    e.table_bytes_per_nc = 48.0 * entries + 100.0 * e.sites_per_nc + 64.0 * ligands;
    double levels = 0.0;
    for (const detail::SpeciesTable& t : m.species) levels += t.num_levels;
    const double bins =
        spec.shape == Shape::sphere ? std::ceil(spec.radius_nm / options.radial_bin_nm) : 0.0;
    double per_nc =
        8.0 * (m.num_lines() + m.num_fates() + levels * (1.0 + bins) + n_species * (1.0 + bins)) +
        512.0;
    if (spec.excitation) per_nc += 8.0 * (levels + 3.0) * spec.excitation->points;
    e.summary_bytes = per_nc * spec.count;
    if (spec.engine == Engine::kmc) {
        if (spec.excitation) {
            const double targets =
                spec.excitation->target_is_ligand
                    ? ligands
                    : e.sites_per_nc * max_fraction(spec, spec.excitation->target.species);
            e.events = 3.0 * spec.count * std::max(1.0, spec.excitation->fraction * targets);
        } else {
            e.events = 3.0 * spec.count * m.generation_nc_s *
                       (kmc_warmup_s(spec, params) + spec.measure_s);
        }
    }
    return e;
}

CostProblem cost_problem(const NanocrystalSpec& spec, const model::ModelParams& params) {
    const CostEstimate e = estimate_cost(spec, params);
    const std::string est = fmt::format(
        "estimate: {:.3g} RE sites and {:.3g} pair entries per NC, tables {:.3g} GiB "
        "per NC (one NC per thread), {:.3g} GiB of per-NC summaries for {} NCs, "
        "{:.3g} kmc events",
        e.sites_per_nc, e.pair_entries_per_nc, e.table_bytes_per_nc / gib, e.summary_bytes / gib,
        spec.count, e.events);
    const std::string size_key =
        spec.shape == Shape::sphere ? "nanocrystal.radius_nm" : "nanocrystal.cells";
    if (!(e.sites_per_nc <= kMaxSitesPerNc)) {
        return {size_key, fmt::format("the NC is too large to build: {} (limit {:.3g} sites)", est,
                                      kMaxSitesPerNc)};
    }
    if (!(e.table_bytes_per_nc <= kMaxTableBytesPerNc)) {
        return {size_key,
                fmt::format(
                    "the NC's pair tables would not fit in memory: {} (limit {:.3g} GiB per NC; "
                    "a cutoff_nm on long-range transfers shrinks them)",
                    est, kMaxTableBytesPerNc / gib)};
    }
    if (!(e.summary_bytes <= kMaxSummaryBytes)) {
        return {"nanocrystal.count",
                fmt::format("the ensemble is too large to keep: {} (limit {:.3g} GiB)", est,
                            kMaxSummaryBytes / gib)};
    }
    if (!(e.events <= kMaxKmcEvents)) {
        return {spec.excitation ? "nanocrystal.count" : "nanocrystal.measure_s",
                fmt::format(
                    "the kmc run cannot finish: {} (a lower bound; limit {:.3g} events, hours at "
                    "~1e7 events per second)",
                    est, kMaxKmcEvents)};
    }
    return {};
}

}  // namespace relsim::nanocrystal
