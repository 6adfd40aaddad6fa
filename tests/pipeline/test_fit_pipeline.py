#!/usr/bin/python3
"""`relsim fit` evaluates the model `relsim run` computes (issue 18): exact synthetic data made
by `relsim run` and `relsim export` for a config with [optics] (per-slice Purcell factors and
eta_air, device.outcoupling ignored) and for a linear-engine [nanocrystal] (fixed seed: the
objective is smooth) are fitted back from a perturbed start; the truth is recovered to 1e-6
relative. Before the pipeline evaluator, the fit ran the mean-field model with the constant
outcoupling (optics: a different EQE, so a wrong quench rate) and knew no nanocrystal.* key.
A kmc engine and microscopic decay data are refused: exit 2, the tables named, nothing written.
"""
import argparse
import os
import shutil
import sys

import h5py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_configs as pc  # noqa: E402

J = [0.1, 1.0, 5.0, 20.0, 60.0]


def fit_text(model, data_kind, data_file, free):
    t = f'[[model]]\nname = "m"\nconfig = "{model}"\n\n[[data]]\nmodel = "m"\nkind = "{data_kind}"\nfile = "{data_file}"\n'
    for key, lo, hi, start in free:
        t += f'\n[[free]]\nkey = "{key}"\nmin = {lo!r}\nmax = {hi!r}\nlog = true\nstart = {start!r}\n'
    return t + "\n[fit]\nmultistart = 1\n"


def make_data(relsim, w, truth_text, column, csv_name, x_header, y_header):
    pc.write(w, "truth.toml", truth_text + pc.current_sweep(J))
    r = pc.run(relsim, "run", os.path.join(w, "truth.toml"), "-o", os.path.join(w, "truth.h5"), "--force")
    assert r.returncode == 0, r.stderr
    rows = pc.exported_results(relsim, os.path.join(w, "truth.h5"), os.path.join(w, "csv"))
    lines = [f"{x_header},{y_header}"]
    lines += [f"{row['device.current_density_mA_cm2 [mA cm^-2]']},{row[column]}" for row in rows]
    pc.write(w, csv_name, "\n".join(lines) + "\n")


def fit_and_check(relsim, w, text, truth, what):
    p = pc.write(w, "fit.toml", text)
    out = os.path.join(w, "fit.h5")
    if os.path.exists(out):
        os.remove(out)
    r = pc.run(relsim, "fit", p, "-o", out, "--threads", "2")
    assert r.returncode == 0, f"{what}: {r.stderr}{r.stdout}"
    with h5py.File(out, "r") as f:
        keys = [k.decode() for k in f["/fit/keys"][...]]
        values = f["/fit/values"][...]
    for k, v in zip(keys, values):
        rel = abs(v / truth[k] - 1.0)
        # Exact data: the optimum is the truth; LM stops at a relative step of 1e-10, the
        # steady states are converged to 1e-10 relative, so 1e-6 leaves a wide margin.
        assert rel < 1e-6, f"{what}: {k} = {v!r}, truth {truth[k]!r} (relative error {rel:.2e})"
        print(f"{what}: {k} = {v!r} (truth {truth[k]!r}, relative error {rel:.1e})")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    w = a.workdir

    # --- [optics]: configs/optics/paper_device.toml (glass/ITO/HTL/EML/ETL/LiF/Al, 5 slices) ---
    paper = open(os.path.join(a.source_dir, "configs", "optics", "paper_device.toml")).read()
    assert 'quench_s = { "5D4" = 430.0 }' in paper
    pc.write(w, "model.toml", paper)
    make_data(a.relsim, w, paper, "eqe [1]", "eqe.csv", "current_density_mA_cm2", "eqe")
    fit_and_check(a.relsim, w,
                  fit_text("model.toml", "eqe_vs_current", "eqe.csv",
                           [("dopant.0.quench_s.5D4", 10.0, 1.0e4, 250.0),
                            ("ligand.kTP_cm3_s", 1e-14, 1e-11, 1e-12)]),
                  {"dopant.0.quench_s.5D4": 430.0, "ligand.kTP_cm3_s": 4.0e-13}, "optics eqe")
    make_data(a.relsim, w, paper, "luminance_cd_m2 [cd m^-2]", "lum.csv", "current_density_mA_cm2",
              "luminance_cd_m2")
    fit_and_check(a.relsim, w,
                  fit_text("model.toml", "luminance_vs_current", "lum.csv",
                           [("dopant.0.quench_s.5D4", 10.0, 1.0e4, 700.0)]),
                  {"dopant.0.quench_s.5D4": 430.0}, "optics luminance")

    # --- linear-engine [nanocrystal]: a per-ion rate and a nanocrystal.* key ---
    pc.write(w, "nc.toml", pc.nc_small(430.0))
    make_data(a.relsim, w, pc.nc_small(700.0), "eqe [1]", "nc_eqe.csv", "current_density_mA_cm2", "eqe")
    fit_and_check(a.relsim, w,
                  fit_text("nc.toml", "eqe_vs_current", "nc_eqe.csv",
                           [("dopant.0.quench_s.5D4", 10.0, 1.0e4, 430.0),
                            ("nanocrystal.ligand.kTET0_s.Tb", 1e8, 1e12, 3e9)]),
                  {"dopant.0.quench_s.5D4": 700.0, "nanocrystal.ligand.kTET0_s.Tb": 1.0e10}, "nanocrystal eqe")

    # --- refusals: exit 2 naming the tables, nothing written ---
    pc.write(w, "kmc.toml", pc.nc_small(430.0, engine="kmc"))
    p = pc.write(w, "fit_kmc.toml", fit_text("kmc.toml", "eqe_vs_current", "nc_eqe.csv",
                                             [("dopant.0.quench_s.5D4", 10.0, 1.0e4, 430.0)]))
    out = os.path.join(w, "kmc.h5")
    r = pc.run(a.relsim, "fit", p, "-o", out)
    assert r.returncode == 2, r.stderr
    assert "[nanocrystal] engine = \"kmc\"" in r.stderr and "relsim fit" in r.stderr, r.stderr
    assert not os.path.exists(out) and not os.path.exists(out + ".partial")

    pc.write(w, "nc_pulse.toml", pc.nc_small(430.0) +
             "\n[transient]\npulse_current_density_mA_cm2 = 1.0\npulse_on_s = 1e-3\noff_s = 1e-3\npoints = 20\n")
    pc.write(w, "decay.csv", "time_s,intensity\n0.0005,1.0\n0.0015,0.5\n")
    p = pc.write(w, "fit_decay.toml", fit_text("nc_pulse.toml", "decay", "decay.csv",
                                               [("dopant.0.quench_s.5D4", 10.0, 1.0e4, 430.0)]))
    out = os.path.join(w, "decay.h5")
    r = pc.run(a.relsim, "fit", p, "-o", out)
    assert r.returncode == 2, r.stderr
    assert "[nanocrystal]" in r.stderr and "relsim fit" in r.stderr and "decay" in r.stderr, r.stderr
    assert not os.path.exists(out) and not os.path.exists(out + ".partial")
    # A number the model does not use is not fitted (issue 18: the fit used to fit
    # device.outcoupling with [optics] and dopant.0.kTET_s with [nanocrystal], both ignored by run).
    for model, key, needle in (("model.toml", "device.outcoupling", "[optics] replaces device.outcoupling"),
                               ("nc.toml", "dopant.0.kTET_s", "[nanocrystal] does not use dopant.0.kTET_s"),
                               ("nc.toml", "ligand.kTT_cm3_s", "[nanocrystal] does not use ligand.kTT_cm3_s")):
        data = "eqe.csv" if model == "model.toml" else "nc_eqe.csv"
        p = pc.write(w, "fit_unused.toml", fit_text(model, "eqe_vs_current", data, [(key, 1e-3, 1e10, 0.5)]))
        out = os.path.join(w, "unused.h5")
        r = pc.run(a.relsim, "fit", p, "-o", out)
        assert r.returncode == 2 and needle in r.stderr and "fit_unused.toml" in r.stderr, r.stderr
        assert not os.path.exists(out) and not os.path.exists(out + ".partial")
    print("ok")


if __name__ == "__main__":
    main()
