//! @file kmc_machine.cpp
//! The event machine of the kmc engine (kmc_machine.hpp): cache updates when an entity changes
//! state, and the execution of one event.
#include "kmc_machine.hpp"

namespace relsim::nanocrystal::detail {

//! Rebuilds every cache of entity e (its own state just changed).
void Kmc::rebuild_caches(std::uint32_t e) {
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
    const auto& chans =
        sys_.donor_channels[static_cast<std::size_t>(species(e))][static_cast<std::size_t>(j)];
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
            if (f == e || is_ligand(f) || species(f) != a.second_species ||
                level_[f] != a.second_level)
                continue;
            annih_[e] += annihilation_rate(sys_, a, e, f);
        }
    }
}

//! Entity x changes from its level to `to` (weight w when it becomes or stays active).
void Kmc::change(std::uint32_t x, int to, double w, double t) {
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
        if (from != ground)
            --count_[static_cast<std::size_t>(level_index_[static_cast<std::size_t>(s)] + from)];
        if (to != ground)
            ++count_[static_cast<std::size_t>(level_index_[static_cast<std::size_t>(s)] + to)];
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
                        if (i == x || is_ligand(i) || species(i) != c.donor_species ||
                            level_[i] != c.donor_level)
                            continue;
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
                if (i == x || is_ligand(i) || species(i) != a.first_species ||
                    level_[i] != a.first_level)
                    continue;
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

void Kmc::execute_event(std::size_t leaf) {
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
            if (c.fate == species_fate(s, sf_polaron_quenching) && !polaron_event_happens()) return;
            if (c.line >= 0) photon_line(c.line, s);
            if (c.fate >= 0) fate(c.fate, w);
            // First-photon bookkeeping (docs/nir.md): a photon is the exciton's fate, so a
            // line into an excited level hands on an excitation without fate weight.
            change(e, c.to_level, c.line >= 0 ? 0.0 : w, now_);
            return;
        }
        u -= c.rate_s;
    }
    const double surf =
        sys_.ion_level_surface_s[sys_.level_offset[e] + static_cast<std::size_t>(j)];
    if (u < surf) {
        fate(species_fate(s, sf_surface_quenching), w);
        change(e, ground, w, now_);
        return;
    }
    u -= surf;
    if (j == t.accepting_level) {
        const double a = avail(sys_.back.row_total(e), blocked(e, 0));
        if (u < a) {
            const std::uint32_t m = draw_partner(
                sys_.back.offset, sys_.back.partner, sys_.back.rate, sys_.back.prefix, e,
                blocked(e, 0), [&](std::uint32_t l) { return level_[n_ions_ + l] == ground; });
            if (m >= sys_.back.offset[e + 1]) return;
            if (in_window()) counters_.back += 1.0;
            change(e, ground, w, now_);
            change(static_cast<std::uint32_t>(n_ions_ + sys_.back.partner[m]), 1, w, now_);
            return;
        }
        u -= a;
    }
    const auto& chans =
        sys_.donor_channels[static_cast<std::size_t>(s)][static_cast<std::size_t>(j)];
    for (std::size_t k = 0; k < chans.size(); ++k) {
        const PairChannel& c = sys_.pairs[static_cast<std::size_t>(chans[k])];
        const double a = avail(c.forward.row_total(e), blocked(e, k + 1));
        if (u < a) {
            const std::uint32_t m = draw_partner(
                c.forward.offset, c.forward.partner, c.forward.rate, c.forward.prefix, e,
                blocked(e, k + 1), [&](std::uint32_t f) { return level_[f] == ground; });
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
            if (f == e || is_ligand(f) || species(f) != a.second_species ||
                level_[f] != a.second_level)
                continue;
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

void Kmc::ligand_event(std::uint32_t e, int j, double u, double w) {
    // One table for both spin states: the first-order channels in a fixed order (the order of
    // the draws, so results are bit-identical to the two hand-written branches it replaced),
    // then Dexter transfer to a ground-state ion with the state's pair rates.
    struct Channel {
        double rate;
        int fate;    //!< -1: no fate (ISC)
        int to;      //!< new ligand state (ground, or 1 = triplet for ISC)
        int photon;  //!< 0 singlet band, 1 triplet band, -1 none
    };
    const Model& m = *m_;
    const bool singlet = j == 0;
    const Channel table[3] = {
        singlet ? Channel{m.kS_rad, fate_ligand_singlet_radiative, ground, 0}
                : Channel{m.kT_rad, fate_ligand_triplet_radiative, ground, 1},
        singlet ? Channel{m.kS_nr, fate_ligand_singlet_nonradiative, ground, -1}
                : Channel{m.kT_nr, fate_ligand_triplet_nonradiative, ground, -1},
        singlet ? Channel{m.k_isc, -1, 1, -1} : Channel{m.k_tpq, fate_tpq, ground, -1},
    };
    for (const Channel& c : table) {
        if (u < c.rate) {
            if (c.fate == fate_tpq && !polaron_event_happens()) return;
            if (c.photon >= 0) {
                if (in_window()) (c.photon == 0 ? counters_.lig_S : counters_.lig_T) += 1.0;
                ++photons_all_;
            }
            if (c.fate >= 0) fate(c.fate, w);
            change(e, c.to, w, now_);
            return;
        }
        u -= c.rate;
    }
    const std::size_t l = e - n_ions_;
    const std::vector<double>& rate = singlet ? sys_.dexter_singlet_rate : sys_.dexter.rate;
    const std::vector<double>& prefix = singlet ? sys_.dexter_singlet_prefix : sys_.dexter.prefix;
    const std::uint32_t q =
        draw_partner(sys_.dexter.offset, sys_.dexter.partner, rate, prefix, l, blocked(e, 0),
                     [&](std::uint32_t i) { return level_[i] == ground; });
    if (q >= sys_.dexter.offset[l + 1]) return;
    to_ion(e, sys_.dexter.partner[q], w);
}

void Kmc::to_ion(std::uint32_t ligand_entity, std::uint32_t ion, double w) {
    if (in_window()) counters_.forward += 1.0;
    change(ligand_entity, ground, w, now_);
    change(ion, table(ion).accepting_level, w, now_);
}

void Kmc::generate() {
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

}  // namespace relsim::nanocrystal::detail
