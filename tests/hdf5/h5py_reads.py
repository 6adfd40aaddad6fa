"""Checks with h5py that a file written by relsim's H5File reads back as intended.

Usage: /usr/bin/python3 h5py_reads.py PATH/TO/hdf5_h5py_writer
Runs the writer into a temporary directory, then checks names, dtypes, shapes, str attributes
and that every dataset has a `units` attribute.
"""
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np


def main() -> int:
    writer = sys.argv[1]
    with tempfile.TemporaryDirectory(prefix="relsim-h5py-") as tmp:
        path = os.path.join(tmp, "roundtrip.h5")
        subprocess.run([writer, path], check=True)
        assert not os.path.exists(path + ".partial")
        with h5py.File(path, "r") as f:
            check(f)
    print("h5py read the relsim file correctly")
    return 0


def check(f: h5py.File) -> None:
    # String attributes come back as Python str, numbers as numbers.
    assert f.attrs["program"] == "relsim µ-test", repr(f.attrs["program"])
    assert isinstance(f.attrs["program"], str)
    assert f.attrs["seed"] == -12345678901 and f.attrs["seed"].dtype == np.int64
    assert f.attrs["temperature"] == 293.15 and f.attrs["temperature"].dtype == np.float64
    assert isinstance(f["results"].attrs["note"], str)

    datasets = {}

    def collect(name, obj):
        if isinstance(obj, h5py.Dataset):
            datasets[name] = obj

    f.visititems(collect)
    assert sorted(datasets) == sorted([
        "params/tau", "params/grid", "params/counts", "params/ions",
        "results/eqe", "results/status", "results/code"]), sorted(datasets)
    for name, ds in datasets.items():
        units = ds.attrs.get("units")
        assert isinstance(units, str) and units, f"{name}: units {units!r}"

    tau = f["params/tau"]
    assert tau.shape == () and tau.dtype == np.float64 and tau[()] == 1.5e-3
    assert tau.attrs["units"] == "s"
    grid = f["params/grid"]
    assert grid.shape == (2, 3) and grid.dtype == np.float64
    assert np.array_equal(grid[...], 0.5 * np.arange(6).reshape(2, 3))
    assert grid.attrs["units"] == "W/cm^2"
    counts = f["params/counts"]
    assert counts.dtype == np.int32 and list(counts[...]) == [3, -1, 7]
    ions = f["params/ions"]
    info = h5py.check_string_dtype(ions.dtype)
    assert info is not None and info.encoding == "utf-8" and info.length is None
    assert list(ions.asstr()[...]) == ["Er3+", "Yb3+", "τ"]

    eqe = f["results/eqe"]
    assert eqe.shape == (4, 5, 6) and eqe.dtype == np.float64
    assert eqe.chunks is not None and eqe.fillvalue == -1.0
    flat = eqe[...].ravel()
    expected = np.full(120, -1.0)
    expected[7:57] = np.arange(7, 57)
    assert np.array_equal(flat, expected), flat
    status = f["results/status"]
    assert status.dtype == np.uint8 and status.chunks is not None
    assert not status[...].any()
    code = f["results/code"]
    assert code.dtype == np.int32 and (code[...] == -2).all()


if __name__ == "__main__":
    sys.exit(main())
