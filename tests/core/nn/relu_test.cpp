// Relu: forward against the definition, backward against finite differences on inputs kept
// away from the kink at 0 (separatedVector), in plain and blocked layouts.

#include "core/nn/layers/relu.h"

#include "layertesting.h"

namespace lookalike::nn::testing {
namespace {

using layers::Mode;
using layers::Relu;

class ReluTest : public ::testing::TestWithParam<bool> {};

TEST_P(ReluTest, ForwardAndGradientMatchReference)
{
    Context context;
    const memory::dims dims{2, 16, 3, 3};
    TestTensor input(context, dims, GetParam());
    input.set(separatedVector(elementCount(dims), 21));
    Relu relu(context, input.bound(), Mode::Training);
    TestTensor diffDst(context, dims, GetParam());
    const std::vector<float> lossWeights = randomVector(elementCount(dims), 22);
    diffDst.set(lossWeights);
    relu.prepareBackward(diffDst.bound());
    relu.forward();

    std::vector<double> expected(input.values().begin(), input.values().end());
    for (double& value : expected)
        value = std::max(0.0, value);
    expectNear(toPlain(context, relu.dst()), expected, 0.0, "dst");

    relu.backward();
    const auto loss = [&] {
        relu.forward();
        return weightedSum(toPlain(context, relu.dst()), lossWeights);
    };
    // Inputs are >= 0.025 away from 0, the step is 0.01: no coordinate crosses the kink.
    expectGradientMatches("diffSrc", input.values(), toPlain(context, relu.diffSrc()), 1e-2,
                          [&] { input.upload(); }, loss, {1e-4, 1e-3});
}

TEST(Relu, InferenceForwardMatchesDefinition)
{
    Context context;
    TestTensor input(context, {1, 3, 2, 2}, false);
    input.set(randomVector(12, 23));
    Relu relu(context, input.bound(), Mode::Inference);
    relu.forward();
    std::vector<double> expected(input.values().begin(), input.values().end());
    for (double& value : expected)
        value = std::max(0.0, value);
    expectNear(toPlain(context, relu.dst()), expected, 0.0, "dst");
}

INSTANTIATE_TEST_SUITE_P(Layouts, ReluTest, ::testing::Values(false, true));

}  // namespace
}  // namespace lookalike::nn::testing
