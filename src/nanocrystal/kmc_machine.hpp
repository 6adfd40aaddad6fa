//! @file kmc_machine.hpp  (private to relsim_nanocrystal)
//! Rejection-free continuous-time kinetic Monte Carlo (Gillespie's direct method with a sum
//! tree; D. T. Gillespie, J. Comput. Phys. 22, 403 (1976); A. B. Bortz, M. H. Kalos,
//! J. L. Lebowitz, J. Comput. Phys. 17, 10 (1975)) of every excitation of one NC at once.
//!
//! Data structure, and why. Only excited entities (ions out of the ground state, ligands with
//! an exciton) have events, plus one generation leaf; at 10 mA cm^-2 the paper NC holds ~10^2
//! excitations among ~10^4 sites, and most events (migration hops, ion decays) change one or
//! two entities. So:
//!  * a binary sum tree over all entities (leaf = the entity's total rate, 0 when inert):
//!    selection and a leaf update cost O(log N) (13 levels for 8k entities), against O(N) for
//!    the plain-loop Gillespie (kmc_baseline in benchmarks/ measures the difference);
//!  * static pair tables (system.hpp: Dexter, back-transfer, each transfer channel) in
//!    compressed rows with running sums. A donor's available rate is the static row total
//!    minus a cached "blocked" sum over partners that are not in their ground state (or, for
//!    back-transfer, ligands that are occupied); blocked partners are excited, so the cache
//!    changes only when an entity changes its ground/excited status, and is updated locally:
//!    through the partner's reverse row or the active list, whichever is shorter;
//!  * the partner of a transfer is drawn by bisection in the row's running sum, redrawn when
//!    it lands on a blocked partner (an exact sample of the partner conditional on being
//!    available; the event itself is never rejected, the waiting time uses the available rate);
//!  * annihilation needs two excited ions, so its rates are kept per active ion over the active
//!    list, computed on the fly.
//! Per event: O(log N) for the tree, O(min(row, active)) for the caches of the entities whose
//! status changed, O(log row) for the partner. Memory: the tables (20 bytes per pair entry) plus
//! ~40 bytes per entity.
//!
//! Fate weights. Every excitation carries a weight: 1 for an exciton generated in the
//! measurement window (or warm-up), handed on with the energy; a cross-relaxation that makes two
//! excitations out of one gives the new acceptor excitation weight 0 (its photons count, its
//! fate does not), so the fates of the generated excitons sum to 1 apart from the weight in
//! flight at the window's edges. A photon is a fate too (first-photon bookkeeping, as the
//! mean-field model, docs/nir.md): a line into an excited level books the exciton's radiative
//! fate and hands on an excitation of weight 0, whose later photons count but whose later
//! losses do not.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

#include "random.hpp"
#include "sum_tree.hpp"
#include "summary.hpp"

namespace relsim::nanocrystal::detail {

inline constexpr int ground = -1;

struct Counters {
    std::vector<double> lines;
    std::vector<double> fates;
    double lig_S = 0, lig_T = 0, forward = 0, back = 0, generated = 0;
};

//! The event machine of one NC: state, caches, the sum tree and the event execution.
class Kmc {
public:
    Kmc(const Model& model, const NcSystem& sys, std::uint64_t seed)
        : m_(&model),
          sys_(sys),
          rng_(seed),
          n_ions_(sys.num_ions()),
          n_ent_(sys.num_ions() + sys.num_ligands()),
          tree_(n_ent_ + 1) {
        level_.assign(n_ent_, ground);
        weight_.assign(n_ent_, 0.0);
        pos_.assign(n_ent_, -1);
        lpos_.assign(n_ent_ - n_ions_, -1);
        seen_.assign(n_ent_, 0);
        enter_.assign(n_ent_, 0.0);
        // Slots per entity: 0 = back-transfer (ions) or Dexter (ligands); 1.. = transfer channels.
        std::size_t slots = 1;
        for (const auto& sp : sys_.donor_channels) {
            for (const auto& lv : sp) slots = std::max(slots, lv.size() + 1);
        }
        slots_ = slots;
        blocked_.assign(n_ent_ * slots_, 0.0);
        annih_.assign(n_ent_, 0.0);
        count_.assign(static_cast<std::size_t>(LevelIndex(model).total), 0);
        level_index_ = LevelIndex(model).first;
        counters_.lines.assign(static_cast<std::size_t>(model.num_lines()), 0.0);
        counters_.fates.assign(static_cast<std::size_t>(model.num_fates()), 0.0);
        time_in_level_.assign(sys.ion_level_rate_s.size(), 0.0);
        tree_.set(n_ent_, generation_on_ && n_ent_ > n_ions_ ? m_->generation_nc_s : 0.0);
    }

    void set_model(const Model& model) {
        m_ = &model;
        for (std::uint32_t e : active_) refresh_rate(e);
        tree_.set(n_ent_, generation_on_ && n_ent_ > n_ions_ ? m_->generation_nc_s : 0.0);
    }
    void set_generation(bool on) {
        generation_on_ = on;
        tree_.set(n_ent_, on && n_ent_ > n_ions_ ? m_->generation_nc_s : 0.0);
    }
    void set_window(double from, double to) {
        window_from_ = from;
        window_to_ = to;
    }

    //! Excites ion i to `level` at time t with weight w.
    void excite_ion(std::size_t i, int level, double w) {
        change(static_cast<std::uint32_t>(i), level, w, now_);
    }
    void excite_ligand(std::size_t l, int state, double w) {
        change(static_cast<std::uint32_t>(n_ions_ + l), state, w, now_);
    }

    //! [physics] polaron_decay after a pulse: from time t0 the polaron channels (kLP n_p of
    //! the ions, kTP n_p of the ligand triplets) of the current model scale with
    //! n_p(t) / n_p0 = 1 / (1 + rate (t - t0)). Exact by thinning (P. A. W. Lewis, G. S.
    //! Shedler, Nav. Res. Logist. Q. 26, 403 (1979)): the model's rates (at n_p0) bound them, and
    //! a selected polaron event happens with probability n_p(t) / n_p0, else nothing happens.
    void set_polaron_decay(double t0, double rate_s) {
        polaron_t0_ = t0;
        polaron_rate_ = rate_s;
    }

    //! The plain-loop Gillespie method instead of the tree (benchmark baseline).
    void set_plain_loop(bool on) { plain_loop_ = on; }

    //! Runs until t_end, calling observe(t_next) before each event at t_next (for snapshots).
    template <class Observer>
    void run(double t_end, Observer&& observe) {
        if (plain_loop_) {
            run_plain_loop(t_end, observe);
            return;
        }
        for (;;) {
            const double R = tree_.total();
            if (!(R > 0.0)) break;
            const double t_next = now_ + rng_.exponential(R);
            if (t_next > t_end) break;
            observe(t_next);
            now_ = t_next;
            ++events_;
            execute(tree_.select(rng_.uniform() * R));
        }
        observe(t_end);
        now_ = t_end;
    }
    void run(double t_end) {
        run(t_end, [](double) {});
    }

    //! Baseline: every step recomputes each excited entity's rate from scratch (its pair rows
    //! and the active list) and selects the event by a linear scan over all entities.
    template <class Observer>
    void run_plain_loop(double t_end, Observer&& observe) {
        std::vector<double> rates(n_ent_ + 1, 0.0);
        for (;;) {
            double R = 0.0;
            for (std::uint32_t e = 0; e < n_ent_; ++e) {
                if (level_[e] == ground) {
                    rates[e] = 0.0;
                    continue;
                }
                rebuild_caches(e);
                rates[e] = rate_of(e);
                R += rates[e];
            }
            rates[n_ent_] = tree_.leaf(n_ent_);
            R += rates[n_ent_];
            if (!(R > 0.0)) break;
            const double t_next = now_ + rng_.exponential(R);
            if (t_next > t_end) break;
            observe(t_next);
            now_ = t_next;
            ++events_;
            double u = rng_.uniform() * R;
            std::size_t pick = n_ent_;
            for (std::size_t e = 0; e <= n_ent_; ++e) {
                if (rates[e] <= 0.0) continue;
                pick = e;
                if (u < rates[e]) break;
                u -= rates[e];
            }
            execute(pick);
        }
        observe(t_end);
        now_ = t_end;
    }

    //! Closes the time integrals at the window end.
    void flush() {
        for (std::uint32_t e : active_) account_time(e, now_);
        for (std::uint32_t e : active_) enter_[e] = now_;
    }

    [[nodiscard]] double now() const { return now_; }
    [[nodiscard]] std::uint64_t events() const { return events_; }
    [[nodiscard]] const Counters& counters() const { return counters_; }
    [[nodiscard]] const std::vector<double>& time_in_level() const { return time_in_level_; }
    [[nodiscard]] double time_singlet() const { return time_S_; }
    [[nodiscard]] double time_triplet() const { return time_T_; }
    [[nodiscard]] const std::vector<long>& level_count() const { return count_; }
    [[nodiscard]] long singlets() const { return n_S_; }
    [[nodiscard]] long triplets() const { return n_T_; }
    [[nodiscard]] std::size_t bytes() const {
        return tree_.bytes() + n_ent_ * (1 + 8 + 4 + 8 + 8) + blocked_.size() * 8 +
               time_in_level_.size() * 8;
    }
    //! Photons counted so far (all lines and ligand bands) and per species.
    [[nodiscard]] double total_photons() const {
        double p = counters_.lig_S + counters_.lig_T;
        for (double v : counters_.lines) p += v;
        return p;
    }
    std::vector<double> species_photons;  //!< per species, all time (pulse bins)

private:
    [[nodiscard]] bool is_ligand(std::uint32_t e) const { return e >= n_ions_; }
    [[nodiscard]] int species(std::uint32_t e) const { return sys_.geo.ions[e].species; }
    [[nodiscard]] const SpeciesTable& table(std::uint32_t e) const {
        return m_->species[static_cast<std::size_t>(species(e))];
    }
    [[nodiscard]] double& blocked(std::uint32_t e, std::size_t slot) {
        return blocked_[e * slots_ + slot];
    }
    [[nodiscard]] bool in_window() const { return now_ >= window_from_ && now_ <= window_to_; }

    //! Intrinsic rate of ion e in level j (species channels + surface), under the current model.
    [[nodiscard]] double intrinsic(std::uint32_t e, int j) const {
        return table(e).level_rate_s[static_cast<std::size_t>(j)] +
               sys_.ion_level_surface_s[sys_.level_offset[e] + static_cast<std::size_t>(j)];
    }

    [[nodiscard]] double avail(double total, double blocked_sum) const {
        const double a = total - blocked_sum;
        return a > 1e-12 * total ? a : 0.0;
    }

    //! Total rate of active entity e from its caches.
    [[nodiscard]] double rate_of(std::uint32_t e) {
        const int j = level_[e];
        if (is_ligand(e)) {
            const std::size_t l = e - n_ions_;
            if (j == 0) {
                const double tot = singlet_row_total(l);
                return m_->kS_total() + avail(tot, blocked(e, 0));
            }
            return m_->kT_total() + avail(sys_.dexter.row_total(l), blocked(e, 0));
        }
        double r = intrinsic(e, j);
        if (j == table(e).accepting_level) r += avail(sys_.back.row_total(e), blocked(e, 0));
        const auto& chans =
            sys_.donor_channels[static_cast<std::size_t>(species(e))][static_cast<std::size_t>(j)];
        for (std::size_t k = 0; k < chans.size(); ++k) {
            r += avail(sys_.pairs[static_cast<std::size_t>(chans[k])].forward.row_total(e),
                       blocked(e, k + 1));
        }
        return r + annih_[e];
    }
    [[nodiscard]] double singlet_row_total(std::size_t l) const {
        const std::uint32_t b = sys_.dexter.offset[l], end = sys_.dexter.offset[l + 1];
        return end > b ? sys_.dexter_singlet_prefix[end - 1] : 0.0;
    }
    void refresh_rate(std::uint32_t e) { tree_.set(e, rate_of(e)); }

    void account_time(std::uint32_t e, double t) {
        const double from = std::max(enter_[e], window_from_);
        const double to = std::min(t, window_to_);
        if (to <= from) return;
        const int j = level_[e];
        if (is_ligand(e)) {
            (j == 0 ? time_S_ : time_T_) += to - from;
        } else {
            time_in_level_[sys_.level_offset[e] + static_cast<std::size_t>(j)] += to - from;
        }
    }

    //! Rebuilds every cache of entity e (its own state just changed).
    void rebuild_caches(std::uint32_t e);

    //! Entity x changes from its level to `to` (weight w when it becomes or stays active).
    void change(std::uint32_t x, int to, double w, double t);

    //! Refreshes the tree leaves of the entities whose rates changed, once each (an event
    //! that moves an excitation between neighbours touches the same neighbours twice).
    void flush_dirty() {
        ++stamp_;
        for (std::uint32_t e : dirty_) {
            if (seen_[e] == stamp_) continue;
            seen_[e] = stamp_;
            tree_.set(e, level_[e] != ground ? rate_of(e) : 0.0);
        }
        dirty_.clear();
    }

    [[nodiscard]] std::size_t slot_of(int s, int level, int ci) const {
        const auto& chans =
            sys_.donor_channels[static_cast<std::size_t>(s)][static_cast<std::size_t>(level)];
        for (std::size_t k = 0; k < chans.size(); ++k) {
            if (chans[k] == ci) return k + 1;
        }
        throw std::logic_error("kmc: channel not found");
    }

    void fate(int f, double w) {
        if (in_window()) counters_.fates[static_cast<std::size_t>(f)] += w;
    }
    void photon_line(int line, int s) {
        if (in_window()) counters_.lines[static_cast<std::size_t>(line)] += 1.0;
        if (!species_photons.empty()) species_photons[static_cast<std::size_t>(s)] += 1.0;
        ++photons_all_;
    }

    //! A partner of row `row` of `c` that satisfies ok(partner), drawn with probability
    //! proportional to its rate among those that do (rates from `rate`, sums from `prefix`).
    template <class Ok>
    std::uint32_t draw_partner(const std::vector<std::uint32_t>& offset,
                               const std::vector<std::uint32_t>& partner,
                               const std::vector<double>& rate, const std::vector<double>& prefix,
                               std::size_t row, double blocked_sum, Ok&& ok) {
        const std::uint32_t b = offset[row], e = offset[row + 1];
        const double total = prefix[e - 1];
        if (blocked_sum < 0.5 * total) {
            for (int attempt = 0; attempt < 64; ++attempt) {
                const double u = rng_.uniform() * total;
                auto it = std::upper_bound(prefix.begin() + b, prefix.begin() + e, u);
                if (it == prefix.begin() + e) --it;
                const auto m = static_cast<std::uint32_t>(it - prefix.begin());
                if (ok(partner[m]) && rate[m] > 0.0) return m;
            }
        }
        double avail_sum = 0.0;
        for (std::uint32_t m = b; m < e; ++m) {
            if (ok(partner[m])) avail_sum += rate[m];
        }
        double u = rng_.uniform() * avail_sum;
        std::uint32_t last = e;
        for (std::uint32_t m = b; m < e; ++m) {
            if (!ok(partner[m]) || rate[m] <= 0.0) continue;
            last = m;
            if (u < rate[m]) return m;
            u -= rate[m];
        }
        return last;  // round-off at the end of the row (e when none: caller checks)
    }

    void execute(std::size_t leaf) {
        deferred_ = true;
        execute_event(leaf);
        deferred_ = false;
        flush_dirty();
    }

    void execute_event(std::size_t leaf);

    void ligand_event(std::uint32_t e, int j, double u, double w);

    void to_ion(std::uint32_t ligand_entity, std::uint32_t ion, double w);

    void generate();

    //! Thinning of a selected polaron event (set_polaron_decay): false when it does not happen.
    bool polaron_event_happens() {
        if (!(polaron_rate_ > 0.0)) return true;
        return rng_.uniform() * (1.0 + polaron_rate_ * std::max(now_ - polaron_t0_, 0.0)) < 1.0;
    }

    const Model* m_;
    const NcSystem& sys_;
    Stream rng_;
    std::size_t n_ions_, n_ent_;
    SumTree tree_;
    std::vector<std::int8_t> level_;
    std::vector<double> weight_;
    std::vector<std::int32_t> pos_;
    std::vector<double> enter_;
    std::vector<std::uint32_t> active_;
    std::vector<std::uint32_t> active_lig_;
    std::vector<std::int32_t> lpos_;
    std::vector<std::uint32_t> dirty_;
    std::vector<std::uint32_t> seen_;
    std::uint32_t stamp_ = 0;
    bool deferred_ = false;
    std::size_t slots_ = 1;
    std::vector<double> blocked_;
    std::vector<double> annih_;
    std::vector<long> count_;
    std::vector<int> level_index_;
    long n_S_ = 0, n_T_ = 0;
    Counters counters_;
    std::vector<double> time_in_level_;
    double time_S_ = 0.0, time_T_ = 0.0;
    double now_ = 0.0;
    double window_from_ = 0.0, window_to_ = 1e300;
    bool generation_on_ = true;
    bool plain_loop_ = false;
    std::uint64_t events_ = 0;
    double polaron_t0_ = 0.0, polaron_rate_ = 0.0;

public:
    std::uint64_t photons_all_ = 0;
};

}  // namespace relsim::nanocrystal::detail
