#!/usr/bin/python3
"""SciPy speed baseline: per-point cost of the kinetic model solved the way it is
commonly done in Python, for comparison with relsim.

    /usr/bin/python3 benchmarks/python_scipy_baseline.py --config configs/tb_device.toml --points 20

The model is the independent Python implementation of the contract
(tests/reference/relsim_reference.py, spec /work/shared/spec/kinetic-model.md). Each
point of a current-density sweep (log-spaced, --j-from .. --j-to mA cm^-2, overriding
the config's J; or the first --points points of the config's own sweep with
--config-sweep) is solved from zero populations to steady state by

  bdf_fd     solve_ivp(method="BDF") in physical units (cm^-3), no Jacobian given
             (SciPy builds it by finite differences), rtol 1e-8, atol 1 cm^-3,
             to 1e3 slowest lifetimes (a run past 1e6 evaluations counts as failed);
  bdf_jac    the same with the analytic Jacobian;
  reference  the reference solver: BDF in scaled variables (rtol 1e-10), stopped
             once stationary, then scipy.optimize.root polishing to ~1e-13 relative
             residual (with its extra diagnostics, so not tuned for speed).

Reported: microseconds per point (the model is built inside the timed region; the
TOML is parsed once), BDF steps and right-hand-side evaluations per point, and the
worst relative deviation of the EQE from the reference variant. One JSON line with
the results and the machine goes to stdout (last line) and is appended to --json.

Ion schemes named by the config (configs/ions/<Ion>.toml) are looked up next to the
config (ions/, ../ions) and in the repository's configs/ions.
"""
from __future__ import annotations

import argparse
import copy
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy
from scipy.integrate import solve_ivp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "reference"))
import relsim_reference as ref  # noqa: E402


class _Stalled(Exception):
    pass


def bdf_physical(model: ref.Model, use_jac: bool, rtol=1e-8, atol=1.0, max_rhs=1_000_000):
    """solve_ivp BDF on dy/dt = f(y), y in cm^-3, from zero to 1e3 slowest lifetimes.
    Returns (y_end, sol), or (None, None) when it stalls past max_rhs evaluations."""
    t_end = 1e3 * model.slowest_lifetime()
    count = [0]

    def f(_t, y):
        count[0] += 1
        if count[0] > max_rhs:
            raise _Stalled
        return model.rhs(y)

    try:
        sol = solve_ivp(f, (0.0, t_end), np.zeros(model.n), method="BDF", rtol=rtol, atol=atol,
                        jac=(lambda _t, y: model.jacobian(y)) if use_jac else None)
    except _Stalled:
        return None, None
    return sol.y[:, -1], sol


def eqe_of(model: ref.Model, y: np.ndarray) -> float:
    photons = sum(b[1] for b in model.photon_bands(y))
    return model.outcoupling * photons / (model.G / model.gamma)


def point_configs(args) -> list[dict]:
    cfg_path = Path(args.config)
    base = ref.resolve_dopants(ref.load_toml(cfg_path), cfg_path, args.ion_dir)
    cfgs = []
    if args.config_sweep:
        for _, ov in ref.sweep_grid(base):
            c = copy.deepcopy(base)
            for k, v in ov.items():
                ref.set_path(c, k, v)
            cfgs.append(c)
            if len(cfgs) == args.points:
                break
    else:
        for J in np.logspace(np.log10(args.j_from), np.log10(args.j_to), args.points):
            c = copy.deepcopy(base)
            ref.set_path(c, "device.current_density_mA_cm2", J)
            cfgs.append(c)
    return cfgs


def machine() -> dict:
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "platform": platform.platform()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="SciPy baseline timing of the relsim kinetic model")
    ap.add_argument("--config", required=True, type=Path)
    ap.add_argument("--points", type=int, default=20)
    ap.add_argument("--j-from", type=float, default=1e-3, help="mA cm^-2")
    ap.add_argument("--j-to", type=float, default=1e3, help="mA cm^-2")
    ap.add_argument("--config-sweep", action="store_true", help="use the config's own sweep points")
    ap.add_argument("--repeat", type=int, default=1, help="repeat each variant, keep the fastest")
    ap.add_argument("--variants", default="bdf_fd,bdf_jac,reference")
    ap.add_argument("--ion-dir", type=Path, action="append", default=[])
    ap.add_argument("--json", type=Path, help="append the JSON line to this file")
    args = ap.parse_args(argv)
    if args.points < 1:
        ap.error("--points must be >= 1")
    try:
        cfgs = point_configs(args)
    except (ref.ConfigError, KeyError, FileNotFoundError) as exc:
        print(f"python_scipy_baseline: {args.config}: {exc!r}", file=sys.stderr)
        return 2

    results = {}
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    for var in variants:
        if var not in ("bdf_fd", "bdf_jac", "reference"):
            ap.error(f"unknown variant {var}")
    # the reference EQEs (untimed), for the accuracy column
    eqe_ref = [eqe_of(m, ref.solve_steady_state(m).y) for m in map(ref.Model, cfgs)]
    for var in variants:
        best = None
        for _ in range(max(args.repeat, 1)):
            eqes, steps, nfev, njev, fails = [], 0, 0, 0, 0
            t0 = time.perf_counter()
            for c in cfgs:
                m = ref.Model(c)
                if var == "reference":
                    ss = ref.solve_steady_state(m)
                    y = ss.y
                    steps, nfev, njev = steps + ss.ode_steps, nfev + ss.ode_nfev, njev + ss.ode_njev
                    fails += not ss.converged
                else:
                    y, sol = bdf_physical(m, use_jac=(var == "bdf_jac"))
                    if sol is None:
                        fails += 1
                        eqes.append(float("nan"))
                        continue
                    steps, nfev, njev = steps + sol.t.size - 1, nfev + sol.nfev, njev + sol.njev
                    fails += not sol.success
                eqes.append(eqe_of(m, y))
            dt = time.perf_counter() - t0
            if best is None or dt < best[0]:
                best = (dt, eqes, steps, nfev, njev, fails)
        dt, eqes, steps, nfev, njev, fails = best
        n = len(cfgs)
        results[var] = {"us_per_point": 1e6 * dt / n, "steps_per_point": steps / n,
                        "rhs_evals_per_point": nfev / n, "jac_evals_per_point": njev / n,
                        "failures": fails, "eqe": eqes}

    print(f"config {args.config}: {len(cfgs)} points, "
          + (f"J {args.j_from:g}..{args.j_to:g} mA/cm2 (log)" if not args.config_sweep else "config sweep"))
    print(f"{'variant':10s} {'us/point':>12s} {'steps/pt':>9s} {'ODE f-evals':>11s} {'max |dEQE|/EQE':>15s}")
    for var, r in results.items():
        dev = max((abs(a / b - 1) for a, b in zip(r["eqe"], eqe_ref) if a == a), default=float("nan"))
        r["max_rel_eqe_deviation_vs_reference"] = dev
        print(f"{var:10s} {r['us_per_point']:12.1f} {r['steps_per_point']:9.1f} "
              f"{r['rhs_evals_per_point']:11.1f} {dev:15.2e}" + (f"  ({r['failures']} failed)" if r["failures"] else ""))
        del r["eqe"]
    line = json.dumps({"benchmark": "python_scipy_baseline", "config": str(args.config),
                       "points": len(cfgs), "j_from_mA_cm2": args.j_from, "j_to_mA_cm2": args.j_to,
                       "config_sweep": args.config_sweep, "repeat": args.repeat,
                       "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                       "machine": machine(), "results": results})
    print(line)
    if args.json:
        with open(args.json, "a") as fh:
            fh.write(line + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
