//! @file geometry.cpp
//! Lattice, shape, Bernoulli doping and ligand placement of one NC (spec section 1), and the
//! distance laws of the pair processes (section 2).
//!
//! Lattice constants (defaults of the reader; quoted here for the record):
//!   beta-NaYF4  (hexagonal, P-6): a = 0.596 nm, c = 0.353 nm, JCPDS card 16-0334;
//!   beta-NaGdF4 (hexagonal, P-6): a = 0.602 nm, c = 0.360 nm, JCPDS card 27-0699
//!   (the cards cited for beta-NaREF4 nanocrystals, e.g. F. Wang et al., Nature 463, 1061
//!   (2010), Fig. 1 and Supplementary Information).
//! RE sites of the beta structure: fractional (0, 0, 0), fully RE, and (2/3, 1/3, 1/2), shared
//! RE/Na with occupancy 1/2 (the disordered 1f site; C. Renero-Lecuna et al., Chem. Mater. 23,
//! 3442 (2011)). 1.5 RE per cell: 13.3 RE nm^-3 in NaGdF4.
#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "random.hpp"
#include "relsim/nanocrystal/engine.hpp"

namespace relsim::nanocrystal {
namespace {

struct LatticeBasis {
    double a[3][3];                           //!< rows: a1, a2, a3 [nm]
    std::vector<std::array<double, 3>> frac;  //!< fractional RE positions
    std::vector<double> occupancy;            //!< probability that the position holds a RE ion
};

LatticeBasis lattice_basis(const NanocrystalSpec& spec) {
    LatticeBasis b{};
    const double a = spec.a_nm;
    if (spec.lattice == Lattice::simple_cubic) {
        const double rows[3][3] = {{a, 0, 0}, {0, a, 0}, {0, 0, a}};
        std::copy(&rows[0][0], &rows[0][0] + 9, &b.a[0][0]);
        b.frac = {{0.0, 0.0, 0.0}};
        b.occupancy = {1.0};
    } else {
        const double c = spec.c_nm;
        const double rows[3][3] = {{a, 0, 0}, {-0.5 * a, 0.5 * std::sqrt(3.0) * a, 0}, {0, 0, c}};
        std::copy(&rows[0][0], &rows[0][0] + 9, &b.a[0][0]);
        b.frac = {{0.0, 0.0, 0.0}, {2.0 / 3.0, 1.0 / 3.0, 0.5}};
        b.occupancy = {1.0, 0.5};
    }
    return b;
}

//! Species drawn for one RE site with `composition` (index = species), or -1 for the host.
int draw_species(const Composition& composition, detail::Stream& rng) {
    const double u = rng.uniform();
    double cum = 0.0;
    for (std::size_t s = 0; s < composition.size(); ++s) {
        cum += composition[s];
        if (u < cum) return static_cast<int>(s);
    }
    return -1;
}

}  // namespace

std::uint64_t random_stream_seed(std::uint64_t seed, std::size_t nc_index) {
    return detail::stream_seed(seed, nc_index, detail::StreamTag::dynamics);
}

Geometry build_geometry(const NanocrystalSpec& spec, std::size_t nc_index) {
    // The reader refuses such sizes with the estimate (cost.cpp); a direct caller gets an error
    // here instead of a double-to-int overflow in the lattice loop bounds.
    {
        double cells = 1.0;
        for (int c : spec.cells) cells *= c;
        const double extent =
            spec.shape == Shape::sphere
                ? spec.radius_nm / std::min(spec.a_nm, spec.c_nm > 0.0 ? spec.c_nm : spec.a_nm)
                : std::cbrt(cells);
        if (!(extent < 1.0e5)) {
            throw std::invalid_argument(
                "build_geometry: the NC spans more than 1e5 lattice cells per direction "
                "(nanocrystal::cost_problem refuses it with its estimate)");
        }
    }
    detail::Stream rng(detail::stream_seed(spec.seed, nc_index, detail::StreamTag::geometry));
    const LatticeBasis lb = lattice_basis(spec);
    Geometry g;
    auto add_site = [&](const double p[3], const Composition& comp, double depth) {
        ++g.re_sites;
        const int s = draw_species(comp, rng);
        if (s >= 0) g.ions.push_back({p[0], p[1], p[2], s, depth});
    };
    // Every RE position: an occupancy draw for a shared position (one per site per NC), then
    // the Bernoulli doping draw. The loop order is fixed, so the stream order is.
    auto visit = [&](int i, int j, int k, auto&& place) {
        for (std::size_t q = 0; q < lb.frac.size(); ++q) {
            const double f[3] = {i + lb.frac[q][0], j + lb.frac[q][1], k + lb.frac[q][2]};
            double p[3];
            for (int d = 0; d < 3; ++d)
                p[d] = f[0] * lb.a[0][d] + f[1] * lb.a[1][d] + f[2] * lb.a[2][d];
            place(p, lb.occupancy[q]);
        }
    };

    if (spec.shape == Shape::periodic_box) {
        if (spec.cells.size() != 3) throw std::invalid_argument("periodic_box needs 3 cell counts");
        g.periodic = true;
        for (int r = 0; r < 3; ++r) {
            for (int d = 0; d < 3; ++d)
                g.cell_matrix_nm[r][d] = lb.a[r][d] * spec.cells[static_cast<std::size_t>(r)];
        }
        for (int d = 0; d < 3; ++d) g.box_nm[d] = g.cell_matrix_nm[d][d];
        for (int i = 0; i < spec.cells[0]; ++i) {
            for (int j = 0; j < spec.cells[1]; ++j) {
                for (int k = 0; k < spec.cells[2]; ++k) {
                    visit(i, j, k, [&](const double p[3], double occ) {
                        if (occ < 1.0 && rng.uniform() >= occ) return;
                        add_site(p, spec.composition, 0.0);
                    });
                }
            }
        }
        return g;
    }

    // Sphere centred on the lattice point (0, 0, 0). Shells from the centre out; a site beyond
    // the last shell's outer radius (radius_nm larger than it) is undoped host.
    const double R = spec.radius_nm;
    const double min_edge =
        std::min(spec.a_nm, spec.lattice == Lattice::simple_cubic ? spec.a_nm : spec.c_nm);
    // In-plane reach of the hexagonal cell: |u a1 + v a2| >= (sqrt(3)/2) a max(|u|, |v|).
    const int nij = static_cast<int>(std::ceil(R / (0.5 * std::sqrt(3.0) * spec.a_nm))) + 2;
    const int nk = static_cast<int>(std::ceil(R / min_edge)) + 2;
    const Composition empty;
    for (int i = -nij; i <= nij; ++i) {
        for (int j = -nij; j <= nij; ++j) {
            for (int k = -nk; k <= nk; ++k) {
                visit(i, j, k, [&](const double p[3], double occ) {
                    const double r = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
                    if (r > R) return;
                    if (occ < 1.0 && rng.uniform() >= occ) return;
                    const Composition* comp = &spec.composition;
                    if (!spec.shells.empty()) {
                        comp = &empty;
                        for (const ShellSpec& sh : spec.shells) {
                            if (r <= sh.outer_radius_nm) {
                                comp = &sh.composition;
                                break;
                            }
                        }
                    }
                    add_site(p, *comp, R - r);
                });
            }
        }
    }
    // Ligands: the number per NC is round(surface_density_nm2 * 4 pi (R + standoff)^2) (rounded,
    // not Poisson: the coverage of a given shell is a property of the synthesis, and rounding
    // keeps the ensemble noise to the positions), placed independently and uniformly on the
    // sphere (z = cos(theta) uniform in [-1, 1], phi uniform).
    if (spec.ligand) {
        const double Rl = R + spec.ligand->standoff_nm;
        const double area = 4.0 * std::numbers::pi * Rl * Rl;
        const auto n =
            static_cast<std::size_t>(std::llround(spec.ligand->surface_density_nm2 * area));
        g.ligands.reserve(n);
        for (std::size_t l = 0; l < n; ++l) {
            const double z = 2.0 * rng.uniform() - 1.0;
            const double phi = 2.0 * std::numbers::pi * rng.uniform();
            const double rho = std::sqrt(std::max(0.0, 1.0 - z * z));
            g.ligands.push_back({Rl * rho * std::cos(phi), Rl * rho * std::sin(phi), Rl * z});
        }
    }
    return g;
}

double distance_nm(const Geometry& g, const double a[3], const double b[3]) {
    double d[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
    if (!g.periodic) return std::sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
    // Minimum image of a (possibly skewed) periodic cell: fractional coordinates of d in the
    // box rows L1, L2, L3 (L3 along z, L1 along x: the matrix is lower-triangular-solvable),
    // wrapped into [-1/2, 1/2), then the 9 in-plane neighbouring images compared (a
    // 120-degree cell's wrapped vector is not always the shortest; c is orthogonal to the plane).
    const auto& L = g.cell_matrix_nm;
    double f[3];
    f[2] = d[2] / L[2][2];
    f[1] = (d[1] - f[2] * L[2][1]) / L[1][1];
    f[0] = (d[0] - f[1] * L[1][0] - f[2] * L[2][0]) / L[0][0];
    for (double& x : f) x -= std::nearbyint(x);
    double best = 1e300;
    const int reach = (L[1][0] != 0.0) ? 1 : 0;  // orthogonal box: the wrapped vector is minimal
    for (int i = -reach; i <= reach; ++i) {
        for (int j = -reach; j <= reach; ++j) {
            const double u = f[0] + i, v = f[1] + j, w = f[2];
            double e[3];
            for (int c = 0; c < 3; ++c) e[c] = u * L[0][c] + v * L[1][c] + w * L[2][c];
            best = std::min(best, e[0] * e[0] + e[1] * e[1] + e[2] * e[2]);
        }
    }
    return std::sqrt(best);
}

double pair_rate_s(const PairLaw& law, double r_nm) {
    if (law.cutoff_nm && r_nm > *law.cutoff_nm) return 0.0;
    if (law.exchange) return law.W0_s * std::exp(-2.0 * (r_nm - law.r0_nm) / law.L_nm);
    const double r2 = r_nm * r_nm;
    const double r6 = r2 * r2 * r2;
    switch (law.multipolarity) {
        case 6: return law.C_nm_s / r6;
        case 8: return law.C_nm_s / (r6 * r2);
        case 10: return law.C_nm_s / (r6 * r2 * r2);
        default: return law.C_nm_s / std::pow(r_nm, law.multipolarity);
    }
}

double dexter_rate_s(double k0_s, double r0_nm, double L_nm, double r_nm) {
    return k0_s * std::exp(-2.0 * (r_nm - r0_nm) / L_nm);
}

}  // namespace relsim::nanocrystal
