// her2scope: headless HER2 scoring. Links no Qt.
#include <exception>
#include <iostream>

#include "Commands.hpp"
#include "her2/imaging/Version.hpp"

int main(int argc, char** argv) {
    CLI::App app{"HER2Scope: measured, repeatable HER2 scoring (IHC and FISH)", "her2scope"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string(her2::imaging::version()));
    int exitCode = 0;
    her2::cli::addInfoCommand(app, exitCode);
    her2::cli::addScoreCommands(app, exitCode);
    her2::cli::addQaCommand(app, exitCode);
    her2::cli::addPhantomCommand(app, exitCode);
    her2::cli::addDemoCommand(app, exitCode);
    her2::cli::addAccuracyCommand(app, exitCode);
    her2::cli::addBenchCommand(app, exitCode);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 2;
    } catch (const std::exception& e) {
        std::cerr << "her2scope: " << e.what() << '\n';
        return 1;
    }
    return exitCode;
}
