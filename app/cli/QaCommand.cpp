// Placeholder until the command lands.
#include <stdexcept>

#include "Commands.hpp"

namespace her2::cli {
void addQaCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("qa", "(not built yet)");
    cmd->allow_extras();
    cmd->callback([&exitCode] {
        exitCode = 1;
        throw std::runtime_error("qa: not built yet");
    });
}
}  // namespace her2::cli
