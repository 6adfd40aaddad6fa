// 1-D steady drift-diffusion-Poisson model of an organic stack (docs/transport.md,
// ../shared/spec/transport.md section 1). No third-party types in this header.
#pragma once

#include <string>
#include <vector>

namespace relsim::transport {

struct Layer {
    std::string name;
    double thickness_nm = 0.0;
    double eps_r = 3.0;
    double homo_eV = -5.5;  // vacuum scale, negative
    double lumo_eV = -2.5;
    double mu_n_cm2_Vs = 1e-5;
    double mu_p_cm2_Vs = 1e-5;
    double pf_gamma_n_cm_V = 0.0;  // Poole-Frenkel factor, (cm/V)^0.5
    double pf_gamma_p_cm_V = 0.0;
    double N0_cm3 = 1e21;
    bool operator==(const Layer&) const = default;
};

struct StackSpec {
    std::vector<Layer> layers;  // anode side first
    double anode_work_function_eV = 5.0;
    double cathode_work_function_eV = 3.1;
    double temperature_K = 300.0;
    double langevin_prefactor = 1.0;
    std::string emissive_layer;  // empty: no slices
    double nc_diameter_nm = 10.0;
    int eml_slices = 0;         // 0: round(thickness / nc_diameter), at least 1
    int cells_per_layer = 400;  // mesh: cosine-graded cells per layer (shared by the EML slices)
    bool operator==(const StackSpec&) const = default;
};

// The mesh and material data, built once (validated: throws std::invalid_argument).
class Stack {
public:
    explicit Stack(StackSpec spec);
    const StackSpec& spec() const { return spec_; }
    double built_in_voltage_V() const;
    double length_nm() const;
    std::vector<double> layer_edges_nm() const;
    int emissive_index() const { return eml_; }
    int slice_count() const { return n_slices_; }

    // mesh (SI, metres): node positions, and for each cell its layer index
    std::vector<double> x_m;
    std::vector<int> cell_layer;
    std::vector<int> slice_first_node;  // node index of each slice boundary (slices+1 entries)

private:
    StackSpec spec_;
    int eml_ = -1;
    int n_slices_ = 0;
};

struct Slice {
    double position_nm = 0.0;      // centre, from the anode
    double eml_position_nm = 0.0;  // centre, from the emissive layer's anode-side edge
    double width_nm = 0.0;
    double generation_cm3_s = 0.0;
    double polaron_density_cm3 = 0.0;
};

struct Profiles {  // per node (at layer interfaces the anode-side layer's densities)
    std::vector<double> x_nm, psi_V, Ec_eV, Ev_eV, Efn_eV, Efp_eV, n_cm3, p_cm3, R_cm3_s,
        field_V_cm;
};

struct Solution {
    bool converged = false;
    int newton_iterations = 0;
    double voltage_V = 0.0;
    double current_density_A_m2 = 0.0;  // forward bias positive
    double recombination_A_m2 = 0.0;    // q * integral R dx
    double recombination_eml_A_m2 = 0.0;
    double charge_balance = 0.0;              // q int R / J
    double eml_recombination_fraction = 0.0;  // EML share of int R
    double recombination_outside_eml = 0.0;   // of J/q
    double no_recombination = 0.0;            // of J/q (leakage)
    double leakage_electron_A_m2 = 0.0;       // electron current into the anode
    double leakage_hole_A_m2 = 0.0;           // hole current into the cathode
    double continuity_error = 0.0;            // max_x |J(x) - J| / |J|
    double zone_centroid_nm = 0.0, zone_rms_width_nm = 0.0;
    double zone_q05_nm = 0.0, zone_q50_nm = 0.0, zone_q95_nm = 0.0;
    std::vector<Slice> slices;
    Profiles profiles;
};

// Per thread; keeps the last three solutions and the step size for warm starts (continuation
// with a quadratic predictor; docs/transport.md, "Newton, continuation, convergence").
class Solver {
public:
    explicit Solver(const Stack& stack);
    ~Solver();
    Solver(Solver&&) noexcept;
    Solver& operator=(Solver&&) noexcept;
    Solver(const Solver&) = delete;
    Solver& operator=(const Solver&) = delete;

    // Voltage drive: continuation from the last solved voltage (from 0 V the first time) with
    // steps of at most max_step_V, halved on failure, the step size kept between calls. Throws
    // std::runtime_error if it stalls.
    Solution solve_voltage(double voltage_V);
    // Current drive: the voltage with J(V) = J (bracketing + secant/bisection on log J, 1e-10 V).
    Solution solve_current(double current_density_A_m2);

    double max_step_V =
        0.5;  // continuation: first step half of this, doubled after successes up to it
    bool analytic_jacobian = true;  // false: coloured finite differences (9 residuals; the check)

private:
    struct Impl;
    Impl* impl_;
};

}  // namespace relsim::transport
