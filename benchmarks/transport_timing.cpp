// Timed program: a 0-10 V sweep in 0.1 V steps of a three-layer stack with the drift-diffusion
// solver (src/transport), beside benchmarks/transport_scipy.py (the same discrete equations in
// plain NumPy/SciPy). Prints CPU and wall time and writes J(V) as CSV for the comparison.
//   build/bin/transport_timing [cells_per_layer=400] [out.csv]
#include <chrono>
#include <cstdio>
#include <ctime>
#include <cstdlib>
#include <string>

#include "relsim/transport/drift_diffusion.hpp"

using namespace relsim::transport;

int main(int argc, char** argv) {
    StackSpec s;  // the stack of benchmarks/transport_scipy.py (keep the two in step)
    s.layers = {{"HTL", 40, 3, -5.5, -2.0, 1e-7, 1e-3},
                {"EML", 20, 3, -5.6, -2.6, 1e-4, 1e-4},
                {"ETL", 40, 3, -6.2, -2.7, 1e-4, 1e-7}};
    s.anode_work_function_eV = 5.2;
    s.cathode_work_function_eV = 3.0;
    s.emissive_layer = "EML";
    s.eml_slices = 1;
    s.cells_per_layer = argc > 1 ? std::atoi(argv[1]) : 400;
    const std::string csv = argc > 2 ? argv[2] : "";
    const Stack st(s);
    Solver sv(st);
    sv.max_step_V = 0.1;  // one continuation step per sweep point, as the SciPy code
    const std::clock_t c0 = std::clock();
    const auto w0 = std::chrono::steady_clock::now();
    std::FILE* out = csv.empty() ? nullptr : std::fopen(csv.c_str(), "w");
    if (out) std::fprintf(out, "voltage_V,J_A_m2,newton_iterations,continuity_error\n");
    int its = 0;
    for (int k = 1; k <= 100; ++k) {
        const Solution r = sv.solve_voltage(0.1 * k);
        its += r.newton_iterations;
        if (out)
            std::fprintf(out, "%.17g,%.17g,%d,%.3e\n", r.voltage_V, r.current_density_A_m2,
                         r.newton_iterations, r.continuity_error);
    }
    const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    if (out) std::fclose(out);
    std::printf(
        "relsim transport: %zu nodes, 100 voltages 0.1..10 V: %d Newton iterations, cpu %.3f s, "
        "wall %.3f s\n",
        st.x_m.size(), its, cpu, wall);
    return 0;
}
