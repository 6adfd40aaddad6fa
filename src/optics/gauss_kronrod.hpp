//! @file gauss_kronrod.hpp  (private to relsim_optics)
//! Adaptive vector Gauss-Kronrod (G7/K15) quadrature over a set of intervals: all components of
//! a vector integrand share the nodes, so one evaluation of the expensive part (the stack's
//! reflection coefficients at one wavevector) serves every emitter position and dipole case.
//!
//! Accuracy control: the error of an interval is |K15 - G7| per component (no QUADPACK
//! rescaling, so the estimate is pessimistic). The integrator bisects the interval with the
//! largest normalised error until, for every component i,
//!     sum over intervals of err_i  <=  rel_tol * max(|I_i|, abs_floor).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <queue>
#include <stdexcept>
#include <vector>

namespace relsim::optics::detail {

struct GkInterval {
    int segment = 0;
    double a = 0.0, b = 1.0;
    std::size_t slot = 0;  //!< where its K15 and error vectors live in the pools
    double priority = 0.0;
};

//! One piece of a mesh: [a, b] of a segment's t range (a previous solve's final intervals).
struct GkPiece {
    int segment = 0;
    double a = 0.0, b = 1.0;
};

struct GkResult {
    std::vector<double> value, error;
    std::vector<GkPiece> mesh;  //!< the final intervals
    long evaluations = 0;
    double max_rel_error = 0.0;
    bool converged = false;
};

//! `f(segment, t, out)` writes n components at parameter t of `segment`. Every segment is
//! integrated over t in [0, 1], starting from `initial_splits` equal pieces.
//! A previous final mesh as the start mesh, if it covers every segment (else empty). With
//! `coarsen`, dyadic siblings are merged first (one level back) so the mesh can shrink again.
inline std::vector<GkPiece> start_from(const std::vector<GkPiece>& mesh, int num_segments,
                                       bool coarsen) {
    std::vector<GkPiece> m = mesh;
    std::sort(m.begin(), m.end(), [](const GkPiece& x, const GkPiece& y) {
        return x.segment != y.segment ? x.segment < y.segment : x.a < y.a;
    });
    std::vector<GkPiece> out;
    std::vector<double> covered(static_cast<std::size_t>(num_segments), 0.0);
    for (std::size_t i = 0; i < m.size(); ++i) {
        if (m[i].segment < 0 || m[i].segment >= num_segments) return {};
        covered[static_cast<std::size_t>(m[i].segment)] += m[i].b - m[i].a;
        const double h = m[i].b - m[i].a;
        const double k = m[i].a / (2.0 * h);
        const bool left_sibling = std::abs(k - std::round(k)) < 1e-9;
        if (coarsen && left_sibling && i + 1 < m.size() && m[i + 1].segment == m[i].segment &&
            std::abs(m[i + 1].a - m[i].b) < 1e-15 &&
            std::abs((m[i + 1].b - m[i + 1].a) - h) < 1e-15 * (1.0 + h)) {
            out.push_back({m[i].segment, m[i].a, m[i + 1].b});
            ++i;
            covered[static_cast<std::size_t>(m[i].segment)] += m[i].b - m[i].a;
        } else {
            out.push_back(m[i]);
        }
    }
    for (double c : covered) {
        if (std::abs(c - 1.0) > 1e-9) return {};
    }
    return out;
}

template <class F>
GkResult integrate_segments(F&& f, int num_segments, std::size_t n, double rel_tol,
                            double abs_floor, int max_intervals, int initial_splits = 4,
                            const std::vector<GkPiece>* start_mesh = nullptr,
                            bool coarsen = false) {
    static constexpr double xgk[8] = {
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
        0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
        0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0.0};
    static constexpr double wgk[8] = {
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
        0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
        0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
    static constexpr double wg[4] = {
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
        0.381830050505118944950369775488975, 0.417959183673469387755102040816327};
    GkResult res;
    res.value.assign(n, 0.0);
    res.error.assign(n, 0.0);
    std::vector<double> kpool, epool, fv(n), kr(n), gr(n);
    std::vector<std::size_t> free_slots;

    auto rule = [&](int seg, double a, double b, std::size_t slot) {
        const double c = 0.5 * (a + b), h = 0.5 * (b - a);
        std::fill(kr.begin(), kr.end(), 0.0);
        std::fill(gr.begin(), gr.end(), 0.0);
        for (int j = 0; j < 15; ++j) {
            const int k = j < 8 ? j : 14 - j;
            const double x = j < 8 ? c - h * xgk[k] : c + h * xgk[k];
            if (j == 7) continue;  // the centre is evaluated once, below
            f(seg, x, fv.data());
            for (std::size_t i = 0; i < n; ++i) {
                kr[i] += wgk[k] * fv[i];
                if (k % 2 == 1) gr[i] += wg[k / 2] * fv[i];
            }
        }
        f(seg, c, fv.data());
        for (std::size_t i = 0; i < n; ++i) {
            kr[i] += wgk[7] * fv[i];
            gr[i] += wg[3] * fv[i];
        }
        res.evaluations += 15;
        for (std::size_t i = 0; i < n; ++i) {
            kpool[slot * n + i] = kr[i] * h;
            epool[slot * n + i] = std::abs((kr[i] - gr[i]) * h);
        }
    };
    auto new_slot = [&]() {
        if (!free_slots.empty()) {
            const std::size_t s = free_slots.back();
            free_slots.pop_back();
            return s;
        }
        const std::size_t s = kpool.size() / n;
        kpool.resize(kpool.size() + n);
        epool.resize(epool.size() + n);
        return s;
    };
    auto cmp = [](const GkInterval& x, const GkInterval& y) { return x.priority < y.priority; };
    std::priority_queue<GkInterval, std::vector<GkInterval>, decltype(cmp)> heap(cmp);
    std::vector<GkInterval> all;
    auto add = [&](int seg, double a, double b) {
        GkInterval iv{seg, a, b, new_slot(), 0.0};
        rule(seg, a, b, iv.slot);
        for (std::size_t i = 0; i < n; ++i) {
            res.value[i] += kpool[iv.slot * n + i];
            res.error[i] += epool[iv.slot * n + i];
        }
        return iv;
    };
    auto scale = [&](std::size_t i) { return std::max(std::abs(res.value[i]), abs_floor); };
    auto priority = [&](const GkInterval& iv) {
        double p = 0.0;
        for (std::size_t i = 0; i < n; ++i) p = std::max(p, epool[iv.slot * n + i] / scale(i));
        return p;
    };
    const std::vector<GkPiece> hint = start_mesh && !start_mesh->empty()
                                          ? start_from(*start_mesh, num_segments, coarsen)
                                          : std::vector<GkPiece>{};
    if (!hint.empty()) {
        for (const GkPiece& pc : hint) all.push_back(add(pc.segment, pc.a, pc.b));
    } else {
        for (int s = 0; s < num_segments; ++s) {
            for (int k = 0; k < initial_splits; ++k) {
                all.push_back(add(s, double(k) / initial_splits, double(k + 1) / initial_splits));
            }
        }
    }
    for (GkInterval& iv : all) {
        iv.priority = priority(iv);
        heap.push(iv);
    }
    int intervals = static_cast<int>(all.size());
    auto worst = [&] {
        double w = 0.0;
        for (std::size_t i = 0; i < n; ++i) w = std::max(w, res.error[i] / (rel_tol * scale(i)));
        return w;
    };
    long since_rebuild = 0;
    while (true) {
        const double w = worst();
        res.max_rel_error = w * rel_tol;
        if (w <= 1.0) {
            res.converged = true;
            break;
        }
        if (intervals >= max_intervals || heap.empty()) break;
        const GkInterval iv = heap.top();
        heap.pop();
        for (std::size_t i = 0; i < n; ++i) {
            res.value[i] -= kpool[iv.slot * n + i];
            res.error[i] -= epool[iv.slot * n + i];
        }
        free_slots.push_back(iv.slot);
        const double m = 0.5 * (iv.a + iv.b);
        GkInterval l = add(iv.segment, iv.a, m);
        GkInterval r = add(iv.segment, m, iv.b);
        l.priority = priority(l);
        r.priority = priority(r);
        heap.push(l);
        heap.push(r);
        ++intervals;
        // Priorities use the running scales; refresh them now and then (scales settle early).
        if (++since_rebuild == 64) {
            since_rebuild = 0;
            std::vector<GkInterval> items;
            while (!heap.empty()) {
                items.push_back(heap.top());
                heap.pop();
            }
            for (GkInterval& it : items) {
                it.priority = priority(it);
                heap.push(it);
            }
            // Re-sum to shed accumulated rounding of the running totals.
            std::fill(res.value.begin(), res.value.end(), 0.0);
            std::fill(res.error.begin(), res.error.end(), 0.0);
            for (const GkInterval& it : items) {
                for (std::size_t i = 0; i < n; ++i) {
                    res.value[i] += kpool[it.slot * n + i];
                    res.error[i] += epool[it.slot * n + i];
                }
            }
        }
    }
    while (!heap.empty()) {
        res.mesh.push_back({heap.top().segment, heap.top().a, heap.top().b});
        heap.pop();
    }
    return res;
}

}  // namespace relsim::optics::detail
