//! @file dipole_emission.cpp
//! Dipole emission in a planar stack by the plane-wave expansion over u = k_par / k_e, where
//! k_e = 2 pi n_e / lambda is the wavenumber in the emitting layer (n_e real).
//!
//! Total power (Chance, Prock & Silbey 1978, in the form of Neyts 1998), w = sqrt(1 - u^2):
//!   ED perp: F = Re int 3/2 u^3/w (1 + r+ e+)(1 + r- e-) / D                      (p waves)
//!   ED par : F = Re int 3/4 u/w [ (1 + r+ e+)(1 + r- e-)/D |_s + w^2 (1 - r+ e+)(1 - r- e-)/D |_p ]
//! with r+- the stack's reflection coefficients above / below the emitting layer (p: H field),
//! e+- = exp(2 i k_e w z+-), z+- the distances to the layer's top / bottom, D = 1 - r+ r- e+ e-.
//! MD follows by duality: s and p exchanged. Power into a loss-free outer medium is
//! |A|^2 |a|^2 |t|^2 Re(q_out) with the source strength |A|^2, the emitted-plus-reflected
//! amplitude a at the layer's interface and the stack's transmission t; the thick substrate adds
//! incoherent multiple reflections between the glass/air interface and the stack (Neyts 1998).
//!
//! Integration path (how poles and branch points are handled):
//!  - [0, u_a], u_a = the outer loss-free media's light line: real axis, split at every branch
//!    point (u = 1, n_out / n_e, the glass escape cone 1 / n_e) and mapped by a smoothstep
//!    u = a + (b - a)(3t^2 - 2t^3) so that the 1/sqrt end singularities become regular. No pole
//!    lies here: a guided mode is evanescent in the outer media.
//!  - [u_a, u_b] (waveguide: up to the highest dielectric index) and [u_b, u_c] (u_c = 2 u_b + 1/2,
//!    beyond every surface-plasmon pole of interest): a half-sine dip into the fourth quadrant,
//!    u = s - i delta sin(pi (s - a)/(b - a)). With exp(-i w t) and Im n >= 0, the poles of guided
//!    modes and plasmons lie just above the real axis (first quadrant), so the dip passes below them
//!    as the physical (lossy) limit requires; every kz keeps Im kz > 0 there, so nothing grows.
//!  - [u_c, inf): real axis, u = u_c + L t / (1 - t) with L = 1 / (2 k_e z_min); only the reflected
//!    part is integrated there (the homogeneous part is purely imaginary beyond u = 1), which
//!    avoids cancelling a growing imaginary term.
//! Accuracy: see gauss_kronrod.hpp; the factors' measured error is in docs/optics.md.
#include "relsim/optics/dipole_emission.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "gauss_kronrod.hpp"

namespace relsim::optics {
namespace {

constexpr Complex I{0.0, 1.0};

//! kz on the physical sheet, Im kz >= 0 (Re kz >= 0 on the real axis for loss-free media).
inline Complex kz_of(Complex eps, Complex beta2) {
    Complex kz = std::sqrt(eps - beta2);
    if (kz.imag() < 0.0 || (kz.imag() == 0.0 && kz.real() < 0.0)) kz = -kz;
    return kz;
}

struct Interface {
    Complex r, t;
};
//! Fresnel coefficients from layer i into layer j; p: H-field coefficients.
inline Interface fresnel(bool p, Complex eps_i, Complex kz_i, Complex eps_j, Complex kz_j) {
    if (p) {
        const Complex a = eps_j * kz_i, b = eps_i * kz_j;
        const Complex s = a + b;
        return {(a - b) / s, 2.0 * a / s};
    }
    const Complex s = kz_i + kz_j;
    return {(kz_i - kz_j) / s, 2.0 * kz_i / s};
}

//! The stack's coefficients seen from the emitting layer for one polarisation.
struct Pol {
    Complex r_up, r_dn;  //!< reflection above / below, referenced at the layer's interfaces
    Complex t_up, t_dn;  //!< transmission into the top / bottom semi-infinite medium
    Complex r_back;      //!< whole stack seen from the bottom medium (incoherent substrate)
};

class StackEval {
public:
    StackEval(const StackAtWavelength& s, double wavelength_nm)
        : n_(s.index.size()), e_(s.emitter), k0_(2.0 * std::numbers::pi / wavelength_nm) {
        eps_.resize(n_);
        d_.resize(n_);
        kz_.resize(n_);
        for (std::size_t j = 0; j < n_; ++j) {
            eps_[j] = s.index[j] * s.index[j];
            d_[j] = (j == 0 || j + 1 == n_) ? 0.0 : s.thickness_nm[j];
        }
        ne_ = s.index[e_].real();
    }
    [[nodiscard]] double k0() const { return k0_; }
    [[nodiscard]] double ne() const { return ne_; }
    [[nodiscard]] Complex kz(std::size_t j) const { return kz_[j]; }
    [[nodiscard]] Complex eps(std::size_t j) const { return eps_[j]; }

    //! Fills s and p coefficients at in-plane wavevector u (units of k_e).
    void at(Complex u, bool need_back, Pol& s, Pol& p) {
        const Complex beta2 = ne_ * ne_ * u * u;
        for (std::size_t j = 0; j < n_; ++j) kz_[j] = kz_of(eps_[j], beta2);
        for (int pol = 0; pol < 2; ++pol) {
            Pol& out = pol ? p : s;
            const bool is_p = pol == 1;
            // Upward: from the top medium down to the emitting layer (or to layer 0).
            Interface f = fresnel(is_p, eps_[n_ - 2], kz_[n_ - 2], eps_[n_ - 1], kz_[n_ - 1]);
            Complex G = f.r, T = f.t;
            if (e_ == n_ - 2) {
                out.r_up = G;
                out.t_up = T;
            }
            const std::size_t stop = need_back ? 0 : e_;
            for (std::size_t j = n_ - 2; j-- > stop;) {
                f = fresnel(is_p, eps_[j], kz_[j], eps_[j + 1], kz_[j + 1]);
                const Complex P = std::exp(I * k0_ * kz_[j + 1] * d_[j + 1]);
                const Complex GP2 = G * P * P;
                const Complex den = 1.0 + f.r * GP2;
                G = (f.r + GP2) / den;
                T = f.t * P * T / den;
                if (j == e_) {
                    out.r_up = G;
                    out.t_up = T;
                }
            }
            out.r_back = need_back ? G : Complex{};
            // Downward: from the bottom medium up to the emitting layer.
            f = fresnel(is_p, eps_[1], kz_[1], eps_[0], kz_[0]);
            Complex L = f.r, Td = f.t;
            for (std::size_t j = 2; j <= e_; ++j) {
                f = fresnel(is_p, eps_[j], kz_[j], eps_[j - 1], kz_[j - 1]);
                const Complex P = std::exp(I * k0_ * kz_[j - 1] * d_[j - 1]);
                const Complex LP2 = L * P * P;
                const Complex den = 1.0 + f.r * LP2;
                L = (f.r + LP2) / den;
                Td = f.t * P * Td / den;
            }
            out.r_dn = L;
            out.t_dn = Td;
        }
    }

private:
    std::size_t n_, e_;
    double k0_, ne_ = 1.0;
    std::vector<Complex> eps_, kz_;
    std::vector<double> d_;
};

constexpr std::size_t kStride = num_cases * 5;  // per slice: case x {F_real, air, other, F_wg, F_beyond}

inline bool loss_free(Complex n) { return n.imag() == 0.0 && n.real() > 0.0; }

}  // namespace

CasePowers EmitterPowers::isotropic(bool md) const {
    const CasePowers& a = cases[md ? md_perp : ed_perp];
    const CasePowers& b = cases[md ? md_par : ed_par];
    auto iso = [](double x, double y) { return (x + 2.0 * y) / 3.0; };
    return {iso(a.purcell, b.purcell), iso(a.air, b.air), iso(a.substrate, b.substrate),
            iso(a.waveguide, b.waveguide), iso(a.absorbed, b.absorbed)};
}

double EmitterPowers::eta_air(bool md) const {
    const CasePowers c = isotropic(md);
    return c.purcell > 0.0 ? c.air / c.purcell : 0.0;
}

std::vector<EmitterPowers> dipole_powers(const StackAtWavelength& stack, double wavelength_nm,
                                         const std::vector<double>& z_nm,
                                         const Accuracy& accuracy, SolveReport* report) {
    const std::size_t N = stack.index.size();
    const std::size_t e = stack.emitter;
    if (N < 3 || stack.thickness_nm.size() != N || e == 0 || e + 1 >= N) {
        throw std::invalid_argument("dipole_powers: the stack needs >= 3 layers and an inner emitting layer");
    }
    if (!loss_free(stack.index[e])) throw std::invalid_argument("dipole_powers: the emitting layer must be loss-free");
    if (!(wavelength_nm > 0.0)) throw std::invalid_argument("dipole_powers: wavelength must be > 0");
    const double de = stack.thickness_nm[e];
    for (double z : z_nm) {
        if (!(z > 0.0 && z < de)) throw std::invalid_argument("dipole_powers: emitter position outside the emitting layer");
    }
    if (stack.incoherent_substrate && !loss_free(stack.index[0])) {
        throw std::invalid_argument("dipole_powers: the incoherent substrate must be loss-free");
    }
    StackEval ev(stack, wavelength_nm);
    const double ne = ev.ne(), k0 = ev.k0();
    const Complex n_top = stack.index[N - 1], n_bot = stack.index[0];
    const bool top_free = loss_free(n_top), bot_free = loss_free(n_bot);
    // Which outer medium counts as air (spec section 3).
    const bool air_is_top = stack.incoherent_substrate ? top_free : top_free;
    const bool bottom_to_air_via_glass = stack.incoherent_substrate;
    const bool air_is_bottom = !stack.incoherent_substrate && !top_free && bot_free;

    // Segment boundaries.
    double u_a = 0.0;
    if (top_free) u_a = std::max(u_a, n_top.real() / ne);
    if (bot_free) u_a = std::max(u_a, n_bot.real() / ne);
    std::vector<double> cuts{0.0, u_a};
    auto add_cut = [&](double c) { if (c > 0.0 && c < u_a) cuts.push_back(c); };
    add_cut(1.0);
    if (top_free) add_cut(n_top.real() / ne);
    if (bot_free) add_cut(n_bot.real() / ne);
    if (stack.incoherent_substrate) add_cut(1.0 / ne);
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end(), [](double x, double y) { return std::abs(x - y) < 1e-12; }), cuts.end());
    double u_b = std::max(u_a, 1.0);
    for (std::size_t j = 1; j + 1 < N; ++j) {
        const Complex eps = stack.index[j] * stack.index[j];
        if (eps.real() > 0.0) u_b = std::max(u_b, stack.index[j].real() / ne);
    }
    const double u_c = 2.0 * u_b + 0.5;
    double z_min = de;
    for (double z : z_nm) z_min = std::min({z_min, z, de - z});
    const double L = 1.0 / (2.0 * k0 * ne * z_min);

    struct Seg {
        enum Kind { real, dip_wg, dip_beyond, tail } kind;
        double a, b;
    };
    std::vector<Seg> segs;
    if (u_a > 0.0) {
        for (std::size_t i = 0; i + 1 < cuts.size(); ++i) segs.push_back({Seg::real, cuts[i], cuts[i + 1]});
    }
    if (u_b > u_a + 1e-12) segs.push_back({Seg::dip_wg, u_a, u_b});
    segs.push_back({Seg::dip_beyond, u_b, u_c});
    segs.push_back({Seg::tail, u_c, 0.0});

    const std::size_t ns = z_nm.size();
    const std::size_t ncomp = ns * kStride;
    std::vector<Complex> ep(ns), em(ns), Ep(ns), Em(ns);
    Pol s{}, p{};
    const double n_air = 1.0;
    const double esc_u = 1.0 / ne;  // n_e u = 1: the glass/air critical angle

    auto integrand = [&](int seg_index, double t, double* out) {
        std::fill(out, out + ncomp, 0.0);
        const Seg& sg = segs[static_cast<std::size_t>(seg_index)];
        Complex u, du;
        if (sg.kind == Seg::tail) {
            const double om = 1.0 - t;
            u = sg.a + L * t / om;
            du = L / (om * om);
        } else {
            const double S = t * t * (3.0 - 2.0 * t), dS = 6.0 * t * (1.0 - t);
            const double w = sg.b - sg.a;
            if (sg.kind == Seg::real) {
                u = sg.a + w * S;
                du = w * dS;
            } else {
                const double delta = std::min(0.25 * w, 0.3);
                u = Complex(sg.a + w * S, -delta * std::sin(std::numbers::pi * S));
                du = Complex(w, -delta * std::numbers::pi * std::cos(std::numbers::pi * S)) * dS;
            }
        }
        if (du == 0.0) return;
        const bool real = sg.kind == Seg::real;
        const double ur = u.real();
        const bool need_back = real && bottom_to_air_via_glass && ur < esc_u;
        ev.at(u, need_back, s, p);
        const Complex kze = ev.kz(e);
        const Complex w = kze / ne;
        const Complex ikz2 = 2.0 * I * k0 * kze;
        const Complex ed = std::exp(ikz2 * de);
        for (std::size_t i = 0; i < ns; ++i) {
            const double zm = z_nm[i], zp = de - zm;
            ep[i] = std::exp(ikz2 * zp);
            em[i] = std::exp(ikz2 * zm);
            if (real) {
                Ep[i] = std::exp(0.5 * ikz2 * zp);
                Em[i] = std::exp(0.5 * ikz2 * zm);
            }
        }
        const Complex Ds = 1.0 - s.r_up * s.r_dn * ed, Dp = 1.0 - p.r_up * p.r_dn * ed;
        const Complex u3w = u * u * u / w, uw = u / w, w2 = w * w;
        const bool reflected_only = sg.kind == Seg::tail;
        // Field factor for sign sg (+1 / -1), full or reflected part only.
        auto factor = [&](const Pol& c, const Complex& D, double sgn, std::size_t i) {
            if (reflected_only) {
                return (sgn * (c.r_up * ep[i] + c.r_dn * em[i]) + 2.0 * c.r_up * c.r_dn * ed) / D;
            }
            return (1.0 + sgn * c.r_up * ep[i]) * (1.0 + sgn * c.r_dn * em[i]) / D;
        };
        const std::size_t slot = sg.kind == Seg::real ? 0 : sg.kind == Seg::dip_wg ? 3 : 4;
        for (std::size_t i = 0; i < ns; ++i) {
            double* o = out + i * kStride;
            const Complex f_edperp = 1.5 * u3w * factor(p, Dp, 1.0, i);
            const Complex f_mdperp = 1.5 * u3w * factor(s, Ds, 1.0, i);
            const Complex f_edpar = 0.75 * uw * (factor(s, Ds, 1.0, i) + w2 * factor(p, Dp, -1.0, i));
            const Complex f_mdpar = 0.75 * uw * (factor(p, Dp, 1.0, i) + w2 * factor(s, Ds, -1.0, i));
            o[ed_perp * 5 + slot] = (f_edperp * du).real();
            o[ed_par * 5 + slot] = (f_edpar * du).real();
            o[md_perp * 5 + slot] = (f_mdperp * du).real();
            o[md_par * 5 + slot] = (f_mdpar * du).real();
        }
        if (!real) return;
        // Power into the outer loss-free media (u real here).
        const double jac = du.real();
        const double aw2 = std::norm(w);
        const double A_perp = 0.75 * ur * ur * ur / aw2, A_par1 = 0.375 * ur / aw2, A_par2 = 0.375 * ur;
        const Complex kt = ev.kz(N - 1), kb = ev.kz(0);
        const double flux_top_s = top_free ? kt.real() / ne : 0.0;
        const double flux_top_p = top_free ? (kt / ev.eps(N - 1)).real() * ne : 0.0;
        const double flux_bot_s = bot_free ? kb.real() / ne : 0.0;
        const double flux_bot_p = bot_free ? (kb / ev.eps(0)).real() * ne : 0.0;
        // Escape through the incoherent substrate: T / (1 - R_glass/air R_stack) per polarisation.
        double esc_s = 0.0, esc_p = 0.0;
        if (need_back) {
            const Complex beta2 = ne * ne * ur * ur;
            const Complex eg = n_bot * n_bot, ea = n_air * n_air;
            const Complex kg = kz_of(eg, beta2), ka = kz_of(ea, beta2);
            const double Rs = std::norm(fresnel(false, eg, kg, ea, ka).r);
            const double Rp = std::norm(fresnel(true, eg, kg, ea, ka).r);
            esc_s = (1.0 - Rs) / (1.0 - Rs * std::norm(s.r_back));
            esc_p = (1.0 - Rp) / (1.0 - Rp * std::norm(p.r_back));
        }
        for (std::size_t i = 0; i < ns; ++i) {
            double* o = out + i * kStride;
            // Amplitude factors at the top / bottom interface for sign sgn.
            auto up = [&](const Pol& c, const Complex& D, double sgn) {
                return std::norm(Ep[i] * (1.0 + sgn * c.r_dn * em[i]) / D) * std::norm(c.t_up);
            };
            auto dn = [&](const Pol& c, const Complex& D, double sgn) {
                return std::norm(Em[i] * (1.0 + sgn * c.r_up * ep[i]) / D) * std::norm(c.t_dn);
            };
            struct Part {
                double A;
                const Pol* c;
                const Complex* D;
                double sgn;
                bool is_p;
            };
            auto put = [&](std::size_t cs, std::initializer_list<Part> parts) {
                double top = 0.0, bot = 0.0, bot_air = 0.0;
                for (const Part& q : parts) {
                    const double pt = q.A * up(*q.c, *q.D, q.sgn) * (q.is_p ? flux_top_p : flux_top_s);
                    const double pb = q.A * dn(*q.c, *q.D, q.sgn) * (q.is_p ? flux_bot_p : flux_bot_s);
                    top += pt;
                    bot += pb;
                    bot_air += pb * (q.is_p ? esc_p : esc_s);
                }
                double air = 0.0, other = 0.0;
                if (bottom_to_air_via_glass) {
                    air = bot_air + (air_is_top ? top : 0.0);
                    other = bot - bot_air;
                } else if (air_is_top) {
                    air = top;
                    other = bot;
                } else if (air_is_bottom) {
                    air = bot;
                }
                o[cs * 5 + 1] = air * jac;
                o[cs * 5 + 2] = other * jac;
            };
            put(ed_perp, {{A_perp, &p, &Dp, 1.0, true}});
            put(md_perp, {{A_perp, &s, &Ds, 1.0, false}});
            put(ed_par, {{A_par1, &s, &Ds, 1.0, false}, {A_par2, &p, &Dp, -1.0, true}});
            put(md_par, {{A_par1, &p, &Dp, 1.0, true}, {A_par2, &s, &Ds, -1.0, false}});
        }
    };

    const detail::GkResult r = detail::integrate_segments(
        integrand, static_cast<int>(segs.size()), ncomp, accuracy.rel_tol, accuracy.abs_floor,
        accuracy.max_intervals);
    if (report) {
        report->evaluations = r.evaluations;
        report->max_rel_error = r.max_rel_error;
        report->converged = r.converged;
    }
    if (!r.converged) {
        throw std::runtime_error("dipole_powers: the wavevector integral did not converge at " +
                                 std::to_string(wavelength_nm) + " nm (estimated relative error " +
                                 std::to_string(r.max_rel_error) + ")");
    }
    std::vector<EmitterPowers> out(ns);
    for (std::size_t i = 0; i < ns; ++i) {
        for (std::size_t c = 0; c < num_cases; ++c) {
            const double* v = r.value.data() + i * kStride + c * 5;
            CasePowers& cp = out[i].cases[c];
            cp.purcell = v[0] + v[3] + v[4];
            cp.air = v[1];
            cp.substrate = v[2];
            cp.waveguide = v[3];
            cp.absorbed = v[0] - v[1] - v[2] + v[4];
        }
    }
    return out;
}

}  // namespace relsim::optics
