//! @file spec.hpp
//! Plain, validated input of the microscopic (site-resolved) nanocrystal model: the
//! `[nanocrystal]` table of a config (contract: shared/spec/microscopic-model.md, section 6).
//! The reader (src/nanocrystal/nanocrystal_config.cpp) builds it; the engines read it.
//! Units are in the member names; no third-party type appears here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace relsim::nanocrystal {

enum class Engine { linear, kmc };
enum class Lattice { simple_cubic, beta_NaREF4 };
enum class Shape { sphere, periodic_box };

//! A level of a dopant species, "<Ion>:<level>" in the config (e.g. "Tb:5D4").
//! `species` indexes ModelParams::dopants; `level` indexes that dopant's scheme.levels, or is
//! -1 for the ground multiplet ("ground" in `donor_to` / annihilation targets).
struct LevelRef {
    int species = -1;
    int level = -1;
    [[nodiscard]] bool is_ground() const { return level < 0; }
};

//! Occupation probability per dopant species (Bernoulli per RE site); index = species.
//! The remainder 1 - sum is the inert host ion (Gd, Y).
using Composition = std::vector<double>;

//! [[nanocrystal.shell]]: from the centre out.
struct ShellSpec {
    double outer_radius_nm = 0.0;
    Composition composition;
    //! Given instead of outer_radius_nm: outer radius = the previous shell's (0 for the core) +
    //! thickness, recomputed by derive() at every sweep point; 0 is an empty shell (issue 21 item
    //! 20).
    std::optional<double> thickness_nm;
};

//! [nanocrystal.ligand] (sphere only).
struct LigandShellSpec {
    double surface_density_nm2 = 1.5;  //!< molecules per nm^2 of the sphere radius + standoff
    double standoff_nm = 0.5;
    double r0_nm = 0.5;           //!< Dexter contact distance
    double L_nm = 0.15;           //!< Dexter attenuation length
    std::vector<double> kTET0_s;  //!< per species (0 where not given) [s^-1]
    std::vector<double> kSET0_s;  //!< per species (0 where not given) [s^-1]
};

//! Distance law of a pair process: multipolar C / r^s or exchange W0 exp(-2 (r - r0) / L).
struct PairLaw {
    bool exchange = false;
    double C_nm_s = 0.0;    //!< multipolar constant [nm^s s^-1]
    int multipolarity = 6;  //!< s in {6, 8, 10}
    double W0_s = 0.0;      //!< exchange prefactor [s^-1]
    double r0_nm = 0.0;
    double L_nm = 0.0;
    std::optional<double> cutoff_nm;  //!< pairs beyond are dropped; none: every pair counts
};

//! [[nanocrystal.transfer]]: donor level D -> donor_to, acceptor (ground) -> acceptor level.
struct TransferSpec {
    LevelRef donor;
    LevelRef donor_to;  //!< ground or a lower level (cross-relaxation)
    LevelRef acceptor;  //!< the acceptor's final level (it starts in its ground state)
    PairLaw law;
};

//! [[nanocrystal.annihilation]]: two excited ions i (level `first`) and j (level `second`);
//! i goes to `first_to`, j goes to `second_to` (ground or any level: upconversion).
struct AnnihilationSpec {
    LevelRef first;
    LevelRef second;
    LevelRef first_to;
    LevelRef second_to;
    PairLaw law;
};

//! [[nanocrystal.surface_quench]]: extra quench k_surface_s exp(-d / surface_length_nm) at depth d.
struct SurfaceQuenchSpec {
    LevelRef level;
    double k_surface_s = 0.0;
    double surface_length_nm = 0.5;
};

//! [nanocrystal.excitation]: a direct-excitation (PL) decay instead of EL.
struct ExcitationSpec {
    bool target_is_ligand = false;
    LevelRef target;          //!< when not the ligand
    double fraction = 0.001;  //!< kmc: fraction of target sites excited at t = 0
    double decay_until_s = 1.0e-2;
    int points = 200;  //!< output times from 0 to decay_until_s inclusive
};

//! The whole [nanocrystal] table.
struct NanocrystalSpec {
    Engine engine = Engine::linear;
    Lattice lattice = Lattice::beta_NaREF4;
    double a_nm = 0.602;  //!< NaGdF4 default (source cited in the reader)
    double c_nm = 0.360;
    Shape shape = Shape::sphere;
    double radius_nm = 5.0;
    std::vector<int> cells = {20, 20, 20};  //!< periodic_box only
    int count = 100;
    std::uint64_t seed = 1;
    double nc_density_cm3 = 5.5e17;
    double warmup_s = 5.0e-3;
    double measure_s = 2.0e-2;
    std::vector<ShellSpec> shells;          //!< sphere; empty: one core of `composition`
    Composition composition;                //!< periodic box (or a sphere without shells)
    std::optional<LigandShellSpec> ligand;  //!< sphere only
    std::vector<TransferSpec> transfers;
    std::vector<AnnihilationSpec> annihilations;
    std::vector<SurfaceQuenchSpec> surface_quench;
    std::optional<ExcitationSpec> excitation;
};

}  // namespace relsim::nanocrystal
