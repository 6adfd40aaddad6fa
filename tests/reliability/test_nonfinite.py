#!/usr/bin/python3
"""Numbers published as good (docs/reliability.md "Numbers published as good"): lines narrower than
the grid step, a strongly uphill transfer whose converged points close their fate budget, verify
on a microscopic EL file (fates without their _stderr, issue 21 item 17), and a pulse whose time
axis would be infinite.

One CTest test per group: test_nonfinite.py GROUP --relsim BIN --inject SO --workdir DIR
(tests/reliability/CMakeLists.txt; shared helpers in reliability_support.py)."""
import sys

import h5py
import numpy as np

from reliability_support import SOURCE, TB_DEVICE, run_groups


def nonfinite_and_fates(c):
    # (5) lines narrower than the grid step, down to 5e-324 nm: finite, power kept.
    ion = (SOURCE / "configs/ions/Tb.toml").read_text()
    import re
    narrow = re.sub(r"fwhm_nm = [0-9.eE+-]+", "fwhm_nm = 5e-324", ion)
    c.write("Tb_narrow.toml", narrow)
    spec = "[spectrum]\nfrom_nm = 350.0\nto_nm = 800.0\nstep_nm = 0.5\nsave = true\n"
    wide_cfg, wide = c.reference(TB_DEVICE + spec, name="wide")
    narrow_text = TB_DEVICE.replace('ion = "Tb"', 'ion = "Tb"\nion_file = "Tb_narrow.toml"') + spec
    narrow_cfg, narrow_out = c.reference(narrow_text, name="narrow")
    with h5py.File(wide, "r") as fw, h5py.File(narrow_out, "r") as fn:
        pw, pn = fw["spectrum/power"][()], fn["spectrum/power"][()]
        status = int(fn["results/status"][()])
        lw, ln = float(fw["results/luminance_cd_m2"][()]), float(fn["results/luminance_cd_m2"][()])
    c.check(status == 0 and np.isfinite(pn).all(), "fwhm_nm = 5e-324: status 0 and every spectrum value finite")
    rel = abs(pn.sum() - pw.sum()) / pw.sum()
    c.check(rel < 2e-3, f"the spectral power equals that of the 8 nm lines (relative difference {rel:.1e})")
    c.check(abs(ln - lw) / lw < 0.05, f"luminance {ln:.4g} vs {lw:.4g} cd m^-2 (same lines, other widths)")
    # (7) a strongly uphill transfer with a huge kTET: every converged point closes its budget.
    uphill = TB_DEVICE.replace("triplet_energy_eV = 2.9", "triplet_energy_eV = 2.0") + """
[sweep]
[[sweep.axis]]
key = "dopant.0.kTET_s"
log_from = 1e9
to = 1e16
points = 36
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-3
to = 1e3
points = 13
"""
    ucfg, uout = c.reference(uphill, name="uphill")
    with h5py.File(uout, "r") as f:
        st = f["results/status"][()]
        fates = sum(f["results/fates"][k][()] for k in f["results/fates"])
    conv = st == 0
    worst = float(np.max(np.abs(fates[conv] - 1))) if conv.any() else 0.0
    c.check(conv.any() and worst <= 1e-9, f"uphill transfer: {int(conv.sum())} converged points, "
            f"max |sum(fates) - 1| = {worst:.1e} <= 1e-9; {int((st == 6).sum())} marked 'fates do not sum to 1'")
    c.check(np.all(fates[~conv] == 0), "failed points hold zeros")
    for out in (wide, narrow_out, uout):
        r = c.relsim("verify", out)
        c.check(r.returncode == 0, f"relsim verify {out.name}: no NaN/inf, fates closed", r.stdout)
    # Issue 21 item 17: a microscopic EL file carries fates/*_stderr beside the fates; verify
    # must sum the fates only (it added the standard errors and failed every such file).
    micro_cfg = SOURCE / "tests/nanocrystal_config/data/small_el_sweep.toml"
    micro = c.work / "micro.h5"
    r = c.relsim("run", micro_cfg, "-o", micro, "-t", "1", "-q", timeout=300)
    if c.check(r.returncode == 0, "microscopic EL sweep runs", r.stderr):
        with h5py.File(micro, "r") as f:
            names = list(f["results/fates"])
        c.check(any(n.endswith("_stderr") for n in names), "the microscopic file has fates/*_stderr datasets")
        r = c.relsim("verify", micro)
        c.check(r.returncode == 0 and "fates sum to 1" in r.stdout,
                "relsim verify of a microscopic EL file: fates (without their _stderr) sum to 1", r.stdout + r.stderr)
    # (6) a pulse whose time axis would be infinite: refused before computing.
    tr = TB_DEVICE + "[transient]\npulse_current_density_mA_cm2 = 10.0\npulse_on_s = 1.5e308\noff_s = 1.5e308\npoints = 10\n"
    cfg = c.write("tinf.toml", tr)
    r = c.relsim("run", cfg, "-o", c.work / "tinf.h5", "--quiet")
    c.check(r.returncode == 2 and "transient" in r.stderr and "non-finite" in r.stderr,
            "a pulse with an infinite time axis: exit 2", r.stderr)


GROUPS = {f.__name__: f for f in (nonfinite_and_fates,)}

if __name__ == "__main__":
    sys.exit(run_groups(GROUPS))
