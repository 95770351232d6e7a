#pragma once
// The "key=value" lines that models keep their recipe and metrics in (catalog::ModelRecord).

#include <map>
#include <string>

namespace lookalike::services {

using KeyValues = std::map<std::string, std::string>;

// One value per line, split at the first '='; lines without one are ignored.
KeyValues parseKeyValues(const std::string& text);
std::string formatKeyValues(const KeyValues& values);
// A number as recipes and metrics write it: four decimals.
std::string formatNumber(double value);

}  // namespace lookalike::services
