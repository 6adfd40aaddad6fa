#!/usr/bin/python3
"""End-to-end test of the microscopic model through the relsim CLI (label `nanocrystal`).

1. EL sweep over radius x Eu fraction (data/small_el_sweep.toml, linear engine): the layout
   (shapes, a `units` attribute on every dataset), fates summing to 1 at every point, the
   energy bookkeeping IQE = TE * A/(A + Q) + ligand photons at x = 0 (Tb 5D4 only), the
   disorder standard error > 0, bit-identical files for 1 and 2 threads, and
   /microscopic/meanfield_config: `relsim run` runs it as is and reproduces the microscopic EQE
   and CIE x to the stated tolerance (relative 1e-3; docs/microscopic.md).
   A kill -9 after the first point, then --resume, gives the same file.
2. EL pulse: a long pulse ends at the steady state, the decay time is 1/(A + Q).
3. PL decay of isolated Tb (data/small_decay.toml, J = 0): exactly exp(-(A + Q) t), pl_yield
   the trapezoid integral of the photon rate.
4. Bad input of issue 9: exit 2, the message names file:line and key, and nothing is written.

    test_nc_cli.py --relsim build/bin/relsim --workdir DIR
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

HERE = Path(__file__).resolve().parent
A_5D4 = 180.0  # configs/ions/Tb.toml: total radiative rate of 5D4 [s^-1]
Q_5D4 = 430.0  # the test configs' quench_s of 5D4 [s^-1]
MEANFIELD_RTOL = 1e-3  # stated tolerance of /microscopic/meanfield_config (docs/microscopic.md)

failures: list[str] = []


def check(ok: bool, what: str) -> None:
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures.append(what)


def run(relsim: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([relsim, *args], capture_output=True, text=True, timeout=300)


def datasets(f: h5py.File) -> dict[str, np.ndarray]:
    out = {}
    f.visititems(lambda n, o: out.__setitem__(n, o) if isinstance(o, h5py.Dataset) else None)
    return out


def el_sweep(relsim: str, work: Path) -> None:
    cfg = HERE / "data" / "small_el_sweep.toml"
    r1 = run(relsim, "run", str(cfg), "-o", str(work / "el1.h5"), "-t", "1", "-q")
    r2 = run(relsim, "run", str(cfg), "-o", str(work / "el2.h5"), "-t", "2", "-q")
    check(r1.returncode == 0 and r2.returncode == 0, f"EL sweep runs (rc {r1.returncode}, {r2.returncode}) {r1.stderr[-300:]}")
    if r1.returncode or r2.returncode:
        return
    with h5py.File(work / "el1.h5") as f, h5py.File(work / "el2.h5") as g:
        d1, d2 = datasets(f), datasets(g)
        check(sorted(d1) == sorted(d2), "1 and 2 threads write the same datasets")
        same = all(np.array_equal(d1[k][...], d2[k][...]) for k in d1 if k in d2)
        check(same, "1 and 2 threads write identical values (bit for bit)")
        no_units = [k for k, v in d1.items() if "units" not in v.attrs]
        check(not no_units, f"every dataset has a units attribute (missing: {no_units[:5]})")
        check(f.attrs["model"] == "microscopic" and int(f.attrs["complete"]) == 1, "root attributes: model, complete")
        res = f["results"]
        check(res["eqe"].shape == (2, 2), f"/results/eqe is shaped by the axes: {res['eqe'].shape}")
        check(np.all(res["status"][...] == 0), "every point converged")
        fates = sum(res["fates"][k][...] for k in res["fates"] if not k.endswith("_stderr"))
        check(np.allclose(fates, 1.0, atol=1e-9), f"fates sum to 1 at every point: {fates.ravel()}")
        te, iqe = res["transfer_efficiency"][...], res["iqe"][...]
        lig = res["fates/ligand_singlet_radiative"][...] + res["fates/ligand_triplet_radiative"][...]
        expect = te[:, 0] * A_5D4 / (A_5D4 + Q_5D4) + lig[:, 0]
        check(np.allclose(iqe[:, 0], expect, rtol=1e-6),
              f"x = 0: IQE = TE A/(A+Q) + ligand photons: {iqe[:, 0]} vs {expect}")
        check(np.all(res["eqe_stderr"][:, 1] > 0), "x = 0.1: EQE stderr over the doping disorder > 0")
        check(np.all(res["photon_rate/Eu"][:, 1] > 0) and np.all(res["cie_x"][:, 1] > res["cie_x"][:, 0] + 0.1),
              f"Eu emits and moves the colour to red: cie_x {res['cie_x'][...].ravel()}")
        r = f["microscopic/radial/r_nm"][...]
        prof = f["microscopic/radial/Tb_5D4"][...]
        check(prof.shape == (2, 2, r.size) and np.all(prof[0][:, r > 1.6 + 0.125] == 0),
              "radial grid to the largest radius; 0 outside the smaller NC")
        text = f["microscopic/meanfield_config"][0].decode()
        eqe = res["eqe"][...].ravel()
        cie = res["cie_x"][...].ravel()
    mf = work / "meanfield.toml"
    mf.write_text(text)
    r = run(relsim, "run", str(mf), "-o", str(work / "meanfield.h5"), "-q")
    check(r.returncode == 0, f"relsim runs /microscopic/meanfield_config as is ({r.stderr[-300:]})")
    if r.returncode == 0:
        with h5py.File(work / "meanfield.h5") as f:
            eqe_mf, cie_mf = f["results/eqe"][...], f["results/cie_x"][...]
        rel = np.max(np.abs(eqe_mf - eqe) / eqe)
        check(rel < MEANFIELD_RTOL, f"mean-field EQE reproduces the microscopic EQE: max rel. diff {rel:.2e}")
        check(np.max(np.abs(cie_mf - cie)) < 1e-3, f"and CIE x: max diff {np.max(np.abs(cie_mf - cie)):.2e}")
    for study in sorted((HERE.parents[1] / "configs" / "microscopic").glob("*.toml")) + \
            sorted((HERE.parents[1] / "notebooks" / "configs").glob("small_micro_*.toml")):
        c = run(relsim, "check", str(study))
        check(c.returncode == 0, f"relsim check {study.name} ({c.stderr.strip()[:200]})")
    c = run(relsim, "check", str(cfg))
    check(c.returncode == 0 and "nanocrystal.ligand.kTET0_s.Tb" in c.stdout and "G_NC" in c.stdout,
          "relsim check prints the resolved nanocrystal parameters")


def resume(relsim: str, work: Path, reference: Path) -> None:
    """kill -9 after the first point is on disk, then --resume: identical to the uninterrupted run."""
    import os
    import signal
    import time

    cfg = HERE / "data" / "small_el_sweep.toml"
    out = work / "killed.h5"
    partial = Path(str(out) + ".partial")
    env = dict(os.environ, HDF5_USE_FILE_LOCKING="FALSE")
    proc = subprocess.Popen([relsim, "run", str(cfg), "-o", str(out), "-t", "1", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_with = None
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with h5py.File(partial, "r", locking=False) as f:
                done = int(f["sweep/done"][...].sum())
            if 1 <= done < 4:
                proc.send_signal(signal.SIGKILL)
                killed_with = done
                break
        except Exception:
            pass
        time.sleep(0.01)
    proc.wait()
    if killed_with is None:
        print("note: the run finished before it could be killed; resume not exercised")
        check(proc.returncode == 0, "uninterrupted run (resume skipped)")
        return
    r = run(relsim, "run", str(cfg), "-o", str(out), "-t", "2", "--resume")
    check(r.returncode == 0 and out.exists(), f"--resume after kill -9 at {killed_with}/4 points ({r.stderr[-200:]})")
    if r.returncode:
        return
    # Every point finished before the kill is kept, not recomputed (issue 21, item 21: a row of
    # the last axis used to be one block, so a kill lost the whole row).
    m = re.search(r"\((\d+) computed, (\d+) resumed\)", r.stdout + r.stderr)
    check(m is not None and int(m.group(2)) >= killed_with,
          f"--resume keeps the {killed_with} finished point(s): {m.group(0) if m else r.stdout[-200:]}")
    with h5py.File(out) as f, h5py.File(reference) as g:
        a, b = datasets(f), datasets(g)
        same = sorted(a) == sorted(b) and all(np.array_equal(a[k][...], b[k][...]) for k in a)
        check(same, "killed + resumed file equals the uninterrupted run (every dataset)")


def resume_row(relsim: str, work: Path) -> None:
    """A one-axis sweep of 6 points (~0.1 s each): every finished point reaches the file on its
    own, so a kill -9 after the first keeps it and --resume does not recompute it. (A whole row
    of the last axis used to be one block: nothing was on disk before the row ended, and --resume
    recomputed all of it; issue 21, item 21.)"""
    import os
    import signal
    import time

    text = (HERE / "data" / "small_el_sweep.toml").read_text().split("[sweep]")[0].replace("count = 3", "count = 12")
    cfg = work / "row.toml"
    cfg.write_text(text + '\n[sweep]\n[[sweep.axis]]\nkey = "nanocrystal.composition.Eu"\n'
                   "values = [0.0, 0.02, 0.04, 0.06, 0.08, 0.10]\n")
    out = work / "row.h5"
    partial = Path(str(out) + ".partial")
    proc = subprocess.Popen([relsim, "run", str(cfg), "-o", str(out), "-t", "1", "-q"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    killed_with = None
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        try:
            with h5py.File(partial, "r", locking=False) as f:
                done = int(f["sweep/done"][...].sum())
            if 1 <= done < 6:
                proc.send_signal(signal.SIGKILL)
                killed_with = done
                break
        except Exception:
            pass
        time.sleep(0.005)
    proc.wait()
    check(killed_with is not None, "a finished point of the row was on disk before the row ended")
    if killed_with is None:
        return
    r = run(relsim, "run", str(cfg), "-o", str(out), "-t", "1", "--resume")
    m = re.search(r"\((\d+) computed, (\d+) resumed\)", r.stdout + r.stderr)
    check(r.returncode == 0 and m is not None and int(m.group(2)) >= killed_with,
          f"--resume of the row keeps the {killed_with} finished point(s): {m.group(0) if m else r.stdout[-200:]}")


def pulse(relsim: str, work: Path) -> None:
    """EL pulse (linear engine) of the x = 0, R = 1.6 nm NC: a 20 ms (12 lifetime) pulse ends at
    the steady state, and the emission then decays as exp(-(A + Q) t) (uniform quenching)."""
    text = (HERE / "data" / "small_el_sweep.toml").read_text().split("[sweep]")[0]
    cfg = work / "pulse.toml"
    cfg.write_text(text + "\n[transient]\npulse_current_density_mA_cm2 = 1.0\npulse_on_s = 2.0e-2\n"
                   "off_s = 1.0e-2\npoints = 200\n")
    r = run(relsim, "run", str(cfg), "-o", str(work / "pulse.h5"), "-q")
    check(r.returncode == 0, f"EL pulse runs ({r.stderr[-300:]})")
    if r.returncode:
        return
    with h5py.File(work / "pulse.h5") as f:
        t = f["transient/time_s"][...]
        y = f["transient/photon_rate"][...]
        on = int(np.argmin(np.abs(t - 2.0e-2)))
        steady = float(f["results/photon_rate/total"][...])
        check(abs(y[on] / steady - 1) < 1e-4, f"pulse end = steady state: {y[on]:.6g} vs {steady:.6g}")
        tau = 1.0 / (A_5D4 + Q_5D4)
        d = float(f["transient/decay_time_s"][...])
        check(abs(d / tau - 1) < 2e-3, f"decay time {d:.6g} s = 1/(A + Q) = {tau:.6g} s")
        check(int(f["transient/status"][...]) == 0, "transient status 0")


def decay(relsim: str, work: Path) -> None:
    cfg = HERE / "data" / "small_decay.toml"
    r = run(relsim, "run", str(cfg), "-o", str(work / "decay.h5"), "-q")
    check(r.returncode == 0, f"PL decay runs with J = 0 ({r.stderr[-300:]})")
    if r.returncode:
        return
    with h5py.File(work / "decay.h5") as f:
        t = f["microscopic/decay/time_s"][...]
        p = f["microscopic/decay/Tb_5D4"][...]
        rate = f["microscopic/decay/photon_rate"][...]
        check(t[0] == 0.0 and t.size == 41 and abs(t[-1] - 4e-3) < 1e-15, "time grid 0 .. decay_until_s")
        k = A_5D4 + Q_5D4
        check(np.max(np.abs(p - np.exp(-k * t))) < 1e-9, "isolated Tb: P(t) = exp(-(A + Q) t) (linear engine, exact)")
        check(np.max(np.abs(rate - A_5D4 * np.exp(-k * t))) < 1e-9 * A_5D4, "photon rate = A P(t)")
        y = float(f["results/pl_yield"][...])
        check(abs(y - np.trapz(rate, t)) < 1e-12, "pl_yield is the trapezoid integral of the photon rate")


def too_little_statistics(relsim: str, work: Path) -> None:
    """A kmc point whose window sees no exciton (measure_s = 1e-300) is a failed point with its own
    status 7 and a message, not EQE 0 +- 0 with status 0 (issue 21, item 2)."""
    text = (HERE / "data" / "small_el_sweep.toml").read_text().split("[sweep]")[0]
    cfg = work / "stat.toml"
    cfg.write_text(text.replace('engine = "linear"', 'engine = "kmc"\nmeasure_s = 1.0e-300'))
    r = run(relsim, "run", str(cfg), "-o", str(work / "stat.h5"))
    check(r.returncode == 0 and "too little statistics" in r.stdout + r.stderr and "measure_s" in r.stderr,
          f"kmc without statistics: a failed point with a message ({r.stdout[-200:]} {r.stderr[-200:]})")
    if r.returncode:
        return
    with h5py.File(work / "stat.h5") as f:
        check(int(f["results/status"][...]) == 7, "its status is 7 (too little statistics)")


BAD = [
    # (label, config file, old text, new text, key in the message)
    ("count = 0", "small_el_sweep.toml", "count = 3", "count = 0", "nanocrystal.count"),
    ("composition above 1", "small_el_sweep.toml", "composition = { Tb = 0.40, Eu = 0.0 }",
     "composition = { Tb = 0.80, Eu = 0.3 }", "nanocrystal.composition"),
    ("composition naming no [[dopant]]", "small_el_sweep.toml", "Eu = 0.0 }", "Er = 0.0 }",
     "nanocrystal.composition.Er"),
    ("transfer naming an unknown level", "small_el_sweep.toml", 'acceptor = "Eu:5D0"', 'acceptor = "Eu:5D9"',
     "nanocrystal.transfer.0.acceptor"),
    ("shells not increasing", "small_el_sweep.toml", "composition = { Tb = 0.40, Eu = 0.0 }\n",
     "[[nanocrystal.shell]]\nouter_radius_nm = 1.6\ncomposition = { Tb = 0.4 }\n"
     "[[nanocrystal.shell]]\nouter_radius_nm = 1.2\ncomposition = {}\n", "nanocrystal.shell.1.outer_radius_nm"),
    ("periodic box with ligands", "small_decay.toml", "[nanocrystal.excitation]",
     "[nanocrystal.ligand]\nkTET0_s = { Tb = 1e10 }\n[nanocrystal.excitation]", "nanocrystal.ligand"),
    ("cutoff beyond half the box", "small_decay.toml", "[nanocrystal.excitation]",
     '[[nanocrystal.transfer]]\ndonor = "Tb:5D4"\nacceptor = "Tb:5D4"\nC_nm_s = 30.0\ncutoff_nm = 1.5\n'
     "[nanocrystal.excitation]", "nanocrystal.transfer.0.cutoff_nm"),
    ("unknown sweep key", "small_el_sweep.toml", 'key = "nanocrystal.radius_nm"', 'key = "nanocrystal.radius"',
     "sweep.axis.0.key"),
    ("sweep value out of range", "small_el_sweep.toml", "[0.0, 0.10]]", "[0.0, 1.5]]",
     "nanocrystal.composition.Eu"),
    ("a type error", "small_el_sweep.toml", "radius_nm = 1.6", 'radius_nm = "big"', "nanocrystal.radius_nm"),
    # Size and time guards (issue 21 item 12): refused up front with the estimate, not run.
    ("radius 1e4 nm (5.6e13 sites)", "small_el_sweep.toml", "radius_nm = 1.6", "radius_nm = 1.0e4",
     "nanocrystal.radius_nm"),
    ("radius 1e300 nm", "small_el_sweep.toml", "radius_nm = 1.6", "radius_nm = 1.0e300", "nanocrystal.radius_nm"),
    ("count 1e7 (10 GiB of summaries)", "small_el_sweep.toml", "count = 3", "count = 10000000", "nanocrystal.count"),
    ("kmc measure_s 1e9", "small_el_sweep.toml", 'engine = "linear"', 'engine = "kmc"\nmeasure_s = 1.0e9',
     "nanocrystal.measure_s"),
    ("polaron_decay after a pulse with the linear engine", "small_el_sweep.toml", "[nanocrystal]\n",
     "[physics]\npolaron_decay = true\n[transient]\npulse_current_density_mA_cm2 = 1.0\npulse_on_s = 1e-3\noff_s = 1e-3\n[nanocrystal]\n",
     "nanocrystal.engine"),
    ("a sweep point of radius 1e4 nm", "small_el_sweep.toml", "values = [1.6, 2.2]", "values = [1.6, 1.0e4]",
     "nanocrystal.radius_nm"),
]


def bad_input(relsim: str, work: Path) -> None:
    for i, (label, name, old, new, key) in enumerate(BAD):
        text = (HERE / "data" / name).read_text()
        assert old in text, (label, old)
        cfg = work / f"bad{i}.toml"
        cfg.write_text(text.replace(old, new, 1))
        out = work / f"bad{i}.h5"
        r = run(relsim, "run", str(cfg), "-o", str(out), "-q")
        written = out.exists() or Path(str(out) + ".partial").exists()
        estimate = "estimate" in r.stderr if "(" in label else True
        check(r.returncode == 2 and key in r.stderr and f"{cfg}:" in r.stderr and not written and estimate,
              f"bad input '{label}': exit {r.returncode}, names {key}: {r.stderr.strip()[:160]}; written: {written}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    work = Path(a.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    el_sweep(a.relsim, work)
    resume(a.relsim, work, work / "el1.h5")
    resume_row(a.relsim, work)
    pulse(a.relsim, work)
    decay(a.relsim, work)
    too_little_statistics(a.relsim, work)
    bad_input(a.relsim, work)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
