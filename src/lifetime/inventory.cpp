//! @file inventory.cpp
#include "relsim/lifetime/inventory.hpp"

#include "relsim/nanocrystal/engine.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <utility>

namespace relsim::lifetime {
namespace {

constexpr double nm_in_cm = 1.0e-7;
constexpr double cm2_per_m2 = 1.0e4;
constexpr double mg_per_g = 1.0e3;
constexpr double kg_per_mg = 1.0e-6;
constexpr double lm_per_klm = 1.0e3;

}  // namespace

std::optional<double> atomic_weight_g_mol(const std::string& ion) {
    // IUPAC/CIAAW 2021 standard atomic weights (Pure Appl. Chem. 94, 573 (2022), Table 1);
    // Gd and Lu as revised in 2021 (157.249(2), 174.9668(4)).
    static const std::pair<const char*, double> table[] = {
        {"Sc", 44.955907}, {"Y", 88.905838},   {"La", 138.90547}, {"Ce", 140.116},
        {"Pr", 140.90766}, {"Nd", 144.242},    {"Sm", 150.36},    {"Eu", 151.964},
        {"Gd", 157.249},   {"Tb", 158.925354}, {"Dy", 162.500},   {"Ho", 164.930329},
        {"Er", 167.259},   {"Tm", 168.934219}, {"Yb", 173.045},   {"Lu", 174.9668},
    };
    for (const auto& [sym, m] : table) {
        if (ion == sym) return m;
    }
    return std::nullopt;
}

double mass_mg_m2(double density_cm3, double thickness_nm, double molar_mass_g_mol) {
    return density_cm3 * thickness_nm * nm_in_cm * molar_mass_g_mol / avogadro_mol * cm2_per_m2 *
           mg_per_g;
}

Inventory compute_inventory(const model::ModelParams& params, double eml_thickness_nm,
                            const InventoryPoint& point,
                            const std::map<std::string, double>& prices) {
    Inventory inv;
    inv.photometric = point.photometry_meaningful;
    const double klm_m2 = std::numbers::pi * point.luminance_cd_m2 / lm_per_klm;
    const double optical_W_m2 = std::numbers::pi * point.radiance_W_sr_m2;
    inv.has_cost = !prices.empty();
    for (std::size_t s = 0; s < params.dopants.size(); ++s) {
        const model::DopantParams& d = params.dopants[s];
        const std::optional<double> M = atomic_weight_g_mol(d.ion);
        if (!M) throw std::invalid_argument("no standard atomic weight for ion '" + d.ion + "'");
        SpeciesInventory si;
        si.ion = d.ion;
        si.mg_m2 = mass_mg_m2(d.density_cm3, eml_thickness_nm, *M);
        si.mg_per_klm = inv.photometric && klm_m2 > 0.0 ? si.mg_m2 / klm_m2 : 0.0;
        si.mg_per_W = optical_W_m2 > 0.0 ? si.mg_m2 / optical_W_m2 : 0.0;
        const double rate =
            s < point.species_photon_rate_cm3_s.size() ? point.species_photon_rate_cm3_s[s] : 0.0;
        si.turnover_per_s = d.density_cm3 > 0.0 ? rate / d.density_cm3 : 0.0;
        const std::vector<double>* pop =
            s < point.level_population_cm3.size() ? &point.level_population_cm3[s] : nullptr;
        double best_flux = 0.0, max_a = 0.0, flux_a = 0.0;
        for (std::size_t j = 0; j < d.scheme.levels.size(); ++j) {
            double a = 0.0;
            for (const model::EmissionLine& ln : d.scheme.lines) {
                if (ln.from == d.scheme.levels[j].name) a += ln.rate_s;
            }
            max_a = std::max(max_a, a);
            const double flux = pop && j < pop->size() ? a * (*pop)[j] : 0.0;
            if (flux > best_flux) {
                best_flux = flux;
                flux_a = a;
            }
        }
        si.radiative_ceiling_s = best_flux > 0.0 ? flux_a : max_a;
        if (const auto it = prices.find(d.ion); it != prices.end()) {
            si.price_usd_per_kg = it->second;
            inv.cost_usd_m2 += si.mg_m2 * kg_per_mg * it->second;
        } else if (d.density_cm3 > 0.0) {
            inv.has_cost = false;  // a used species without a price: no cost figure
        }
        inv.species.push_back(std::move(si));
    }
    if (!inv.has_cost) inv.cost_usd_m2 = 0.0;
    inv.cost_usd_per_klm =
        inv.has_cost && inv.photometric && klm_m2 > 0.0 ? inv.cost_usd_m2 / klm_m2 : 0.0;
    return inv;
}

std::vector<double> mean_ions_per_nc(const nanocrystal::NanocrystalSpec& spec,
                                     std::size_t num_species) {
    std::vector<double> counts(num_species, 0.0);
    const std::size_t n = static_cast<std::size_t>(std::max(spec.count, 1));
    for (std::size_t nc = 0; nc < n; ++nc) {
        const nanocrystal::Geometry g = nanocrystal::build_geometry(spec, nc);
        for (const nanocrystal::Ion& ion : g.ions) {
            if (ion.species >= 0 && static_cast<std::size_t>(ion.species) < num_species)
                counts[static_cast<std::size_t>(ion.species)] += 1.0;
        }
    }
    for (double& c : counts) c /= static_cast<double>(n);
    return counts;
}

}  // namespace relsim::lifetime
