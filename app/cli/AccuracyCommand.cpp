// her2scope accuracy ihc|fish|all [-o DIR] [--threads N]: accuracy on the phantom sets.
#include "Commands.hpp"

namespace her2::cli {

void addAccuracyCommand(CLI::App& app, int& exitCode) {
    struct Options {
        std::string which = "all";
        std::string out = "out/accuracy";
        int threads = 2;
    };
    auto opts = std::make_shared<Options>();
    auto* cmd =
        app.add_subcommand("accuracy", "Score the phantom sets against their truth and print the agreement");
    cmd->add_option("WHICH", opts->which, "ihc, fish or all")->check(CLI::IsMember({"ihc", "fish", "all"}));
    cmd->add_option("-o,--out", opts->out, "Folder for the phantoms and the reports");
    cmd->add_option("--threads", opts->threads, "Analysis threads")->check(CLI::Range(1, 256));
    cmd->callback([opts, &exitCode] {
        int rc = 0;
        if (opts->which != "fish") rc |= runIhcAccuracy(opts->out + "/ihc", opts->threads);
        if (opts->which != "ihc") rc |= runFishAccuracy(opts->out + "/fish", opts->threads);
        exitCode = rc;
    });
}

}  // namespace her2::cli
