#!/usr/bin/python3
"""Baseline for bench_optics (benchmarks/README.md): the Purcell factors of one wavelength and
one emitter position of the paper stack (configs/optics/paper_device.toml at 615 nm, emitter
15 nm above the bottom of the EML), written independently of relsim with NumPy/SciPy:
scipy.integrate.quad of the Chance-Prock-Silbey integrand on the real u axis (the lossy poles
lie off the axis; quad's adaptive refinement resolves them), the stack by the Airy recursion.

    /usr/bin/python3 benchmarks/python_optics_baseline.py [--repeat 5]

Prints F (ED and MD, perp and par, isotropic), the evaluation count and the time per solve.
"""
import argparse, time
import numpy as np
from scipy.integrate import quad


def table(name):
    rows = [l for l in open(f"data/materials/{name}.csv") if l[0].isdigit()]
    a = np.array([[float(x) for x in r.split(",")] for r in rows])
    return a


def index(name, wl):
    a = table(name)
    return np.interp(wl, a[:, 0], a[:, 1]) + 1j * np.interp(wl, a[:, 0], a[:, 2])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    wl, z_from_bottom = 615.0, 15.0
    n = [1.52, index("ITO", wl), index("TAPC", wl), index("CzPPOA", wl), index("TPBi", wl),
         index("LiF", wl), index("Al", wl)]
    d = [0.0, 100.0, 40.0, 30.0, 40.0, 1.0, 0.0]
    e = 3
    ne = n[e].real
    k0 = 2 * np.pi / wl
    eps = [x * x for x in n]
    count = [0]

    def kz(j, u):
        q = complex(eps[j] - (ne * u) ** 2)
        r = np.sqrt(q)
        return -r if r.imag < 0 else r

    def refl(u, p, up):
        kzs = [kz(j, u) for j in range(len(n))]

        def fr(i, j):
            if p:
                a_, b_ = eps[j] * kzs[i], eps[i] * kzs[j]
            else:
                a_, b_ = kzs[i], kzs[j]
            return (a_ - b_) / (a_ + b_)
        if up:
            G = fr(len(n) - 2, len(n) - 1)
            for j in range(len(n) - 3, e - 1, -1):
                P2 = np.exp(2j * k0 * kzs[j + 1] * d[j + 1])
                r = fr(j, j + 1)
                G = (r + G * P2) / (1 + r * G * P2)
            return G, kzs[e]
        L = fr(1, 0)
        for j in range(2, e + 1):
            P2 = np.exp(2j * k0 * kzs[j - 1] * d[j - 1])
            r = fr(j, j - 1)
            L = (r + L * P2) / (1 + r * L * P2)
        return L, kzs[e]

    zm, zp = z_from_bottom, d[e] - z_from_bottom

    def f(u, case):
        count[0] += 1
        res = {}
        for p in (False, True):
            ru, kze = refl(u, p, True)
            rd, _ = refl(u, p, False)
            ep, em, ed = (np.exp(2j * k0 * kze * zp), np.exp(2j * k0 * kze * zm),
                          np.exp(2j * k0 * kze * d[e]))
            D = 1 - ru * rd * ed
            res[p, 1] = (1 + ru * ep) * (1 + rd * em) / D
            res[p, -1] = (1 - ru * ep) * (1 - rd * em) / D
        w = kze / ne
        if case == "ed_perp":
            v = 1.5 * u ** 3 / w * res[True, 1]
        elif case == "md_perp":
            v = 1.5 * u ** 3 / w * res[False, 1]
        elif case == "ed_par":
            v = 0.75 * u / w * (res[False, 1] + w * w * res[True, -1])
        else:
            v = 0.75 * u / w * (res[True, 1] + w * w * res[False, -1])
        return v.real

    pts = sorted({1.52 / ne, 1.0, n[1].real / ne, n[2].real / ne})
    F = {}
    t0 = time.perf_counter()
    for _ in range(a.repeat):
        count[0] = 0
        for case in ("ed_perp", "ed_par", "md_perp", "md_par"):
            # 0..4 carries the propagating range and every pole; the tail decays as
            # exp(-2 k0 n_e u min(z)), e^-15 at u = 4 + 30 for z = 15 nm.
            v1 = quad(f, 0.0, 4.0, args=(case,), points=pts, limit=2000, epsabs=1e-10, epsrel=1e-10)[0]
            v2 = quad(f, 4.0, 60.0, args=(case,), limit=2000, epsabs=1e-12, epsrel=1e-10)[0]
            F[case] = v1 + v2
    dt = (time.perf_counter() - t0) / a.repeat
    iso_ed = (F["ed_perp"] + 2 * F["ed_par"]) / 3
    iso_md = (F["md_perp"] + 2 * F["md_par"]) / 3
    for k, v in F.items():
        print(f"F {k} = {v:.10f}")
    print(f"F_ED iso = {iso_ed:.10f}   F_MD iso = {iso_md:.10f}")
    print(f"{count[0]} integrand evaluations (4 cases), {1e3 * dt:.1f} ms per solve (Python/SciPy)")


if __name__ == "__main__":
    main()
