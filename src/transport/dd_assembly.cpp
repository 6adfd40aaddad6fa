// The discrete drift-diffusion-Poisson equations (docs/transport.md, "Discretisation"): residual
// and analytic Jacobian in one pass over the cells.
//
// Box method; every cell lies inside one layer and the densities at its two nodes are evaluated
// with that layer's levels and N0, so an abrupt band step sits exactly at a node. Scharfetter-
// Gummel fluxes written on the quasi-Fermi levels: with d = -(psi_R - psi_L)/V_t and B(-d) =
// B(d) e^d, the classic form q mu V_t/h [B(-d) n_R - B(d) n_L] equals
//   J_n = q mu_n V_t/h B(d) n_L expm1((E_Fn,R - E_Fn,L)/V_t)          (d <= 0)
//       = q mu_n V_t/h B(-d) n_R (-expm1(-(E_Fn,R - E_Fn,L)/V_t))     (d > 0)
// and likewise J_p = q mu_p V_t/h B(d) p_R expm1((E_Fp,R - E_Fp,L)/V_t) (or the mirrored form).
// The same numbers, but without the cancellation of two ~1e7 A/m^2 terms in the thin contact
// cells: the current is a product of well-conditioned factors.
#include <algorithm>
#include <cmath>

#include "dd_system.hpp"

namespace relsim::transport::detail {

System::System(const Stack& s) : st(s) {
    N = static_cast<int>(st.x_m.size());
    Vt = kKB * st.spec().temperature_K / kQ;
    for (int c = 0; c + 1 < N; ++c) h.push_back(st.x_m[c + 1] - st.x_m[c]);
    for (const auto& l : st.spec().layers) {
        eps.push_back(kEps0 * l.eps_r);
        mun0.push_back(l.mu_n_cm2_Vs * kCm2ToM2);
        mup0.push_back(l.mu_p_cm2_Vs * kCm2ToM2);
        gn.push_back(l.pf_gamma_n_cm_V);
        gp.push_back(l.pf_gamma_p_cm_V);
        N0.push_back(l.N0_cm3 * kCm3ToM3);
        homo.push_back(l.homo_eV);
        lumo.push_back(l.lumo_eV);
        klang.push_back(st.spec().langevin_prefactor * kQ / (kEps0 * l.eps_r));
    }
}

namespace {
// R / k = n p - n_i^2 = n p (1 - exp(-x)), x = (E_Fn - E_Fp)/V_t: the expm1 form (exactly zero at
// equilibrium, accurate near it); below x = -1 the difference form (no overflow of exp(-x)).
inline double recomb_factor(double np, double x, double ni2) {
    return x >= -1.0 ? -std::expm1(-x) * np : np - ni2;
}
}  // namespace

void System::assemble(const double* u, const double* lo, double V, double* F, BlockTri* M,
                      Cell* out) const {
    std::fill(F, F + 3 * N, 0.0);
    if (M) M->zero();
    const double iv = 1.0 / Vt;
    int prev_layer = -1;
    double n_prev = 0.0, p_prev = 0.0;
    for (int c = 0; c + 1 < N; ++c) {
        const int L = st.cell_layer[c];
        const double* uL = u + 3 * c;
        const double* uR = uL + 3;
        const double psiL = uL[0], psiR = uR[0];
        // densities (E_Fp = u[3i+2] - V)
        double nL, pL;
        if (L == prev_layer) {
            nL = n_prev;
            pL = p_prev;
        } else {
            nL = N0[L] * std::exp((uL[1] - lumo[L] + psiL) * iv);
            pL = N0[L] * std::exp((homo[L] - psiL - (uL[2] - V)) * iv);
        }
        const double nR = N0[L] * std::exp((uR[1] - lumo[L] + psiR) * iv);
        const double pR = N0[L] * std::exp((homo[L] - psiR - (uR[2] - V)) * iv);
        prev_layer = L;
        n_prev = nR;
        p_prev = pR;
        const double hc = h[c], hh = 0.5 * hc;
        // Poole-Frenkel mobilities and their derivatives with respect to psi_R (those to psi_L are
        // the negatives)
        double mun = mun0[L], mup = mup0[L], dmun = 0.0, dmup = 0.0;
        if (gn[L] != 0.0 || gp[L] != 0.0) {
            const double E = -(psiR - psiL) / hc * 1e-2;  // V/cm
            const double s2 = E * E + kPfRegField_V_cm * kPfRegField_V_cm;
            const double sq = std::sqrt(std::sqrt(s2));
            mun = mun0[L] * std::exp(gn[L] * sq);
            mup = mup0[L] * std::exp(gp[L] * sq);
            const double dsq_dpsiR = 0.5 * E * sq / s2 * (-1e-2 / hc);
            dmun = mun * gn[L] * dsq_dpsiR;
            dmup = mup * gp[L] * dsq_dpsiR;
        }
        const double d = (psiL - psiR) * iv;
        double B, dB;
        bernoulli(d, B, dB);
        const double* loL = lo + 3 * c;
        const double a = ((uR[1] - uL[1]) + (loL[4] - loL[1])) * iv;  // (E_Fn,R - E_Fn,L)/V_t
        const double b = ((uR[2] - uL[2]) + (loL[5] - loL[2])) * iv;  // (E_Fp,R - E_Fp,L)/V_t
        // G_n = J_n / (q mu_n V_t/h) and its derivatives: gE* to E_Fn, gP* to psi
        double Gn, gEL, gER, gPnL, gPnR, Gp, gQL, gQR, gPpL, gPpR;
        if (d <= 0.0) {
            const double Ea = std::expm1(a), Eb = std::expm1(b);
            Gn = B * nL * Ea;
            gEL = -B * nL * iv;
            gER = B * nL * (Ea + 1.0) * iv;
            gPnL = nL * Ea * (dB + B) * iv;
            gPnR = -dB * nL * Ea * iv;
            Gp = B * pR * Eb;
            gQR = B * pR * iv;
            gQL = -B * pR * (Eb + 1.0) * iv;
            gPpR = -pR * Eb * (dB + B) * iv;
            gPpL = pR * Eb * dB * iv;
        } else {
            const double Bm = B + d, dBm = -dB - 1.0;  // B(-d), B'(-d)
            const double Fa = -std::expm1(-a), Fb = -std::expm1(-b);
            Gn = Bm * nR * Fa;
            gER = Bm * nR * iv;
            gEL = -Bm * nR * (1.0 - Fa) * iv;
            gPnR = nR * Fa * (Bm + dBm) * iv;
            gPnL = -nR * Fa * dBm * iv;
            Gp = Bm * pL * Fb;
            gQL = -Bm * pL * iv;
            gQR = Bm * pL * (1.0 - Fb) * iv;
            gPpL = -pL * Fb * (dBm + Bm) * iv;
            gPpR = pL * Fb * dBm * iv;
        }
        const double Cn = kQ * mun * Vt / hc, Cp = kQ * mup * Vt / hc;
        const double Jn = Cn * Gn, Jp = Cp * Gp;
        // Langevin recombination at the two nodes
        const double ni2 = N0[L] * N0[L] * std::exp((homo[L] - lumo[L]) * iv);
        const double npL = nL * pL, npR = nR * pR;
        const double rL = recomb_factor(npL, (uL[1] - uL[2] + V) * iv, ni2);
        const double rR = recomb_factor(npR, (uR[1] - uR[2] + V) * iv, ni2);
        const double k = klang[L] * (mun + mup);
        const double RL = k * rL, RR = k * rR;
        const double flux = eps[L] * (psiR - psiL) / hc;
        double* FL = F + 3 * c;
        double* FR = FL + 3;
        FL[0] += flux + kQ * (pL - nL) * hh;
        FL[1] += Jn - kQ * RL * hh;
        FL[2] += Jp + kQ * RL * hh;
        FR[0] += -flux + kQ * (pR - nR) * hh;
        FR[1] += -Jn - kQ * RR * hh;
        FR[2] += -Jp + kQ * RR * hh;
        if (out) out[c] = Cell{nL, nR, pL, pR, Jn, Jp, RL, RR};
        if (!M) continue;
        // local unknowns 0..5: psiL, fnL, fpL, psiR, fnR, fpR
        const double cq = kQ * Vt / hc;
        double dJn[6], dJp[6], dRL[6], dRR[6];
        dJn[0] = -cq * dmun * Gn + Cn * gPnL;
        dJn[3] = cq * dmun * Gn + Cn * gPnR;
        dJn[1] = Cn * gEL;
        dJn[4] = Cn * gER;
        dJn[2] = dJn[5] = 0.0;
        dJp[0] = -cq * dmup * Gp + Cp * gPpL;
        dJp[3] = cq * dmup * Gp + Cp * gPpR;
        dJp[2] = Cp * gQL;
        dJp[5] = Cp * gQR;
        dJp[1] = dJp[4] = 0.0;
        const double dk_R = klang[L] * (dmun + dmup);
        dRL[3] = dk_R * rL;
        dRL[0] = -dRL[3];
        dRL[1] = k * npL * iv;
        dRL[2] = -dRL[1];
        dRL[4] = dRL[5] = 0.0;
        dRR[3] = dk_R * rR;
        dRR[0] = -dRR[3];
        dRR[4] = k * npR * iv;
        dRR[5] = -dRR[4];
        dRR[1] = dRR[2] = 0.0;
        double D[6][6];
        const double ep = eps[L] / hc, qh = kQ * hh;
        for (int q = 0; q < 6; ++q) {
            D[0][q] = D[3][q] = 0.0;
            D[1][q] = dJn[q] - qh * dRL[q];
            D[2][q] = dJp[q] + qh * dRL[q];
            D[4][q] = -dJn[q] - qh * dRR[q];
            D[5][q] = -dJp[q] + qh * dRR[q];
        }
        D[0][0] = -ep - qh * (pL + nL) * iv;
        D[0][3] = ep;
        D[0][1] = -qh * nL * iv;
        D[0][2] = -qh * pL * iv;
        D[3][3] = -ep - qh * (pR + nR) * iv;
        D[3][0] = ep;
        D[3][4] = -qh * nR * iv;
        D[3][5] = -qh * pR * iv;
        double* dc = M->diag(c);
        double* uc = M->upper(c);
        double* lc1 = M->lower(c + 1);
        double* dc1 = M->diag(c + 1);
        for (int r = 0; r < 3; ++r)
            for (int q = 0; q < 3; ++q) {
                dc[3 * r + q] += D[r][q];
                uc[3 * r + q] += D[r][3 + q];
                lc1[3 * r + q] += D[3 + r][q];
                dc1[3 * r + q] += D[3 + r][3 + q];
            }
    }
    // contact rows: u - value = 0 (psi; E_Fn referred to the cathode, E_Fp + V to the anode)
    const int l = 3 * (N - 1);
    F[0] = u[0] - psi_anode(V);
    F[1] = u[1] + V;
    F[2] = u[2];
    F[l] = u[l] - psi_cathode();
    F[l + 1] = u[l + 1];
    F[l + 2] = u[l + 2] - V;
    if (M) {
        double* d0 = M->diag(0);
        double* u0 = M->upper(0);
        double* lN = M->lower(N - 1);
        double* dN = M->diag(N - 1);
        for (int k = 0; k < 9; ++k) d0[k] = u0[k] = lN[k] = dN[k] = 0.0;
        d0[0] = d0[4] = d0[8] = dN[0] = dN[4] = dN[8] = 1.0;
    }
}

}  // namespace relsim::transport::detail
