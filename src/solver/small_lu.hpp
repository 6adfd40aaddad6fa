//! @file small_lu.hpp
//! Private to src/solver: the partial-pivoting LU and triangular solves of the fixed-size Newton
//! (steady_state.cpp) for n <= 8 states, operation for operation those of Eigen 3.4's
//! PartialPivLU (so its factors and solutions are bit-identical), with the size known to the
//! compiler and no dynamic-size bookkeeping.
#pragma once

#include <cmath>
#include <cstddef>
#include <utility>

namespace relsim::solver::detail {

using Index = std::ptrdiff_t;  //!< Eigen::Index

//! Column k of small_lu_n, with k known at compile time so that every index is a constant: the
//! row swap is done by selects between the candidate rows (no store to a computed address, which
//! would keep the factors out of registers); the values are those of a swap of rows k and p.
template <Index n, Index k>
inline void small_lu_column(double* lu, int* transposition) {
    if constexpr (k < n) {
        Index p = k;
        double biggest = std::abs(lu[k + k * n]);
        for (Index i = k + 1; i < n; ++i) {
            const double v = std::abs(lu[i + k * n]);
            const bool larger = v > biggest;
            biggest = larger ? v : biggest;
            p = larger ? i : p;
        }
        transposition[k] = static_cast<int>(p);
        if (biggest != 0.0) {
            for (Index i = k + 1; i < n; ++i) {
                const bool take = p == i;
                for (Index j = 0; j < n; ++j) {
                    const double top = lu[k + j * n], row = lu[i + j * n];
                    lu[k + j * n] = take ? row : top;
                    lu[i + j * n] = take ? top : row;
                }
            }
            const double pivot = lu[k + k * n];
            for (Index i = k + 1; i < n; ++i) lu[i + k * n] /= pivot;
        }
        for (Index j = k + 1; j < n; ++j) {
            const double u = lu[k + j * n];
            for (Index i = k + 1; i < n; ++i) lu[i + j * n] -= u * lu[i + k * n];
        }
        small_lu_column<n, k + 1>(lu, transposition);
    }
}

//! Partial-pivoting LU of the n x n column-major `a` into `lu`, n <= 8: Eigen 3.4's
//! partial_lu_impl::unblocked_lu step for step (pivot = first largest |a_ik|, rows swapped whole,
//! column divided by the pivot, rank-1 update of the trailing block), so the factors are
//! bit-identical to Eigen::PartialPivLU's. Returns false when a pivot is exactly zero (Eigen's
//! factors then have a zero on U's diagonal; the caller's test for it).
template <Index n>
bool small_lu_n(const double* a, double* lu, int* transposition) {
    alignas(16) double m[n * n];
    for (Index i = 0; i < n * n; ++i) m[i] = a[i];  // not std::copy: a call to memmove
    small_lu_column<n, 0>(m, transposition);
    for (Index i = 0; i < n * n; ++i) lu[i] = m[i];
    // Eigen's minCoeff of |diag(U)| > 0 (its visitor: the first value, then any strictly smaller).
    double smallest = std::abs(m[0]);
    for (Index k = 1; k < n; ++k) {
        if (std::abs(m[k + k * n]) < smallest) smallest = std::abs(m[k + k * n]);
    }
    return smallest > 0.0;
}

//! x = U^-1 L^-1 x in place, from small_lu's factors: Eigen's column-oriented unit-lower and upper
//! triangular solves (triangular_solve_vector, one panel for n <= 8), in its order. Always
//! inlined: a call here costs the fixed-size Newton ~20 % (x leaves the registers).
template <Index n>
[[gnu::always_inline]] inline void small_triangular_solves_n(const double* lu, double* x) {
    for (Index i = 0; i < n; ++i) {
        if (x[i] != 0.0) {
            for (Index r = i + 1; r < n; ++r) x[r] -= x[i] * lu[r + i * n];
        }
    }
    for (Index i = n; i-- > 0;) {
        if (x[i] != 0.0) {
            x[i] /= lu[i + i * n];
            for (Index r = 0; r < i; ++r) x[r] -= x[i] * lu[r + i * n];
        }
    }
}

//! The row permutation of small_lu_n's transpositions as a gather map: b[permutation[i]] is the
//! i-th entry of the permuted right-hand side (the transpositions applied in turn to 0..n-1).
template <Index n>
void small_permutation_n(const int* transposition, int* permutation) {
    for (Index i = 0; i < n; ++i) permutation[i] = static_cast<int>(i);
    for (Index k = 0; k < n; ++k) std::swap(permutation[k], permutation[transposition[k]]);
}

//! x = A^-1 b from small_lu's factors and small_permutation_n's map: the right-hand side gathered
//! through the permutation (the values Eigen's row swaps give, without swaps through memory at
//! computed addresses, which hold the loads that follow them up), then the triangular solves.
template <Index n>
void small_lu_solve_permuted_n(const double* lu, const int* permutation, const double* b,
                               double* x) {
    for (Index i = 0; i < n; ++i) x[i] = b[permutation[i]];
    small_triangular_solves_n<n>(lu, x);
}

//! small_lu_solve_permuted_n from the transpositions (the dynamic-size Newton's small path).
template <Index n>
void small_lu_solve_n(const double* lu, const int* transposition, const double* b, double* x) {
    int permutation[n];
    small_permutation_n<n>(transposition, permutation);
    small_lu_solve_permuted_n<n>(lu, permutation, b, x);
}

//! small_lu / small_lu_solve with the size known to the compiler (loops unrolled; the same
//! operations in the same order whatever n).
inline bool small_lu(Index n, const double* a, double* lu, int* transposition) {
    switch (n) {
        case 1: return small_lu_n<1>(a, lu, transposition);
        case 2: return small_lu_n<2>(a, lu, transposition);
        case 3: return small_lu_n<3>(a, lu, transposition);
        case 4: return small_lu_n<4>(a, lu, transposition);
        case 5: return small_lu_n<5>(a, lu, transposition);
        case 6: return small_lu_n<6>(a, lu, transposition);
        case 7: return small_lu_n<7>(a, lu, transposition);
        default: return small_lu_n<8>(a, lu, transposition);
    }
}
inline void small_lu_solve(Index n, const double* lu, const int* transposition, const double* b,
                           double* x) {
    switch (n) {
        case 1: return small_lu_solve_n<1>(lu, transposition, b, x);
        case 2: return small_lu_solve_n<2>(lu, transposition, b, x);
        case 3: return small_lu_solve_n<3>(lu, transposition, b, x);
        case 4: return small_lu_solve_n<4>(lu, transposition, b, x);
        case 5: return small_lu_solve_n<5>(lu, transposition, b, x);
        case 6: return small_lu_solve_n<6>(lu, transposition, b, x);
        case 7: return small_lu_solve_n<7>(lu, transposition, b, x);
        default: return small_lu_solve_n<8>(lu, transposition, b, x);
    }
}

}  // namespace relsim::solver::detail
