#!/usr/bin/python3
"""Cross-check the relsim binary against the independent Python reference model.

    /usr/bin/python3 tests/reference/compare_with_relsim.py \
        --relsim build/bin/relsim --case tests/reference/cases/tb_single.toml --workdir /tmp/ref

Runs `relsim run CASE -o WORKDIR/<case>.h5 --quiet` (retried without --quiet if the
binary rejects it), solves the same config with relsim_reference.py, and compares
point by point (the HDF5 datasets are shaped by the sweep axes, spec section 6):

    eqe, iqe                       relative  1e-6
    transfer_efficiency            absolute  1e-6
    fates/<channel>                absolute  1e-6   (channels only relsim has: |value| <= 1e-6)
    populations/<name>             relative  1e-6   (+ 1e-12 x the largest |value| of that name)
    cie_x, cie_y                   absolute  2e-3
    luminance_cd_m2,
    current_efficiency_cd_A        relative  2e-3
    status                         == 0 everywhere
    /axes/<n>[_key<k>]             relative  1e-12  (1-D, matched by their `key` attribute)

Exit status: 0 all within tolerance, 1 a mismatch (or relsim failed, or the
reference did not converge), 2 a usage error.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import relsim_reference as ref  # noqa: E402

REL, ABS = "rel", "abs"


@dataclass
class Check:
    quantity: str
    kind: str            # REL or ABS
    tol: float
    worst: float = 0.0
    where: tuple = ()
    got: float = float("nan")
    want: float = float("nan")
    failed: bool = False
    note: str = ""


def usage_error(msg: str) -> int:
    print(f"compare_with_relsim: usage error: {msg}", file=sys.stderr)
    return 2


def run_relsim(relsim: Path, case: Path, h5: Path, cwd: Path) -> tuple[bool, str]:
    """relsim run CASE -o H5 --quiet; without --quiet if that fails."""
    log = ""
    for extra in (["--quiet"], []):
        if h5.exists():
            h5.unlink()
        cmd = [str(relsim), "run", str(case), "-o", str(h5), *extra]
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
        log += f"$ {' '.join(cmd)}\n(exit {proc.returncode})\n{proc.stdout}{proc.stderr}\n"
        if proc.returncode == 0 and h5.exists():
            return True, log
    return False, log


def compare_array(chk: Check, got: np.ndarray, want: np.ndarray, atol_floor: float = 0.0) -> None:
    got = np.asarray(got, dtype=float)
    want = np.asarray(want, dtype=float)
    if got.shape != want.shape:
        chk.failed, chk.note = True, f"shape {got.shape} != expected {want.shape}"
        chk.worst = float("inf")
        return
    diff = np.abs(got - want)
    if chk.kind == REL:
        denom = np.maximum(np.abs(want), np.abs(got))
        dev = np.where(denom > 0, diff / np.where(denom > 0, denom, 1.0), 0.0)
        bad = diff > chk.tol * denom + atol_floor
    else:
        dev = diff
        bad = diff > chk.tol
    dev = np.where(np.isnan(got) | np.isnan(want), np.where(np.isnan(got) & np.isnan(want), 0.0, np.inf), dev)
    bad = bad | (np.isnan(got) != np.isnan(want))
    flat = int(np.argmax(np.where(bad, np.inf, dev))) if dev.size else 0
    idx = np.unravel_index(flat, dev.shape) if dev.ndim else ()
    chk.worst = float(dev[idx])
    chk.where = tuple(int(i) for i in idx)
    chk.got, chk.want = float(got[idx]), float(want[idx])
    chk.failed = bool(np.any(bad))
    if chk.failed:
        chk.note = f"{int(np.count_nonzero(bad))} point(s) out of tolerance"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Compare relsim with the Python reference model.")
    ap.add_argument("--relsim", required=True, type=Path, help="path to the relsim binary")
    ap.add_argument("--case", required=True, type=Path, help="a config TOML")
    ap.add_argument("--workdir", required=True, type=Path, help="where the HDF5 and JSON go")
    ap.add_argument("--no-populations", action="store_true", help="do not compare populations")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    if not (args.relsim.is_file() and os.access(args.relsim, os.X_OK)):
        return usage_error(f"relsim binary '{args.relsim}' is not an executable file")
    if not args.case.is_file():
        return usage_error(f"case '{args.case}' does not exist")
    try:
        import h5py
    except ImportError:
        return usage_error("h5py is missing: run this script with /usr/bin/python3")
    case = args.case.resolve()
    args.workdir.mkdir(parents=True, exist_ok=True)
    name = case.stem
    h5 = args.workdir.resolve() / f"{name}.h5"

    # ---- 1. the reference --------------------------------------------------
    try:
        res = ref.run_config(case)
    except (ref.ConfigError, KeyError) as exc:
        return usage_error(f"the reference cannot read {case}: {exc!r}")
    (args.workdir / f"{name}.reference.json").write_text(json.dumps(res, indent=1))
    shape = tuple(res["shape"])
    pts = res["points"]
    problems = []
    if not all(p["converged"] for p in pts):
        problems.append("the Python reference did not converge at "
                        + ", ".join(str(p["index"]) for p in pts if not p["converged"]))

    def field(getter):
        return np.array([getter(p) for p in pts], dtype=float).reshape(shape)

    # ---- 2. relsim -----------------------------------------------------------
    ok, log = run_relsim(args.relsim.resolve(), case, h5, ref.REPO_ROOT)
    if not ok:
        print(log, file=sys.stderr)
        print(f"FAIL {name}: relsim did not produce {h5}", file=sys.stderr)
        return 1

    checks: list[Check] = []
    with h5py.File(h5, "r") as f:
        if "results" not in f:
            print(f"FAIL {name}: no /results group in {h5}", file=sys.stderr)
            return 1
        R = f["results"]

        def dataset(path):
            return R[path][()] if path in R else None

        def check(path, kind, tol, want, atol_floor=0.0, missing_ok=False):
            c = Check(path, kind, tol)
            got = dataset(path)
            if got is None:
                if missing_ok:
                    return
                c.failed, c.worst, c.note = True, float("inf"), "missing in the HDF5 file"
            else:
                compare_array(c, got, want, atol_floor)
            checks.append(c)

        # status == 0 everywhere
        st = dataset("status")
        c = Check("status", ABS, 0.0)
        if st is None:
            c.failed, c.note, c.worst = True, "missing in the HDF5 file", float("inf")
        else:
            compare_array(c, st, np.zeros(shape))
        checks.append(c)

        check("eqe", REL, 1e-6, field(lambda p: p["eqe"]))
        check("iqe", REL, 1e-6, field(lambda p: p["iqe"]))
        check("transfer_efficiency", ABS, 1e-6, field(lambda p: p["transfer_efficiency"]))
        check("cie_x", ABS, 2e-3, field(lambda p: p["cie_x"]))
        check("cie_y", ABS, 2e-3, field(lambda p: p["cie_y"]))
        check("luminance_cd_m2", REL, 2e-3, field(lambda p: p["luminance_cd_m2"]))
        check("current_efficiency_cd_A", REL, 2e-3, field(lambda p: p["current_efficiency_cd_A"]))

        # radiometry (spec section 6): exact integrals on both sides, so 1e-6
        for q in ("radiance_W_sr_m2", "radiant_exitance_W_m2", "photon_flux_m2_s",
                  "peak_wavelength_nm", "centroid_wavelength_nm"):
            check(q, REL, 1e-6, field(lambda p, q=q: p[q]))
        check("visible_power_fraction", ABS, 1e-6, field(lambda p: p["visible_power_fraction"]))
        check("photometry_valid", ABS, 0.0, field(lambda p: p["photometry_valid"]))
        for b in pts[0]["eqe_band"]:
            check(f"eqe_band/{b}", REL, 1e-6, field(lambda p, b=b: p["eqe_band"][b]),
                  atol_floor=1e-15)

        channels = list(pts[0]["fates"])
        for ch in channels:
            check(f"fates/{ch}", ABS, 1e-6, field(lambda p, ch=ch: p["fates"][ch]))
        if "fates" in R:
            for ch in R["fates"]:
                if ch not in channels:   # extra channels relsim reports must carry nothing here
                    check(f"fates/{ch}", ABS, 1e-6, np.zeros(shape))

        if not args.no_populations:
            for nm in pts[0]["populations"]:
                want = field(lambda p, nm=nm: p["populations"][nm])
                # HDF5 writes '/' of a level name (4F3/2) as '_' (spec section 6)
                check(f"populations/{nm.replace('/', '_')}", REL, 1e-6, want,
                      atol_floor=1e-12 * float(np.max(np.abs(want))))

        # the sweep axes: every 1-D dataset /axes/<n>... whose `key` attribute names
        # one of the keys of axis n (a zipped axis may store one dataset per key)
        if "axes" in f:
            for dname, ds in f["axes"].items():
                head = dname.split("_")[0]
                key = ds.attrs.get("key")
                key = key.decode() if isinstance(key, bytes) else key
                if not head.isdigit() or int(head) >= len(res["axes"]) or ds.ndim != 1:
                    continue
                ax = res["axes"][int(head)]
                if key in ax["keys"]:
                    c = Check(f"axes/{dname} ({key})", REL, 1e-12)
                    compare_array(c, ds[()], np.array(ax["values"][ax["keys"].index(key)]))
                    checks.append(c)

    # ---- 3. report -------------------------------------------------------------
    def point_desc(where):
        if not shape:
            return "the single point"
        flat = int(np.ravel_multi_index(where, shape)) if where else 0
        ov = ", ".join(f"{k}={v:.6g}" for k, v in pts[flat]["overrides"].items())
        return f"point {list(where)} ({ov})"

    print(f"case {name}: {int(np.prod(shape)) if shape else 1} point(s), shape {list(shape)}; "
          f"reference worst relative residual {max(p['max_rel_residual'] for p in pts):.1e}, "
          f"worst |fate sum - 1| {max(abs(p['fate_sum'] - 1) for p in pts):.1e}")
    print(f"{'quantity':42s} {'kind':4s} {'tol':>8s} {'worst dev':>10s}  {'at':>10s} "
          f"{'relsim':>16s} {'reference':>16s}  result")
    for c in checks:
        at = str(list(c.where)) if c.where else "-"
        print(f"{c.quantity:42s} {c.kind:4s} {c.tol:8.0e} {c.worst:10.2e}  {at:>10s} "
              f"{c.got:16.9e} {c.want:16.9e}  {'FAIL' if c.failed else 'ok'}"
              + (f"  ({c.note})" if c.note else ""))
    failed = [c for c in checks if c.failed]
    for c in failed:
        problems.append(f"{c.quantity} at {point_desc(c.where)}: relsim {c.got:.10g}, "
                        f"reference {c.want:.10g} ({c.kind} deviation {c.worst:.3g} > {c.tol:g})"
                        + (f"; {c.note}" if c.note else ""))
    if problems:
        print(f"\nFAIL {name}:")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"\nPASS {name}: {len(checks)} quantities within tolerance")
    return 0


if __name__ == "__main__":
    sys.exit(main())
