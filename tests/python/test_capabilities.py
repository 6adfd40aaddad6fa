"""The Python faces of the capabilities that landed after the module: relsim.fit (the C++ fit of
`relsim fit`), and result files of [optics] and [nanocrystal] runs read by relsim.open. Each is
compared bit for bit with what the CLI writes. The /lifetime/slices datasets of a [lifetime] +
[transport] run get named dimensions."""
import numpy as np
import pytest

import relsim
from conftest import SOURCE, cli, file_datasets, same_bits


def test_fit_equals_cli_bit_for_bit(tmp_path):
    fit_toml = SOURCE / "configs" / "fit" / "tb_fit.toml"
    out = tmp_path / "cli_fit.h5"
    cli("fit", fit_toml, "-o", out, "--threads", "1", "-q", check=True)
    ref = file_datasets(out, "fit")
    r = relsim.fit(str(fit_toml), threads=1)
    assert r.keys == [k.decode() if isinstance(k, bytes) else str(k) for k in ref["keys"]]
    for name in ("values", "stderr", "covariance", "correlation", "identifiable"):
        assert same_bits(getattr(r, name), ref[name]), name
    assert r.chi2 == float(ref["chi2"]) and r.dof == int(ref["dof"])
    assert len(r.data) == sum(1 for k in ref if k.startswith("data/") and k.endswith("/residual"))
    for i, d in enumerate(r.data):
        assert same_bits(d["residual"], ref[f"data/{i}/residual"])
    # the fitted config runs (as `relsim run` would) and the summary names every key
    assert set(r.configs) == {"tb"}
    relsim.loads(r.configs["tb"], base_dir=str(fit_toml.parent))
    for k in r.keys:
        assert k in r.summary


def test_fit_from_text_resolves_paths_from_base_dir():
    fit_toml = SOURCE / "configs" / "fit" / "tb_fit.toml"
    r_text = relsim.fit(fit_toml.read_text(), threads=1, base_dir=str(fit_toml.parent))
    r_file = relsim.fit(str(fit_toml), threads=1)
    assert same_bits(r_text.values, r_file.values)


def test_fit_bad_input_carries_its_location(tmp_path):
    bad = tmp_path / "bad_fit.toml"
    bad.write_text('[[model]]\nname = "tb"\nconfig = "missing.toml"\n\n[[free]]\nkey = "device.outcoupling"\n'
                   'min = 0.5\nmax = 0.1\n')
    with pytest.raises(relsim.InputError) as e:
        relsim.fit(str(bad))
    assert e.value.file.endswith("bad_fit.toml") and e.value.line > 0
    assert isinstance(e.value, ValueError)


@pytest.mark.parametrize("config", ["notebooks/configs/small_optics_etl.toml",
                                    "tests/nanocrystal_config/data/small_el_sweep.toml"])
def test_capability_results_through_open_equal_the_file(config, tmp_path):
    out = tmp_path / "run.h5"
    cli("run", SOURCE / config, "-o", out, "-q", "-t", "1", check=True)
    ref = file_datasets(out)
    group = "optics" if "optics" in config else "microscopic"
    d = relsim.open(str(out), group=group)
    names = [k for k in ref if k.startswith(group + "/") and np.asarray(ref[k]).dtype.kind == "f"]
    assert names, f"the file has no /{group} datasets"
    for k in names:
        short = k[len(group) + 1:]
        name = short if short in d.variables else short.rsplit("/", 1)[-1]  # coordinates: last part
        v = d[name]
        assert same_bits(np.asarray(v), ref[k]), k


def test_lifetime_slices_have_named_dimensions(tmp_path):
    """[lifetime] + [transport] (the shipped study, 6 output times, swept over two currents):
    /lifetime/slices is sweep x time x slice; relsim.open names the time by the /lifetime
    coordinate and the slice dimension "slice" (SLICE_GROUPS of relsim/_files.py)."""
    text = (SOURCE / "configs" / "lifetime" / "tb_transport_lifetime.toml").read_text()
    assert "time_points = 200" in text
    text = text.replace("time_points = 200", "time_points = 6")
    text += '\n[sweep]\n[[sweep.axis]]\nkey = "device.current_density_mA_cm2"\nvalues = [2.0, 5.0]\n'
    cfg = tmp_path / "slices.toml"  # the ion files: the build's configs/ions
    out = tmp_path / "slices.h5"
    cfg.write_text(text)
    cli("run", cfg, "-o", out, "-q", "-t", "1", check=True)
    ref = file_datasets(out, "lifetime")
    assert ref["slices/quencher_cm3"].shape == (2, 6, 2)  # 20 nm EML / 10 nm NC diameter
    d = relsim.open(str(out))
    axis = "device.current_density_mA_cm2"
    assert d["lifetime/slices/quencher_cm3"].dims == (axis, "time_over_stop", "slice")
    for name in ("position_nm", "width_nm", "generation_cm3_s", "polaron_density_cm3"):
        assert d[f"lifetime/slices/{name}"].dims == (axis, "slice"), name
    assert d["lifetime/slices/count"].dims == (axis,)
    assert d["lifetime/quencher_cm3"].dims == (axis, "time_over_stop")  # the rest as before
    assert same_bits(np.asarray(d["time_over_stop"]), ref["time_over_stop"])
    assert same_bits(np.asarray(d["lifetime/slices/quencher_cm3"]), ref["slices/quencher_cm3"])
    # the slice mean is /lifetime/quencher_cm3 (equal widths)
    mean = np.asarray(d["lifetime/slices/quencher_cm3"].mean("slice"))
    assert np.allclose(mean, np.asarray(d["lifetime/quencher_cm3"]), rtol=1e-12, atol=0.0)
