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
    std::vector<std::string> options;  // accepted --name value options
    int (*run)(const Arguments& args, std::ostream& out, std::ostream& err);
};

const std::vector<Command>& commands();
void printHelp(std::ostream& out);

// Runs a whole command line (without argv[0]) and returns the process exit code. Core
// errors become a message on `err` and a non-zero code; nothing escapes.
int runCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// Ctrl+C cancels the running job cleanly instead of killing the process.
void installInterruptHandler();

}  // namespace lookalike::cli
