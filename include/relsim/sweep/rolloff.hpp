//! @file rolloff.hpp
//! The efficiency roll-off of a current-density sweep, as researchers quote it: the peak EQE and
//! where it is, the current densities where the EQE has fallen to 90 % and 50 % of the peak
//! (J90, J50), and the EQE at 100 and 1000 cd m^-2.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace relsim::sweep {

struct Rolloff {
    double peak_eqe = 0.0;
    double peak_J_mA_cm2 = 0.0;
    double peak_luminance_cd_m2 = 0.0;
    //! First J above the peak where EQE = 0.9 (0.5) x peak, interpolated linearly in EQE
    //! against log J between the two bracketing points; empty when the sweep does not reach it.
    std::optional<double> J90_mA_cm2, J50_mA_cm2;
    //! EQE where the luminance first reaches 100 (1000) cd m^-2, interpolated linearly in EQE
    //! against log L; empty when the sweep does not reach that luminance.
    std::optional<double> eqe_at_100_cd_m2, eqe_at_1000_cd_m2;
    double min_luminance_cd_m2 = 0.0;
    double max_luminance_cd_m2 = 0.0;
    double last_eqe_over_peak = 0.0;  //!< EQE at the highest J / peak
    std::uint64_t points_used = 0;    //!< converged points with J > 0
};

//! Roll-off of points (J, EQE, L) in any order; points with status != 0 are ignored. Empty
//! when no point converged.
[[nodiscard]] std::optional<Rolloff> rolloff(const std::vector<double>& J_mA_cm2,
                                             const std::vector<double>& eqe,
                                             const std::vector<double>& luminance_cd_m2,
                                             const std::vector<std::int32_t>& status);

}  // namespace relsim::sweep
