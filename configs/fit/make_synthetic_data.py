#!/usr/bin/python3
"""Make the synthetic "measured" data of the fit example from the model itself.

    /usr/bin/python3 configs/fit/make_synthetic_data.py --relsim build/bin/relsim

Truth: configs/fit/tb_truth.toml (the Nature 2025 Tb@CzPPOA device of configs/paper with its
numbers: outcoupling 0.20, quench_s.5D4 = 430 s^-1, kTP = 4e-13 cm^3 s^-1). Written next to
this script (fixed seed, so the files are reproducible bit for bit):

  eqe.csv      30 current densities, log-spaced 1e-2 .. 1e3 mA cm^-2; EQE with Gaussian noise
               of 2 % of the true value; the sigma column states it.
  el_decay.csv 29 times after the end of the 20 ms, 10 mA cm^-2 pulse (every 6th of relsim's
               log-spaced output times from 10 us after the pulse on, up to 30 ms after it; 29 points); intensity = 1000 counts x photon rate / photon rate at t_on,
               with Gaussian noise of sigma = sqrt(counts) + 1 (shot noise plus a floor).
"""
import argparse
import os
import subprocess
import sys
import tempfile

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20261201


def run(relsim, text, workdir, name):
    cfg = os.path.join(workdir, name + ".toml")
    out = os.path.join(workdir, name + ".h5")
    with open(cfg, "w") as f:
        f.write(text)
    subprocess.run([relsim, "run", cfg, "-o", out, "--quiet"], check=True, stdout=subprocess.DEVNULL)
    return h5py.File(out, "r")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--relsim", required=True)
    ap.add_argument("--outdir", default=HERE)
    args = ap.parse_args()
    rng = np.random.default_rng(SEED)
    truth = open(os.path.join(HERE, "tb_truth.toml")).read()
    # the truth config sits in configs/fit, its ions in configs/ions: copy it next to the ions
    with tempfile.TemporaryDirectory(dir=HERE) as tmp:
        J = np.logspace(-2, 3, 30)
        text = truth.replace('ion = "Tb"', 'ion = "Tb"\nion_file = "%s"' % os.path.join(HERE, "..", "ions", "Tb.toml"))
        sweep = "\n[sweep]\n[[sweep.axis]]\nkey = \"device.current_density_mA_cm2\"\nvalues = [%s]\n" % (
            ", ".join(repr(float(j)) for j in J))
        with run(args.relsim, text.split("\n[transient]")[0] + sweep, tmp, "eqe") as f:
            eqe = f["/results/eqe"][...]
        sigma = 0.02 * eqe
        y = eqe + sigma * rng.standard_normal(eqe.size)
        with open(os.path.join(args.outdir, "eqe.csv"), "w") as out:
            out.write("# synthetic EQE-J of configs/fit/tb_truth.toml, 2 %% Gaussian noise (make_synthetic_data.py, seed %d)\n" % SEED)
            out.write("current_density_mA_cm2,eqe,sigma\n")
            for j, v, s in zip(J, y, sigma):
                out.write("%.10g,%.8g,%.4g\n" % (j, v, s))
        with run(args.relsim, text, tmp, "decay") as f:
            t = f["/transient/time_s"][...]
            rate = f["/transient/photon_rate"][...].reshape(-1)
        t_on = 2.0e-2  # [transient] pulse_on_s of tb_truth.toml
        i_on = int(np.argmin(np.abs(t - t_on)))
        # every 6th of the 400 log-spaced output times after the pulse, from 10 us on (29 points):
        # exactly where relsim computed the model, so no interpolation enters the truth
        pick = [i for i in range(i_on + 1, t.size) if t[i] - t_on >= 1.0e-5][::6][-40:]
        times, r = t[pick], rate[pick]
        counts = 1000.0 * r / rate[i_on]
        sig = np.sqrt(counts) + 1.0
        yd = counts + sig * rng.standard_normal(counts.size)
        with open(os.path.join(args.outdir, "el_decay.csv"), "w") as out:
            out.write("# synthetic EL decay after a 20 ms, 10 mA cm^-2 pulse of configs/fit/tb_truth.toml\n")
            out.write("# intensity = 1000 x photon rate / rate(t_on) + Gaussian noise, sigma = sqrt(counts) + 1 (seed %d)\n" % SEED)
            out.write("time_s,intensity,sigma\n")
            for a, b, c in zip(times, yd, sig):
                out.write("%.10g,%.6g,%.4g\n" % (a, b, c))
    print("wrote eqe.csv and el_decay.csv in", args.outdir)


if __name__ == "__main__":
    sys.exit(main())
