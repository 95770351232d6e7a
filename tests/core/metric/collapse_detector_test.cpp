#include "core/metric/collapse_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace lookalike::metric {
namespace {

TripletStats stats(float loss, float positive, float negative, std::size_t triplets = 64)
{
    TripletStats s;
    s.loss = loss;
    s.tripletCount = triplets;
    s.activeFraction = 1.0F;
    s.meanPositiveDistance = positive;
    s.meanNegativeDistance = negative;
    return s;
}

const TripletLossConfig kHinge{TripletMining::BatchHard, 0.2F, false};
const CollapseDetectorConfig kWindowOf10{10, 0.05F, 0.01F, 0.01F};

TEST(CollapseDetectorTest, CollapsedLossIsTheMarginOrLn2)
{
    EXPECT_FLOAT_EQ(CollapseDetector(kHinge).collapsedLoss(), 0.2F);
    EXPECT_NEAR(CollapseDetector(TripletLossConfig{TripletMining::BatchHard, 0.2F, true}).collapsedLoss(),
                std::log(2.0F), 1e-6F);
}

TEST(CollapseDetectorTest, HealthyTrainingIsNotReported)
{
    CollapseDetector detector(kHinge, kWindowOf10);
    // Loss decreasing, negatives pulled apart from positives.
    for (int step = 0; step < 200; ++step) {
        const float progress = static_cast<float>(step) / 200.0F;
        EXPECT_FALSE(detector.update(stats(0.3F * (1.0F - progress), 0.9F - 0.4F * progress, 1.1F + 0.2F * progress)))
            << "step " << step;
    }
}

TEST(CollapseDetectorTest, CoincidingEmbeddingsReportedAfterTheWindow)
{
    CollapseDetector detector(kHinge, kWindowOf10);
    for (int step = 0; step < 9; ++step) {
        EXPECT_FALSE(detector.update(stats(0.2F, 0.002F, 0.003F))) << "reported before the window filled, step " << step;
    }
    const CollapseReport report = detector.update(stats(0.2F, 0.002F, 0.003F));
    ASSERT_TRUE(report);
    EXPECT_EQ(report.kind, CollapseKind::EmbeddingsCoincide);
    EXPECT_NE(report.message.find("collapsed"), std::string::npos) << report.message;
    EXPECT_NE(report.message.find("10 steps"), std::string::npos) << report.message;
    // It keeps being reported while it lasts, and stops once training recovers.
    EXPECT_TRUE(detector.update(stats(0.2F, 0.002F, 0.003F)));
    EXPECT_FALSE(detector.update(stats(0.15F, 0.5F, 0.8F)));
}

TEST(CollapseDetectorTest, ShortDipIsNotACollapse)
{
    CollapseDetector detector(kHinge, kWindowOf10);
    for (int cycle = 0; cycle < 10; ++cycle) {
        for (int step = 0; step < 9; ++step) {
            EXPECT_FALSE(detector.update(stats(0.2F, 0.01F, 0.01F)));
        }
        EXPECT_FALSE(detector.update(stats(0.1F, 0.6F, 0.9F)));  // one healthy step breaks the streak
    }
}

TEST(CollapseDetectorTest, LossStuckAtMarginWithoutSeparationIsReported)
{
    CollapseDetector detector(kHinge, kWindowOf10);
    CollapseReport report;
    for (int step = 0; step < 10; ++step) {
        // Distances far from 0 but equal: the network maps groups onto each other.
        report = detector.update(stats(0.2F + 0.001F * static_cast<float>(step % 3), 0.80F, 0.805F));
    }
    ASSERT_TRUE(report);
    EXPECT_EQ(report.kind, CollapseKind::NoSeparation);
    EXPECT_NE(report.message.find("not separating"), std::string::npos) << report.message;
}

TEST(CollapseDetectorTest, EqualDistancesWithLowLossAreNotACollapse)
{
    // Batch-all can have d_ap ~ d_an on average while the loss is far below the margin.
    CollapseDetector detector(kHinge, kWindowOf10);
    for (int step = 0; step < 50; ++step) {
        EXPECT_FALSE(detector.update(stats(0.05F, 0.80F, 0.805F)));
    }
}

TEST(CollapseDetectorTest, StepsWithoutTripletsAreIgnored)
{
    CollapseDetector detector(kHinge, kWindowOf10);
    for (int step = 0; step < 9; ++step) {
        detector.update(stats(0.2F, 0.0F, 0.0F));
        EXPECT_FALSE(detector.update(stats(0.0F, 0.0F, 0.0F, 0)));  // neither extends nor breaks the streak
    }
    EXPECT_TRUE(detector.update(stats(0.2F, 0.0F, 0.0F)));
    detector.reset();
    EXPECT_FALSE(detector.update(stats(0.2F, 0.0F, 0.0F)));
}

TEST(CollapseDetectorTest, RejectsEmptyWindow)
{
    EXPECT_THROW(CollapseDetector(kHinge, CollapseDetectorConfig{0, 0.05F, 0.01F, 0.01F}), std::invalid_argument);
}

std::vector<float> unitVectors(std::size_t n, std::size_t dimension, std::uint32_t seed)
{
    std::mt19937 random(seed);
    std::normal_distribution<float> normal;
    std::vector<float> values(n * dimension);
    for (std::size_t i = 0; i < n; ++i) {
        float squaredNorm = 0.0F;
        for (std::size_t k = 0; k < dimension; ++k) {
            values[i * dimension + k] = normal(random);
            squaredNorm += values[i * dimension + k] * values[i * dimension + k];
        }
        for (std::size_t k = 0; k < dimension; ++k) {
            values[i * dimension + k] /= std::sqrt(squaredNorm);
        }
    }
    return values;
}

// End to end with the loss: a network whose output no longer depends on its input.
TEST(CollapseDetectorTest, DetectsActuallyCollapsedEmbeddings)
{
    const std::size_t n = 32;
    const std::size_t dimension = 16;
    std::vector<std::int64_t> labels;
    for (std::size_t i = 0; i < n; ++i) {
        labels.push_back(static_cast<std::int64_t>(i / 4));
    }
    for (const bool softMargin : {false, true}) {
        const TripletLossConfig lossConfig{TripletMining::BatchHard, 0.2F, softMargin};
        TripletLoss loss(lossConfig);
        CollapseDetector detector(lossConfig, kWindowOf10);
        CollapseReport report;
        for (std::uint32_t step = 0; step < 10; ++step) {
            // The same (normalised) point for every image, a different point each step.
            const std::vector<float> point = unitVectors(1, dimension, step);
            std::vector<float> x;
            for (std::size_t i = 0; i < n; ++i) {
                x.insert(x.end(), point.begin(), point.end());
            }
            report = detector.update(loss.compute({x, n, dimension}, labels, {}));
        }
        ASSERT_TRUE(report) << "soft margin " << softMargin;
        EXPECT_EQ(report.kind, CollapseKind::EmbeddingsCoincide);

        // Healthy random embeddings with the same loss are not flagged.
        CollapseDetector healthy(lossConfig, kWindowOf10);
        for (std::uint32_t step = 0; step < 30; ++step) {
            const std::vector<float> x = unitVectors(n, dimension, 1000 + step);
            EXPECT_FALSE(healthy.update(loss.compute({x, n, dimension}, labels, {})));
        }
    }
}

}  // namespace
}  // namespace lookalike::metric
