// Linear solvers of the Newton step (dd_system.hpp): block-tridiagonal LU, banded LU fallback,
// and the banded LU in binary128 of the last-resort pass (one template for both scalar types).
#include <algorithm>
#include <cmath>

#include "dd_system.hpp"

namespace relsim::transport::detail {
namespace {
// X = A B (3x3, row-major)
inline void mul3(const double* A, const double* B, double* X) {
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c)
            X[3 * r + c] = A[3 * r] * B[c] + A[3 * r + 1] * B[3 + c] + A[3 * r + 2] * B[6 + c];
}
// In-place inverse of a 3x3 block by Gauss-Jordan with partial pivoting.
inline bool invert3(double* A) {
    double M[3][6] = {
        {A[0], A[1], A[2], 1, 0, 0}, {A[3], A[4], A[5], 0, 1, 0}, {A[6], A[7], A[8], 0, 0, 1}};
    for (int k = 0; k < 3; ++k) {
        int p = k;
        for (int i = k + 1; i < 3; ++i)
            if (std::abs(M[i][k]) > std::abs(M[p][k])) p = i;
        if (M[p][k] == 0.0 || !std::isfinite(M[p][k])) return false;
        if (p != k)
            for (int c = 0; c < 6; ++c) std::swap(M[p][c], M[k][c]);
        const double inv = 1.0 / M[k][k];
        for (int c = 0; c < 6; ++c) M[k][c] *= inv;
        for (int i = 0; i < 3; ++i)
            if (i != k) {
                const double f = M[i][k];
                for (int c = 0; c < 6; ++c) M[i][c] -= f * M[k][c];
            }
    }
    for (int r = 0; r < 3; ++r)
        for (int c = 0; c < 3; ++c) A[3 * r + c] = M[r][3 + c];
    return true;
}
}  // namespace

template <typename T>
void BlockStorage<T>::zero() {
    std::fill(a_.begin(), a_.end(), T(0));
    std::fill(d_.begin(), d_.end(), T(0));
    std::fill(c_.begin(), c_.end(), T(0));
}

template <typename T>
void BlockStorage<T>::row_max(T* s) const {
    for (int i = 0; i < n_; ++i)
        for (int r = 0; r < 3; ++r) {
            T m = T(0);
            for (int c = 0; c < 3; ++c) {
                const std::size_t k = 9 * static_cast<std::size_t>(i) + 3 * r + c;
                m = std::max({m, abs_of(a_[k]), abs_of(d_[k]), abs_of(c_[k])});
            }
            s[3 * i + r] = m;
        }
}

template <typename T>
void BlockStorage<T>::scale_rows(const T* s) {
    for (int i = 0; i < n_; ++i)
        for (int r = 0; r < 3; ++r) {
            const T inv = T(1) / s[3 * i + r];
            for (int c = 0; c < 3; ++c) {
                const std::size_t k = 9 * static_cast<std::size_t>(i) + 3 * r + c;
                a_[k] *= inv;
                d_[k] *= inv;
                c_[k] *= inv;
            }
        }
}

// D'_0 = D_0; L_i = A_i D'_{i-1}^-1, D'_i = D_i - L_i C_{i-1}. Stored: L_i in lower(i), D'_i^-1 in
// diag(i).
bool BlockTri::factorize() {
    if (!invert3(diag(0))) return false;
    double L[9], X[9];
    for (int i = 1; i < n_; ++i) {
        mul3(lower(i), diag(i - 1), L);
        mul3(L, upper(i - 1), X);
        double* D = diag(i);
        for (int k = 0; k < 9; ++k) D[k] -= X[k];
        std::copy(L, L + 9, lower(i));
        if (!invert3(D)) return false;
    }
    return true;
}

void BlockTri::solve(double* b) const {
    for (int i = 1; i < n_; ++i) {
        const double* L = lower(i);
        const double* y = b + 3 * (i - 1);
        double* x = b + 3 * i;
        for (int r = 0; r < 3; ++r)
            x[r] -= L[3 * r] * y[0] + L[3 * r + 1] * y[1] + L[3 * r + 2] * y[2];
    }
    for (int i = n_ - 1; i >= 0; --i) {
        double* x = b + 3 * i;
        double t[3] = {x[0], x[1], x[2]};
        if (i + 1 < n_) {
            const double* C = upper(i);
            const double* z = b + 3 * (i + 1);
            for (int r = 0; r < 3; ++r)
                t[r] -= C[3 * r] * z[0] + C[3 * r + 1] * z[1] + C[3 * r + 2] * z[2];
        }
        const double* Di = diag(i);
        for (int r = 0; r < 3; ++r)
            x[r] = Di[3 * r] * t[0] + Di[3 * r + 1] * t[1] + Di[3 * r + 2] * t[2];
    }
}

template <typename T>
BandLUT<T>::BandLUT(int n, int kl, int ku)
    : n_(n),
      kl_(kl),
      ku_(ku),
      ld_(2 * kl + ku + 1),
      ab_(static_cast<std::size_t>(n) * ld_),
      piv_(n) {}

template <typename T>
void BandLUT<T>::load(const BlockStorage<T>& m) {
    std::fill(ab_.begin(), ab_.end(), T(0));
    const int N = m.nodes();
    for (int i = 0; i < N; ++i)
        for (int r = 0; r < 3; ++r)
            for (int c = 0; c < 3; ++c) {
                at(3 * i + r, 3 * i + c) = m.diag(i)[3 * r + c];
                if (i > 0) at(3 * i + r, 3 * (i - 1) + c) = m.lower(i)[3 * r + c];
                if (i + 1 < N) at(3 * i + r, 3 * (i + 1) + c) = m.upper(i)[3 * r + c];
            }
}

template <typename T>
bool BandLUT<T>::factorize() {
    int ju = 0;
    for (int j = 0; j < n_; ++j) {
        const int km = std::min(kl_, n_ - 1 - j);
        int p = j;
        for (int i = j + 1; i <= j + km; ++i)
            if (abs_of(at(i, j)) > abs_of(at(p, j))) p = i;
        piv_[j] = p;
        const T pivot = at(p, j);
        if (pivot == T(0) || !finite_of(pivot)) return false;
        ju = std::max(ju, std::min(p + ku_, n_ - 1));
        if (p != j)
            for (int c = j; c <= ju; ++c) std::swap(at(p, c), at(j, c));
        const T inv = T(1) / at(j, j);
        for (int i = j + 1; i <= j + km; ++i) at(i, j) *= inv;
        for (int c = j + 1; c <= ju; ++c) {
            const T ujc = at(j, c);
            if (ujc != T(0))
                for (int i = j + 1; i <= j + km; ++i) at(i, c) -= at(i, j) * ujc;
        }
    }
    return true;
}

template <typename T>
void BandLUT<T>::solve(T* b) {
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

// Both scalar types: double (every Newton step) and binary128 (the last-resort pass).
template class BlockStorage<double>;
template class BlockStorage<quad>;
template class BandLUT<double>;
template class BandLUT<quad>;

}  // namespace relsim::transport::detail
