#!/usr/bin/python3
"""[optics] bad input on the command line: each class exits with 2, names the file, the line of
the offending key and the key, and writes no output file (spec optics.md, issue 11)."""
import argparse, pathlib, re, shutil, subprocess, sys

GOOD = """title = "optics cli test"
[device]
current_density_mA_cm2 = 1.0
recombination_zone_nm = 20.0
[ligand]
density_cm3 = 2.6e20
triplet_energy_eV = 2.9
[[dopant]]
ion = "Eu"
density_cm3 = 2.0e20
accepting_level = "5D0"
kTET_s = 1.0e9
ground = ["7F1", "7F2"]
levels = [ { name = "5D0", energy_cm1 = 17293.0 } ]
lines = [ { from = "5D0", to = "7F1", rate_s = 50.0, wavelength_nm = 591.0, fwhm_nm = 5.0, dipole = "MD" },
          { from = "5D0", to = "7F2", rate_s = 64.0, wavelength_nm = 615.0, fwhm_nm = 5.0 } ]
[spectrum]
from_nm = 350.0
to_nm = 800.0
step_nm = 5.0
[optics]
substrate = "glass"
emitting_layer = "EML"
zone_offset_nm = 5.0
[[optics.layer]]
name = "ITO"
thickness_nm = 100.0
material = "ITO"
[[optics.layer]]
name = "EML"
thickness_nm = 30.0
n = 1.70
[[optics.layer]]
name = "ETL"
thickness_nm = 40.0
material = "TPBi"
[[optics.layer]]
name = "cathode"
material = "Al"
"""

SWEEP = """[sweep]
[[sweep.axis]]
key = "optics.layer.2.thickness_nm"
values = [20.0, 40.0, -5.0]
"""

# (name, text, text of the line the message must point at, key fragment)
CASES = [
    ("unknown_material", GOOD.replace('material = "TPBi"', 'material = "Unobtainium"'),
     'material = "Unobtainium"', "optics.layer.2.material"),
    ("wavelength_outside_table", GOOD.replace("to_nm = 800.0", "to_nm = 1400.0"),
     'material = "ITO"', "optics.layer.0.material"),
    ("negative_thickness", GOOD.replace("thickness_nm = 40.0", "thickness_nm = -40.0"),
     "thickness_nm = -40.0", "optics.layer.2.thickness_nm"),
    ("huge_thickness", GOOD.replace("thickness_nm = 30.0", "thickness_nm = 1e12"),
     "thickness_nm = 1e12", "optics.layer.1.thickness_nm"),
    ("negative_thickness_in_sweep", GOOD + SWEEP, "[[sweep.axis]]", "optics.layer.2.thickness_nm"),
    ("absorbing_emitting_layer", GOOD.replace("n = 1.70", "n = 1.70\nk = 0.05"),
     'emitting_layer = "EML"', "optics.emitting_layer"),
    ("missing_emitting_layer", GOOD.replace('emitting_layer = "EML"', 'emitting_layer = "EMX"'),
     'emitting_layer = "EMX"', "optics.emitting_layer"),
    ("emitter_outside_layer", GOOD.replace("zone_offset_nm = 5.0", "zone_offset_nm = 15.0"),
     "zone_offset_nm = 15.0", "optics.zone_offset_nm"),
    ("unknown_optics_key", GOOD.replace("zone_offset_nm = 5.0", "zone_ofset_nm = 5.0"),
     "zone_ofset_nm = 5.0", "optics.zone_ofset_nm"),
    ("thickness_on_last_layer", GOOD.replace('name = "cathode"', 'name = "cathode"\nthickness_nm = 100.0'),
     'thickness_nm = 100.0\nmaterial = "Al"', "optics.layer.3.thickness_nm"),
    ("bad_dipole", GOOD.replace('dipole = "MD"', 'dipole = "XD"'), 'dipole = "XD"', "lines.0.dipole"),
]


YB_OPTICS = """title = "Yb above silver"
[device]
current_density_mA_cm2 = 0.01
recombination_zone_nm = 1.0
outcoupling = 0.20
[ligand]
density_cm3 = 2.6e20
triplet_energy_eV = 2.90
[[dopant]]
ion = "Yb"
density_cm3 = 2.0e20
accepting_level = "2F5/2"
kTET_s = 1.0e9
[spectrum]
from_nm = 900.0
to_nm = 1000.0
step_nm = 1.0
[optics]
substrate = "none"
emitting_layer = "EML"
zone_offset_nm = 0.5
emitter_slices = 1
[[optics.layer]]
name = "silver"
n = 0.22
k = 6.43
[[optics.layer]]
name = "spacer"
thickness_nm = 20.0
n = 1.5
[[optics.layer]]
name = "EML"
thickness_nm = 2.0
n = 1.5
[[optics.layer]]
name = "air"
n = 1.0
"""


def line_of(text, fragment):
    return text[: text.index(fragment)].count("\n") + 1


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    work = pathlib.Path(a.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    failures = 0
    for name, text, fragment, key in CASES:
        cfg = work / f"{name}.toml"
        cfg.write_text(text)
        out = work / f"{name}.h5"
        r = subprocess.run([a.relsim, "run", str(cfg), "-o", str(out), "--quiet"],
                           capture_output=True, text=True)
        msg = r.stderr
        line = line_of(text, fragment)
        problems = []
        if r.returncode != 2:
            problems.append(f"exit code {r.returncode}, expected 2")
        if not re.search(re.escape(str(cfg)) + f":{line}\\b", msg):
            problems.append(f"no '{cfg}:{line}' in the message")
        if key not in msg:
            problems.append(f"key '{key}' not named")
        if out.exists() or pathlib.Path(str(out) + ".partial").exists():
            problems.append("an output file was written")
        rc = subprocess.run([a.relsim, "check", str(cfg)], capture_output=True, text=True).returncode
        if rc != 2:
            problems.append(f"relsim check exit code {rc}, expected 2")
        status = "ok" if not problems else "FAIL: " + "; ".join(problems)
        print(f"{name:28s} {status}\n    {msg.strip()}")
        failures += bool(problems)
    good = work / "good.toml"
    good.write_text(GOOD)
    out = work / "good.h5"
    r = subprocess.run([a.relsim, "run", str(good), "-o", str(out), "--quiet"], capture_output=True, text=True)
    if r.returncode != 0 or not out.exists() or "device.outcoupling is ignored" not in r.stdout:
        print("good config FAILED:", r.returncode, r.stdout, r.stderr)
        failures += 1
    else:
        print("good config ok (exit 0, file written, summary says device.outcoupling is ignored)")
    # Issue 21 item 16: a Yb device (level names 2F5/2, 2F7/2 carry '/') with [optics] runs; the
    # per-line factors are published under escaped names (Yb_2F5_2_2F7_2). A constant-index
    # mirror (n 0.22, k 6.43, Ag near 1000 nm [Rakic 1998]) as the shipped tables end at ~1000 nm.
    yb = work / "yb.toml"
    yb.write_text(YB_OPTICS)
    out = work / "yb.h5"
    r = subprocess.run([a.relsim, "run", str(yb), "-o", str(out), "--quiet"], capture_output=True, text=True)
    import h5py
    ok = r.returncode == 0 and out.exists()
    if ok:
        with h5py.File(out, "r") as f:
            names = list(f["results/optics/purcell"]) if "results/optics/purcell" in f else []
            ok = "Yb_2F5_2_2F7_2" in names and all(float(f["results/optics/purcell"][n][()]) > 0 for n in names)
    if not ok:
        print("Yb device with [optics] FAILED:", r.returncode, r.stdout, r.stderr)
        failures += 1
    else:
        print("Yb device with [optics] ok (exit 0, results/optics/purcell/Yb_2F5_2_2F7_2 > 0)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
