#pragma once
/// @file The subcommands of the headless CLI. Each add* function registers one subcommand on
/// `app`; its callback runs the command and stores the process exit code in `exitCode`
/// (0 success, 1 failure of the work, 2 usage error). Errors that end a command are thrown
/// (core::Error and std::exception): main() prints them as one line and exits 1.
#include <string>

#include <CLI/CLI.hpp>

#include "her2/core/Params.hpp"

namespace her2::cli {

void addInfoCommand(CLI::App& app, int& exitCode);      ///< her2scope info
void addScoreCommands(CLI::App& app, int& exitCode);    ///< her2scope score, batch
void addQaCommand(CLI::App& app, int& exitCode);        ///< her2scope qa
void addPhantomCommand(CLI::App& app, int& exitCode);   ///< her2scope phantom ihc|fish
void addDemoCommand(CLI::App& app, int& exitCode);      ///< her2scope demo
void addAccuracyCommand(CLI::App& app, int& exitCode);  ///< her2scope accuracy ihc|fish|all
void addBenchCommand(CLI::App& app, int& exitCode);     ///< her2scope bench

/// The protocol file given with --params, or the built-in defaults when none was given.
inline core::AnalysisParams protocolOrDefaults(const std::string& path) {
    return path.empty() ? core::AnalysisParams{} : core::AnalysisParams::load(path);
}

/// Accuracy on the project's phantom sets: generates (cached) the cases under outDir, analyses
/// them with `threads` threads, prints a table on stdout, writes <outDir>/<assay>-accuracy.json
/// and returns 0 when every target of the assay is met, 1 otherwise.
/// `base`: the protocol to evaluate (rule set and specimen are set per case).
int runIhcAccuracy(const std::string& outDir, int threads, const core::AnalysisParams& base);
int runFishAccuracy(const std::string& outDir, int threads, const core::AnalysisParams& base);

}  // namespace her2::cli
