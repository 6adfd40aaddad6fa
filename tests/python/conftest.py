"""Shared fixtures of the Python-interface tests: the relsim program, the source tree, running
the CLI, and comparing result files bit for bit."""
import os
import pathlib
import subprocess

import h5py
import numpy as np
import pytest

SOURCE = pathlib.Path(os.environ.get("RELSIM_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2]))
EXE = os.path.abspath(os.environ.get("RELSIM_EXE", str(SOURCE / "build" / "bin" / "relsim")))
SHIPPED = sorted((SOURCE / "configs").glob("*.toml")) + sorted((SOURCE / "configs" / "paper").glob("*.toml"))


def cli(*args, cwd=None, check=False):
    """Runs `relsim ARGS`; returns the CompletedProcess (text)."""
    r = subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, cwd=cwd)
    if check and r.returncode != 0:
        raise AssertionError(f"relsim {' '.join(map(str, args))} -> {r.returncode}\n{r.stdout}\n{r.stderr}")
    return r


def file_datasets(path, group=None):
    """{path: array} of every dataset (below `group`)."""
    out = {}
    with h5py.File(path, "r") as f:
        g = f[group] if group else f
        g.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape:
        return False
    if a.dtype.kind in "fiub":
        return a.dtype == b.dtype and a.tobytes() == b.tobytes()
    return bool((a == b).all())


@pytest.fixture
def work(tmp_path):
    return tmp_path
