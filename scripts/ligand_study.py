#!/usr/bin/env python3
"""The ligand question of issue 19 through the whole pipeline (docs/transport.md, "Shipped
stacks: the ligand question through the pipeline"): each stack of configs/transport/ligand_{czppoa,oleate,oleate_wide}.toml
with the ligand and Tb kinetics of configs/transport/tb_jvl.toml, driven by voltage and by current,
run by `relsim run`; prints markdown tables (EQE, lm/W, luminance, where the charge recombines) and
the ratios CzPPOA / oleate.

Usage: /usr/bin/python3 scripts/ligand_study.py --relsim build/bin/relsim [--workdir DIR [--reuse]]
(~5 min on one core: the current drives of the oleate stacks bisect J(V) up to ~30 V)
"""
import argparse
import pathlib
import subprocess
import tempfile

import h5py

REPO = pathlib.Path(__file__).resolve().parent.parent
STACKS = {"CzPPOA": "ligand_czppoa.toml", "oleate stand-in": "ligand_oleate.toml",
          "oleate wide gap": "ligand_oleate_wide.toml"}
VOLTAGES = [4.0, 6.0, 8.0]
# equal current: what the oleate stand-in carries at ~10, ~20 and ~40 V (mA cm^-2); the wide-gap
# stack carries ~1e-16 mA cm^-2 at 40 V, so it gets its own, far lower, currents
CURRENTS = [1e-7, 1e-6, 1e-5]
CURRENTS_WIDE = [1e-19, 1e-18]


def config_text(stack_file: str, drive: str, values: list) -> str:
    """tb_jvl.toml's [ligand]/[[dopant]] and [spectrum] around the stack file's [transport]."""
    base = (REPO / "configs" / "transport" / "tb_jvl.toml").read_text()
    at = lambda text, table: text.index(f"\n{table}\n") + 1  # the table's line, not a comment
    kinetics = base[at(base, "[ligand]"):at(base, "[transport]")]
    spectrum = base[at(base, "[spectrum]"):at(base, "[sweep]")]
    st = (REPO / "configs" / "transport" / stack_file).read_text()
    device = st[at(st, "[device]"):at(st, "[transport]")]
    if drive == "device.current_density_mA_cm2":
        device = device.replace("voltage_V = 6.0", "current_density_mA_cm2 = 1.0")
    transport = st[at(st, "[transport]"):]
    vals = ", ".join(repr(float(v)) for v in values)
    return (f'title = "ligand study: {stack_file}"\n' + device + kinetics + transport + "\n" + spectrum +
            f'[sweep]\n[[sweep.axis]]\nkey = "{drive}"\nvalues = [{vals}]\n')


REUSE = False  # --reuse: read the outputs already in --workdir


def run(relsim: str, work: pathlib.Path, name: str, stack_file: str, drive: str, values: list) -> list:
    cfg = work / f"{name}.toml"
    cfg.write_text(config_text(stack_file, drive, values))
    out = work / f"{name}.h5"
    if not (REUSE and out.exists()):
        subprocess.run([relsim, "run", str(cfg), "-o", str(out), "-q", "--force", "-t", "1"], check=True,
                       stdout=subprocess.DEVNULL)
    rows = []
    with h5py.File(out, "r") as f:
        r = f["results"]
        for i in range(len(values)):
            g = lambda k: float(r[k][i])
            rows.append(dict(V=g("voltage_V"), J=g("current_density_mA_cm2"), eqe=g("eqe"), iqe=g("iqe"),
                             lmw=g("power_efficacy_lm_W"), L=g("luminance_cd_m2"),
                             share=g("eml_recombination_fraction"), bal=g("charge_balance"),
                             outside=g("fates/recombination_outside_eml"), norec=g("fates/no_recombination"),
                             cont=g("continuity_error"), status=int(r["status"][i])))
    return rows


def table(title: str, rows: dict) -> str:
    s = [f"**{title}**", "",
         "| stack | V (V) | J (mA cm^-2) | EQE | IQE | lm/W | L (cd m^-2) | NC share of R | "
         "recombined outside NC (of J/q) | not recombined | continuity | status |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, rs in rows.items():
        for x in rs:
            s.append(f"| {name} | {x['V']:.4g} | {x['J']:.3e} | {x['eqe']:.3e} | {x['iqe']:.3e} | "
                     f"{x['lmw']:.3e} | {x['L']:.3e} | {x['share']:.3e} | {x['outside']:.6f} | "
                     f"{x['norec']:.2e} | {x['cont']:.1e} | {x['status']} |")
    return "\n".join(s) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--reuse", action="store_true", help="read the outputs already in --workdir")
    a = ap.parse_args()
    global REUSE
    REUSE = a.reuse
    work = pathlib.Path(a.workdir or tempfile.mkdtemp(prefix="ligand_study_"))
    work.mkdir(parents=True, exist_ok=True)
    byV, byJ = {}, {}
    for k, (name, fn) in enumerate(STACKS.items()):
        byV[name] = run(a.relsim, work, f"v{k}", fn, "device.voltage_V", VOLTAGES)
        byJ[name] = run(a.relsim, work, f"j{k}", fn, "device.current_density_mA_cm2", CURRENTS)
    byJ["oleate wide gap"] = run(a.relsim, work, "jw", STACKS["oleate wide gap"],
                                 "device.current_density_mA_cm2", CURRENTS_WIDE)
    byJ["CzPPOA (at the wide-gap currents)"] = run(a.relsim, work, "jcw", STACKS["CzPPOA"],
                                                    "device.current_density_mA_cm2", CURRENTS_WIDE)
    print(table("Equal voltage", byV))
    print(table("Equal current density", byJ))
    print("**Ratios CzPPOA / oleate**\n")
    # eta: photons per exciton formed in the NC layer (IQE over the NC layer's share of J/q)
    eta = lambda x: x["iqe"] / (x["share"] * x["bal"])
    print("| drive | oleate stack | EQE ratio | lm/W ratio | NC-share ratio (of J/q) | eta ratio |")
    print("|---|---|---|---|---|---|")
    cz = byV["CzPPOA"]
    for name in ("oleate stand-in", "oleate wide gap"):
        for x, y in zip(cz, byV[name]):
            print(f"| {x['V']:.3g} V | {name} | {x['eqe'] / y['eqe']:.3e} | {x['lmw'] / y['lmw']:.3e} | "
                  f"{x['share'] * x['bal'] / (y['share'] * y['bal']):.3e} | {eta(x) / eta(y):.5f} |")
    for name, czr in (("oleate stand-in", byJ["CzPPOA"]), ("oleate wide gap", byJ["CzPPOA (at the wide-gap currents)"])):
        for x, y in zip(czr, byJ[name]):
            print(f"| {x['J']:.3g} mA cm^-2 | {name} | {x['eqe'] / y['eqe']:.3e} | {x['lmw'] / y['lmw']:.3e} | "
                  f"{x['share'] * x['bal'] / (y['share'] * y['bal']):.3e} | {eta(x) / eta(y):.5f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
