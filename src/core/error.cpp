//! @file error.cpp
#include "relsim/core/error.hpp"

#include <sstream>
#include <utility>

namespace relsim {
namespace {
std::string format_input_error(const std::string& file, int line, int column,
                               const std::string& key, const std::string& problem,
                               const std::string& allowed) {
    std::ostringstream msg;
    if (!file.empty()) {
        msg << file;
        if (line > 0) {
            msg << ':' << line;
            if (column > 0) msg << ':' << column;
        }
        msg << ": ";
    }
    if (!key.empty()) msg << "key '" << key << "': ";
    msg << problem;
    if (!allowed.empty()) msg << " (allowed: " << allowed << ')';
    return msg.str();
}
}  // namespace

InputError::InputError(std::string file, int line, int column, std::string key, std::string problem,
                       std::string allowed)
    : std::runtime_error(format_input_error(file, line, column, key, problem, allowed)),
      file_(std::move(file)),
      line_(line),
      column_(column),
      key_(std::move(key)),
      problem_(std::move(problem)),
      allowed_(std::move(allowed)) {}

}  // namespace relsim
