"""Shared helpers of the reliability tests (tests/reliability/test_*.py; docs/reliability.md):
the Tb sweeps they run, a Case (work folder, checks, the relsim program under limits and fault
injection), checksums of files, leftovers of an output, the small fit of configs/fit, and the
command line every test file shares:

    test_<area>.py GROUP --relsim BIN --inject SO --workdir DIR

Every case states what a careful user expects (exit code, message, files left) and fails
otherwise. Random choices use fixed seeds."""
import argparse, hashlib, os, pathlib, resource, shutil, signal, subprocess, sys, time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "sweep"))
import h5py  # noqa: E402
from relsim_test_support import TB_DEVICE, assert_same_datasets  # noqa: E402,F401 (re-exported)

SOURCE = pathlib.Path(__file__).resolve().parents[2]


def sweep(n_j, n_k, extra=""):
    return TB_DEVICE + extra + f"""
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-3
to = 1e3
points = {n_j}
[[sweep.axis]]
key = "dopant.0.kTET_s"
log_from = 1e6
to = 1e11
points = {n_k}
"""


MEDIUM = sweep(100, 200)    # 20 000 points, ~0.3 s
LONG = sweep(1000, 200)     # 200 000 points, about a second


class Case:
    def __init__(self, a):
        self.a = a
        self.work = pathlib.Path(a.workdir)
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.failures = 0

    def check(self, ok, what, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {what}" + (f"\n     {detail.strip()[:2000]}" if detail and not ok else ""))
        self.failures += not ok
        return ok

    def write(self, name, text):
        p = self.work / name
        p.write_bytes(text if isinstance(text, bytes) else text.encode())
        return p

    def relsim(self, *args, env=None, limit_bytes=None, timeout=120):
        def pre():
            if limit_bytes is not None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # ignored across exec
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit_bytes, limit_bytes))
        e = dict(os.environ)
        e.update(env or {})
        t0 = time.monotonic()
        r = subprocess.run([self.a.relsim, *map(str, args)], capture_output=True, text=True,
                           env=e, preexec_fn=pre, timeout=timeout)
        r.elapsed = time.monotonic() - t0
        return r

    def reference(self, text, name="ref", extra=()):
        cfg = self.write(name + ".toml", text)
        out = self.work / (name + ".h5")
        r = self.relsim("run", cfg, "-o", out, "--quiet", *extra)
        assert r.returncode == 0, r.stderr
        return cfg, out



def sha(p):
    return hashlib.sha256(pathlib.Path(p).read_bytes()).hexdigest()



def leftovers(out):
    return [p.name for p in out.parent.glob(out.name + "*") if p != out]



def f_points(path):
    with h5py.File(path, "r") as f:
        return int(f["sweep/done"].size)



FIT_TOML = """[[model]]
name = "tb"
config = "model.toml"

[[data]]
model = "tb"
kind = "eqe_vs_current"
file = "eqe.csv"

[[free]]
key = "device.outcoupling"
min = 0.05
max = 0.6
start = 0.3

[[free]]
key = "dopant.0.quench_s.5D4"
min = 1.0
max = 1.0e4
log = true

[fit]
multistart = %d
"""



def fit_setup(c, multistart=3, ion_file=False):
    """A small fit of configs/fit's EQE data (model: the example's config without the pulse)."""
    shutil.copy(SOURCE / "configs/fit/eqe.csv", c.work / "eqe.csv")
    text = (SOURCE / "configs/fit/tb_model.toml").read_text().split("\n[transient]")[0]
    if ion_file:
        shutil.copy(SOURCE / "configs/ions/Tb.toml", c.work / "MyTb.toml")
        text = text.replace('ion = "Tb"', 'ion = "Tb"\nion_file = "MyTb.toml"', 1)
        assert "MyTb.toml" in text
    c.write("model.toml", text)
    return c.write("fit.toml", FIT_TOML % multistart)



def run_groups(groups):
    """The command line of a test file: runs the one group named (its dict name -> function)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("group", choices=sorted(groups))
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--inject", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    c = Case(a)
    groups[a.group](c)
    print(f"{a.group}: {c.failures} failure(s)")
    return 1 if c.failures else 0


__all__ = ["SOURCE", "TB_DEVICE", "assert_same_datasets", "sweep", "MEDIUM", "LONG", "Case", "sha",
           "leftovers", "f_points", "FIT_TOML", "fit_setup", "run_groups"]
