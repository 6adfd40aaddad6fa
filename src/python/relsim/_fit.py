"""relsim.fit: the `relsim fit` of the command line, from Python (contract: shared/spec/fitting.md).

The fit runs in this process through the same C++ functions as the CLI (load the FIT.toml,
Ceres least squares, write the result file), with the GIL released; the result file is written
to a temporary folder and read back, so the numbers are those `relsim fit -o OUT.h5` writes.
"""

from __future__ import annotations

import os as _os
import tempfile as _tempfile

import numpy as _np

from . import _relsim


class FitResult:
    """The /fit group of a fit result file (names as in shared/spec/fitting.md, section 3).

    keys            the [[free]] key strings, in [[free]] order
    values, stderr  best values and standard errors, in the keys' own units (linear, also for
                    log = true parameters; stderr_log10 gives the log10 errors of those)
    covariance, correlation   (P x P); NaN rows where a parameter is not determined
    chi2, dof, reduced_chi2   of the weighted residuals
    identifiable    1 where the relative error is finite and below 1, else 0
    data            one dict per [[data]] table: x, y, model, residual (numpy arrays)
    configs         {model name: the model's config text with the fitted values written in}
    summary         the terminal summary `relsim fit` prints
    """

    def __init__(self, path: str, summary: str):
        import h5py

        self.summary = summary
        with h5py.File(path, "r") as f:
            g = f["fit"]

            def arr(name):
                return g[name][()] if name in g else None

            self.keys = [k.decode() if isinstance(k, bytes) else str(k) for k in g["keys"][()]]
            self.values = arr("values")
            self.stderr = arr("stderr")
            self.stderr_log10 = arr("stderr_log10")
            self.covariance = arr("covariance")
            self.correlation = arr("correlation")
            self.chi2 = float(_np.asarray(arr("chi2")))
            self.dof = int(_np.asarray(arr("dof")))
            self.reduced_chi2 = float(_np.asarray(arr("reduced_chi2")))
            self.identifiable = arr("identifiable")
            self.data = []
            if "data" in g:
                for i in sorted(g["data"], key=int):
                    d = g["data"][i]
                    self.data.append({n: d[n][()] for n in d if hasattr(d[n], "shape")})
            self.configs = {}
            if "config" in g:
                for name in g["config"]:
                    v = _np.asarray(g["config"][name][()]).reshape(-1)[0]  # a 1-element string array
                    self.configs[name] = v.decode() if isinstance(v, bytes) else str(v)

    def __repr__(self):
        rows = [f"{k} = {v:.6g} +- {e:.2g}" for k, v, e in zip(self.keys, self.values, self.stderr)]
        return "relsim.FitResult(" + "; ".join(rows) + f"; chi2/dof = {self.chi2:.4g}/{self.dof})"


def fit(fit_file, threads: int = 0, base_dir: str | None = None) -> FitResult:
    """Fits as `relsim fit FIT.toml` does and returns a FitResult.

    fit_file  a FIT.toml path, or its text (when it contains a newline); paths inside it
              (model configs, data CSVs) are relative to the file, or to `base_dir` (default:
              the current folder) for text
    threads   OpenMP threads for the multi-starts (0: OpenMP's default)

    Bad input raises relsim.InputError (a ValueError) with .file, .line, .key, exactly as the
    CLI reports it. Units: every value in the unit of its key (e.g. s^-1 for quench_s).
    """
    from . import _check_threads
    threads = _check_threads(threads)
    text_given = "\n" in str(fit_file)
    with _tempfile.TemporaryDirectory(prefix="relsim-fit-") as tmp:
        out = _os.path.join(tmp, "fit.h5")
        if not text_given:
            summary = _relsim.fit_to_file(_os.fspath(fit_file), out, threads)
            return FitResult(out, summary)
        folder = base_dir or _os.getcwd()
        fd, path = _tempfile.mkstemp(prefix=".relsim-fit-", suffix=".toml", dir=folder)
        try:
            with _os.fdopen(fd, "w") as fh:
                fh.write(str(fit_file))
            summary = _relsim.fit_to_file(path, out, threads)
        finally:
            _os.unlink(path)
        return FitResult(out, summary)
