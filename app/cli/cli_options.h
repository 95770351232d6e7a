#pragma once
// Command-line parsing for lookalike-cli: global options, then a command and its arguments.

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::cli {

// Wrong usage: printed with a hint to run --help; exit code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Arguments {
    // --library DIR or --library postgresql://... (the raw text; see library_location.h)
    std::optional<std::string> library;
    bool help = false;
    bool version = false;
    std::string command;
    std::vector<std::string> positional;        // after the command
    std::vector<std::pair<std::string, std::string>> options;  // --name value after the command
    std::vector<std::string> flags;             // --name without a value, as the command declares

    std::optional<std::string> option(const std::string& name) const;
    bool flag(const std::string& name) const;
    int intOption(const std::string& name, int fallback, int min, int max) const;
    double doubleOption(const std::string& name, double fallback, double min, double max) const;
};

// Whether `--name` is a flag (takes no value) for `command`.
using IsFlag = std::function<bool(std::string_view command, std::string_view name)>;

// Options after the command take a value ("--epochs 3") unless isFlag says the command declares
// them as flags ("--from-scratch"); a flag given a value ("--from-scratch=yes") is a UsageError.
Arguments parseArguments(const std::vector<std::string>& args, const IsFlag& isFlag = {});

}  // namespace lookalike::cli
