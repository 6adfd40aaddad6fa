"""Issue 21 item 18: the repr of a steady state whose emission is infrared (photometry_valid 0)
shows radiometric figures and says that cd m^-2 is left out, instead of an unflagged luminance."""
import os
import pathlib

import relsim

SOURCE = pathlib.Path(os.environ.get("RELSIM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))


def test_nir_repr_flags_photometry():
    cfg = relsim.load(SOURCE / "configs/paper/yb_9aca_nir.toml").with_sweep(None)
    r = relsim.solve(cfg)
    assert r.status == 0
    assert r.values["photometry_valid"] == 0.0
    text = repr(r)
    assert "cd m^-2 and CIE omitted" in text and "radiance=" in text
    assert "L=" not in text


def test_visible_repr_keeps_luminance():
    cfg = relsim.load(SOURCE / "configs/tb_device.toml").with_sweep(None)
    r = relsim.solve(cfg)
    assert r.values.get("photometry_valid", 1.0) == 1.0
    assert "cd m^-2>" in repr(r) and "omitted" not in repr(r)


def test_negative_threads_refused():
    # Issue 21 item 15: threads=-3 was accepted by relsim.sweep and relsim.fit.
    import pytest
    cfg = relsim.load(SOURCE / "configs/tb_device.toml")
    for bad in (-3, 1.5, True):
        with pytest.raises(ValueError, match="threads"):
            relsim.sweep(cfg, threads=bad)
        with pytest.raises(ValueError, match="threads"):
            relsim.fit(SOURCE / "configs/fit/tb_fit.toml", threads=bad)
