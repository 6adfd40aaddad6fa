"""The command-line conveniences, each through the CLI and through Python: --set, --force,
a refused CSV output, export --csv, the roll-off summary, ions, init, the rerun record in the
result file, --version and run --help."""
import csv
import math
import re

import h5py
import numpy as np
import pytest

import relsim
from conftest import SOURCE, cli, file_datasets, same_bits

TB = SOURCE / "configs" / "tb_device.toml"


def test_set_equals_python_set_bit_for_bit(work):
    out = work / "set.h5"
    r = cli("run", TB, "-o", out, "-q", "--set", "device.recombination_zone_nm=10",
            "--set", "dopant.0.quench_s.5D3 = 1000.0", "--set", "device.outcoupling=0.25", check=True)
    cfg = relsim.load(TB)
    cfg["device.recombination_zone_nm"] = 10
    cfg["dopant.0.quench_s.5D3"] = 1e3
    cfg["device.outcoupling"] = 0.25
    ds = relsim.sweep(cfg)
    f = file_datasets(out, "results")
    for name in ("eqe", "iqe", "fates/tta", "populations/Tb_5D4", "luminance_cd_m2"):
        assert same_bits(ds[name].values, f[name]), name
    # the stored config text is the overridden one: it reruns to the same file
    with h5py.File(out) as h:
        text = h.attrs["config_toml"]
    assert text == cfg.to_toml()
    assert "recombination_zone_nm = 10" in text and "# assumed: typical OLED" in text
    # and the overrides reached the physics: EQE = outcoupling x IQE with the new outcoupling
    assert np.allclose(f["eqe"], 0.25 * f["iqe"], rtol=1e-14, atol=0)
    assert "Roll-off" in r.stdout


@pytest.mark.parametrize("assignment, key, fragment", [
    ("device.charge_balance=1.7", "device.charge_balance", "(allowed: (0, 1])"),
    ("ligand.tta_singlet_yield=2", "ligand.tta_singlet_yield", "(allowed: [0, 0.5])"),
    ("device.outcouplin=0.3", "device.outcouplin", "unknown key 'outcouplin'"),
    ("sweep.axis.0.points=2.5", "sweep.axis.0.points", "integer"),
    ("dopant.0.lines.0.rate_s=5", "dopant.0.lines.0.rate_s", "ion file"),
    ("nonsense", "", "has no '='"),
])
def test_set_is_checked_like_the_file(work, assignment, key, fragment):
    out = work / "bad.h5"
    r = cli("run", TB, "-o", out, "-q", "--set", assignment)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr and (not key or f"key '{key}'" in r.stderr)
    assert "--set" in r.stderr
    assert not out.exists() and not (work / "bad.h5.partial").exists()
    if "=" in assignment:
        k, v = assignment.split("=")
        cfg = relsim.load(TB)
        with pytest.raises(relsim.InputError) as e:
            cfg[k] = float(v)
        assert fragment in str(e.value)


def test_set_error_keeps_the_file_line(work):
    r = cli("check", TB, "--set", "device.charge_balance=1.7")
    line = 1 + TB.read_text()[: TB.read_text().index("charge_balance =")].count("\n")
    assert r.returncode == 2 and f"tb_device.toml:{line}:" in r.stderr


def test_no_silent_overwrite_and_force(work):
    out = work / "a.h5"
    cli("run", TB, "-o", out, "-q", check=True)
    stamp = out.stat().st_mtime_ns
    r = cli("run", TB, "-o", out, "-q")
    assert r.returncode == 2 and "exists already" in r.stderr and "--force" in r.stderr
    assert out.stat().st_mtime_ns == stamp
    cli("run", TB, "-o", out, "-q", "--force", check=True)
    assert out.stat().st_mtime_ns != stamp


@pytest.mark.parametrize("name", ["x.csv", "x.CSV", "x.txt", "x.json"])
def test_csv_output_is_refused(work, name):
    r = cli("run", TB, "-o", work / name, "-q")
    assert r.returncode == 2 and "relsim export" in r.stderr
    assert not any(work.iterdir())


def read_csv(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def test_export_csv_round_trips_with_units(work):
    out = work / "tb.h5"
    cli("run", TB, "-o", out, "-q", check=True)
    r = cli("export", out, "--csv", work / "csv", check=True)
    assert "results.csv" in r.stdout
    header, rows = read_csv(work / "csv" / "results.csv")
    ds = relsim.open(out)
    assert header[0] == "point" and header[1] == "device.current_density_mA_cm2 [mA cm^-2]"
    assert "eqe [1]" in header and "luminance_cd_m2 [cd m^-2]" in header and "fates/tta [1]" in header
    assert len(rows) == ds.sizes["device.current_density_mA_cm2"]
    col = {h.split(" [")[0]: i for i, h in enumerate(header)}
    for name in ("eqe", "luminance_cd_m2", "fates/tta", "device.current_density_mA_cm2", "status"):
        got = np.array([float(row[col[name]]) for row in rows])
        assert same_bits(got, ds[name].values.astype(float)), name  # 17 digits: exact
    h2, lines = read_csv(work / "csv" / "line_photon_rate.csv")
    assert h2[-2:] == ["line", "line_photon_rate [cm^-3 s^-1]"]
    assert len(lines) == ds["line_photon_rate"].size
    # refuses to replace, --force replaces; --format csv -o DIR is the same; Python the same
    assert cli("export", out, "--csv", work / "csv").returncode == 2
    cli("export", out, "--csv", work / "csv", "--force", check=True)
    cli("export", out, "--format", "csv", "-o", work / "csv2", check=True)
    relsim.export_csv(out, work / "csv3")
    for d in ("csv2", "csv3"):
        assert (work / d / "results.csv").read_text() == (work / "csv" / "results.csv").read_text()
    assert cli("export", work / "missing.h5", "--csv", work / "c").returncode == 2


def test_export_spectrum_and_transient(work):
    out = work / "tr.h5"
    cli("run", SOURCE / "configs" / "paper" / "tb_czppoa_transient.toml", "-o", out, "-q", check=True)
    relsim.export_csv(out, work / "c")
    h, rows = read_csv(work / "c" / "transient.csv")
    tr = relsim.open(out, group="transient")
    assert h[:2] == ["point", "time_s [s]"] and "photon_rate [cm^-3 s^-1]" in h
    assert same_bits(np.array([float(r[h.index("photon_rate [cm^-3 s^-1]")]) for r in rows]),
                     tr["photon_rate"].values)
    h, rows = read_csv(work / "c" / "spectrum.csv")
    assert h[1:] == ["wavelength_nm [nm]", "power [W m^-2 nm^-1]"]


def rolloff_reference(J, eqe, L):
    """The definitions written out independently (numpy): peak, then first crossings."""
    order = np.argsort(J)
    J, eqe, L = J[order], eqe[order], L[order]
    k = int(np.argmax(eqe))
    out = {"peak_eqe": eqe[k], "peak_J_mA_cm2": J[k]}
    for level, name in ((0.9, "J90_mA_cm2"), (0.5, "J50_mA_cm2")):
        below = np.nonzero(eqe[k:] <= level * eqe[k])[0]
        out[name] = None
        if below.size:
            i = k + below[0]
            x = np.interp(level * eqe[k], [eqe[i], eqe[i - 1]], [np.log(J[i]), np.log(J[i - 1])])
            out[name] = float(np.exp(x))
    for target, name in ((100.0, "eqe_at_100_cd_m2"), (1000.0, "eqe_at_1000_cd_m2")):
        above = np.nonzero(L >= target)[0]
        out[name] = None
        if above.size and above[0] > 0:
            i = above[0]
            out[name] = float(np.interp(np.log(target), np.log(L[i - 1:i + 1]), eqe[i - 1:i + 1]))
    return out


def test_rolloff_summary_cli_and_python(work):
    out = work / "roll.h5"
    # a strong TTA so that the roll-off reaches J50 inside the sweep
    r = cli("run", TB, "-o", out, "-q", "--set", "ligand.kTT_cm3_s=1e-8", check=True)
    ds = relsim.open(out)
    got = relsim.rolloff(ds)
    ref = rolloff_reference(ds["device.current_density_mA_cm2"].values, ds["eqe"].values,
                            ds["luminance_cd_m2"].values)
    for k, v in ref.items():
        assert v is not None and got[k] is not None, k
        assert math.isclose(got[k], v, rel_tol=1e-12), (k, got[k], v)
    assert got["J50_mA_cm2"] > got["J90_mA_cm2"] > got["peak_J_mA_cm2"]
    text = r.stdout
    assert "Roll-off over J" in text
    m = re.search(r"peak EQE ([\d.e+-]+) % at J = ([\d.e+-]+) mA cm\^-2", text)
    assert math.isclose(float(m.group(1)), 100 * got["peak_eqe"], rel_tol=1e-3)
    for name in ("J90", "J50"):
        m = re.search(name + r" \(EQE = \d+ % of peak\) = ([\d.e+-]+) mA cm\^-2", text)
        assert math.isclose(float(m.group(1)), got[name + "_mA_cm2"], rel_tol=1e-3), name
    for L in ("100", "1000"):
        m = re.search(rf"EQE at {L} cd m\^-2 = ([\d.e+-]+) %", text)
        assert math.isclose(float(m.group(1)), 100 * got[f"eqe_at_{L}_cd_m2"], rel_tol=1e-3)


def test_rolloff_closed_form():
    # EQE = 2x/(1+x^2), x = J/J0: peak 1 at J0, EQE = f at x = (1 + sqrt(1 - f^2))/f above it;
    # L = 1000 J / J0 cd m^-2 reaches 100 at x = 0.1 (EQE 0.2/1.01) and 1000 at x = 1 (EQE 1)
    J0 = 3.0
    J = np.logspace(-3, 3, 6001) * J0
    x = J / J0
    got = relsim.rolloff(J, 2 * x / (1 + x**2), 1000 * x, np.zeros(J.size, np.int32))
    assert math.isclose(got["peak_J_mA_cm2"], J0, rel_tol=1e-12) and got["peak_eqe"] == 1.0
    for f, name in ((0.9, "J90_mA_cm2"), (0.5, "J50_mA_cm2")):
        assert math.isclose(got[name], J0 * (1 + math.sqrt(1 - f * f)) / f, rel_tol=1e-5), name
    assert math.isclose(got["eqe_at_100_cd_m2"], 0.2 / 1.01, rel_tol=1e-5)
    assert math.isclose(got["eqe_at_1000_cd_m2"], 1.0, rel_tol=1e-5)
    # failed points are ignored
    status = np.zeros(J.size, np.int32)
    status[3000] = 1
    assert relsim.rolloff(J, 2 * x / (1 + x**2), 1000 * x, status)["peak_J_mA_cm2"] != J[3000]


def test_rolloff_not_reached_is_said(work):
    out = work / "low.h5"
    r = cli("run", TB, "-o", out, "-q", "--set", "sweep.axis.0.to=1.0", check=True)
    assert "J50 not reached" in r.stdout and "EQE at 1000 cd m^-2: not reached" in r.stdout
    got = relsim.rolloff(relsim.open(out))
    assert got["J50_mA_cm2"] is None and got["eqe_at_1000_cd_m2"] is None
    # no roll-off lines for a sweep that is not over J
    r = cli("run", SOURCE / "configs" / "paper" / "tb_eu_colour_series.toml", "-o", work / "c.h5", "-q", check=True)
    assert "Roll-off" not in r.stdout


def test_ions_cli_and_python():
    r = cli("ions", check=True)
    lib = relsim.ions()
    names = [i["ion"] for i in lib]
    assert {"Tb", "Eu"} <= set(names)
    tb = lib[names.index("Tb")]
    assert [n for n, _ in tb["levels"]] == ["5D4", "5D3"] and tb["references"]
    assert "Tb  (" in r.stdout and "level 5D4" in r.stdout and "sources:" in r.stdout
    for ref in tb["references"]:
        assert ref in r.stdout
    assert any(abs(line["wavelength_nm"] - 544) < 5 for line in tb["lines"])


def test_init_writes_a_valid_commented_config(work):
    r = cli("init", "my_device", cwd=work, check=True)
    path = work / "my_device.toml"
    text = path.read_text()
    assert text == relsim.template("my_device")
    assert text.count("#") > 20 and 'title = "my_device"' in text
    cfg = relsim.load(path)
    assert cfg.has_sweep and cfg["dopant.0.ion"] == "Tb"
    assert cli("check", path).returncode == 0
    assert cli("init", "my_device", cwd=work).returncode == 2          # not overwritten
    assert cli("init", "my_device", "--force", cwd=work).returncode == 0
    del r


def optional_blocks(text):
    """The optional tables the modules add to the starting config: {table: block text with the
    leading '# ' of each line removed} (each block: '## ' header lines, then '# ' lines)."""
    blocks, name, lines = {}, None, []
    for line in text.splitlines() + [""]:
        if line.startswith("## Optional ["):
            if name:
                blocks[name] = "\n".join(lines) + "\n"
            name, lines = line[len("## Optional ["):].split("]")[0], []
        elif name and line.startswith("## "):
            continue
        elif name and line.startswith("# "):
            lines.append(line[2:])
        elif name:
            blocks[name] = "\n".join(lines) + "\n"
            name, lines = None, []
    return blocks


def test_init_offers_every_module_table_and_each_one_validates(work):
    """relsim init lists the optional table of every module that registered one (optics,
    nanocrystal, transport, lifetime); uncommenting any one of them gives a config that relsim
    check accepts and that has that table."""
    base = relsim.template("blocks")
    blocks = optional_blocks(base)
    assert set(blocks) == {"optics", "nanocrystal", "transport", "lifetime"}
    # what the transport block's header says to remove: the [device] keys the stack computes
    computed = ("recombination_zone_nm", "charge_balance", "langevin_cm3_s")
    assert all(k in base.split("## Optional [transport]")[1].split("# [transport]")[0]
               for k in computed)
    for name, block in blocks.items():
        assert block.startswith(f"[{name}]")
        path = work / f"with_{name}.toml"
        text = base
        if name == "transport":
            text = "\n".join(line for line in base.splitlines()
                              if not line.startswith(computed)) + "\n"
        path.write_text(text + "\n" + block)
        r = cli("check", path)
        assert r.returncode == 0, (name, r.stdout, r.stderr)
        assert f"[{name}" in path.read_text()
    # the blocks are commented out: the plain starting config has none of these tables
    text = base.splitlines()
    assert not any(line.startswith(("[optics]", "[nanocrystal]", "[transport]", "[lifetime]"))
                   for line in text)


def test_result_file_stores_what_a_rerun_needs(work):
    out = work / "eu.h5"
    config = SOURCE / "configs" / "eu_device.toml"
    cli("run", config, "-o", out, "-q", check=True)
    cfg = relsim.load(config)
    with h5py.File(out) as f:
        assert f.attrs["config_toml"] == config.read_text()
        paths = list(f["config/ion_files/path"].asstr()[()])
        texts = list(f["config/ion_files/text"].asstr()[()])
        keys = list(f["config/resolved/key"].asstr()[()])
        values = f["config/resolved/value"][()]
        origins = list(f["config/resolved/origin"].asstr()[()])
    assert dict(zip(paths, texts)) == cfg.ion_files and len(paths) == 2
    for p, t in zip(paths, texts):
        assert open(p).read() == t
    params = cfg.parameters()
    assert keys == [p[0] for p in params] and same_bits(values, np.array([p[1] for p in params]))
    assert origins == [p[3] for p in params]
    assert "ion file" in origins and "default" in origins
    cfgds = relsim.open(out, group="config")
    assert list(cfgds["resolved/key"].values) == keys


def test_run_help_lists_every_option_with_an_example():
    r = cli("run", "--help", check=True)
    for opt in ("--output", "--resume", "--threads", "--quiet", "--block-points", "--set", "--force"):
        assert opt in r.stdout, opt
    assert "Examples:" in r.stdout and "relsim run configs/tb_device.toml" in r.stdout
    assert "--set device." in r.stdout
    for sub in ("export", "ions", "init"):
        h = cli(sub, "--help", check=True).stdout
        assert "Example" in h, sub


def test_override_edits_keep_the_file_and_its_line_numbers(work):
    text = (SOURCE / "configs" / "tb_device.toml").read_text()
    bad = text.replace("kTET_s = 2.0e9", "kTET_s = -2.0e9")
    cfg_path = work / "tb.toml"
    cfg_path.write_text(bad)
    (work / "ions").symlink_to(SOURCE / "configs" / "ions")
    line = 1 + bad[: bad.index("kTET_s = -2.0e9")].count("\n")
    # a new key inserted above the error (a new line under [[dopant]]) and a replaced value: the
    # error is still reported at its line of the file
    r = cli("check", cfg_path, "--set", "dopant.0.kBT_s=1.0", "--set", "device.outcoupling=0.3",
            "--set", "title=renamed")
    assert r.returncode == 2 and f"tb.toml:{line}:" in r.stderr and "dopant.0.kTET_s" in r.stderr
    # Python: the edited text is the file's text plus exactly the new lines / values
    cfg = relsim.load(SOURCE / "configs" / "tb_device.toml")
    cfg["dopant.0.kBT_s"] = 1e3                       # absent from the file: inserted
    cfg["dopant.0.quench_s.5D3"] = 5.0                # absent from an inline table: added in it
    cfg["device.outcoupling"] = 0.3                   # present: replaced in place
    new = cfg.to_toml().splitlines()
    old = text.splitlines()
    assert len(new) == len(old) + 1
    assert new[new.index("[[dopant]]") + 1] == "kBT_s = 1000.0"
    assert any(l.startswith('quench_s = { "5D4" = 430.0 , 5D3 = 5.0 }') for l in new)
    assert any(l.startswith("outcoupling = 0.3 ") and "# assumed" in l for l in new)
    assert cfg["dopant.0.kBT_s"] == 1e3 and cfg["dopant.0.quench_s.5D3"] == 5.0
    assert [p[1] for p in cfg.parameters() if p[0] == "dopant.0.kBT_s"] == [1e3]
