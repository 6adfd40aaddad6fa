"""Read a relsim output file (``relsim run CONFIG -o OUT.h5``) into plain Python containers.

    import relsim_h5
    run = relsim_h5.load("out/notebooks/data/tb_rolloff.h5")
    J = run["axes"][0]["values"]                 # the first sweep axis
    eqe = run["results"]["eqe"]                  # shaped by the sweep axes, () without a sweep
    run["units"]["results/eqe"]                  # '1'

Only h5py and numpy are needed. When xarray is importable (and ``xarray`` is not False) every
array indexed by the sweep axes is an ``xarray.DataArray`` with one dimension per axis (named by
the axis: its key, or every key of a zipped axis joined with " + "), each key a coordinate, and ``attrs["units"]``.
With ``xarray=False`` (what the notebooks use, so they run the same with or without xarray) the
arrays are numpy arrays and their units are in ``run["units"]``, keyed by the HDF5 path without
the leading slash.

This module only reads: no physics here.

The returned dict:

``path``, ``title``, ``attrs`` (root attributes, strings decoded), ``config_toml`` (the config
text), ``config`` (that text parsed with tomllib, or None), ``complete`` (bool or None)

``axes``: one dict per sweep axis, in order: ``index``, ``name`` (HDF5 name), ``key``,
    ``keys`` (list; more than one for a zipped axis), ``kind`` (linear/log/values/zip/random),
    ``units``, ``values`` (of ``key``), ``key_values`` ({key: values} for every key of the
    axis), ``key_units`` ({key: units}), ``dim`` (the dimension name: the key, or the keys of a
    zipped axis joined with " + ", the file's ``name`` attribute of the axis)
``dims``: the ``dim`` of every axis in order (dimension names); ``shape``: the sweep shape

``results``: {name: array} for every dataset under /results, with names relative to /results
    (``eqe``, ``photon_rate/total``, ``fates/tta``, ``populations/Tb_5D4``,
    ``line_photon_rate``); ``status`` is int
``ok``: boolean array, status == 0 (where a point failed its results are 0 placeholders)
``fates``: {channel: array}, the exciton fates (they sum to 1 at a converged point)
``photon_rate``, ``populations``: {name: array}
``lines``: {label: array}, ``line_labels`` (list of str)
``spectrum``: None or {``wavelength_nm``, ``power`` (axes..., wavelength), ``units``}
``transient``: None or {``time_s``, ``photon_rate``, ``species`` ({"ligand": ..,
    "<Ion>": ..}), ``rise_time_s``, ``decay_time_s``, ``status``, ``units``}
``units``: {"results/eqe": "1", "spectrum/power": "W m^-2 nm^-1", "axes/0": "mA cm^-2", ...}

Command line: ``python3 relsim_h5.py FILE.h5`` prints a summary.
"""

from __future__ import annotations

import sys

import h5py
import numpy as np

try:  # optional
    import xarray as _xr
except ImportError:  # pragma: no cover - depends on the machine
    _xr = None

try:
    import tomllib as _tomllib
except ImportError:  # Python < 3.11
    _tomllib = None

__all__ = ["load", "have_xarray", "masked", "axis_by_key", "summary", "unit_label"]


def have_xarray() -> bool:
    """True when xarray can be imported."""
    return _xr is not None


def _text(v):
    """Decodes an HDF5 attribute or string element to str (other values unchanged)."""
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.dtype.kind in "OSU":
        return [_text(x) for x in v.tolist()]
    if isinstance(v, np.generic):
        return v.item()
    return v


def _read(ds):
    a = ds[()]
    if isinstance(a, np.ndarray) and a.dtype.kind in "OS":
        return np.array([_text(x) for x in a.ravel()], dtype=object).reshape(a.shape)
    return np.asarray(a)


def _axis_sort_key(name):
    head, _, tail = name.partition("_key")
    return (int(head), int(tail) if tail else 0) if head.isdigit() else (1 << 30, 0)


def _read_axes(f):
    axes = []
    if "axes" not in f:
        return axes
    g = f["axes"]
    main = sorted((n for n in g if n.isdigit()), key=int)
    for n in main:
        ds = g[n]
        a = {"index": int(n), "name": n, "values": _read(ds)}
        a["key"] = _text(ds.attrs.get("key", f"axis{n}"))
        keys = _text(ds.attrs.get("keys", a["key"]))
        a["keys"] = [k for k in (keys if isinstance(keys, list) else str(keys).split(",")) if k]
        if not a["keys"]:
            a["keys"] = [a["key"]]
        # The dimension's name: the axis's `name` attribute (every key of a zipped axis joined
        # with " + "; files before it: the keys joined the same way).
        a["dim"] = _text(ds.attrs["name"]) if "name" in ds.attrs else " + ".join(a["keys"])
        a["kind"] = _text(ds.attrs.get("kind", ""))
        a["units"] = _text(ds.attrs.get("units", ""))
        a["key_values"] = {a["key"]: a["values"]}
        a["key_units"] = {a["key"]: a["units"]}
        extra = sorted((m for m in g if m.startswith(n + "_key")), key=_axis_sort_key)
        for m in extra:
            k = _text(g[m].attrs.get("key", m))
            a["key_values"][k] = _read(g[m])
            a["key_units"][k] = _text(g[m].attrs.get("units", ""))
        axes.append(a)
    return axes


def _wrap(arr, units, axes, trailing=None, use_xr=False):
    """Makes a DataArray over the sweep axes (plus optional trailing (name, coords))."""
    if not use_xr:
        return arr
    nax = len(axes)
    dims = [a["dim"] for a in axes]
    coords = {}
    for a in axes:
        for k, v in a["key_values"].items():
            coords[k] = (a["dim"], v, {"units": a["key_units"][k]})
    if trailing is not None:
        name, values, tunits = trailing
        dims.append(name)
        if values is not None:
            coords[name] = (name, values, {"units": tunits})
    if arr.ndim != len(dims):  # not shaped by the axes (should not happen): plain array
        return arr
    if arr.shape[:nax] != tuple(len(a["values"]) for a in axes):
        return arr
    return _xr.DataArray(arr, dims=dims, coords=coords, attrs={"units": units})


def load(path, xarray=None) -> dict:
    """Reads the relsim output file at ``path``; see the module docstring for the layout.

    xarray: None = use xarray when importable, True = require it, False = numpy only.
    """
    if xarray and _xr is None:
        raise ImportError("xarray was asked for but cannot be imported")
    use_xr = _xr is not None if xarray is None else bool(xarray)
    out = {"path": str(path), "units": {}}
    with h5py.File(path, "r") as f:
        attrs = {k: _text(v) for k, v in f.attrs.items()}
        out["attrs"] = attrs
        out["title"] = attrs.get("title", "")
        out["config_toml"] = attrs.get("config_toml", "")
        out["complete"] = bool(attrs["complete"]) if "complete" in attrs else None
        out["config"] = None
        if _tomllib is not None and out["config_toml"]:
            try:
                out["config"] = _tomllib.loads(out["config_toml"])
            except _tomllib.TOMLDecodeError:
                pass

        axes = _read_axes(f)
        out["axes"] = axes
        out["dims"] = [a["dim"] for a in axes]
        out["shape"] = tuple(len(a["values"]) for a in axes)
        for a in axes:
            out["units"]["axes/" + a["name"]] = a["units"]

        # results
        results = {}
        line_labels = []
        if "results" in f:
            f["results"].visititems(lambda name, obj: results.__setitem__(name, obj)
                                    if isinstance(obj, h5py.Dataset) else None)
        res = {}
        for name in sorted(results):
            ds = results[name]
            units = _text(ds.attrs.get("units", ""))
            out["units"]["results/" + name] = units
            arr = _read(ds)
            if name == "line_labels":
                line_labels = [str(x) for x in arr.tolist()]
                continue
            res[name] = arr
        lines_trailing = ("line", np.array(line_labels, dtype=object), "1")
        for name, arr in res.items():
            trailing = lines_trailing if name == "line_photon_rate" else None
            res[name] = _wrap(arr, out["units"]["results/" + name], axes, trailing, use_xr)
        out["results"] = res
        out["line_labels"] = line_labels
        status = res.get("status")
        out["ok"] = (np.asarray(status) == 0) if status is not None else np.ones(out["shape"], bool)

        def group(prefix):
            return {n[len(prefix):]: v for n, v in res.items() if n.startswith(prefix)}

        out["fates"] = group("fates/")
        out["photon_rate"] = group("photon_rate/")
        out["populations"] = group("populations/")
        lpr = res.get("line_photon_rate")
        out["lines"] = {}
        if lpr is not None:
            lpr_np = np.asarray(lpr)
            for i, lab in enumerate(line_labels):
                out["lines"][lab] = _wrap(lpr_np[..., i], out["units"]["results/line_photon_rate"],
                                          axes, None, use_xr)

        # spectrum
        out["spectrum"] = None
        if "spectrum" in f and "wavelength_nm" in f["spectrum"]:
            g = f["spectrum"]
            wl = _read(g["wavelength_nm"])
            sp = {"wavelength_nm": wl, "units": {}}
            sp["units"]["wavelength_nm"] = _text(g["wavelength_nm"].attrs.get("units", "nm"))
            out["units"]["spectrum/wavelength_nm"] = sp["units"]["wavelength_nm"]
            if "power" in g:
                pu = _text(g["power"].attrs.get("units", ""))
                sp["units"]["power"] = pu
                out["units"]["spectrum/power"] = pu
                sp["power"] = _wrap(_read(g["power"]), pu, axes,
                                    ("wavelength_nm", wl, sp["units"]["wavelength_nm"]), use_xr)
            out["spectrum"] = sp

        # transient
        out["transient"] = None
        if "transient" in f and "time_s" in f["transient"]:
            g = f["transient"]
            t = _read(g["time_s"])
            tu = _text(g["time_s"].attrs.get("units", "s"))
            tr = {"time_s": t, "species": {}, "units": {"time_s": tu}}
            for name in g:
                ds = g[name]
                if not isinstance(ds, h5py.Dataset) or name == "time_s":
                    continue
                u = _text(ds.attrs.get("units", ""))
                tr["units"][name] = u
                out["units"]["transient/" + name] = u
                arr = _read(ds)
                if name.endswith("photon_rate"):
                    w = _wrap(arr, u, axes, ("time_s", t, tu), use_xr)
                    if name == "photon_rate":
                        tr["photon_rate"] = w
                    else:
                        tr["species"][name[: -len("_photon_rate")]] = w
                else:
                    tr[name] = _wrap(arr, u, axes, None, use_xr)
            out["units"]["transient/time_s"] = tu
            # ligand first, then the ions in file order
            sp = tr["species"]
            tr["species"] = {k: sp[k] for k in sorted(sp, key=lambda k: (k != "ligand", k))}
            out["transient"] = tr
    return out


def masked(run, name):
    """results[name] as a float numpy array with NaN where the point did not converge."""
    a = np.array(run["results"][name], dtype=float)
    ok = np.broadcast_to(np.asarray(run["ok"]), a.shape[: np.ndim(run["ok"])])
    if a.ndim > ok.ndim:
        ok = ok.reshape(ok.shape + (1,) * (a.ndim - ok.ndim))
    return np.where(ok, a, np.nan)


def axis_by_key(run, key):
    """The axis dict whose keys contain ``key`` (KeyError when none)."""
    for a in run["axes"]:
        if key in a["keys"]:
            return a
    raise KeyError(f"no sweep axis with key {key!r} in {run['path']}: {run['dims']}")


def unit_label(units: str) -> str:
    """Units as written in the file ("mA cm^-2") in matplotlib mathtext ("mA cm$^{-2}$")."""
    import re

    if units in ("", "1"):
        return "1"
    return re.sub(r"\^(-?[0-9.]+)", lambda m: "$^{" + m.group(1) + "}$", units)


def summary(run) -> str:
    """A short text description of a loaded run."""
    lines = [f"{run['path']}: {run['title']!r}", f"  {run['attrs'].get('relsim_version', '?')}, "
             f"created {run['attrs'].get('created_utc', '?')}"]
    if not run["axes"]:
        lines.append("  one point")
    for a in run["axes"]:
        v = np.asarray(a["values"])
        lines.append(f"  axis {a['index']} ({a['kind']}, {len(v)} values): "
                     + " + ".join(a["keys"]) + f" [{a['units']}] {v.min():.4g} .. {v.max():.4g}")
    ok = np.asarray(run["ok"])
    lines.append(f"  converged points: {int(ok.sum())} of {ok.size}")
    lines.append("  results: " + ", ".join(n for n in run["results"]
                                           if not n.startswith(("fates/", "populations/",
                                                                "photon_rate/"))))
    lines.append("  fates: " + ", ".join(run["fates"]))
    if run["spectrum"] is not None:
        wl = run["spectrum"]["wavelength_nm"]
        lines.append(f"  spectrum: {len(wl)} wavelengths {wl[0]:g}..{wl[-1]:g} nm"
                     + ("" if "power" in run["spectrum"] else " (no power)"))
    if run["transient"] is not None:
        tr = run["transient"]
        lines.append(f"  transient: {len(tr['time_s'])} times, species "
                     + ", ".join(tr["species"]))
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: relsim_h5.py FILE.h5 [FILE.h5 ...]")
    for p in sys.argv[1:]:
        print(summary(load(p)))
