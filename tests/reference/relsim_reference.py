#!/usr/bin/python3
"""Independent Python reference implementation of the relsim kinetic model.

This module re-implements the model contract (docs: /work/shared/spec/kinetic-model.md,
"The mean-field kinetic model (contract, version 1)") from the specification text
alone, without reading the C++ sources, so that the two implementations can be
cross-checked (tests/reference/compare_with_relsim.py).

Run it with Debian's interpreter, which has numpy, scipy and h5py:

    /usr/bin/python3 tests/reference/relsim_reference.py CONFIG.toml --json OUT.json

Sections of the spec implemented here:

  * section 2  (state, units, G and n_p)                 -> Model.__init__
  * section 3  (rate equations, detailed balance,
                ion-ion transfer)                         -> Model.rhs / Model.jacobian / Model.terms
  * section 4  (photon rates, IQE, EQE, fates,
                transfer efficiency, photometry)          -> Model.photon_bands / fates /
                                                             transfer_efficiency, Photometry,
                                                             evaluate_point
  * section 5  (TOML config, ion schemes, sweeps)         -> load_toml, resolve_dopants, sweep_grid

Steady state: scipy's BDF integrator (the one behind solve_ivp(method="BDF"),
analytic Jacobian) from zero populations towards 1e3 slowest lifetimes, stopping
once the state is stationary, then scipy.optimize.root ("hybr", falling
back to "lm" and to plain Newton) on the rate equations in scaled variables.
The reported residual is the worst per-equation relative imbalance
|production - destruction| / (production + destruction).
"""
from __future__ import annotations

import argparse
import copy
import itertools
import json
import math
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.integrate import BDF
from scipy.optimize import root

# ---------------------------------------------------------------------------
# Physical constants (exact SI values / the conventions of the brief)
# ---------------------------------------------------------------------------
Q_E = 1.602176634e-19          # elementary charge [C]
K_B_EV = 8.617333262e-5        # Boltzmann constant [eV K^-1]
CM1_PER_EV = 8065.543937       # 1 eV in cm^-1
H_PLANCK = 6.62607015e-34      # [J s]
C_LIGHT = 299792458.0          # [m s^-1]
K_M = 683.002                  # maximum luminous efficacy [lm W^-1]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CIE = REPO_ROOT / "data" / "cie1931_2deg_1nm.csv"

# Photometric integration grid (spec section 4): 0.01 nm over the CIE range.
PHOTOMETRY_STEP_NM = 0.01
CIE_MIN_NM, CIE_MAX_NM = 380.0, 780.0


class ConfigError(Exception):
    """A config that this reference implementation cannot interpret."""


# ---------------------------------------------------------------------------
# Section 5: config loading, ion level schemes, key paths and sweeps
# ---------------------------------------------------------------------------
def load_toml(path: Path) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def ion_search_dirs(config_path: Path | None, extra: list[Path] | None = None) -> list[Path]:
    """Where configs/ions/<Ion>.toml may live: given dirs, next to the config, one
    level up from it, and the repository's configs/ions."""
    dirs: list[Path] = list(extra or [])
    if config_path is not None:
        cdir = Path(config_path).resolve().parent
        dirs += [cdir / "ions", cdir.parent / "ions", cdir.parent / "configs" / "ions"]
    dirs.append(REPO_ROOT / "configs" / "ions")
    return dirs


SCHEME_KEYS = ("ground", "levels", "lines", "relaxations")


def resolve_dopants(cfg: dict, config_path: Path | None, ion_dirs: list[Path] | None = None) -> dict:
    """Return a deep copy of cfg in which every [[dopant]] carries its level scheme
    (ground, levels, lines, relaxations). A dopant that carries `levels` itself uses
    its own scheme; otherwise configs/ions/<Ion>.toml is read (provenance keys such as
    source/ion/description/references are ignored). Merging before the sweep overrides
    are applied lets key paths such as dopant.0.lines.1.rate_s work either way."""
    cfg = copy.deepcopy(cfg)
    for i, dop in enumerate(cfg.get("dopant", [])):
        if "levels" in dop:
            dop.setdefault("lines", [])
            dop.setdefault("relaxations", [])
            if "ground" not in dop:
                raise ConfigError(f"dopant.{i}: inline scheme without 'ground'")
            continue
        ion = dop.get("ion")
        if ion is None:
            raise ConfigError(f"dopant.{i}: missing key 'ion'")
        for d in ion_search_dirs(config_path, ion_dirs):
            f = d / f"{ion}.toml"
            if f.is_file():
                scheme = load_toml(f)
                break
        else:
            raise ConfigError(f"dopant.{i}: no level scheme for ion '{ion}' "
                              f"(looked in {[str(d) for d in ion_search_dirs(config_path, ion_dirs)]})")
        for k in SCHEME_KEYS:
            if k in scheme:
                dop[k] = copy.deepcopy(scheme[k])
        dop.setdefault("lines", [])
        dop.setdefault("relaxations", [])
        if "ground" not in dop or "levels" not in dop:
            raise ConfigError(f"ion file {f}: needs 'ground' and 'levels'")
    return cfg


def _split_path(path: str) -> list:
    parts = []
    for p in path.split("."):
        parts.append(int(p) if p.isdigit() else p)
    return parts


def get_path(cfg: dict, path: str):
    node = cfg
    for p in _split_path(path):
        node = node[p]
    return node


def set_path(cfg: dict, path: str, value: float) -> None:
    """Set a numeric value at a dotted key path (array tables by index)."""
    parts = _split_path(path)
    node = cfg
    for p in parts[:-1]:
        try:
            node = node[p]
        except (KeyError, IndexError, TypeError) as exc:
            raise ConfigError(f"sweep key '{path}': no '{p}' in the config") from exc
    last = parts[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or last >= len(node):
            raise ConfigError(f"sweep key '{path}': bad index {last}")
    node[last] = float(value)


@dataclass
class Axis:
    keys: list[str]
    values: np.ndarray   # shape (len(keys), points)


def sweep_axes(cfg: dict) -> list[Axis]:
    """The [[sweep.axis]] tables in order (spec section 5). Supported forms:
    key + from/to/points (linear), key + log_from/to/points (log; `log_to` is
    accepted too), key + values, and keys + values (list of lists, zipped)."""
    axes = []
    for n, ax in enumerate(cfg.get("sweep", {}).get("axis", [])):
        if "keys" in ax:
            keys = list(ax["keys"])
            vals = np.array(ax["values"], dtype=float)
            if vals.ndim != 2 or vals.shape[0] != len(keys):
                raise ConfigError(f"sweep.axis.{n}: 'values' must be one list per key")
        else:
            keys = [ax["key"]]
            if "values" in ax:
                v = np.array(ax["values"], dtype=float)
            elif "log_from" in ax:
                hi = ax.get("log_to", ax.get("to"))
                v = np.logspace(math.log10(ax["log_from"]), math.log10(hi), int(ax["points"]))
            elif "from" in ax:
                v = np.linspace(float(ax["from"]), float(ax["to"]), int(ax["points"]))
            else:
                raise ConfigError(f"sweep.axis.{n}: needs values, from/to/points or log_from/to/points")
            vals = v.reshape(1, -1)
        axes.append(Axis(keys, vals))
    return axes


def sweep_grid(cfg: dict):
    """Yield (multi-index, {key: value}) over the Cartesian product of the axes,
    row-major (last axis fastest). Without a sweep: one point with index ()."""
    axes = sweep_axes(cfg)
    shape = tuple(a.values.shape[1] for a in axes)
    for idx in itertools.product(*(range(n) for n in shape)):
        ov = {}
        for a, i in zip(axes, idx):
            for k, key in enumerate(a.keys):
                ov[key] = float(a.values[k, i])
        yield idx, ov


# ---------------------------------------------------------------------------
# Sections 2 and 3: the model
# ---------------------------------------------------------------------------
def degeneracy_2j1(name: str) -> float:
    """2J + 1 of a level named <2S+1><L><J>, J an integer or n/2 ('5D4' -> 9, '4F3/2' -> 4)."""
    import re
    m = re.search(r"[A-Za-z](\d+)(/2)?$", name)
    if not m:
        raise ConfigError(f"level '{name}' carries no J")
    return float(m.group(1)) + 1.0 if m.group(2) else 2.0 * float(m.group(1)) + 1.0


@dataclass
class Species:
    index: int
    ion: str
    label: str                      # output-name prefix (<Ion>)
    density: float                  # N_s [cm^-3]
    ground: list[str]
    levels: list[str]               # excited levels (state order)
    energies: np.ndarray            # [cm^-1]
    accept: int                     # local index of the accepting level a_s
    kTET: float
    kSET: float
    kETU: float
    kLP: float                      # [cm^3 s^-1]
    kBT: float                      # [s^-1] (detailed balance or override)
    Q: np.ndarray                   # quenching per level [s^-1]
    lines: list = field(default_factory=list)       # (i, j or -1 for ground, A, nm, fwhm)
    relax: list = field(default_factory=list)       # (i, j or -1, R)
    offset: int = -1                # first state index; -1 when inert

    @property
    def active(self) -> bool:
        return self.density > 0.0

    def level_index(self, name: str) -> int:
        """Local index of an excited level, -1 for a ground-multiplet level."""
        if name in self.levels:
            return self.levels.index(name)
        if name in self.ground:
            return -1
        raise ConfigError(f"{self.label}: unknown level '{name}'")


@dataclass
class Transfer:
    src: int        # species index s
    d: int          # local level index in s
    dst: int        # species index s'
    a: int          # local level index in s'
    k_s: float | None
    k_cm3_s: float | None

    def k_tr(self, species: list[Species]) -> float:
        """k_tr = k_s, or k_cm3_s * N_s' (spec section 3)."""
        if self.k_s is not None:
            return self.k_s
        return self.k_cm3_s * species[self.dst].density


class Model:
    """Rate equations of spec section 3 for one parameter point.

    State vector y = [S, T, N[s][j] for every active species s and its excited
    levels j] in cm^-3. A dopant with density 0 is inert: it has no states, its
    populations are reported as 0, and g_s := 0 so it accepts nothing.
    """

    def __init__(self, cfg: dict):
        dev, lig = cfg["device"], cfg["ligand"]
        # ---- section 2: generation and polarons (J in A cm^-2, w in cm) ----
        self.J_mA_cm2 = float(dev["current_density_mA_cm2"])
        self.J = self.J_mA_cm2 * 1e-3
        self.w_nm = float(dev["recombination_zone_nm"])
        self.w = self.w_nm * 1e-7
        self.gamma = float(dev.get("charge_balance", 1.0))
        self.chi = float(dev.get("singlet_fraction", 0.25))
        self.outcoupling = float(dev.get("outcoupling", 1.0))
        self.T_K = float(dev.get("temperature_K", 300.0))
        self.k_L = float(dev["langevin_cm3_s"])
        self.G = self.gamma * self.J / (Q_E * self.w)
        self.n_p = math.sqrt(self.J / (Q_E * self.w * self.k_L)) if self.J > 0 else 0.0

        # ---- ligand ----
        self.N_L = float(lig["density_cm3"])
        self.E_T = float(lig["triplet_energy_eV"])
        self.kS_r = float(lig.get("kS_rad_s", 0.0))
        self.kS_nr = float(lig.get("kS_nr_s", 0.0))
        self.k_isc = float(lig.get("k_isc_s", 0.0))
        self.kT_r = float(lig.get("kT_rad_s", 0.0))
        self.kT_nr = float(lig.get("kT_nr_s", 0.0))
        self.kTT = float(lig.get("kTT_cm3_s", 0.0))
        self.xi = float(lig.get("tta_singlet_yield", 0.0))
        self.kTP = float(lig.get("kTP_cm3_s", 0.0))
        self.kSS = float(lig.get("kSS_cm3_s", 0.0))
        self.kST = float(lig.get("kST_cm3_s", 0.0))
        self.bands = {
            "S": (float(lig.get("singlet_band_nm", 420.0)), float(lig.get("singlet_fwhm_nm", 60.0))),
            "T": (float(lig.get("triplet_band_nm", 470.0)), float(lig.get("triplet_fwhm_nm", 70.0))),
        }

        # ---- dopants ----
        physics = cfg.get("physics", {})
        self.species: list[Species] = []
        labels = [d["ion"] for d in cfg.get("dopant", [])]
        for i, dop in enumerate(cfg.get("dopant", [])):
            ion = dop["ion"]
            # Output prefix <Ion>; if two dopants share an ion name, suffix the index.
            label = ion if labels.count(ion) == 1 else f"{ion}{i}"
            levels = [lv["name"] for lv in dop["levels"]]
            energies = np.array([float(lv["energy_cm1"]) for lv in dop["levels"]])
            # The ground multiplet: names (spec section 5), or tables with a `name`
            # (and an energy for reference) as in configs/ions/*.toml.
            ground = [g["name"] if isinstance(g, dict) else str(g) for g in dop["ground"]]
            if dop["accepting_level"] not in levels:
                raise ConfigError(f"dopant.{i}: accepting_level '{dop['accepting_level']}' is not an excited level")
            sp = Species(
                index=i, ion=ion, label=label, density=float(dop["density_cm3"]),
                ground=ground, levels=levels, energies=energies,
                accept=levels.index(dop["accepting_level"]),
                kTET=float(dop.get("kTET_s", 0.0)), kSET=float(dop.get("kSET_s", 0.0)),
                kETU=float(dop.get("kETU_s", 0.0)), kLP=float(dop.get("kLP_cm3_s", 0.0)),
                kBT=0.0, Q=np.zeros(len(levels)))
            # quench_per_s is an alias of quench_s (configs/README.md)
            for name, q in {**dop.get("quench_s", {}), **dop.get("quench_per_s", {})}.items():
                sp.Q[sp.level_index(name)] = float(q)
            for ln in dop.get("lines", []):
                sp.lines.append((sp.level_index(ln["from"]), sp.level_index(ln["to"]), float(ln["rate_s"]),
                                 float(ln["wavelength_nm"]), float(ln["fwhm_nm"])))
            for rx in dop.get("relaxations", []):
                sp.relax.append((sp.level_index(rx["from"]), sp.level_index(rx["to"]), float(rx["rate_s"])))
            # lifetime_s: a measured lifetime tau sets Q = 1/tau - (A + R) of the level
            for name, tau in dop.get("lifetime_s", {}).items():
                j = sp.level_index(name)
                out = sum(A for (i, _, A, _, _) in sp.lines if i == j) + sum(R for (i, _, R) in sp.relax if i == j)
                sp.Q[j] = 1.0 / float(tau) - out
            E_a = sp.energies[sp.accept] / CM1_PER_EV
            # [physics] energy_gap_law (docs/nir.md): Marcus-Hush line shapes. The ligand's
            # phosphorescence is a Gaussian of variance sigma^2 = 2 lambda kT centred at
            # E_T - lambda, its T1 <- S0 absorption the mirror image at E_T + lambda; the ion's
            # accepting level is a line at E_a. Forward = phosphorescence at E_a, back = absorption
            # at E_a (each relative to its maximum).
            kT = K_B_EV * self.T_K
            gl = physics.get("energy_gap_law", False)
            if gl:
                sig = float(physics.get("tet_overlap_fwhm_eV", 0.30)) / (2.0 * math.sqrt(2.0 * math.log(2.0)))
                lam = sig * sig / (2.0 * kT)
                kTET0 = sp.kTET
                sp.kTET = kTET0 * math.exp(-((self.E_T - E_a - lam) ** 2) / (4.0 * lam * kT))
            # Back-transfer (section 3): explicit override or detailed balance.
            if "kBT_s" in dop:
                sp.kBT = float(dop["kBT_s"])
            elif sp.active:
                if gl:
                    sp.kBT = kTET0 * (self.N_L / sp.density) * math.exp(-((self.E_T - E_a + lam) ** 2) / (4.0 * lam * kT))
                else:
                    sp.kBT = sp.kTET * (self.N_L / sp.density) * math.exp(-(self.E_T - E_a) / kT)
                if physics.get("degeneracy", False):
                    # [physics] degeneracy: x g_T Z / g_a, g_T = 3, Z the thermal partition
                    # function of the ground multiplet over the members with a known energy.
                    z = 0.0
                    for k, g in enumerate(dop["ground"]):
                        if isinstance(g, dict) and "energy_cm1" in g:
                            z += degeneracy_2j1(g["name"]) * math.exp(-float(g["energy_cm1"]) / (kT * CM1_PER_EV))
                        elif k == 0:
                            z += degeneracy_2j1(ground[0])
                    sp.kBT *= 3.0 * z / degeneracy_2j1(dop["accepting_level"])
            self.species.append(sp)

        def find_level(spec: str):
            ion, _, lvl = spec.partition(":")
            for sp in self.species:
                if sp.label == ion or sp.ion == ion:
                    return sp.index, sp.level_index(lvl)
            raise ConfigError(f"transfer: unknown species '{ion}'")

        self.transfers: list[Transfer] = []
        for t in cfg.get("transfer", []):
            s, d = find_level(t["from"])
            s2, a = find_level(t["to"])
            if d < 0 or a < 0:
                raise ConfigError("transfer: 'from' and 'to' must be excited levels")
            self.transfers.append(Transfer(s, d, s2, a, t.get("k_s"), t.get("k_cm3_s")))

        # ---- state layout ----
        n = 2
        for sp in self.species:
            if sp.active:
                sp.offset = n
                n += len(sp.levels)
        self.n = n
        self.active = [sp for sp in self.species if sp.active]
        self.active_transfers = [
            (tr, self.species[tr.src].offset + tr.d, self.species[tr.dst].offset + tr.a,
             self.species[tr.dst], tr.k_tr(self.species))
            for tr in self.transfers if self.species[tr.src].active and self.species[tr.dst].active]
        self._build_linear()

    # -- the linear part: f = b + L y + (nonlinear terms) -------------------
    def _build_linear(self):
        n = self.n
        L = np.zeros((n, n))
        b = np.zeros(n)
        b[0] = self.chi * self.G
        b[1] = (1.0 - self.chi) * self.G
        L[0, 0] = -(self.kS_r + self.kS_nr + self.k_isc)
        L[1, 0] = self.k_isc
        L[1, 1] = -(self.kT_r + self.kT_nr + self.kTP * self.n_p)
        for sp in self.active:
            o = sp.offset
            a = o + sp.accept
            L[1, a] += sp.kBT                   # back-transfer into T
            L[a, a] -= sp.kBT
            for j in range(len(sp.levels)):
                L[o + j, o + j] -= sp.Q[j] + sp.kLP * self.n_p
            for (i, j, A, _, _) in sp.lines:
                L[o + i, o + i] -= A
                if j >= 0:
                    L[o + j, o + i] += A
            for (i, j, R) in sp.relax:
                L[o + i, o + i] -= R
                if j >= 0:
                    L[o + j, o + i] += R
        self.L = L
        self.b = b

    # -- section 3: right-hand side ----------------------------------------
    def rhs(self, y: np.ndarray) -> np.ndarray:
        f = self.b + self.L @ y
        S, T = y[0], y[1]
        f[0] += -self.kSS * S * S - self.kST * S * T + self.xi * self.kTT * T * T
        f[1] -= self.kTT * T * T
        for sp in self.active:
            o, m = sp.offset, len(sp.levels)
            X = y[o:o + m].sum() / sp.density
            g = 1.0 - X
            f[0] -= sp.kSET * g * S
            f[1] -= sp.kTET * g * T
            f[o + sp.accept] += g * (sp.kTET * T + sp.kSET * S)
            if sp.kETU:
                f[o:o + m] -= sp.kETU * X * y[o:o + m]
        for (_, d, a, dst, k) in self.active_transfers:
            o2, m2 = dst.offset, len(dst.levels)
            F = k * (1.0 - y[o2:o2 + m2].sum() / dst.density) * y[d]
            f[d] -= F
            f[a] += F
        return f

    def jacobian(self, y: np.ndarray) -> np.ndarray:
        J = self.L.copy()
        S, T = y[0], y[1]
        J[0, 0] += -2 * self.kSS * S - self.kST * T
        J[0, 1] += -self.kST * S + 2 * self.xi * self.kTT * T
        J[1, 1] += -2 * self.kTT * T
        for sp in self.active:
            o, m = sp.offset, len(sp.levels)
            a = o + sp.accept
            sl = slice(o, o + m)
            X = y[sl].sum() / sp.density
            g = 1.0 - X
            inv = 1.0 / sp.density
            # -kSET g S and -kTET g T, with dg/dN_j = -1/N_s
            J[0, 0] -= sp.kSET * g
            J[0, sl] += sp.kSET * S * inv
            J[1, 1] -= sp.kTET * g
            J[1, sl] += sp.kTET * T * inv
            # + g (kTET T + kSET S) into the accepting level
            J[a, 0] += sp.kSET * g
            J[a, 1] += sp.kTET * g
            J[a, sl] -= (sp.kTET * T + sp.kSET * S) * inv
            # -kETU X N_j
            if sp.kETU:
                J[sl, sl] -= sp.kETU * inv * np.outer(y[sl], np.ones(m))
                J[sl, sl] -= sp.kETU * X * np.eye(m)
        for (_, d, a, dst, k) in self.active_transfers:
            o2, m2 = dst.offset, len(dst.levels)
            sl2 = slice(o2, o2 + m2)
            g2 = 1.0 - y[sl2].sum() / dst.density
            # F = k g' N_d
            J[d, d] -= k * g2
            J[a, d] += k * g2
            J[d, sl2] += k * y[d] / dst.density
            J[a, sl2] -= k * y[d] / dst.density
        return J

    def terms(self, y: np.ndarray) -> list[tuple[int, float]]:
        """Every individual signed term of every equation, enumerated from the spec
        text independently of rhs(); used for the gross flux of each equation (the
        denominator of the relative residual) and as a consistency check of rhs()."""
        S, T, t = y[0], y[1], []
        t += [(0, self.chi * self.G), (0, -self.kS_r * S), (0, -self.kS_nr * S), (0, -self.k_isc * S),
              (0, -self.kSS * S * S), (0, -self.kST * S * T), (0, self.xi * self.kTT * T * T)]
        t += [(1, (1 - self.chi) * self.G), (1, self.k_isc * S), (1, -self.kT_r * T), (1, -self.kT_nr * T),
              (1, -self.kTT * T * T), (1, -self.kTP * self.n_p * T)]
        for sp in self.active:
            o, m = sp.offset, len(sp.levels)
            N = y[o:o + m]
            X = N.sum() / sp.density
            g = 1 - X
            a = o + sp.accept
            t += [(0, -sp.kSET * g * S), (1, -sp.kTET * g * T), (1, sp.kBT * y[a]),
                  (a, sp.kTET * g * T), (a, sp.kSET * g * S), (a, -sp.kBT * y[a])]
            for j in range(m):
                t += [(o + j, -sp.Q[j] * N[j]), (o + j, -sp.kLP * self.n_p * N[j]),
                      (o + j, -sp.kETU * X * N[j])]
            for (i, j, A, _, _) in sp.lines:
                t.append((o + i, -A * N[i]))
                if j >= 0:
                    t.append((o + j, A * N[i]))
            for (i, j, R) in sp.relax:
                t.append((o + i, -R * N[i]))
                if j >= 0:
                    t.append((o + j, R * N[i]))
        for (_, d, a, dst, k) in self.active_transfers:
            o2, m2 = dst.offset, len(dst.levels)
            F = k * (1 - y[o2:o2 + m2].sum() / dst.density) * y[d]
            t += [(d, -F), (a, F)]
        return t

    def gross_flux(self, y: np.ndarray) -> np.ndarray:
        """Per equation: sum of |terms| (production + destruction)."""
        g = np.zeros(self.n)
        for i, v in self.terms(y):
            g[i] += abs(v)
        return g

    def relative_residual(self, y: np.ndarray) -> np.ndarray:
        """|dy/dt| / (production + destruction), per equation (0 where both vanish)."""
        f = np.abs(self.rhs(y))
        g = self.gross_flux(y)
        with np.errstate(invalid="ignore", divide="ignore"):
            r = np.where(g > 0, f / np.where(g > 0, g, 1.0), np.where(f > 0, np.inf, 0.0))
        return r

    # -- names -------------------------------------------------------------
    def state_names(self) -> list[str]:
        names = ["S", "T"]
        for sp in self.active:
            names += [f"{sp.label}_{lv}" for lv in sp.levels]
        return names

    def scales(self) -> np.ndarray:
        """A-priori scale of each state for the ODE (section 2 units): N_s for ions,
        a linear estimate for S and T (ligand-only, ions unsaturated)."""
        kS = self.kS_r + self.kS_nr + self.k_isc + sum(sp.kSET for sp in self.active)
        S0 = self.chi * self.G / kS if kS > 0 else 1.0
        k1 = self.kT_r + self.kT_nr + self.kTP * self.n_p + sum(sp.kTET for sp in self.active)
        src = (1 - self.chi) * self.G + self.k_isc * S0
        if self.kTT > 0:
            T0 = 2 * src / (k1 + math.sqrt(k1 * k1 + 4 * self.kTT * src))
        else:
            T0 = src / k1 if k1 > 0 else 1.0
        s = np.ones(self.n)
        s[0], s[1] = max(S0, 1.0), max(T0, 1.0)
        for sp in self.active:
            s[sp.offset:sp.offset + len(sp.levels)] = sp.density
        return s

    def slowest_lifetime(self) -> float:
        """1 / (smallest nonzero |eigenvalue| of the Jacobian at zero population): the
        slowest linear relaxation mode. Not the smallest diagonal rate: with fast
        T <-> ion exchange (strong back-transfer) the pair relaxes on the ion lifetime
        although both diagonal rates are large."""
        lam = np.abs(np.linalg.eigvals(self.jacobian(np.zeros(self.n))).real)
        lam = lam[lam > 0]
        return 1.0 / lam.min() if lam.size else 1.0

    # -- section 4: observables ---------------------------------------------
    def photon_bands(self, y: np.ndarray) -> list[tuple[str, float, float, float]]:
        """(name, photon rate [cm^-3 s^-1], centre [nm], FWHM [nm]) of every band."""
        S, T = y[0], y[1]
        out = [("ligand_singlet", self.kS_r * S, *self.bands["S"]),
               ("ligand_triplet", self.kT_r * T, *self.bands["T"])]
        for sp in self.species:
            for (i, j, A, wl, fw) in sp.lines:
                N_i = y[sp.offset + i] if sp.active else 0.0
                to = sp.levels[j] if j >= 0 else "ground"
                out.append((f"{sp.label}_{sp.levels[i]}->{to}", A * N_i, wl, fw))
        return out

    def populations(self, y: np.ndarray) -> dict[str, float]:
        pop = {"S": float(y[0]), "T": float(y[1])}
        for sp in self.species:
            for j, lv in enumerate(sp.levels):
                pop[f"{sp.label}_{lv}"] = float(y[sp.offset + j]) if sp.active else 0.0
        return pop

    def fates(self, y: np.ndarray) -> dict[str, float]:
        """Exciton fates / G (spec sections 4 and 6); they sum to 1 at steady state.

        Every photon is a radiative fate, whatever level its line ends on (spec
        section 6), and every exciton has one fate: the first photon it emits, or the
        loss that ends it if it never emits. Computed here as the absorption
        probabilities of one excitation hopping through the states at the
        pseudo-first-order rates of y: from state i it leaves by channel c with
        probability k_c / k_i; "hop" channels (ISC, transfer, back-transfer, TTA
        singlets, relaxation or transfer to an excited level) move it, every photon
        and every loss ends it. fate = sum_i source_i / G x P(end in fate | start i).
        """
        S, T, G = y[0], y[1], self.G
        n = self.n
        hops = np.zeros((n, n))                     # hops[i, j]: rate i -> j
        ends: dict[str, np.ndarray] = {}

        def end(name, i, rate):
            ends.setdefault(name, np.zeros(n))[i] += rate

        end("ligand_singlet_radiative", 0, self.kS_r)
        end("ligand_singlet_nonradiative", 0, self.kS_nr)
        end("ssa", 0, self.kSS * S)
        end("sta", 0, self.kST * T)
        hops[0, 1] += self.k_isc
        end("ligand_triplet_radiative", 1, self.kT_r)
        end("ligand_triplet_nonradiative", 1, self.kT_nr)
        end("tta", 1, (1 - self.xi) * self.kTT * T)
        hops[1, 0] += self.xi * self.kTT * T
        end("tpq", 1, self.kTP * self.n_p)
        for sp in self.species:
            for ch in ("radiative", "nonradiative", "quenching", "polaron_quenching", "etu"):
                ends.setdefault(f"{sp.label}_{ch}", np.zeros(n))
            if not sp.active:
                continue
            o, m = sp.offset, len(sp.levels)
            N = y[o:o + m]
            X = N.sum() / sp.density
            g = 1.0 - X
            a = o + sp.accept
            hops[0, a] += sp.kSET * g
            hops[1, a] += sp.kTET * g
            hops[a, 1] += sp.kBT
            for j in range(m):
                end(f"{sp.label}_quenching", o + j, sp.Q[j])
                end(f"{sp.label}_polaron_quenching", o + j, sp.kLP * self.n_p)
                end(f"{sp.label}_etu", o + j, sp.kETU * X)
            for (i, j, A, _, _) in sp.lines:
                end(f"{sp.label}_radiative", o + i, A)      # a photon, wherever it ends
            for (i, j, R) in sp.relax:
                if j >= 0:
                    hops[o + i, o + j] += R
                else:
                    end(f"{sp.label}_nonradiative", o + i, R)
        for (_, d, a, dst, k) in self.active_transfers:
            o2, m2 = dst.offset, len(dst.levels)
            hops[d, a] += k * (1.0 - y[o2:o2 + m2].sum() / dst.density)
        total = hops.sum(axis=1) + sum(ends.values())
        total = np.where(total > 0, total, 1.0)
        P = hops / total[:, None]
        source = np.zeros(n)
        source[0], source[1] = self.chi, 1.0 - self.chi
        # visits v solve v = source + P^T v; fate = sum_i v_i k_fate,i / k_i
        v = np.linalg.solve(np.eye(n) - P.T, source)
        if G <= 0:
            return {k: float("nan") for k in ends}
        return {k: float(v @ (r / total)) for k, r in ends.items()}

    def transfer_efficiency(self, y: np.ndarray) -> float:
        S, T, net = y[0], y[1], 0.0
        for sp in self.active:
            N = y[sp.offset:sp.offset + len(sp.levels)]
            g = 1 - N.sum() / sp.density
            net += sp.kTET * g * T + sp.kSET * g * S - sp.kBT * N[sp.accept]
        return net / self.G if self.G > 0 else float("nan")


def self_check(model: Model, y: np.ndarray) -> dict:
    """Internal consistency at a state y: rhs() against the independent term list,
    and the analytic Jacobian against central differences with h = 1e-2 max(|y_k|,
    1e-3 scale_k) (every term is at most quadratic, so the central difference is exact
    up to round-off)."""
    f = model.rhs(y)
    ft = np.zeros(model.n)
    for i, v in model.terms(y):
        ft[i] += v
    gross = np.maximum(model.gross_flux(y), 1e-300)
    J = model.jacobian(y)
    Jn = np.zeros_like(J)
    scale = model.scales()
    for k in range(model.n):
        h = 1e-2 * max(abs(y[k]), 1e-3 * scale[k])
        yp, ym = y.copy(), y.copy()
        yp[k] += h
        ym[k] -= h
        Jn[:, k] = (model.rhs(yp) - model.rhs(ym)) / (2 * h)
    row = np.maximum(np.abs(J).max(axis=1, keepdims=True), 1e-300)
    return {"rhs_vs_terms": float(np.max(np.abs(f - ft) / gross)),
            "jacobian_vs_fd": float(np.max(np.abs(J - Jn) / row))}


# ---------------------------------------------------------------------------
# Steady state (section 3 at dy/dt = 0)
# ---------------------------------------------------------------------------
@dataclass
class SteadyState:
    y: np.ndarray
    converged: bool
    max_rel_residual: float       # max_i |f_i| / gross_i after polishing
    ode_rel_residual: float       # the same right after the ODE
    ode_polish_change: float      # max_i |y_polish - y_ode| / scale_i
    t_end: float                  # time at which the ODE run stopped [s]
    ode_steps: int                # accepted BDF steps
    method: str
    message: str = ""
    ode_nfev: int = 0             # right-hand-side evaluations of the ODE solve
    ode_njev: int = 0             # Jacobian evaluations of the ODE solve


@dataclass
class OdeInfo:
    success: bool
    message: str
    t_final: float
    steps: int
    nfev: int
    njev: int


def integrate_to_steady(model: Model, rtol=1e-10, atol=1e-14, use_jac=True, t_factor=1e3,
                        steady_tol=1e-8, max_steps=100_000):
    """BDF from zero populations towards t_factor slowest lifetimes, in the scaled
    variables z = y / scale (ions by N_s), with the analytic Jacobian.

    This is solve_ivp's BDF integrator (scipy.integrate.BDF) stepped directly, so
    that the run stops as soon as the state is stationary: the Newton step to the
    steady state from the current state is below steady_tol relative to every state.
    Run to t_end regardless, BDF with a tight rtol can stall at the steady state, where
    the round-off of f (a small difference of large fluxes) dominates its local error
    estimate and the step size collapses (seen at 1e3 mA cm^-2 with a saturated Tb
    pool). A terminal event of solve_ivp is not robust for this: its root finder
    re-evaluates the (round-off-sensitive) measure on the dense output and fails when
    the sign there differs from the one at the step."""
    s = model.scales()
    t_end = t_factor * model.slowest_lifetime()

    def f(_t, z):
        return model.rhs(z * s) / s

    def jac(_t, z):
        return model.jacobian(z * s) * s[None, :] / s[:, None]

    solver = BDF(f, 0.0, np.zeros(model.n), t_end, rtol=rtol, atol=atol, jac=jac if use_jac else None)
    steps, message, ok = 0, "", True
    while solver.status == "running":
        msg = solver.step()
        steps += 1
        if solver.status == "failed":
            ok, message = False, f"BDF failed at t = {solver.t:.3e} s: {msg}"
            break
        # stationarity: the Newton step to the steady state, -J^-1 f, is below
        # steady_tol relative to each state (floor 1e-12 of its scale). Unlike a
        # per-equation imbalance this sees slow collective modes (e.g. T and the
        # accepting level in fast exchange that together relax on the ion lifetime).
        y = solver.y * s
        try:
            delta = np.linalg.solve(model.jacobian(y), model.rhs(y))
        except np.linalg.LinAlgError:
            delta = np.full(model.n, np.inf)
        if np.max(np.abs(delta) / np.maximum(np.abs(y), 1e-12 * s)) < steady_tol:
            break
        if steps >= max_steps:
            ok, message = False, f"BDF stalled: {steps} steps, t = {solver.t:.3e} s"
            break
    return solver.y * s, OdeInfo(ok, message, float(solver.t), steps, int(solver.nfev), int(solver.njev))


def polish(model: Model, y0: np.ndarray, tol=1e-13):
    """scipy.optimize.root on F(x) = f(sigma x) / w, sigma = |y0| (floor 1 cm^-3),
    w = half the gross flux of each equation at y0: F is then (close to) the
    relative imbalance of each equation. Tries hybr, then lm, then Newton."""
    sigma = np.maximum(np.abs(y0), 1.0)
    gross = model.gross_flux(y0)
    diag = np.abs(np.diag(model.jacobian(y0)))
    w = np.maximum(gross / 2, sigma * np.maximum(diag, 1e-300) * 1e-3)

    def F(x):
        return model.rhs(x * sigma) / w

    def JF(x):
        return model.jacobian(x * sigma) * sigma[None, :] / w[:, None]

    best_y, best_r, used = y0, np.max(model.relative_residual(y0)), "ode"
    x0 = y0 / sigma
    for method in ("hybr", "lm"):
        opts = {"xtol": 1e-15} if method == "hybr" else {"xtol": 1e-15, "ftol": 1e-15}
        try:
            sol = root(F, x0, jac=JF, method=method, options=opts)
        except Exception:   # pragma: no cover - diagnostic only
            continue
        y = sol.x * sigma
        r = np.max(model.relative_residual(y))
        if r < best_r:
            best_y, best_r, used = y, r, method
        if best_r <= tol:
            break
    if best_r > tol:   # a few plain Newton steps as a last resort
        x = best_y / sigma
        for _ in range(20):
            try:
                x = x - np.linalg.solve(JF(x), F(x))
            except np.linalg.LinAlgError:
                break
            r = np.max(model.relative_residual(x * sigma))
            if r < best_r:
                best_y, best_r, used = x * sigma, r, "newton"
            if best_r <= tol:
                break
    return best_y, best_r, used


def solve_steady_state(model: Model, rtol=1e-10, atol=1e-14, conv_tol=1e-10) -> SteadyState:
    if model.G <= 0:
        return SteadyState(np.zeros(model.n), True, 0.0, 0.0, 0.0, 0.0, 0, "trivial", "J = 0")
    y_ode, ode = integrate_to_steady(model, rtol, atol)
    r_ode = float(np.max(model.relative_residual(y_ode)))
    y, r, used = polish(model, y_ode)
    scale = np.maximum(np.abs(y), model.scales() * 1e-12)
    change = float(np.max(np.abs(y - y_ode) / scale))
    neg = np.min(y) < -1e-9 * np.max(model.scales())
    # Converged: the polished state satisfies every equation to conv_tol (relative to
    # its gross flux) and no population is negative. A stalled ODE is reported in the
    # message; the polish from its last (stationary) state is still checked on its own.
    ok = r <= conv_tol and not neg
    msg = "; ".join(m for m in (("" if ode.success else ode.message),
                                ("negative population" if neg else "")) if m)
    return SteadyState(y, ok, float(r), r_ode, change, ode.t_final, ode.steps, used, msg,
                       ode.nfev, ode.njev)


# ---------------------------------------------------------------------------
# Section 4: photometry
# ---------------------------------------------------------------------------
class Photometry:
    """CIE 1931 2-degree photometry of a sum of Gaussian bands.

    Each band b (photon rate r_b per volume) gives an outcoupled photon flux per area
    Phi_b = outcoupling * w[cm] * r_b [cm^-2 s^-1] (= 1e4 x that per m^2) and a
    spectral exitance P_b(lambda) = Phi_b * g_b(lambda) * h c / lambda [W m^-2 nm^-1],
    g_b a Gaussian in wavelength normalised to 1 over the whole real line. The CMFs
    are linearly interpolated from the 1-nm table and zero outside 380-780 nm. The
    integrals use composite Simpson on a 0.01 nm grid; every 1-nm CMF knot is a
    panel boundary, so the piecewise-linear CMFs are integrated without kink error.
    """

    def __init__(self, cie_csv: Path = DEFAULT_CIE, step_nm: float = PHOTOMETRY_STEP_NM):
        tab = np.loadtxt(cie_csv, delimiter=",", skiprows=1)
        npts = int(round((CIE_MAX_NM - CIE_MIN_NM) / step_nm)) + 1
        if (npts - 1) % 2:
            raise ValueError("photometry grid needs an even number of intervals")
        self.lam = np.linspace(CIE_MIN_NM, CIE_MAX_NM, npts)
        self.cmf = np.vstack([np.interp(self.lam, tab[:, 0], tab[:, k], left=0.0, right=0.0)
                              for k in (1, 2, 3)])
        h = (CIE_MAX_NM - CIE_MIN_NM) / (npts - 1)
        wts = np.ones(npts)
        wts[1:-1:2], wts[2:-1:2] = 4.0, 2.0
        self.weights = wts * h / 3.0
        self.photon_energy = H_PLANCK * C_LIGHT / (self.lam * 1e-9)   # [J]

    def spectrum(self, bands, outcoupling: float, w_cm: float) -> np.ndarray:
        """Spectral exitance on self.lam [W m^-2 nm^-1]."""
        P = np.zeros_like(self.lam)
        for (_, rate, centre, fwhm) in bands:
            if rate == 0.0:
                continue
            sig = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
            phi = outcoupling * w_cm * rate * 1e4          # photons m^-2 s^-1
            P += phi * np.exp(-0.5 * ((self.lam - centre) / sig) ** 2) / (sig * math.sqrt(2 * math.pi))
        return P * self.photon_energy

    def evaluate(self, bands, outcoupling: float, w_cm: float, J_mA_cm2: float) -> dict:
        P = self.spectrum(bands, outcoupling, w_cm)
        X, Y, Z = (self.cmf * P) @ self.weights
        tot = X + Y + Z
        L = K_M / math.pi * Y                                    # cd m^-2
        J_A_m2 = J_mA_cm2 * 10.0                                 # 1 mA cm^-2 = 10 A m^-2
        return {
            "cie_x": X / tot if tot > 0 else float("nan"),
            "cie_y": Y / tot if tot > 0 else float("nan"),
            "luminance_cd_m2": L,
            "current_efficiency_cd_A": L / J_A_m2 if J_A_m2 > 0 else float("nan"),
        }


# ---------------------------------------------------------------------------
# Radiometry (spec section 6): written from the definitions, with scipy quadrature
# ---------------------------------------------------------------------------
DEFAULT_BANDS = {"visible": (380.0, 780.0), "nir": (780.0, 2500.0)}
MIN_VISIBLE_POWER_FRACTION = 0.5


def radiometry(bands, outcoupling: float, w_cm: float, windows: dict) -> dict:
    """Radiance, exitance, photon flux, peak and centroid wavelength, the visible power
    fraction and the photon fraction in each window, of Gaussian bands (rate, centre,
    FWHM), from Gauss-Legendre quadrature and a bounded scalar search."""
    from scipy.optimize import minimize_scalar
    from scipy.stats import norm
    hc = H_PLANCK * C_LIGHT * 1e9                         # [J nm]
    comps = []
    for (_, rate, centre, fwhm) in bands:
        if rate > 0:
            sig = fwhm / (2.0 * math.sqrt(2.0 * math.log(2.0)))
            comps.append((outcoupling * w_cm * rate * 1e4, centre, sig))   # photons m^-2 s^-1
    Fs = np.array([F for F, _, _ in comps]); cs = np.array([c for _, c, _ in comps])
    ss = np.array([s for _, _, s in comps])

    def P(l):                                            # W m^-2 nm^-1, l scalar or array
        la = np.atleast_1d(np.asarray(l, dtype=float))
        u = (la[:, None] - cs[None, :]) / ss[None, :]
        v = (np.exp(-0.5 * u * u) * (Fs / (ss * math.sqrt(2 * math.pi)))[None, :]).sum(axis=1) * hc / la
        return v if np.ndim(l) else float(v[0])
    out = {"photon_flux_m2_s": sum(F for F, _, _ in comps)}
    energy = visible = centroid_num = 0.0
    # 200-node Gauss-Legendre over c +- 12 s (and over its part in 380-780 nm): the integrands
    # are smooth, so the rule is exact to rounding (checked against scipy.integrate.quad at
    # epsrel 1e-13 for FWHM 2-60 nm, centres 380-2700 nm: agreement 6e-14 or better); relsim uses
    # 8-point pieces over c +- 8 s instead.
    x, w = np.polynomial.legendre.leggauss(200)

    def gl(f, a, b):
        return 0.5 * (b - a) * float(w @ f(0.5 * (b - a) * x + 0.5 * (a + b)))

    for F, c, s in comps:
        lo, hi = max(c - 12 * s, 1e-3), c + 12 * s
        f = lambda l, c=c, s=s: norm.pdf(l, c, s) * hc / l
        energy += F * gl(f, lo, hi)
        centroid_num += F * gl(lambda l, c=c, s=s: norm.pdf(l, c, s) * hc, lo, hi)
        a, b = max(lo, 380.0), min(hi, 780.0)
        if a < b:
            visible += F * gl(f, a, b)
    out["radiant_exitance_W_m2"] = energy
    out["radiance_W_sr_m2"] = energy / math.pi
    photons = out["photon_flux_m2_s"]
    out["centroid_wavelength_nm"] = centroid_num / energy if energy > 0 else 0.0
    out["visible_power_fraction"] = visible / energy if energy > 0 else 0.0
    out["photometry_valid"] = 1.0 if out["visible_power_fraction"] >= MIN_VISIBLE_POWER_FRACTION else 0.0
    # peak: a 0.01 nm scan around every component, then a bounded search near the best point
    best_l, best_p = 0.0, -1.0
    for F, c, s in comps:
        grid = np.arange(c - 3 * s, c + 3 * s, 0.01)
        vals = P(grid)
        k = int(np.argmax(vals))
        if vals[k] > best_p:
            best_p, best_l = float(vals[k]), float(grid[k])
    if comps:
        r = minimize_scalar(lambda l: -P(l), bounds=(best_l - 0.02, best_l + 0.02), method="bounded",
                            options={"xatol": 1e-10})
        best_l = float(r.x)
    out["peak_wavelength_nm"] = best_l
    out["window_photon_fraction"] = {
        name: (sum(F * (norm.cdf(hi, c, s) - norm.cdf(lo, c, s)) for F, c, s in comps) / photons
               if photons > 0 else 0.0)
        for name, (lo, hi) in windows.items()}
    return out


# ---------------------------------------------------------------------------
# One point and a whole config
# ---------------------------------------------------------------------------
def evaluate_point(cfg: dict, photometry: Photometry, check: bool = False, **solver_kw) -> dict:
    model = Model(cfg)
    ss = solve_steady_state(model, **solver_kw)
    y = ss.y
    bands = model.photon_bands(y)
    photons = sum(b[1] for b in bands)
    iqe = photons / (model.G / model.gamma) if model.G > 0 else float("nan")
    fates = model.fates(y)
    windows = dict(DEFAULT_BANDS)
    windows.update({k: (float(v[0]), float(v[1])) for k, v in cfg.get("bands", {}).items()})
    rad = radiometry(bands, model.outcoupling, model.w, windows)
    eqe_band = {k: model.outcoupling * iqe * f for k, f in rad.pop("window_photon_fraction").items()}
    out = {
        "eqe": model.outcoupling * iqe,
        **rad,
        "eqe_band": eqe_band,
        "iqe": iqe,
        "transfer_efficiency": model.transfer_efficiency(y),
        **photometry.evaluate(bands, model.outcoupling, model.w, model.J_mA_cm2),
        "fates": fates,
        "fate_sum": float(sum(fates.values())),
        "populations": model.populations(y),
        "photon_rates_cm3_s": {b[0]: float(b[1]) for b in bands},
        "G_cm3_s": model.G,
        "n_p_cm3": model.n_p,
        "kBT_s": {sp.label: sp.kBT for sp in model.species},
        "status": 0 if ss.converged else 1,
        "converged": bool(ss.converged),
        "max_rel_residual": ss.max_rel_residual,
        "ode_rel_residual": ss.ode_rel_residual,
        "ode_polish_change": ss.ode_polish_change,
        "polish_method": ss.method,
        "t_end_s": ss.t_end,
        "ode_steps": ss.ode_steps,
    }
    if ss.message:
        out["message"] = ss.message
    if check:
        out["self_check"] = self_check(model, y)
    return out


def run_config(config_path: Path, cie: Path = DEFAULT_CIE, ion_dirs=None, check: bool = False,
               **solver_kw) -> dict:
    config_path = Path(config_path)
    raw = load_toml(config_path)
    base = resolve_dopants(raw, config_path, ion_dirs)
    axes = sweep_axes(base)
    photometry = Photometry(cie)
    points = []
    for idx, ov in sweep_grid(base):
        cfg = copy.deepcopy(base)
        for k, v in ov.items():
            set_path(cfg, k, v)
        p = evaluate_point(cfg, photometry, check, **solver_kw)
        p["index"] = list(idx)
        p["overrides"] = ov
        points.append(p)
    return {
        "config": str(config_path),
        "title": raw.get("title", ""),
        "shape": [int(a.values.shape[1]) for a in axes],
        "axes": [{"keys": a.keys, "values": a.values.tolist()} for a in axes],
        "points": points,
    }


def _json_default(o):
    if isinstance(o, (np.floating, np.integer)):
        return o.item()
    raise TypeError(type(o))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("config", type=Path)
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--cie", type=Path, default=DEFAULT_CIE)
    ap.add_argument("--ion-dir", type=Path, action="append", default=[],
                    help="extra directory with <Ion>.toml level schemes")
    ap.add_argument("--self-check", action="store_true",
                    help="also check rhs() against the term list and the Jacobian against differences")
    args = ap.parse_args(argv)
    try:
        res = run_config(args.config, args.cie, args.ion_dir, args.self_check)
    except (ConfigError, KeyError, FileNotFoundError, tomllib.TOMLDecodeError) as exc:
        print(f"relsim_reference: {args.config}: {exc!r}", file=sys.stderr)
        return 2
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(res, indent=1, default=_json_default))
    worst = max(p["max_rel_residual"] for p in res["points"])
    fsum = max(abs(p["fate_sum"] - 1) for p in res["points"])
    for p in res["points"]:
        print(f"{str(p['index']):>10} EQE={p['eqe']:.10e} IQE={p['iqe']:.10e} "
              f"eta_tr={p['transfer_efficiency']:.10f} x={p['cie_x']:.5f} y={p['cie_y']:.5f} "
              f"L={p['luminance_cd_m2']:.6e} cd/m2 fate_sum-1={p['fate_sum'] - 1:+.2e} "
              f"res={p['max_rel_residual']:.1e} {'ok' if p['converged'] else 'NOT CONVERGED'}")
    print(f"{len(res['points'])} points, worst relative residual {worst:.2e}, worst |fate sum - 1| {fsum:.2e}")
    ok = all(p["converged"] for p in res["points"])
    if args.self_check:
        rt = max(p["self_check"]["rhs_vs_terms"] for p in res["points"])
        jf = max(p["self_check"]["jacobian_vs_fd"] for p in res["points"])
        print(f"self-check: max |rhs - sum(terms)| / gross {rt:.1e}, max Jacobian vs differences {jf:.1e}")
        ok = ok and rt < 1e-12 and jf < 1e-5
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
