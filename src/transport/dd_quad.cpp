// The last-resort linear solver of the Newton step (dd_system.hpp, "quad"): the Jacobian kept and
// factorised in binary128, for stacks whose carriers are separated by barriers of ~1 eV and more
// (docs/transport.md, "Newton, continuation, convergence").
#include <algorithm>
#include <cmath>

#include "dd_system.hpp"

namespace relsim::transport::detail {
namespace {
inline quad qabs(quad x) { return x < 0 ? -x : x; }
inline bool qfinite(quad x) { return x == x && x - x == 0; }
}  // namespace

void BlockTriQ::zero() {
    std::fill(a_.begin(), a_.end(), quad(0));
    std::fill(d_.begin(), d_.end(), quad(0));
    std::fill(c_.begin(), c_.end(), quad(0));
}

void BlockTriQ::row_max(quad* s) const {
    for (int i = 0; i < n_; ++i)
        for (int r = 0; r < 3; ++r) {
            quad m = 0;
            for (int c = 0; c < 3; ++c) {
                const std::size_t k = 9 * static_cast<std::size_t>(i) + 3 * r + c;
                m = std::max({m, qabs(a_[k]), qabs(d_[k]), qabs(c_[k])});
            }
            s[3 * i + r] = m;
        }
}

void BlockTriQ::scale_rows(const quad* s) {
    for (int i = 0; i < n_; ++i)
        for (int r = 0; r < 3; ++r) {
            const quad inv = quad(1) / s[3 * i + r];
            for (int c = 0; c < 3; ++c) {
                const std::size_t k = 9 * static_cast<std::size_t>(i) + 3 * r + c;
                a_[k] *= inv;
                d_[k] *= inv;
                c_[k] *= inv;
            }
        }
}

BandLUQ::BandLUQ(int n, int kl, int ku)
    : n_(n),
      kl_(kl),
      ku_(ku),
      ld_(2 * kl + ku + 1),
      ab_(static_cast<std::size_t>(n) * ld_),
      piv_(n) {}

void BandLUQ::load(const BlockTriQ& m) {
    std::fill(ab_.begin(), ab_.end(), quad(0));
    const int N = m.nodes();
    for (int i = 0; i < N; ++i)
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c) {
                at(3 * i + r, 3 * i + c) = m.diag(i)[3 * r + c];
                if (i > 0) at(3 * i + r, 3 * (i - 1) + c) = m.lower(i)[3 * r + c];
                if (i + 1 < N) at(3 * i + r, 3 * (i + 1) + c) = m.upper(i)[3 * r + c];
            }
}

// As BandLU::factorize (LAPACK dgbtf2: partial pivoting within the band), in binary128.
bool BandLUQ::factorize() {
    int ju = 0;
    for (int j = 0; j < n_; ++j) {
        const int km = std::min(kl_, n_ - 1 - j);
        int p = j;
        for (int i = j + 1; i <= j + km; ++i)
            if (qabs(at(i, j)) > qabs(at(p, j))) p = i;
        piv_[j] = p;
        const quad pivot = at(p, j);
        if (pivot == 0 || !qfinite(pivot)) return false;
        ju = std::max(ju, std::min(p + ku_, n_ - 1));
        if (p != j)
            for (int c = j; c <= ju; ++c) std::swap(at(p, c), at(j, c));
        const quad inv = quad(1) / at(j, j);
        for (int i = j + 1; i <= j + km; ++i) at(i, j) *= inv;
        for (int c = j + 1; c <= ju; ++c) {
            const quad ujc = at(j, c);
            if (ujc != 0)
                for (int i = j + 1; i <= j + km; ++i) at(i, c) -= at(i, j) * ujc;
        }
    }
    return true;
}

void BandLUQ::solve(quad* b) {
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

}  // namespace relsim::transport::detail
