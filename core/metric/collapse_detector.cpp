#include "core/metric/collapse_detector.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace lookalike::metric {

namespace {

std::string formatFloat(double value)
{
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.3f", value);
    return buffer;
}

}  // namespace

void CollapseDetector::Streak::add(const TripletStats& stats)
{
    ++steps;
    positiveDistanceSum += stats.meanPositiveDistance;
    negativeDistanceSum += stats.meanNegativeDistance;
    lossSum += stats.loss;
}

CollapseDetector::CollapseDetector(const TripletLossConfig& lossConfig, const CollapseDetectorConfig& config)
    : m_config(config), m_collapsedLoss(tripletLossValue(lossConfig, 0.0F))
{
    if (config.windowSteps == 0) {
        throw std::invalid_argument("collapse detector: the window must hold at least one step");
    }
    if (!(config.distanceThreshold >= 0.0F) || !(config.separationThreshold >= 0.0F) ||
        !(config.lossTolerance >= 0.0F)) {
        throw std::invalid_argument("collapse detector: thresholds must be >= 0");
    }
}

void CollapseDetector::reset()
{
    m_coincide = {};
    m_noSeparation = {};
}

CollapseReport CollapseDetector::update(const TripletStats& stats)
{
    if (stats.tripletCount == 0) {
        return {};
    }
    const bool coincide = stats.meanPositiveDistance < m_config.distanceThreshold &&
                          stats.meanNegativeDistance < m_config.distanceThreshold;
    const bool noSeparation =
        std::abs(stats.meanNegativeDistance - stats.meanPositiveDistance) < m_config.separationThreshold &&
        std::abs(stats.loss - m_collapsedLoss) < m_config.lossTolerance;
    // A non-finite statistic compares false everywhere above and so breaks both streaks.
    if (coincide) {
        m_coincide.add(stats);
    } else {
        m_coincide = {};
    }
    if (noSeparation) {
        m_noSeparation.add(stats);
    } else {
        m_noSeparation = {};
    }

    const std::string advice =
        " Lower the learning rate, use semi-hard mining or a soft margin, or go back to the last good checkpoint.";
    if (m_coincide.steps >= m_config.windowSteps) {
        const double steps = static_cast<double>(m_coincide.steps);
        return {CollapseKind::EmbeddingsCoincide,
                "Training has collapsed: for the last " + std::to_string(m_coincide.steps) +
                    " steps all photos were mapped to nearly the same point (mean distance " +
                    formatFloat(m_coincide.positiveDistanceSum / steps) + " within groups, " +
                    formatFloat(m_coincide.negativeDistanceSum / steps) + " between groups; loss " +
                    formatFloat(m_coincide.lossSum / steps) + ")." + advice};
    }
    if (m_noSeparation.steps >= m_config.windowSteps) {
        const double steps = static_cast<double>(m_noSeparation.steps);
        return {CollapseKind::NoSeparation,
                "Training is not separating groups: for the last " + std::to_string(m_noSeparation.steps) +
                    " steps photos of different groups were as close as photos of the same group (mean distance " +
                    formatFloat(m_noSeparation.negativeDistanceSum / steps) + " vs " +
                    formatFloat(m_noSeparation.positiveDistanceSum / steps) + ") and the loss stayed at " +
                    formatFloat(m_noSeparation.lossSum / steps) + ", the value of a collapsed network." + advice};
    }
    return {};
}

}  // namespace lookalike::metric
