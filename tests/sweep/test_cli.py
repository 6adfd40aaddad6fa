#!/usr/bin/python3
"""The command line on bad input: every class of error exits with 2, names the file, the line,
the key and the allowed range, and writes no output file. Also: --help, check, exit 0."""
import argparse, pathlib, re, shutil, subprocess, sys

from relsim_test_support import TB_DEVICE as GOOD

# (name, text, expected line, key fragment, allowed-range fragment or None)
CASES = [
    ("unknown_key", GOOD.replace("singlet_fraction = 0.25", "singlet_fractoin = 0.25"), 4,
     "device.singlet_fractoin", None),
    ("missing_key", GOOD.replace("density_cm3 = 7.5e20\n", ""), 5, "ligand.density_cm3", None),
    ("wrong_type", GOOD.replace("kTET_s = 2.0e9", 'kTET_s = "fast"'), 12, "dopant.0.kTET_s", None),
    ("negative_rate", GOOD.replace("kTET_s = 2.0e9", "kTET_s = -2.0e9"), 12, "dopant.0.kTET_s", "[0"),
    ("fraction_above_1", GOOD.replace("singlet_fraction = 0.25", "singlet_fraction = 1.5"), 4,
     "device.singlet_fraction", "[0, 1]"),
    ("unknown_accepting_level", GOOD.replace('accepting_level = "5D4"', 'accepting_level = "5D9"'), 11,
     "dopant.0.accepting_level", None),
    ("transfer_unknown_ion", GOOD + '[[transfer]]\nfrom = "Tb:5D4"\nto = "Er:4S3"\nk_s = 1e4\n', 16,
     "transfer.0.to", None),
    ("unreadable_ion_file", GOOD.replace('ion = "Tb"', 'ion = "Tb"\nion_file = "missing/Tb.toml"'), 10,
     "dopant.0.ion_file", None),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--workdir", required=True)
    a = ap.parse_args()
    work = pathlib.Path(a.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    failures = 0
    for name, text, line, key, allowed in CASES:
        cfg = work / f"{name}.toml"
        cfg.write_text(text)
        out = work / f"{name}.h5"
        r = subprocess.run([a.relsim, "run", str(cfg), "-o", str(out), "--quiet"],
                           capture_output=True, text=True)
        msg = r.stderr
        problems = []
        if r.returncode != 2:
            problems.append(f"exit code {r.returncode}, expected 2")
        if not re.search(re.escape(str(cfg)) + f":{line}\\b", msg):
            problems.append(f"no '{cfg}:{line}' in the message")
        if key not in msg:
            problems.append(f"key '{key}' not named")
        if allowed and allowed not in msg:
            problems.append(f"allowed range '{allowed}' not stated")
        if out.exists() or pathlib.Path(str(out) + ".partial").exists():
            problems.append("an output file was written")
        status = "ok" if not problems else "FAIL: " + "; ".join(problems)
        print(f"{name:28s} {status}\n    {msg.strip()}")
        failures += bool(problems)

    good = work / "good.toml"
    good.write_text(GOOD)
    r = subprocess.run([a.relsim, "check", str(good)], capture_output=True, text=True)
    ok = r.returncode == 0 and "detailed balance" in r.stdout and "dopant.0.kTET_s" in r.stdout
    print(f"{'check':28s} {'ok' if ok else 'FAIL'}")
    failures += not ok
    for args in (["--help"], ["run", "--help"], ["check", "--help"]):
        r = subprocess.run([a.relsim] + args, capture_output=True, text=True)
        ok = r.returncode == 0 and "Usage" in (r.stdout + r.stderr)
        print(f"{' '.join(args):28s} {'ok' if ok else 'FAIL'}")
        failures += not ok
    r = subprocess.run([a.relsim, "run"], capture_output=True, text=True)
    print(f"{'run without config':28s} {'ok' if r.returncode == 2 else 'FAIL'}")
    failures += r.returncode != 2
    missing = work / "no_such_folder" / "out.h5"
    r = subprocess.run([a.relsim, "run", str(good), "-o", str(missing), "--quiet"],
                       capture_output=True, text=True)
    ok = r.returncode == 2 and "does not exist" in r.stderr and not missing.parent.exists()
    print(f"{'missing output folder':28s} {'ok' if ok else 'FAIL'}\n    {r.stderr.strip()}")
    failures += not ok
    print(f"{len(CASES) + 6 - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
