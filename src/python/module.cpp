//! @file module.cpp
//! The compiled part of `import relsim` (relsim._relsim): the same C++ as the `relsim` program
//! -- the config loader and its overrides, the sweep runner, the CSV export, the roll-off --
//! behind a thin pybind11 layer. The Python package (relsim/__init__.py) builds the user-facing
//! names on top. Long calls release the GIL.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "relsim/lifetime/lifetime_config.hpp"
#include "relsim/lifetime/lifetime_run.hpp"
#include "relsim/nanocrystal/config.hpp"
#include "relsim/optics/device_optics.hpp"
#include "relsim/transport/transport_config.hpp"
#include "relsim/core/build_info.hpp"
#include "relsim/core/error.hpp"
#include "relsim/io/config.hpp"
#include "relsim/io/config_overrides.hpp"
#include "relsim/io/config_template.hpp"
#include "relsim/io/csv_export.hpp"
#include "relsim/io/ion_catalog.hpp"
#include "relsim/sweep/rolloff.hpp"
#include "relsim/fit/fit_config.hpp"
#include "relsim/fit/fitter.hpp"
#include "relsim/sweep/sweep_runner.hpp"

namespace py = pybind11;

namespace {

using relsim::io::RunConfig;

//! An immutable validated config; setting a key makes a new one (so copies are cheap).
struct ConfigHandle {
    std::shared_ptr<const RunConfig> cfg;
};

ConfigHandle make(RunConfig&& c) { return {std::make_shared<const RunConfig>(std::move(c))}; }

//! Runs the sweep runner into `output_path`. mode: "as_is" (what the config asks), "point"
//! (the config's values, no sweep, no pulse, spectrum saved), "transient" (no sweep).
py::dict run_to_file(const ConfigHandle& pc, const std::string& output_path, int threads,
                     const std::string& mode, bool quiet) {
    RunConfig c = *pc.cfg;
    if (mode == "point") {
        c.sweep.reset();
        c.transient.reset();
        c.spectrum.save = true;
        c.spectrum.save_given = true;
    } else if (mode == "transient") {
        if (!c.transient) {
            throw relsim::InputError(c.path, 0, 0, "transient",
                                     "the config has no [transient] table",
                                     "a [transient] table with pulse_current_density_mA_cm2, "
                                     "pulse_on_s, off_s");
        }
        c.sweep.reset();
    } else if (mode != "as_is") {
        throw std::invalid_argument("mode must be as_is, point or transient");
    }
    const relsim::lifetime::Stage lifetime_stage(
        c);  // [lifetime]/[inventory], checked before the run
    relsim::sweep::RunOptions opt;
    opt.output_path = output_path;
    opt.threads = threads;
    opt.quiet = quiet;
    // The runner works on a helper thread with the GIL released; this thread polls for
    // Ctrl-C (Python's signal handlers run only here) and then asks the runner to stop after
    // the block in progress, as the CLI does on SIGINT.
    relsim::sweep::RunSummary s;
    bool interrupted = false;
    {
        py::gil_scoped_release release;
        auto running =
            std::async(std::launch::async, [&c, &opt] { return relsim::sweep::run(c, opt); });
        while (running.wait_for(std::chrono::milliseconds(50)) != std::future_status::ready) {
            if (interrupted) continue;
            py::gil_scoped_acquire acquire;
            if (PyErr_CheckSignals() != 0) {
                PyErr_Clear();
                interrupted = true;
                relsim::sweep::request_stop();
            }
        }
        s = running.get();  // rethrows the runner's exception
    }
    if (interrupted) {
        PyErr_SetNone(PyExc_KeyboardInterrupt);
        throw py::error_already_set();
    }
    {
        py::gil_scoped_release release;
        (void)lifetime_stage.run(output_path, threads,
                                 true);  // inventory; lifetime with [lifetime] (as relsim run)
    }
    py::dict d;
    d["points"] = s.points;
    d["failed"] = s.failed;
    d["wall_time_s"] = s.wall_time_s;
    d["interrupted"] = s.interrupted;
    d["best_index"] = s.best.index;
    return d;
}

}  // namespace

PYBIND11_MODULE(_relsim, m) {
    // Each module above io registers its config tables (relsim/io/config_registry.hpp), once.
    relsim::nanocrystal::register_config_tables();
    relsim::optics::register_config_tables();
    relsim::transport::register_config_tables();
    relsim::lifetime::register_config_tables();
    m.doc() = "relsim's compiled core (use the `relsim` package, not this module directly)";
    m.attr("version") = relsim::build_info::version;
    m.attr("source_dir") = relsim::build_info::source_dir;

    static py::exception<relsim::InputError> input_error(m, "InputError", PyExc_ValueError);
    static py::exception<relsim::RunError> run_error(m, "RunError", PyExc_RuntimeError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const relsim::InputError& e) {
            py::object inst = py::reinterpret_borrow<py::object>(input_error.ptr())(e.what());
            inst.attr("file") = e.file();
            inst.attr("line") = e.line();
            inst.attr("column") = e.column();
            inst.attr("key") = e.key();
            inst.attr("problem") = e.problem();
            inst.attr("allowed") = e.allowed();
            PyErr_SetObject(input_error.ptr(), inst.ptr());
        } catch (const relsim::RunError& e) {
            PyErr_SetString(run_error.ptr(), e.what());
        }
    });

    // relsim.fit (relsim/_fit.py): the same three calls as `relsim fit` (src/app/cmd_fit.cpp).
    m.def(
        "fit_to_file",
        [](const std::string& fit_path, const std::string& output_path, int threads) {
            std::string summary;
            {
                py::gil_scoped_release release;
                const relsim::fit::FitConfig cfg = relsim::fit::load_fit_config(fit_path);
                relsim::fit::FitRunOptions opt;
                opt.threads = threads;
                const relsim::fit::FitResult r = relsim::fit::run_fit(cfg, opt);
                relsim::fit::write_fit_file(output_path, cfg, r);
                summary = relsim::fit::format_summary(cfg, r);
            }
            return summary;
        },
        py::arg("fit_path"), py::arg("output_path"), py::arg("threads") = 0,
        "Runs `relsim fit FIT_PATH -o OUTPUT_PATH` in this process (GIL released); returns the "
        "terminal summary.");

    py::class_<ConfigHandle>(m, "Config")
        .def_property_readonly("text", [](const ConfigHandle& c) { return c.cfg->text; })
        .def_property_readonly("path", [](const ConfigHandle& c) { return c.cfg->path; })
        .def_property_readonly("title", [](const ConfigHandle& c) { return c.cfg->title; })
        .def_property_readonly("has_sweep",
                               [](const ConfigHandle& c) { return c.cfg->sweep.has_value(); })
        .def_property_readonly("has_transient",
                               [](const ConfigHandle& c) { return c.cfg->transient.has_value(); })
        .def_property_readonly("sweep_axes",
                               [](const ConfigHandle& c) {
                                   py::list out;
                                   if (!c.cfg->sweep) return out;
                                   for (const auto& ax : c.cfg->sweep->axes) {
                                       out.append(py::make_tuple(ax.keys, ax.kind, ax.values));
                                   }
                                   return out;
                               })
        .def_property_readonly("ion_files",
                               [](const ConfigHandle& c) {
                                   py::dict d;
                                   for (const auto& f : c.cfg->ion_files)
                                       d[py::str(f.path)] = f.text;
                                   return d;
                               })
        .def_property_readonly(
            "resolved",
            [](const ConfigHandle& c) {
                py::list out;
                for (const auto& r : c.cfg->resolved) {
                    out.append(py::make_tuple(r.key, r.value, r.unit,
                                              relsim::model::origin_name(r.origin), r.source));
                }
                return out;
            })
        .def("value_toml",
             [](const ConfigHandle& c, const std::string& key) {
                 return relsim::io::config_value_toml(*c.cfg, key);
             })
        .def("with_override", [](const ConfigHandle& c, const std::string& key,
                                 const std::string& value_toml, const std::string& origin) {
            relsim::io::ConfigOverride o{key, value_toml, origin};
            return make(relsim::io::load_config_text_with_overrides(c.cfg->text, c.cfg->path, {o}));
        });

    m.def("load_file", [](const std::string& path) { return make(relsim::io::load_config(path)); });
    m.def("load_text", [](const std::string& text, const std::string& virtual_path) {
        return make(relsim::io::load_config_text(text, virtual_path));
    });
    m.def("run_to_file", &run_to_file, py::arg("config"), py::arg("output_path"),
          py::arg("threads") = 0, py::arg("mode") = "as_is", py::arg("quiet") = true);
    m.def(
        "export_csv",
        [](const std::string& h5, const std::string& dir, bool force) {
            py::gil_scoped_release release;
            return relsim::io::export_csv(h5, dir, force);
        },
        py::arg("h5_path"), py::arg("dir"), py::arg("force") = false);
    m.def("starting_config_text", &relsim::io::starting_config_text);
    m.def(
        "ions",
        [](const std::vector<std::string>& dirs) {
            py::list out;
            for (const auto& f :
                 relsim::io::list_ion_files(dirs.empty() ? relsim::io::ion_library_dirs() : dirs)) {
                py::dict d;
                d["ion"] = f.ion;
                d["path"] = f.path;
                d["description"] = f.description;
                d["references"] = f.references;
                py::list levels, lines, relax;
                for (const auto& l : f.scheme.levels)
                    levels.append(py::make_tuple(l.name, l.energy_cm1));
                for (const auto& l : f.scheme.lines) {
                    py::dict ld;
                    ld["from"] = l.from;
                    ld["to"] = l.to;
                    ld["rate_s"] = l.rate_s;
                    ld["wavelength_nm"] = l.wavelength_nm;
                    ld["fwhm_nm"] = l.fwhm_nm;
                    lines.append(ld);
                }
                for (const auto& r : f.scheme.relaxations)
                    relax.append(py::make_tuple(r.from, r.to, r.rate_s));
                d["levels"] = levels;
                d["ground"] = f.scheme.ground;
                d["lines"] = lines;
                d["relaxations"] = relax;
                out.append(d);
            }
            return out;
        },
        py::arg("dirs") = std::vector<std::string>{});
    m.def("rolloff",
          [](py::array_t<double, py::array::c_style | py::array::forcecast> J,
             py::array_t<double, py::array::c_style | py::array::forcecast> eqe,
             py::array_t<double, py::array::c_style | py::array::forcecast> L,
             py::array_t<std::int32_t, py::array::c_style | py::array::forcecast> status)
              -> py::object {
              auto vec = [](const auto& a) { return std::vector(a.data(), a.data() + a.size()); };
              if (J.size() != eqe.size() || J.size() != L.size() || J.size() != status.size()) {
                  throw std::invalid_argument("J, eqe, luminance and status must have equal sizes");
              }
              const auto r = relsim::sweep::rolloff(vec(J), vec(eqe), vec(L), vec(status));
              if (!r) return py::none();
              py::dict d;
              auto opt = [](const std::optional<double>& v) {
                  return v ? py::object(py::float_(*v)) : py::object(py::none());
              };
              d["peak_eqe"] = r->peak_eqe;
              d["peak_J_mA_cm2"] = r->peak_J_mA_cm2;
              d["peak_luminance_cd_m2"] = r->peak_luminance_cd_m2;
              d["J90_mA_cm2"] = opt(r->J90_mA_cm2);
              d["J50_mA_cm2"] = opt(r->J50_mA_cm2);
              d["eqe_at_100_cd_m2"] = opt(r->eqe_at_100_cd_m2);
              d["eqe_at_1000_cd_m2"] = opt(r->eqe_at_1000_cd_m2);
              d["min_luminance_cd_m2"] = r->min_luminance_cd_m2;
              d["max_luminance_cd_m2"] = r->max_luminance_cd_m2;
              d["last_eqe_over_peak"] = r->last_eqe_over_peak;
              d["points_used"] = r->points_used;
              return d;
          });
}
