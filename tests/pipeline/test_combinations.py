#!/usr/bin/python3
"""Every cell of docs/combinations.md (issue 18): each pair of capabilities gives a result that
includes both, or exit 2 with a message naming both tables and nothing written. One function
per cell kind, driven by the CELLS table below (the same table as the doc, cell for cell).

A "works" cell checks that each capability acts on the result: [optics] -> /results/outcoupling
(= 1/2, a homogeneous n = 1.7 medium), [nanocrystal] -> the microscopic model (root attribute
model, engine), a [physics] option -> the result differs from the same config without it (EQE
for energy_gap_law and degeneracy, the pulse's tail for polaron_decay), [transient] -> the pulse
series, [lifetime] -> /lifetime, a sweep -> one result per point, relsim fit -> /fit/values.
"""
import argparse
import os
import shutil
import sys

import h5py
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pipeline_configs as pc  # noqa: E402

# The mean-field device: the small NC config's device, ligand and dopant with a mean-field
# transfer rate (the [nanocrystal] tables are added by the "linear" / "kmc" capabilities).
MF = pc.nc_small().split("[nanocrystal]")[0].replace("kTET_s = 0.0", "kTET_s = 2.0e9")
NC_TABLES = "[nanocrystal]" + pc.NC_SMALL.split("[nanocrystal]", 1)[1].split("[spectrum]")[0]
SPECTRUM = "[spectrum]" + pc.nc_small().split("[spectrum]")[1]

SNIPPETS = {
    "optics": pc.homogeneous_optics(1.7, slices=2),
    "gap_law": "\n[physics]\nenergy_gap_law = true\n",
    "degeneracy": "\n[physics]\ndegeneracy = true\n",
    "polaron_decay": "\n[physics]\npolaron_decay = true\n",
    "transient": "\n[transient]\npulse_current_density_mA_cm2 = 10.0\npulse_on_s = 2.0e-3\noff_s = 4.0e-3\npoints = 8\n",
    "lifetime": "\n[lifetime]\nkX_TP_cm3_s = 1.0e-20\nkQ_T_cm3_s = 1.0e-12\nkQ_Ln_cm3_s = 1.0e-12\nmax_hours = 1.0e3\ntime_points = 5\n",
    "sweep": '\n[sweep]\n[[sweep.axis]]\nkey = "dopant.0.quench_s.5D4"\nvalues = [300.0, 600.0]\n',
}
PHYSICS = ("gap_law", "degeneracy", "polaron_decay")
# [transport] (docs/transport.md): a three-layer stack whose 40 nm EML is the homogeneous optics
# snippet's emitting layer, driven by the device's current; the zone, balance and Langevin
# constant are its outputs (removed from [device]); the optics slices are the transport slices.
TRANSPORT = """
[transport]
anode_work_function_eV = 5.2
cathode_work_function_eV = 3.0
emissive_layer = "EML"
[[transport.layer]]
name = "HTL"
thickness_nm = 30.0
eps_r = 3.0
HOMO_eV = -5.5
LUMO_eV = -2.0
mu_n_cm2_Vs = 1.0e-7
mu_p_cm2_Vs = 1.0e-3
[[transport.layer]]
name = "EML"
thickness_nm = 40.0
eps_r = 3.0
HOMO_eV = -5.6
LUMO_eV = -2.6
mu_n_cm2_Vs = 1.0e-4
mu_p_cm2_Vs = 1.0e-4
[[transport.layer]]
name = "ETL"
thickness_nm = 30.0
eps_r = 3.0
HOMO_eV = -6.2
LUMO_eV = -2.7
mu_n_cm2_Vs = 1.0e-4
mu_p_cm2_Vs = 1.0e-7
"""


def with_transport(text):
    """[transport]: the device keys it computes removed, the stack added, no optics.emitter_slices."""
    for k in ("recombination_zone_nm", "charge_balance", "langevin_cm3_s"):
        text = "\n".join(line for line in text.split("\n") if not line.startswith(k + " "))
    return text.replace("emitter_slices = 2\n", "") + TRANSPORT


def config_text(caps):
    """The config of a set of capabilities ("linear"/"kmc" select the microscopic model)."""
    text = MF
    if "linear" in caps or "kmc" in caps:
        text = text.replace("current_density_mA_cm2 = 1.0", "current_density_mA_cm2 = 10.0")
        text += NC_TABLES.replace('engine = "ENGINE"', 'engine = "%s"' % ("kmc" if "kmc" in caps else "linear"))
    text += SPECTRUM
    physics = [c for c in caps if c in PHYSICS]
    if physics:
        text += "\n[physics]\n" + "".join(SNIPPETS[c].split("[physics]\n")[1] for c in physics)
    for c in caps:
        if c in SNIPPETS and c not in PHYSICS:
            text += SNIPPETS[c]
    if "transport" in caps:
        text = with_transport(text)
    return text


# Expected outcome of each pair: "works" or ("exit2", [substrings the message must hold]).
# Keys are sorted pairs; every pair of CAPS appears (docs/combinations.md lists the same).
CAPS = ["optics", "linear", "kmc", "gap_law", "degeneracy", "polaron_decay", "transient", "lifetime", "sweep", "fit",
        "transport"]
REFUSED = {
    ("optics", "transient"): ["[transient]", "[optics]"],
    ("lifetime", "linear"): ["[lifetime]", "[nanocrystal]"],
    ("kmc", "lifetime"): ["[lifetime]", "[nanocrystal]"],
    ("fit", "kmc"): ["[nanocrystal] engine = \"kmc\"", "relsim fit"],
    ("fit", "sweep"): ["sweeps 'dopant.0.quench_s.5D4'", "a fitted model must be one point"],
    ("kmc", "transport"): ["[transport]", "[nanocrystal] engine = \"kmc\"", "stochastic"],
    ("transient", "transport"): ["[transport]", "[transient]"],
    ("fit", "transport"): ["[transport]", "relsim fit"],
}
NOT_A_PAIR = {("kmc", "linear"): "one engine per [nanocrystal] table"}
# Three-way cells where a pair works but the triple is refused (or the reverse).
TRIPLES = [
    (("linear", "polaron_decay", "transient"), ("exit2", ["[physics] polaron_decay", "[transient]", "engine"])),
    (("kmc", "polaron_decay", "transient"), "works"),
    (("optics", "linear", "fit"), "works"),
    (("optics", "linear", "sweep"), "works"),
    (("optics", "transport", "sweep"), "works"),
    (("optics", "linear", "transport"), "works"),
    (("linear", "sweep", "transport"), "works"),
]


def expected(a, b):
    key = tuple(sorted((a, b)))
    if key in NOT_A_PAIR:
        return None
    if key in REFUSED:
        return ("exit2", REFUSED[key])
    return "works"


def run(relsim, w, name, caps, extra=""):
    """Runs `relsim run` (or `relsim fit` when "fit" is in caps) on the config of caps."""
    text = config_text([c for c in caps if c != "fit"]) + extra
    cfg = pc.write(w, name + ".toml", text)
    out = os.path.join(w, name + ".h5")
    if "fit" not in caps:
        r = pc.run(relsim, "run", cfg, "-o", out, "--force")
        return r, out
    # Data made by the model itself at two currents (the fit must reach them).
    truth = [c for c in caps if c != "fit" and c != "sweep"]
    tcfg = pc.write(w, name + "_truth.toml", config_text(truth) + extra + pc.current_sweep([5.0, 10.0]))
    tout = os.path.join(w, name + "_truth.h5")
    r = pc.run(relsim, "run", tcfg, "-o", tout, "--force")
    assert r.returncode == 0, f"{name}: the data run failed: {r.stderr}"
    with h5py.File(tout, "r") as f:
        eqe = f["/results/eqe"][()]
    pc.write(w, name + "_eqe.csv", "current_density_mA_cm2,eqe\n5.0,%r\n10.0,%r\n" % (eqe[0], eqe[1]))
    fit = (f'[[model]]\nname = "m"\nconfig = "{name}.toml"\n[[data]]\nmodel = "m"\nkind = "eqe_vs_current"\n'
           f'file = "{name}_eqe.csv"\n[[free]]\nkey = "dopant.0.quench_s.5D4"\nmin = 10.0\nmax = 1.0e4\nlog = true\n'
           f'start = 300.0\n[fit]\nmultistart = 1\n')
    fcfg = pc.write(w, name + "_fit.toml", fit)
    r = pc.run(relsim, "fit", fcfg, "-o", out)
    return r, out


def results(path):
    with h5py.File(path, "r") as f:
        out = {"model": f.attrs.get("model", b"mean-field"), "engine": f.attrs.get("engine", b"")}
        for k in ("/results/eqe", "/results/outcoupling", "/fit/values"):
            if k in f:
                out[k] = np.asarray(f[k][()])
        out["lifetime"] = "lifetime" in f
        out["transport"] = "/results/voltage_V" in f and "/results/charge_balance" in f
        out["transient"] = None
        for k in ("/transient/photon_rate", "/results/transient/photon_rate"):
            if k in f:
                out["transient"] = np.asarray(f[k][()])
        return out


def check_works(relsim, w, *caps):
    caps = list(caps)
    name = "_".join(caps)
    r, out = run(relsim, w, name, caps)
    assert r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr}"
    res = results(out)
    if "fit" in caps:
        assert "/fit/values" in res and np.all(np.isfinite(res["/fit/values"])), name
        return
    for c in caps:
        if c == "optics":
            assert abs(float(np.ravel(res["/results/outcoupling"])[0]) - 0.5) < 1e-6, name
        elif c in ("linear", "kmc"):
            model = res["model"].decode() if isinstance(res["model"], bytes) else res["model"]
            engine = res["engine"].decode() if isinstance(res["engine"], bytes) else res["engine"]
            assert model == "microscopic" and engine == c, (name, model, engine)
        elif c in PHYSICS:
            other = [x for x in caps if x != c]
            r0, out0 = run(relsim, w, name + "_without_" + c, other)
            assert r0.returncode == 0, r0.stderr
            base = results(out0)
            if c == "polaron_decay":
                if "transient" not in caps:
                    continue  # checked with [transient]: the option acts after a pulse
                assert not np.array_equal(res["transient"], base["transient"]), f"{name}: {c} changed nothing"
            else:
                assert not np.array_equal(res["/results/eqe"], base["/results/eqe"]), f"{name}: {c} changed nothing"
        elif c == "transient":
            assert res["transient"] is not None and np.all(np.isfinite(res["transient"])), name
        elif c == "lifetime":
            assert res["lifetime"], name
        elif c == "sweep":
            assert np.size(res["/results/eqe"]) == 2, name
        elif c == "transport":  # the solved stack: voltage and charge balance are outputs
            assert res["transport"], name


def check_refused(relsim, w, needles, *caps):
    caps = list(caps)
    name = "_".join(caps)
    r, out = run(relsim, w, name, caps)
    assert r.returncode == 2, f"{name}: expected exit 2, got {r.returncode}: {r.stderr}"
    for n in needles:
        assert n in r.stderr, f"{name}: '{n}' not in {r.stderr}"
    assert not os.path.exists(out) and not os.path.exists(out + ".partial"), name


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--cell", help="one cell, 'a,b'")
    a = ap.parse_args()
    shutil.rmtree(a.workdir, ignore_errors=True)
    os.makedirs(a.workdir)
    cells = [((x, y), expected(x, y)) for i, x in enumerate(CAPS) for y in CAPS[i + 1:]] + TRIPLES
    if a.cell:
        want = tuple(a.cell.split(","))
        cells = [c for c in cells if c[0] == want]
    failures = []
    for caps, e in cells:
        what = " + ".join(caps)
        if e is None:
            print(f"n/a    {what}: {NOT_A_PAIR[tuple(sorted(caps))]}")
            continue
        try:
            if e == "works":
                check_works(a.relsim, a.workdir, *caps)
            else:
                check_refused(a.relsim, a.workdir, e[1], *caps)
            print(f"{'works' if e == 'works' else 'exit 2'}  {what}")
        except AssertionError as err:
            failures.append(f"{what}: {err}")
            print(f"FAIL   {what}: {err}")
    if not a.cell or a.cell.startswith("transport,"):  # [transport] x [lifetime] (appended cells)
        failures += run_transport_lifetime_cells(a.relsim, a.workdir, a.cell.split(",") if a.cell else None)
    assert not failures, "\n".join(failures)
    print("ok")


# ---- [transport] x [lifetime] (issue 20; docs/combinations.md, "[transport] with [lifetime]") ----
# The mean-field device MF on a three-layer stack (tests/fixtures/transport_stack.toml, shared
# with tests/lifetime): [device] keys that are outputs with [transport] are dropped; the drive is
# the constant current of MF, or a voltage (refused with [lifetime]).
TRANSPORT_STACK = "\n" + open(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "fixtures",
                                         "transport_stack.toml")).read()
# (cell name, capabilities, expectation): "works" or ("exit2", [substrings of the message]).
TRANSPORT_LIFETIME_CELLS = [
    ("transport_lifetime", ("lifetime",), "works"),
    ("transport_lifetime_sweep", ("lifetime", "sweep"), "works"),
    ("transport_lifetime_voltage", ("lifetime", "voltage"), ("exit2", ["[lifetime]", "[transport]", "device.voltage_V"])),
    ("transport_lifetime_optics", ("lifetime", "optics"), ("exit2", ["[transport]", "[optics]"])),
]


def transport_text(caps):
    text = MF
    for key in ("recombination_zone_nm", "charge_balance", "langevin_cm3_s"):
        text = "\n".join(line for line in text.splitlines() if not line.startswith(key)) + "\n"
    if "voltage" in caps:
        text = text.replace("current_density_mA_cm2 = 1.0", "voltage_V = 6.0")
    text += SPECTRUM + TRANSPORT_STACK
    for c in caps:
        if c in SNIPPETS:
            text += SNIPPETS[c]
    return text


def check_transport_lifetime(relsim, w, name, caps, expect):
    cfg = pc.write(w, name + ".toml", transport_text(caps))
    out = os.path.join(w, name + ".h5")
    r = pc.run(relsim, "run", cfg, "-o", out, "--force")
    if expect == "works":
        assert r.returncode == 0, f"{name}: exit {r.returncode}: {r.stderr}"
        with h5py.File(out, "r") as f:
            assert "/results/voltage_V" in f, f"{name}: no transport result"
            assert "/lifetime/slices/quencher_cm3" in f, f"{name}: no per-slice lifetime"
            n = 2 if "sweep" in caps else 1
            assert np.size(f["/results/lifetime/LT50_h"][()]) == n, name
            assert np.all(f["/results/lifetime/status"][()] == 0), name
        return
    assert r.returncode == 2, f"{name}: expected exit 2, got {r.returncode}: {r.stderr}"
    for n in expect[1]:
        assert n in r.stderr, f"{name}: '{n}' not in {r.stderr}"
    assert not os.path.exists(out) and not os.path.exists(out + ".partial"), name


def run_transport_lifetime_cells(relsim, w, only=None):
    failures = []
    for name, caps, expect in TRANSPORT_LIFETIME_CELLS:
        if only and tuple(only) != ("transport",) + caps:
            continue
        try:
            check_transport_lifetime(relsim, w, name, caps, expect)
            print(f"{'works' if expect == 'works' else 'exit 2'}  transport + {' + '.join(caps)}")
        except AssertionError as err:
            failures.append(f"transport + {' + '.join(caps)}: {err}")
            print(f"FAIL   transport + {' + '.join(caps)}: {err}")
    return failures


if __name__ == "__main__":
    main()
