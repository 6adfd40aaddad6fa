#!/usr/bin/python3
"""`relsim fit` end to end (label fit): the result file of spec section 3, the fitted config
run again by `relsim run` reproducing the fitted model, and every bad-input class of the issue
(a located error, exit 2, nothing written)."""
import argparse
import math
import os
import shutil
import subprocess
import sys

import h5py
import numpy as np

FIT = """[[model]]
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
multistart = 3
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    w = a.workdir
    src = os.path.join(a.source_dir, "configs", "fit")
    shutil.copy(os.path.join(src, "eqe.csv"), w)
    J = np.loadtxt(os.path.join(src, "eqe.csv"), delimiter=",", comments="#", skiprows=2)[:, 0]
    # the model: the example's guess config without the pulse, swept at the data's J values so
    # that `relsim run` of the fitted config computes the model at exactly the fitted points
    text = open(os.path.join(src, "tb_model.toml")).read().split("\n[transient]")[0]
    text += "\n[sweep]\n[[sweep.axis]]\nkey = \"device.current_density_mA_cm2\"\nvalues = [%s]\n" % ", ".join(
        repr(float(j)) for j in J)
    open(os.path.join(w, "model.toml"), "w").write(text)

    def write(name, content):
        p = os.path.join(w, name)
        open(p, "w").write(content)
        return p

    def fit(fit_text, out="out.h5"):
        p = write("fit.toml", fit_text)
        o = os.path.join(w, out)
        for f in (o, o + ".partial"):
            if os.path.exists(f):
                os.remove(f)
        r = subprocess.run([a.relsim, "fit", p, "-o", o, "--threads", "2"], capture_output=True, text=True)
        return r, o

    # --- a good fit ---
    r, out = fit(FIT)
    assert r.returncode == 0, r.stderr + r.stdout
    assert "device.outcoupling" in r.stdout and "chi2" in r.stdout and "starts" in r.stdout, r.stdout
    assert not os.path.exists(out + ".partial")
    with h5py.File(out, "r") as f:
        keys = [k.decode() for k in f["/fit/keys"][...]]
        assert keys == ["device.outcoupling", "dopant.0.quench_s.5D4"], keys
        P = len(keys)
        for name, shape in [("values", (P,)), ("stderr", (P,)), ("stderr_log10", (P,)), ("covariance", (P, P)),
                            ("correlation", (P, P)), ("identifiable", (P,)), ("chi2", ()), ("dof", ()),
                            ("reduced_chi2", ())]:
            assert f["/fit/" + name].shape == shape, (name, f["/fit/" + name].shape)
            assert "units" in f["/fit/" + name].attrs, name
        v, e = f["/fit/values"][...], f["/fit/stderr"][...]
        assert np.all(np.isfinite(v)) and np.all(np.isfinite(e)) and list(f["/fit/identifiable"][...]) == [1, 1]
        assert abs(v[0] - 0.20) < 3 * e[0] and abs(v[1] - 430.0) < 3 * e[1], (v, e)  # truth of eqe.csv
        assert math.isnan(f["/fit/stderr_log10"][0]) and abs(f["/fit/stderr_log10"][1] - e[1] / v[1] / math.log(10)) < 1e-9 * e[1]
        C, R = f["/fit/covariance"][...], f["/fit/correlation"][...]
        assert np.allclose(np.sqrt(np.diag(C)), e, rtol=1e-12) and np.allclose(np.diag(R), 1.0)
        assert f["/fit/dof"][()] == len(J) - 2
        assert abs(f["/fit/reduced_chi2"][()] - f["/fit/chi2"][()] / f["/fit/dof"][()]) < 1e-12
        g = f["/fit/data/0"]
        x, y, m, res = (g[k][...] for k in ("x", "y", "model", "residual"))
        assert np.array_equal(x, J) and np.allclose(res, y - m, rtol=0, atol=1e-15)
        assert np.all(np.isfinite(m))
        fitted = f["/fit/config/tb"][0].decode()
    # the fitted config runs and reproduces the fitted model
    cfg = write("fitted.toml", fitted)
    rr = subprocess.run([a.relsim, "run", cfg, "-o", os.path.join(w, "rerun.h5"), "--quiet"], capture_output=True, text=True)
    assert rr.returncode == 0, rr.stderr
    with h5py.File(os.path.join(w, "rerun.h5"), "r") as f:
        eqe = f["/results/eqe"][...]
    assert np.allclose(eqe, m, rtol=1e-9, atol=0), np.max(np.abs(eqe / m - 1))
    checks = 1

    # --- bad input: located error, exit 2, nothing written ---
    def bad(name, fit_text, where, key_or_text):
        r, o = fit(fit_text)
        msg = r.stderr
        assert r.returncode == 2, f"{name}: exit {r.returncode}\n{msg}{r.stdout}"
        assert where in msg, f"{name}: '{where}' not in: {msg}"
        assert key_or_text in msg, f"{name}: '{key_or_text}' not in: {msg}"
        assert not os.path.exists(o) and not os.path.exists(o + ".partial"), name
        return 1

    fitp = os.path.join(w, "fit.toml")
    csv = os.path.join(w, "d.csv")
    with_csv = FIT.replace('file = "eqe.csv"', 'file = "d.csv"')
    checks += bad("missing data file", FIT.replace("eqe.csv", "nope.csv"), fitp + ":8:", "data.0.file")
    write("d.csv", "# nothing here\n\n")
    checks += bad("empty data file", with_csv, csv, "empty")
    write("d.csv", "current_density_mA_cm2,eqe\n1.0,0.05\n2.0,n/a\n")
    checks += bad("non-numeric cell", with_csv, csv + ":3:5:", "'n/a' is not a finite number")
    write("d.csv", "current_density_mA_cm2,eqe,sigma\n1.0,0.05,0.001\n2.0,0.05,-0.001\n3.0,0.05,0.001\n")
    checks += bad("negative sigma", with_csv, csv + ":3:", "sigma -0.001 is not positive")
    write("d.csv", "current_density_mA_cm2,eqe\n1.0,0.05\n-2.0,0.05\n3.0,0.05\n")
    checks += bad("x outside the model's range", with_csv, csv + ":3:", "outside the range of model 'tb'")
    checks += bad("unknown key in [[free]]", FIT.replace('key = "device.outcoupling"', 'key = "device.outcupling"'),
                  fitp + ":11:", "free.0.key")
    checks += bad("misspelt key in [[free]]: a suggestion (issue 21 item 20)",
                  FIT.replace('key = "device.outcoupling"', 'key = "device.outcupling"'),
                  fitp + ":11:", "did you mean 'device.outcoupling'?")
    checks += bad("min >= max", FIT.replace("max = 0.6", "max = 0.05"), fitp + ":13:", "free.0.max")
    checks += bad("start outside the bounds", FIT.replace("start = 0.3", "start = 0.7"), fitp + ":14:", "free.0.start")
    checks += bad("log with min <= 0", FIT.replace("min = 1.0\n", "min = 0.0\n"), fitp + ":18:", "free.1.min")
    checks += bad("bound outside the key's range", FIT.replace("max = 0.6", "max = 1.5"), fitp + ":13:", "(0, 1]")
    checks += bad("unknown kind", FIT.replace('kind = "eqe_vs_current"', 'kind = "eqe"'), fitp + ":7:", "data.0.kind")
    checks += bad("decay without [transient]", FIT.replace('kind = "eqe_vs_current"', 'kind = "decay"'), fitp + ":7:",
                  "no [transient]")
    print(f"ok: good fit checked, {checks - 1} bad-input classes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
