//! @file cmd_verify.hpp (private to the relsim program)
//! `relsim verify FILE`: is an output file complete and undamaged?
#pragma once

#include <string>

namespace relsim::app {

//! Opens FILE read-only and reads every dataset in full: each chunk's Fletcher32 checksum is
//! verified by HDF5, every number must be finite, the exciton fates of every converged point
//! must sum to 1 within 1e-9, and the file must be marked complete with every point done.
//! Prints one line per problem and a verdict. Returns 0 (good), 1 (damaged, incomplete or not
//! a relsim file) or 2 (no such regular file).
int verify_command(const std::string& path);

}  // namespace relsim::app
