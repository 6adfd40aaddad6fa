#!/usr/bin/python3
"""[lifetime] + [transport] on the command line (docs/lifetime.md "With [transport]"): bad input
(a voltage drive, a contradictory device.eml_thickness_nm) exits with 2, names the file, the line,
both tables or both keys, and writes nothing; a good constant-current run writes /lifetime with
/lifetime/slices, prints the lifetime line, passes `relsim verify`; `relsim check` describes it;
relsim.open reads the slices."""
import argparse, pathlib, shutil, subprocess, sys

# Shared config text (tests/fixtures/README.md): the three-layer stack, the Tb emitter and the
# [lifetime] rates, read as written there.
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
STACK = "\n" + (FIXTURES / "transport_stack.toml").read_text()

GOOD = ("""title = "transport lifetime cli test"
[device]
current_density_mA_cm2 = 5.0
""" + (FIXTURES / "tb_emitter.toml").read_text() + (FIXTURES / "lifetime_rates.toml").read_text()
        + """max_hours = 1.0e7
time_points = 20
""" + STACK)

# (name, text, text of the offending line, what the message must name)
CASES = [
    ("voltage_drive", GOOD.replace("current_density_mA_cm2 = 5.0", "voltage_V = 6.0"),
     "voltage_V = 6.0", ["device.voltage_V", "[lifetime]", "[transport]", "constant current"]),
    ("voltage_sweep", GOOD.replace("current_density_mA_cm2 = 5.0", "voltage_V = 6.0")
     + '[sweep]\n[[sweep.axis]]\nkey = "device.voltage_V"\nvalues = [5.0, 6.0]\n',
     "voltage_V = 6.0", ["device.voltage_V", "not supported in this version"]),
    ("eml_thickness", GOOD.replace("current_density_mA_cm2 = 5.0", "current_density_mA_cm2 = 5.0\neml_thickness_nm = 30.0"),
     "eml_thickness_nm = 30.0", ["device.eml_thickness_nm", "transport.layer.1.thickness_nm"]),
]


def line_of(text, fragment):
    for i, line in enumerate(text.splitlines(), 1):
        if fragment in line:
            return i
    raise AssertionError(fragment)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--python-dir", default="")
    a = ap.parse_args()
    work = pathlib.Path(a.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    failures = []
    for name, text, fragment, needles in CASES:
        cfg = work / f"{name}.toml"
        cfg.write_text(text)
        out = work / f"{name}.h5"
        for cmd in (["run", str(cfg), "-o", str(out), "-q"], ["check", str(cfg)]):
            r = subprocess.run([a.relsim] + cmd, capture_output=True, text=True)
            msg = r.stderr
            where = f"{cfg}:{line_of(text, fragment)}:"
            if r.returncode != 2: failures.append(f"{name} {cmd[0]}: exit {r.returncode}, expected 2 ({msg.strip()})")
            if where not in msg: failures.append(f"{name} {cmd[0]}: message does not point at {where}: {msg.strip()}")
            for n in needles:
                if n not in msg: failures.append(f"{name} {cmd[0]}: message does not name {n}: {msg.strip()}")
        if out.exists() or pathlib.Path(str(out) + ".partial").exists() or any(work.glob(f"{name}.h5*")):
            failures.append(f"{name}: an output file was written")
    cfg = work / "good.toml"
    cfg.write_text(GOOD)
    r = subprocess.run([a.relsim, "run", str(cfg), "-o", str(work / "good.h5"), "-q"], capture_output=True, text=True)
    if r.returncode != 0: failures.append(f"good: exit {r.returncode}: {r.stderr}")
    for needle in ("inventory (EML 20 nm)", "lifetime (luminance", "LT50"):
        if needle not in r.stdout: failures.append(f"good: summary lacks '{needle}':\n{r.stdout}")
    try:
        import h5py
        with h5py.File(work / "good.h5") as f:
            for p in ["lifetime/slices/quencher_cm3", "lifetime/slices/position_nm", "lifetime/slices/width_nm",
                      "lifetime/slices/generation_cm3_s", "lifetime/slices/polaron_density_cm3",
                      "lifetime/slices/count", "lifetime/fates/recombination_outside_eml",
                      "lifetime/fates/no_recombination", "results/lifetime/LT50_h"]:
                if p not in f: failures.append(f"good: {p} missing")
            if f["lifetime/slices/quencher_cm3"].shape != (20, 2):
                failures.append(f"good: slices shape {f['lifetime/slices/quencher_cm3'].shape}")
            if f["lifetime/slices/position_nm"].attrs.get("units") not in (b"nm", "nm"):
                failures.append(f"good: position units {dict(f['lifetime/slices/position_nm'].attrs)}")
            if int(f["results/lifetime/LT50_reached"][()]) != 1: failures.append("good: LT50 not reached")
            if f["results/inventory/eml_thickness_nm"][()] != 20.0: failures.append("good: inventory thickness")
    except ImportError:
        pass
    v = subprocess.run([a.relsim, "verify", str(work / "good.h5")], capture_output=True, text=True)
    if v.returncode != 0: failures.append(f"verify: {v.stdout} {v.stderr}")
    c = subprocess.run([a.relsim, "check", str(cfg)], capture_output=True, text=True)
    for needle in ("[transport] emissive layer 'NC'", "[transport]: the stack solved once per point"):
        if needle not in c.stdout: failures.append(f"check lacks '{needle}': {c.stdout}")
    if a.python_dir and (pathlib.Path(a.python_dir) / "relsim" / "__init__.py").is_file():
        sys.path.insert(0, a.python_dir)
        try:
            import relsim
            ds = relsim.open(str(work / "good.h5"))
            if "lifetime/slices/quencher_cm3" not in ds:
                failures.append(f"python: slices missing: {list(ds.keys())[:80]}")
        except ImportError as e:
            print("note: relsim Python module not importable:", e)
    for f in failures: print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
