// AdamW and Sgd against hand-computed values (PyTorch's update rules), including the
// weight-decay opt-out of BN/bias parameters.

#include "core/nn/optimizer.h"

#include <gtest/gtest.h>

namespace lookalike::nn {
namespace {

// Two one-element parameters: "w" takes weight decay, "b" does not.
struct TwoParameters {
    float w = 1.f, wGrad = 0.f, b = -2.f, bGrad = 0.f;
    std::vector<Parameter> views()
    {
        return {{"w", {1}, {&w, 1}, {&wGrad, 1}, true}, {"b", {1}, {&b, 1}, {&bGrad, 1}, false}};
    }
    void setGradients(float gradient)
    {
        wGrad = gradient;
        bGrad = gradient;
    }
};

TEST(AdamW, MatchesHandComputedSteps)
{
    TwoParameters p;
    AdamW optimizer(p.views(), {.beta1 = 0.9f, .beta2 = 0.999f, .epsilon = 1e-8f, .weightDecay = 0.01f});
    // Step 1, g = 0.5: decay 1 * (1 - 0.1 * 0.01) = 0.999; m_hat = 0.5, sqrt(v_hat) = 0.5
    // => w = 0.999 - 0.1 * 0.5 / 0.5 = 0.899; b (no decay) = -2 - 0.1 = -2.1.
    p.setGradients(0.5f);
    optimizer.step(0.1f);
    EXPECT_NEAR(p.w, 0.899f, 1e-6);
    EXPECT_NEAR(p.b, -2.1f, 1e-6);
    // Step 2, g = -0.25: m = 0.02, v = 3.1225e-4, m_hat = 0.02 / 0.19, v_hat = v / 0.001999.
    p.setGradients(-0.25f);
    optimizer.step(0.1f);
    EXPECT_NEAR(p.w, 0.8714673f, 1e-6);
    EXPECT_NEAR(p.b, -2.1266337f, 1e-6);
    EXPECT_EQ(optimizer.stepCount(), 2);
}

TEST(Sgd, MomentumAndWeightDecayMatchHandComputedSteps)
{
    TwoParameters p;
    Sgd optimizer(p.views(), {.momentum = 0.9f, .weightDecay = 0.1f});
    // Step 1: g' = 0.5 + 0.1 * 1 = 0.6, v = 0.6, w = 1 - 0.1 * 0.6 = 0.94; b: v = 0.5, b = -2.05.
    p.setGradients(0.5f);
    optimizer.step(0.1f);
    EXPECT_NEAR(p.w, 0.94f, 1e-6);
    EXPECT_NEAR(p.b, -2.05f, 1e-6);
    // Step 2: g' = -0.25 + 0.094 = -0.156, v = 0.54 - 0.156 = 0.384, w = 0.94 - 0.0384 = 0.9016;
    // b: v = 0.45 - 0.25 = 0.2, b = -2.05 - 0.02 = -2.07.
    p.setGradients(-0.25f);
    optimizer.step(0.1f);
    EXPECT_NEAR(p.w, 0.9016f, 1e-6);
    EXPECT_NEAR(p.b, -2.07f, 1e-6);
}

TEST(Sgd, NesterovLooksAhead)
{
    TwoParameters p;
    Sgd optimizer(p.views(), {.momentum = 0.9f, .weightDecay = 0.f, .nesterov = true});
    // g = 0.5, v = 0.5, direction = g + 0.9 v = 0.95: w = 1 - 0.095.
    p.setGradients(0.5f);
    optimizer.step(0.1f);
    EXPECT_NEAR(p.w, 0.905f, 1e-6);
}

TEST(Optimizer, RejectsParametersWithoutGradient)
{
    float value = 0.f;
    std::vector<Parameter> parameters{{"x", {1}, {&value, 1}, {}, true}};
    EXPECT_THROW(AdamW(parameters, {}), std::invalid_argument);
}

TEST(Optimizer, LargeBuffersUpdateEveryElement)
{
    // Exercises the parallel loop over a buffer bigger than one thread's share.
    std::vector<float> data(10001, 1.f), grad(10001, 1.f);
    Sgd optimizer({{"x", {10001}, data, grad, false}}, {.momentum = 0.f});
    optimizer.step(0.5f);
    for (const float value : data)
        ASSERT_EQ(value, 0.5f);
}

}  // namespace
}  // namespace lookalike::nn
