// Outputs of a converged drift-diffusion solution (spec transport.md section 4): current,
// recombination budget, zone statistics, slices and profiles.
#include <algorithm>
#include <cmath>
#include <vector>

#include "dd_system.hpp"

namespace relsim::transport::detail {

Solution postprocess(const System& sys, const std::vector<double>& u, const std::vector<double>& lo,
                     double V) {
    const Stack& st = sys.st;
    const int N = sys.N;
    const std::vector<double>& h = sys.h;
    Solution s;
    s.voltage_V = V;
    std::vector<System::Cell> ce(N - 1);
    std::vector<double> F(3 * N);
    sys.assemble(u.data(), lo.data(), V, F.data(), nullptr, ce.data());
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
        P.Ec_eV.push_back(sys.lumo[L] - u[3 * i]);
        P.Ev_eV.push_back(sys.homo[L] - u[3 * i]);
        P.Efn_eV.push_back(u[3 * i + 1]);
        P.Efp_eV.push_back(u[3 * i + 2] - V);
        P.n_cm3.push_back((left ? ce[c].nL : ce[c].nR) / kCm3ToM3);
        P.p_cm3.push_back((left ? ce[c].pL : ce[c].pR) / kCm3ToM3);
        P.R_cm3_s.push_back((left ? ce[c].RL : ce[c].RR) / kCm3ToM3);
        P.field_V_cm.push_back(-(u[3 * c + 3] - u[3 * c]) / h[c] * 1e-2);
    }
    return s;
}

}  // namespace relsim::transport::detail
