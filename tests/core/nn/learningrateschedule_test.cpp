// LearningRateSchedule: linear warmup, cosine decay, clamping past the end, argument checks.

#include "core/nn/learningrateschedule.h"

#include <gtest/gtest.h>

namespace lookalike::nn {
namespace {

TEST(LearningRateSchedule, WarmsUpLinearlyThenDecaysWithCosine)
{
    const LearningRateSchedule schedule(1e-3f, 10, 100, 1e-4f);
    EXPECT_FLOAT_EQ(schedule.at(0), 1e-4f);     // 1e-3 * 1 / 10
    EXPECT_FLOAT_EQ(schedule.at(4), 5e-4f);
    EXPECT_FLOAT_EQ(schedule.at(9), 1e-3f);     // end of warmup: the peak
    EXPECT_FLOAT_EQ(schedule.at(10), 1e-3f);    // cosine starts at the peak
    EXPECT_FLOAT_EQ(schedule.at(55), 5.5e-4f);  // halfway: (peak + final) / 2
    // step 35: progress 25/90, 1e-4 + 0.9e-3 * (1 + cos(pi * 25 / 90)) / 2
    EXPECT_NEAR(schedule.at(35), 8.392544e-4f, 1e-9);
    EXPECT_FLOAT_EQ(schedule.at(100), 1e-4f);
    EXPECT_FLOAT_EQ(schedule.at(1000), 1e-4f);
    for (int step = 10; step < 99; ++step)
        EXPECT_GE(schedule.at(step), schedule.at(step + 1)) << step;
}

TEST(LearningRateSchedule, WorksWithoutWarmup)
{
    const LearningRateSchedule schedule(0.1f, 0, 2);
    EXPECT_FLOAT_EQ(schedule.at(0), 0.1f);
    EXPECT_NEAR(schedule.at(1), 0.05f, 1e-7);
    EXPECT_FLOAT_EQ(schedule.at(2), 0.f);
}

TEST(LearningRateSchedule, RejectsInconsistentArguments)
{
    EXPECT_THROW(LearningRateSchedule(0.1f, 5, 4), std::invalid_argument);
    EXPECT_THROW(LearningRateSchedule(0.1f, 0, 0), std::invalid_argument);
    EXPECT_THROW(LearningRateSchedule(-0.1f, 0, 10), std::invalid_argument);
}

}  // namespace
}  // namespace lookalike::nn
