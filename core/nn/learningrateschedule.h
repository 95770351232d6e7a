#pragma once
// LearningRateSchedule: linear warmup, then cosine decay.
//   step <  warmup:           peak * (step + 1) / warmup
//   warmup <= step < total:   final + (peak - final) * (1 + cos(pi * (step - warmup) / (total - warmup))) / 2
//   step >= total:            final
// Steps count from 0. Plain value type; thread-safe to read.

#include <cstdint>

namespace lookalike::nn {

class LearningRateSchedule {
public:
    // Throws std::invalid_argument unless 0 <= warmupSteps <= totalSteps, totalSteps > 0,
    // and the rates are finite and non-negative.
    LearningRateSchedule(float peakRate, std::int64_t warmupSteps, std::int64_t totalSteps,
                         float finalRate = 0.f);

    float at(std::int64_t step) const;

private:
    float m_peakRate;
    float m_finalRate;
    std::int64_t m_warmupSteps;
    std::int64_t m_totalSteps;
};

}  // namespace lookalike::nn
