#pragma once
// Runs the her2scope executable and captures its exit code, stdout and stderr.
#include <sys/wait.h>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace her2::testing {

struct CliResult {
    int code = -1;
    std::string out;
    std::string err;
};

/// `args` is appended to the CLI path as a shell command line (quote paths yourself).
inline CliResult runCli(const std::string& args) {
    const auto errFile =
        std::filesystem::temp_directory_path() / ("her2-cli-stderr-" + std::to_string(::getpid()) + ".txt");
    const std::string cmd =
        std::string("'") + HER2_CLI + "' " + args + " 2>'" + errFile.string() + "' </dev/null";
    CliResult r;
    FILE* pipe = ::popen(cmd.c_str(), "r");
    if (!pipe) return r;
    std::array<char, 4096> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) r.out.append(buf.data(), n);
    const int status = ::pclose(pipe);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    std::ifstream in(errFile);
    std::stringstream ss;
    ss << in.rdbuf();
    r.err = ss.str();
    std::filesystem::remove(errFile);
    return r;
}

/// A single-quoted shell word (embedded single quotes escaped).
inline std::string quoted(const std::filesystem::path& p) {
    std::string q = "'";
    for (const char c : p.string()) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

/// Runs the CLI with each of `args` passed as one word.
inline CliResult runCliWords(const std::vector<std::string>& args) {
    std::string line;
    for (const auto& a : args) {
        if (!line.empty()) line += ' ';
        line += her2::testing::quoted(std::filesystem::path(a));
    }
    return runCli(line);
}

/// A fresh empty folder named after the running test.
inline std::filesystem::path testTempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->test_suite_name()) + "-" + info->name();
    for (auto& c : name)
        if (c == '/') c = '_';
    const auto dir = std::filesystem::temp_directory_path() / ("her2-cli-" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

inline std::filesystem::path testSlide(const std::string& name) {
    return std::filesystem::path(HER2_TESTDATA_DIR) / "slides" / name;
}

}  // namespace her2::testing
