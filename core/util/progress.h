#pragma once
// Progress reporting and cooperative cancellation for long jobs. Core code takes these
// instead of any UI type; the GUI and the CLI adapt them.

#include <atomic>
#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace lookalike {

// Set from any thread; long jobs poll it between units of work. Thread-safe.
class CancelToken {
public:
    void cancel() noexcept { m_cancelled.store(true, std::memory_order_relaxed); }
    bool isCancelled() const noexcept { return m_cancelled.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> m_cancelled{false};
};

struct Progress {
    std::int64_t done = 0;
    std::int64_t total = 0;  // 0 when unknown
    std::string current;     // what is being worked on, e.g. a file path
};

// Called from the job's thread. Must be cheap and must not throw.
using ProgressCallback = std::function<void(const Progress&)>;

// Thrown by jobs that stop because their CancelToken was set.
class Cancelled : public std::runtime_error {
public:
    Cancelled() : std::runtime_error("cancelled") {}
};

}  // namespace lookalike
