#!/usr/bin/python3
"""`mpirun -np 2 relsim run` must write the same file as one process: every dataset equal bit
for bit (the ranks solve the same deterministic work units; rank 0 writes them in order)."""
import argparse, pathlib, shutil, subprocess, sys
from relsim_test_support import TB_DEVICE, assert_same_datasets

CONFIG = TB_DEVICE + """
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
    n = assert_same_datasets(work / "one.h5", work / "two.h5", "1 process vs 2 MPI ranks")
    print(f"1 passed, 0 failed: 2 MPI ranks wrote the same {n} datasets as one process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
