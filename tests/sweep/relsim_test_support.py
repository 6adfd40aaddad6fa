"""Shared pieces of the Python-driven sweep and CLI tests: a small valid Tb device (spec section
5 keys, the Tb ion library) and HDF5 comparison helpers."""
import h5py
import numpy as np

# Line numbers matter: test_cli.py expects errors at the lines of this text.
TB_DEVICE = """title = "relsim test device"
[device]
current_density_mA_cm2 = 10.0
singlet_fraction = 0.25
[ligand]
density_cm3 = 7.5e20
triplet_energy_eV = 2.9
[[dopant]]
ion = "Tb"
density_cm3 = 2.8e21
accepting_level = "5D4"
kTET_s = 2.0e9
quench_s = { "5D4" = 60.0 }
"""


def datasets(path):
    """Every dataset of an HDF5 file, by path, as numpy values."""
    out = {}
    with h5py.File(path, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
    return out


def assert_same_datasets(reference, other, what):
    """The two files hold the same datasets, numbers equal bit for bit."""
    ref, got = datasets(reference), datasets(other)
    assert ref.keys() == got.keys(), f"{what}: datasets differ: {set(ref) ^ set(got)}"
    for name in ref:
        x, y = np.asarray(ref[name]), np.asarray(got[name])
        same = x.tobytes() == y.tobytes() if x.dtype.kind in "fiub" else bool((x == y).all())
        assert same and x.shape == y.shape, f"{what}: {name} differs"
    return len(ref)
