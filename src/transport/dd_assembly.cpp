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

// One cell's 6x6 Jacobian (local unknowns psiL, fnL, fpL, psiR, fnR, fpR) added into m: the
// flux derivatives jn, jp, the recombination derivatives dRL, dRR (times qh = q h) and the two
// Poisson rows. T = double (the Newton Jacobian) or binary128 (the last-resort pass).
template <typename T>
void add_cell(BlockStorage<T>& m, int c, const T* jn, const T* jp, const double* dRL,
              const double* dRR, T ep, T qh, T iv, double nL, double pL, double nR, double pR) {
    T D[6][6];
    for (int q = 0; q < 6; ++q) {
        const T rl = qh * T(dRL[q]), rr = qh * T(dRR[q]);
        D[0][q] = D[3][q] = T(0);
        D[1][q] = jn[q] - rl;
        D[2][q] = jp[q] + rl;
        D[4][q] = -jn[q] - rr;
        D[5][q] = -jp[q] + rr;
    }
    D[0][0] = -ep - qh * (T(pL) + T(nL)) * iv;
    D[0][3] = ep;
    D[0][1] = -qh * T(nL) * iv;
    D[0][2] = -qh * T(pL) * iv;
    D[3][3] = -ep - qh * (T(pR) + T(nR)) * iv;
    D[3][0] = ep;
    D[3][4] = -qh * T(nR) * iv;
    D[3][5] = -qh * T(pR) * iv;
    T* dc = m.diag(c);
    T* uc = m.upper(c);
    T* lc1 = m.lower(c + 1);
    T* dc1 = m.diag(c + 1);
    for (int r = 0; r < 3; ++r)
        for (int q = 0; q < 3; ++q) {
            dc[3 * r + q] += D[r][q];
            uc[3 * r + q] += D[r][3 + q];
            lc1[3 * r + q] += D[3 + r][q];
            dc1[3 * r + q] += D[3 + r][3 + q];
        }
}

// The contact rows (Dirichlet: psi and both quasi-Fermi levels fixed at the first and last node).
template <typename T>
void set_contact_rows(BlockStorage<T>& m) {
    const int N = m.nodes();
    T* d0 = m.diag(0);
    T* u0 = m.upper(0);
    T* lN = m.lower(N - 1);
    T* dN = m.diag(N - 1);
    for (int k = 0; k < 9; ++k) d0[k] = u0[k] = lN[k] = dN[k] = T(0);
    d0[0] = d0[4] = d0[8] = dN[0] = dN[4] = dN[8] = T(1);
}

// One cell's Jacobian into the binary128 matrix: as the double one, but the E_F entries are formed
// in binary128 from the flux's factors (q: B n or B p, e: expm1 of the level difference or its
// mirror), so that the two entries of a flux (-q/V_t and q (1 + e)/V_t, or the mirrored pair)
// sum to the flux's own derivative q e/V_t exactly, and the recombination terms are added
// without rounding against them.
void add_cell_quad(BlockTriQ& MQ, int c, bool neg, double Cn, double Cp, double qn, double en,
                   double qp, double ep_, double iv, const double* dJn, const double* dJp,
                   const double* dRL, const double* dRR, double ep, double qh, double nL, double pL,
                   double nR, double pR) {
    const quad one = 1, Qiv = iv, QCn = Cn, QCp = Cp, Qqn = qn, Qqp = qp;
    quad jn[6], jp[6];
    for (int q = 0; q < 6; ++q) jn[q] = jp[q] = 0;
    jn[0] = dJn[0];
    jn[3] = dJn[3];
    jp[0] = dJp[0];
    jp[3] = dJp[3];
    if (neg) {  // d <= 0: J_n = C B n_L Ea, J_p = C B p_R Eb
        jn[1] = -QCn * Qqn * Qiv;
        jn[4] = QCn * Qqn * (one + quad(en)) * Qiv;
        jp[5] = QCp * Qqp * Qiv;
        jp[2] = -QCp * Qqp * (one + quad(ep_)) * Qiv;
    } else {  // J_n = C B(-d) n_R Fa, J_p = C B(-d) p_L Fb
        jn[4] = QCn * Qqn * Qiv;
        jn[1] = -QCn * Qqn * (one - quad(en)) * Qiv;
        jp[2] = -QCp * Qqp * Qiv;
        jp[5] = QCp * Qqp * (one - quad(ep_)) * Qiv;
    }
    add_cell(MQ, c, jn, jp, dRL, dRR, quad(ep), quad(qh), Qiv, nL, pL, nR, pR);
}
}  // namespace

void System::assemble(const double* u, const double* lo, double V, double* F, BlockTri* M,
                      Cell* out, double* S, BlockTriQ* MQ) const {
    std::fill(F, F + 3 * N, 0.0);
    if (S) std::fill(S, S + 3 * N, 0.0);
    if (M) M->zero();
    if (MQ) MQ->zero();
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
        // for MQ: the E_F derivatives as (common factor) x (1, e^a or e^-b ...), see below
        double qn = 0.0, qp = 0.0, en = 0.0, ep_ = 0.0;
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
            qn = B * nL;  // gEL = -qn/V_t, gER = qn (1 + Ea)/V_t
            en = Ea;
            qp = B * pR;  // gQR = qp/V_t, gQL = -qp (1 + Eb)/V_t
            ep_ = Eb;
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
            qn = Bm * nR;  // gER = qn/V_t, gEL = -qn (1 - Fa)/V_t
            en = Fa;
            qp = Bm * pL;  // gQL = -qp/V_t, gQR = qp (1 - Fb)/V_t
            ep_ = Fb;
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
        if (S) {
            double* SL = S + 3 * c;
            const double af = std::abs(flux), aJn = std::abs(Jn), aJp = std::abs(Jp);
            const double aRL = kQ * std::abs(RL) * hh, aRR = kQ * std::abs(RR) * hh;
            SL[0] += af + kQ * (pL + nL) * hh;
            SL[1] += aJn + aRL;
            SL[2] += aJp + aRL;
            SL[3] += af + kQ * (pR + nR) * hh;
            SL[4] += aJn + aRR;
            SL[5] += aJp + aRR;
        }
        if (!M && !MQ) continue;
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
        const double ep = eps[L] / hc, qh = kQ * hh;
        if (MQ)
            add_cell_quad(*MQ, c, d <= 0.0, Cn, Cp, qn, en, qp, ep_, iv, dJn, dJp, dRL, dRR, ep, qh,
                          nL, pL, nR, pR);
        if (M) add_cell(*M, c, dJn, dJp, dRL, dRR, ep, qh, iv, nL, pL, nR, pR);
    }
    // contact rows: u - value = 0 (psi; E_Fn referred to the cathode, E_Fp + V to the anode)
    const int l = 3 * (N - 1);
    F[0] = u[0] - psi_anode(V);
    F[1] = u[1] + V;
    F[2] = u[2];
    F[l] = u[l] - psi_cathode();
    F[l + 1] = u[l + 1];
    F[l + 2] = u[l + 2] - V;
    if (S) {
        S[0] = std::abs(u[0]) + std::abs(psi_anode(V));
        S[1] = std::abs(u[1]) + std::abs(V);
        S[2] = std::abs(u[2]);
        S[l] = std::abs(u[l]) + std::abs(psi_cathode());
        S[l + 1] = std::abs(u[l + 1]);
        S[l + 2] = std::abs(u[l + 2]) + std::abs(V);
    }
    if (MQ) set_contact_rows(*MQ);
    if (M) set_contact_rows(*M);
}

}  // namespace relsim::transport::detail
