// Steady drift-diffusion-Poisson solver (docs/transport.md).
// Unknowns per node: psi (V), Efn, Efp (eV on the vacuum scale, numerically volts).
// Discretisation: box method; every cell lies inside one layer and the densities at its two nodes
// are evaluated with that layer's levels and N0, so an abrupt band step sits exactly at a node
// (quasi-Fermi levels and psi continuous there); Scharfetter-Gummel fluxes inside the cells.
// Newton on the coupled system; Jacobian by coloured finite differences (a node couples only to
// its neighbours: 9 residual evaluations), row-equilibrated, sparse LU of the banded matrix.
#include "relsim/transport/drift_diffusion.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

namespace relsim::transport {
namespace {
// CODATA 2018 exact values.
constexpr double kQ = 1.602176634e-19;      // C
constexpr double kKB = 1.380649e-23;        // J/K
constexpr double kEps0 = 8.8541878128e-12;  // F/m (CODATA 2018)
constexpr double kNmToM = 1e-9;
constexpr double kCm3ToM3 = 1e6;   // cm^-3 -> m^-3
constexpr double kCm2ToM2 = 1e-4;  // cm^2/Vs -> m^2/Vs
// Poole-Frenkel cusp regularisation: sqrt|E| -> (E^2 + E_r^2)^(1/4) with E_r = 1e-4 V/cm.
// The mobility factor changes by at most gamma*sqrt(E_r) = gamma * 1e-2 (< 1e-4 for gamma <
// 1e-2 (cm/V)^0.5) at E = 0 and by gamma*E_r^2/(4 E^1.5) elsewhere.
constexpr double kPfRegField_V_cm = 1e-4;

// Banded matrix with LU factorisation by Gaussian elimination with partial pivoting (the
// algorithm of LAPACK dgbtf2/dgbtrs). The Jacobian couples a node only to its neighbours, so with
// the unknowns interleaved per node (psi, Efn, Efp) its bandwidth is kl = ku = 5; pivoting widens
// U to kl + ku. Storage as LAPACK's: A(i, j) at ab[j * ld + kl + ku + i - j], ld = 2 kl + ku + 1.
class BandLU {
public:
    BandLU(int n, int kl, int ku)
        : n_(n),
          kl_(kl),
          ku_(ku),
          ld_(2 * kl + ku + 1),
          ab_(static_cast<std::size_t>(n) * ld_),
          piv_(n) {}
    void zero() { std::fill(ab_.begin(), ab_.end(), 0.0); }
    double& at(int i, int j) { return ab_[static_cast<std::size_t>(j) * ld_ + kl_ + ku_ + i - j]; }
    // Rows i of columns j in the original band (|i - j| within kl, ku).
    int row_lo(int j) const { return std::max(0, j - ku_); }
    int row_hi(int j) const { return std::min(n_ - 1, j + kl_); }
    bool factorize() {
        int ju = 0;
        for (int j = 0; j < n_; ++j) {
            const int km = std::min(kl_, n_ - 1 - j);
            int p = j;
            for (int i = j + 1; i <= j + km; ++i)
                if (std::abs(at(i, j)) > std::abs(at(p, j))) p = i;
            piv_[j] = p;
            const double pivot = at(p, j);
            if (pivot == 0.0 || !std::isfinite(pivot)) return false;
            ju = std::max(ju, std::min(p + ku_, n_ - 1));
            if (p != j)
                for (int c = j; c <= ju; ++c) std::swap(at(p, c), at(j, c));
            const double inv = 1.0 / at(j, j);
            for (int i = j + 1; i <= j + km; ++i) at(i, j) *= inv;
            for (int c = j + 1; c <= ju; ++c) {
                const double ujc = at(j, c);
                if (ujc != 0.0)
                    for (int i = j + 1; i <= j + km; ++i) at(i, c) -= at(i, j) * ujc;
            }
        }
        return true;
    }
    void solve(double* b) {
        for (int j = 0; j < n_; ++j) {
            std::swap(b[j], b[piv_[j]]);
            const int km = std::min(kl_, n_ - 1 - j);
            for (int i = j + 1; i <= j + km; ++i) b[i] -= at(i, j) * b[j];
        }
        for (int j = n_ - 1; j >= 0; --j) {
            b[j] /= at(j, j);
            for (int i = std::max(0, j - kl_ - ku_); i < j; ++i) b[i] -= at(i, j) * b[j];
        }
    }

private:
    int n_, kl_, ku_, ld_;
    std::vector<double> ab_;
    std::vector<int> piv_;
};

double bernoulli(double x) {
    if (std::abs(x) < 1e-5) return 1.0 - x / 2.0 + x * x / 12.0;
    return x / std::expm1(x);
}
// dB/dx = (expm1(x) - x e^x) / expm1(x)^2 (series -1/2 + x/6 near 0).
double bernoulli_derivative(double x) {
    if (std::abs(x) < 1e-4) return -0.5 + x / 6.0;
    if (x > 700.0) return (1.0 - x) * std::exp(-x);  // expm1 overflow: B ~ x e^-x
    const double em = std::expm1(x);
    return (em - x * (em + 1.0)) / (em * em);
}
}  // namespace

Stack::Stack(StackSpec spec) : spec_(std::move(spec)) {
    if (spec_.layers.empty()) throw std::invalid_argument("transport: no layers");
    for (const auto& l : spec_.layers) {
        if (!(l.thickness_nm > 0) || !(l.eps_r > 0) || !(l.mu_n_cm2_Vs > 0) ||
            !(l.mu_p_cm2_Vs > 0) || !(l.N0_cm3 > 0) || !(l.pf_gamma_n_cm_V >= 0) ||
            !(l.pf_gamma_p_cm_V >= 0))
            throw std::invalid_argument("transport: layer '" + l.name +
                                        "' has a non-positive parameter");
        if (!(l.homo_eV < l.lumo_eV))
            throw std::invalid_argument("transport: layer '" + l.name + "' has HOMO_eV >= LUMO_eV");
    }
    if (!(spec_.temperature_K > 0) || !(spec_.langevin_prefactor >= 0) || spec_.cells_per_layer < 8)
        throw std::invalid_argument("transport: bad temperature, prefactor or mesh");
    if (!spec_.emissive_layer.empty()) {
        for (std::size_t i = 0; i < spec_.layers.size(); ++i)
            if (spec_.layers[i].name == spec_.emissive_layer) eml_ = static_cast<int>(i);
        if (eml_ < 0) throw std::invalid_argument("transport: emissive_layer names no layer");
        const double d = spec_.layers[eml_].thickness_nm;
        n_slices_ = spec_.eml_slices > 0
                        ? spec_.eml_slices
                        : std::max(1, static_cast<int>(std::lround(d / spec_.nc_diameter_nm)));
    }
    // Mesh: each segment (a layer, or one slice of the EML) cosine-graded, fine at both ends.
    x_m.push_back(0.0);
    double x0 = 0.0;
    for (std::size_t li = 0; li < spec_.layers.size(); ++li) {
        const double d = spec_.layers[li].thickness_nm * kNmToM;
        const int segs = static_cast<int>(li) == eml_ ? n_slices_ : 1;
        const int cells = std::max(8, (spec_.cells_per_layer + segs - 1) / segs);
        for (int s = 0; s < segs; ++s) {
            if (static_cast<int>(li) == eml_)
                slice_first_node.push_back(static_cast<int>(x_m.size()) - 1);
            const double a = x0 + d * s / segs, w = d / segs;
            for (int k = 1; k <= cells; ++k) {
                const double t = static_cast<double>(k) / cells;
                x_m.push_back(k == cells ? a + w : a + w * 0.5 * (1.0 - std::cos(M_PI * t)));
                cell_layer.push_back(static_cast<int>(li));
            }
        }
        if (static_cast<int>(li) == eml_)
            slice_first_node.push_back(static_cast<int>(x_m.size()) - 1);
        x0 += d;
    }
}

double Stack::built_in_voltage_V() const {
    return spec_.anode_work_function_eV - spec_.cathode_work_function_eV;
}
double Stack::length_nm() const {
    double s = 0;
    for (const auto& l : spec_.layers) s += l.thickness_nm;
    return s;
}
std::vector<double> Stack::layer_edges_nm() const {
    std::vector<double> e{0.0};
    for (const auto& l : spec_.layers) e.push_back(e.back() + l.thickness_nm);
    return e;
}

struct Solver::Impl {
    const Stack& st;
    int N;  // nodes
    double Vt;
    std::vector<double> h;  // cell widths
    // per layer SI data
    std::vector<double> eps, mun0, mup0, gn, gp, N0, homo, lumo, klang;
    // continuation history
    std::vector<double> u_prev, u_prev2;
    double v_prev = 0.0, v_prev2 = 0.0;
    int history = 0;

    explicit Impl(const Stack& s) : st(s) {
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

    double psi_anode(double V) const { return V - st.spec().anode_work_function_eV; }
    double psi_cathode() const { return -st.spec().cathode_work_function_eV; }

    struct CellEval {
        double nL, nR, pL, pR, Jn, Jp, RL, RR, mun, mup;
    };
    CellEval cell(const double* u, int c) const {
        const int L = st.cell_layer[c];
        const double psiL = u[3 * c], psiR = u[3 * c + 3];
        CellEval e{};
        e.nL = N0[L] * std::exp((u[3 * c + 1] - lumo[L] + psiL) / Vt);
        e.nR = N0[L] * std::exp((u[3 * c + 4] - lumo[L] + psiR) / Vt);
        e.pL = N0[L] * std::exp((homo[L] - psiL - u[3 * c + 2]) / Vt);
        e.pR = N0[L] * std::exp((homo[L] - psiR - u[3 * c + 5]) / Vt);
        const double E_V_cm = -(psiR - psiL) / h[c] * 1e-2;
        if (gn[L] == 0.0 && gp[L] == 0.0) {  // no Poole-Frenkel factor in this layer
            e.mun = mun0[L];
            e.mup = mup0[L];
        } else {
            const double sq =
                std::sqrt(std::sqrt(E_V_cm * E_V_cm + kPfRegField_V_cm * kPfRegField_V_cm));
            e.mun = mun0[L] * std::exp(gn[L] * sq);
            e.mup = mup0[L] * std::exp(gp[L] * sq);
        }
        const double d = -(psiR - psiL) / Vt;  // (Ec_R - Ec_L)/Vt = (Ev_R - Ev_L)/Vt
        const double Bp = bernoulli(d), Bm = bernoulli(-d);
        e.Jn = kQ * e.mun * Vt / h[c] * (Bm * e.nR - Bp * e.nL);
        e.Jp = kQ * e.mup * Vt / h[c] * (Bm * e.pL - Bp * e.pR);
        const double ni2 = N0[L] * N0[L] * std::exp((homo[L] - lumo[L]) / Vt);
        const double k = klang[L] * (e.mun + e.mup);
        e.RL = k * (e.nL * e.pL - ni2);
        e.RR = k * (e.nR * e.pR - ni2);
        return e;
    }

    // Residual F and its analytic Jacobian (the derivatives of cell() and residual() term by term;
    // tested against the finite-difference Jacobian in tests/transport).
    void assemble(const double* u, double V, double* F, BandLU& J) const {
        residual(u, V, F);
        J.zero();
        for (int c = 0; c + 1 < N; ++c) {
            const int L = st.cell_layer[c];
            const CellEval e = cell(u, c);
            const double psiL = u[3 * c], psiR = u[3 * c + 3], hc = h[c], hh = 0.5 * hc,
                         iv = 1.0 / Vt;
            // mobility derivatives with respect to psi_R (those to psi_L are the negatives)
            double dmun = 0.0, dmup = 0.0;
            if (gn[L] != 0.0 || gp[L] != 0.0) {
                const double E = -(psiR - psiL) / hc * 1e-2;
                const double s2 = E * E + kPfRegField_V_cm * kPfRegField_V_cm;
                const double sq = std::sqrt(std::sqrt(s2));
                const double dsq_dpsiR = 0.5 * E * sq / s2 * (-1e-2 / hc);
                dmun = e.mun * gn[L] * dsq_dpsiR;
                dmup = e.mup * gp[L] * dsq_dpsiR;
            }
            const double d = -(psiR - psiL) / Vt;
            const double Bp = bernoulli(d), Bm = bernoulli(-d);
            const double dBp_R = -bernoulli_derivative(d) * iv,
                         dBm_R = bernoulli_derivative(-d) * iv;  // d/dpsi_R
            const double Cn = kQ * e.mun * Vt / hc, Cp = kQ * e.mup * Vt / hc;
            const double gn_ = Bm * e.nR - Bp * e.nL, gp_ = Bm * e.pL - Bp * e.pR;
            // local unknowns 0..5: psiL, fnL, fpL, psiR, fnR, fpR
            double dJn[6] = {0}, dJp[6] = {0}, dRL[6] = {0}, dRR[6] = {0};
            dJn[3] =
                kQ * Vt / hc * dmun * gn_ + Cn * (dBm_R * e.nR + Bm * e.nR * iv - dBp_R * e.nL);
            dJn[0] =
                -kQ * Vt / hc * dmun * gn_ + Cn * (-dBm_R * e.nR + dBp_R * e.nL - Bp * e.nL * iv);
            dJn[4] = Cn * Bm * e.nR * iv;
            dJn[1] = -Cn * Bp * e.nL * iv;
            dJp[3] =
                kQ * Vt / hc * dmup * gp_ + Cp * (dBm_R * e.pL - dBp_R * e.pR + Bp * e.pR * iv);
            dJp[0] =
                -kQ * Vt / hc * dmup * gp_ + Cp * (-dBm_R * e.pL - Bm * e.pL * iv + dBp_R * e.pR);
            dJp[2] = -Cp * Bm * e.pL * iv;
            dJp[5] = Cp * Bp * e.pR * iv;
            const double ni2 = N0[L] * N0[L] * std::exp((homo[L] - lumo[L]) / Vt);
            const double k = klang[L] * (e.mun + e.mup), dk_R = klang[L] * (dmun + dmup);
            dRL[3] = dk_R * (e.nL * e.pL - ni2);
            dRL[0] = -dRL[3];
            dRL[1] = k * e.nL * e.pL * iv;
            dRL[2] = -dRL[1];
            dRR[3] = dk_R * (e.nR * e.pR - ni2);
            dRR[0] = -dRR[3];
            dRR[4] = k * e.nR * e.pR * iv;
            dRR[5] = -dRR[4];
            double D[6][6] = {{0}};
            const double ep = eps[L] / hc;
            // Poisson rows
            D[0][0] = -ep - kQ * hh * (e.pL + e.nL) * iv;
            D[0][3] = ep;
            D[0][1] = -kQ * hh * e.nL * iv;
            D[0][2] = -kQ * hh * e.pL * iv;
            D[3][3] = -ep - kQ * hh * (e.pR + e.nR) * iv;
            D[3][0] = ep;
            D[3][4] = -kQ * hh * e.nR * iv;
            D[3][5] = -kQ * hh * e.pR * iv;
            for (int q = 0; q < 6; ++q) {
                D[1][q] = dJn[q] - kQ * hh * dRL[q];
                D[2][q] = dJp[q] + kQ * hh * dRL[q];
                D[4][q] = -dJn[q] - kQ * hh * dRR[q];
                D[5][q] = -dJp[q] + kQ * hh * dRR[q];
            }
            for (int r = 0; r < 6; ++r)
                for (int q = 0; q < 6; ++q)
                    if (D[r][q] != 0.0) J.at(3 * c + r, 3 * c + q) += D[r][q];
        }
        // contact rows: u - value = 0
        for (int r : {0, 1, 2, 3 * N - 3, 3 * N - 2, 3 * N - 1}) {
            for (int q = std::max(0, r - 5); q <= std::min(3 * N - 1, r + 5); ++q) J.at(r, q) = 0.0;
            J.at(r, r) = 1.0;
        }
    }

    void residual(const double* u, double V, double* F) const {
        std::fill(F, F + 3 * N, 0.0);
        for (int c = 0; c + 1 < N; ++c) {
            const CellEval e = cell(u, c);
            const int L = st.cell_layer[c];
            const double flux = eps[L] * (u[3 * c + 3] - u[3 * c]) / h[c];
            const double hh = 0.5 * h[c];
            // node c (left)
            F[3 * c] += flux + kQ * (e.pL - e.nL) * hh;
            F[3 * c + 1] += e.Jn - kQ * e.RL * hh;
            F[3 * c + 2] += e.Jp + kQ * e.RL * hh;
            // node c+1 (right)
            F[3 * c + 3] += -flux + kQ * (e.pR - e.nR) * hh;
            F[3 * c + 4] += -e.Jn - kQ * e.RR * hh;
            F[3 * c + 5] += -e.Jp + kQ * e.RR * hh;
        }
        const double Ea = -V, Ec = 0.0;
        F[0] = u[0] - psi_anode(V);
        F[1] = u[1] - Ea;
        F[2] = u[2] - Ea;
        const int l = 3 * (N - 1);
        F[l] = u[l] - psi_cathode();
        F[l + 1] = u[l + 1] - Ec;
        F[l + 2] = u[l + 2] - Ec;
    }

    // Newton at fixed V from u (in place). Returns iterations, or -1 on failure.
    int newton(std::vector<double>& u, double V) {
        const int n = 3 * N;
        std::vector<double> F(n), Fp(n), up(n), dx(n), rs(n);
        BandLU J(n, 5, 5);
        double m_prev = 1e300;
        for (int it = 1; it <= 60; ++it) {
            if (analytic) {
                assemble(u.data(), V, F.data(), J);
            } else {
                residual(u.data(), V, F.data());
                J.zero();
                for (int color = 0; color < 9; ++color) {
                    const int comp = color % 3, phase = color / 3;
                    up = u;
                    const double del = 1e-7;
                    for (int i = phase; i < N; i += 3) up[3 * i + comp] += del;
                    residual(up.data(), V, Fp.data());
                    for (int i = phase; i < N; i += 3) {
                        const int col = 3 * i + comp;
                        for (int j = std::max(0, i - 1); j <= std::min(N - 1, i + 1); ++j)
                            for (int r = 0; r < 3; ++r) {
                                J.at(3 * j + r, col) = (Fp[3 * j + r] - F[3 * j + r]) / del;
                            }
                    }
                }
            }
            // row equilibration (the Newton step is invariant; LU pivots behave)
            std::fill(rs.begin(), rs.end(), 0.0);
            for (int c = 0; c < n; ++c)
                for (int r = J.row_lo(c); r <= J.row_hi(c); ++r)
                    rs[r] = std::max(rs[r], std::abs(J.at(r, c)));
            for (int r = 0; r < n; ++r)
                if (!(rs[r] > 0)) return -1;
            for (int c = 0; c < n; ++c)
                for (int r = J.row_lo(c); r <= J.row_hi(c); ++r) J.at(r, c) /= rs[r];
            for (int r = 0; r < n; ++r) dx[r] = -F[r] / rs[r];
            if (!J.factorize()) return -1;
            J.solve(dx.data());
            double m = 0.0;
            for (double v : dx) m = std::max(m, std::abs(v));
            if (!std::isfinite(m)) return -1;
            // Logarithmic damping per component, on the thermal voltage: du -> sign(du) V_t ln(1 +
            // |du|/V_t). Small updates pass unchanged (quadratic convergence kept); a huge update
            // of an undetermined quasi-Fermi level (a carrier absent from a layer) moves a density
            // by at most ~|du|/V_t per iteration instead of throttling every other unknown, as a
            // uniform scaling of the whole step did (3.6x fewer Newton iterations over 0-10 V of
            // configs/transport/tb_jvl.toml: 426 against 1534).
            for (int r = 0; r < n; ++r)
                u[r] += std::copysign(Vt * std::log1p(std::abs(dx[r]) / Vt), dx[r]);
            // Converged: update below 1e-12 V, or stagnating below 1e-9 V (rounding floor of the
            // finite-difference Jacobian; the residual itself is exact).
            if (m < 1e-12 || (m < 1e-9 && m > 0.3 * m_prev)) return it;
            m_prev = m;
        }
        return -1;
    }

    std::vector<double> initial(double V) const {
        std::vector<double> u(3 * N);
        const double L = st.x_m.back();
        for (int i = 0; i < N; ++i) {
            const double t = st.x_m[i] / L;
            u[3 * i] = psi_anode(V) * (1 - t) + psi_cathode() * t;
            u[3 * i + 1] = u[3 * i + 2] = -V * (1 - t);
        }
        return u;
    }

    double max_step = 0.5;
    bool analytic = true;

    bool solve_at(double V, std::vector<double>& u, int& its) {
        if (history == 0) {
            // start from equilibrium
            u = initial(0.0);
            its = newton(u, 0.0);
            if (its < 0) return false;
            u_prev = u;
            v_prev = 0.0;
            history = 1;
        }
        double v0 = v_prev;
        std::vector<double> base = u_prev;
        double step = 0.0;
        while (true) {
            const double remaining = V - v0;
            if (std::abs(remaining) < 1e-15) break;
            if (step == 0.0) step = std::min(std::abs(remaining), 0.5 * max_step);
            const double vt = std::abs(remaining) <= step ? V : v0 + std::copysign(step, remaining);
            std::vector<double> trial = base;
            if (history >= 2 && std::abs(v_prev - v_prev2) > 0) {  // linear predictor
                const double a = (vt - v_prev) / (v_prev - v_prev2);
                for (std::size_t r = 0; r < trial.size(); ++r)
                    trial[r] = u_prev[r] + a * (u_prev[r] - u_prev2[r]);
            }
            const int k = newton(trial, vt);
            if (k < 0) {
                step *= 0.5;
                if (step < 1e-6) return false;
                continue;
            }
            its += k;
            u_prev2 = u_prev;
            v_prev2 = v_prev;
            u_prev = trial;
            v_prev = vt;
            history = 2;
            base = trial;
            v0 = vt;
            step = std::min(step * 2.0, max_step);
        }
        u = u_prev;
        return true;
    }

    Solution post(const std::vector<double>& u, double V) const;
};

Solution Solver::Impl::post(const std::vector<double>& u, double V) const {
    Solution s;
    s.voltage_V = V;
    std::vector<CellEval> ce(N - 1);
    for (int c = 0; c + 1 < N; ++c) ce[c] = cell(u.data(), c);
    const double J = ce[0].Jn + ce[0].Jp;
    s.current_density_A_m2 = J;
    double err = 0.0;
    for (const auto& e : ce) err = std::max(err, std::abs(e.Jn + e.Jp - J));
    s.continuity_error = J != 0.0 ? err / std::abs(J) : 0.0;
    // Currents at the contacts themselves: the cell flux continued through the contact half-cell
    // (dJn/dx = qR, dJp/dx = -qR), so that q int R dx = J_n(L) - J_n(0) holds exactly.
    s.leakage_electron_A_m2 = ce.front().Jn - kQ * 0.5 * h.front() * ce.front().RL;
    s.leakage_hole_A_m2 = ce.back().Jp - kQ * 0.5 * h.back() * ce.back().RR;
    double Rtot = 0, Reml = 0;
    const int eml = st.emissive_index();
    for (int c = 0; c + 1 < N; ++c) {
        const double r = kQ * 0.5 * h[c] * (ce[c].RL + ce[c].RR);
        Rtot += r;
        if (st.cell_layer[c] == eml) Reml += r;
    }
    s.recombination_A_m2 = Rtot;
    s.recombination_eml_A_m2 = Reml;
    if (J > 0) {
        s.charge_balance = Rtot / J;
        s.recombination_outside_eml = (Rtot - Reml) / J;
        s.no_recombination = 1.0 - Rtot / J;
    }
    s.eml_recombination_fraction = Rtot > 0 ? Reml / Rtot : 0.0;
    if (eml >= 0) {
        const double xa = st.layer_edges_nm()[eml];
        // zone statistics over the EML cells (trapezoid of the lumped R, linear in each cell)
        std::vector<double> cx, cw;
        for (int c = 0; c + 1 < N; ++c)
            if (st.cell_layer[c] == eml) {
                cx.push_back(0.5 * (st.x_m[c] + st.x_m[c + 1]) / kNmToM - xa);
                cw.push_back(0.5 * h[c] * (ce[c].RL + ce[c].RR));
            }
        double W = 0, m1 = 0, m2 = 0;
        for (std::size_t k = 0; k < cx.size(); ++k) W += cw[k], m1 += cw[k] * cx[k];
        if (W > 0) {
            m1 /= W;
            for (std::size_t k = 0; k < cx.size(); ++k) m2 += cw[k] * (cx[k] - m1) * (cx[k] - m1);
            s.zone_centroid_nm = m1;
            s.zone_rms_width_nm = std::sqrt(m2 / W);
            auto quant = [&](double q) {
                double acc = 0;
                int c0 = 0;
                while (st.cell_layer[c0] != eml) ++c0;
                for (std::size_t k = 0; k < cx.size(); ++k) {
                    if (acc + cw[k] >= q * W) {
                        const double f = cw[k] > 0 ? (q * W - acc) / cw[k] : 0.0;
                        const int c = c0 + static_cast<int>(k);
                        return (st.x_m[c] + f * h[c]) / kNmToM - xa;
                    }
                    acc += cw[k];
                }
                return st.spec().layers[eml].thickness_nm;
            };
            s.zone_q05_nm = quant(0.05);
            s.zone_q50_nm = quant(0.50);
            s.zone_q95_nm = quant(0.95);
        }
        // slices
        for (int k = 0; k < st.slice_count(); ++k) {
            const int a = st.slice_first_node[k], b = st.slice_first_node[k + 1];
            double r = 0, np = 0;
            for (int c = a; c < b; ++c) {
                r += 0.5 * h[c] * (ce[c].RL + ce[c].RR);
                np += 0.5 * h[c] * 0.5 * (ce[c].nL + ce[c].pL + ce[c].nR + ce[c].pR);
            }
            const double d = st.x_m[b] - st.x_m[a];
            Slice sl;
            sl.position_nm = 0.5 * (st.x_m[a] + st.x_m[b]) / kNmToM;
            sl.eml_position_nm =
                (0.5 * (st.x_m[a] + st.x_m[b]) - st.x_m[st.slice_first_node[0]]) / kNmToM;
            sl.width_nm = d / kNmToM;
            sl.generation_cm3_s = r / d / kCm3ToM3;
            sl.polaron_density_cm3 = np / d / kCm3ToM3;
            s.slices.push_back(sl);
        }
    }
    auto& P = s.profiles;
    for (int i = 0; i < N; ++i) {
        const int c = std::min(i, N - 2);
        const bool left = i < N - 1;
        const int L = st.cell_layer[c];
        P.x_nm.push_back(st.x_m[i] / kNmToM);
        P.psi_V.push_back(u[3 * i]);
        P.Ec_eV.push_back(lumo[L] - u[3 * i]);
        P.Ev_eV.push_back(homo[L] - u[3 * i]);
        P.Efn_eV.push_back(u[3 * i + 1]);
        P.Efp_eV.push_back(u[3 * i + 2]);
        P.n_cm3.push_back((left ? ce[c].nL : ce[c].nR) / kCm3ToM3);
        P.p_cm3.push_back((left ? ce[c].pL : ce[c].pR) / kCm3ToM3);
        P.R_cm3_s.push_back((left ? ce[c].RL : ce[c].RR) / kCm3ToM3);
        P.field_V_cm.push_back(-(u[3 * c + 3] - u[3 * c]) / h[c] * 1e-2);
    }
    return s;
}

Solver::Solver(const Stack& stack) : impl_(new Impl(stack)) {}
Solver::~Solver() { delete impl_; }
Solver::Solver(Solver&& o) noexcept : impl_(o.impl_) { o.impl_ = nullptr; }
Solver& Solver::operator=(Solver&& o) noexcept {
    std::swap(impl_, o.impl_);
    return *this;
}

Solution Solver::solve_voltage(double voltage_V) {
    if (!std::isfinite(voltage_V)) throw std::invalid_argument("transport: voltage not finite");
    std::vector<double> u;
    int its = 0;
    impl_->max_step = max_step_V > 0 ? max_step_V : 0.5;
    impl_->analytic = analytic_jacobian;
    if (!impl_->solve_at(voltage_V, u, its))
        throw std::runtime_error("transport: Newton continuation stalled");
    Solution s = impl_->post(u, voltage_V);
    s.converged = true;
    s.newton_iterations = its;
    return s;
}

Solution Solver::solve_current(double J) {
    if (!(J > 0) || !std::isfinite(J))
        throw std::invalid_argument("transport: current must be > 0");
    double vlo = std::max(0.0, impl_->v_prev), vhi = vlo;
    Solution slo = solve_voltage(vlo), shi = slo;
    if (slo.current_density_A_m2 > J) {  // go down
        vhi = vlo;
        shi = slo;
        vlo = 0.0;
        slo = solve_voltage(0.0);
    }
    while (shi.current_density_A_m2 < J) {
        vlo = vhi;
        slo = shi;
        vhi += 0.5;
        if (vhi > 200.0) throw std::runtime_error("transport: current not reached below 200 V");
        shi = solve_voltage(vhi);
    }
    // bisection on log J with secant steps (J(V) monotone in forward bias)
    for (int it = 0; it < 200 && vhi - vlo > 1e-10; ++it) {
        double vm = 0.5 * (vlo + vhi);
        if (slo.current_density_A_m2 > 0) {
            const double a = std::log(slo.current_density_A_m2),
                         b = std::log(shi.current_density_A_m2);
            const double t = (std::log(J) - a) / (b - a);
            const double vs = vlo + t * (vhi - vlo);
            if (vs > vlo + 0.01 * (vhi - vlo) && vs < vhi - 0.01 * (vhi - vlo)) vm = vs;
        }
        Solution sm = solve_voltage(vm);
        if (std::abs(sm.current_density_A_m2 - J) <= 1e-12 * J) return sm;
        if (sm.current_density_A_m2 < J) {
            vlo = vm;
            slo = sm;
        } else {
            vhi = vm;
            shi = sm;
        }
    }
    return std::abs(slo.current_density_A_m2 - J) < std::abs(shi.current_density_A_m2 - J) ? slo
                                                                                           : shi;
}

}  // namespace relsim::transport
