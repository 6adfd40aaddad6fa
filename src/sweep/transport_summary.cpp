//! @file transport_summary.cpp
//! [transport]: `relsim check` description of the stack, and the /summary voltage figures of a
//! voltage sweep, solved between the bracketing sweep points (transport_run.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>

#include "point_evaluator.hpp"
#include "relsim/io/hdf5_file.hpp"
#include "relsim/sweep/transport_run.hpp"
#include "transport_point.hpp"

namespace relsim::sweep {
namespace {

constexpr double kVoltageTolerance_V = 1e-6;  // spec section 4

struct SummaryFigure {
    const char* name;
    const char* unit;
    const char* text;
};
constexpr SummaryFigure kFigures[] = {
    {"turn_on_voltage_V", "V", "turn-on voltage (1 cd m^-2)"},
    {"voltage_at_100_cd_m2_V", "V", "voltage at 100 cd m^-2"},
    {"voltage_at_1000_cd_m2_V", "V", "voltage at 1000 cd m^-2"},
    {"peak_power_efficacy_lm_W", "lm W^-1", "peak power efficacy"},
    {"eqe_at_1000_cd_m2", "1", "EQE at 1000 cd m^-2"},
};

}  // namespace

std::string describe_transport(const io::RunConfig& config) {
    if (!config.has_table("transport")) return "";
    const auto tc = transport::read_transport_config(config);
    if (!tc) return "";
    const transport::StackSpec& s = tc->stack;
    const transport::Stack stack(s);
    std::string out = fmt::format(
        "transport: {} layers, {:g} nm; anode work function {:g} eV, cathode {:g} eV: built-in "
        "voltage "
        "V_bi = {:g} V; drive: {}\n",
        s.layers.size(), stack.length_nm(), s.anode_work_function_eV, s.cathode_work_function_eV,
        stack.built_in_voltage_V(),
        tc->voltage_drive ? fmt::format("voltage, device.voltage_V = {:g} V", tc->voltage_V)
                          : fmt::format("current, device.current_density_mA_cm2 = {:g} (V solved)",
                                        config.model.device.current_density_mA_cm2));
    out += fmt::format("  {:<3} {:<10} {:>9} {:>8} {:>8} {:>11} {:>11} {:>6} {:>9}\n", "#", "layer",
                       "d (nm)", "HOMO eV", "LUMO eV", "mu_n cm2/Vs", "mu_p cm2/Vs", "eps_r",
                       "N0 cm^-3");
    for (std::size_t i = 0; i < s.layers.size(); ++i) {
        const transport::Layer& l = s.layers[i];
        out += fmt::format(
            "  {:<3} {:<10} {:>9g} {:>8g} {:>8g} {:>11.3g} {:>11.3g} {:>6g} {:>9.3g}{}\n", i,
            l.name, l.thickness_nm, l.homo_eV, l.lumo_eV, l.mu_n_cm2_Vs, l.mu_p_cm2_Vs, l.eps_r,
            l.N0_cm3, l.name == s.emissive_layer ? "  (emissive)" : "");
    }
    const double phi_p = -s.layers.front().homo_eV - s.anode_work_function_eV;
    const double phi_n = s.cathode_work_function_eV + s.layers.back().lumo_eV;
    out += fmt::format(
        "  injection barriers (Schottky-Mott): holes at the anode phi_p = -HOMO - W_anode = {:.3g} "
        "eV, "
        "electrons at the cathode phi_n = W_cathode + LUMO = {:.3g} eV\n",
        phi_p, phi_n);
    for (std::size_t i = 0; i + 1 < s.layers.size(); ++i) {
        const transport::Layer &a = s.layers[i], &b = s.layers[i + 1];
        const double hole = a.homo_eV - b.homo_eV;      // > 0: holes going to the cathode climb
        const double electron = a.lumo_eV - b.lumo_eV;  // > 0: electrons going to the anode climb
        out += fmt::format(
            "  step {}|{}: HOMO {:+.3g} eV ({}), LUMO {:+.3g} eV ({})\n", a.name, b.name,
            b.homo_eV - a.homo_eV,
            hole > 0 ? fmt::format("hole barrier {:.3g} eV", hole) : std::string("no hole barrier"),
            b.lumo_eV - a.lumo_eV,
            electron > 0 ? fmt::format("electron barrier {:.3g} eV", electron)
                         : std::string("no electron barrier"));
    }
    const transport::Layer& e = s.layers[static_cast<std::size_t>(stack.emissive_index())];
    out += fmt::format(
        "  emissive layer {}: {} slice{} of {:g} nm ({}); recombination elsewhere is lost "
        "(fates/recombination_outside_eml)\n",
        e.name, stack.slice_count(), stack.slice_count() == 1 ? "" : "s",
        e.thickness_nm / stack.slice_count(),
        s.eml_slices > 0 ? "eml_slices" : fmt::format("nc_diameter_nm {:g}", s.nc_diameter_nm));
    out += fmt::format(
        "  mesh: {} cosine-graded cells per layer, {} nodes; Langevin prefactor {:g}; profiles "
        "{}\n",
        s.cells_per_layer, stack.x_m.size(), s.langevin_prefactor,
        tc->save_profiles ? fmt::format("saved on {} points (/transport/*)", tc->profile_points)
                          : std::string("not saved (save_profiles = false)"));
    out +=
        "  outputs: device.recombination_zone_nm, charge_balance and langevin_cm3_s are replaced "
        "by the "
        "solved profile; optics: " +
        std::string(tc->with_optics ? "the [optics] stack per slice (below)"
                                    : "device.outcoupling (constant)") +
        "\n";
    return out;
}

std::string write_transport_summary(const io::RunConfig& config,
                                    const transport::TransportConfig& tc,
                                    const std::string& partial_path) {
    if (!config.sweep || config.sweep->axes.size() != 1 || config.sweep->axes[0].keys.size() != 1 ||
        config.sweep->axes[0].keys[0] != "device.voltage_V" || !tc.voltage_drive)
        return "";
    io::H5File f(partial_path, io::H5File::Mode::read_write);
    const std::vector<double> V = f.read_doubles("/results/voltage_V");
    const std::vector<double> L = f.read_doubles("/results/luminance_cd_m2");
    const std::vector<double> P = f.read_doubles("/results/power_efficacy_lm_W");
    const std::vector<double> status = f.read_doubles("/results/status");
    std::vector<std::size_t> order(V.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return V[a] < V[b]; });
    auto lum = [&](std::size_t i) { return status[i] == 0 ? L[i] : 0.0; };

    // One evaluator, one thread, the config's values without the sweep: every figure is solved
    // by the same deterministic path whatever the thread count of the run.
    io::RunConfig point = config;
    point.sweep.reset();
    transport::TransportConfig tcp = tc;
    tcp.save_profiles = false;
    auto observer =
        std::make_shared<const model::CieObserver>(model::load_cie_observer(cie_table_path()));
    auto photometry =
        std::make_shared<const model::Photometry>(*observer, band_shapes(point.model));
    const model::RateModel base(point.model);
    const io::ResultLayout layout = TransportPointEvaluator::make_layout(point, tcp, base, false);
    TransportPointEvaluator ev(point, tcp, layout, observer, photometry);

    std::vector<std::optional<double>> value(std::size(kFigures));
    // The first solve starts from 0 V, every later one continues from the previous voltage (a
    // fixed order on one thread: the same bits for any thread count of the run).
    bool warm = false;
    auto crossing = [&](double target) -> std::optional<double> {
        for (std::size_t k = 1; k < order.size(); ++k) {
            if (lum(order[k - 1]) < target && lum(order[k]) >= target) {
                double lo = V[order[k - 1]], hi = V[order[k]];
                ev.solve_voltage(lo, warm);
                warm = true;
                while (hi - lo > kVoltageTolerance_V) {
                    const double mid = 0.5 * (lo + hi);
                    (ev.solve_voltage(mid, true).luminance_cd_m2 >= target ? hi : lo) = mid;
                }
                return 0.5 * (lo + hi);
            }
        }
        return std::nullopt;
    };
    try {
        value[0] = crossing(1.0);
        value[1] = crossing(100.0);
        value[2] = crossing(1000.0);
        if (value[2]) value[4] = ev.solve_voltage(*value[2], warm).eqe;
        // Peak power efficacy: golden-section search between the neighbours of the best point,
        // over the lit points (luminance >= 1 cd m^-2, the turn-on definition) and not below the
        // turn-on voltage: below it the resolved current is unmeasurably small and pi L / (J V)
        // grows as 1/V at constant EQE, so an unrestricted maximum would sit at V -> 0.
        std::size_t best = order.size();
        for (std::size_t k = 0; k < order.size(); ++k)
            if (status[order[k]] == 0 && P[order[k]] > 0 && lum(order[k]) >= 1.0 &&
                (best == order.size() || P[order[k]] > P[order[best]]))
                best = k;
        if (best < order.size()) {
            double a = V[order[best > 0 ? best - 1 : 0]],
                   b = V[order[std::min(best + 1, order.size() - 1)]];
            if (value[0]) a = std::max(a, *value[0]);
            const double g = (std::sqrt(5.0) - 1.0) / 2.0;
            ev.solve_voltage(a, warm);
            double c = b - g * (b - a), d = a + g * (b - a);
            double fc = ev.solve_voltage(c, true).power_efficacy_lm_W,
                   fd = ev.solve_voltage(d, true).power_efficacy_lm_W;
            while (b - a > kVoltageTolerance_V) {
                if (fc > fd) {
                    b = d, d = c, fd = fc;
                    c = b - g * (b - a);
                    fc = ev.solve_voltage(c, true).power_efficacy_lm_W;
                } else {
                    a = c, c = d, fc = fd;
                    d = a + g * (b - a);
                    fd = ev.solve_voltage(d, true).power_efficacy_lm_W;
                }
            }
            value[3] = std::max({fc, fd, P[order[best]]});
        }
    } catch (const std::exception& e) {
        f.set_attribute("/summary", "transport_figures_error", std::string(e.what()));
    }
    std::string text;
    for (std::size_t k = 0; k < std::size(kFigures); ++k) {
        if (!value[k] || !std::isfinite(*value[k])) continue;
        const std::string path = std::string("/summary/") + kFigures[k].name;
        if (!f.exists(path))
            f.create_chunked(path, io::ElementType::float64, {}, {}, kFigures[k].unit, 0.0);
        f.write_flat_range(path, io::ElementType::float64, 0, 1, &*value[k]);
        f.set_attribute(path, "description",
                        std::string(kFigures[k].text) +
                            (k == 3 ? ", maximum solved between the sweep points"
                                    : ", solved between the bracketing sweep points to 1e-6 V"));
    }
    f.close();
    return text;
}

std::string transport_summary_text(const std::string& output_path) {
    std::string out;
    try {
        const io::H5File f(output_path, io::H5File::Mode::read_only);
        for (const SummaryFigure& s : kFigures) {
            const std::string path = std::string("/summary/") + s.name;
            if (!f.exists(path)) continue;
            const double v = f.read_doubles(path).at(0);
            out += std::string(s.unit) == "1" ? fmt::format("  {}: {:.4g} %\n", s.text, 100 * v)
                                              : fmt::format("  {}: {:.7g} {}\n", s.text, v, s.unit);
        }
    } catch (const std::exception&) {
        return "";
    }
    return out;
}

}  // namespace relsim::sweep
