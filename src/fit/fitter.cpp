//! @file fitter.cpp
//! The fit: residuals of every data set with amplitudes/offsets eliminated (variable
//! projection), Ceres' Levenberg-Marquardt with bounds on the free parameters in their fitted
//! scale (log10 where asked), finite-difference derivatives, multi-start, covariance.
//!
//! Derivatives: central differences in the fitted scale with the step h_j = fd_step x
//! max(|u_j|, 1) for log10 parameters (so fd_step = 1e-4 is a relative step of 2.3e-4 of the
//! value) and fd_step x max(|u_j|, 0.01 (max - min)) for linear ones; near a bound the
//! one-sided second-order formula (-3 f0 + 4 f1 - f2) / 2h (or its mirror) keeps every model
//! evaluation inside the bounds, where the model is defined. Truncation error ~ h^2 ~ 1e-8
//! relative; the model's own noise (Newton converged to ~1e-15, pulses at rtol 1e-10) divided
//! by h stays below ~1e-6 relative.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include <ceres/ceres.h>
#include <glog/logging.h>
#include <fmt/format.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "covariance.hpp"
#include "relsim/core/error.hpp"
#include "relsim/fit/fitter.hpp"
#include "relsim/fit/model_evaluator.hpp"
#include "relsim/io/detail/splitmix64.hpp"

namespace relsim::fit {

const char* to_string(Flag flag) {
    switch (flag) {
        case Flag::none: return "";
        case Flag::at_lower_bound: return "at lower bound";
        case Flag::at_upper_bound: return "at upper bound";
        case Flag::degenerate: return "not determined (degenerate direction of J^T W J)";
        case Flag::relative_error_large: return "relative error >= 1";
    }
    return "?";
}

namespace {

constexpr double kLn10 = 2.302585092994046;
constexpr double kInf = std::numeric_limits<double>::infinity();

bool has_nuisance(DataKind k) { return k == DataKind::decay || k == DataKind::spectrum; }

//! The fixed description of the least-squares problem.
struct Problem {
    const FitConfig* cfg = nullptr;
    std::size_t P = 0;
    std::vector<double> lo, hi;  //!< fitted scale
    std::vector<bool> log;
    std::size_t N = 0;
    std::vector<std::size_t> first;  //!< first residual of each data set
    std::vector<double> set_sigma;   //!< per data set without sigma: the common sigma used
    double fd_step = 1e-4;

    double value(std::size_t j, double u) const { return log[j] ? std::pow(10.0, u) : u; }
    double scaled(std::size_t j, double v) const { return log[j] ? std::log10(v) : v; }
    double sigma(std::size_t d, std::size_t i) const {
        const DataSet& ds = cfg->data[d];
        return ds.sigma.empty() ? set_sigma[d] : ds.sigma[i];
    }
};

//! Amplitude and offset of a data set by weighted linear least squares given the model curve.
struct Linear {
    double a = 1.0, b = 0.0;
};

bool project(const Problem& pb, std::size_t d, const std::vector<double>& m, Linear& lin) {
    const DataSet& ds = pb.cfg->data[d];
    if (!has_nuisance(ds.kind)) {
        lin = {};
        return true;
    }
    double sw = 0, sm = 0, sy = 0, smm = 0, smy = 0;
    for (std::size_t i = 0; i < m.size(); ++i) {
        const double w = 1.0 / (pb.sigma(d, i) * pb.sigma(d, i));
        sw += w;
        sm += w * m[i];
        sy += w * ds.y[i];
        smm += w * m[i] * m[i];
        smy += w * m[i] * ds.y[i];
    }
    if (ds.offset) {
        const double det = sw * smm - sm * sm;
        if (!(std::abs(det) > 1e-300) || !std::isfinite(det)) return false;
        lin.a = (sw * smy - sm * sy) / det;
        lin.b = (smm * sy - sm * smy) / det;
    } else {
        if (!(smm > 0.0) || !std::isfinite(smm)) return false;
        lin.a = smy / smm;
        lin.b = 0.0;
    }
    return std::isfinite(lin.a) && std::isfinite(lin.b);
}

//! One start's models (one evaluator per [[model]]) and the parameter bindings.
class Worker {
public:
    Worker(const Problem& pb, const std::vector<std::unique_ptr<ModelEvaluator>>& prototypes)
        : pb_(pb) {
        for (const auto& p : prototypes) models_.push_back(p->clone());
        slots_.resize(pb.P);
        for (std::size_t j = 0; j < pb.P; ++j) {
            for (std::size_t m : pb.cfg->free[j].models)
                slots_[j].emplace_back(m, models_[m]->bind_parameter(pb.cfg->free[j].key));
        }
        raw_.resize(pb.cfg->data.size());
    }

    //! Raw model curves of every data set at u.
    bool raw(const double* u, std::vector<std::vector<double>>& out, std::string& why) {
        for (std::size_t j = 0; j < pb_.P; ++j) {
            const double v = pb_.value(j, u[j]);
            for (const auto& [m, slot] : slots_[j]) models_[m]->set_parameter(slot, v);
        }
        out.resize(pb_.cfg->data.size());
        for (std::size_t d = 0; d < pb_.cfg->data.size(); ++d) {
            const DataSet& ds = pb_.cfg->data[d];
            if (!models_[ds.model]->evaluate(ds.kind, d, ds.x, out[d], why)) {
                why = fmt::format("data set {} ({}): {}", d, ds.file, why);
                return false;
            }
        }
        ++evaluations;
        return true;
    }

    //! Weighted residuals (y - a m - b) / sigma with a, b projected; false on model failure.
    bool residuals(const std::vector<std::vector<double>>& raw, double* r,
                   std::vector<Linear>* lins = nullptr) const {
        for (std::size_t d = 0; d < pb_.cfg->data.size(); ++d) {
            const DataSet& ds = pb_.cfg->data[d];
            Linear lin;
            if (!project(pb_, d, raw[d], lin)) return false;
            if (lins) (*lins)[d] = lin;
            for (std::size_t i = 0; i < ds.x.size(); ++i) {
                r[pb_.first[d] + i] = (ds.y[i] - (lin.a * raw[d][i] + lin.b)) / pb_.sigma(d, i);
                if (!std::isfinite(r[pb_.first[d] + i])) return false;
            }
        }
        return true;
    }

    //! Finite-difference step and stencil of parameter j at u: the offsets (in units of h) and
    //! weights of f at u + k h (the centre is taken from the caller's f(u)).
    struct Stencil {
        double h;
        double o1, o2, w0, w1, w2;  // derivative = (w0 f0 + w1 f(u + o1 h) + w2 f(u + o2 h)) / h
    };
    Stencil stencil(std::size_t j, double u) const {
        const double span = pb_.hi[j] - pb_.lo[j];
        double h = pb_.fd_step *
                   (pb_.log[j] ? std::max(std::abs(u), 1.0) : std::max(std::abs(u), 0.01 * span));
        h = std::min(h, 0.25 * span);
        if (u + h <= pb_.hi[j] && u - h >= pb_.lo[j]) return {h, 1.0, -1.0, 0.0, 0.5, -0.5};
        if (u + 2 * h <= pb_.hi[j]) return {h, 1.0, 2.0, -1.5, 2.0, -0.5};  // forward
        return {h, -1.0, -2.0, 1.5, -2.0, 0.5};                             // backward
    }

    //! Derivatives of the raw curves (dm/du_j per data set) at u, given raw(u) in `base`.
    bool raw_jacobian(const double* u, const std::vector<std::vector<double>>& base,
                      std::vector<std::vector<std::vector<double>>>& dm, std::string& why) {
        dm.assign(pb_.P, {});
        fd_stencils.clear();
        perturbed_.clear();
        std::vector<double> up(u, u + pb_.P);
        std::vector<std::vector<double>> f1, f2;
        for (std::size_t j = 0; j < pb_.P; ++j) {
            const Stencil s = stencil(j, u[j]);
            up[j] = u[j] + s.o1 * s.h;
            if (!raw(up.data(), f1, why)) return false;
            up[j] = u[j] + s.o2 * s.h;
            if (!raw(up.data(), f2, why)) return false;
            up[j] = u[j];
            dm[j].resize(base.size());
            for (std::size_t d = 0; d < base.size(); ++d) {
                dm[j][d].resize(base[d].size());
                for (std::size_t i = 0; i < base[d].size(); ++i) {
                    dm[j][d][i] = (s.w0 * base[d][i] + s.w1 * f1[d][i] + s.w2 * f2[d][i]) / s.h;
                }
            }
            fd_stencils.push_back(s);
            perturbed_.push_back(std::move(f1));
            perturbed_.push_back(std::move(f2));
            f1 = {};
            f2 = {};
        }
        return true;
    }

    //! Jacobian of the projected residuals (row-major N x P) from the same perturbed curves.
    bool projected_jacobian(const double* u, const std::vector<std::vector<double>>& base,
                            double* jac, std::string& why) {
        std::vector<std::vector<std::vector<double>>> dm;
        if (!raw_jacobian(u, base, dm, why)) return false;
        std::vector<double> r0(pb_.N), r1(pb_.N), r2(pb_.N);
        if (!residuals(base, r0.data())) return false;
        for (std::size_t j = 0; j < pb_.P; ++j) {
            const Stencil& s = fd_stencils[j];
            if (!residuals(perturbed_[2 * j], r1.data()) ||
                !residuals(perturbed_[2 * j + 1], r2.data())) {
                why = "amplitude not defined at a perturbed point";
                return false;
            }
            for (std::size_t i = 0; i < pb_.N; ++i) {
                jac[i * pb_.P + j] = (s.w0 * r0[i] + s.w1 * r1[i] + s.w2 * r2[i]) / s.h;
            }
        }
        return true;
    }

    std::vector<std::unique_ptr<ModelEvaluator>>& models() { return models_; }
    long evaluations = 0;
    std::vector<Stencil> fd_stencils;

private:
    const Problem& pb_;
    std::vector<std::unique_ptr<ModelEvaluator>> models_;
    std::vector<std::vector<std::pair<std::size_t, int>>> slots_;
    std::vector<std::vector<double>> raw_;
    std::vector<std::vector<std::vector<double>>> perturbed_;
};

class Cost final : public ceres::CostFunction {
public:
    Cost(const Problem& pb, Worker& w) : pb_(pb), w_(w) {
        set_num_residuals(static_cast<int>(pb.N));
        mutable_parameter_block_sizes()->push_back(static_cast<int>(pb.P));
    }
    bool Evaluate(double const* const* parameters, double* residuals,
                  double** jacobians) const override {
        const double* u = parameters[0];
        std::string why;
        if (!w_.raw(u, base_, why)) return false;
        if (!w_.residuals(base_, residuals)) return false;
        if (jacobians && jacobians[0]) {
            if (!w_.projected_jacobian(u, base_, jacobians[0], why)) return false;
        }
        return true;
    }

private:
    const Problem& pb_;
    Worker& w_;
    mutable std::vector<std::vector<double>> base_;
};

struct StartResult {
    std::vector<double> u;
    double chi2 = kInf;
    bool ok = false;
    int iterations = 0;
    std::string message;
};

StartResult run_start(const Problem& pb, Worker& w, std::vector<double> u, int max_iterations) {
    StartResult res;
    Cost cost(pb, w);
    ceres::Problem::Options po;
    po.cost_function_ownership = ceres::DO_NOT_TAKE_OWNERSHIP;
    ceres::Problem problem(po);
    problem.AddResidualBlock(&cost, nullptr, u.data());
    for (std::size_t j = 0; j < pb.P; ++j) {
        problem.SetParameterLowerBound(u.data(), static_cast<int>(j), pb.lo[j]);
        problem.SetParameterUpperBound(u.data(), static_cast<int>(j), pb.hi[j]);
    }
    ceres::Solver::Options o;
    o.minimizer_type = ceres::TRUST_REGION;
    o.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
    o.linear_solver_type = ceres::DENSE_QR;
    o.max_num_iterations = max_iterations;
    o.function_tolerance = 1e-12;
    o.gradient_tolerance = 1e-14;
    o.parameter_tolerance = 1e-10;
    o.num_threads = 1;
    o.logging_type = ceres::SILENT;
    o.minimizer_progress_to_stdout = false;
    ceres::Solver::Summary summary;
    ceres::Solve(o, &problem, &summary);
    res.u = u;
    res.iterations = static_cast<int>(summary.iterations.size());
    res.message = summary.message;
    res.ok = summary.IsSolutionUsable() && std::isfinite(summary.final_cost);
    if (res.ok) {
        // Re-evaluate at the returned point (the cost of the last accepted step).
        std::vector<std::vector<double>> raw;
        std::vector<double> r(pb.N);
        std::string why;
        res.ok = w.raw(u.data(), raw, why) && w.residuals(raw, r.data());
        if (res.ok) res.chi2 = std::inner_product(r.begin(), r.end(), r.begin(), 0.0);
    }
    if (!res.ok) res.chi2 = kInf;
    return res;
}

//! Latin hypercube in [0, 1)^P: `n` points, one per stratum in every dimension.
std::vector<std::vector<double>> latin_hypercube(std::size_t n, std::size_t P, std::uint64_t seed) {
    io::detail::SplitMix64 rng(seed);
    std::vector<std::vector<double>> pts(n, std::vector<double>(P));
    std::vector<std::size_t> perm(n);
    for (std::size_t j = 0; j < P; ++j) {
        std::iota(perm.begin(), perm.end(), std::size_t{0});
        for (std::size_t i = n; i-- > 1;)
            std::swap(perm[i], perm[static_cast<std::size_t>(rng.next() % (i + 1))]);
        for (std::size_t i = 0; i < n; ++i)
            pts[i][j] = (static_cast<double>(perm[i]) + rng.uniform()) / static_cast<double>(n);
    }
    return pts;
}

}  // namespace

FitResult run_fit(const FitConfig& cfg, const FitRunOptions& options) {
    const auto t0 = std::chrono::steady_clock::now();
    // Ceres reports a failed start through glog at ERROR level, once per start ("Terminating:
    // Residual and Jacobian evaluation failed"): relsim says what failed itself (issue 21 item 11).
    FLAGS_minloglevel = google::GLOG_FATAL;
    Problem pb;
    pb.cfg = &cfg;
    pb.P = cfg.free.size();
    pb.fd_step = cfg.options.fd_step;
    for (const FreeParameter& f : cfg.free) {
        pb.log.push_back(f.log);
        pb.lo.push_back(f.log ? std::log10(f.min) : f.min);
        pb.hi.push_back(f.log ? std::log10(f.max) : f.max);
    }
    std::size_t nuisance = 0;
    bool any_sigma = false;
    for (const DataSet& d : cfg.data) {
        pb.first.push_back(pb.N);
        pb.N += d.x.size();
        if (has_nuisance(d.kind)) nuisance += d.offset ? 2 : 1;
        any_sigma = any_sigma || !d.sigma.empty();
        double rms = 0.0;
        for (double y : d.y) rms += y * y;
        rms = std::sqrt(rms / static_cast<double>(d.y.size()));
        pb.set_sigma.push_back(rms > 0.0 ? 0.01 * rms : 1.0);  // initial; re-estimated below
    }
    const long dof = static_cast<long>(pb.N) - static_cast<long>(pb.P + nuisance);

    std::vector<std::unique_ptr<ModelEvaluator>> prototypes;
    for (const ModelEntry& m : cfg.models) prototypes.push_back(make_model_evaluator(m.config));

    // Starts in the fitted scale: the given start, then Latin-hypercube points.
    const std::size_t n_starts = static_cast<std::size_t>(std::max(cfg.options.multistart, 1));
    std::vector<std::vector<double>> starts(n_starts, std::vector<double>(pb.P));
    for (std::size_t j = 0; j < pb.P; ++j) starts[0][j] = pb.scaled(j, cfg.free[j].start_value);
    if (n_starts > 1) {
        const auto lhs = latin_hypercube(n_starts - 1, pb.P, cfg.options.seed);
        for (std::size_t s = 1; s < n_starts; ++s) {
            for (std::size_t j = 0; j < pb.P; ++j)
                starts[s][j] = pb.lo[j] + lhs[s - 1][j] * (pb.hi[j] - pb.lo[j]);
        }
    }

    [[maybe_unused]] int threads = options.threads;  // unused in serial builds
#ifdef _OPENMP
    if (threads <= 0) threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    std::vector<StartResult> results(n_starts);
    const int max_it = cfg.options.max_iterations;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::size_t s = 0; s < n_starts; ++s) {
        try {
            Worker w(pb, prototypes);
            results[s] = run_start(pb, w, starts[s], max_it);
        } catch (const std::exception& e) {
            results[s].ok = false;
            results[s].message = e.what();
        }
    }
    auto best_of = [&] {
        std::size_t best = 0;
        for (std::size_t s = 1; s < results.size(); ++s) {
            if (results[s].chi2 < results[best].chi2) best = s;
        }
        return best;
    };
    std::size_t best = best_of();
    if (!results[best].ok) {
        // Say where (issue 21 item 11: only Ceres' message was given): the model's own reason at
        // the first start, or the first data point whose weighted residual is not finite.
        std::string where;
        try {
            Worker w(pb, prototypes);
            std::vector<std::vector<double>> raw;
            std::string why;
            if (!w.raw(starts[0].data(), raw, why)) {
                where = "the model fails at the first start: " + why;
            } else {
                for (std::size_t d = 0; d < cfg.data.size() && where.empty(); ++d) {
                    const DataSet& ds = cfg.data[d];
                    Linear lin;
                    if (!project(pb, d, raw[d], lin)) {
                        where = fmt::format(
                            "data set {} ({}): the model's scale factor against the data is not "
                            "finite (values too large or too small)",
                            d, ds.file);
                        break;
                    }
                    for (std::size_t i = 0; i < ds.x.size(); ++i) {
                        const double r = (ds.y[i] - (lin.a * raw[d][i] + lin.b)) / pb.sigma(d, i);
                        if (!std::isfinite(r) || !std::isfinite(r * r)) {
                            where = fmt::format(
                                "{}:{}: the weighted residual (y - model) / sigma = ({:g} - {:g}) "
                                "/ {:g} "
                                "is not finite or its square overflows",
                                ds.file, ds.line[i], ds.y[i], lin.a * raw[d][i] + lin.b,
                                pb.sigma(d, i));
                            break;
                        }
                    }
                }
            }
        } catch (const std::exception& e) {
            where = std::string("the model fails at the first start: ") + e.what();
        }
        throw RunError("relsim fit: no start could evaluate the model (" + results[best].message +
                       ")" + (where.empty() ? std::string() : "\n  " + where));
    }
    // Data sets without sigma: one sigma each, re-estimated from the residuals of the best fit
    // (their share of the degrees of freedom) until stable, refitting from the best point.
    StartResult fin = results[best];
    Worker w(pb, prototypes);
    std::vector<std::vector<double>> raw;
    std::vector<double> r(pb.N);
    std::string why;
    bool any_estimated = false;
    for (const DataSet& d : cfg.data) any_estimated = any_estimated || d.sigma.empty();
    for (int round = 0; any_estimated && round < 20; ++round) {
        if (!w.raw(fin.u.data(), raw, why) || !w.residuals(raw, r.data()))
            throw RunError("relsim fit: " + why);
        double change = 0.0;
        for (std::size_t d = 0; d < cfg.data.size(); ++d) {
            if (!cfg.data[d].sigma.empty()) continue;
            const std::size_t n = cfg.data[d].x.size();
            double ssr = 0.0;
            for (std::size_t i = 0; i < n; ++i)
                ssr += std::pow(r[pb.first[d] + i] * pb.set_sigma[d], 2);
            const double share = static_cast<double>(pb.P + nuisance) * static_cast<double>(n) /
                                 static_cast<double>(pb.N);
            const double s_new = std::sqrt(ssr / std::max(static_cast<double>(n) - share, 1.0));
            if (!(s_new > 0.0)) continue;  // an exact fit: keep the scale
            change = std::max(change, std::abs(s_new / pb.set_sigma[d] - 1.0));
            pb.set_sigma[d] = s_new;
        }
        // One data set: its sigma scales every residual alike and does not move the optimum.
        if (cfg.data.size() == 1 || change < 1e-4) break;
        Worker wr(pb, prototypes);
        StartResult again = run_start(pb, wr, fin.u, max_it);
        if (again.ok) fin = again;
    }

    // Final evaluation, Jacobian with nuisance columns, covariance.
    FitResult res;
    res.starts = static_cast<int>(n_starts);
    res.best_start = static_cast<int>(best);
    for (const StartResult& s : results) {
        res.start_chi2.push_back(s.chi2);
        if (s.ok) ++res.starts_succeeded;
        if (s.ok && s.chi2 <= results[best].chi2 * (1.0 + 1e-6) + 1e-12) ++res.starts_reached_best;
    }
    res.iterations = fin.iterations;
    res.termination = fin.message;
    std::vector<Linear> lins(cfg.data.size());
    if (!w.raw(fin.u.data(), raw, why) || !w.residuals(raw, r.data(), &lins))
        throw RunError("relsim fit: " + why);
    std::vector<std::vector<std::vector<double>>> dm;
    if (!w.raw_jacobian(fin.u.data(), raw, dm, why))
        throw RunError("relsim fit: derivatives at the optimum: " + why);
    const std::size_t K = pb.P + nuisance;
    std::vector<double> J(pb.N * K, 0.0);
    std::size_t col = pb.P;
    for (std::size_t d = 0; d < cfg.data.size(); ++d) {
        const DataSet& ds = cfg.data[d];
        for (std::size_t i = 0; i < ds.x.size(); ++i) {
            const std::size_t row = pb.first[d] + i;
            const double s = pb.sigma(d, i);
            for (std::size_t j = 0; j < pb.P; ++j) J[row * K + j] = -lins[d].a * dm[j][d][i] / s;
            if (has_nuisance(ds.kind)) {
                J[row * K + col] = -raw[d][i] / s;
                if (ds.offset) J[row * K + col + 1] = -1.0 / s;
            }
        }
        if (has_nuisance(ds.kind)) col += ds.offset ? 2 : 1;
    }
    res.chi2 = std::inner_product(r.begin(), r.end(), r.begin(), 0.0);
    res.dof = dof;
    res.reduced_chi2 = res.chi2 / static_cast<double>(dof);
    res.s2 = any_sigma ? 1.0 : res.reduced_chi2;
    std::vector<Flag> flags(pb.P, Flag::none);
    for (std::size_t j = 0; j < pb.P; ++j) {
        const double tol = 1e-6 * (pb.hi[j] - pb.lo[j]);
        if (fin.u[j] - pb.lo[j] <= tol)
            flags[j] = Flag::at_lower_bound;
        else if (pb.hi[j] - fin.u[j] <= tol)
            flags[j] = Flag::at_upper_bound;
    }
    std::vector<double> range(pb.P);
    for (std::size_t j = 0; j < pb.P; ++j) range[j] = pb.hi[j] - pb.lo[j];
    const detail::Covariance cv =
        detail::covariance_from_jacobian(J, pb.N, K, pb.P, flags, res.s2, range);
    res.condition_number = cv.condition_number;
    res.null_directions = cv.null_directions;
    res.beyond_bounds = cv.beyond_bounds;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<double> D(pb.P);
    for (std::size_t j = 0; j < pb.P; ++j) {
        res.keys.push_back(cfg.free[j].key);
        const double v = pb.value(j, fin.u[j]);
        res.values.push_back(v);
        D[j] = pb.log[j] ? kLn10 * v : 1.0;
    }
    res.covariance.assign(pb.P * pb.P, nan);
    res.correlation.assign(pb.P * pb.P, nan);
    for (std::size_t i = 0; i < pb.P; ++i) {
        for (std::size_t j = 0; j < pb.P; ++j)
            res.covariance[i * pb.P + j] = D[i] * cv.cov[i * pb.P + j] * D[j];
    }
    for (std::size_t j = 0; j < pb.P; ++j) {
        const double var_u = cv.cov[j * pb.P + j];
        const bool finite = std::isfinite(var_u) && var_u >= 0.0;
        res.stderr_.push_back(finite ? std::sqrt(var_u) * D[j] : nan);
        res.stderr_log10.push_back(finite && pb.log[j] ? std::sqrt(var_u) : nan);
        Flag f = cv.flags[j];
        if (f == Flag::none && !(res.stderr_[j] < std::abs(res.values[j])))
            f = Flag::relative_error_large;
        if (f == Flag::none && !finite) f = Flag::degenerate;
        res.flags.push_back(f);
        res.identifiable.push_back(f == Flag::none ? 1 : 0);
    }
    for (std::size_t i = 0; i < pb.P; ++i) {
        for (std::size_t j = 0; j < pb.P; ++j) {
            const double c = res.covariance[i * pb.P + j];
            const double si = res.covariance[i * pb.P + i], sj = res.covariance[j * pb.P + j];
            res.correlation[i * pb.P + j] = c / std::sqrt(si * sj);
        }
    }
    for (std::size_t d = 0; d < cfg.data.size(); ++d) {
        const DataSet& ds = cfg.data[d];
        DataFit df;
        df.amplitude = lins[d].a;
        df.offset = lins[d].b;
        df.sigma_estimated = ds.sigma.empty();
        for (std::size_t i = 0; i < ds.x.size(); ++i) {
            const double m = lins[d].a * raw[d][i] + lins[d].b;
            df.model.push_back(m);
            df.residual.push_back(ds.y[i] - m);
            df.sigma.push_back(pb.sigma(d, i));
            df.chi2 += std::pow((ds.y[i] - m) / pb.sigma(d, i), 2);
        }
        res.data.push_back(std::move(df));
    }
    // Fitted configs: every model with the values of the parameters it carries.
    for (std::size_t m = 0; m < cfg.models.size(); ++m) {
        std::vector<std::pair<std::string, double>> vals;
        std::string header = fmt::format(
            "Fitted by relsim fit ({}), model '{}'; chi2/dof = {:.6g}/{}.\n"
            "Fitted values written in below:",
            cfg.path, cfg.models[m].name, res.chi2, res.dof);
        for (std::size_t j = 0; j < pb.P; ++j) {
            const auto& ms = cfg.free[j].models;
            if (std::find(ms.begin(), ms.end(), m) == ms.end()) continue;
            vals.emplace_back(cfg.free[j].key, res.values[j]);
            header += fmt::format(
                "\n  {} = {:.8g} +- {:.3g}{}", cfg.free[j].key, res.values[j], res.stderr_[j],
                res.identifiable[j] ? "" : std::string("  (") + to_string(res.flags[j]) + ")");
        }
        res.fitted_configs.push_back(prototypes[m]->config_text_with(vals, header));
    }
    res.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return res;
}

}  // namespace relsim::fit
