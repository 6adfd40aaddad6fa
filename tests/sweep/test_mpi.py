#!/usr/bin/python3
"""`mpirun -np 2 relsim run` must write the same file as one process: every dataset equal bit
for bit (the ranks solve the same deterministic work units; rank 0 writes them in order)."""
import argparse, pathlib, shutil, subprocess, sys
import h5py
import numpy as np

CONFIG = """
title = "mpi test"
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
[spectrum]
from_nm = 450.0
to_nm = 650.0
step_nm = 2.0
save = true
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-3
to = 1e3
points = 40
[[sweep.axis]]
key = "dopant.0.quench_s.5D4"
values = [10.0, 100.0, 1000.0]
"""


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--mpiexec", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    work = pathlib.Path(a.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    cfg = work / "mpi.toml"
    cfg.write_text(CONFIG)
    common = ["--quiet", "--block-points", "16", "--threads", "1"]
    subprocess.run([a.relsim, "run", str(cfg), "-o", str(work / "one.h5")] + common, check=True)
    subprocess.run([a.mpiexec, "--allow-run-as-root", "--oversubscribe", "-np", "2", a.relsim,
                    "run", str(cfg), "-o", str(work / "two.h5")] + common, check=True)
    one, two = datasets(work / "one.h5"), datasets(work / "two.h5")
    assert one.keys() == two.keys(), set(one) ^ set(two)
    for name in one:
        x, y = np.asarray(one[name]), np.asarray(two[name])
        same = x.tobytes() == y.tobytes() if x.dtype.kind in "fiub" else (x == y).all()
        assert same, f"{name} differs between 1 process and 2 MPI ranks"
    print(f"1 passed, 0 failed: 2 MPI ranks wrote the same {len(one)} datasets as one process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
