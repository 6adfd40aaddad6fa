"""[transport] as a stage of the device pipeline, through the CLI: with [optics] (the slices are
the emitters, configs/transport/tb_jvl_optics.toml), the populations / transfer_efficiency a
mean-field run writes, relsim fit refused, and a multi-unit sweep that is the same for 1 and 2
threads and after an interrupted run is resumed."""
import os
import pathlib
import shutil
import subprocess

import h5py
import numpy as np
import pytest

SOURCE = pathlib.Path(os.environ.get("RELSIM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EXE = os.path.abspath(os.environ.get("RELSIM_EXE", str(SOURCE / "build" / "bin" / "relsim")))
JVL = (SOURCE / "configs" / "transport" / "tb_jvl.toml").read_text()
JVL_OPTICS = (SOURCE / "configs" / "transport" / "tb_jvl_optics.toml").read_text()
Q = 1.602176634e-19


@pytest.fixture(autouse=True)
def ion_path(monkeypatch):
    monkeypatch.setenv("RELSIM_ION_PATH", str(SOURCE / "configs" / "ions"))


def cli(*args):
    return subprocess.run([EXE, *map(str, args)], capture_output=True, text=True)


def with_sweep(text, sweep):
    return text[: text.index("[sweep]")] + sweep


def run(tmp_path, text, out, *extra, name="t.toml"):
    cfg = tmp_path / name
    cfg.write_text(text)
    r = cli("run", cfg, "-o", tmp_path / out, "--quiet", *extra)
    assert r.returncode == 0, r.stdout + r.stderr
    return tmp_path / out


def units(ds):
    u = ds.attrs.get("units")
    return u.decode() if isinstance(u, bytes) else u


VOLTS = '[sweep]\n[[sweep.axis]]\nkey = "device.voltage_V"\nvalues = [0.0, 3.0, 5.0]\n'


def test_optics_slices_and_the_mean_field_outputs(tmp_path):
    h5 = run(tmp_path, with_sweep(JVL_OPTICS, VOLTS), "o.h5")
    # a mean-field run of the Tb device writes these /results datasets; so must a transport run
    mf = run(tmp_path, (SOURCE / "configs" / "tb_device.toml").read_text(), "mf.h5", name="mf.toml")
    with h5py.File(h5) as f, h5py.File(mf) as m:
        res = f["results"]
        names = set()
        m["results"].visit(lambda n: names.add(n) if isinstance(m["results"][n], h5py.Dataset) else None)
        # (inventory/*: the rare-earth inventory needs the emitting layer's thickness; with
        # [transport] that is another change, not this test's)
        missing = sorted(n for n in names if n not in res and not n.startswith("inventory/"))
        assert not missing, missing
        for n in names:
            if n.startswith(("populations/", "fates/")) or n == "transfer_efficiency":
                assert units(res[n]) == units(m["results"][n]), n
        assert np.all(res["status"][()] == 0)
        V = res["voltage_V"][()]
        lit = V > 0
        # [optics]: the slices' photons into air over those emitted; EQE = outcoupling x IQE
        oc = res["outcoupling"][()]
        assert np.all((oc[lit] > 0.05) & (oc[lit] < 0.6)) and oc[0] == 0.0
        np.testing.assert_allclose(res["eqe"][lit], oc[lit] * res["iqe"][lit], rtol=1e-12)
        # two slices of the 20 nm NC layer at 5 and 15 nm above its bottom (anode side on the glass)
        np.testing.assert_allclose(f["optics/position_nm"][()], [5.0, 15.0], rtol=1e-12)
        assert f["optics/purcell_ed"].shape[0] == 2
        # EQE x J/q = the photons counted into air
        J = res["current_density_mA_cm2"][()] * 10.0
        np.testing.assert_allclose(res["eqe"][lit] * J[lit] / Q, res["photon_flux_m2_s"][lit], rtol=1e-9)
        # fates per injected charge, with the charge recombining outside the EML and none: sum 1
        fates = sum(res["fates/" + n][()] for n in res["fates"])
        np.testing.assert_allclose(fates, 1.0, atol=1e-9)
        assert np.all(res["fates/recombination_outside_eml"][lit] > 0)
        # populations: EML means, positive when driven, 0 at zero current; transfer per exciton
        pops = [res["populations/" + n][()] for n in res["populations"]]
        assert all(np.all(p[lit] >= 0) for p in pops) and any(np.all(p[lit] > 0) for p in pops)
        te = res["transfer_efficiency"][()]
        assert np.all((te[lit] > 0) & (te[lit] <= 1.0)) and te[0] == 0.0
        # the optics acts: not the constant device.outcoupling = 0.20
        assert np.all(np.abs(oc[lit] - 0.20) > 1e-3)
    r = cli("check", tmp_path / "t.toml")
    assert r.returncode == 0, r.stderr
    assert "emitting layer 'NC' = [transport] emissive layer, 2 slice(s) at 5 15 nm" in r.stdout


def test_optics_thickness_mismatch_exit_2_names_both_tables(tmp_path):
    text = JVL_OPTICS.replace("thickness_nm = 20.0             # = transport layer NC",
                              "thickness_nm = 25.0             # = transport layer NC", 1)
    assert text != JVL_OPTICS
    cfg = tmp_path / "bad.toml"
    cfg.write_text(text)
    out = tmp_path / "never.h5"
    for args in (("run", cfg, "-o", out, "--quiet"), ("check", cfg)):
        r = cli(*args)
        assert r.returncode == 2, r.stdout + r.stderr
        assert "[optics]" in r.stderr and "[transport]" in r.stderr and "optics.layer.3.thickness_nm" in r.stderr
    assert not out.exists() and not pathlib.Path(str(out) + ".partial").exists()


def test_fit_of_a_transport_config_is_refused(tmp_path):
    point = JVL[: JVL.index("[sweep]")]
    (tmp_path / "m.toml").write_text(point)
    (tmp_path / "eqe.csv").write_text("current_density_mA_cm2,eqe\n1.0,0.05\n10.0,0.05\n")
    (tmp_path / "fit.toml").write_text(
        '[[model]]\nname = "m"\nconfig = "m.toml"\n[[data]]\nmodel = "m"\nkind = "eqe_vs_current"\n'
        'file = "eqe.csv"\n[[free]]\nkey = "dopant.0.quench_s.5D4"\nmin = 10.0\nmax = 1.0e4\nlog = true\n'
        'start = 300.0\n[fit]\nmultistart = 1\n')
    out = tmp_path / "fit.h5"
    r = cli("fit", tmp_path / "fit.toml", "-o", out)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "[transport]" in r.stderr and "relsim fit" in r.stderr
    assert not out.exists()


# Three work units (one per NC-layer thickness), each a voltage row solved by continuation.
UNITS = ('[sweep]\n[[sweep.axis]]\nkey = "transport.layer.2.thickness_nm"\nvalues = [10.0, 20.0, 30.0]\n'
         '[[sweep.axis]]\nkey = "device.voltage_V"\nvalues = [0.0, 2.5, 3.0, 4.0, 5.0]\n')


def datasets(path):
    out = {}
    with h5py.File(path) as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def assert_same(a, b, what):
    x, y = datasets(a), datasets(b)
    assert x.keys() == y.keys(), (what, set(x) ^ set(y))
    for n in x:
        xa, ya = np.asarray(x[n]), np.asarray(y[n])
        same = xa.tobytes() == ya.tobytes() if xa.dtype.kind in "fiub" else bool((xa == ya).all())
        assert same and xa.shape == ya.shape, (what, n)
    return len(x)


def test_sweep_threads_and_resume_are_bit_identical(tmp_path):
    text = with_sweep(JVL, UNITS)
    one = run(tmp_path, text, "one.h5", "-t", "1", "--block-points", "5")
    two = run(tmp_path, text, "two.h5", "-t", "2", "--block-points", "5")
    assert assert_same(one, two, "1 vs 2 threads") > 40
    with h5py.File(one) as f:
        assert np.all(f["results/status"][()] == 0)
        assert f["sweep/done"].size == 15
    # An interrupted run (as a kill leaves it): the .partial with the last two blocks not done and
    # their numbers lost; --resume computes them again and must give the uninterrupted file.
    cut = tmp_path / "cut.h5"
    partial = pathlib.Path(str(cut) + ".partial")
    shutil.copy(one, partial)
    with h5py.File(partial, "r+") as f:
        f.attrs["complete"] = np.int64(0)
        done = f["sweep/done"]
        d = done[()]
        d[5:] = 0
        done[...] = d
        for n, o in list(f["results"].items()):
            if isinstance(o, h5py.Dataset) and o.dtype.kind == "f" and o.shape[:1] == (3,):
                v = o[()]
                v[1:] = np.nan
                o[...] = v
    r = cli("run", tmp_path / "t.toml", "-o", cut, "--quiet", "-t", "2", "--block-points", "5", "--resume")
    assert r.returncode == 0, r.stdout + r.stderr
    assert cut.exists() and not partial.exists()
    assert assert_same(one, cut, "resumed vs uninterrupted") > 40


def test_optics_follows_a_thickness_swept_in_both_tables(tmp_path):
    sweep = ('[sweep]\n[[sweep.axis]]\nkeys = ["transport.layer.2.thickness_nm", "optics.layer.3.thickness_nm"]\n'
             'values = [[10.0, 30.0], [10.0, 30.0]]\n[[sweep.axis]]\nkey = "device.voltage_V"\nvalues = [4.0, 6.0]\n')
    h5 = run(tmp_path, with_sweep(JVL_OPTICS, sweep), "sw.h5", "-t", "2")
    with h5py.File(h5) as f:
        r = f["results"]
        assert np.all(r["status"][()] == 0)
        # one slice (10 nm) and three (30 nm) at other positions in another cavity: other factors
        p = r["optics/purcell/Tb_5D4_7F5"][()]
        assert abs(p[1, 0] / p[0, 0] - 1.0) > 1e-3
        np.testing.assert_allclose(r["eqe"][()], r["outcoupling"][()] * r["iqe"][()], rtol=1e-12)
    # the same thickness swept in [transport] only: refused, naming both tables
    one = sweep.replace('keys = ["transport.layer.2.thickness_nm", "optics.layer.3.thickness_nm"]',
                        'key = "transport.layer.2.thickness_nm"').replace("[[10.0, 30.0], [10.0, 30.0]]", "[10.0, 30.0]")
    cfg = tmp_path / "one.toml"
    cfg.write_text(with_sweep(JVL_OPTICS, one))
    r = cli("run", cfg, "-o", tmp_path / "never.h5", "--quiet")
    assert r.returncode == 2 and "[optics]" in r.stderr and "[transport]" in r.stderr, r.stderr
    assert not (tmp_path / "never.h5").exists()


# [transport] + [nanocrystal] engine = "linear" (docs/transport.md, "With [nanocrystal]"): a small
# Tb NC ensemble (3 NCs of 2 nm, 20 % Tb) in the NC layer of tb_jvl.toml, each slice driven by its
# own G_k and n_p,k. Two units (NC radius x voltage) so that 2 threads share the work.
NC_TABLE = """
[nanocrystal]
engine = "linear"
radius_nm = 2.0
count = 3
seed = 3
composition = { Tb = 0.20 }
[nanocrystal.ligand]
surface_density_nm2 = 1.0
standoff_nm = 0.5
r0_nm = 0.5
L_nm = 0.15
kTET0_s = { Tb = 1.0e10 }
"""
NC_SWEEP = ('[sweep]\n[[sweep.axis]]\nkey = "nanocrystal.radius_nm"\nvalues = [2.0, 2.5]\n'
            '[[sweep.axis]]\nkey = "device.voltage_V"\nvalues = [0.0, 5.0, 6.0]\n')


def test_linear_nanocrystal_slices_budget_and_threads(tmp_path):
    base = with_sweep(JVL, NC_SWEEP)
    text = base.replace("[spectrum]", NC_TABLE + "\n[spectrum]")
    one = run(tmp_path, text, "nc1.h5", "-t", "1")
    two = run(tmp_path, text, "nc2.h5", "-t", "2")
    assert assert_same(one, two, "1 vs 2 threads") > 40
    # the mean-field emitter on the same stack and voltages (a one-value first axis: no /summary
    # root finding, which a voltage-only sweep adds)
    volts = ('[sweep]\n[[sweep.axis]]\nkey = "device.temperature_K"\nvalues = [300.0]\n'
             '[[sweep.axis]]\nkey = "device.voltage_V"\nvalues = [0.0, 5.0, 6.0]\n')
    mf = run(tmp_path, with_sweep(JVL, volts), "mf.h5", name="mf.toml")
    with h5py.File(one) as f, h5py.File(mf) as m:
        assert f.attrs["model"] in (b"microscopic", "microscopic") and f.attrs["engine"] in (b"linear", "linear")
        res, ref = f["results"], m["results"]
        assert np.all(res["status"][()] == 0)
        np.testing.assert_array_equal(ref["voltage_V"][0], [0.0, 5.0, 6.0])
        # the microscopic model's fates, plus the transport terms: they sum to 1 at every point
        assert "fates/ligand_blocked" in res and "fates/Tb_surface_quenching" in res
        fates = sum(res["fates/" + n][()] for n in res["fates"])
        np.testing.assert_allclose(fates, 1.0, atol=1e-9)
        # the charge recombining outside the NC layer (and none) is the stack's: the emitter does
        # not change it (the same solved stack as the mean-field run, each radius)
        for n in ("fates/recombination_outside_eml", "fates/no_recombination", "current_density_mA_cm2",
                  "charge_balance"):
            for r in range(2):
                np.testing.assert_allclose(res[n][r], ref[n][0], rtol=1e-12, atol=1e-15, err_msg=n)
        lit = res["voltage_V"][0] > 0
        assert np.all(res["fates/recombination_outside_eml"][0][lit] > 0)
        eqe = res["eqe"][()]
        assert np.all(eqe[:, lit] > 0) and np.all(eqe[:, 0] == 0)
        assert np.all(eqe[0, lit] != eqe[1, lit])  # the radius acts
        # EQE = outcoupling (0.20) x IQE; the ensemble's standard error is published
        np.testing.assert_allclose(eqe, 0.2 * res["iqe"][()], rtol=1e-12)
        assert np.all(res["eqe_stderr"][()][:, lit] > 0)


def test_kmc_nanocrystal_with_transport_is_refused(tmp_path):
    text = JVL.replace("[spectrum]", NC_TABLE.replace('"linear"', '"kmc"') + "\n[spectrum]")
    cfg = tmp_path / "k.toml"
    cfg.write_text(text)
    r = cli("run", cfg, "-o", tmp_path / "k.h5", "--quiet")
    assert r.returncode == 2, r.stdout + r.stderr
    assert "[transport]" in r.stderr and "[nanocrystal] engine" in r.stderr and "stochastic" in r.stderr
    assert not (tmp_path / "k.h5").exists() and not (tmp_path / "k.h5.partial").exists()
