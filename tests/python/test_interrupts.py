"""relsim.open of an unfinished file warns; SIGTERM during relsim.sweep removes the temporary
folder (issue 21 item 15)."""
import os
import signal
import subprocess
import sys
import textwrap
import time
import warnings

import pytest

import relsim
from conftest import SOURCE, cli


def test_open_of_a_partial_warns(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text((SOURCE / "configs" / "tb_device.toml").read_text())
    out = tmp_path / "c.h5"
    cli("run", cfg, "-o", out, "-q", check=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        relsim.open(out)
    assert not [w for w in caught if "incomplete" in str(w.message)]
    import h5py
    partial = tmp_path / "c.h5.partial"
    partial.write_bytes(out.read_bytes())
    with h5py.File(partial, "r+") as f:
        f.attrs["complete"] = 0
        done = f["sweep/done"][()]
        done[done.size // 2:] = 0
        f["sweep/done"][...] = done
    with pytest.warns(RuntimeWarning, match=r"incomplete result \(\d+ of \d+ points done\)"):
        relsim.open(partial)


def test_sigterm_during_sweep_removes_the_temporary_folder(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    script = textwrap.dedent(f"""
        import relsim, sys
        cfg = relsim.load({str(SOURCE / "configs" / "tb_device.toml")!r})
        print("start", flush=True)
        relsim.sweep(cfg, axes={{"device.current_density_mA_cm2": [10.0 ** (k / 20000) for k in range(400000)]}},
                     threads=1)
    """)
    env = dict(os.environ, RELSIM_TMPDIR=str(tmp))
    p = subprocess.Popen([sys.executable, "-c", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    assert p.stdout.readline().strip() == "start"
    t0 = time.monotonic()
    while not any(tmp.iterdir()) and time.monotonic() - t0 < 30:
        time.sleep(0.01)
    assert any(tmp.iterdir()), "the sweep made its temporary folder"
    time.sleep(0.3)
    p.send_signal(signal.SIGTERM)
    p.communicate(timeout=60)
    assert p.returncode == -signal.SIGTERM  # ends as SIGTERM does, after cleaning up
    assert list(tmp.iterdir()) == []
