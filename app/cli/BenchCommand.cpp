// Placeholder until the command lands.
#include <stdexcept>

#include "Commands.hpp"

namespace her2::cli {
void addBenchCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("bench", "(not built yet)");
    cmd->allow_extras();
    cmd->callback([&exitCode] {
        exitCode = 1;
        throw std::runtime_error("bench: not built yet");
    });
}
}  // namespace her2::cli
