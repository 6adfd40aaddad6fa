#!/usr/bin/python3
"""CLI test of the NIR outputs (issue 12): relsim run on the Nd NIR-II device and the Tb device.

Checks the /results datasets and units (spec section 6), the HDF5 names of '/'-levels and their
`level` attribute, the fate budget (sums to 1; radiative fates = photons per exciton for Nd,
which has no multi-photon branch), the run summary (radiance with its unit; photometry flagged for
the NIR device, shown for the Tb device) and the plausibility warnings (exit 0, on stderr).
"""
import argparse
import os
import subprocess
import sys

import h5py
import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--relsim", required=True)
ap.add_argument("--source", required=True)
ap.add_argument("--workdir", required=True)
a = ap.parse_args()
os.makedirs(a.workdir, exist_ok=True)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(config, out):
    p = subprocess.run([a.relsim, "run", config, "-o", out, "-q", "--force"], capture_output=True, text=True)
    return p


nd = run(os.path.join(a.source, "configs/paper/nd_9aca_nir.toml"), os.path.join(a.workdir, "nd.h5"))
check(nd.returncode == 0, "Nd run exits 0: " + nd.stderr)
check("W sr^-1 m^-2" in nd.stdout, "summary prints the radiance with its unit")
check("photometry not meaningful" in nd.stdout, "summary flags photometry for the NIR device")
check("CIE x" not in nd.stdout, "summary does not print CIE for the NIR device")
check("nir_ii" in nd.stdout, "summary prints the NIR-II band EQE")
check(nd.stderr.strip() == "", "no warning for the shipped Nd device: " + nd.stderr)
with h5py.File(os.path.join(a.workdir, "nd.h5")) as f:
    r = f["results"]
    units = {"radiance_W_sr_m2": "W sr^-1 m^-2", "radiant_exitance_W_m2": "W m^-2",
             "photon_flux_m2_s": "m^-2 s^-1", "peak_wavelength_nm": "nm",
             "centroid_wavelength_nm": "nm", "visible_power_fraction": "1",
             "photometry_valid": "1", "eqe_band/nir_ii": "1", "eqe_band/visible": "1",
             "eqe_band/nir": "1"}
    for name, unit in units.items():
        check(name in r and r[name].attrs.get("units") == unit, f"{name} with units {unit}")
    check("populations/Nd_4F3_2" in r, "populations/Nd_4F3_2 exists")
    check(r["populations/Nd_4F3_2"].attrs.get("level") == "4F3/2", "attribute level = 4F3/2")
    fates = {k: r["fates"][k][()] for k in r["fates"]}
    total = sum(fates.values())
    check(np.max(np.abs(total - 1.0)) < 1e-9, f"fates sum to 1 (max dev {np.max(np.abs(total - 1))})")
    rad = sum(v for k, v in fates.items() if k.endswith("radiative") and not k.endswith("nonradiative"))
    check(np.max(np.abs(rad - r["iqe"][()])) < 1e-9 * np.max(r["iqe"][()]) + 1e-12,
          "radiative fates = IQE (photons per exciton, gamma = 1)")
    check(np.all(r["photometry_valid"][()] == 0), "photometry_valid = 0 for the Nd device")
    # radiance = exitance / pi, and the band EQEs add up (visible + nir cover all the light)
    check(np.allclose(r["radiance_W_sr_m2"][()], r["radiant_exitance_W_m2"][()] / np.pi, rtol=1e-14),
          "radiance = exitance / pi")
    # visible + nir (380-2500 nm) hold all photons but the ligand band's tail below 380 nm
    vis_nir = r["eqe_band/visible"][()] + r["eqe_band/nir"][()]
    check(np.all(vis_nir <= r["eqe"][()] * (1 + 1e-12)) and np.all(vis_nir >= 0.999 * r["eqe"][()]),
          "visible + nir band EQE = EQE within the UV tail")
    # photon flux = EQE J / q (outcoupled photons per electron), J in A m^-2
    J = f["axes/0"][()] * 1e-3 * 1e4
    check(np.allclose(r["photon_flux_m2_s"][()], r["eqe"][()] * J / 1.602176634e-19, rtol=1e-9),
          "photon flux = EQE J / q")

tb = run(os.path.join(a.source, "configs/tb_device.toml"), os.path.join(a.workdir, "tb.h5"))
check(tb.returncode == 0, "Tb run exits 0")
check("CIE x" in tb.stdout and "W sr^-1 m^-2" in tb.stdout, "Tb summary: CIE and radiance")
with h5py.File(os.path.join(a.workdir, "tb.h5")) as f:
    check(np.all(f["results/photometry_valid"][()] == 1), "photometry_valid = 1 for the Tb device")

# A unit slip runs (exit 0) but warns on stderr
bad = open(os.path.join(a.source, "configs/tb_device.toml")).read()
import re
bad = re.sub(r"triplet_energy_eV = [0-9.]+", "triplet_energy_eV = 23400.0", bad)
bad_path = os.path.join(a.workdir, "slip.toml")
open(bad_path, "w").write(bad)
p = subprocess.run([a.relsim, "check", bad_path], capture_output=True, text=True,
                   env=dict(os.environ, RELSIM_ION_PATH=os.path.join(a.source, "configs/ions")))
check(p.returncode == 0, "a plausibility warning is not an error")
check("warning:" in p.stderr and "triplet_energy_eV" in p.stderr, "warning names the key: " + p.stderr)

# Stark components of one transition get unique labels (".2", ".3"), also as HDF5 dataset names
yb = open(os.path.join(a.source, "configs/paper/yb_9aca_nir.toml")).read().split("[sweep]")[0]
yb += "[transient]\npulse_current_density_mA_cm2 = 10.0\npulse_on_s = 2e-3\noff_s = 2e-3\npoints = 20\n"
yb_path = os.path.join(a.workdir, "yb_transient.toml")
open(yb_path, "w").write(yb)
p = subprocess.run([a.relsim, "run", yb_path, "-o", os.path.join(a.workdir, "yb_tr.h5"), "-q", "--force"],
                   capture_output=True, text=True,
                   env=dict(os.environ, RELSIM_ION_PATH=os.path.join(a.source, "configs/ions")))
check(p.returncode == 0, "Yb transient runs: " + p.stderr)
if p.returncode == 0:
    with h5py.File(os.path.join(a.workdir, "yb_tr.h5")) as f:
        labels = [x.decode() for x in f["results/line_labels"][()]]
        check(labels == ["Yb_2F5/2_2F7/2", "Yb_2F5/2_2F7/2.2", "Yb_2F5/2_2F7/2.3"], f"line labels {labels}")
        check(sorted(f["transient/lines"]) == ["Yb_2F5_2_2F7_2", "Yb_2F5_2_2F7_2.2", "Yb_2F5_2_2F7_2.3"],
              "transient series per Stark component")

# The case: a Yb device with a dark ligand emits nothing visible; relsim must say that
# photometry is meaningless instead of printing CIE (0, 0) and 0 cd m^-2 silently.
dark = re.sub(r"kS_rad_s = [0-9.e+]+", "kS_rad_s = 0.0", yb)
dark = re.sub(r"kT_rad_s = [0-9.e+]+", "kT_rad_s = 0.0", dark).split("[transient]")[0]
dark_path = os.path.join(a.workdir, "yb_dark.toml")
open(dark_path, "w").write(dark)
p = subprocess.run([a.relsim, "run", dark_path, "-o", os.path.join(a.workdir, "yb_dark.h5"), "--force"],
                   capture_output=True, text=True,
                   env=dict(os.environ, RELSIM_ION_PATH=os.path.join(a.source, "configs/ions")))
check(p.returncode == 0 and "photometry not meaningful: 0 %" in p.stdout, "dark-ligand Yb flags photometry: " + p.stdout)
check("CIE x" not in p.stdout, "dark-ligand Yb prints no CIE")

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("all NIR CLI checks passed")
