#!/usr/bin/python3
"""Executes the relsim notebooks headless against a folder of relsim output files.

    /usr/bin/python3 notebooks/run_notebooks.py --data out/notebooks/data \\
        --figures out/notebooks/figures [--executed out/notebooks/executed] [NOTEBOOK ...]

The kernel is the interpreter running this script (sys.executable), through a kernel spec
written to a temporary JUPYTER_PATH, so that the notebooks never run on whatever `python3`
kernel the machine happens to have. The source notebooks are not modified; executed copies go
to --executed when given. Without NOTEBOOK arguments every notebooks/[0-9][0-9]_*.ipynb runs.
Used by scripts/make_figures.sh and by the CTest test tests/notebooks.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KERNEL_NAME = "relsim-notebooks-python3"


def notebooks(names=None):
    """The notebook paths to run: the given names (paths or stems) or every NN_*.ipynb."""
    if not names:
        return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))
    out = []
    for n in names:
        p = Path(n)
        if p.suffix != ".ipynb":
            p = p.with_name(p.name + ".ipynb")
        if not p.exists():
            p = HERE / p.name
        if not p.exists():  # a prefix such as "01"
            hits = sorted(HERE.glob(Path(n).name + "*.ipynb"))
            if len(hits) != 1:
                raise FileNotFoundError(f"{n}: no notebook (or more than one) of that name")
            p = hits[0]
        out.append(p.resolve())
    return out


def write_kernelspec(root: Path) -> Path:
    """A kernel spec for this interpreter under root/kernels/<KERNEL_NAME>; returns root."""
    kdir = root / "kernels" / KERNEL_NAME
    kdir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                 "-f", "{connection_file}"],
        "display_name": f"Python ({sys.executable})",
        "language": "python",
        "env": {"PYDEVD_DISABLE_FILE_VALIDATION": "1"},
    }
    (kdir / "kernel.json").write_text(json.dumps(spec, indent=1))
    return root


def _execute_one(path: Path, executed: Path | None, timeout: int):
    """Runs one notebook (the environment is set by execute()); returns (path, s, error)."""
    import nbformat
    from nbclient import NotebookClient

    t0 = time.monotonic()
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=KERNEL_NAME, timeout=timeout,
                            resources={"metadata": {"path": str(path.parent)}})
    err = None
    try:
        client.execute()
    except Exception as e:  # CellExecutionError, DeadKernelError, timeouts
        err = f"{type(e).__name__}: {e}"
    if executed is not None:
        nbformat.write(nb, executed / path.name)
    return path, time.monotonic() - t0, err


def execute(paths, data: Path, figures: Path, executed: Path | None = None,
            timeout: int = 300, jobs: int = 1, log=print) -> list[tuple[Path, float, str | None]]:
    """Runs each notebook (jobs at a time); returns (path, seconds, error or None) each."""
    data, figures = Path(data).resolve(), Path(figures).resolve()
    figures.mkdir(parents=True, exist_ok=True)
    if executed is not None:
        executed = Path(executed).resolve()
        executed.mkdir(parents=True, exist_ok=True)
    results = []
    with tempfile.TemporaryDirectory(prefix="relsim-nb-jupyter-") as jroot:
        jroot = Path(jroot)
        write_kernelspec(jroot / "share")
        saved = {k: os.environ.get(k) for k in
                 ("RELSIM_NB_DATA", "RELSIM_NB_FIGURES", "JUPYTER_PATH", "JUPYTER_RUNTIME_DIR",
                  "PYDEVD_DISABLE_FILE_VALIDATION", "MPLBACKEND")}
        os.environ["RELSIM_NB_DATA"] = str(data)
        os.environ["RELSIM_NB_FIGURES"] = str(figures)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            [str(jroot / "share")] + ([saved["JUPYTER_PATH"]] if saved["JUPYTER_PATH"] else []))
        os.environ["JUPYTER_RUNTIME_DIR"] = str(jroot / "runtime")
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        os.environ.pop("MPLBACKEND", None)  # the kernel's inline backend
        try:
            if jobs > 1 and len(paths) > 1:
                import multiprocessing
                from concurrent.futures import ProcessPoolExecutor

                ctx = multiprocessing.get_context("spawn")  # children inherit os.environ
                with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                    futures = [pool.submit(_execute_one, p, executed, timeout) for p in paths]
                    done = [f.result() for f in futures]
            else:
                done = (_execute_one(p, executed, timeout) for p in paths)
            for path, dt, err in done:
                log(f"{path.name}: {'FAILED' if err else 'ok'} ({dt:.1f} s)")
                if err:
                    log(err)
                results.append((path, dt, err))
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return results


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True, help="folder with the relsim .h5 files")
    ap.add_argument("--figures", required=True, help="folder for the PNG figures")
    ap.add_argument("--executed", help="folder for executed copies of the notebooks")
    ap.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    ap.add_argument("-j", "--jobs", type=int, default=1, help="notebooks run at the same time")
    ap.add_argument("notebook", nargs="*", help="notebooks to run (default: all NN_*.ipynb)")
    a = ap.parse_args(argv)
    res = execute(notebooks(a.notebook), Path(a.data), Path(a.figures),
                  Path(a.executed) if a.executed else None, a.timeout, a.jobs)
    return 1 if any(err for _, _, err in res) else 0


if __name__ == "__main__":
    sys.exit(main())
