"""relsim: lanthanide-nanocrystal electroluminescence, from Python.

The same C++ code as the ``relsim`` program (config loader, sweep runner, solver, observables),
so a notebook and the command line give the same numbers, bit for bit::

    import relsim
    cfg = relsim.load("configs/tb_device.toml")      # a Config, validated like `relsim check`
    cfg["device.current_density_mA_cm2"] = 5.0       # checked at once, like the file
    r = relsim.solve(cfg)                            # one steady state: r.eqe, r.fates, r.spectrum
    ds = relsim.sweep(cfg, threads=2)                # the config's [sweep] as an xarray.Dataset

Names: load, loads, Config, solve, SolveResult, sweep, transient, open, export_csv, rolloff,
ions, template, InputError, RunError, __version__. Units follow the config keys and the
result file: current densities in mA cm^-2, rates in s^-1, densities in cm^-3, luminance in
cd m^-2, wavelengths in nm, times in s; efficiencies and fates are fractions (not percent).

Built by CMake into <build>/python (``PYTHONPATH=build/python python3``); needs numpy and h5py,
and uses xarray when it is installed (without it, sweep/transient/open return dicts of numpy
arrays).
"""

from __future__ import annotations

import contextlib as _contextlib
import math
import os as _os
import signal as _signal
import threading as _threading
import tempfile as _tempfile
import warnings as _warnings

import numpy as _np

from . import _files
from . import _relsim

try:
    import tomllib as _tomllib
except ImportError:  # Python < 3.11
    _tomllib = None

__version__ = _relsim.version
"""The relsim version; `relsim --version` prints "relsim <__version__>"."""

InputError = _relsim.InputError
InputError.__doc__ = """Bad input (a ValueError): the located message of the command line
(``file:line:column: key 'dotted.key': problem (allowed: range)``) with attributes ``file``,
``line``, ``column`` (0 when unknown), ``key``, ``problem`` and ``allowed``."""
for _name, _default in (("file", ""), ("line", 0), ("column", 0), ("key", ""), ("problem", ""),
                        ("allowed", "")):
    setattr(InputError, _name, _default)  # raised from Python: no location
RunError = _relsim.RunError
RunError.__doc__ = """A run that could not be completed (I/O failure): a RuntimeError."""

__all__ = ["__version__", "Config", "InputError", "RunError", "SolveResult", "export_csv",
           "ions", "load", "loads", "open", "rolloff", "solve", "sweep", "template", "transient",
           "transport_profiles"]


# ------------------------------------------------------------------------------------------------
# Config

def _toml_value(value) -> str:
    """A Python value as a TOML literal (floats with 17 digits, so they round-trip exactly)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, _np.integer)):
        return str(int(value))
    if isinstance(value, (float, _np.floating)):
        v = float(value)
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)  # shortest round-trip form: "5.0", "1e-10", "2.76e+21"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, (list, tuple, _np.ndarray)):
        return "[" + ", ".join(_toml_value(v) for v in (value.tolist() if isinstance(value, _np.ndarray) else value)) + "]"
    raise TypeError(f"cannot write {type(value).__name__} into a config; use a number, string, "
                    "boolean or a list of them")


class Config:
    """A validated relsim config (from :func:`load` or :func:`loads`).

    ``cfg["device.current_density_mA_cm2"]`` reads any key path (the paths sweeps use:
    ``dopant.0.kTET_s``, ``dopant.0.quench_s.5D4``, ``transfer.0.k_cm3_s``, ``spectrum.step_nm``,
    ...): a numeric model parameter gives the value the model uses (its default or ion-file
    value when the file does not set it), any other key the value written in the file.

    ``cfg[key] = value`` sets it by editing the TOML text (the value in place, or a new line in
    its table) and validating the result with the same loader as the file, so the ranges and
    messages are exactly those of the file; a bad value raises :class:`InputError` there and
    leaves the Config unchanged. Ion-file parameters (``dopant.0.lines.1.rate_s``) can be read
    but not set (set them in the ion file or use an inline scheme).

    ``to_toml()`` gives the text (what a result file stores), ``copy()`` an independent copy.
    """

    __slots__ = ("_c",)

    def __init__(self, compiled):
        self._c = compiled

    @property
    def path(self) -> str:
        """The file the config came from (for loads: <base_dir>/<string>)."""
        return self._c.path

    @property
    def title(self) -> str:
        """The config's title ("" when none)."""
        return self._c.title

    @property
    def has_sweep(self) -> bool:
        """Whether the config has a [sweep] table."""
        return self._c.has_sweep

    @property
    def has_transient(self) -> bool:
        """Whether the config has a [transient] table."""
        return self._c.has_transient

    @property
    def sweep_axes(self) -> list:
        """The sweep axes as (keys, kind, values per key) tuples (empty without a sweep)."""
        return self._c.sweep_axes

    @property
    def ion_files(self) -> dict:
        """{path: text} of every ion level-scheme file the config read."""
        return self._c.ion_files

    def parameters(self) -> list:
        """Every resolved numeric model parameter as (key, value, unit, origin, source), the
        table `relsim check` prints."""
        return self._c.resolved

    def __getitem__(self, key: str):
        text = self._c.value_toml(key)
        if not text:
            raise KeyError(f"{key!r} names no value of this config")
        if _tomllib is None:  # pragma: no cover
            return float(text)
        return _tomllib.loads("v = " + text)["v"]

    def __setitem__(self, key: str, value) -> None:
        self._c = self._c.with_override(key, _toml_value(value), f"cfg[{key!r}] = {value!r}")

    def __contains__(self, key: str) -> bool:
        return bool(self._c.value_toml(key))

    def set(self, **_unused):  # pragma: no cover - guard against a tempting misuse
        raise TypeError("use cfg['dotted.key'] = value")

    def copy(self) -> "Config":
        """An independent copy (setting keys on one does not change the other)."""
        return Config(self._c)

    def to_toml(self) -> str:
        """The config as TOML text, with every key set through ``cfg[key] = value``."""
        return self._c.text

    def with_sweep(self, axes: dict | None) -> "Config":
        """A copy whose [sweep] is replaced: ``axes`` maps key paths to value lists, one grid
        axis each, in order (the last varies fastest); None or {} removes the sweep. The text
        keeps everything else verbatim."""
        text = _replace_sweep(self._c.text, axes or {})
        return Config(_relsim.load_text(text, self._c.path))

    def __repr__(self) -> str:
        what = "sweep" if self.has_sweep else "one point"
        if self.has_transient:
            what += " + transient"
        return f"<relsim.Config {self.title!r} from {self.path} ({what})>"


def _sweep_header(line: str) -> bool | None:
    """True for a [sweep] / [[sweep.axis]] header line, False for another header, None else."""
    s = line.strip()
    if not s.startswith("[") or len(s) < 2:
        return None
    inner = s.lstrip("[").lstrip()
    if not inner or not (inner[0].isalpha() or inner[0] in "_\"'"):
        return None  # a line of a multi-line array value
    name = inner.split("]")[0].strip().strip("\"'")
    return name == "sweep" or name.startswith("sweep.")


def _replace_sweep(text: str, axes: dict) -> str:
    out, skipping = [], False
    for line in text.splitlines(keepends=True):
        h = _sweep_header(line)
        if h is not None:
            skipping = h
        if not skipping:
            out.append(line)
    new = "".join(out)
    if axes:
        if not new.endswith("\n"):
            new += "\n"
        new += "\n[sweep]  # set by Config.with_sweep\n"
        for key, values in axes.items():
            new += f"[[sweep.axis]]\nkey = {_toml_value(str(key))}\nvalues = {_toml_value(list(_np.asarray(values, dtype=float)))}\n"
    if _tomllib is not None:  # the edit must change [sweep] only
        before, after = _tomllib.loads(text), _tomllib.loads(new)
        before.pop("sweep", None)
        after.pop("sweep", None)
        if before != after:
            raise InputError("Config.with_sweep: the config's layout hides its [sweep] table "
                             "(edit the file instead)")
    return new


def load(path) -> Config:
    """Loads and validates the config file at ``path`` (ion files are found as `relsim run`
    finds them). Raises :class:`InputError` with the file, line and key of a problem."""
    return Config(_relsim.load_file(_os.fspath(path)))


def loads(text: str, base_dir=".") -> Config:
    """A config from TOML ``text``; ion files named by the config are resolved from
    ``base_dir`` (as if the text were a file there). Messages name "<base_dir>/<string>"."""
    return Config(_relsim.load_text(text, _os.path.join(_os.fspath(base_dir), "<string>")))


def template(title: str = "my_device") -> str:
    """The commented starting config that `relsim init NAME` writes, with ``title``."""
    return _relsim.starting_config_text(title)


def ions(dirs=None) -> list:
    """The ion level schemes of the library (as `relsim ions`): a list of dicts with ``ion``,
    ``path``, ``description``, ``references``, ``levels`` [(name, energy_cm1)], ``ground``,
    ``lines`` [{from, to, rate_s [s^-1], wavelength_nm, fwhm_nm}], ``relaxations``
    [(from, to, rate_s)]. ``dirs``: folders to list instead of $RELSIM_ION_PATH and the library."""
    return _relsim.ions([_os.fspath(d) for d in (dirs or [])])


# ------------------------------------------------------------------------------------------------
# Running

def _config_of(cfg) -> Config:
    if isinstance(cfg, Config):
        return cfg
    if isinstance(cfg, (str, _os.PathLike)):
        return load(cfg)
    raise TypeError("expected a relsim.Config (relsim.load / relsim.loads) or a path")


_RUN_LOCK = _threading.Lock()


@_contextlib.contextmanager
def _hdf5_lock():
    """Debian's HDF5 is not thread-safe: one run at a time, and no h5py call from another
    Python thread while the runner writes (h5py serialises its own calls with its lock
    `phil`, which is held here)."""
    try:
        from h5py._objects import phil
    except ImportError:  # pragma: no cover
        phil = _contextlib.nullcontext()
    with _RUN_LOCK, phil:
        yield


def _check_threads(threads):
    """threads: None or 0 (OpenMP's default, all cores) or a positive int; anything else is
    refused before computing (issue 21 item 15: threads=-3 was accepted)."""
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 0:
        raise ValueError(f"threads = {threads!r}: allowed None, 0 (all cores) or a positive integer")
    return threads


class _Run:
    """Runs the sweep runner into a temporary file that is removed on exit."""

    def __init__(self, cfg: Config, mode: str, threads: int, progress: bool):
        self.cfg, self.mode, self.threads, self.progress = cfg, mode, _check_threads(threads), progress

    def __enter__(self):
        # One point (solve, transient): a RAM file system when there is one, as the file is
        # small and the runner fsyncs it. Sweeps: the ordinary temporary folder. $RELSIM_TMPDIR
        # overrides both.
        where = _os.environ.get("RELSIM_TMPDIR")
        if where is None and self.mode != "as_is" and _os.access("/dev/shm", _os.W_OK):
            where = "/dev/shm"
        self._dir = _tempfile.TemporaryDirectory(prefix="relsim-", dir=where)
        self.path = _os.path.join(self._dir.name, "run.h5")
        # SIGTERM (a job scheduler, `kill`): by default the process ends without removing the
        # temporary folder (issue 21 item 15: 242 MB left). While the run is in progress a
        # handler turns it into an interrupt (the runner stops after the block in progress),
        # the folder is removed, and the signal is then delivered with its default action.
        terminated = []
        old_term = None
        if _threading.current_thread() is _threading.main_thread():
            current = _signal.getsignal(_signal.SIGTERM)
            if current in (_signal.SIG_DFL, None):
                def on_term(signum, frame):
                    terminated.append(signum)
                    raise KeyboardInterrupt
                old_term = current
                _signal.signal(_signal.SIGTERM, on_term)
        try:
            with _hdf5_lock():
                self.summary = _relsim.run_to_file(self.cfg._c, self.path, int(self.threads or 0),
                                                   self.mode, not self.progress)
        except BaseException:
            self._dir.cleanup()
            if terminated:
                _signal.signal(_signal.SIGTERM, _signal.SIG_DFL)
                _os.kill(_os.getpid(), _signal.SIGTERM)
            raise
        finally:
            if old_term is not None and not terminated:
                _signal.signal(_signal.SIGTERM, old_term)
        return self

    def __exit__(self, *exc):
        self._dir.cleanup()


class SolveResult:
    """One steady state (:func:`solve`). Attributes (fractions are 0..1, not percent):

    eqe, iqe, transfer_efficiency           fractions
    cie_x, cie_y                            CIE 1931 chromaticity
    luminance_cd_m2                         cd m^-2 (Lambertian)
    current_efficiency_cd_A                 cd A^-1
    status                                  0 converged; 1 not converged; 2 non-finite;
                                            3 singular; 4 unphysical; 5 error (then every
                                            number is 0, never NaN)
    solver_method                           0 Newton; 1 pseudo-transient continuation + Newton
    fates                                   {channel: fraction of excitons}, sums to 1
    populations                             {state: density, cm^-3}
    photon_rate                             {"total" | "ligand_singlet" | "<Ion>": cm^-3 s^-1}
    inventory                               {"<Ion>_mg_m2" | "<Ion>_mg_per_klm" | "ion_turnover_per_s/<Ion>" | ...}
    line_photon_rate                        {line label: cm^-3 s^-1}
    wavelength_nm, spectrum                 numpy arrays: nm and W m^-2 nm^-1 (outcoupled
                                            spectral exitance)
    transport                               [transport] only: {voltage_V, current_density_mA_cm2,
                                            charge_balance, zone_*, power_efficacy_lm_W, ...}
    profiles                                [transport] with save_profiles: xarray.Dataset of
                                            the band diagram and densities (else None)
    units                                   {name: units} as in the result file
    values                                  {name: value} of every scalar result
    """

    def __init__(self, data: dict, units: dict):
        self.values = {k: float(v) for k, v in data.items()
                       if _np.ndim(v) == 0 and k not in ("status", "solver_method")}
        self.units = units
        self.status = int(data["status"])
        self.solver_method = int(data["solver_method"])
        for k in ("eqe", "iqe", "transfer_efficiency", "cie_x", "cie_y", "luminance_cd_m2",
                  "current_efficiency_cd_A"):
            setattr(self, k, self.values.get(k))  # [transport]: no transfer_efficiency (None)

        def group(prefix):
            return {k[len(prefix):]: v for k, v in self.values.items() if k.startswith(prefix)}

        self.fates = group("fates/")
        self.populations = group("populations/")
        self.photon_rate = group("photon_rate/")
        self.inventory = group("inventory/")  # <Ion>_mg_m2, ..._mg_per_klm, cost_usd_m2 (docs/lifetime.md)
        labels = data.get("line")
        rates = data.get("line_photon_rate")
        self.line_photon_rate = ({str(lab): float(r) for lab, r in zip(labels, rates)}
                                 if labels is not None else {})
        self.wavelength_nm = data.get("wavelength_nm")
        self.spectrum = data.get("spectrum/power")
        # [transport] (docs/transport.md): the solved stack's figures, and with save_profiles
        # the band diagram and densities as an xarray.Dataset over `position`.
        self.transport = {k: self.values[k] for k in _TRANSPORT_SCALARS if k in self.values}
        self.profiles = transport_profiles(data) if "transport/x_nm" in data else None

    def __repr__(self) -> str:
        head = (f"<relsim.SolveResult status={self.status} EQE={100 * self.eqe:.4g} % "
                f"IQE={100 * self.iqe:.4g} % ")
        if self.values.get("photometry_valid", 1.0) == 0.0:
            # Mostly infrared emission: luminance and CIE mean little (issue 21 item 18); show
            # the radiometric figures and say why cd m^-2 is left out.
            return head + (f"radiance={self.values.get('radiance_W_sr_m2', 0.0):.4g} W sr^-1 m^-2 "
                           f"photon flux={self.values.get('photon_flux_m2_s', 0.0):.4g} m^-2 s^-1 "
                           "(photometry not valid: cd m^-2 and CIE omitted)>")
        return head + (f"CIE=({self.cie_x:.4f}, {self.cie_y:.4f}) "
                       f"L={self.luminance_cd_m2:.4g} cd m^-2>")


_TRANSPORT_SCALARS = (
    "voltage_V", "current_density_mA_cm2", "charge_balance", "eml_recombination_fraction",
    "zone_centroid_nm", "zone_rms_width_nm", "zone_q05_nm", "zone_q50_nm", "zone_q95_nm",
    "leakage_electron_mA_cm2", "leakage_hole_mA_cm2", "continuity_error", "power_efficacy_lm_W",
    "wall_plug_efficiency")


def transport_profiles(source):
    """The [transport] profiles (``save_profiles = true``) of a result as an ``xarray.Dataset``:
    ``x_nm``, ``psi_V``, ``Ec_eV``, ``Ev_eV``, ``Efn_eV``, ``Efp_eV``, ``n_cm3``, ``p_cm3``,
    ``R_cm3_s``, ``field_V_cm`` over (sweep axes..., ``position``) -- x is a variable per point,
    as layer thicknesses may be swept -- and ``layer_edges_nm`` over (sweep axes..., ``edge``).

    ``source``: a result file path, a Dataset from :func:`sweep` / :func:`open`, or the dict a
    :class:`SolveResult` is built from. Without xarray: a dict of numpy arrays.
    """
    if isinstance(source, (str, _os.PathLike)):
        source = _files.read(_os.fspath(source))
    names = [k for k in (source.data_vars if hasattr(source, "data_vars") else source)
             if str(k).startswith("transport/")]
    if not names:
        raise KeyError("no /transport profiles: set save_profiles = true in [transport]")
    if hasattr(source, "data_vars"):  # an xarray.Dataset from sweep/open
        out = {}
        for k in names:
            v = source[k]
            last = "edge" if k.endswith("layer_edges_nm") else "position"
            out[k[len("transport/"):]] = v.rename({v.dims[-1]: last})
        return _files.xr.Dataset(out, attrs=dict(source.attrs))
    arrays = {k[len("transport/"):]: _np.asarray(source[k]) for k in names}
    if _files.xr is None:
        return arrays
    return _files.xr.Dataset({k: (["edge" if k == "layer_edges_nm" else "position"], a, {})
                              for k, a in arrays.items()})


def solve(cfg) -> SolveResult:
    """Solves one steady state at the config's values (its [sweep] and [transient] are
    ignored) and returns a :class:`SolveResult`.

    Units: the config's (J in mA cm^-2, rates s^-1, densities cm^-3); results: eqe, iqe,
    transfer_efficiency and fates as fractions, luminance_cd_m2 in cd m^-2, populations in
    cm^-3, photon rates in cm^-3 s^-1, wavelength_nm in nm, spectrum in W m^-2 nm^-1.

    The point is solved by the same code path as `relsim run` (the sweep runner writing a
    temporary result file that is read back), so the numbers equal the CLI's bit for bit.
    Raises InputError for bad input; a solver failure gives ``status != 0`` (and zeros).
    The GIL is released while the point is solved.
    """
    cfg = _config_of(cfg)
    units = {}
    with _Run(cfg, "point", 1, False) as run:
        data = _files.read(run.path, use_xarray=False, units_out=units)
    return SolveResult(data, units)


def sweep(cfg, threads: int | None = None, axes: dict | None = None, progress: bool = False):
    """Runs the config's [sweep] (or, with ``axes`` = {key path: values}, that grid instead;
    see :meth:`Config.with_sweep`) on ``threads`` OpenMP threads (None: all cores).

    Returns an ``xarray.Dataset`` whose dimensions are named by the axis keys (the other keys
    of a zipped axis are extra coordinates), with the axis values as coordinates and a
    ``units`` attribute on every variable; variables are named as under /results in the
    result file (``eqe``, ``iqe``, ``fates/<channel>``, ``populations/<state>``,
    ``line_photon_rate`` over ``line``) and by group beyond it (``spectrum/power`` over
    ``wavelength_nm`` when spectra are saved, ``transient/*`` over ``time_s`` with a
    [transient]). The root attributes of the file (config_toml, relsim_version, ...) are the
    Dataset's attrs. Without xarray: a dict of numpy arrays under the same names.

    The runner is the CLI's (the same work units, so every thread count gives the same bits as
    `relsim run`); it writes a temporary HDF5 file that is read back and removed. The GIL is
    released while it runs; Ctrl-C (KeyboardInterrupt) stops it after the block in progress.
    One run at a time per process (HDF5 is not thread-safe): concurrent calls from Python
    threads wait for each other. ``progress=True`` prints the CLI's progress line to stderr.
    """
    cfg = _config_of(cfg)
    if axes is not None:
        cfg = cfg.with_sweep(axes)
    with _Run(cfg, "as_is", threads, progress) as run:
        return _files.read(run.path)


def transient(cfg, progress: bool = False):
    """Runs the config's [transient] pulse at the config's values (its [sweep] is ignored).

    Returns an ``xarray.Dataset`` over ``time_s`` (s): ``photon_rate`` (all photons,
    cm^-3 s^-1), ``ligand_photon_rate``, ``<Ion>_photon_rate``, ``lines/<label>``, and the
    scalars ``rise_time_s``, ``decay_time_s`` (s) and ``status`` (0 ok; see the result file's
    /transient/status description). Without xarray: a dict of numpy arrays. Same code as
    `relsim run`; the GIL is released while the pulse is integrated.
    """
    cfg = _config_of(cfg)
    with _Run(cfg, "transient", 1, progress) as run:
        return _files.read(run.path, group="transient")


def open(path, group: str | None = None):  # noqa: A001 - the contract's name
    """A relsim result file as an ``xarray.Dataset`` (names and dimensions as :func:`sweep`).

    Every group of the file is read, including groups other capabilities add (/optics,
    /microscopic, /fit, ...): their datasets appear as ``<group>/<name>``, with the sweep
    dimensions where their leading shape is the sweep's. ``group="transient"`` (or any group
    name) gives that group alone with names relative to it. /config (the ion-file texts and
    the resolved parameter table) is read with ``group="config"``. Without xarray: a dict of
    numpy arrays.
    """
    path = _os.fspath(path)
    _warn_if_incomplete(path)
    return _files.read(path, group=group)


def _warn_if_incomplete(path: str) -> None:
    """An interrupted run's .partial (issue 21 item 15: opened without a word): a warning with
    how many points are done; the points not done hold placeholder zeros."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            complete = int(f.attrs.get("complete", 1)) == 1
            done = f["sweep/done"][()] if "sweep/done" in f else None
    except (OSError, KeyError, ValueError, TypeError):
        return  # the reader itself reports an unreadable file
    n_done = int(_np.count_nonzero(done == 1)) if done is not None else None
    if complete and (done is None or n_done == done.size):
        return
    counted = f"{n_done} of {done.size} points done" if done is not None else "not finished"
    _warnings.warn(f"{path} is an incomplete result ({counted}): points not done hold placeholder "
                   "zeros, not results; complete it with relsim run CONFIG -o NAME --resume",
                   RuntimeWarning, stacklevel=3)


def export_csv(path, directory, force: bool = False) -> list:
    """Writes result file ``path`` as tidy CSV tables into ``directory`` (as
    `relsim export PATH --csv DIR`): results.csv (one row per sweep point), line_photon_rate.csv,
    spectrum.csv, transient.csv, with units in the headers ("eqe [1]"). Returns the paths."""
    return _relsim.export_csv(_os.fspath(path), _os.fspath(directory), force)


def rolloff(ds, eqe=None, luminance_cd_m2=None, status=None,
            key: str = "device.current_density_mA_cm2") -> dict | None:
    """The efficiency roll-off of a sweep over current density, as `relsim run` prints it (the
    same C++ code).

    ``rolloff(ds)`` with ``ds`` from :func:`sweep` or :func:`open` (one axis moving ``key``),
    or ``rolloff(J_mA_cm2, eqe, luminance_cd_m2, status=None)`` with arrays.

    Returns ``peak_eqe`` (fraction) and ``peak_J_mA_cm2``; ``J90_mA_cm2`` / ``J50_mA_cm2``: the
    first J above the peak where EQE is 90 % / 50 % of the peak (linear in EQE against log J
    between the bracketing points; None when the sweep does not reach it);
    ``eqe_at_100_cd_m2`` / ``eqe_at_1000_cd_m2`` (linear in EQE against log L; None when not
    reached); ``min/max_luminance_cd_m2``, ``last_eqe_over_peak``, ``points_used``. Points
    with status != 0 are ignored. None when no point converged."""
    if eqe is None:
        J = _np.asarray(ds[key], dtype=float)
        eqe = _np.asarray(ds["eqe"], dtype=float)
        if eqe.ndim != 1 or J.shape != eqe.shape:
            raise ValueError(f"rolloff needs a one-axis sweep over {key}")
        luminance_cd_m2, status = ds["luminance_cd_m2"], ds["status"]
    else:
        J = _np.asarray(ds, dtype=float)
    if status is None:
        status = _np.zeros(_np.shape(J), _np.int32)
    return _relsim.rolloff(J, _np.asarray(eqe, dtype=float),
                           _np.asarray(luminance_cd_m2, dtype=float),
                           _np.asarray(status, dtype=_np.int32))


# ------------------------------------------------------------------------------------------------
# Places for the capabilities that other modules add. relsim.fit(...) lives in relsim/_fit.py
# (src/python/relsim/_fit.py, copied into the package by CMake) when the fit module is built;
# new result groups (/optics, /microscopic, /fit) need nothing here: open() reads any group.
try:
    from ._fit import fit  # noqa: F401
    __all__.append("fit")
except ImportError:
    pass
