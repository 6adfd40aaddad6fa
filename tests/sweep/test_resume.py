#!/usr/bin/python3
"""kill -9 in the middle of a sweep, then --resume, must give the same file as a run that was
never interrupted (every dataset bit for bit), and the interrupted file must not look finished.
"""
import argparse, os, pathlib, shutil, signal, subprocess, sys, time
import h5py
import numpy as np

CONFIG = """
title = "resume test"
[device]
current_density_mA_cm2 = 10.0
[ligand]
density_cm3 = 7.5e20
triplet_energy_eV = 2.9
[[dopant]]
ion = "Tb"
density_cm3 = 2.8e21
accepting_level = "5D4"
kTET_s = 2.0e9
quench_s = { "5D4" = 60.0 }
ground = ["7F6", "7F5"]
levels = [ { name = "5D4", energy_cm1 = 20500.0 } ]
lines = [ { from = "5D4", to = "7F5", rate_s = 100.0, wavelength_nm = 544.0, fwhm_nm = 8.0 } ]
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-3
to = 1e3
points = 400
[[sweep.axis]]
key = "dopant.0.kTET_s"
log_from = 1e6
to = 1e11
points = 250
"""


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                out[name] = obj[()]
        f.visititems(visit)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    work = pathlib.Path(a.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cfg = work / "resume.toml"
    cfg.write_text(CONFIG)
    full, cut = work / "full.h5", work / "cut.h5"
    common = ["--quiet", "--threads", "2", "--block-points", "500"]

    subprocess.run([a.relsim, "run", str(cfg), "-o", str(full)] + common, check=True,
                   stdout=subprocess.DEVNULL)
    partial = pathlib.Path(str(cut) + ".partial")
    for delay in (0.4, 0.2, 0.1, 0.05):
        shutil.rmtree(cut, ignore_errors=True)
        p = subprocess.Popen([a.relsim, "run", str(cfg), "-o", str(cut)] + common,
                             stdout=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        if not cut.exists():
            break
        cut.unlink()
    else:
        print("the run finished before it could be killed; nothing to test", file=sys.stderr)
        return 1
    assert partial.exists(), "an interrupted run must leave its .partial file"
    with h5py.File(partial, "r") as f:
        done = f["sweep/done"][()]
        assert f.attrs["complete"] == 0
    n_done = int(done.sum())
    print(f"killed with {n_done} of {done.size} points on disk")
    assert n_done < done.size, "the run was not interrupted"

    r = subprocess.run([a.relsim, "run", str(cfg), "-o", str(cut), "--resume"] + common,
                       stdout=subprocess.PIPE, text=True)
    assert r.returncode == 0, r
    assert cut.exists() and not partial.exists()
    ref, got = datasets(full), datasets(cut)
    assert ref.keys() == got.keys(), set(ref) ^ set(got)
    for name in ref:
        a_, b_ = np.asarray(ref[name]), np.asarray(got[name])
        if a_.dtype.kind in "fiu":
            assert a_.shape == b_.shape and a_.tobytes() == b_.tobytes(), f"{name} differs"
        else:
            assert (a_ == b_).all(), f"{name} differs"
    print(f"resumed file equals the uninterrupted run in all {len(ref)} datasets")

    # Ctrl-C (SIGINT): the block in progress is finished and written, the run exits with 1 and
    # says how to resume; resuming then completes the same file.
    soft = work / "soft.h5"
    for delay in (0.4, 0.2, 0.1, 0.05):
        p = subprocess.Popen([a.relsim, "run", str(cfg), "-o", str(soft)] + common,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        time.sleep(delay)
        p.send_signal(signal.SIGINT)
        _, err = p.communicate()
        if p.returncode != 0:
            break
        soft.unlink()
    else:
        print("the run finished before SIGINT; nothing to test", file=sys.stderr)
        return 1
    assert p.returncode == 1, p.returncode
    assert "--resume" in err and not soft.exists(), err
    r = subprocess.run([a.relsim, "run", str(cfg), "-o", str(soft), "--resume"] + common,
                       stdout=subprocess.DEVNULL)
    assert r.returncode == 0
    got = datasets(soft)
    for name in ref:
        a_, b_ = np.asarray(ref[name]), np.asarray(got[name])
        if a_.dtype.kind in "fiu":
            assert a_.tobytes() == b_.tobytes(), f"{name} differs after SIGINT + resume"
    print("SIGINT: exit 1 with a resume hint; resumed file equals the uninterrupted run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
