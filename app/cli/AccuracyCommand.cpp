// her2scope accuracy ihc|fish|all [-o DIR] [--threads N] [--params P]: accuracy on the phantom sets.
#include "Commands.hpp"

namespace her2::cli {

void addAccuracyCommand(CLI::App& app, int& exitCode) {
    struct Options {
        std::string which = "all";
        std::string out = "out/accuracy";
        int threads = 2;
        std::string params;
    };
    auto opts = std::make_shared<Options>();
    auto* cmd =
        app.add_subcommand("accuracy", "Score the phantom sets against their truth and print the agreement");
    cmd->add_option("WHICH", opts->which, "ihc, fish or all")->check(CLI::IsMember({"ihc", "fish", "all"}));
    cmd->add_option("-o,--out", opts->out, "Folder for the phantoms and the reports");
    cmd->add_option("--threads", opts->threads, "Analysis threads")->check(CLI::Range(1, 256));
    cmd->add_option("--params", opts->params, "Protocol JSON to evaluate (default: the built-in protocol)");
    cmd->callback([opts, &exitCode] {
        const core::AnalysisParams base = protocolOrDefaults(opts->params);
        int rc = 0;
        if (opts->which != "fish") rc |= runIhcAccuracy(opts->out + "/ihc", opts->threads, base);
        if (opts->which != "ihc") rc |= runFishAccuracy(opts->out + "/fish", opts->threads, base);
        exitCode = rc;
    });
}

}  // namespace her2::cli
