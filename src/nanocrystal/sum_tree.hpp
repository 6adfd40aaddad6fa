//! @file sum_tree.hpp  (private to relsim_nanocrystal)
//! Binary sum tree over event rates: O(log N) selection and leaf update (kmc_machine.hpp).
#pragma once

#include <cstddef>
#include <vector>

namespace relsim::nanocrystal::detail {

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

}  // namespace relsim::nanocrystal::detail
