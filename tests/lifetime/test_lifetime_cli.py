#!/usr/bin/python3
"""[lifetime]/[inventory] on the command line (shared/spec/lifetime-inventory.md): bad input
exits with 2, names the file, the line and the key, and writes nothing; a good lifetime run
writes the /lifetime and /results/{lifetime,inventory} names and prints the summary lines;
`relsim check` describes both."""
import argparse, pathlib, shutil, subprocess, sys

# Shared config text (tests/fixtures/README.md): the Tb emitter and the [lifetime] rates.
FIXTURES = pathlib.Path(__file__).resolve().parents[1] / "fixtures"
GOOD = ("""title = "lifetime cli test"
[device]
current_density_mA_cm2 = 1.0
recombination_zone_nm = 20.0
""" + (FIXTURES / "tb_emitter.toml").read_text() + (FIXTURES / "lifetime_rates.toml").read_text() + """time_points = 20
[inventory]
price_usd_per_kg = { Tb = 1500.0 }
""")

# (name, text, text of the offending line, key fragment)
CASES = [
    ("negative_rate", GOOD.replace("kX_TP_cm3_s = 1.0e-22", "kX_TP_cm3_s = -1.0e-22"),
     "kX_TP_cm3_s = -1.0e-22", "lifetime.kX_TP_cm3_s"),
    ("stop_fraction_one", GOOD.replace("time_points = 20", "stop_fraction = 1.0"),
     "stop_fraction = 1.0", "lifetime.stop_fraction"),
    ("max_hours_zero", GOOD.replace("time_points = 20", "max_hours = 0.0"),
     "max_hours = 0.0", "lifetime.max_hours"),
    ("unknown_key", GOOD.replace("time_points = 20", "lt_hours = 3"), "lt_hours = 3", "lifetime.lt_hours"),
    ("negative_price", GOOD.replace("Tb = 1500.0", "Tb = -1.0"), "price_usd_per_kg", "inventory.price_usd_per_kg.Tb"),
    ("bad_thickness", GOOD.replace("recombination_zone_nm = 20.0", "recombination_zone_nm = 20.0\neml_thickness_nm = -3.0"),
     "eml_thickness_nm = -3.0", "device.eml_thickness_nm"),
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
    ap.add_argument("--python-dir", default="", help="folder of the relsim Python package (optional)")
    a = ap.parse_args()
    work = pathlib.Path(a.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    failures = []
    for name, text, fragment, key in CASES:
        cfg = work / f"{name}.toml"
        cfg.write_text(text)
        out = work / f"{name}.h5"
        r = subprocess.run([a.relsim, "run", str(cfg), "-o", str(out), "-q"], capture_output=True, text=True)
        msg = r.stderr
        where = f"{cfg}:{line_of(text, fragment)}:"
        if r.returncode != 2: failures.append(f"{name}: exit {r.returncode}, expected 2 ({msg.strip()})")
        if where not in msg: failures.append(f"{name}: message does not point at {where}: {msg.strip()}")
        if key not in msg: failures.append(f"{name}: message does not name {key}: {msg.strip()}")
        if out.exists() or pathlib.Path(str(out) + ".partial").exists():
            failures.append(f"{name}: an output file was written")
    # A good run: names of the contract and the summary lines.
    cfg = work / "good.toml"
    cfg.write_text(GOOD)
    r = subprocess.run([a.relsim, "run", str(cfg), "-o", str(work / "good.h5"), "-q"], capture_output=True, text=True)
    if r.returncode != 0: failures.append(f"good: exit {r.returncode}: {r.stderr}")
    for needle in ("inventory (EML 20 nm): Tb 8.445 mg m^-2", "lifetime (luminance", "LT50", "Delta u'v'"):
        if needle not in r.stdout: failures.append(f"good: summary lacks '{needle}':\n{r.stdout}")
    try:
        import h5py
        with h5py.File(work / "good.h5") as f:
            for p in ["lifetime/time_h", "lifetime/luminance_rel", "lifetime/eqe", "lifetime/cie_x",
                      "lifetime/cie_y", "lifetime/quencher_cm3", "results/lifetime/LT95_h",
                      "results/lifetime/LT50_h", "results/lifetime/LT50_reached",
                      "results/lifetime/colour_shift_duv_at_stop", "results/inventory/Tb_mg_m2",
                      "results/inventory/Tb_mg_per_klm", "results/inventory/Tb_mg_per_W",
                      "results/inventory/ion_turnover_per_s/Tb", "results/inventory/cost_usd_m2",
                      "results/inventory/cost_usd_per_klm", "lifetime/fates/defect_quenching_Tb"]:
                if p not in f: failures.append(f"good: {p} missing")
            if f["lifetime/time_h"].shape != (20,): failures.append(f"good: time_h shape {f['lifetime/time_h'].shape}")
            # /results is the t = 0 state (spec section 1): the lifetime series starts there.
            e0, e = float(f["lifetime/eqe"][0]), float(f["results/eqe"][()])
            if abs(e0 - e) > 1e-12 * e: failures.append(f"good: lifetime eqe[0] {e0!r} != results/eqe {e!r}")
            if float(f["lifetime/luminance_rel"][0]) != 1.0: failures.append("good: luminance_rel[0] != 1")
            L0, L = float(f["results/lifetime/L0"][()]), float(f["results/luminance_cd_m2"][()])
            if abs(L0 - L) > 1e-12 * L: failures.append(f"good: L0 {L0!r} != results/luminance_cd_m2 {L!r}")
    except ImportError:
        pass
    v = subprocess.run([a.relsim, "verify", str(work / "good.h5")], capture_output=True, text=True)
    if v.returncode != 0: failures.append(f"verify: {v.stdout} {v.stderr}")
    c = subprocess.run([a.relsim, "check", str(cfg)], capture_output=True, text=True)
    for needle in ("inventory: emitting layer 20 nm", "lifetime: constant current"):
        if needle not in c.stdout: failures.append(f"check lacks '{needle}'")
    # Python: relsim.solve gives r.inventory, relsim.sweep the lifetime series (as the CLI file).
    if a.python_dir and (pathlib.Path(a.python_dir) / "relsim" / "__init__.py").is_file():
        sys.path.insert(0, a.python_dir)
        try:
            import relsim
            r = relsim.solve(relsim.load(str(cfg)))
            if abs(r.inventory.get("Tb_mg_m2", 0.0) / 8.444856290605868 - 1.0) > 1e-12:
                failures.append(f"python: r.inventory = {r.inventory}")
            ds = relsim.sweep(relsim.load(str(cfg)), threads=1)
            if "lifetime/luminance_rel" not in ds or "results/lifetime/LT50_h" not in ds and "lifetime/LT50_h" not in ds:
                failures.append(f"python: lifetime variables missing: {list(ds.keys())[:60]}")
        except ImportError as e:
            print("note: relsim Python module not importable:", e)
    failures += microscopic_sweep_inventory(a.relsim, work)
    for f in failures: print("FAIL:", f)
    return 1 if failures else 0


def microscopic_sweep_inventory(relsim, work):
    """The microscopic inventory counts the ions of each sweep point's own lattice: a sweep of a
    doped core's thickness_nm gives at each point the Tb mg m^-2 of a single run of that point
    (the outer radii follow the swept thickness; they were once left at the config's values)."""
    src = (pathlib.Path(__file__).resolve().parents[2] / "configs/microscopic/inert_shell_series.toml").read_text()
    base = src.split("[sweep]")[0].replace("count = 8 ", "count = 2 ")
    base = base.replace("outer_radius_nm = 4.0\ncomposition = { Tb = 0.40 }", "thickness_nm = 2.0\ncomposition = { Tb = 0.40 }")
    base = base.replace("outer_radius_nm = 4.1\ncomposition = {}", "thickness_nm = 0.5\ncomposition = {}")
    if "thickness_nm = 2.0" not in base or "thickness_nm = 0.5" not in base:
        return ["microscopic inventory: could not derive the test config from inert_shell_series.toml"]
    sweep = base + '[sweep]\n[[sweep.axis]]\nkey = "nanocrystal.shell.0.thickness_nm"\nvalues = [2.0, 3.0]\n'
    runs = {"nc_sweep": sweep, "nc_t2": base, "nc_t3": base.replace("thickness_nm = 2.0", "thickness_nm = 3.0")}
    for name, text in runs.items():
        (work / f"{name}.toml").write_text(text)
        r = subprocess.run([relsim, "run", str(work / f"{name}.toml"), "-o", str(work / f"{name}.h5"), "-q"],
                           capture_output=True, text=True)
        if r.returncode != 0: return [f"microscopic inventory: {name} exit {r.returncode}: {r.stderr.strip()}"]
    try:
        import h5py
    except ImportError:
        return []
    key = "results/inventory/Tb_mg_m2"
    with h5py.File(work / "nc_sweep.h5", "r") as f:
        swept = [float(x) for x in f[key][()]]
    out = []
    for i, name in enumerate(("nc_t2", "nc_t3")):
        with h5py.File(work / f"{name}.h5", "r") as f:
            single = float(f[key][()])
        # Same lattice, same ions: the count is exact arithmetic on the same integers.
        if abs(swept[i] - single) > 1e-12 * single:
            out.append(f"microscopic inventory: sweep point {i} Tb {swept[i]!r} mg m^-2 != single run {single!r}")
    if not swept[1] > 2.0 * swept[0]:  # (3/2)^3 = 3.4x the core volume
        out.append(f"microscopic inventory: a thicker doped core should hold more Tb: {swept}")
    return out


if __name__ == "__main__":
    sys.exit(main())
