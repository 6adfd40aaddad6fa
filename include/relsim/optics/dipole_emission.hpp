//! @file dipole_emission.hpp
//! Power emitted by an oscillating electric (ED) or magnetic (MD) point dipole inside a planar
//! multilayer, by the plane-wave (angular-spectrum) expansion over the in-plane wavevector
//! (Chance, Prock & Silbey, Adv. Chem. Phys. 37, 1 (1978); Neyts, JOSA A 15, 962 (1998);
//! Novotny & Hecht, Principles of Nano-Optics, ch. 10). Spec: shared/spec/optics.md section 2.
//!
//! Every power is normalised to the power the same dipole radiates in an infinite medium of the
//! emitting layer's index, so a homogeneous stack gives purcell = 1.
#pragma once

#include <array>
#include <complex>
#include <cstddef>
#include <vector>

namespace relsim::optics {

using Complex = std::complex<double>;

//! A planar stack at one wavelength, layer 0 at the bottom (substrate side).
//! Layers 0 and N-1 are semi-infinite; 1..N-2 are coherent thin films. With
//! `incoherent_substrate`, layer 0 is a thick loss-free substrate (glass) with air below it:
//! light entering it reaches air through multiple incoherent reflections.
struct StackAtWavelength {
    std::vector<Complex> index;        //!< n + i k of every layer (k >= 0: absorbing)
    std::vector<double> thickness_nm;  //!< per layer; ignored for layers 0 and N-1
    std::size_t emitter = 1;           //!< the emitting layer, 0 < emitter < N-1, k = 0
    bool incoherent_substrate = false;
};

//! The four dipole cases, in this order everywhere.
enum DipoleCase : std::size_t { ed_perp = 0, ed_par = 1, md_perp = 2, md_par = 3 };
inline constexpr std::size_t num_cases = 4;

//! Powers of one dipole case, each normalised to the homogeneous-medium power. They add up:
//! purcell = air + substrate + waveguide + absorbed.
struct CasePowers {
    double purcell = 0.0;    //!< total power dissipated (the Purcell factor F)
    double air = 0.0;        //!< reaching air (through the substrate, or into the top medium)
    double substrate = 0.0;  //!< entering the substrate / the other outer medium, not air
    double waveguide = 0.0;  //!< in-plane wavevector between the outer light line and the
                             //!< highest dielectric index of the stack (guided modes)
    double absorbed = 0.0;   //!< absorbed in the layers, surface plasmons, lossy surface waves
};

//! One emitter position: the four cases, and isotropic combinations (perp + 2 par) / 3.
struct EmitterPowers {
    std::array<CasePowers, num_cases> cases{};
    //! Isotropic powers of the electric (md = false) or magnetic (md = true) dipole.
    [[nodiscard]] CasePowers isotropic(bool md) const;
    //! Isotropic Purcell factor.
    [[nodiscard]] double purcell(bool md) const { return isotropic(md).purcell; }
    //! Isotropic outcoupling: ratio of isotropic powers (air / total), not a mean of ratios.
    [[nodiscard]] double eta_air(bool md) const;
};

//! How accurately the wavevector integral is computed. The integrator refines until every
//! component's estimated error |K15 - G7| summed over intervals is below
//! rel_tol * max(|value|, abs_floor); that estimate is pessimistic (measured errors of the
//! factors are 2-4 orders of magnitude smaller, docs/optics.md).
struct Accuracy {
    double rel_tol = 1.0e-4;    //!< measured error of the factors at this setting: < 1e-6
    double abs_floor = 1.0e-2;  //!< components far below the homogeneous power (1) need less
    int max_intervals = 20000;  //!< refinement budget per solve
    int initial_splits = 2;     //!< equal pieces of every path segment before refinement
};

struct SolveReport {
    long evaluations = 0;        //!< integrand evaluations (wavevector points)
    double max_rel_error = 0.0;  //!< largest estimated error / max(|value|, abs_floor)
    bool converged = false;
};

//! The final integration mesh of a solve, to start the next one from (neighbouring wavelengths
//! of the same stack need nearly the same mesh). Opaque; empty = start from scratch.
struct QuadratureMesh {
    std::vector<int> segment;
    std::vector<double> a, b;
    int num_segments = 0;
};

//! Dipole powers at every emitter position `z_nm` (distance from the bottom of the emitting
//! layer, strictly inside it) at one vacuum wavelength. `mesh`, when given, is the start mesh
//! (if it fits this stack's path) and receives the final one. Throws std::invalid_argument on a
//! malformed stack (callers validate input first) and std::runtime_error when the integral
//! does not converge within the budget.
[[nodiscard]] std::vector<EmitterPowers> dipole_powers(
    const StackAtWavelength& stack, double wavelength_nm, const std::vector<double>& z_nm,
    const Accuracy& accuracy = {}, SolveReport* report = nullptr, QuadratureMesh* mesh = nullptr);

}  // namespace relsim::optics
