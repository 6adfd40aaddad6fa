#!/usr/bin/python3
"""Plain NumPy/SciPy implementation of relsim's drift-diffusion equations (docs/transport.md) for
the speed comparison of benchmarks/README.md ("Transport"): the same three-layer stack, mesh and
discrete equations as benchmarks/transport_timing.cpp -- cosine-graded cells per layer, box method,
Scharfetter-Gummel fluxes on the quasi-Fermi levels, Langevin recombination with the intrinsic term,
Schottky-Mott contacts; Newton with a coloured finite-difference Jacobian (9 residual evaluations),
row equilibration, scipy.sparse.linalg.spsolve, logarithmic damping on V_t -- and a 0-10 V sweep in
0.1 V steps by continuation from the previous voltage (no predictor).

    /usr/bin/python3 benchmarks/transport_scipy.py [--cells 400] [--compare cpp.csv]

Prints CPU and wall time; with --compare, the largest relative difference of J(V) against the C++
program's CSV above V_bi (a cross-check of both implementations).
"""
import argparse
import csv
import time

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

Q, KB, EPS0 = 1.602176634e-19, 1.380649e-23, 8.8541878128e-12  # CODATA 2018
T = 300.0
VT = KB * T / Q
# name, thickness nm, eps_r, HOMO eV, LUMO eV, mu_n cm2/Vs, mu_p cm2/Vs (N0 1e21 cm^-3, no PF)
LAYERS = [("HTL", 40, 3, -5.5, -2.0, 1e-7, 1e-3), ("EML", 20, 3, -5.6, -2.6, 1e-4, 1e-4),
          ("ETL", 40, 3, -6.2, -2.7, 1e-4, 1e-7)]
W_ANODE, W_CATHODE, N0 = 5.2, 3.0, 1e21 * 1e6


def mesh(cells):
    x, cl, x0 = [0.0], [], 0.0
    for li, lay in enumerate(LAYERS):
        d = lay[1] * 1e-9
        for k in range(1, cells + 1):
            x.append(x0 + d if k == cells else x0 + d * 0.5 * (1 - np.cos(np.pi * k / cells)))
            cl.append(li)
        x0 += d
    return np.array(x), np.array(cl)


def bernoulli(x):
    small = np.abs(x) < 1e-5
    xs = np.where(small, 1.0, x)
    return np.where(small, 1 - x / 2 + x * x / 12, xs / np.expm1(xs))


class Stack:
    def __init__(self, cells):
        self.x, cl = mesh(cells)
        self.N = len(self.x)
        self.h = np.diff(self.x)
        arr = lambda i: np.array([lay[i] for lay in LAYERS], float)[cl]
        self.eps = EPS0 * arr(2)
        self.homo, self.lumo = arr(3), arr(4)
        self.mun, self.mup = arr(5) * 1e-4, arr(6) * 1e-4
        self.klang = Q / (EPS0 * arr(2))
        self.ni2 = N0 * N0 * np.exp((self.homo - self.lumo) / VT)

    def residual(self, u, V):
        psi, fn, fp = u[0::3], u[1::3], u[2::3]
        pl, pr = psi[:-1], psi[1:]
        nL = N0 * np.exp((fn[:-1] - self.lumo + pl) / VT)
        nR = N0 * np.exp((fn[1:] - self.lumo + pr) / VT)
        pL = N0 * np.exp((self.homo - pl - fp[:-1]) / VT)
        pR = N0 * np.exp((self.homo - pr - fp[1:]) / VT)
        d = -(pr - pl) / VT
        bp, bm = bernoulli(d), bernoulli(-d)
        Jn = Q * self.mun * VT / self.h * (bm * nR - bp * nL)
        Jp = Q * self.mup * VT / self.h * (bm * pL - bp * pR)
        k = self.klang * (self.mun + self.mup)
        RL, RR = k * (nL * pL - self.ni2), k * (nR * pR - self.ni2)
        flux = self.eps * (pr - pl) / self.h
        hh = 0.5 * self.h
        F = np.zeros(3 * self.N)
        F[0:-3:3] += flux + Q * (pL - nL) * hh
        F[1:-3:3] += Jn - Q * RL * hh
        F[2:-3:3] += Jp + Q * RL * hh
        F[3::3] += -flux + Q * (pR - nR) * hh
        F[4::3] += -Jn - Q * RR * hh
        F[5::3] += -Jp + Q * RR * hh
        F[0], F[1], F[2] = u[0] - (V - W_ANODE), u[1] + V, u[2] + V
        F[-3], F[-2], F[-1] = u[-3] + W_CATHODE, u[-2], u[-1]
        return F, Jn[0] + Jp[0]

    def newton(self, u, V):
        n, N = 3 * self.N, self.N
        m_prev = np.inf
        for it in range(1, 61):
            F, _ = self.residual(u, V)
            rows, cols, vals = [], [], []
            for color in range(9):
                comp, phase = color % 3, color // 3
                nodes = np.arange(phase, N, 3)
                up = u.copy()
                up[3 * nodes + comp] += 1e-7
                dF = (self.residual(up, V)[0] - F) / 1e-7
                for dj in (-1, 0, 1):
                    j = nodes + dj
                    ok = (j >= 0) & (j < N)
                    for r in range(3):
                        rr = 3 * j[ok] + r
                        rows.append(rr)
                        cols.append(3 * nodes[ok] + comp)
                        vals.append(dF[rr])
            A = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n))
            scale = np.asarray(abs(A).max(axis=1).todense()).ravel()
            A = sp.diags(1 / scale) @ A
            dx = spla.spsolve(A.tocsc(), -F / scale)
            m = np.max(np.abs(dx))
            if not np.isfinite(m):
                return None
            u = u + np.copysign(VT * np.log1p(np.abs(dx) / VT), dx)
            if m < 1e-12 or (m < 1e-9 and m > 0.3 * m_prev):
                return u
            m_prev = m
        return None

    def initial(self):
        t = self.x / self.x[-1]
        u = np.zeros(3 * self.N)
        u[0::3] = -W_ANODE * (1 - t) - W_CATHODE * t
        return u


def sweep(cells):
    st = Stack(cells)
    u = st.newton(st.initial(), 0.0)
    out = []
    v_prev = 0.0
    for k in range(1, 101):
        V, step = 0.1 * k, 0.1
        while True:  # continuation with step halving on failure
            v_try = min(V, v_prev + step)
            un = st.newton(u, v_try)
            if un is None:
                step /= 2
                if step < 1e-6:
                    raise RuntimeError(f"stalled at {v_try} V")
                continue
            u, v_prev = un, v_try
            if v_try >= V - 1e-15:
                break
        out.append((V, st.residual(u, V)[1]))
    return st, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=400)
    ap.add_argument("--compare", help="CSV of build/bin/transport_timing")
    a = ap.parse_args()
    c0, w0 = time.process_time(), time.perf_counter()
    st, out = sweep(a.cells)
    cpu, wall = time.process_time() - c0, time.perf_counter() - w0
    print(f"scipy transport: {st.N} nodes, 100 voltages 0.1..10 V: cpu {cpu:.2f} s, wall {wall:.2f} s")
    if a.compare:
        with open(a.compare) as f:
            ref = {round(float(r["voltage_V"]), 6): float(r["J_A_m2"]) for r in csv.DictReader(f)}
        worst = max(abs(J / ref[round(V, 6)] - 1) for V, J in out if V > W_ANODE - W_CATHODE + 0.25)
        print(f"J(V) against the C++ solver above V_bi + 0.25 V: largest relative difference {worst:.2e}")


if __name__ == "__main__":
    main()
