"""Small configs shared by the pipeline's Python tests (test_fit_pipeline.py,
test_combinations.py): a fast linear-engine nanocrystal device, optics tables and helpers that
run the relsim binary."""
import csv
import os
import subprocess

# A 4 nm Tb-doped NC with a ligand shell, 4 NCs per point (linear engine: exact, deterministic
# for a fixed seed): a point costs ~0.1 s. Rates as configs/microscopic/eu_series.toml.
NC_SMALL = """title = "small Tb nanocrystal (pipeline tests)"
[device]
current_density_mA_cm2 = 1.0
recombination_zone_nm = 20.0
charge_balance = 1.0
singlet_fraction = 0.25
outcoupling = 0.20
temperature_K = 300.0
langevin_cm3_s = 1.0e-10
[ligand]
density_cm3 = 2.61e20
triplet_energy_eV = 2.90
kS_rad_s = 1.0e8
kS_nr_s = 1.0e8
k_isc_s = 1.0e11
kT_rad_s = 1.0e2
kT_nr_s = 1.0e4
kTT_cm3_s = 0.0
kTP_cm3_s = 4.0e-13
singlet_band_nm = 390.0
singlet_fwhm_nm = 50.0
triplet_band_nm = 440.0
triplet_fwhm_nm = 60.0
[[dopant]]
ion = "Tb"
density_cm3 = 1.60e21
accepting_level = "5D4"
kTET_s = 0.0
quench_s = { "5D4" = QUENCH }
[nanocrystal]
engine = "ENGINE"
lattice = "beta_NaREF4"
shape = "sphere"
radius_nm = 2.0
count = 4
seed = 3
nc_density_cm3 = 5.54e17
composition = { Tb = 0.20 }
measure_s = 2.0e-3
[nanocrystal.ligand]
surface_density_nm2 = 1.0
standoff_nm = 0.5
r0_nm = 0.5
L_nm = 0.15
kTET0_s = { Tb = 1.0e10 }
[spectrum]
from_nm = 350.0
to_nm = 800.0
step_nm = 1.0
"""


def nc_small(quench=430.0, engine="linear"):
    return NC_SMALL.replace("QUENCH", repr(float(quench))).replace("ENGINE", engine)


def homogeneous_optics(n=1.7, slices=3):
    """substrate = "none" and three loss-free layers of one index: a homogeneous medium."""
    return f"""
[optics]
substrate = "none"
emitting_layer = "EML"
emitter_slices = {slices}
[[optics.layer]]
name = "below"
n = {n}
[[optics.layer]]
name = "EML"
thickness_nm = 40.0
n = {n}
[[optics.layer]]
name = "above"
n = {n}
"""


def current_sweep(values):
    return ("\n[sweep]\n[[sweep.axis]]\nkey = \"device.current_density_mA_cm2\"\nvalues = [%s]\n"
            % ", ".join(repr(float(v)) for v in values))


def run(relsim, *args, cwd=None):
    return subprocess.run([relsim, *args], capture_output=True, text=True, cwd=cwd)


def exported_results(relsim, h5, folder):
    """Rows of results.csv written by `relsim export` (column name -> value string)."""
    r = run(relsim, "export", h5, "--csv", folder, "--force")
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(open(os.path.join(folder, "results.csv"))))


def write(folder, name, text):
    p = os.path.join(folder, name)
    with open(p, "w") as f:
        f.write(text)
    return p
