//! @file dipole_emission.cpp
//! Dipole emission in a planar stack by the plane-wave expansion over u = k_par / k_e, where
//! k_e = 2 pi n_e / lambda is the wavenumber in the emitting layer (n_e real).
//!
//! Total power (Chance, Prock & Silbey 1978, in the form of Neyts 1998), w = sqrt(1 - u^2):
//!   ED perp: F = Re int 3/2 u^3/w (1 + r+ e+)(1 + r- e-) / D                      (p waves)
//!   ED par : F = Re int 3/4 u/w [ (1 + r+ e+)(1 + r- e-)/D |_s + w^2 (1 - r+ e+)(1 - r- e-)/D |_p
//!   ]
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
//!    modes and plasmons lie just above the real axis (first quadrant), so the dip passes below
//!    them as the physical (lossy) limit requires; every kz keeps Im kz > 0 there, so nothing
//!    grows.
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
//! Principal complex square root without csqrt's hypot (|q| here is far from overflow).
inline Complex principal_sqrt(Complex q) {
    const double x = q.real(), y = q.imag();
    const double m = std::sqrt(x * x + y * y);
    if (m == 0.0) return {0.0, 0.0};
    if (x >= 0.0) {
        const double a = std::sqrt(0.5 * (m + x));
        return {a, y / (2.0 * a)};
    }
    const double b = std::copysign(std::sqrt(0.5 * (m - x)), y);
    return {y / (2.0 * b), b};
}

inline Complex kz_of(Complex eps, Complex beta2) {
    Complex kz = principal_sqrt(eps - beta2);
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
        P_.resize(n_);
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
    //! exp(i k0 kz_j d_j) of thin layer j at the last at() call.
    [[nodiscard]] Complex phase(std::size_t j) const { return P_[j]; }

    //! Fills s and p coefficients at in-plane wavevector u (units of k_e).
    void at(Complex u, bool need_back, Pol& s, Pol& p) {
        const Complex beta2 = ne_ * ne_ * u * u;
        for (std::size_t j = 0; j < n_; ++j) {
            kz_[j] = kz_of(eps_[j], beta2);
            // One-pass phase of each thin layer, shared by both polarisations.
            P_[j] = (j == 0 || j + 1 == n_) ? Complex(1.0) : std::exp(I * k0_ * kz_[j] * d_[j]);
        }
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
                const Complex P = P_[j + 1];
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
                const Complex P = P_[j - 1];
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
    std::vector<Complex> eps_, kz_, P_;
    std::vector<double> d_;
};

constexpr std::size_t kStride =
    num_cases * 5;  // per slice: case x {F_real, air, other, F_wg, F_beyond}

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
                                         const std::vector<double>& z_nm, const Accuracy& accuracy,
                                         SolveReport* report, QuadratureMesh* mesh) {
    const std::size_t N = stack.index.size();
    const std::size_t e = stack.emitter;
    if (N < 3 || stack.thickness_nm.size() != N || e == 0 || e + 1 >= N) {
        throw std::invalid_argument(
            "dipole_powers: the stack needs >= 3 layers and an inner emitting layer");
    }
    if (!loss_free(stack.index[e]))
        throw std::invalid_argument("dipole_powers: the emitting layer must be loss-free");
    if (!(wavelength_nm > 0.0))
        throw std::invalid_argument("dipole_powers: wavelength must be > 0");
    const double de = stack.thickness_nm[e];
    for (double z : z_nm) {
        if (!(z > 0.0 && z < de))
            throw std::invalid_argument(
                "dipole_powers: emitter position outside the emitting layer");
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
    auto add_cut = [&](double c) {
        if (c > 0.0 && c < u_a) cuts.push_back(c);
    };
    add_cut(1.0);
    if (top_free) add_cut(n_top.real() / ne);
    if (bot_free) add_cut(n_bot.real() / ne);
    if (stack.incoherent_substrate) add_cut(1.0 / ne);
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end(),
                           [](double x, double y) { return std::abs(x - y) < 1e-12; }),
               cuts.end());
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
        for (std::size_t i = 0; i + 1 < cuts.size(); ++i)
            segs.push_back({Seg::real, cuts[i], cuts[i + 1]});
    }
    if (u_b > u_a + 1e-12) segs.push_back({Seg::dip_wg, u_a, u_b});
    segs.push_back({Seg::dip_beyond, u_b, u_c});
    segs.push_back({Seg::tail, u_c, 0.0});

    const std::size_t ns = z_nm.size();
    const std::size_t ncomp = ns * kStride;
    std::vector<Complex> ep(ns), em(ns), Ep(ns), Em(ns);
    const double dz = ns > 1 ? z_nm[1] - z_nm[0] : 0.0;
    bool equally_spaced = ns > 2 && dz > 0.0;
    for (std::size_t i = 1; i < ns && equally_spaced; ++i) {
        equally_spaced = std::abs(z_nm[i] - z_nm[i - 1] - dz) <= 1e-12 * de;
    }
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
        const Complex ed = ev.phase(e) * ev.phase(e);  // exp(2 i kz d_e)
        // One-way propagation factors E+- = exp(i kz z+-) and e+- = E+-^2. Equally spaced
        // positions (the slices) step by one decaying factor exp(i kz dz) instead of an exp each.
        if (equally_spaced) {
            const Complex step = std::exp(0.5 * ikz2 * dz);
            Em[0] = std::exp(0.5 * ikz2 * z_nm[0]);
            Ep[ns - 1] = std::exp(0.5 * ikz2 * (de - z_nm[ns - 1]));
            for (std::size_t i = 1; i < ns; ++i) {
                Em[i] = Em[i - 1] * step;
                Ep[ns - 1 - i] = Ep[ns - i] * step;
            }
        } else {
            for (std::size_t i = 0; i < ns; ++i) {
                Ep[i] = std::exp(0.5 * ikz2 * (de - z_nm[i]));
                Em[i] = std::exp(0.5 * ikz2 * z_nm[i]);
            }
        }
        for (std::size_t i = 0; i < ns; ++i) {
            ep[i] = Ep[i] * Ep[i];
            em[i] = Em[i] * Em[i];
        }
        // 1 / D for both polarisations (D = 1 - r+ r- e_d), used by every slice and case.
        const Complex Ds = 1.0 / (1.0 - s.r_up * s.r_dn * ed),
                      Dp = 1.0 / (1.0 - p.r_up * p.r_dn * ed);
        const Complex u3w = u * u * u / w, uw = u / w, w2 = w * w;
        const bool reflected_only = sg.kind == Seg::tail;
        const std::size_t slot = sg.kind == Seg::real ? 0 : sg.kind == Seg::dip_wg ? 3 : 4;
        // Powers into the outer loss-free media (real axis only): flux factors and the escape
        // through the incoherent substrate, T / (1 - R_glass/air R_stack) per polarisation.
        double jac = 0.0, A_perp = 0.0, A_par1 = 0.0, A_par2 = 0.0;
        double top_s = 0.0, top_p = 0.0, bot_s = 0.0, bot_p = 0.0, esc_s = 0.0, esc_p = 0.0;
        if (real) {
            jac = du.real();
            const double aw2 = std::norm(w);
            A_perp = 0.75 * ur * ur * ur / aw2;
            A_par1 = 0.375 * ur / aw2;
            A_par2 = 0.375 * ur;
            const Complex kt = ev.kz(N - 1), kb = ev.kz(0);
            // |t|^2 Re(q_out): q = kz / n_e (s), n_e kz / eps (p, H-field amplitudes).
            top_s = top_free ? std::norm(s.t_up) * kt.real() / ne : 0.0;
            top_p = top_free ? std::norm(p.t_up) * (kt / ev.eps(N - 1)).real() * ne : 0.0;
            bot_s = bot_free ? std::norm(s.t_dn) * kb.real() / ne : 0.0;
            bot_p = bot_free ? std::norm(p.t_dn) * (kb / ev.eps(0)).real() * ne : 0.0;
            if (need_back) {
                const Complex beta2 = ne * ne * ur * ur;
                const Complex eg = n_bot * n_bot, ea = n_air * n_air;
                const Complex kg = kz_of(eg, beta2), ka = kz_of(ea, beta2);
                const double Rs = std::norm(fresnel(false, eg, kg, ea, ka).r);
                const double Rp = std::norm(fresnel(true, eg, kg, ea, ka).r);
                esc_s = (1.0 - Rs) / (1.0 - Rs * std::norm(s.r_back));
                esc_p = (1.0 - Rp) / (1.0 - Rp * std::norm(p.r_back));
            }
        }
        const Complex rr_s = 2.0 * s.r_up * s.r_dn * ed, rr_p = 2.0 * p.r_up * p.r_dn * ed;
        const double nDs = std::norm(Ds), nDp = std::norm(Dp);
        for (std::size_t i = 0; i < ns; ++i) {
            double* o = out + i * kStride;
            // Field factors (1 +- r+ e+)(1 +- r- e-) / D of each polarisation and sign, computed
            // once and shared by the four cases (ED perp: p+; ED par: s+, p-; MD by duality).
            const Complex sup = s.r_up * ep[i], sdn = s.r_dn * em[i];
            const Complex pup = p.r_up * ep[i], pdn = p.r_dn * em[i];
            Complex fs_p, fs_m, fp_p, fp_m;  // s+, s-, p+, p-
            if (reflected_only) {
                fs_p = (sup + sdn + rr_s) * Ds;
                fs_m = (rr_s - sup - sdn) * Ds;
                fp_p = (pup + pdn + rr_p) * Dp;
                fp_m = (rr_p - pup - pdn) * Dp;
            } else {
                fs_p = (1.0 + sup) * (1.0 + sdn) * Ds;
                fs_m = (1.0 - sup) * (1.0 - sdn) * Ds;
                fp_p = (1.0 + pup) * (1.0 + pdn) * Dp;
                fp_m = (1.0 - pup) * (1.0 - pdn) * Dp;
            }
            const Complex perp = 1.5 * u3w * du, par = 0.75 * uw * du;
            o[ed_perp * 5 + slot] = (perp * fp_p).real();
            o[md_perp * 5 + slot] = (perp * fs_p).real();
            o[ed_par * 5 + slot] = (par * (fs_p + w2 * fp_m)).real();
            o[md_par * 5 + slot] = (par * (fp_p + w2 * fs_m)).real();
            if (!real) continue;
            // |E+- (1 +- r-+ e-+) / D|^2: the wave leaving the layer upwards / downwards.
            const double nEp = std::norm(Ep[i]), nEm = std::norm(Em[i]);
            const double us_p = nEp * std::norm(1.0 + sdn) * nDs,
                         us_m = nEp * std::norm(1.0 - sdn) * nDs;
            const double up_p = nEp * std::norm(1.0 + pdn) * nDp,
                         up_m = nEp * std::norm(1.0 - pdn) * nDp;
            const double ds_p = nEm * std::norm(1.0 + sup) * nDs,
                         ds_m = nEm * std::norm(1.0 - sup) * nDs;
            const double dp_p = nEm * std::norm(1.0 + pup) * nDp,
                         dp_m = nEm * std::norm(1.0 - pup) * nDp;
            auto put = [&](std::size_t cs, double top_sp, double top_pp, double bot_sp,
                           double bot_pp) {
                // top_sp, top_pp: upward power carried by s and p waves (bottom likewise).
                const double top = top_sp + top_pp, bot = bot_sp + bot_pp;
                const double bot_air = bot_sp * esc_s + bot_pp * esc_p;
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
            put(ed_perp, 0.0, A_perp * up_p * top_p, 0.0, A_perp * dp_p * bot_p);
            put(md_perp, A_perp * us_p * top_s, 0.0, A_perp * ds_p * bot_s, 0.0);
            put(ed_par, A_par1 * us_p * top_s, A_par2 * up_m * top_p, A_par1 * ds_p * bot_s,
                A_par2 * dp_m * bot_p);
            put(md_par, A_par2 * us_m * top_s, A_par1 * up_p * top_p, A_par2 * ds_m * bot_s,
                A_par1 * dp_p * bot_p);
        }
    };

    std::vector<detail::GkPiece> start;
    if (mesh && mesh->num_segments == static_cast<int>(segs.size())) {
        for (std::size_t i = 0; i < mesh->segment.size(); ++i)
            start.push_back({mesh->segment[i], mesh->a[i], mesh->b[i]});
    }
    const detail::GkResult r = detail::integrate_segments(
        integrand, static_cast<int>(segs.size()), ncomp, accuracy.rel_tol, accuracy.abs_floor,
        accuracy.max_intervals, accuracy.initial_splits, &start);
    if (mesh) {
        mesh->num_segments = static_cast<int>(segs.size());
        mesh->segment.clear();
        mesh->a.clear();
        mesh->b.clear();
        for (const detail::GkPiece& pc : r.mesh) {
            mesh->segment.push_back(pc.segment);
            mesh->a.push_back(pc.a);
            mesh->b.push_back(pc.b);
        }
    }
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
