"""Reading relsim result files generically (the layout is ../shared/spec and README "Output").

Every dataset of the file becomes a variable, named by its HDF5 path: those under /results
without the prefix ("eqe", "fates/tta", "line_photon_rate"), the others with their group
("spectrum/power", "transient/photon_rate", and whatever groups later capabilities add:
"optics/...", "microscopic/...", "fit/..."). Datasets whose leading dimensions are the sweep
shape get the sweep dimensions, named by the axes (the key; a zipped axis: its keys joined with
" + ", each key a coordinate along it); a trailing dimension is named by the
1-D dataset of its group that labels it ("wavelength_nm", "time_s", "line"; /lifetime/slices:
"slice" and the /lifetime time coordinate, SLICE_GROUPS), else "<name>_dim<k>". /axes, /sweep and /config are metadata: the axes become coordinates, the
root attributes (config_toml, relsim_version, ...) the dataset's attrs.
"""

from __future__ import annotations

import numpy as np

try:
    import h5py
except ImportError:  # pragma: no cover - depends on the machine
    h5py = None

try:
    import xarray as xr
except ImportError:  # pragma: no cover - depends on the machine
    xr = None

META_GROUPS = ("axes", "sweep", "config")
#: 1-D datasets that label the last dimension of the other datasets of their group. A new
#: group can mark its own with the HDF5 attribute coordinate = 1.
KNOWN_COORDINATES = ("wavelength_nm", "time_s", "line_labels")
#: Groups of per-slice datasets ([lifetime] with [transport]: sweep dims [+ time] + slice) that
#: no 1-D dataset labels (the slice positions differ from point to point): their last dimension
#: is "slice", one before it the time coordinate of the enclosing group (/lifetime/time_over_stop).
SLICE_GROUPS = ("lifetime/slices",)


def _text(v):
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.dtype.kind in "OS":
        return np.array([_text(x) for x in v.ravel()], dtype=object).reshape(v.shape)
    if isinstance(v, np.generic):
        return v.item()
    return v


def _value(ds):
    """A dataset's contents: numpy (dtype kept, 0-d for a scalar); strings decoded to str."""
    a = np.asarray(ds[()])
    if a.dtype.kind in "OS":
        return np.array([_text(x) for x in a.ravel()], dtype=object).reshape(a.shape)
    return a


def _need_h5py():
    if h5py is None:
        raise ImportError("reading relsim files needs h5py (Debian: python3-h5py)")


def read_axes(f):
    """[(name, values, units, [(key, values, units), ...])] for every sweep axis: the name is the
    axis's `name` attribute, its keys joined with " + " (one key: the key itself); values and
    units are its first key's; the list holds every key of a zipped axis (empty for one key)."""
    axes = []
    if "axes" not in f:
        return axes
    g = f["axes"]
    for n in sorted((n for n in g if n.isdigit()), key=int):
        ds = g[n]
        first = (_text(ds.attrs["key"]), ds[()], _text(ds.attrs.get("units", "1")))
        extra = []
        k = 1
        while f"{n}_key{k}" in g:
            z = g[f"{n}_key{k}"]
            extra.append((_text(z.attrs["key"]), z[()], _text(z.attrs.get("units", "1"))))
            k += 1
        if extra:
            extra.insert(0, first)
        # files before the `name` attribute: the keys joined as relsim names the axis now
        name = _text(ds.attrs["name"]) if "name" in ds.attrs else " + ".join(e[0] for e in extra) or first[0]
        axes.append((name, first[1], first[2], extra))
    return axes


def read(path, group=None, use_xarray=None, units_out=None):
    """Reads result file `path`. group=None: every group (names as in the module docstring);
    group="transient" (or any group): that group's datasets only, named relative to it.
    Returns an xarray.Dataset, or without xarray (or use_xarray=False) a dict of numpy arrays
    (variables and coordinates under the same names); `units_out`, a dict, then receives
    {name: units}."""
    _need_h5py()
    if use_xarray is None:
        use_xarray = xr is not None
    elif use_xarray and xr is None:
        raise ImportError("xarray was asked for but cannot be imported")
    with h5py.File(path, "r") as f:
        attrs = {k: _text(v) for k, v in f.attrs.items()}
        axes = read_axes(f)
        dims = [a[0] for a in axes]
        shape = tuple(len(a[1]) for a in axes)
        found = []  # (hdf5 path, array, units)
        marked = set()  # paths of declared coordinates

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                found.append((name, _value(obj), _text(obj.attrs.get("units", ""))))
                if name.rsplit("/", 1)[-1] in KNOWN_COORDINATES or obj.attrs.get("coordinate", 0):
                    marked.add(name)

        if group is None:
            for top in f:
                if top in META_GROUPS:
                    continue
                if isinstance(f[top], h5py.Dataset):
                    visit(top, f[top])
                else:
                    f[top].visititems(lambda n, o, top=top: visit(f"{top}/{n}", o))
        elif group in f:
            f[group].visititems(lambda n, o: visit(f"{group}/{n}", o))
        else:
            raise KeyError(f"{path} has no group /{group}; groups: {', '.join(f)}")

    def short(p):
        if group is not None:
            return p[len(group) + 1:]
        return p[len("results/"):] if p.startswith("results/") else p

    nax = len(shape)
    # trailing coordinates: 1-D datasets that label the last dimension of another dataset of
    # their group (/results/line_labels labels line_photon_rate).
    coord_of = {}  # (group path, length) -> (coordinate name, values, units)
    coords_paths = set()
    for p, a, u in found:
        parent = p.rsplit("/", 1)[0] if "/" in p else ""
        if np.ndim(a) != 1:
            continue
        n = len(a)
        if nax > 0 and np.shape(a)[:nax] == shape and p not in marked:
            continue  # shaped by the sweep: a per-point quantity
        if nax == 0 and p not in marked:
            continue  # one point: only declared coordinates
        labels = any(q != p and (q.rsplit("/", 1)[0] if "/" in q else "") == parent
                     and np.ndim(b) == nax + 1 and np.shape(b)[:nax] == shape and np.shape(b)[-1] == n
                     for q, b, _ in found)
        if labels:
            name = p.rsplit("/", 1)[-1]
            if name == "line_labels":
                name = "line"
            coord_of[(parent, n)] = (name, a, u or "1")
            coords_paths.add(p)

    data_vars, coords = {}, {}
    for name, values, units, extra in axes:
        if not extra:
            coords[name] = (name, values, {"units": units})
        for k2, v2, u2 in extra:  # a zipped axis: each key a coordinate along the axis
            coords[k2] = (name, v2, {"units": u2})
    for (_, _), (name, a, u) in coord_of.items():
        coords[name] = (name, a, {"units": u})
    for p, a, u in found:
        if p in coords_paths:
            continue
        name = short(p)
        parent = p.rsplit("/", 1)[0] if "/" in p else ""
        a = np.asarray(a)
        if a.shape[:nax] == shape and a.ndim >= nax:
            vdims = list(dims)
            trailing = a.shape[nax:]
            for k, n in enumerate(trailing):
                c = coord_of.get((parent, n))
                if parent in SLICE_GROUPS and k == len(trailing) - 1:
                    c = ("slice",)
                elif parent in SLICE_GROUPS and k == len(trailing) - 2:
                    c = coord_of.get((parent.rsplit("/", 1)[0], n))
                vdims.append(c[0] if c else f"{name}_dim{k}")
        else:
            vdims = [f"{name}_dim{k}" for k in range(a.ndim)]
        data_vars[name] = (vdims, a, {"units": u or "1"})

    if units_out is not None:
        units_out.update({name: v[2]["units"] for name, v in coords.items()})
        units_out.update({name: v[2]["units"] for name, v in data_vars.items()})
    if not use_xarray:
        out = {name: v[1] for name, v in coords.items()}
        out.update({name: v[1] for name, v in data_vars.items()})
        return out
    return xr.Dataset(data_vars=data_vars, coords=coords, attrs=attrs)
