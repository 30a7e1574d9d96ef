#pragma once
/// @file Error hierarchy. Libraries throw; only executables print.
#include <cstddef>
#include <stdexcept>
#include <string>

namespace her2::core {

/// Base of every error HER2Scope throws on purpose.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A file that cannot be used: unreadable, corrupt, of the wrong kind.
/// what() is one line: "<file>: <problem>".
class InputError : public Error {
public:
    InputError(const std::string& file, const std::string& problem)
        : Error(file + ": " + problem), m_file(file), m_problem(problem) {}
    const std::string& file() const noexcept { return m_file; }
    const std::string& problem() const noexcept { return m_problem; }

private:
    std::string m_file;
    std::string m_problem;
};

/// A malformed text file (CSV, GeoJSON, protocol JSON) with the place of the fault.
/// line and column are 1-based; 0 means unknown.
class ParseError : public InputError {
public:
    ParseError(const std::string& file, std::size_t line, std::size_t column, const std::string& problem)
        : InputError(file, location(line, column) + problem), m_line(line), m_column(column) {}
    std::size_t line() const noexcept { return m_line; }
    std::size_t column() const noexcept { return m_column; }

private:
    static std::string location(std::size_t line, std::size_t column) {
        if (line == 0) return {};
        return "line " + std::to_string(line) + (column ? ", column " + std::to_string(column) : "") + ": ";
    }
    std::size_t m_line;
    std::size_t m_column;
};

/// A parameter value outside its declared range, or an unknown key.
class ParameterError : public Error {
public:
    using Error::Error;
};

/// The user cancelled a running analysis.
class CancelledError : public Error {
public:
    CancelledError() : Error("analysis cancelled") {}
};

}  // namespace her2::core
