//! @file check_nanocrystal.cpp
#include "check_nanocrystal.hpp"

#include <fmt/core.h>

#include "relsim/core/constants.hpp"
#include "relsim/model/rate_model.hpp"
#include "relsim/nanocrystal/config.hpp"

namespace relsim::app {
namespace {

std::string law_text(const nanocrystal::PairLaw& law) {
    std::string s = law.exchange
                        ? fmt::format("exchange W0 exp(-2 (r - {:g} nm) / {:g} nm), W0 = {:g} s^-1",
                                      law.r0_nm, law.L_nm, law.W0_s)
                        : fmt::format("multipolar C / r^{}, C = {:g} nm^{} s^-1", law.multipolarity,
                                      law.C_nm_s, law.multipolarity);
    s += law.cutoff_nm ? fmt::format(", cutoff {:g} nm", *law.cutoff_nm)
                       : std::string(", no cutoff");
    return s;
}

}  // namespace

void print_nanocrystal_check(const io::RunConfig& config) {
    const nanocrystal::NanocrystalConfig nc = nanocrystal::read_config(config);
    const nanocrystal::NanocrystalSpec& sp = nc.spec;
    const model::ModelParams& mp = config.model;
    fmt::print(
        "\nmicroscopic model [nanocrystal] (shared/spec/microscopic-model.md): engine {}, lattice "
        "{}, {}\n",
        sp.engine == nanocrystal::Engine::kmc ? "kmc" : "linear",
        sp.lattice == nanocrystal::Lattice::beta_NaREF4 ? "beta_NaREF4" : "simple_cubic",
        sp.shape == nanocrystal::Shape::sphere ? "sphere" : "periodic box");
    fmt::print(
        "  the [[dopant]] density_cm3 and kTET_s above are unused here: the lattice, the shell\n"
        "  compositions and the Dexter law replace them\n");
    if (mp.physics.energy_gap_law || mp.physics.degeneracy) {
        // [physics] acts on every ligand-ion pair (model::ligand_ion_factors, docs/nir.md).
        const double ET = mp.ligand.triplet_energy_eV * constants::eV_in_cm1;
        for (const model::DopantParams& d : mp.dopants) {
            double Ea = 0.0;
            for (const model::Level& l : d.scheme.levels) {
                if (l.name == d.accepting_level) Ea = l.energy_cm1;
            }
            const model::LigandIonFactors f =
                model::ligand_ion_factors(mp.physics, d, ET, Ea, mp.device.temperature_K);
            fmt::print(
                "  [physics] {} pairs: kTET0_s x {:.6g} (energy-gap law), back-transfer = pair "
                "rate x {:.6g} "
                "(detailed balance{})\n",
                d.ion, f.forward, f.forward > 0.0 ? f.back / f.forward : 0.0,
                mp.physics.degeneracy ? ", with g_T Z_ground / g_a" : "");
        }
    }
    fmt::print("{:<44} {:>14}  {:<12} {:<16} {}\n", "parameter", "value", "unit", "origin",
               "source");
    for (const auto& r : nc.resolved) {
        fmt::print("{:<44} {:>14.6g}  {:<12} {:<16} {}\n", r.key, r.value, r.unit,
                   relsim::model::origin_name(r.origin), r.source);
    }
    for (std::size_t i = 0; i < sp.transfers.size(); ++i) {
        const auto& t = sp.transfers[i];
        fmt::print("transfer {}: {} -> {}, acceptor ground -> {}; {}\n", i,
                   nanocrystal::level_name(mp, t.donor), nanocrystal::level_name(mp, t.donor_to),
                   nanocrystal::level_name(mp, t.acceptor), law_text(t.law));
    }
    for (std::size_t i = 0; i < sp.annihilations.size(); ++i) {
        const auto& a = sp.annihilations[i];
        fmt::print("annihilation {}: {} + {} -> {} + {}; {}\n", i,
                   nanocrystal::level_name(mp, a.first), nanocrystal::level_name(mp, a.second),
                   nanocrystal::level_name(mp, a.first_to),
                   nanocrystal::level_name(mp, a.second_to), law_text(a.law));
    }
    for (std::size_t i = 0; i < sp.surface_quench.size(); ++i) {
        const auto& q = sp.surface_quench[i];
        fmt::print("surface quench {}: {} at {:g} s^-1 x exp(-depth / {:g} nm)\n", i,
                   nanocrystal::level_name(mp, q.level), q.k_surface_s, q.surface_length_nm);
    }
    if (sp.excitation) {
        const auto& e = *sp.excitation;
        fmt::print(
            "run: direct-excitation decay of {} ({} of the sites at t = 0, kmc), {} points from 0 "
            "to {:g} s; "
            "the current density is not used\n",
            e.target_is_ligand ? std::string("the ligands") : nanocrystal::level_name(mp, e.target),
            e.fraction, e.points, e.decay_until_s);
    } else if (config.has_table("transport")) {
        fmt::print(
            "run: EL steady state of each [transport] slice: one NC ensemble per slice at its own "
            "G_k and n_p,k from the solved stack (docs/transport.md)\n");
    } else {
        const model::RateModel m(mp);
        const double G = m.nominal_drive().generation_cm3_s;
        fmt::print(
            "run: EL steady state at {:g} mA cm^-2; G_NC = G / n_NC = {:.6g} / {:.6g} = {:.6g} "
            "excitons per NC "
            "per s (derived)\n",
            mp.device.current_density_mA_cm2, G, sp.nc_density_cm3, G / sp.nc_density_cm3);
    }
    if (config.sweep && config.has_table("transport")) {
        fmt::print(
            "sweep: runs of the last axis in parallel over the threads (--threads), each point's "
            "ensembles on its run's thread\n");
    } else if (config.sweep) {
        fmt::print(
            "sweep points run one at a time, every thread (--threads) on the NC ensemble of the "
            "point\n");
    }
}

}  // namespace relsim::app
