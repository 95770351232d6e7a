#pragma once
// Watches the per-step triplet statistics for the classic failure of triplet training: every
// image mapped to (nearly) the same point, or same-group and other-group photos at the same
// distance, with the loss stuck at the value a collapsed network gets (the margin for the
// hinge, ln 2 for the soft margin). A transient dip is normal, so a collapse is only reported
// once the condition has held for a whole window of consecutive steps.

#include "core/metric/triplet_loss.h"

#include <cstddef>
#include <string>

namespace lookalike::metric {

struct CollapseDetectorConfig {
    std::size_t windowSteps = 50;      // consecutive steps the condition must hold; >= 1
    float distanceThreshold = 0.05F;   // both mean distances below this: the points coincide
    float separationThreshold = 0.01F; // |d_an - d_ap| below this, with the loss stuck: no separation
    float lossTolerance = 0.01F;       // |loss - collapsed loss| below this counts as stuck
};

enum class CollapseKind {
    None,
    EmbeddingsCoincide,  // d_ap ~ d_an ~ 0
    NoSeparation,        // d_ap ~ d_an (not necessarily 0) and loss stuck at its collapsed value
};

struct CollapseReport {
    CollapseKind kind = CollapseKind::None;
    std::string message;  // for the person training; empty when kind == None
    explicit operator bool() const { return kind != CollapseKind::None; }
};

// Not thread-safe; feed it from the training loop.
class CollapseDetector {
public:
    // Throws std::invalid_argument when windowSteps is 0 or a threshold is negative.
    explicit CollapseDetector(const TripletLossConfig& lossConfig, const CollapseDetectorConfig& config = {});

    // Call once per training step. Steps without any triplet (tripletCount == 0) carry no
    // information and are ignored. Returns a report for every step at which a collapse has
    // lasted at least windowSteps steps.
    CollapseReport update(const TripletStats& stats);

    void reset();
    float collapsedLoss() const { return m_collapsedLoss; }

private:
    struct Streak {
        std::size_t steps = 0;
        double positiveDistanceSum = 0.0;
        double negativeDistanceSum = 0.0;
        double lossSum = 0.0;
        void add(const TripletStats& stats);
    };

    CollapseDetectorConfig m_config;
    float m_collapsedLoss = 0.0F;
    Streak m_coincide;
    Streak m_noSeparation;
};

}  // namespace lookalike::metric
