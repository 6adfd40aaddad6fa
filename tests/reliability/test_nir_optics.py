#!/usr/bin/python3
"""NIR ions and the optics model (issue 21 items 5, 16, 18): the material tables reach the NIR
lines or are refused naming their range, an infrared roll-off quotes radiance, and the size of the
ED-only treatment of the Tb 5D4 -> 7F5 line as docs/optics.md states it.

One CTest test per group: test_nir_optics.py GROUP --relsim BIN --inject SO --workdir DIR
(tests/reliability/CMakeLists.txt; shared helpers in reliability_support.py)."""
import math, re, sys

import h5py
import numpy as np

from reliability_support import SOURCE, TB_DEVICE, run_groups


NIR_OPTICS = """title = "Yb device on the NIR material tables"
[device]
current_density_mA_cm2 = 0.01
recombination_zone_nm = 1.0
outcoupling = 0.20
[ligand]
density_cm3 = 2.6e20
triplet_energy_eV = 2.90
[[dopant]]
ion = "%s"
density_cm3 = 2.0e20
accepting_level = "%s"
kTET_s = 1.0e9
[spectrum]
from_nm = 900.0
to_nm = 1100.0
step_nm = 1.0
[optics]
substrate = "none"
emitting_layer = "EML"
zone_offset_nm = 0.5
emitter_slices = 1
[[optics.layer]]
name = "cathode"
material = "Al"
[[optics.layer]]
name = "LiF"
thickness_nm = 1.0
material = "LiF"
[[optics.layer]]
name = "EML"
thickness_nm = 20.0
material = "%s"
[[optics.layer]]
name = "anode"
thickness_nm = 110.0
material = "%s"
[[optics.layer]]
name = "substrate"
thickness_nm = 1000.0
material = "glass"
[[optics.layer]]
name = "air"
n = 1.0
"""


def nir_materials(c):
    """The metal, LiF and glass tables reach the NIR (sources in their headers), ITO_Minenkov is
    one ITO film over 191-1689 nm; a table that does not reach a line is refused naming it (issue
    21 item 16)."""
    cfg = c.write("yb.toml", NIR_OPTICS % ("Yb", "2F5/2", "TPBi", "ITO_Minenkov"))
    # TPBi (assumed constant, table to 1000 nm) in the EML would be refused: a constant n instead
    text = cfg.read_text().replace('material = "TPBi"', "n = 1.70")
    cfg.write_text(text)
    out = c.work / "yb.h5"
    r = c.relsim("run", cfg, "-o", out, "--quiet")
    ok = r.returncode == 0
    if ok:
        with h5py.File(out, "r") as f:
            g = f["results/optics/purcell"]
            vals = [float(g[n][()]) for n in g]
            ok = len(vals) > 0 and all(np.isfinite(v) and v > 0 for v in vals)
    c.check(ok, "a Yb device (lines ~1000 nm) on Al, LiF, ITO_Minenkov and glass tables runs, Purcell factors > 0",
            r.stderr)
    for what, text2, names in (
            ("ITO (Koenig 2014, to 998 nm)", text.replace('"ITO_Minenkov"', '"ITO"'), ["'ITO'", "covers"]),
            ("TPBi (assumed constant, to 1000 nm)", cfg.read_text().replace("n = 1.70", 'material = "TPBi"'),
             ["'TPBi'", "covers"])):
        bad = c.write("bad.toml", text2)
        r = c.relsim("check", bad)
        c.check(r.returncode == 2 and all(n in r.stderr for n in names) and "valid" not in r.stdout,
                f"{what} under a Yb device: exit 2 naming the table and its range", r.stderr)


def nir_rolloff(c):
    """The roll-off summary of an infrared device quotes radiance, not cd m^-2, after saying
    photometry is not meaningful (issue 21 item 18); a visible device keeps its cd m^-2 lines."""
    yb = NIR_OPTICS.split("[spectrum]")[0] % ("Yb", "2F5/2") + """[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-3
to = 1e3
points = 13
"""
    cfg = c.write("yb.toml", yb)
    r = c.relsim("run", cfg, "-o", c.work / "yb.h5")
    roll = r.stdout.split("Roll-off over J", 1)[-1]
    c.check(r.returncode == 0 and "photometry not meaningful" in r.stdout and "Roll-off over J" in r.stdout
            and "cd m^-2 =" not in roll and "(radiance" in roll and "not given" in roll,
            "Yb: the roll-off gives radiance and no EQE at 100/1000 cd m^-2", r.stdout[-1200:])
    cfg2, _ = c.reference(TB_DEVICE + """
[sweep]
[[sweep.axis]]
key = "device.current_density_mA_cm2"
log_from = 1e-3
to = 1e3
points = 13
""")
    r = c.relsim("run", cfg2, "-o", c.work / "tb.h5")
    c.check(r.returncode == 0 and "EQE at 100 cd m^-2" in r.stdout and "cd m^-2)" in r.stdout,
            "Tb (visible): the roll-off keeps its photometric lines", r.stdout[-800:])


def md_approximation(c):
    """The size of the ED-only treatment of the Tb 5D4 -> 7F5 line on the paper stack, as
    docs/optics.md states it (issue 21 item 5): F_ED 1.326, F_MD 0.916, eta 0.226 / 0.064."""
    got = {}
    for mode in ("ED", "MD"):
        ion = (SOURCE / "configs/ions/Tb.toml").read_text()
        if mode == "MD":
            ion, n = re.subn(r'(\{ from = "5D4", to = "7F5",[^}]*?)(source =)', r'\1dipole = "MD", \2', ion)
            assert n == 1
        c.write(f"Tb{mode}.toml", ion)
        text = (SOURCE / "configs/optics/paper_device.toml").read_text()
        text = re.sub(r'^ion = "Tb".*$', f'ion = "Tb"\nion_file = "Tb{mode}.toml"', text, count=1, flags=re.M)
        cfg = c.write(f"pd_{mode}.toml", text)
        out = c.work / f"pd_{mode}.h5"
        r = c.relsim("run", cfg, "-o", out, "--quiet")
        if not c.check(r.returncode == 0, f"paper device with Tb 5D4->7F5 as {mode} runs", r.stderr):
            return
        with h5py.File(out, "r") as f:
            got[mode] = (float(f["results/optics/purcell/Tb_5D4_7F5"][()].ravel()[0]),
                         float(f["results/optics/eta_air/Tb_5D4_7F5"][()].ravel()[0]))
    ok = abs(got["ED"][0] - 1.326) < 2e-3 and abs(got["MD"][0] - 0.916) < 2e-3 \
        and abs(got["ED"][1] - 0.226) < 2e-3 and abs(got["MD"][1] - 0.064) < 2e-3
    c.check(ok, f"F and eta_air of Tb 5D4->7F5, ED / MD: {got} (docs/optics.md: 1.326/0.916, 0.226/0.064)")
    # The MD shares docs/optics.md gives for Er and Yb: the magnetic-dipole rate within one
    # Russell-Saunders term (Carnall, Fields, Rajnak 1968), checked first on Eu 5D0 -> 7F1 against
    # Werts' 14.65 s^-1 (n = 1, S_MD = 9.6e-42 esu^2 cm^2), then over the ion files' total rates.
    mu_b, h_cgs = 9.2740100783e-21, 6.62607015e-27

    def a_md(s_md, sigma, j_up, n):
        return 64 * math.pi ** 4 * sigma ** 3 * n ** 3 * s_md / (3 * h_cgs * (2 * j_up + 1))

    def s_term(S, L, J):  # |<SLJ||L+2S||SL J-1>|^2 mu_B^2, J the lower level
        return ((S + L + 1) ** 2 - J ** 2) * (J ** 2 - (L - S) ** 2) / (4 * J) * mu_b ** 2

    eu = a_md(9.6e-42, 1e7 / 591.6, 0, 1.0)
    er = a_md(s_term(1.5, 6, 7.5), 1e7 / 1535.0, 6.5, 1.5) / 100.0  # Er.toml: A(4I13/2) = 100 s^-1
    yb = a_md(s_term(0.5, 3, 3.5), 1e7 / 976.0, 2.5, 1.5) / 500.0   # Yb.toml: A(2F5/2) = 500 s^-1
    doc = (SOURCE / "docs/optics.md").read_text()
    c.check(abs(eu / 14.65 - 1) < 0.02 and f"**{er:.2f}**" in doc and f"**{yb:.2f}**" in doc,
            f"MD shares: Eu 5D0->7F1 A_MD {eu:.2f} s^-1 (Werts 14.65), Er {er:.3f}, Yb {yb:.3f}, as docs/optics.md states them")


GROUPS = {f.__name__: f for f in (nir_materials, nir_rolloff, md_approximation)}

if __name__ == "__main__":
    sys.exit(run_groups(GROUPS))
