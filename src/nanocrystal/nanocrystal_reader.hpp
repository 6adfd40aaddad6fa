//! @file nanocrystal_reader.hpp  (private to relsim_nanocrystal; includes toml++)
//! The [nanocrystal] reader, one class whose members live in two files:
//!   nanocrystal_config.cpp         the table itself (engine, lattice, geometry, composition,
//!                                  shells, ligand shell, excitation), the run-kind checks and
//!                                  the resolved-parameter list; read_config()
//!   nanocrystal_interactions.cpp   "<Ion>:<level>" references and the interaction tables
//!                                  ([[nanocrystal.transfer]], [[nanocrystal.annihilation]] and
//!                                  their pair laws, [[nanocrystal.surface_quench]])
#pragma once

#include <map>
#include <string>
#include <vector>

#include <toml++/toml.h>

#include "relsim/io/config.hpp"
#include "relsim/io/detail/toml_reader.hpp"
#include "relsim/nanocrystal/config.hpp"

namespace relsim::nanocrystal::detail {

class Reader {
public:
    explicit Reader(const io::RunConfig& cfg);

    NanocrystalConfig read();

private:
    // --- helpers (nanocrystal_config.cpp) -----------------------------------------------------

    double number(const toml::node& n, const std::string& key);

    void record(const std::string& key, const toml::node& n) { where_[key] = n.source(); }

    [[noreturn]] void fail_at(const std::string& key, const std::string& problem,
                              const std::string& allowed);

    std::string species_list() const;

    //! An inline table { Ion = value, ... } over the dopant species (composition, kTET0_s).
    std::vector<double> per_species(const toml::node& n, const std::string& key);

    // --- [nanocrystal] (nanocrystal_config.cpp) ----------------------------------------------

    void read_choices(const toml::table& t);

    void read_scalars(const toml::table& t);

    void read_shells(const toml::table& t);

    void read_ligand(const toml::table& t);

    void read_excitation(const toml::table& t);

    //! EL needs ligands to generate on; a periodic box runs only a direct excitation.
    void check_run_kind(const toml::table& t);

    // --- resolved parameters (nanocrystal_config.cpp) ----------------------------------------

    void fill_resolved();

    // --- "<Ion>:<level>" and the interaction tables (nanocrystal_interactions.cpp) -----------

    //! "<Ion>:<level>" (an excited level) or, when `ground_ok`, "<Ion>:ground" / "ground"
    //! (the ground multiplet of `default_species`).
    LevelRef level_ref(const toml::node& n, const std::string& key, bool ground_ok,
                       int default_species = -1);

    double level_energy(const LevelRef& r) const;

    PairLaw read_law(const toml::table& t, const std::string& pre);

    void read_pairs(const toml::table& nc, const std::string& kind);

    void read_surface_quench(const toml::table& nc);

    const io::RunConfig& cfg_;
    io::detail::Src src_;
    NanocrystalConfig out_;
    std::map<std::string, toml::source_region> where_;
    toml::source_region nc_source_;
    std::string host_source_;
};

}  // namespace relsim::nanocrystal::detail
