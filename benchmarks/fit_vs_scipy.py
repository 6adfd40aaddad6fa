#!/usr/bin/python3
"""Fit benchmarks (benchmarks/README.md, "relsim fit"): wall time of `relsim fit` against the same
fit done by SciPy's least_squares driving the relsim CLI (one `relsim run` per residual
evaluation, as a user without `relsim fit` would script it).

    /usr/bin/python3 benchmarks/fit_vs_scipy.py --relsim build/bin/relsim [--repeats 5]

Problems (data of configs/fit, made by configs/fit/make_synthetic_data.py):
  eqe3   3 parameters (outcoupling, log quench_s.5D4, log kTT) to the 30-point EQE-J curve
  joint  the same 3 (kTP instead of kTT, as configs/fit/tb_fit.toml) to EQE-J + the 29-point decay
Both sides: one start (the same start values and bounds), log10 scaling of the same parameters,
finite-difference Jacobians, the decay amplitude eliminated by linear least squares.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

import h5py
import numpy as np
from scipy.optimize import least_squares

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(HERE)
FITDIR = os.path.join(SRC, "configs", "fit")

PROBLEMS = {
    "eqe3": {
        "data": [("eqe_vs_current", "eqe.csv")],
        "free": [("device.outcoupling", 0.05, 0.6, False, 0.3),
                 ("dopant.0.quench_s.5D4", 1.0, 1.0e4, True, 100.0),
                 ("ligand.kTT_cm3_s", 1e-15, 1e-9, True, 1e-12)],
    },
    "joint": {
        "data": [("eqe_vs_current", "eqe.csv"), ("decay", "el_decay.csv")],
        "free": [("device.outcoupling", 0.05, 0.6, False, 0.3),
                 ("dopant.0.quench_s.5D4", 1.0, 1.0e4, True, 100.0),
                 ("ligand.kTP_cm3_s", 1e-15, 1e-10, True, 1e-12)],
    },
}


def fit_file(problem, work):
    p = PROBLEMS[problem]
    s = f'[[model]]\nname = "tb"\nconfig = "{os.path.join(FITDIR, "tb_model.toml")}"\n'
    for kind, f in p["data"]:
        s += f'\n[[data]]\nmodel = "tb"\nkind = "{kind}"\nfile = "{os.path.join(FITDIR, f)}"\n'
    for key, lo, hi, log, start in p["free"]:
        s += f'\n[[free]]\nkey = "{key}"\nmin = {lo!r}\nmax = {hi!r}\nlog = {"true" if log else "false"}\nstart = {start!r}\n'
    s += "\n[fit]\nmultistart = 1\n"
    path = os.path.join(work, problem + "_fit.toml")
    open(path, "w").write(s)
    return path


def time_relsim_fit(relsim, problem, work, repeats):
    path = fit_file(problem, work)
    out = os.path.join(work, problem + "_fit.h5")
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        subprocess.run([relsim, "fit", path, "-o", out, "-q", "--threads", "1", "--force"], check=True)
        times.append(time.perf_counter() - t0)
    with h5py.File(out, "r") as f:
        return times, f["/fit/values"][...].tolist(), float(f["/fit/chi2"][()])


def read_csv(name):
    a = np.loadtxt(os.path.join(FITDIR, name), delimiter=",", comments="#", skiprows=0, ndmin=2, dtype=str)
    a = np.array([r for r in a if not r[0].strip().startswith(("current", "time"))], dtype=float)
    return a[:, 0], a[:, 1], a[:, 2]


def scipy_fit(relsim, problem, work):
    p = PROBLEMS[problem]
    base = open(os.path.join(FITDIR, "tb_model.toml")).read()
    J, ye, se = read_csv("eqe.csv")
    has_decay = any(k == "decay" for k, _ in p["data"])
    if has_decay:
        td, yd, sd = read_csv("el_decay.csv")
    counter = {"runs": 0}
    cfg = os.path.join(work, "scipy_model.toml")
    out = os.path.join(work, "scipy_model.h5")
    ion = os.path.join(SRC, "configs", "ions", "Tb.toml")

    def model(u):
        vals = [10 ** ui if log else ui for ui, (_, _, _, log, _) in zip(u, p["free"])]
        text = base.replace('ion = "Tb"', f'ion = "Tb"\nion_file = "{ion}"')
        if not has_decay:
            text = text.split("\n[transient]")[0]
        text += "\n[sweep]\n[[sweep.axis]]\nkey = \"device.current_density_mA_cm2\"\nvalues = [%s]\n" % ", ".join(map(repr, J))
        for (key, *_), v in zip(p["free"], vals):
            text += f'[[sweep.axis]]\nkey = "{key}"\nvalues = [{v!r}]\n'
        open(cfg, "w").write(text)
        subprocess.run([relsim, "run", cfg, "-o", out, "-q", "--threads", "1"], check=True, stdout=subprocess.DEVNULL)
        counter["runs"] += 1
        with h5py.File(out, "r") as f:
            eqe = f["/results/eqe"][...].reshape(-1)
            res = [(ye - eqe) / se]
            if has_decay:
                t = f["/transient/time_s"][...]
                rate = f["/transient/photon_rate"][...].reshape(len(J), -1)[0]
                idx = [int(np.argmin(np.abs(t - x))) for x in td]
                m = rate[idx]
                w = 1 / sd ** 2
                a = np.sum(w * m * yd) / np.sum(w * m * m)
                res.append((yd - a * m) / sd)
        return np.concatenate(res)

    lo = [np.log10(l) if log else l for _, l, _, log, _ in p["free"]]
    hi = [np.log10(h) if log else h for _, _, h, log, _ in p["free"]]
    x0 = [np.log10(s) if log else s for *_, log, s in p["free"]]
    t0 = time.perf_counter()
    r = least_squares(model, x0, bounds=(lo, hi), method="trf", jac="2-point", x_scale="jac")
    wall = time.perf_counter() - t0
    vals = [10 ** ui if log else ui for ui, (_, _, _, log, _) in zip(r.x, p["free"])]
    return wall, vals, float(np.sum(r.fun ** 2)), counter["runs"], r.nfev


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--json", default="")
    a = ap.parse_args()
    work = tempfile.mkdtemp(prefix="relsim-fitbench-")
    results = {"load_before": os.getloadavg()[0]}
    for problem in PROBLEMS:
        times, vals, chi2 = time_relsim_fit(a.relsim, problem, work, a.repeats)
        sw, svals, schi2, runs, nfev = scipy_fit(a.relsim, problem, work)
        results[problem] = {"relsim_fit_s": {"min": min(times), "median": float(np.median(times))},
                            "relsim_values": vals, "relsim_chi2": chi2,
                            "scipy_s": sw, "scipy_values": svals, "scipy_chi2": schi2, "scipy_relsim_runs": runs}
        print(f"{problem}: relsim fit min {min(times):.3f} s / median {np.median(times):.3f} s, chi2 {chi2:.4f}, values {vals}")
        print(f"{problem}: SciPy least_squares + relsim run: {sw:.2f} s ({runs} runs), chi2 {schi2:.4f}, values {svals}")
        print(f"{problem}: ratio {sw / min(times):.1f}x")
    results["load_after"] = os.getloadavg()[0]
    if a.json:
        json.dump(results, open(a.json, "w"), indent=1)
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
