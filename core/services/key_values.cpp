#include "core/services/key_values.h"

#include <cstdio>
#include <sstream>

namespace lookalike::services {

KeyValues parseKeyValues(const std::string& text) {
    KeyValues values;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        auto equals = line.find('=');
        if (equals != std::string::npos)
            values[line.substr(0, equals)] = line.substr(equals + 1);
    }
    return values;
}

std::string formatKeyValues(const KeyValues& values) {
    std::string text;
    for (const auto& [key, value] : values)
        text += key + "=" + value + "\n";
    return text;
}

std::string formatNumber(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4f", value);
    return buffer;
}

}  // namespace lookalike::services
