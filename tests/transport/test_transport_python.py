"""relsim.solve / relsim.sweep with [transport] (the Python interface): the same numbers as the
CLI's file, the transport figures and the profiles as an xarray Dataset."""
import os
import pathlib

import numpy as np
import pytest

relsim = pytest.importorskip("relsim")
xr = pytest.importorskip("xarray")

SOURCE = pathlib.Path(os.environ.get("RELSIM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
JVL = SOURCE / "configs" / "transport" / "tb_jvl.toml"


def test_solve_point_with_profiles():
    text = JVL.read_text()
    text = text[: text.index("[sweep]")].replace("nc_diameter_nm = 10.0", "nc_diameter_nm = 10.0\nsave_profiles = true")
    cfg = relsim.loads(text, base_dir=str(JVL.parent))
    r = relsim.solve(cfg)
    assert r.status == 0
    assert 0.0 < r.transfer_efficiency <= 1.0  # per exciton generated in the EML (slices weighted by G_k d_k)
    assert r.transport["voltage_V"] == 6.0
    assert r.transport["current_density_mA_cm2"] > 1.0
    assert abs(sum(r.fates.values()) - 1.0) < 1e-9
    assert 0.0 < r.fates["recombination_outside_eml"] < 1.0
    p = r.profiles
    assert isinstance(p, xr.Dataset) and p.sizes["position"] == 400 and p.sizes["edge"] == 5
    assert float(p["x_nm"][-1]) == pytest.approx(110.0)
    # the band gap inside every layer is LUMO - HOMO; psi drops by V - V_bi across the stack
    assert float(p["psi_V"][0] - p["psi_V"][-1]) == pytest.approx(6.0 - (5.2 - 3.0), abs=1e-9)


def test_sweep_over_thickness_and_voltage():
    cfg = relsim.load(str(JVL))
    ds = relsim.sweep(cfg, threads=2, axes={"transport.layer.2.thickness_nm": [10.0, 20.0],
                                             "device.voltage_V": [4.0, 5.0]})
    assert ds["current_density_mA_cm2"].dims == ("transport.layer.2.thickness_nm", "device.voltage_V")
    J = ds["current_density_mA_cm2"].values
    assert np.all(J[:, 1] > J[:, 0]) and np.all(J[0] > J[1])  # more voltage, thinner NC layer: more current
    assert np.all(ds["status"].values == 0)
