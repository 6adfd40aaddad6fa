//! @file optics_point.hpp (private to the sweep module)
//! The [optics] outputs of a sweep point (spec shared/spec/optics.md): the /optics/* datasets and
//! the /results/outcoupling and per-line factor scalars of the output layout. The factors of a
//! point and its slices are solved by the device-point pipeline (pipeline::StackOptics, cached
//! between points; PointEvaluator, NcPointEvaluator, TransportPointEvaluator).
#pragma once

#include <string>
#include <vector>

#include "relsim/io/config.hpp"
#include "relsim/io/result_file.hpp"
#include "relsim/optics/device_optics.hpp"

namespace relsim::sweep {

class OpticsPoint {
public:
    //! Adds /optics/* (the factors of the config as written, on the spectrum grid) and the
    //! /results/outcoupling scalar to a layout (nothing without [optics]; not for a [transport]
    //! config). Throws InputError on a bad [optics] table.
    static void add_layout(const io::RunConfig& config, io::ResultLayout& layout);
    //! The same for emitters at positions `z_nm` above the bottom of the emitting layer of
    //! `stack` (add_layout: the uniform zone's slices; [transport]: the config's slices).
    static void add_stack_layout(const io::RunConfig& config, const optics::DeviceOptics& stack,
                                 const std::vector<double>& z_nm, io::ResultLayout& layout);
};

}  // namespace relsim::sweep
