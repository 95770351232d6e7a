#pragma once
// Command-line parsing for lookalike-cli: global options, then a command and its arguments.

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace lookalike::cli {

// Wrong usage: printed with a hint to run --help; exit code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Arguments {
    std::optional<std::filesystem::path> library;  // --library DIR
    bool help = false;
    bool version = false;
    std::string command;
    std::vector<std::string> positional;        // after the command
    std::vector<std::pair<std::string, std::string>> options;  // --name value after the command

    std::optional<std::string> option(const std::string& name) const;
    int intOption(const std::string& name, int fallback, int min, int max) const;
    double doubleOption(const std::string& name, double fallback, double min, double max) const;
};

// Options after the command take a value ("--epochs 3"); the command names which it accepts.
Arguments parseArguments(const std::vector<std::string>& args);

}  // namespace lookalike::cli
