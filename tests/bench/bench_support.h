#pragma once
// What every benchmark program shares: reading positive numbers from the command line and the
// load average printed next to each timing. Header-only.

#include <charconv>
#include <cstddef>
#include <fstream>
#include <string>

namespace lookalike::bench {

// "1.20 0.90 0.70": the load average over 1, 5 and 15 minutes, "unknown" when unreadable.
inline std::string loadAverage() {
    std::ifstream file("/proc/loadavg");
    std::string one, five, fifteen;
    file >> one >> five >> fifteen;
    return file ? one + " " + five + " " + fifteen : "unknown";
}

// A whole number >= 1 from the option `name`; anything else calls `usage` with the reason.
inline std::size_t positiveNumber(const std::string& text, const std::string& name,
                                  void (*usage)(const std::string& problem)) {
    std::size_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1)
        usage(name + " expects a positive whole number, not '" + text + "'");
    return value;
}

}  // namespace lookalike::bench
