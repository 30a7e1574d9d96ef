// Placeholder until the command lands.
#include <stdexcept>

#include "Commands.hpp"

namespace her2::cli {
void addPhantomCommand(CLI::App& app, int& exitCode) {
    auto* cmd = app.add_subcommand("phantom", "(not built yet)");
    cmd->allow_extras();
    cmd->callback([&exitCode] {
        exitCode = 1;
        throw std::runtime_error("phantom: not built yet");
    });
}
}  // namespace her2::cli
