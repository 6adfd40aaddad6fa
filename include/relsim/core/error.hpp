//! @file error.hpp
//! Error types of relsim. InputError means bad input (exit code 2), RunError a failed run (1).
#pragma once

#include <stdexcept>
#include <string>

namespace relsim {

//! Bad input: a config or ion file that is unreadable, malformed or outside physical ranges.
//! The message names the file, the line (and column), the key and the allowed range.
class InputError : public std::runtime_error {
public:
    //! @param file    path of the offending file ("" when not from a file)
    //! @param line    1-based line, 0 when unknown
    //! @param column  1-based column, 0 when unknown
    //! @param key     dotted key path, e.g. "dopant.0.kTET_s" ("" when not about one key)
    //! @param problem what is wrong, e.g. "value -3 is negative"
    //! @param allowed the allowed range or values, e.g. "[0, inf) s^-1" ("" when not applicable)
    InputError(std::string file, int line, int column, std::string key, std::string problem,
               std::string allowed = {});

    [[nodiscard]] const std::string& file() const noexcept { return file_; }
    [[nodiscard]] int line() const noexcept { return line_; }
    [[nodiscard]] int column() const noexcept { return column_; }
    [[nodiscard]] const std::string& key() const noexcept { return key_; }
    [[nodiscard]] const std::string& problem() const noexcept { return problem_; }
    [[nodiscard]] const std::string& allowed() const noexcept { return allowed_; }

private:
    std::string file_;
    int line_ = 0;
    int column_ = 0;
    std::string key_;
    std::string problem_;
    std::string allowed_;
};

//! A run that could not be completed (I/O failure, solver failure outside a sweep).
class RunError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

}  // namespace relsim
