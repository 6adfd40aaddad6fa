"""`import relsim` against the `relsim` program: the same numbers bit for bit, checked keys,
located errors, a released GIL."""
import re
import threading
import time

import numpy as np
import pytest

import relsim
from conftest import SHIPPED, SOURCE, cli, file_datasets, same_bits

COORDS = {"results/line_labels": "line", "spectrum/wavelength_nm": "wavelength_nm",
          "transient/time_s": "time_s"}


def name_in_dataset(path, group=None):
    if group:
        return COORDS.get(path, path[len(group) + 1:])
    if path in COORDS:
        return COORDS[path]
    return path[len("results/"):] if path.startswith("results/") else path


def assert_dataset_equals_file(ds, h5, group=None):
    """Every dataset of the file (but the metadata groups) is in ds with the same bits."""
    n = 0
    for path, value in file_datasets(h5).items():
        if path.split("/")[0] in ("axes", "sweep", "config"):
            continue
        if group and not path.startswith(group + "/"):
            continue
        name = name_in_dataset(path, group)
        assert name in ds, f"{name} ({path}) missing from the Dataset"
        got = ds[name].values
        if value.dtype.kind in "OS":
            value = np.array([v.decode() if isinstance(v, bytes) else v for v in value.ravel()], dtype=object)
        assert same_bits(got, value), f"{path} differs"
        n += 1
    return n


def test_version_matches_cli():
    r = cli("--version", check=True)
    assert r.stdout.strip() == f"relsim {relsim.__version__}"


@pytest.mark.parametrize("config", SHIPPED, ids=lambda p: p.name)
def test_sweep_equals_cli_bit_for_bit(config, work):
    out = work / "cli.h5"
    cli("run", config, "-o", out, "-q", "-t", "2", check=True)
    cfg = relsim.load(config)
    ds = relsim.sweep(cfg, threads=1)
    n = assert_dataset_equals_file(ds, out)
    assert n >= 20
    # dims named by the axes (a zipped axis by all its keys joined with " + ", issue 21 item 20:
    # it was named by its first key), every key a coordinate, units everywhere
    for keys, _, values in cfg.sweep_axes:
        for k, v in zip(keys, values):
            assert same_bits(ds[k].values, v)
            assert ds[k].dims == (" + ".join(keys),)
    dims = [" + ".join(axis[0]) for axis in cfg.sweep_axes]
    assert list(ds["eqe"].dims) == dims
    import h5py
    with h5py.File(out, "r") as f:
        names = [f["axes"][str(a)].attrs["name"] for a in range(len(cfg.sweep_axes))]
    assert [n.decode() if isinstance(n, bytes) else n for n in names] == dims
    assert all("units" in ds[v].attrs for v in ds.variables)
    # open() reads the CLI's file into the same Dataset
    assert_dataset_equals_file(relsim.open(out), out)


@pytest.mark.parametrize("config", SHIPPED, ids=lambda p: p.name)
def test_solve_equals_cli_single_point(config, work):
    cfg = relsim.load(config)
    point = cfg.with_sweep(None)
    text = work / "point.toml"
    text.write_text(point.to_toml())
    out = work / "point.h5"
    # a copy next to the original, so the ion files resolve the same way
    cli("run", text, "-o", out, "-q", "--set", "spectrum.save=true", check=True)
    r = relsim.solve(cfg)
    data = file_datasets(out, "results")
    assert r.status == int(data["status"]) == 0
    for name, value in data.items():
        if name in ("status", "solver_method", "line_labels", "line_photon_rate"):
            continue
        assert same_bits(r.values[name], value), name
    assert same_bits(np.array(list(r.line_photon_rate.values())), data["line_photon_rate"])
    spec = file_datasets(out, "spectrum")
    assert same_bits(r.spectrum, spec["power"]) and same_bits(r.wavelength_nm, spec["wavelength_nm"])
    assert abs(sum(r.fates.values()) - 1.0) < 1e-9
    assert r.units["eqe"] == "1" and r.units["luminance_cd_m2"] == "cd m^-2"


def test_transient_equals_cli(work):
    config = SOURCE / "configs" / "paper" / "tb_czppoa_transient.toml"
    out = work / "tr.h5"
    cli("run", config, "-o", out, "-q", check=True)
    tr = relsim.transient(relsim.load(config))
    assert assert_dataset_equals_file(tr, out, group="transient") >= 5
    assert tr["photon_rate"].dims == ("time_s",) and tr["time_s"].attrs["units"] == "s"
    assert float(tr["rise_time_s"]) > 0 and float(tr["decay_time_s"]) > 0


def test_get_set_checked_like_the_file(work):
    cfg = relsim.load(SOURCE / "configs" / "tb_device.toml")
    assert cfg["device.current_density_mA_cm2"] == 10.0
    assert cfg["device.outcoupling"] == 0.2
    assert cfg["ligand.tta_singlet_yield"] == 0.0
    assert cfg["dopant.0.quench_s.5D4"] == 430.0
    assert cfg["dopant.0.lines.0.rate_s"] > 0          # from the ion file
    assert cfg["sweep.axis.0.points"] == 61 and cfg["title"].startswith("NaGd")
    with pytest.raises(KeyError):
        cfg["device.nothing"]
    before = cfg.to_toml()
    cfg2 = cfg.copy()
    cfg2["device.current_density_mA_cm2"] = 5.0
    cfg2["dopant.0.quench_s.5D3"] = 1.0e3               # a new key inside an inline table
    cfg2["ligand.kSS_cm3_s"] = 1e-12
    assert cfg2["device.current_density_mA_cm2"] == 5.0 and cfg2["dopant.0.quench_s.5D3"] == 1e3
    assert cfg.to_toml() == before                      # the copy is independent
    assert "# nominal J" in cfg2.to_toml()              # comments kept
    # the same value from the file gives the same model: the set text reloads identically
    again = relsim.loads(cfg2.to_toml(), base_dir=SOURCE / "configs")
    assert [p[1] for p in again.parameters()] == [p[1] for p in cfg2.parameters()]
    # a bad value raises at once, with the file's message, and leaves the config unchanged
    with pytest.raises(relsim.InputError) as e:
        cfg2["device.charge_balance"] = 1.7
    err = e.value
    assert isinstance(err, ValueError)
    assert err.key == "device.charge_balance" and err.file.endswith("tb_device.toml") and err.line == 17
    assert "(0, 1]" in str(err) and "tb_device.toml:17" in str(err)
    assert cfg2["device.charge_balance"] == 1.0
    # the same message as the file gives for the same value
    bad = work / "bad.toml"
    bad.write_text(before.replace("charge_balance = 1.0 ", "charge_balance = 1.7 "))
    r = cli("check", bad)
    assert r.returncode == 2
    problem = re.search(r"key 'device.charge_balance': (.*) \(allowed", r.stderr).group(1)
    assert err.problem.startswith(problem)
    with pytest.raises(relsim.InputError, match="integer"):
        cfg2["sweep.axis.0.points"] = 2.5
    with pytest.raises(relsim.InputError, match="unknown key"):
        cfg2["device.outcouplin"] = 0.3
    with pytest.raises(relsim.InputError, match="ion file"):
        cfg2["dopant.0.lines.0.rate_s"] = 1.0


def test_load_errors_carry_location(work):
    p = work / "broken.toml"
    text = (SOURCE / "configs" / "tb_device.toml").read_text().replace("kTET_s = 2.0e9", "kTET_s = -2.0e9")
    p.write_text(text)
    line = 1 + text[: text.index("kTET_s = -2.0e9")].count("\n")
    with pytest.raises(relsim.InputError) as e:
        relsim.load(p)
    assert (e.value.file, e.value.line, e.value.key) == (str(p), line, "dopant.0.kTET_s")
    r = cli("run", p, "-o", work / "x.h5")
    assert r.returncode == 2 and str(e.value) in r.stderr
    with pytest.raises(relsim.InputError) as e:
        relsim.loads("[device]\ncurrent_density_mA_cm2 = 1\n[ligand]\n", base_dir=work)
    assert e.value.line > 0 and "<string>" in e.value.file


def test_with_sweep_and_open_generic(work):
    cfg = relsim.load(SOURCE / "configs" / "eu_device.toml")
    J = [0.1, 1.0, 10.0]
    ds = relsim.sweep(cfg, axes={"device.current_density_mA_cm2": J, "device.outcoupling": [0.2, 0.3]})
    assert ds["eqe"].dims == ("device.current_density_mA_cm2", "device.outcoupling")
    assert list(ds["device.current_density_mA_cm2"].values) == J
    # each point equals solve() at that point's values... (cold start vs warm start may differ
    # in the last bits, so to 1e-12)
    c = cfg.copy()
    c["device.current_density_mA_cm2"] = 10.0
    c["device.outcoupling"] = 0.3
    r = relsim.solve(c)
    assert abs(float(ds["eqe"][2, 1]) - r.eqe) <= 1e-12 * r.eqe
    # EQE = outcoupling x IQE at every point
    assert np.allclose(ds["eqe"], ds["iqe"] * ds["device.outcoupling"], rtol=1e-14)


def test_gil_is_released_during_sweep():
    # a pulse at every point makes the sweep long enough to watch (~0.5 s)
    cfg = relsim.load(SOURCE / "configs" / "paper" / "tb_czppoa_transient.toml")
    cfg = cfg.with_sweep({"device.current_density_mA_cm2": np.linspace(1, 50, 200)})
    span = {}

    def work():
        span["start"] = time.perf_counter()
        relsim._relsim.run_to_file(cfg._c, span["path"], 1, "as_is", True)
        span["end"] = time.perf_counter()

    import tempfile, os
    with tempfile.TemporaryDirectory() as d:
        span["path"] = os.path.join(d, "gil.h5")
        t = threading.Thread(target=work)
        ticks = []
        t.start()
        while t.is_alive():
            ticks.append(time.perf_counter())
            time.sleep(0.001)
        t.join()
    start, end = span["start"], span["end"]
    inside = [s for s in ticks if start < s < end]
    assert end - start > 0.1, "the sweep is too short to test"
    gaps = np.diff([start] + inside + [end])
    # the main thread kept running while C++ worked: many ticks, no long stall
    assert len(inside) > 20 and gaps.max() < 0.25 * (end - start), (len(inside), gaps.max(), end - start)


def test_readme_notebook_example(work, monkeypatch):
    text = (SOURCE / "README.md").read_text()
    m = re.search(r"<!-- notebook example.*?-->\s*```python\n(.*?)```", text, re.S)
    assert m, "README has no marked notebook example"
    code = m.group(1)
    assert len(code.strip().splitlines()) == 5
    monkeypatch.chdir(SOURCE)
    ns = {}
    exec(compile(code, "README.md", "exec"), ns)
    ds = ns["ds"]
    assert float(ds["eqe"].max()) > 0.01 and ds["eqe"].dims == ("device.current_density_mA_cm2",)


def test_docstrings():
    for name in relsim.__all__:
        obj = getattr(relsim, name)
        if name != "__version__":
            assert obj.__doc__ and len(obj.__doc__) > 40, name
    assert "mA cm^-2" in relsim.solve.__doc__ and "cd m^-2" in relsim.solve.__doc__


def test_open_reads_groups_it_does_not_know(work):
    out = work / "tb.h5"
    cli("run", SOURCE / "configs" / "tb_device.toml", "-o", out, "-q", check=True)
    import h5py
    with h5py.File(out, "a") as f:  # as a later capability might add them
        n = f["results/eqe"].shape[0]
        d = f.create_dataset("optics/purcell_factor", data=np.linspace(1, 2, n))
        d.attrs["units"] = "1"
        f.create_dataset("optics/angle_deg", data=np.arange(5.0)).attrs["coordinate"] = 1
        f.create_dataset("optics/pattern", data=np.ones((n, 5))).attrs["units"] = "1"
        f.create_dataset("fit/parameters", data=np.array([1.0, 2.0, 3.0])).attrs["units"] = "1"
    ds = relsim.open(out)
    J = "device.current_density_mA_cm2"
    assert ds["optics/purcell_factor"].dims == (J,) and ds["optics/purcell_factor"].attrs["units"] == "1"
    assert ds["optics/pattern"].dims == (J, "angle_deg") and list(ds["angle_deg"].values) == list(range(5))
    assert ds["fit/parameters"].dims == ("fit/parameters_dim0",)
    opt = relsim.open(out, group="optics")
    assert set(opt.data_vars) == {"purcell_factor", "pattern"}
    with pytest.raises(KeyError):
        relsim.open(out, group="microscopic")


def test_without_xarray_dicts_of_numpy(work, monkeypatch):
    out = work / "tb.h5"
    cli("run", SOURCE / "configs" / "tb_device.toml", "-o", out, "-q", check=True)
    ds = relsim.open(out)
    monkeypatch.setattr(relsim._files, "xr", None)
    d = relsim.open(out)
    assert isinstance(d, dict) and isinstance(d["eqe"], np.ndarray)
    assert same_bits(d["eqe"], ds["eqe"].values)
    assert same_bits(d["device.current_density_mA_cm2"], ds["device.current_density_mA_cm2"].values)
    s = relsim.sweep(relsim.load(SOURCE / "configs" / "tb_device.toml"))
    assert isinstance(s, dict) and same_bits(s["fates/tta"], ds["fates/tta"].values)
    for f in (relsim.sweep, relsim.transient, relsim.open):
        assert "Without xarray: a dict of numpy arrays" in " ".join(f.__doc__.split()), f.__name__


def test_ctrl_c_stops_a_sweep_and_leaves_no_file(work):
    # a child Python runs a long sweep; SIGINT must raise KeyboardInterrupt within about a block
    import os, signal, subprocess, sys
    script = work / "long.py"
    script.write_text(f"""
import os, sys, tempfile, time
os.environ["RELSIM_TMPDIR"] = {str(work)!r}
import numpy as np, relsim
cfg = relsim.load({str(SOURCE / "configs" / "paper" / "tb_czppoa_transient.toml")!r})
cfg = cfg.with_sweep({{"device.current_density_mA_cm2": np.linspace(1, 50, 20000)}})
print("start", flush=True)
t = time.perf_counter()
try:
    relsim.sweep(cfg, threads=1)
    print("finished")
except KeyboardInterrupt:
    print(f"interrupted {{time.perf_counter() - t:.2f}}")
""")
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                         env=dict(os.environ))
    assert p.stdout.readline().strip() == "start"
    time.sleep(0.5)
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=60)
    assert out.startswith("interrupted"), out
    assert float(out.split()[1]) < 20  # 20000 pulses take minutes
    assert not [q for q in work.iterdir() if q.name.startswith("relsim-")]  # temp folder removed
