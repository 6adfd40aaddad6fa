//! @file transport_lifetime.cpp
//! [lifetime] + [transport] (transport_lifetime.hpp).
#include "transport_lifetime.hpp"

#include <algorithm>
#include <exception>

#include "relsim/lifetime/profile_point.hpp"
#include "relsim/transport/transport_stage.hpp"

namespace relsim::lifetime::detail {

TransportLifetime::TransportLifetime(const io::RunConfig& cfg) : cfg_(cfg) {
    if (cfg.has_table("transport")) tc_ = transport::read_transport_config(cfg);
}

transport::StackSpec TransportLifetime::stack_at(std::uint64_t index) const {
    transport::StackSpec spec = tc_->stack;
    if (cfg_.sweep) {
        cfg_.sweep->for_each_value(index, [&](const std::string& key, double v) {
            if (double* slot = transport::find_stack_parameter(spec, key)) *slot = v;
        });
    }
    return spec;
}

double TransportLifetime::eml_thickness_nm(std::uint64_t index) const {
    if (!tc_) return 0.0;
    const transport::StackSpec spec = stack_at(index);
    for (const transport::Layer& l : spec.layers) {
        if (l.name == spec.emissive_layer) return l.thickness_nm;
    }
    return 0.0;
}

TransportPointLifetime TransportLifetime::run_point(
    const model::ModelParams& p, const LifetimeSettings& s,
    std::shared_ptr<const model::CieObserver> observer, std::uint64_t index) const {
    TransportPointLifetime out;
    try {
        transport::StackSpec spec = stack_at(index);
        spec.temperature_K = p.device.temperature_K;
        const auto stage = transport::make_transport_profile(spec);
        pipeline::DrivePoint drive;
        drive.kind = pipeline::DriveKind::current;
        drive.current_density_mA_cm2 = p.device.current_density_mA_cm2;
        pipeline::Profile profile;
        stage->profile(drive, p, profile);
        const transport::Solution sol = stage->last();
        if (profile.slices.empty() || !(sol.current_density_A_m2 > 0.0)) {
            out.result.status =
                1;  // no current through the emitter (or below the solver's resolution)
            return out;
        }
        ChargeFractions charge;
        charge.eml_share = sol.recombination_eml_A_m2 / sol.current_density_A_m2;
        charge.recombination_outside_eml = sol.recombination_outside_eml;
        charge.no_recombination = sol.no_recombination;
        out.slices = profile.slices;
        ProfilePoint point(p, s.rates, std::move(observer), std::move(profile), charge);
        out.photometric = point.photometric();
        out.result = run_lifetime(point, s, true);
    } catch (const std::exception&) {
        out.result = LifetimeResult{};
        out.result.status = 3;
    }
    return out;
}

void TransportLifetime::write_slices(io::H5File& f, const std::vector<std::uint64_t>& dims,
                                     std::size_t P,
                                     const std::vector<TransportPointLifetime>& points) const {
    const std::size_t N = points.size();
    std::size_t S = 1;
    for (const TransportPointLifetime& pt : points) S = std::max(S, pt.slices.size());
    auto put = [&](const std::string& name, std::vector<std::uint64_t> shape,
                   const std::vector<double>& v, const std::string& units,
                   const std::string& description) {
        const std::string path = "/lifetime/slices/" + name;
        if (!f.exists(path)) {
            f.create_chunked(path, io::ElementType::float64, shape,
                             std::vector<std::uint64_t>(shape.size(), 0), units, 0.0);
        }
        f.write_flat_range(path, io::ElementType::float64, 0, v.size(), v.data());
        f.set_attribute(path, "description", description);
    };
    std::vector<std::uint64_t> sdims = dims;
    sdims.push_back(S);
    std::vector<double> pos(N * S, 0.0), width(N * S, 0.0), gen(N * S, 0.0), np(N * S, 0.0),
        count(N, 0.0);
    std::vector<double> q(N * P * S, 0.0);
    for (std::size_t i = 0; i < N; ++i) {
        const TransportPointLifetime& pt = points[i];
        count[i] = static_cast<double>(pt.slices.size());
        for (std::size_t k = 0; k < pt.slices.size(); ++k) {
            pos[i * S + k] = pt.slices[k].position_nm;
            width[i * S + k] = pt.slices[k].width_nm;
            gen[i * S + k] = pt.slices[k].generation_cm3_s;
            np[i * S + k] = pt.slices[k].polaron_density_cm3;
        }
        const auto& qs = pt.result.quencher_slices_cm3;
        if (qs.size() != P) continue;
        for (std::size_t t = 0; t < P; ++t) {
            for (std::size_t k = 0; k < qs[t].size() && k < S; ++k)
                q[(i * P + t) * S + k] = qs[t][k];
        }
    }
    put("position_nm", sdims, pos, "nm",
        "slice centre from the NC layer's anode-side interface (add the thickness of the layers "
        "below it for /transport/x_nm); 0 beyond count");
    put("width_nm", sdims, width, "nm", "slice thickness; 0 beyond count");
    put("generation_cm3_s", sdims, gen, "cm^-3 s^-1",
        "exciton generation G_k of the stack solved at t = 0 (fixed: constant current)");
    put("polaron_density_cm3", sdims, np, "cm^-3",
        "polaron density n_p,k = slice mean of (n + p)/2 at t = 0 (fixed)");
    std::vector<std::uint64_t> qdims = dims;
    qdims.push_back(P);
    qdims.push_back(S);
    put("quencher_cm3", qdims, q, "cm^-3",
        "quencher density Q_k of every slice at the output times /lifetime/time_h");
    put("count", dims, count, "1",
        "number of emissive-layer slices of the point (transport.eml_slices or its default)");
}

}  // namespace relsim::lifetime::detail
