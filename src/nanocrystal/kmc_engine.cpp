//! @file kmc_engine.cpp
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
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "random.hpp"
#include "summary.hpp"

namespace relsim::nanocrystal::detail {
namespace {

constexpr int ground = -1;

class SumTree {
public:
    explicit SumTree(std::size_t leaves) {
        size_ = 1;
        while (size_ < leaves) size_ *= 2;
        tree_.assign(2 * size_, 0.0);
    }
    void set(std::size_t leaf, double v) {
        std::size_t k = size_ + leaf;
        tree_[k] = v;
        for (k /= 2; k >= 1; k /= 2) tree_[k] = tree_[2 * k] + tree_[2 * k + 1];
    }
    [[nodiscard]] double total() const { return tree_[1]; }
    [[nodiscard]] double leaf(std::size_t i) const { return tree_[size_ + i]; }
    //! Leaf with cumulative interval containing u (0 <= u < total()).
    [[nodiscard]] std::size_t select(double u) const {
        std::size_t k = 1;
        while (k < size_) {
            const double left = tree_[2 * k];
            if ((u < left && left > 0.0) || tree_[2 * k + 1] <= 0.0) {
                k = 2 * k;
            } else {
                u -= left;
                k = 2 * k + 1;
            }
        }
        return k - size_;
    }
    [[nodiscard]] std::size_t bytes() const { return tree_.size() * 8; }

private:
    std::size_t size_ = 1;
    std::vector<double> tree_;
};

struct Counters {
    std::vector<double> lines;
    std::vector<double> fates;
    double lig_S = 0, lig_T = 0, forward = 0, back = 0, generated = 0;
};

class Kmc {
public:
    Kmc(const Model& model, const NcSystem& sys, std::uint64_t seed)
        : m_(&model), sys_(sys), rng_(seed), n_ions_(sys.num_ions()),
          n_ent_(sys.num_ions() + sys.num_ligands()), tree_(n_ent_ + 1) {
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
    void excite_ion(std::size_t i, int level, double w) { change(static_cast<std::uint32_t>(i), level, w, now_); }
    void excite_ligand(std::size_t l, int state, double w) {
        change(static_cast<std::uint32_t>(n_ions_ + l), state, w, now_);
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
    void run(double t_end) { run(t_end, [](double) {}); }

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
        return tree_.bytes() + n_ent_ * (1 + 8 + 4 + 8 + 8) + blocked_.size() * 8 + time_in_level_.size() * 8;
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
    [[nodiscard]] double& blocked(std::uint32_t e, std::size_t slot) { return blocked_[e * slots_ + slot]; }
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
        const auto& chans = sys_.donor_channels[static_cast<std::size_t>(species(e))][static_cast<std::size_t>(j)];
        for (std::size_t k = 0; k < chans.size(); ++k) {
            r += avail(sys_.pairs[static_cast<std::size_t>(chans[k])].forward.row_total(e), blocked(e, k + 1));
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
    void rebuild_caches(std::uint32_t e) {
        for (std::size_t k = 0; k < slots_; ++k) blocked(e, k) = 0.0;
        annih_[e] = 0.0;
        const int j = level_[e];
        if (is_ligand(e)) {
            const std::size_t l = e - n_ions_;
            double b = 0.0;
            if (sys_.dexter.row_size(l) <= active_.size()) {
                for (std::uint32_t m = sys_.dexter.offset[l]; m < sys_.dexter.offset[l + 1]; ++m) {
                    if (level_[sys_.dexter.partner[m]] != ground) {
                        b += j == 0 ? sys_.dexter_singlet_rate[m] : sys_.dexter.rate[m];
                    }
                }
            } else {
                for (std::uint32_t i : active_) {
                    if (is_ligand(i)) continue;
                    const DexterPair dp = dexter_pair(*m_, sys_, l, i);
                    b += j == 0 ? dp.kS : dp.kT;
                }
            }
            blocked(e, 0) = b;
            return;
        }
        if (j == table(e).accepting_level) {
            double b = 0.0;
            for (std::uint32_t f : active_lig_) {
                b += dexter_pair(*m_, sys_, f - n_ions_, e).kT * table(e).back_factor;
            }
            blocked(e, 0) = b;
        }
        const auto& chans = sys_.donor_channels[static_cast<std::size_t>(species(e))][static_cast<std::size_t>(j)];
        for (std::size_t k = 0; k < chans.size(); ++k) {
            const PairChannel& c = sys_.pairs[static_cast<std::size_t>(chans[k])];
            double b = 0.0;
            if (c.forward.row_size(e) <= active_.size()) {
                for (std::uint32_t m = c.forward.offset[e]; m < c.forward.offset[e + 1]; ++m) {
                    if (level_[c.forward.partner[m]] != ground) b += c.forward.rate[m];
                }
            } else {
                for (std::uint32_t f : active_) {
                    if (f == e || is_ligand(f) || species(f) != c.acceptor_species) continue;
                    b += pair_channel_rate(sys_, c, e, f);
                }
            }
            blocked(e, k + 1) = b;
        }
        for (const AnnihilationChannel& a : sys_.annihilations) {
            if (a.first_species != species(e) || a.first_level != j) continue;
            for (std::uint32_t f : active_) {
                if (f == e || is_ligand(f) || species(f) != a.second_species || level_[f] != a.second_level) continue;
                annih_[e] += annihilation_rate(sys_, a, e, f);
            }
        }
    }

    //! Entity x changes from its level to `to` (weight w when it becomes or stays active).
    void change(std::uint32_t x, int to, double w, double t) {
        const int from = level_[x];
        if (from != ground) account_time(x, t);
        enter_[x] = t;
        const bool was_active = from != ground, is_active = to != ground;
        level_[x] = static_cast<std::int8_t>(to);
        weight_[x] = is_active ? w : 0.0;
        // Population counters.
        if (is_ligand(x)) {
            if (from == 0) --n_S_;
            if (from == 1) --n_T_;
            if (to == 0) ++n_S_;
            if (to == 1) ++n_T_;
        } else {
            const int s = species(x);
            if (from != ground) --count_[static_cast<std::size_t>(level_index_[static_cast<std::size_t>(s)] + from)];
            if (to != ground) ++count_[static_cast<std::size_t>(level_index_[static_cast<std::size_t>(s)] + to)];
        }
        // Active lists (all entities; ligands alone).
        if (!was_active && is_active) {
            pos_[x] = static_cast<std::int32_t>(active_.size());
            active_.push_back(x);
            if (is_ligand(x)) {
                lpos_[x - n_ions_] = static_cast<std::int32_t>(active_lig_.size());
                active_lig_.push_back(x);
            }
        } else if (was_active && !is_active) {
            const std::uint32_t last = active_.back();
            active_[static_cast<std::size_t>(pos_[x])] = last;
            pos_[last] = pos_[x];
            active_.pop_back();
            pos_[x] = -1;
            if (is_ligand(x)) {
                const std::uint32_t lastl = active_lig_.back();
                const std::int32_t p = lpos_[x - n_ions_];
                active_lig_[static_cast<std::size_t>(p)] = lastl;
                lpos_[lastl - n_ions_] = p;
                active_lig_.pop_back();
                lpos_[x - n_ions_] = -1;
            }
        }
        const double sign = is_active ? 1.0 : -1.0;
        if (was_active != is_active) {
            if (is_ligand(x)) {
                // Back-transfer of accepting-level ions with this ligand in their row: through
                // the ligand's row or the active list, whichever is shorter.
                const std::size_t l = x - n_ions_;
                if (sys_.dexter.row_size(l) <= active_.size()) {
                    for (std::uint32_t m = sys_.dexter.offset[l]; m < sys_.dexter.offset[l + 1]; ++m) {
                        const std::uint32_t i = sys_.dexter.partner[m];
                        if (level_[i] != ground && level_[i] == table(i).accepting_level) {
                            blocked(i, 0) += sign * (sys_.dexter.rate[m] * table(i).back_factor);
                            dirty_.push_back(i);
                        }
                    }
                } else {
                    for (std::uint32_t i : active_) {
                        if (is_ligand(i) || level_[i] != table(i).accepting_level) continue;
                        const double kT = dexter_pair(*m_, sys_, l, i).kT;
                        if (kT > 0.0) {
                            blocked(i, 0) += sign * (kT * table(i).back_factor);
                            dirty_.push_back(i);
                        }
                    }
                }
            } else {
                // Occupied ligands (few: their excitons live ~1/kTET) with this ion in their row.
                for (std::uint32_t e : active_lig_) {
                    const DexterPair dp = dexter_pair(*m_, sys_, e - n_ions_, x);
                    const double k = level_[e] == 0 ? dp.kS : dp.kT;
                    if (k > 0.0) {
                        blocked(e, 0) += sign * k;
                        dirty_.push_back(e);
                    }
                }
                // Donors of transfer channels whose acceptor is this ion.
                for (int ci : sys_.acceptor_channels[static_cast<std::size_t>(species(x))]) {
                    const PairChannel& c = sys_.pairs[static_cast<std::size_t>(ci)];
                    const std::size_t slot = slot_of(c.donor_species, c.donor_level, ci);
                    if (c.reverse.row_size(x) <= active_.size()) {
                        for (std::uint32_t m = c.reverse.offset[x]; m < c.reverse.offset[x + 1]; ++m) {
                            const std::uint32_t i = c.reverse.partner[m];
                            if (level_[i] == c.donor_level) {
                                blocked(i, slot) += sign * c.reverse.rate[m];
                                dirty_.push_back(i);
                            }
                        }
                    } else {
                        for (std::uint32_t i : active_) {
                            if (i == x || is_ligand(i) || species(i) != c.donor_species || level_[i] != c.donor_level) continue;
                            const double k = pair_channel_rate(sys_, c, i, x);
                            if (k > 0.0) {
                                blocked(i, slot) += sign * k;
                                dirty_.push_back(i);
                            }
                        }
                    }
                }
            }
        }
        // Annihilation partners of x's old and new level.
        if (!is_ligand(x) && !sys_.annihilations.empty()) {
            for (const AnnihilationChannel& a : sys_.annihilations) {
                if (a.second_species != species(x)) continue;
                const bool old_match = from == a.second_level, new_match = to == a.second_level;
                if (old_match == new_match) continue;
                for (std::uint32_t i : active_) {
                    if (i == x || is_ligand(i) || species(i) != a.first_species || level_[i] != a.first_level) continue;
                    annih_[i] += (new_match ? 1.0 : -1.0) * annihilation_rate(sys_, a, i, x);
                    if (annih_[i] < 0.0) annih_[i] = 0.0;
                    dirty_.push_back(i);
                }
            }
        }
        if (is_active) rebuild_caches(x);
        dirty_.push_back(x);
        if (!deferred_) flush_dirty();
    }

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
        const auto& chans = sys_.donor_channels[static_cast<std::size_t>(s)][static_cast<std::size_t>(level)];
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
    std::uint32_t draw_partner(const std::vector<std::uint32_t>& offset, const std::vector<std::uint32_t>& partner,
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

    void execute_event(std::size_t leaf) {
        if (leaf == n_ent_) {
            generate();
            return;
        }
        const auto e = static_cast<std::uint32_t>(leaf);
        const int j = level_[e];
        if (j == ground) return;  // cannot happen (zero leaf); kept as a guard
        const double total = rate_of(e);
        double u = rng_.uniform() * total;
        const double w = weight_[e];
        if (is_ligand(e)) {
            ligand_event(e, j, u, w);
            return;
        }
        const SpeciesTable& t = table(e);
        const int s = species(e);
        // Intrinsic channels.
        for (const IntrinsicChannel& c : t.channels[static_cast<std::size_t>(j)]) {
            if (u < c.rate_s) {
                if (c.line >= 0) photon_line(c.line, s);
                if (c.fate >= 0) fate(c.fate, w);
                // First-photon bookkeeping (docs/nir.md): a photon is the exciton's fate, so a
                // line into an excited level hands on an excitation without fate weight.
                change(e, c.to_level, c.line >= 0 ? 0.0 : w, now_);
                return;
            }
            u -= c.rate_s;
        }
        const double surf = sys_.ion_level_surface_s[sys_.level_offset[e] + static_cast<std::size_t>(j)];
        if (u < surf) {
            fate(species_fate(s, sf_surface_quenching), w);
            change(e, ground, w, now_);
            return;
        }
        u -= surf;
        if (j == t.accepting_level) {
            const double a = avail(sys_.back.row_total(e), blocked(e, 0));
            if (u < a) {
                const std::uint32_t m = draw_partner(sys_.back.offset, sys_.back.partner, sys_.back.rate,
                                                     sys_.back.prefix, e, blocked(e, 0),
                                                     [&](std::uint32_t l) { return level_[n_ions_ + l] == ground; });
                if (m >= sys_.back.offset[e + 1]) return;
                if (in_window()) counters_.back += 1.0;
                change(e, ground, w, now_);
                change(static_cast<std::uint32_t>(n_ions_ + sys_.back.partner[m]), 1, w, now_);
                return;
            }
            u -= a;
        }
        const auto& chans = sys_.donor_channels[static_cast<std::size_t>(s)][static_cast<std::size_t>(j)];
        for (std::size_t k = 0; k < chans.size(); ++k) {
            const PairChannel& c = sys_.pairs[static_cast<std::size_t>(chans[k])];
            const double a = avail(c.forward.row_total(e), blocked(e, k + 1));
            if (u < a) {
                const std::uint32_t m = draw_partner(c.forward.offset, c.forward.partner, c.forward.rate,
                                                     c.forward.prefix, e, blocked(e, k + 1),
                                                     [&](std::uint32_t f) { return level_[f] == ground; });
                if (m >= c.forward.offset[e + 1]) return;
                const std::uint32_t f = c.forward.partner[m];
                if (c.fate >= 0) fate(c.fate, w);
                change(e, c.donor_to, w, now_);
                if (c.acceptor_level >= 0) change(f, c.acceptor_level, c.splits ? 0.0 : w, now_);
                return;
            }
            u -= a;
        }
        // Annihilation with an active partner.
        for (const AnnihilationChannel& a : sys_.annihilations) {
            if (a.first_species != s || a.first_level != j) continue;
            for (std::uint32_t f : active_) {
                if (f == e || is_ligand(f) || species(f) != a.second_species || level_[f] != a.second_level) continue;
                const double k = annihilation_rate(sys_, a, e, f);
                if (u < k) {
                    const double wf = weight_[f];
                    if (a.first_to < 0) fate(species_fate(s, sf_etu), w);
                    if (a.second_to < 0) fate(species_fate(species(f), sf_etu), wf);
                    change(e, a.first_to, w, now_);
                    change(f, a.second_to, wf, now_);
                    return;
                }
                u -= k;
            }
        }
        // Round-off left u beyond the last channel: take the first intrinsic channel's effect
        // would bias; instead recompute the caches (a no-op event).
        rebuild_caches(e);
        refresh_rate(e);
    }

    void ligand_event(std::uint32_t e, int j, double u, double w) {
        const std::size_t l = e - n_ions_;
        const Model& m = *m_;
        if (j == 0) {
            if (u < m.kS_rad) {
                if (in_window()) counters_.lig_S += 1.0;
                ++photons_all_;
                fate(fate_ligand_singlet_radiative, w);
                change(e, ground, w, now_);
                return;
            }
            u -= m.kS_rad;
            if (u < m.kS_nr) {
                fate(fate_ligand_singlet_nonradiative, w);
                change(e, ground, w, now_);
                return;
            }
            u -= m.kS_nr;
            if (u < m.k_isc) {
                change(e, 1, w, now_);
                return;
            }
            const std::uint32_t q = draw_partner(sys_.dexter.offset, sys_.dexter.partner, sys_.dexter_singlet_rate,
                                                 sys_.dexter_singlet_prefix, l, blocked(e, 0),
                                                 [&](std::uint32_t i) { return level_[i] == ground; });
            if (q >= sys_.dexter.offset[l + 1]) return;
            to_ion(e, sys_.dexter.partner[q], w);
            return;
        }
        if (u < m.kT_rad) {
            if (in_window()) counters_.lig_T += 1.0;
            ++photons_all_;
            fate(fate_ligand_triplet_radiative, w);
            change(e, ground, w, now_);
            return;
        }
        u -= m.kT_rad;
        if (u < m.kT_nr) {
            fate(fate_ligand_triplet_nonradiative, w);
            change(e, ground, w, now_);
            return;
        }
        u -= m.kT_nr;
        if (u < m.k_tpq) {
            fate(fate_tpq, w);
            change(e, ground, w, now_);
            return;
        }
        const std::uint32_t q = draw_partner(sys_.dexter.offset, sys_.dexter.partner, sys_.dexter.rate,
                                             sys_.dexter.prefix, l, blocked(e, 0),
                                             [&](std::uint32_t i) { return level_[i] == ground; });
        if (q >= sys_.dexter.offset[l + 1]) return;
        to_ion(e, sys_.dexter.partner[q], w);
    }

    void to_ion(std::uint32_t ligand_entity, std::uint32_t ion, double w) {
        if (in_window()) counters_.forward += 1.0;
        change(ligand_entity, ground, w, now_);
        change(ion, table(ion).accepting_level, w, now_);
    }

    void generate() {
        const std::size_t n_lig = n_ent_ - n_ions_;
        const auto l = static_cast<std::uint32_t>(n_ions_ + rng_.below(n_lig));
        const bool singlet = rng_.uniform() < m_->chi;
        if (in_window()) counters_.generated += 1.0;
        if (level_[l] != ground) {
            fate(fate_ligand_blocked, 1.0);
            return;
        }
        change(l, singlet ? 0 : 1, 1.0, now_);
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

public:
    std::uint64_t photons_all_ = 0;
};

}  // namespace

NcSteady kmc_steady(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                    std::size_t nc_index, const RadialBins& bins, double warmup_s, bool plain_loop) {
    if (sys.num_ligands() == 0) throw std::invalid_argument("kmc EL steady state: the NC has no ligands");
    Kmc k(model, sys, random_stream_seed(spec.seed, nc_index));
    k.set_plain_loop(plain_loop);
    const double t0 = warmup_s, t1 = warmup_s + spec.measure_s;
    k.set_window(t0, t1);
    k.run(t1);
    k.flush();
    NcSteady out;
    fill_geometry_summary(model, sys, bins, spec.radius_nm, out);
    // Totals over the window; the ensemble divides sums over NCs by the sum of `generated`.
    const Counters& c = k.counters();
    out.generated = c.generated;
    out.lines = c.lines;
    out.fates = c.fates;
    out.ligand_singlet_photons = c.lig_S;
    out.ligand_triplet_photons = c.lig_T;
    out.transfer = c.forward - c.back;
    const LevelIndex li(model);
    out.excited.assign(static_cast<std::size_t>(li.total), 0.0);
    out.radial_excited.assign(static_cast<std::size_t>(li.total * bins.count), 0.0);
    const double inv_T = 1.0 / spec.measure_s;
    for (std::size_t i = 0; i < sys.num_ions(); ++i) {
        const Ion& ion = sys.geo.ions[i];
        const int nl = model.species[static_cast<std::size_t>(ion.species)].num_levels;
        for (int j = 0; j < nl; ++j) {
            const double n = k.time_in_level()[sys.level_offset[i] + static_cast<std::size_t>(j)] * inv_T;
            const int f = li.at(ion.species, j);
            out.excited[static_cast<std::size_t>(f)] += n;
            if (bins.count > 0) out.radial_excited[static_cast<std::size_t>(f * bins.count + bins.bin(ion, spec.radius_nm))] += n;
        }
    }
    out.singlets = k.time_singlet() * inv_T;
    out.triplets = k.time_triplet() * inv_T;
    out.in_flight = out.singlets + out.triplets;
    for (double v : out.excited) out.in_flight += v;
    out.events = k.events();
    out.dropped = sys.max_dropped_fraction;
    return out;
}

NcDecay kmc_decay(const Model& model, const NcSystem& sys, const NanocrystalSpec& spec,
                  std::size_t nc_index, const std::vector<double>& times) {
    const ExcitationSpec& ex = *spec.excitation;
    Kmc k(model, sys, random_stream_seed(spec.seed, nc_index));
    k.set_generation(false);
    Stream pick(random_stream_seed(spec.seed, nc_index) ^ 0x5851F42D4C957F2DULL);
    // Targets: round(fraction * N) distinct sites (at least one), by a partial Fisher-Yates
    // shuffle of the candidates.
    std::vector<std::uint32_t> cand;
    if (ex.target_is_ligand) {
        for (std::size_t l = 0; l < sys.num_ligands(); ++l) cand.push_back(static_cast<std::uint32_t>(l));
    } else {
        for (std::size_t i = 0; i < sys.num_ions(); ++i) {
            if (sys.geo.ions[i].species == ex.target.species) cand.push_back(static_cast<std::uint32_t>(i));
        }
    }
    NcDecay out;
    const LevelIndex li(model);
    const std::size_t P = times.size();
    out.population.assign(static_cast<std::size_t>(li.total) * P, 0.0);
    out.singlet.assign(P, 0.0);
    out.triplet.assign(P, 0.0);
    out.photon_rate.assign(P, 0.0);
    if (cand.empty()) return out;
    const auto n_exc = std::max<std::size_t>(1, static_cast<std::size_t>(std::llround(ex.fraction * static_cast<double>(cand.size()))));
    for (std::size_t q = 0; q < n_exc && q < cand.size(); ++q) {
        const std::size_t r = q + pick.below(cand.size() - q);
        std::swap(cand[q], cand[r]);
        if (ex.target_is_ligand) {
            k.excite_ligand(cand[q], 0, 1.0);
        } else {
            k.excite_ion(cand[q], ex.target.level, 1.0);
        }
    }
    out.initial = static_cast<double>(std::min(n_exc, cand.size()));
    // Snapshots at each output time; photon rate from the counts in [t_k - h/2, t_k + h/2]
    // (clipped to [0, t_end]) divided by the bin width.
    std::size_t next = 0;
    const double h = P > 1 ? times[1] - times[0] : times[0];
    std::vector<double> photon_times_counts(P, 0.0);
    std::uint64_t last_photons = 0;
    auto snapshot = [&](double t_next) {
        // Photons emitted by the event just executed happened at now(); bin them.
        if (k.photons_all_ != last_photons) {
            const double t = k.now();
            const auto bin = static_cast<std::size_t>(std::min<double>(static_cast<double>(P - 1), std::floor(t / h + 0.5)));
            photon_times_counts[bin] += static_cast<double>(k.photons_all_ - last_photons);
            last_photons = k.photons_all_;
        }
        while (next < P && times[next] < t_next) {
            const auto& cnt = k.level_count();
            for (std::size_t f = 0; f < cnt.size(); ++f) out.population[f * P + next] = static_cast<double>(cnt[f]);
            out.singlet[next] = static_cast<double>(k.singlets());
            out.triplet[next] = static_cast<double>(k.triplets());
            ++next;
        }
    };
    k.run(times.back() * (1.0 + 1e-12), snapshot);
    for (std::size_t p = 0; p < P; ++p) {
        const double width = (p == 0 || p + 1 == P) ? 0.5 * h : h;
        out.photon_rate[p] = photon_times_counts[p] / width;
    }
    out.events = k.events();
    return out;
}

NcPulse kmc_pulse(const Model& on, const Model& off, const NcSystem& sys, const NanocrystalSpec& spec,
                  std::size_t nc_index, const PulseSpec& pulse, const std::vector<double>& times) {
    Kmc k(on, sys, random_stream_seed(spec.seed, nc_index));
    k.species_photons.assign(on.species.size(), 0.0);
    NcPulse out;
    const std::size_t P = times.size();
    out.photon_rate.assign(P, 0.0);
    out.species_rate.assign(on.species.size(), std::vector<double>(P, 0.0));
    // Bin k (k >= 1) collects the photons of (t_{k-1}, t_k]; bin 0 is the rate at t = 0: 0.
    std::size_t bin = 1;
    double last_total = 0.0;
    std::vector<double> last_species(on.species.size(), 0.0);
    auto close_bins = [&](double t_next) {
        while (bin < P && times[bin] < t_next) {
            const double width = times[bin] - times[bin - 1];
            const double tot = k.total_photons() + 0.0;
            out.photon_rate[bin] = (tot - last_total) / width;
            last_total = tot;
            for (std::size_t s = 0; s < on.species.size(); ++s) {
                out.species_rate[s][bin] = (k.species_photons[s] - last_species[s]) / width;
                last_species[s] = k.species_photons[s];
            }
            ++bin;
        }
    };
    k.run(pulse.pulse_on_s, close_bins);
    k.set_model(off);
    k.set_generation(false);
    k.run(times.back() * (1.0 + 1e-12), close_bins);
    out.events = k.events();
    return out;
}

}  // namespace relsim::nanocrystal::detail
