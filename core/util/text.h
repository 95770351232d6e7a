#pragma once
// Small text helpers for what people type (names, CSV fields).

#include <string>
#include <string_view>

namespace lookalike {

// `text` without the white space (ASCII) at either end.
std::string trimmed(std::string_view text);
// `text` with ASCII letters in lower case; other bytes unchanged.
std::string lowercase(std::string text);

}  // namespace lookalike
