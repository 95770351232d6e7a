#include "core/nn/learningrateschedule.h"

#include <cmath>
#include <numbers>
#include <stdexcept>

namespace lookalike::nn {

LearningRateSchedule::LearningRateSchedule(float peakRate, std::int64_t warmupSteps,
                                           std::int64_t totalSteps, float finalRate)
    : m_peakRate(peakRate), m_finalRate(finalRate), m_warmupSteps(warmupSteps), m_totalSteps(totalSteps)
{
    if (totalSteps <= 0 || warmupSteps < 0 || warmupSteps > totalSteps)
        throw std::invalid_argument("LearningRateSchedule: need 0 <= warmup <= total, total > 0");
    if (!std::isfinite(peakRate) || !std::isfinite(finalRate) || peakRate < 0.f || finalRate < 0.f)
        throw std::invalid_argument("LearningRateSchedule: rates must be finite and >= 0");
}

float LearningRateSchedule::at(std::int64_t step) const
{
    if (step < 0)
        step = 0;
    if (step < m_warmupSteps)
        return m_peakRate * static_cast<float>(step + 1) / static_cast<float>(m_warmupSteps);
    if (step >= m_totalSteps)
        return m_finalRate;
    const double progress = static_cast<double>(step - m_warmupSteps)
                            / static_cast<double>(m_totalSteps - m_warmupSteps);
    const double cosine = 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
    return static_cast<float>(m_finalRate + (m_peakRate - m_finalRate) * cosine);
}

}  // namespace lookalike::nn
