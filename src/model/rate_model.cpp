//! @file rate_model.cpp
//! Compilation of ModelParams into flat rate arrays, and the rate equations of spec section 3
//! with their analytic Jacobian.
#include "relsim/model/rate_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "relsim/core/constants.hpp"

namespace relsim::model {
namespace {

constexpr double nm_in_cm = 1.0e-7;
constexpr double mA_in_A = 1.0e-3;

//! Index of `name` in the excited levels of `scheme`, or -1.
long excited_index(const LevelScheme& scheme, const std::string& name) {
    for (std::size_t j = 0; j < scheme.levels.size(); ++j) {
        if (scheme.levels[j].name == name) return static_cast<long>(j);
    }
    return -1;
}

bool is_ground(const LevelScheme& scheme, const std::string& name) {
    return std::find(scheme.ground.begin(), scheme.ground.end(), name) != scheme.ground.end();
}

//! Target state of a transition ending on `to`: an excited state index, or -1 for the ground.
long target_state(const LevelScheme& scheme, std::size_t first_state, const std::string& ion,
                  const std::string& from, const std::string& to) {
    const long j = excited_index(scheme, to);
    if (j >= 0) return static_cast<long>(first_state) + j;
    if (is_ground(scheme, to)) return -1;
    throw std::invalid_argument("ion " + ion + ": transition " + from + " -> " + to +
                                " ends on an unknown level");
}

}  // namespace

double tet_reorganisation_eV(const PhysicsOptions& physics, double temperature_K) {
    const double sigma_eV = physics.tet_overlap_fwhm_eV / (2.0 * std::sqrt(2.0 * std::log(2.0)));
    return sigma_eV * sigma_eV / (2.0 * constants::boltzmann_eV_K * temperature_K);
}

double tet_gap_factor(const PhysicsOptions& physics, double triplet_energy_cm1,
                      double accepting_cm1, double temperature_K) {
    if (!physics.energy_gap_law) return 1.0;  // the contract: a constant kTET
    const double lambda_eV = tet_reorganisation_eV(physics, temperature_K);
    const double kT_eV = constants::boltzmann_eV_K * temperature_K;
    const double gap_eV = (triplet_energy_cm1 - accepting_cm1) / constants::eV_in_cm1;
    const double x = gap_eV - lambda_eV;
    return std::exp(-x * x / (4.0 * lambda_eV * kT_eV));
}

double ground_partition_function(const LevelScheme& scheme, double temperature_K) {
    if (scheme.ground.empty()) return 0.0;
    const double kT_cm1 = constants::boltzmann_eV_K * temperature_K * constants::eV_in_cm1;
    const double e0 =
        !scheme.ground_energy_cm1.empty() && std::isfinite(scheme.ground_energy_cm1[0])
            ? scheme.ground_energy_cm1[0]
            : 0.0;
    double z = level_degeneracy(scheme.ground.front());
    for (std::size_t k = 1; k < scheme.ground.size() && k < scheme.ground_energy_cm1.size(); ++k) {
        const double e = scheme.ground_energy_cm1[k];
        const double g = level_degeneracy(scheme.ground[k]);
        if (std::isfinite(e) && g > 0.0) z += g * std::exp(-(e - e0) / kT_cm1);
    }
    return z;
}

double degeneracy_factor(const DopantParams& d, double temperature_K) {
    constexpr double triplet_degeneracy = 3.0;
    const double g0 = d.scheme.ground.empty() ? 0.0 : level_degeneracy(d.scheme.ground.front());
    const double ga = level_degeneracy(d.accepting_level);
    if (!(g0 > 0.0 && ga > 0.0)) {
        throw std::invalid_argument("ion " + d.ion +
                                    ": degeneracy needs J in the names of the "
                                    "accepting level and the first ground member");
    }
    return triplet_degeneracy * ground_partition_function(d.scheme, temperature_K) / ga;
}

LigandIonFactors ligand_ion_factors(const PhysicsOptions& physics, const DopantParams& d,
                                    double triplet_energy_cm1, double accepting_cm1,
                                    double temperature_K) {
    LigandIonFactors f;
    const double kT_eV = constants::boltzmann_eV_K * temperature_K;
    const double gap_eV = (triplet_energy_cm1 - accepting_cm1) / constants::eV_in_cm1;
    const double g = physics.degeneracy ? degeneracy_factor(d, temperature_K) : 1.0;
    f.forward = tet_gap_factor(physics, triplet_energy_cm1, accepting_cm1, temperature_K);
    if (physics.energy_gap_law) {
        // The ion's emission (a line at E_a) on the ligand's T1 <- S0 absorption band, the
        // mirror image of its phosphorescence about E_T: exp(-(gap + lambda)^2 / (4 lambda kT)),
        // which equals forward x exp(-gap / kT) (no overflow for a large uphill gap).
        const double lambda_eV = tet_reorganisation_eV(physics, temperature_K);
        const double x = gap_eV + lambda_eV;
        f.back = g * std::exp(-x * x / (4.0 * lambda_eV * kT_eV));
    } else {
        f.back = g * std::exp(-gap_eV / kT_eV);
    }
    return f;
}

double polaron_density_after_pulse(double n0_cm3, double langevin_cm3_s, double t_s) {
    return n0_cm3 / (1.0 + langevin_cm3_s * n0_cm3 * t_s);
}

RateModel::RateModel(const ModelParams& params) : params_(params) {
    names_ = {"S", "T"};
    state_species_ = {0, 0};  // unused for the ligand states

    for (std::size_t s = 0; s < params_.dopants.size(); ++s) {
        const DopantParams& d = params_.dopants[s];
        CompiledSpecies sp;
        sp.ion = d.ion;
        sp.first_state = names_.size();
        sp.num_levels = d.scheme.levels.size();
        const long a = excited_index(d.scheme, d.accepting_level);
        if (a < 0) {
            throw std::invalid_argument("ion " + d.ion + ": accepting level " + d.accepting_level +
                                        " is not an excited level");
        }
        sp.accepting_state = sp.first_state + static_cast<std::size_t>(a);
        for (const Level& lvl : d.scheme.levels) {
            names_.push_back(d.ion + "_" + lvl.name);
            state_species_.push_back(s);
        }
        for (const EmissionLine& ln : d.scheme.lines) {
            const long from = excited_index(d.scheme, ln.from);
            if (from < 0) {
                throw std::invalid_argument("ion " + d.ion + ": line from unknown level " +
                                            ln.from);
            }
            const long to = target_state(d.scheme, sp.first_state, d.ion, ln.from, ln.to);
            const std::size_t from_state = sp.first_state + static_cast<std::size_t>(from);
            flows_.push_back(
                {from_state, to, 0.0, to < 0 ? static_cast<long>(ground_losses_.size()) : -1});
            if (to < 0) {
                ground_losses_.push_back({s, from_state, 0.0, GroundLoss::Kind::radiative});
            }
            CompiledLine cl;
            cl.species = s;
            cl.state = from_state;
            cl.to_ground = to < 0;
            cl.label = d.ion + "_" + ln.from + "_" + ln.to;
            // Several lines of one (from, to) pair (Stark components, a shoulder): the second
            // is "<label>.2", the third "<label>.3", ... so that every label is unique.
            std::size_t same = 1;
            for (const CompiledLine& prev : lines_) {
                if (prev.species == s && prev.line.from == ln.from && prev.line.to == ln.to) ++same;
            }
            if (same > 1) {
                cl.label += '.';
                cl.label += std::to_string(same);
            }
            cl.line = ln;
            lines_.push_back(std::move(cl));
        }
        for (const Relaxation& r : d.scheme.relaxations) {
            const long from = excited_index(d.scheme, r.from);
            if (from < 0) {
                throw std::invalid_argument("ion " + d.ion + ": relaxation from unknown level " +
                                            r.from);
            }
            const long to = target_state(d.scheme, sp.first_state, d.ion, r.from, r.to);
            const std::size_t from_state = sp.first_state + static_cast<std::size_t>(from);
            flows_.push_back(
                {from_state, to, 0.0, to < 0 ? static_cast<long>(ground_losses_.size()) : -1});
            if (to < 0) {
                ground_losses_.push_back({s, from_state, 0.0, GroundLoss::Kind::nonradiative});
            }
        }
        for (const auto& entry : d.quench_s) {
            const std::string& level = entry.first;
            const long j = excited_index(d.scheme, level);
            if (j < 0) {
                throw std::invalid_argument("ion " + d.ion + ": quenching of unknown level " +
                                            level);
            }
            const std::size_t state = sp.first_state + static_cast<std::size_t>(j);
            flows_.push_back({state, -1, 0.0, static_cast<long>(ground_losses_.size())});
            ground_losses_.push_back({s, state, 0.0, GroundLoss::Kind::quenching});
        }
        species_.push_back(std::move(sp));
    }

    auto find_species = [&](const std::string& ion) -> std::size_t {
        for (std::size_t s = 0; s < species_.size(); ++s) {
            if (species_[s].ion == ion) return s;
        }
        throw std::invalid_argument("ion-ion transfer names unknown ion " + ion);
    };
    for (const IonTransferParams& t : params_.transfers) {
        const std::size_t sd = find_species(t.from_ion);
        const std::size_t sa = find_species(t.to_ion);
        const long jd = excited_index(params_.dopants[sd].scheme, t.from_level);
        const long ja = excited_index(params_.dopants[sa].scheme, t.to_level);
        if (jd < 0 || ja < 0) {
            throw std::invalid_argument("ion-ion transfer " + t.from_ion + ":" + t.from_level +
                                        " -> " + t.to_ion + ":" + t.to_level +
                                        " names an unknown level");
        }
        IonTransfer it;
        it.donor_state = species_[sd].first_state + static_cast<std::size_t>(jd);
        it.acceptor_state = species_[sa].first_state + static_cast<std::size_t>(ja);
        it.acceptor_species = sa;
        ion_transfers_.push_back(it);
    }
    active_flows_.reserve(flows_.size());
    active_ground_losses_.reserve(ground_losses_.size());
    assign_rates();
}

void RateModel::set_current_density(double current_density_mA_cm2) {
    params_.device.current_density_mA_cm2 = current_density_mA_cm2;
    nominal_drive_ = drive_at(current_density_mA_cm2 * mA_in_A);
}

void RateModel::refresh(const ModelParams& params) {
    copy_numbers(params, params_);
    assign_rates();
}

void RateModel::assign_rates() {
    const LigandParams& lig = params_.ligand;
    const DeviceParams& dev = params_.device;
    kS_total_s_ = lig.kS_rad_s + lig.kS_nr_s + lig.k_isc_s;
    kT_total_s_ = lig.kT_rad_s + lig.kT_nr_s;
    const double triplet_energy_cm1 = lig.triplet_energy_eV * constants::eV_in_cm1;
    std::size_t f = 0;  // flows_ are in the order: per dopant lines, relaxations, quenching
    std::size_t line_index = 0;
    auto set_flow = [&](double rate) {
        Flow& flow = flows_[f++];
        flow.rate_s = rate;
        if (flow.ground_loss >= 0)
            ground_losses_[static_cast<std::size_t>(flow.ground_loss)].rate_s = rate;
    };
    for (std::size_t s = 0; s < params_.dopants.size(); ++s) {
        const DopantParams& d = params_.dopants[s];
        CompiledSpecies& sp = species_[s];
        sp.density_cm3 = d.density_cm3;
        sp.inv_density_cm3 = d.density_cm3 > 0.0 ? 1.0 / d.density_cm3 : 0.0;
        const double accepting_cm1 =
            d.scheme.levels[sp.accepting_state - sp.first_state].energy_cm1;
        sp.kTET_s = d.kTET_s * tet_gap_factor(params_.physics, triplet_energy_cm1, accepting_cm1,
                                              dev.temperature_K);
        sp.kSET_s = d.kSET_s;
        sp.kETU_s = d.kETU_s;
        sp.kLP_cm3_s = d.kLP_cm3_s;
        if (d.kBT_s) {
            sp.kBT_s = *d.kBT_s;
            sp.kBT_origin = Origin::config;
        } else if (d.density_cm3 > 0.0) {
            // Detailed balance between the ligand triplet manifold (N_L sites) and the accepting
            // level (N_s sites), spec section 3, with the [physics] factors of every ligand-ion
            // pair (ligand_ion_factors: the same function the microscopic model uses).
            const LigandIonFactors tf = ligand_ion_factors(params_.physics, d, triplet_energy_cm1,
                                                           accepting_cm1, dev.temperature_K);
            sp.kBT_s = d.kTET_s * (lig.density_cm3 / d.density_cm3) * tf.back;
            sp.kBT_origin = Origin::detailed_balance;
        } else {
            sp.kBT_s = 0.0;  // inert species: nothing to transfer back
            sp.kBT_origin = Origin::detailed_balance;
        }
        for (const EmissionLine& ln : d.scheme.lines) {
            set_flow(ln.rate_s);
            EmissionLine& compiled = lines_[line_index++].line;
            compiled.rate_s = ln.rate_s;
            compiled.wavelength_nm = ln.wavelength_nm;
            compiled.fwhm_nm = ln.fwhm_nm;
        }
        for (const Relaxation& r : d.scheme.relaxations) set_flow(r.rate_s);
        for (const auto& entry : d.quench_s) set_flow(entry.second);
    }
    active_flows_.clear();
    for (const Flow& flow : flows_) {
        if (species_[state_species_[flow.from]].inv_density_cm3 != 0.0)
            active_flows_.push_back(flow);
    }
    active_ground_losses_.clear();
    for (const GroundLoss& gl : ground_losses_) {
        if (!is_inert(gl.species)) active_ground_losses_.push_back(gl);
    }
    has_cascade_ = false;
    for (const CompiledLine& cl : lines_) has_cascade_ |= !cl.to_ground && !is_inert(cl.species);
    for (std::size_t t = 0; t < ion_transfers_.size(); ++t) {
        const IonTransferParams& p = params_.transfers[t];
        IonTransfer& it = ion_transfers_[t];
        it.rate_s = p.bimolecular ? p.rate * species_[it.acceptor_species].density_cm3 : p.rate;
    }
    nominal_drive_ = drive_at(dev.current_density_mA_cm2 * mA_in_A);
}

Drive RateModel::drive_at(double current_density_A_cm2) const {
    const DeviceParams& dev = params_.device;
    const double w_cm = dev.recombination_zone_nm * nm_in_cm;
    const double electrons_cm3_s = current_density_A_cm2 / (constants::elementary_charge_C * w_cm);
    Drive d;
    d.current_density_A_cm2 = current_density_A_cm2;
    d.generation_cm3_s = dev.charge_balance * electrons_cm3_s;
    d.polaron_density_cm3 = std::sqrt(electrons_cm3_s / dev.langevin_cm3_s);
    return d;
}

void RateModel::rhs(const Drive& drive, const double* y, double* dydt) const {
    const LigandParams& lig = params_.ligand;
    const double chi = params_.device.singlet_fraction;
    const double G = drive.generation_cm3_s;
    const double np = drive.polaron_density_cm3;
    const double S = y[0];
    const double T = y[1];
    const std::size_t n = num_states();

    double dS = chi * G - kS_total_s_ * S - lig.kSS_cm3_s * S * S - lig.kST_cm3_s * S * T +
                lig.tta_singlet_yield * lig.kTT_cm3_s * T * T;
    double dT = (1.0 - chi) * G + lig.k_isc_s * S - kT_total_s_ * T - lig.kTT_cm3_s * T * T -
                lig.kTP_cm3_s * np * T;
    for (std::size_t i = 2; i < n; ++i) dydt[i] = 0.0;

    for (const CompiledSpecies& sp : species_) {
        const std::size_t end = sp.first_state + sp.num_levels;
        if (sp.inv_density_cm3 == 0.0) {
            for (std::size_t j = sp.first_state; j < end; ++j) dydt[j] = -y[j];
            continue;
        }
        double excited = 0.0;
        for (std::size_t j = sp.first_state; j < end; ++j) excited += y[j];
        const double X = excited * sp.inv_density_cm3;
        const double g = 1.0 - X;
        const double per_ion_loss = sp.kLP_cm3_s * np + sp.kETU_s * X;
        for (std::size_t j = sp.first_state; j < end; ++j) dydt[j] = -per_ion_loss * y[j];
        const double into_ion = sp.kTET_s * g * T + sp.kSET_s * g * S;
        const double back = sp.kBT_s * y[sp.accepting_state];
        dydt[sp.accepting_state] += into_ion - back;
        dS -= sp.kSET_s * g * S;
        dT += back - sp.kTET_s * g * T;
    }
    // dydt[from] -= flux, dydt[to] += flux for each flow in order, with the element of the
    // current `from` held in a register (flows of one level are consecutive): the same
    // operations on every element in the same order, without a store-to-load chain per flow.
    if (!active_flows_.empty()) {
        std::size_t cur = active_flows_.front().from;
        double acc = dydt[cur];
        for (const Flow& f : active_flows_) {
            if (f.from != cur) {
                dydt[cur] = acc;
                cur = f.from;
                acc = dydt[cur];
            }
            const double flux = f.rate_s * y[f.from];
            acc -= flux;
            if (f.to >= 0) {
                const auto to = static_cast<std::size_t>(f.to);
                if (to == cur) {
                    acc += flux;
                } else {
                    dydt[to] += flux;
                }
            }
        }
        dydt[cur] = acc;
    }
    for (const IonTransfer& t : ion_transfers_) {
        const CompiledSpecies& acc = species_[t.acceptor_species];
        if (acc.inv_density_cm3 == 0.0) continue;  // g_s' = 0: no acceptor
        double acc_excited = 0.0;
        for (std::size_t j = acc.first_state; j < acc.first_state + acc.num_levels; ++j) {
            acc_excited += y[j];
        }
        const double g_acc = 1.0 - acc_excited * acc.inv_density_cm3;
        const double flux = t.rate_s * g_acc * y[t.donor_state];
        dydt[t.donor_state] -= flux;
        dydt[t.acceptor_state] += flux;
    }
    dydt[0] = dS;
    dydt[1] = dT;
}

void RateModel::jacobian(const Drive& drive, const double* y, double* jac) const {
    const LigandParams& lig = params_.ligand;
    const double np = drive.polaron_density_cm3;
    const double S = y[0];
    const double T = y[1];
    const std::size_t n = num_states();
    auto J = [&](std::size_t row, std::size_t col) -> double& { return jac[row + col * n]; };
    std::fill(jac, jac + n * n, 0.0);

    J(0, 0) = -kS_total_s_ - 2.0 * lig.kSS_cm3_s * S - lig.kST_cm3_s * T;
    J(0, 1) = -lig.kST_cm3_s * S + 2.0 * lig.tta_singlet_yield * lig.kTT_cm3_s * T;
    J(1, 0) = lig.k_isc_s;
    J(1, 1) = -kT_total_s_ - 2.0 * lig.kTT_cm3_s * T - lig.kTP_cm3_s * np;

    for (const CompiledSpecies& sp : species_) {
        const std::size_t begin = sp.first_state;
        const std::size_t end = begin + sp.num_levels;
        if (sp.inv_density_cm3 == 0.0) {
            for (std::size_t j = begin; j < end; ++j) J(j, j) = -1.0;
            continue;
        }
        double excited = 0.0;
        for (std::size_t j = begin; j < end; ++j) excited += y[j];
        const double X = excited * sp.inv_density_cm3;
        const double g = 1.0 - X;
        const double inv_N = sp.inv_density_cm3;
        const std::size_t a = sp.accepting_state;
        // -(kLP n_p + kETU X) N_j, with dX/dN_k = 1/N_s.
        for (std::size_t j = begin; j < end; ++j) {
            J(j, j) -= sp.kLP_cm3_s * np + sp.kETU_s * X;
            for (std::size_t k = begin; k < end; ++k) J(j, k) -= sp.kETU_s * inv_N * y[j];
        }
        // Ligand -> ion transfer into the accepting level, with dg/dN_k = -1/N_s.
        J(a, 1) += sp.kTET_s * g;
        J(a, 0) += sp.kSET_s * g;
        J(1, 1) -= sp.kTET_s * g;
        J(0, 0) -= sp.kSET_s * g;
        const double dflux_dN = -(sp.kTET_s * T + sp.kSET_s * S) * inv_N;
        for (std::size_t k = begin; k < end; ++k) {
            J(a, k) += dflux_dN;
            J(1, k) -= sp.kTET_s * T * -inv_N;
            J(0, k) -= sp.kSET_s * S * -inv_N;
        }
        // Back-transfer.
        J(a, a) -= sp.kBT_s;
        J(1, a) += sp.kBT_s;
    }
    // As in rhs(): the diagonal element of the current `from` held in a register.
    if (!active_flows_.empty()) {
        std::size_t cur = active_flows_.front().from;
        double acc = J(cur, cur);
        for (const Flow& f : active_flows_) {
            if (f.from != cur) {
                J(cur, cur) = acc;
                cur = f.from;
                acc = J(cur, cur);
            }
            acc -= f.rate_s;
            if (f.to >= 0) {
                const auto to = static_cast<std::size_t>(f.to);
                if (to == cur) {
                    acc += f.rate_s;
                } else {
                    J(to, f.from) += f.rate_s;
                }
            }
        }
        J(cur, cur) = acc;
    }
    for (const IonTransfer& t : ion_transfers_) {
        const CompiledSpecies& acc = species_[t.acceptor_species];
        if (acc.inv_density_cm3 == 0.0) continue;
        const std::size_t begin = acc.first_state;
        const std::size_t end = begin + acc.num_levels;
        double acc_excited = 0.0;
        for (std::size_t j = begin; j < end; ++j) acc_excited += y[j];
        const double g_acc = 1.0 - acc_excited * acc.inv_density_cm3;
        J(t.donor_state, t.donor_state) -= t.rate_s * g_acc;
        J(t.acceptor_state, t.donor_state) += t.rate_s * g_acc;
        const double dflux_dN = -t.rate_s * acc.inv_density_cm3 * y[t.donor_state];
        for (std::size_t k = begin; k < end; ++k) {
            J(t.donor_state, k) -= dflux_dN;
            J(t.acceptor_state, k) += dflux_dN;
        }
    }
}

void RateModel::state_scales(const Drive& drive, double* scales) const {
    const double G = std::max(drive.generation_cm3_s, 1.0);
    double kS_loss = kS_total_s_;
    double kT_loss = kT_total_s_ + params_.ligand.kTP_cm3_s * drive.polaron_density_cm3;
    for (const CompiledSpecies& sp : species_) {
        if (sp.inv_density_cm3 == 0.0) continue;
        kS_loss += sp.kSET_s;
        kT_loss += sp.kTET_s;
    }
    // Linear-regime populations (no annihilation, no saturation), floored at 1 cm^-3.
    scales[0] = std::max(G / std::max(kS_loss, 1e-300), 1.0);
    scales[1] = std::max(G / std::max(kT_loss, 1e-300), 1.0);
    for (const CompiledSpecies& sp : species_) {
        const double scale = sp.density_cm3 > 0.0 ? sp.density_cm3 : 1.0;
        for (std::size_t j = sp.first_state; j < sp.first_state + sp.num_levels; ++j) {
            scales[j] = scale;
        }
    }
}

}  // namespace relsim::model
