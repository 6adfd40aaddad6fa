#!/usr/bin/python3
"""The microscopic model with [optics] (issue 18): a linear-engine nanocrystal run with an
[optics] table gets per-line Purcell factors and eta_air at each emitter slice, not the
constant device.outcoupling (before the fix: EQE = 0.20 x IQE and no /results/outcoupling).

1. A homogeneous medium (substrate = "none", three loss-free layers of n = 1.7): an isotropic
   dipole in an infinite homogeneous medium radiates the same power into both half-spaces
   (its orientation-averaged pattern is symmetric under z -> -z; Novotny & Hecht, Principles of
   Nano-Optics, 2nd ed., sec. 8.3), so eta_air = 1/2 exactly and the Purcell factor is 1:
   outcoupling = 0.5 and IQE equal to the run without [optics] (spec optics.md section 5 asks
   F = 1 to 1e-6; so 1e-6 here), EQE = outcoupling x IQE to round-off.
2. The thin-film stack of configs/optics/paper_device.toml with one emitter slice: EQE / IQE
   equals the photon-weighted eta_air of the optics module's own tables (/optics/eta_air_ed at
   each band's wavelength, a grid point), to its stated accuracy 1e-4 (optics.md section 4),
   and each line's Purcell factor and eta_air equal the tabulated ones.
3. [nanocrystal.excitation] with [optics]: exit 2 naming both tables, nothing written.
"""
import argparse
import os
import re
import shutil
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_configs as pc  # noqa: E402


def results(path):
    out = {}
    with h5py.File(path, "r") as f:
        f["/results"].visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
        for k in ("/optics/wavelength_nm", "/optics/eta_air_ed", "/optics/purcell_ed"):
            if k in f:
                out[k] = f[k][()]
        out["line_labels"] = [x.decode() for x in f["/results/line_labels"][()]]
    return out


def run(relsim, w, name, text):
    p = pc.write(w, name + ".toml", text)
    out = os.path.join(w, name + ".h5")
    r = pc.run(relsim, "run", p, "-o", out, "--force")
    assert r.returncode == 0, r.stderr
    return results(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--source-dir", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    w = a.workdir

    # 1. homogeneous medium
    bare = run(a.relsim, w, "bare", pc.nc_small())
    hom = run(a.relsim, w, "hom", pc.nc_small() + pc.homogeneous_optics(1.7, slices=3))
    assert "outcoupling" not in bare
    assert abs(hom["outcoupling"] - 0.5) < 1e-6, hom["outcoupling"]
    assert abs(hom["iqe"] / bare["iqe"] - 1.0) < 1e-6, (hom["iqe"], bare["iqe"])
    assert abs(hom["eqe"] / (hom["outcoupling"] * hom["iqe"]) - 1.0) < 1e-12
    for label in hom["line_labels"]:
        assert abs(hom["optics/purcell/" + label] - 1.0) < 1e-6, label
        assert abs(hom["optics/eta_air/" + label] - 0.5) < 1e-6, label
    print(f"homogeneous n = 1.7: outcoupling {hom['outcoupling']:.15f}, IQE {hom['iqe']:.10g} "
          f"(without [optics] {bare['iqe']:.10g})")

    # 2. the paper's stack, one slice
    paper = open(os.path.join(a.source_dir, "configs", "optics", "paper_device.toml")).read()
    table = paper[paper.index("\n[optics]"):]
    table = re.sub(r"emitter_slices = \d+", "emitter_slices = 1", table)
    st = run(a.relsim, w, "stack", pc.nc_small() + "\n" + table)
    grid = st["/optics/wavelength_nm"]
    eta, purcell = st["/optics/eta_air_ed"][0], st["/optics/purcell_ed"][0]

    def at(wl):
        i = int(np.argmin(abs(grid - wl)))
        assert abs(grid[i] - wl) < 1e-9, wl
        return i

    line_wl = {}
    for t in open(os.path.join(a.source_dir, "configs", "ions", "Tb.toml")).read().splitlines():
        m = re.search(r'from = "(\w+)", to = "(\w+)".*wavelength_nm = ([0-9.]+)', t)
        if m:
            line_wl["Tb_%s_%s" % (m.group(1), m.group(2))] = float(m.group(3))
    rates = st["line_photon_rate"]
    air = st["photon_rate/ligand_singlet"] * eta[at(390.0)] + st["photon_rate/ligand_triplet"] * eta[at(440.0)]
    for l, label in enumerate(st["line_labels"]):
        i = at(line_wl[label])
        assert abs(st["optics/eta_air/" + label] / eta[i] - 1.0) < 1e-4, label
        assert abs(st["optics/purcell/" + label] / purcell[i] - 1.0) < 1e-4, label
        air += rates[l] * eta[i]
    expected = air / st["photon_rate/total"]
    assert abs(st["outcoupling"] / expected - 1.0) < 1e-4, (st["outcoupling"], expected)
    assert abs(st["eqe"] / (st["outcoupling"] * st["iqe"]) - 1.0) < 1e-12
    assert abs(st["outcoupling"] - 0.2) > 0.01  # not the constant device.outcoupling
    print(f"paper stack: EQE/IQE {st['outcoupling']:.8f}, optics tables {expected:.8f}")

    # 3. a PL decay with [optics] is refused
    decay = pc.nc_small() + pc.homogeneous_optics() + \
        '\n[nanocrystal.excitation]\ntarget = "Tb:5D4"\ndecay_until_s = 1e-2\npoints = 20\n'
    p = pc.write(w, "decay.toml", decay)
    out = os.path.join(w, "decay.h5")
    r = pc.run(a.relsim, "run", p, "-o", out)
    assert r.returncode == 2 and "[nanocrystal.excitation]" in r.stderr and "[optics]" in r.stderr, r.stderr
    assert not os.path.exists(out) and not os.path.exists(out + ".partial")
    print("ok")


if __name__ == "__main__":
    main()
