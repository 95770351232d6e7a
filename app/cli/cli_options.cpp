#include "app/cli/cli_options.h"

#include <charconv>
#include <cstdio>

namespace lookalike::cli {

std::optional<std::string> Arguments::option(const std::string& name) const {
    for (const auto& [key, value] : options)
        if (key == name)
            return value;
    return std::nullopt;
}

bool Arguments::flag(const std::string& name) const {
    for (const std::string& given : flags)
        if (given == name)
            return true;
    return false;
}

int Arguments::intOption(const std::string& name, int fallback, int min, int max) const {
    std::optional<std::string> text = option(name);
    if (!text)
        return fallback;
    int value = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || value < min || value > max)
        throw UsageError("--" + name + " expects a whole number from " + std::to_string(min) +
                         " to " + std::to_string(max) + ", not '" + *text + "'");
    return value;
}

double Arguments::doubleOption(const std::string& name, double fallback, double min,
                               double max) const {
    std::optional<std::string> text = option(name);
    if (!text)
        return fallback;
    double value = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (error != std::errc() || end != text->data() + text->size() || !(value >= min && value <= max)) {
        char range[64];
        std::snprintf(range, sizeof range, "%g to %g", min, max);
        throw UsageError("--" + name + " expects a number from " + range + ", not '" + *text + "'");
    }
    return value;
}

Arguments parseArguments(const std::vector<std::string>& args, const IsFlag& isFlag) {
    Arguments parsed;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (parsed.command.empty()) {
            if (arg == "--help" || arg == "-h") {
                parsed.help = true;
            } else if (arg == "--version") {
                parsed.version = true;
            } else if (arg == "--library" || arg.starts_with("--library=")) {
                std::string value;
                if (arg == "--library") {
                    if (i + 1 >= args.size())
                        throw UsageError("--library needs a folder or a postgresql:// URI");
                    value = args[++i];
                } else {
                    value = arg.substr(std::string("--library=").size());
                }
                if (value.empty())
                    throw UsageError("--library needs a folder or a postgresql:// URI");
                parsed.library = value;
            } else if (arg.starts_with("-")) {
                throw UsageError("unknown option '" + arg + "'");
            } else {
                parsed.command = arg;
            }
            continue;
        }
        if (arg == "--help" || arg == "-h") {
            parsed.help = true;
        } else if (arg == "--") {
            parsed.positional.insert(parsed.positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
            break;
        } else if (arg.starts_with("--")) {
            std::string name = arg.substr(2);
            std::string value;
            auto equals = name.find('=');
            const bool declaredFlag =
                isFlag && isFlag(parsed.command, std::string_view(name).substr(0, equals));
            if (declaredFlag) {
                if (equals != std::string::npos)
                    throw UsageError("--" + name.substr(0, equals) + " takes no value");
                parsed.flags.push_back(name);
                continue;
            }
            if (equals != std::string::npos) {
                value = name.substr(equals + 1);
                name = name.substr(0, equals);
            } else {
                if (i + 1 >= args.size())
                    throw UsageError("--" + name + " needs a value");
                value = args[++i];
            }
            parsed.options.emplace_back(name, value);
        } else {
            parsed.positional.push_back(arg);
        }
    }
    return parsed;
}

}  // namespace lookalike::cli
