#!/usr/bin/python3
"""CTest test of the notebooks (label `notebooks`, tests/notebooks/CMakeLists.txt).

1. the committed notebooks carry no outputs (they are committed stripped);
2. relsim runs the small configs of notebooks/configs/ into a temporary folder (the notebooks
   that read files: 02, 03; 02 also on a single-point file);
3. every notebooks/NN_*.ipynb is executed headless (nbclient) against those files, on a kernel
   that is this interpreter; notebooks 01 and 04 solve their (small) configs with the relsim
   Python module from --python-dir;
4. every expected figure exists and is a valid, non-empty PNG (signature, IHDR chunk with a
   nonzero width and height).

    test_notebooks.py --relsim build/bin/relsim --python-dir build/python [--source-dir .] [--keep]

Exit 0 = pass, 1 = fail, 77 = skipped (a Python module the notebooks need is missing).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SKIP = 77

# output file (in the data folder) <- small config in notebooks/configs/
RUNS = {
    "colour_series.h5": "small_colour_series.toml",
    "sweep_map.h5": "small_sweep_map.toml",
    "single_point.h5": "../../configs/eu_device.toml",  # one point with its spectrum (notebook 02)
    "optics_etl.h5": "small_optics_etl.toml",
    "optics_silver.h5": "small_optics_silver.toml",
    "nd_nir.h5": "small_nd_nir.toml",
    "yb_nir.h5": "small_yb_nir.toml",
    "micro_eu_series.h5": "small_micro_eu_series.toml",
    "micro_eu_decay.h5": "small_micro_eu_decay.toml",
    "micro_inert_shell.h5": "small_micro_inert_shell.toml",
    "micro_active_shell.h5": "small_micro_active_shell.toml",
    "lifetime_tb.h5": "../../configs/lifetime/tb_lifetime.toml",  # notebook 10
    "lifetime_tbeu.h5": "../../configs/lifetime/tb_eu_lifetime.toml",
    "lifetime_transport.h5": "../../configs/lifetime/tb_transport_lifetime.toml",  # 10, [transport]
    "lifetime_jsweep.h5": "small_lifetime_jsweep.toml",
    "inventory_tb_fraction.h5": "small_inventory_tb_fraction.toml",
    "transport_jvl.h5": "small_transport_jvl.toml",  # notebook 09
    "transport_mobility.h5": "small_transport_mobility.toml",
    "transport_meanfield.h5": "../../configs/tb_device.toml",
}

# output file (in the data folder) <- fit file run with `relsim fit` (path from the source tree)
FITS = {
    "tb_fit.h5": "configs/fit/tb_fit.toml",
}

# configs the module-based notebooks solve (environment variable -> small config)
MODULE_CONFIGS = {
    "RELSIM_NB_TB_CONFIG": "small_tb_rolloff.toml",
    "RELSIM_NB_EU_CONFIG": "small_eu_rolloff.toml",
    "RELSIM_NB_TRANSIENT": "small_transient.toml",
}

# figure -> notebook that writes it
FIGURES = {
    "01_eqe_rolloff.png": "01_eqe_rolloff.ipynb",
    "01_exciton_fates.png": "01_eqe_rolloff.ipynb",
    "02_spectra.png": "02_spectra_and_colour.ipynb",
    "02_cie.png": "02_spectra_and_colour.ipynb",
    "03_eqe_map.png": "03_sweep_maps.ipynb",
    "03_eqe_cuts.png": "03_sweep_maps.ipynb",
    "04_transient.png": "04_transient.ipynb",
    "06_optics_factors.png": "06_optics.ipynb",
    "06_optics_eqe_cie.png": "06_optics.ipynb",
    "06_optics_red_orange.png": "06_optics.ipynb",
    "06_optics_silver_lifetime.png": "06_optics.ipynb",
    "07_fit_residuals.png": "07_fitting.ipynb",
    "07_fit_correlation.png": "07_fitting.ipynb",
    "08_nir_spectra.png": "08_nir.ipynb",
    "08_nir_radiance.png": "08_nir.ipynb",
    "05_radial_profiles.png": "05_microscopic.ipynb",
    "05_eqe_colour_vs_eu.png": "05_microscopic.ipynb",
    "05_shell_series.png": "05_microscopic.ipynb",
    "05_decays.png": "05_microscopic.ipynb",
    "09_jvl.png": "09_transport.ipynb",
    "09_eqe_lmw.png": "09_transport.ipynb",
    "09_zone_vs_voltage.png": "09_transport.ipynb",
    "09_band_diagram.png": "09_transport.ipynb",
    "09_mobility.png": "09_transport.ipynb",
    "10_luminance_colour_vs_time.png": "10_lifetime_inventory.ipynb",
    "10_transport_lifetime.png": "10_lifetime_inventory.ipynb",
    "10_lt50_vs_l0.png": "10_lifetime_inventory.ipynb",
    "10_tb_mg_per_klm.png": "10_lifetime_inventory.ipynb",
}

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def check_png(path: Path) -> str | None:
    """None when path is a valid non-empty PNG, else what is wrong."""
    if not path.is_file():
        return "missing"
    data = path.read_bytes()
    if len(data) < 8 + 25:
        return f"too short ({len(data)} bytes)"
    if data[:8] != PNG_SIGNATURE:
        return "no PNG signature"
    length, ctype = struct.unpack(">I4s", data[8:16])
    if ctype != b"IHDR" or length != 13:
        return f"first chunk is {ctype!r} of length {length}, not IHDR of length 13"
    width, height = struct.unpack(">II", data[16:24])
    if width == 0 or height == 0:
        return f"IHDR size {width} x {height}"
    if b"IDAT" not in data or b"IEND" not in data[-12:]:
        return "no IDAT chunk or no IEND at the end"
    return None


def missing_modules() -> list[str]:
    need = ["numpy", "h5py", "matplotlib", "scipy", "nbformat", "nbclient", "ipykernel",
            "jupyter_client"]
    return [m for m in need if importlib.util.find_spec(m) is None]


def stripped_problems(nb_path: Path) -> list[str]:
    import nbformat

    nb = nbformat.read(nb_path, as_version=4)
    bad = []
    for i, c in enumerate(nb.cells):
        if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count") is not None):
            bad.append(f"{nb_path.name}: cell {i} has outputs or an execution count")
    return bad


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True, help="the relsim executable")
    ap.add_argument("--source-dir", default=str(Path(__file__).resolve().parents[2]))
    ap.add_argument("--keep", action="store_true", help="keep the temporary folder")
    ap.add_argument("--threads", type=int, default=1, help="relsim threads per run")
    ap.add_argument("--jobs", type=int, default=2, help="notebooks executed at the same time")
    ap.add_argument("--python-dir", required=True, help="the folder holding the relsim package")
    a = ap.parse_args()

    miss = missing_modules()
    if miss:
        print(f"SKIP: {sys.executable} lacks {', '.join(miss)}")
        return SKIP

    src = Path(a.source_dir).resolve()
    nbdir = src / "notebooks"
    pydir = Path(a.python_dir).resolve()
    if not (pydir / "relsim" / "__init__.py").is_file():
        print(f"SKIP: no relsim Python package in {pydir} (built with pybind11-dev)")
        return SKIP
    os.environ["RELSIM_PYTHON"] = str(pydir)
    os.environ["RELSIM_NB_THREADS"] = str(a.threads)
    for var, cfg in MODULE_CONFIGS.items():
        os.environ[var] = str(nbdir / "configs" / cfg)
    sys.path.insert(0, str(nbdir))
    import run_notebooks  # notebooks/run_notebooks.py

    failures: list[str] = []
    t_start = time.monotonic()

    notebooks = run_notebooks.notebooks()
    expected_nbs = sorted(set(FIGURES.values()))
    found = sorted(p.name for p in notebooks)
    if found != expected_nbs:
        failures.append(f"notebooks found {found}, expected {expected_nbs}")
    for p in notebooks:
        failures += stripped_problems(p)

    work = Path(tempfile.mkdtemp(prefix="relsim-nbtest-"))
    data, figures, executed = work / "data", work / "figures", work / "executed"
    data.mkdir()
    print(f"work folder: {work}")

    # relsim on the small configs, all at once (each single-threaded)
    procs = []
    for out, cfg in RUNS.items():
        cmd = [a.relsim, "run", "-q", "-t", str(a.threads), str(nbdir / "configs" / cfg),
               "-o", str(data / out)]
        procs.append((cmd, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                            text=True)))
    for out, fit in FITS.items():
        cmd = [a.relsim, "fit", "-q", "-t", str(a.threads), str(src / fit), "-o", str(data / out)]
        procs.append((cmd, subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                            text=True)))
    for cmd, p in procs:
        out, _ = p.communicate(timeout=300)
        if p.returncode != 0 or not Path(cmd[-1]).is_file():
            failures.append(f"relsim failed ({p.returncode}): {' '.join(cmd)}\n{out}")
    print(f"relsim runs: {time.monotonic() - t_start:.1f} s")

    if not failures:
        res = run_notebooks.execute(notebooks, data, figures, executed, timeout=240, jobs=a.jobs)
        for path, _, err in res:
            if err:
                failures.append(f"{path.name} failed:\n{err[-4000:]}")
                continue
            # the kernel must be this interpreter
            import nbformat

            nb = nbformat.read(executed / path.name, as_version=4)
            text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                           for o in c.get("outputs", []))
            if f"python: {sys.executable}" not in text:
                failures.append(f"{path.name}: kernel is not {sys.executable}")
        # notebook 02 on a file of one point (it used to index a sweep axis that is not there)
        os.environ["RELSIM_NB_COLOUR"] = str(data / "single_point.h5")
        single = work / "figures_single_point"
        nb02 = [p for p in notebooks if p.name.startswith("02_")]
        for path, _, err in run_notebooks.execute(nb02, data, single, None, timeout=240, jobs=1):
            if err:
                failures.append(f"{path.name} on a single-point file failed:\n{err[-4000:]}")
        for fig in ("02_spectra.png", "02_cie.png"):
            problem = check_png(single / fig)
            if problem:
                failures.append(f"single-point figure {fig}: {problem}")
        for fig in FIGURES:
            problem = check_png(figures / fig)
            if problem:
                failures.append(f"figure {fig}: {problem}")
            else:
                w, h = struct.unpack(">II", (figures / fig).read_bytes()[16:24])
                print(f"  {fig}: {w} x {h} PNG, {(figures / fig).stat().st_size} bytes")

    print(f"total: {time.monotonic() - t_start:.1f} s")
    if failures:
        print("FAILED:\n" + "\n".join(failures))
        print(f"kept {work} for inspection")
        return 1
    if a.keep:
        print(f"kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    print("all notebooks ran; all figures are valid PNGs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
