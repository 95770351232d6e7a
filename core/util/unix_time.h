#pragma once
// The clock the catalog stores times in.

#include <chrono>
#include <cstdint>

namespace lookalike {

// Seconds since the Unix epoch, now.
inline std::int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace lookalike
