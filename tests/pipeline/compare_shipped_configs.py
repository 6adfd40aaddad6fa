#!/usr/bin/python3
"""Every output of every shipped config, bit for bit, before and after a change (issue 18):
runs each run config under configs/ (ion files and fit files are not run configs) with a
reference binary and with the binary under test, then compares every dataset of the two result
files byte for byte (attributes hold times and versions and are not compared; the fit example
is compared through `relsim fit`). Not a CTest test: it needs a reference binary.

    compare_shipped_configs.py --reference /work/main/build/bin/relsim --relsim build/bin/relsim
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def datasets(path):
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def differ(a, b):
    x, y = datasets(a), datasets(b)
    bad = sorted(set(x) ^ set(y))
    for k in sorted(set(x) & set(y)):
        u, v = np.asarray(x[k]), np.asarray(y[k])
        same = u.shape == v.shape and (u.tobytes() == v.tobytes() if u.dtype.kind in "fiub" else bool((u == v).all()))
        if not same:
            bad.append(k)
    return bad, len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reference", required=True)
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--source-dir", default=os.path.join(os.path.dirname(__file__), "..", ".."))
    ap.add_argument("--timeout", type=float, default=600)
    a = ap.parse_args()
    src = os.path.abspath(a.source_dir)
    configs = sorted(glob.glob(os.path.join(src, "configs", "**", "*.toml"), recursive=True))
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for c in configs:
            rel = os.path.relpath(c, src)
            if "/ions/" in rel:
                continue
            cmd = "fit" if rel.startswith("configs/fit/") and rel.endswith("_fit.toml") else "run"
            outs = []
            for tag, binary in (("ref", a.reference), ("new", a.relsim)):
                o = os.path.join(tmp, rel.replace("/", "_") + "." + tag + ".h5")
                try:
                    r = subprocess.run([binary, cmd, c, "-o", o, "--threads", "2"], capture_output=True, text=True,
                                       timeout=a.timeout)
                    outs.append((r.returncode, o, r.stderr.strip().splitlines()[-1:] if r.stderr.strip() else []))
                except subprocess.TimeoutExpired:
                    outs.append((None, o, ["timeout"]))
            (rc1, o1, e1), (rc2, o2, e2) = outs
            if rc1 is None or rc2 is None:
                print(f"SKIP  {rel}: over {a.timeout} s")
                continue
            if rc1 != rc2:
                print(f"DIFF  {rel}: exit {rc1} vs {rc2} {e1} {e2}")
                failed += 1
            elif rc1 != 0:
                print(f"SAME  {rel}: both exit {rc1} {e1}")
            else:
                bad, n = differ(o1, o2)
                print(f"{'DIFF' if bad else 'SAME'}  {rel} ({n} datasets){': ' + ', '.join(bad[:8]) if bad else ''}")
                failed += bool(bad)
    print(f"{failed} config(s) differ")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
