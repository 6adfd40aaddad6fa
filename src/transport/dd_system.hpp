// Private to src/transport: the discrete drift-diffusion-Poisson system (residual and analytic
// Jacobian in one pass) and its linear solvers (docs/transport.md, "Discretisation" and "Newton,
// continuation, convergence").
//
// Unknowns per node i: u[3i] = psi (V), u[3i+1] = E_Fn (eV, referred to the cathode Fermi level,
// 0), u[3i+2] = E_Fp + V (eV, referred to the anode Fermi level, -V). Each carrier's quasi-Fermi
// level is thus stored as its offset from the contact that injects it: near that contact, where
// the contact cells carry fluxes ~1e7 A/m^2 on differences of E_F of ~1e-9 eV, the offset is
// small and represented to full relative precision (an absolute reference V would round those
// differences to ~1e-16 V, i.e. ~1e-6 of J).
#pragma once

#include <cmath>
#include <vector>

#include "relsim/transport/drift_diffusion.hpp"

namespace relsim::transport::detail {

// CODATA 2018 exact values.
constexpr double kQ = 1.602176634e-19;      // C
constexpr double kKB = 1.380649e-23;        // J/K
constexpr double kEps0 = 8.8541878128e-12;  // F/m (CODATA 2018)
constexpr double kNmToM = 1e-9;
constexpr double kCm3ToM3 = 1e6;   // cm^-3 -> m^-3
constexpr double kCm2ToM2 = 1e-4;  // cm^2/Vs -> m^2/Vs
// Poole-Frenkel cusp regularisation: sqrt|E| -> (E^2 + E_r^2)^(1/4) with E_r = 1e-4 V/cm.
// The mobility factor changes by at most gamma*sqrt(E_r) = gamma * 1e-2 (< 1e-4 for gamma <
// 1e-2 (cm/V)^0.5) at E = 0 and by gamma*E_r^2/(4 E^1.5) elsewhere.
constexpr double kPfRegField_V_cm = 1e-4;

// binary128 (GCC/Clang on x86-64; soft-float arithmetic in libgcc): the last-resort Newton
// pass keeps and factorises the Jacobian in it (BlockTriQ, BandLUQ below). In double, an E_F
// column's entries of a cell, -B n/V_t and B n (e^a)/V_t, cancel to the flux's own derivative
// J/V_t only to ~1e-16 of B n/V_t; where a layer's carriers are linked to their contact or to
// recombination only through ~1 eV barriers, that link (the "grounding" of the block) is below
// that rounding and the double Jacobian is numerically singular (the Newton update then has an
// arbitrary component of ~1e-4 V: docs/transport.md).
__extension__ typedef __float128 quad;

// |x| and finiteness for both scalar types of the linear solvers.
inline double abs_of(double x) { return std::abs(x); }
inline bool finite_of(double x) { return std::isfinite(x); }
inline quad abs_of(quad x) { return x < 0 ? -x : x; }
inline bool finite_of(quad x) { return x == x && x - x == 0; }

// Block-tridiagonal storage with 3x3 blocks (one block row per node: psi, E_Fn, E_Fp), row-major
// blocks: lower(i) couples node i to node i-1, diag(i) to itself, upper(i) to node i+1. T is
// double (BlockTri) or binary128 (BlockTriQ); members defined in dd_linear.cpp for both.
template <typename T>
class BlockStorage {
public:
    explicit BlockStorage(int nodes) : n_(nodes), a_(9 * nodes), d_(9 * nodes), c_(9 * nodes) {}
    int nodes() const { return n_; }
    void zero();
    T* lower(int i) { return &a_[9 * static_cast<std::size_t>(i)]; }
    T* diag(int i) { return &d_[9 * static_cast<std::size_t>(i)]; }
    T* upper(int i) { return &c_[9 * static_cast<std::size_t>(i)]; }
    const T* lower(int i) const { return &a_[9 * static_cast<std::size_t>(i)]; }
    const T* diag(int i) const { return &d_[9 * static_cast<std::size_t>(i)]; }
    const T* upper(int i) const { return &c_[9 * static_cast<std::size_t>(i)]; }
    // Divides every row r (node r / 3, component r % 3) by s[r].
    void scale_rows(const T* s);
    // Largest |entry| of each row into s (3 * nodes).
    void row_max(T* s) const;

protected:
    int n_;
    std::vector<T> a_, d_, c_;
};

// The block-tridiagonal Jacobian in double, with its own factorisation: block LU (block Thomas)
// without pivoting between blocks, each diagonal block inverted by Gauss-Jordan with partial
// pivoting. Returns false on a zero or non-finite pivot (the caller then falls back to the
// banded LU with partial pivoting over the whole band).
class BlockTri : public BlockStorage<double> {
public:
    explicit BlockTri(int nodes) : BlockStorage<double>(nodes) {}
    bool factorize();             // in place
    void solve(double* b) const;  // after factorize(): b <- A^-1 b
};

// The same storage in binary128 (no factorisation of its own: the banded LU below).
using BlockTriQ = BlockStorage<quad>;

// Banded LU with partial pivoting (the algorithm of LAPACK dgbtf2/dgbtrs), kl = ku = 5 for the
// interleaved unknowns; the fallback of BlockTri (BandLU) and the last-resort pass (BandLUQ).
// Storage as LAPACK's: A(i, j) at ab[j * ld + kl + ku + i - j], ld = 2 kl + ku + 1.
template <typename T>
class BandLUT {
public:
    BandLUT(int n, int kl, int ku);
    void load(const BlockStorage<T>& m);  // copy of the (unfactorised) block matrix
    bool factorize();
    void solve(T* b);

private:
    T& at(int i, int j) { return ab_[static_cast<std::size_t>(j) * ld_ + kl_ + ku_ + i - j]; }
    int n_, kl_, ku_, ld_;
    std::vector<T> ab_;
    std::vector<int> piv_;
};
using BandLU = BandLUT<double>;
using BandLUQ = BandLUT<quad>;

extern template class BlockStorage<double>;
extern template class BlockStorage<quad>;
extern template class BandLUT<double>;
extern template class BandLUT<quad>;

// B(x) = x / (e^x - 1) and B'(x) from one expm1 (B(-x) = B(x) + x, B'(-x) = -B'(x) - 1).
inline void bernoulli(double x, double& B, double& dB) {
    if (std::abs(x) < 1e-5) {
        B = 1.0 - x / 2.0 + x * x / 12.0;
        dB = -0.5 + x / 6.0;
        return;
    }
    if (x > 700.0) {  // expm1 overflow: B ~ x e^-x
        B = x * std::exp(-x);
        dB = (1.0 - x) * std::exp(-x);
        return;
    }
    const double em = std::expm1(x);
    B = x / em;
    // dB/dx = (expm1(x) - x e^x) / expm1(x)^2 (series -1/2 + x/6 near 0).
    dB = std::abs(x) < 1e-4 ? -0.5 + x / 6.0 : (em - x * (em + 1.0)) / (em * em);
}

// The mesh's material data (SI) and the discrete equations.
struct System {
    const Stack& st;
    int N = 0;  // nodes
    double Vt = 0.0;
    std::vector<double> h;                                               // cell widths
    std::vector<double> eps, mun0, mup0, gn, gp, N0, homo, lumo, klang;  // per layer

    explicit System(const Stack& s);
    double psi_anode(double V) const { return V - st.spec().anode_work_function_eV; }
    double psi_cathode() const { return -st.spec().cathode_work_function_eV; }

    // Per-cell quantities (for the outputs).
    struct Cell {
        double nL, nR, pL, pR, Jn, Jp, RL, RR;
    };
    // Residual F (3N) at u + lo (lo: low-order parts of the quasi-Fermi levels, entering their
    // differences across cells) and, when M is not null, its analytic Jacobian, in one pass over
    // the cells (the derivatives of the cell terms; tested against finite differences); when out
    // is not null, the N - 1 cells' densities, currents and recombination rates; when S is not
    // null, each row's sum of the magnitudes of its terms (3N: fluxes, q R h/2, q (p + n) h/2,
    // the contact values), the scale of that row's rounding floor.
    // When MQ is not null, the Jacobian also into MQ, its E_F columns formed in binary128 from
    // the cell factors (B, n, e^a) so that they cancel to the flux's own derivative.
    void assemble(const double* u, const double* lo, double V, double* F, BlockTri* M,
                  Cell* out = nullptr, double* S = nullptr, BlockTriQ* MQ = nullptr) const;
};

// The outputs (Solution) of a converged state u at voltage V (dd_post.cpp).
Solution postprocess(const System& sys, const std::vector<double>& u, const std::vector<double>& lo,
                     double V);

}  // namespace relsim::transport::detail
