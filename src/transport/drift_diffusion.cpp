// Steady drift-diffusion-Poisson solver (docs/transport.md): the mesh (Stack), Newton on the
// coupled system and voltage continuation (Solver). The discrete equations are in
// dd_assembly.cpp, the linear solvers in dd_linear.cpp, the outputs in dd_post.cpp.
#include "relsim/transport/drift_diffusion.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "dd_system.hpp"

namespace relsim::transport {
using detail::kNmToM;

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

namespace {
// The rounding floor of the residual (Impl::floor_measures), the acceptance test of every Newton
// solution: a Poisson row within kFloorPoisson of its terms (with psi's own rounding); the
// continuity rows' residual beyond kFloorEps (~9 ulp) of their terms summing to at most
// kFloorCont |J| + kFloorJabs (A/m^2; J the anode cell's current). kFloorCont bounds the
// continuity error the residual can leave (J(x) - J is a partial sum of the electron plus hole
// rows); kFloorJabs (~6e-22 charges m^-2 s^-1) only lets the equilibrium (J = 0) and currents
// below ~1e-34 A/m^2 pass: their continuity_error is then above 1e-6 (status 8 downstream).
constexpr double kFloorPoisson = 1e-13, kFloorEps = 1e-15, kFloorCont = 1e-10, kFloorJabs = 1e-40;
}  // namespace
struct Solver::Impl {
    detail::System sys;
    int N, n;
    // Newton workspace (allocated once)
    std::vector<double> F, Fp, up, dx, rs, u_start, S;
    std::vector<detail::System::Cell> cells;
    std::vector<detail::quad> rsq, dxq;
    detail::BlockTriQ MQ;
    detail::BandLUQ bandq;
    // low-order parts of the quasi-Fermi levels (u + lo in double-double: see newton()); lo_sol
    // those of the last accepted solution
    std::vector<double> lo, lo_sol;
    detail::BlockTri M;
    detail::BandLU band;
    // continuation history
    // continuation history: the last three solutions, newest first, and the step size
    std::vector<double> u_hist[3];
    double v_hist[3] = {0.0, 0.0, 0.0};
    int history = 0;
    double step = 0.0;
    double max_step = 0.5;
    bool analytic = true;

    explicit Impl(const Stack& s)
        : sys(s),
          N(sys.N),
          n(3 * sys.N),
          F(n),
          Fp(n),
          up(n),
          dx(n),
          rs(n),
          S(n),
          cells(sys.N - 1),
          rsq(n),
          dxq(n),
          MQ(sys.N),
          bandq(3 * sys.N, 5, 5),
          lo(n),
          lo_sol(n),
          M(sys.N),
          band(3 * sys.N, 5, 5) {}

    // Coloured forward differences (a node couples only to its neighbours: 9 residuals).
    void fd_jacobian(const std::vector<double>& u, double V) {
        sys.assemble(u.data(), lo.data(), V, F.data(), nullptr);
        M.zero();
        const double del = 1e-7;
        for (int color = 0; color < 9; ++color) {
            const int comp = color % 3, phase = color / 3;
            up = u;
            for (int i = phase; i < N; i += 3) up[3 * i + comp] += del;
            sys.assemble(up.data(), lo.data(), V, Fp.data(), nullptr);
            for (int i = phase; i < N; i += 3)
                for (int j = std::max(0, i - 1); j <= std::min(N - 1, i + 1); ++j) {
                    double* blk = j == i ? M.diag(j) : j < i ? M.upper(j) : M.lower(j);
                    for (int r = 0; r < 3; ++r)
                        blk[3 * r + comp] = (Fp[3 * j + r] - F[3 * j + r]) / del;
                }
        }
    }

    // ln(1 + t) for t > -1 (series below |t| = 1e-4: relative error < 2e-17)
    static double log1p_fast(double t) {
        return std::abs(t) < 1e-4 ? t * (1.0 - t * (0.5 - t * (1.0 / 3.0 - 0.25 * t)))
                                  : std::log1p(t);
    }
    // The applied update of one unknown for the Newton update du (comp 0: psi, 1: E_Fn, 2: E_Fp).
    // A carrier density is exponential in its quasi-Fermi level: for f(u) = A exp(u/V_t) - c,
    // Newton's du = V_t (exp((u* - u)/V_t) - 1), so u* - u = V_t ln(1 + du/V_t) exactly, in both
    // directions (for p, with exp(-u/V_t), -V_t ln(1 - du/V_t)). This map is applied to E_Fn and
    // E_Fp, clamped where the argument of the logarithm falls below 0.01 (at most 4.6 V_t per
    // iteration, or the symmetric form's -V_t ln(1 + |du|/V_t) when that is larger); psi gets the
    // symmetric form sign(du) V_t ln(1 + |du|/V_t). Small updates pass unchanged (quadratic
    // convergence kept). A huge update of a quasi-Fermi level where its carrier is absent thus
    // moves a density by at most ~|du|/V_t per iteration instead of throttling every other
    // unknown (as a uniform scaling of the whole step did), and an overshoot is undone in a few
    // iterations instead of creeping back by 0.69 V_t per iteration.
    double damped(double du, int comp) const {
        const double Vt = sys.Vt;
        if (comp == 0) return std::copysign(Vt * log1p_fast(std::abs(du) / Vt), du);
        const double t = comp == 1 ? du / Vt : -du / Vt;  // in the density's increasing direction
        double l;
        if (t >= -0.99)
            l = log1p_fast(t);
        else
            l = std::min(std::log(0.01), -std::log1p(-t));
        return comp == 1 ? Vt * l : -Vt * l;
    }

    // The residual against its rounding floor (S_r: the sum of the magnitudes of row r's terms,
    // from assemble; rs_r: the row's largest Jacobian entry). pois: the largest |F_r| /
    // (S_r + |psi_i| rs_r) of the Poisson rows (psi itself is a plain double: its rounding,
    // ~1e-16 |psi|, moves the row by that much); cont: the sum over the continuity rows of what
    // exceeds kFloorEps S_r, relative to |J| + kFloorJabs / kFloorCont (J: the anode cell's).
    void floor_measures(const std::vector<double>& u, double J, double& pois, double& cont) const {
        pois = 0.0;
        double ex = 0.0;
        for (int r = 0; r < n; ++r) {
            const double a = std::abs(F[r]);
            if (r % 3 == 0)
                pois = std::max(pois, a / (S[r] + std::abs(u[r]) * rs[r]));
            else
                ex += std::max(0.0, a - kFloorEps * S[r]);
        }
        cont = ex / (std::abs(J) + kFloorJabs / kFloorCont);
    }

    // F, S, rs and cells of u assembled: is the residual at its rounding floor?
    bool at_floor(const std::vector<double>& u) const {
        double pois, cont;
        floor_measures(u, cells[0].Jn + cells[0].Jp, pois, cont);
        return pois <= kFloorPoisson && cont <= kFloorCont;
    }

    // Newton at fixed V from u (in place). Returns iterations, or -1 on failure. use_band: the
    // banded LU with partial pivoting instead of the block-tridiagonal LU. in_quad: the
    // last-resort pass (newton_robust): the Jacobian formed and factorised in binary128, and
    // converged only when the residual is at its rounding floor (floor_measures: every Poisson
    // row within kFloorPoisson of its terms, and the continuity rows' residual beyond kFloorEps
    // of their terms summing to at most kFloorCont |J| + kFloorJabs).
    int newton(std::vector<double>& u, double V, bool use_band, bool in_quad = false) {
        const double Vt = sys.Vt;
        double m_prev = 1e300;
        for (int it = 1; it <= 60; ++it) {
            if (in_quad) {
                sys.assemble(u.data(), lo.data(), V, F.data(), nullptr, cells.data(), S.data(),
                             &MQ);
                MQ.row_max(rsq.data());
                for (int r = 0; r < n; ++r) {
                    rs[r] = static_cast<double>(rsq[r]);
                    if (!(rs[r] > 0) || !std::isfinite(rs[r])) return -1;
                }
                if (at_floor(u)) return it;
                MQ.scale_rows(rsq.data());
                for (int r = 0; r < n; ++r) dxq[r] = -detail::quad(F[r]) / rsq[r];
                bandq.load(MQ);
                if (!bandq.factorize()) return -1;
                bandq.solve(dxq.data());
                for (int r = 0; r < n; ++r) dx[r] = static_cast<double>(dxq[r]);
            } else {
                if (analytic)
                    sys.assemble(u.data(), lo.data(), V, F.data(), &M);
                else
                    fd_jacobian(u, V);
                // row equilibration (the Newton step is invariant; pivots behave)
                M.row_max(rs.data());
                for (int r = 0; r < n; ++r)
                    if (!(rs[r] > 0) || !std::isfinite(rs[r])) return -1;
                M.scale_rows(rs.data());
                for (int r = 0; r < n; ++r) dx[r] = -F[r] / rs[r];
                if (use_band) {
                    band.load(M);
                    if (!band.factorize()) return -1;
                    band.solve(dx.data());
                } else {
                    if (!M.factorize()) return -1;
                    M.solve(dx.data());
                }
            }
            double m = 0.0;
            for (double v : dx) m = std::max(m, std::abs(v));
            if (!std::isfinite(m)) return -1;
            // Logarithmic damping per unknown (damped() above). The quasi-Fermi levels are carried
            // as u + lo (double-double): the update is added exactly (TwoSum), so that their
            // differences across the thinnest cells (~1e-8 V where the contact and interface cells
            // carry J) keep full relative precision; psi is plain.
            for (int r = 0; r < n; ++r) {
                const double d = damped(dx[r], r % 3);
                if (r % 3 == 0) {
                    u[r] += d;
                    continue;
                }
                const double s = u[r] + d, bp = s - u[r];
                const double err = (u[r] - (s - bp)) + (d - bp);
                const double l = lo[r] + err, t = s + l;  // renormalise (|s| >= |l|)
                lo[r] = l - (t - s);
                u[r] = t;
            }
            // Converged: (a) the update is below 1e-12 V; or (b) Newton is in its quadratic
            // phase (a second or later update, 10x or more below the previous one and below
            // 1e-7 V) and the next update it
            // predicts, K m^2 with K = max(m / m_prev^2, 1/(2 V_t)), is below 1e-15 V: the
            // solution is then at the rounding floor without one more iteration to prove it (the
            // damping alone contributes m^2/(2 V_t)); or (c) the update stagnates below 1e-9 V
            // (rounding floor of the finite-difference Jacobian; the residual itself is exact).
            if (in_quad) continue;
            if (m < 1e-12) return it;
            if (it >= 2 && m < 1e-7 && m < 0.1 * m_prev &&
                std::max(m / (m_prev * m_prev), 0.5 / Vt) * m * m < 1e-15)
                return it;
            if (m < 1e-9 && m > 0.3 * m_prev) return it;
            m_prev = m;
        }
        return -1;
    }

    std::vector<double> initial(double V) const {
        std::vector<double> u(3 * N);
        const double L = sys.st.x_m.back();
        for (int i = 0; i < N; ++i) {
            const double t = sys.st.x_m[i] / L;
            u[3 * i] = sys.psi_anode(V) * (1 - t) + sys.psi_cathode() * t;
            u[3 * i + 1] = -V * (1 - t);  // E_Fn
            u[3 * i + 2] = V * t;         // E_Fp + V
        }
        return u;
    }

    // Newton with the block-tridiagonal LU; if it fails, once more from the same start with the
    // banded LU (pivoting across nodes) before the caller halves the step.
    int newton_robust(std::vector<double>& u, double V) {
        u_start = u;
        std::fill(lo.begin(), lo.end(), 0.0);
        int k = newton(u, V, false);
        if (k < 0) {
            u = u_start;
            std::fill(lo.begin(), lo.end(), 0.0);
            k = newton(u, V, true);
        }
        if (k >= 0) {
            // the state is accepted only at the rounding floor of its residual: otherwise
            // polished (from it) by the binary128 pass, or that pass from the start
            sys.assemble(u.data(), lo.data(), V, F.data(), &M, cells.data(), S.data());
            M.row_max(rs.data());
            if (!at_floor(u)) {
                const int kq = newton(u, V, true, true);
                k = kq < 0 ? -1 : k + kq;
            }
        }
        if (k < 0) {
            u = u_start;
            std::fill(lo.begin(), lo.end(), 0.0);
            k = newton(u, V, true, true);
        }
        if (k >= 0) lo_sol = lo;
        return k;
    }

    // Predictor: the polynomial through the last (up to three) solutions, evaluated at vt
    // (Lagrange form; quadratic once three are known, so its error is O(step^3)).
    void predict(double vt, std::vector<double>& trial) const {
        if (history < 2) {
            trial = u_hist[0];
            return;
        }
        // the highest order (<= 2) whose weights stay below 10 in magnitude: extrapolating from
        // closely spaced solutions (the bisection of solve_current) would amplify their
        // differences (equal steps give weights 2, -1 and 3, -3, 1)
        int m = std::min(history, 3);
        double w[3] = {1.0, 0.0, 0.0};
        for (; m >= 2; --m) {
            double wmax = 0.0;
            for (int i = 0; i < m; ++i) {
                w[i] = 1.0;
                for (int j = 0; j < m; ++j)
                    if (j != i) w[i] *= (vt - v_hist[j]) / (v_hist[i] - v_hist[j]);
                wmax = std::max(wmax, std::abs(w[i]));
            }
            if (wmax <= 10.0) break;
        }
        if (m < 2) {
            trial = u_hist[0];
            return;
        }
        trial.resize(u_hist[0].size());
        for (std::size_t r = 0; r < trial.size(); ++r) {
            double t = w[0] * u_hist[0][r] + w[1] * u_hist[1][r];
            if (m == 3) t += w[2] * u_hist[2][r];
            trial[r] = t;
        }
    }
    void push_history(double v, const std::vector<double>& u) {
        if (history > 0 && std::abs(v - v_hist[0]) < 1e-9) {  // a rounding-size step: replace
            u_hist[0] = u;
            v_hist[0] = v;
            return;
        }
        std::swap(u_hist[2], u_hist[1]);
        std::swap(u_hist[1], u_hist[0]);
        u_hist[0] = u;
        v_hist[2] = v_hist[1];
        v_hist[1] = v_hist[0];
        v_hist[0] = v;
        history = std::min(history + 1, 3);
    }

    bool solve_at(double V, std::vector<double>& u, int& its) {
        if (history == 0) {
            // start from equilibrium
            u = initial(0.0);
            its = newton_robust(u, 0.0);
            if (its < 0) return false;
            push_history(0.0, u);
            step = 0.5 * max_step;
        }
        std::vector<double> trial;
        while (true) {
            const double remaining = V - v_hist[0];
            if (std::abs(remaining) < 1e-15) break;
            step = std::min(step, max_step);
            const double vt =
                std::abs(remaining) <= step ? V : v_hist[0] + std::copysign(step, remaining);
            predict(vt, trial);
            const int k = newton_robust(trial, vt);
            if (k < 0) {
                step *= 0.5;
                if (step < 1e-6) return false;
                continue;
            }
            its += k;
            push_history(vt, trial);
            // the next step (also the next call's first): doubled after a success, up to max_step
            step = std::min(step * 2.0, max_step);
        }
        u = u_hist[0];
        return true;
    }
};

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
    Solution s = detail::postprocess(impl_->sys, u, impl_->lo_sol, voltage_V);
    s.converged = true;
    s.newton_iterations = its;
    return s;
}

Solution Solver::solve_current(double J) {
    if (!(J > 0) || !std::isfinite(J))
        throw std::invalid_argument("transport: current must be > 0");
    double vlo = std::max(0.0, (impl_->history > 0 ? impl_->v_hist[0] : 0.0)), vhi = vlo;
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
