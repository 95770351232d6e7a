#pragma once
// The commands of lookalike-cli. Each reads its arguments, calls core and prints results.

#include "app/cli/cli_options.h"

#include <iosfwd>
#include <string>
#include <vector>

namespace lookalike::cli {

enum ExitCode : int { Success = 0, Failure = 1, Usage = 2, Interrupted = 130 };

struct Command {
    std::string name;
    std::string synopsis;  // arguments, for --help
    std::string summary;   // one line
    // Accepted --name value options: "name", or "name VALUE" to show VALUE instead of N in --help.
    std::vector<std::string> options;
    int (*run)(const Arguments& args, std::ostream& out, std::ostream& err);
    std::vector<std::string> flags = {};  // accepted --name options without a value
};

const std::vector<Command>& commands();
void printHelp(std::ostream& out);

// Runs a whole command line (without argv[0]) and returns the process exit code. Core
// errors become a message on `err` and a non-zero code; nothing escapes.
int runCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace lookalike::cli
