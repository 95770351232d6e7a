#pragma once
// How the services' jobs name their phases in progress reports and stop when cancelled.

#include "core/util/progress.h"

#include <cstdint>
#include <string>

namespace lookalike::services {

// Reports `phase` with done of total (0: unknown) when there is a callback.
inline void reportPhase(const ProgressCallback& progress, const std::string& phase, std::int64_t done,
                        std::int64_t total) {
    if (!progress)
        return;
    Progress status;
    status.done = done;
    status.total = total;
    status.current = phase;
    progress(status);
}

// A callback for a step of the job that reports its own counts under the job's phase name.
inline ProgressCallback phaseProgress(const ProgressCallback& progress, const std::string& phase) {
    if (!progress)
        return {};
    return [progress, phase](const Progress& status) {
        Progress named = status;
        named.current = phase;
        progress(named);
    };
}

// Throws Cancelled when the token is set.
inline void checkCancel(const CancelToken* cancel) {
    if (cancel && cancel->isCancelled())
        throw Cancelled();
}

}  // namespace lookalike::services
