// Placeholder until the command lands.
#include <stdexcept>

#include "Commands.hpp"

namespace her2::cli {
void addScoreCommands(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("score", "(not built yet)");
    cmd->allow_extras();
    cmd->callback([&exitCode] {
        exitCode = 1;
        throw std::runtime_error("score: not built yet");
    });
}
}  // namespace her2::cli
