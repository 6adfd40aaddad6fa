//! @file observables.cpp
//! Photon rates, IQE/EQE, transfer efficiency and the exciton-fate budget (spec section 4).
#include "relsim/model/observables.hpp"

namespace relsim::model {
namespace {

//! Fate channels of the ligand, in output order.
constexpr const char* ligand_fates[] = {
    "ligand_singlet_radiative", "ligand_singlet_nonradiative", "ligand_triplet_radiative",
    "ligand_triplet_nonradiative", "ssa", "sta", "tta", "tpq"};
constexpr std::size_t num_ligand_fates = sizeof(ligand_fates) / sizeof(ligand_fates[0]);
//! Fate channels of each species, in output order, prefixed with "<Ion>_".
constexpr const char* species_fates[] = {"radiative", "nonradiative", "quenching",
                                         "polaron_quenching", "etu"};
constexpr std::size_t num_species_fates = sizeof(species_fates) / sizeof(species_fates[0]);

double species_excited(const CompiledSpecies& sp, const double* y) {
    double excited = 0.0;
    for (std::size_t j = sp.first_state; j < sp.first_state + sp.num_levels; ++j) excited += y[j];
    return excited;
}

}  // namespace

std::vector<std::string> fate_names(const RateModel& model) {
    std::vector<std::string> names(std::begin(ligand_fates), std::end(ligand_fates));
    for (const CompiledSpecies& sp : model.species()) {
        for (const char* f : species_fates) names.push_back(sp.ion + "_" + f);
    }
    return names;
}

double total_photon_rate(const RateModel& model, const double* y) {
    const LigandParams& lig = model.params().ligand;
    double total = lig.kS_rad_s * y[0] + lig.kT_rad_s * y[1];
    for (const CompiledLine& cl : model.lines()) total += cl.line.rate_s * y[cl.state];
    return total;
}

void evaluate_observables(const RateModel& model, const Drive& drive, const double* y,
                          Observables& out) {
    const ModelParams& p = model.params();
    const LigandParams& lig = p.ligand;
    const double G = drive.generation_cm3_s;
    const double inv_G = G > 0.0 ? 1.0 / G : 0.0;
    const double np = drive.polaron_density_cm3;
    const double S = y[0];
    const double T = y[1];
    const auto& species = model.species();
    const auto& lines = model.lines();

    out.line_photon_rate_cm3_s.resize(lines.size());
    out.species_photon_rate_cm3_s.assign(species.size(), 0.0);
    out.fates.assign(num_ligand_fates + num_species_fates * species.size(), 0.0);

    out.ligand_singlet_photon_rate_cm3_s = lig.kS_rad_s * S;
    out.ligand_triplet_photon_rate_cm3_s = lig.kT_rad_s * T;
    double photons = out.ligand_singlet_photon_rate_cm3_s + out.ligand_triplet_photon_rate_cm3_s;

    double* fate = out.fates.data();
    fate[0] = lig.kS_rad_s * S;
    fate[1] = lig.kS_nr_s * S;
    fate[2] = lig.kT_rad_s * T;
    fate[3] = lig.kT_nr_s * T;
    fate[4] = lig.kSS_cm3_s * S * S;
    fate[5] = lig.kST_cm3_s * S * T;
    fate[6] = (1.0 - lig.tta_singlet_yield) * lig.kTT_cm3_s * T * T;
    fate[7] = lig.kTP_cm3_s * np * T;

    for (std::size_t l = 0; l < lines.size(); ++l) {
        const CompiledLine& cl = lines[l];
        const double rate = cl.line.rate_s * y[cl.state];
        out.line_photon_rate_cm3_s[l] = rate;
        out.species_photon_rate_cm3_s[cl.species] += rate;
        photons += rate;
    }

    double transferred = 0.0;
    for (std::size_t s = 0; s < species.size(); ++s) {
        const CompiledSpecies& sp = species[s];
        if (model.is_inert(s)) continue;
        const double excited = species_excited(sp, y);
        const double X = excited * sp.inv_density_cm3;
        const double g = 1.0 - X;
        transferred += sp.kTET_s * g * T + sp.kSET_s * g * S - sp.kBT_s * y[sp.accepting_state];
        double* f = fate + num_ligand_fates + num_species_fates * s;
        f[3] = sp.kLP_cm3_s * np * excited;
        f[4] = sp.kETU_s * X * excited;
    }
    // Every first-order return to the ground: lines, relaxations and quenching.
    for (const GroundLoss& gl : model.ground_losses()) {
        if (model.is_inert(gl.species)) continue;
        const std::size_t channel = gl.kind == GroundLoss::Kind::radiative      ? 0
                                    : gl.kind == GroundLoss::Kind::nonradiative ? 1
                                                                                : 2;
        fate[num_ligand_fates + num_species_fates * gl.species + channel] += gl.rate_s * y[gl.state];
    }

    for (double& v : out.fates) v *= inv_G;
    out.photon_rate_cm3_s = photons;
    out.transfer_efficiency = transferred * inv_G;
    // IQE = photons / (G / gamma): photons per injected electron.
    out.iqe = photons * inv_G * p.device.charge_balance;
    out.eqe = p.device.outcoupling * out.iqe;
}

}  // namespace relsim::model
