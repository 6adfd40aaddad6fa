//! @file observables.cpp
//! Photon rates, IQE/EQE, transfer efficiency and the exciton-fate budget (spec section 4).
#include "relsim/model/observables.hpp"

#include <cmath>
#include <stdexcept>
#include <utility>

namespace relsim::model {
namespace {

//! Fate channels of the ligand, in output order.
constexpr const char* ligand_fates[] = {"ligand_singlet_radiative",
                                        "ligand_singlet_nonradiative",
                                        "ligand_triplet_radiative",
                                        "ligand_triplet_nonradiative",
                                        "ssa",
                                        "sta",
                                        "tta",
                                        "tpq"};
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

//! State index of level `name` of species `sp` (scheme `d`), or -1 for a ground member.
long level_state(const CompiledSpecies& sp, const DopantParams& d, const std::string& name) {
    for (std::size_t j = 0; j < d.scheme.levels.size(); ++j) {
        if (d.scheme.levels[j].name == name) return static_cast<long>(sp.first_state + j);
    }
    return -1;
}

//! Solves A x = b in place (A column-major n x n, destroyed; b becomes x) by Gaussian
//! elimination with partial pivoting. Returns false on a zero pivot.
bool solve_dense(std::size_t n, double* A, double* b) {
    auto a = [&](std::size_t r, std::size_t c) -> double& { return A[r + c * n]; };
    for (std::size_t k = 0; k < n; ++k) {
        std::size_t piv = k;
        for (std::size_t r = k + 1; r < n; ++r) {
            if (std::abs(a(r, k)) > std::abs(a(piv, k))) piv = r;
        }
        if (a(piv, k) == 0.0) return false;
        if (piv != k) {
            for (std::size_t c = 0; c < n; ++c) std::swap(a(k, c), a(piv, c));
            std::swap(b[k], b[piv]);
        }
        const double inv = 1.0 / a(k, k);
        for (std::size_t r = k + 1; r < n; ++r) {
            const double m = a(r, k) * inv;
            if (m == 0.0) continue;
            for (std::size_t c = k; c < n; ++c) a(r, c) -= m * a(k, c);
            b[r] -= m * b[k];
        }
    }
    for (std::size_t k = n; k-- > 0;) {
        double v = b[k];
        for (std::size_t c = k + 1; c < n; ++c) v -= a(k, c) * b[c];
        b[k] = v / a(k, k);
    }
    return true;
}

//! The dark (not yet emitted) populations D of state y: M D = source with every process at the
//! pseudo-first-order rates of y and photons leaving D (observables.hpp). Writes `dark`.
void dark_populations(const RateModel& model, const Drive& drive, const double* y,
                      std::vector<double>& dark, std::vector<double>& M) {
    const ModelParams& p = model.params();
    const LigandParams& lig = p.ligand;
    const std::size_t n = model.num_states();
    const auto& species = model.species();
    M.assign(n * n, 0.0);
    dark.assign(n, 0.0);
    auto m = [&](std::size_t r, std::size_t c) -> double& { return M[r + c * n]; };
    const double S = y[0];
    const double T = y[1];
    const double np = drive.polaron_density_cm3;
    const double chi = p.device.singlet_fraction;
    dark[0] = chi * drive.generation_cm3_s;
    dark[1] = (1.0 - chi) * drive.generation_cm3_s;
    m(0, 0) = lig.kS_rad_s + lig.kS_nr_s + lig.k_isc_s + lig.kSS_cm3_s * S + lig.kST_cm3_s * T;
    m(1, 0) = -lig.k_isc_s;
    m(1, 1) = lig.kT_rad_s + lig.kT_nr_s + lig.kTT_cm3_s * T + lig.kTP_cm3_s * np;
    m(0, 1) = -lig.tta_singlet_yield * lig.kTT_cm3_s * T;
    std::vector<double> ground(species.size(), 0.0);
    for (std::size_t s = 0; s < species.size(); ++s) {
        const CompiledSpecies& sp = species[s];
        const std::size_t end = sp.first_state + sp.num_levels;
        if (model.is_inert(s)) {
            for (std::size_t j = sp.first_state; j < end; ++j) m(j, j) = 1.0;
            continue;
        }
        const double X = species_excited(sp, y) * sp.inv_density_cm3;
        const double g = 1.0 - X;
        ground[s] = g;
        const std::size_t a = sp.accepting_state;
        m(0, 0) += sp.kSET_s * g;
        m(1, 1) += sp.kTET_s * g;
        m(a, 0) -= sp.kSET_s * g;
        m(a, 1) -= sp.kTET_s * g;
        m(a, a) += sp.kBT_s;
        m(1, a) -= sp.kBT_s;
        for (std::size_t j = sp.first_state; j < end; ++j)
            m(j, j) += sp.kLP_cm3_s * np + sp.kETU_s * X;
        const DopantParams& d = p.dopants[s];
        for (const Relaxation& r : d.scheme.relaxations) {
            const auto from = static_cast<std::size_t>(level_state(sp, d, r.from));
            m(from, from) += r.rate_s;
            const long to = level_state(sp, d, r.to);
            if (to >= 0) m(static_cast<std::size_t>(to), from) -= r.rate_s;
        }
        for (const auto& [level, rate] : d.quench_s) {
            const auto j = static_cast<std::size_t>(level_state(sp, d, level));
            m(j, j) += rate;
        }
    }
    for (const CompiledLine& cl : model.lines()) {  // photons leave D and feed nothing dark
        if (!model.is_inert(cl.species)) m(cl.state, cl.state) += cl.line.rate_s;
    }
    for (const IonTransferParams& t : p.transfers) {
        std::size_t sd = 0, sa = 0;
        for (std::size_t s = 0; s < species.size(); ++s) {
            if (species[s].ion == t.from_ion) sd = s;
            if (species[s].ion == t.to_ion) sa = s;
        }
        if (model.is_inert(sd) || model.is_inert(sa)) continue;
        const auto donor =
            static_cast<std::size_t>(level_state(species[sd], p.dopants[sd], t.from_level));
        const auto acc =
            static_cast<std::size_t>(level_state(species[sa], p.dopants[sa], t.to_level));
        const double k = (t.bimolecular ? t.rate * species[sa].density_cm3 : t.rate) * ground[sa];
        m(donor, donor) += k;
        m(acc, donor) -= k;
    }
    // A state without any outflow (all its rates 0) holds no steady dark population unless it
    // is fed, and then there is no steady state: a unit diagonal keeps the system regular.
    for (std::size_t i = 0; i < n; ++i) {
        if (m(i, i) == 0.0) m(i, i) = 1.0;
    }
    if (!solve_dense(n, M.data(), dark.data())) {
        throw std::runtime_error("photon bookkeeping: singular dark-population system");
    }
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

    // The fates are flows out of the not-yet-emitted populations (observables.hpp); they are
    // y itself unless some line ends on an excited level (then each expression below is the
    // contract's, term for term and in the same order, so the Tb/Eu budgets are unchanged).
    const double* d = y;
    const bool cascade = model.has_cascade();
    if (cascade) {
        dark_populations(model, drive, y, out.dark_cm3, out.matrix_scratch);
        d = out.dark_cm3.data();
    }
    double* fate = out.fates.data();
    fate[0] = lig.kS_rad_s * d[0];
    fate[1] = lig.kS_nr_s * d[0];
    fate[2] = lig.kT_rad_s * d[1];
    fate[3] = lig.kT_nr_s * d[1];
    fate[4] = lig.kSS_cm3_s * S * d[0];
    fate[5] = lig.kST_cm3_s * d[0] * T;
    fate[6] = (1.0 - lig.tta_singlet_yield) * lig.kTT_cm3_s * T * d[1];
    fate[7] = lig.kTP_cm3_s * np * d[1];

    // The species' sum held in a register while its lines follow each other (the same
    // additions in the same order as species_photon_rate[species] += rate per line).
    double* species_rate = out.species_photon_rate_cm3_s.data();
    double* line_rate = out.line_photon_rate_cm3_s.data();
    std::size_t cur = lines.empty() ? 0 : lines.front().species;
    double acc = lines.empty() ? 0.0 : species_rate[cur];
    for (std::size_t l = 0; l < lines.size(); ++l) {
        const CompiledLine& cl = lines[l];
        const double rate = cl.line.rate_s * y[cl.state];
        line_rate[l] = rate;
        if (cl.species != cur) {
            species_rate[cur] = acc;
            cur = cl.species;
            acc = species_rate[cur];
        }
        acc += rate;
        photons += rate;
    }
    if (!lines.empty()) species_rate[cur] = acc;

    double transferred = 0.0;
    for (std::size_t s = 0; s < species.size(); ++s) {
        const CompiledSpecies& sp = species[s];
        if (model.is_inert(s)) continue;
        const double excited = species_excited(sp, y);
        const double X = excited * sp.inv_density_cm3;
        const double g = 1.0 - X;
        transferred += sp.kTET_s * g * T + sp.kSET_s * g * S - sp.kBT_s * y[sp.accepting_state];
        double* f = fate + num_ligand_fates + num_species_fates * s;
        const double dark_excited = cascade ? species_excited(sp, d) : excited;
        f[3] = sp.kLP_cm3_s * np * dark_excited;
        f[4] = sp.kETU_s * X * dark_excited;
    }
    // Every first-order return to the ground: lines, relaxations and quenching.
    // (The fate being summed is held in a register while consecutive losses feed it: the
    // same additions in the same order.)
    std::size_t target = 0;
    double sum = fate[0];
    for (const GroundLoss& gl : model.active_ground_losses()) {
        const std::size_t channel = gl.kind == GroundLoss::Kind::radiative      ? 0
                                    : gl.kind == GroundLoss::Kind::nonradiative ? 1
                                                                                : 2;
        const std::size_t k = num_ligand_fates + num_species_fates * gl.species + channel;
        if (k != target) {
            fate[target] = sum;
            target = k;
            sum = fate[k];
        }
        sum += gl.rate_s * d[gl.state];
    }
    fate[target] = sum;
    // A photon into an excited level is a radiative fate of the exciton that emits it.
    if (cascade) {
        for (const CompiledLine& cl : lines) {
            if (cl.to_ground || model.is_inert(cl.species)) continue;
            fate[num_ligand_fates + num_species_fates * cl.species] += cl.line.rate_s * d[cl.state];
        }
    }

    for (double& v : out.fates) v *= inv_G;
    out.photon_rate_cm3_s = photons;
    out.transfer_efficiency = transferred * inv_G;
    // IQE = photons / (G / gamma): photons per injected electron.
    out.iqe = photons * inv_G * p.device.charge_balance;
    out.eqe = p.device.outcoupling * out.iqe;
}

}  // namespace relsim::model
