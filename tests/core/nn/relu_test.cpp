// Relu and ReLU6 (Relu with an upper bound of 6): forward against the definition, backward
// against finite differences on inputs kept away from the kinks at 0 and 6 (separatedVector),
// in plain and blocked layouts.

#include "core/nn/layers/relu.h"

#include "layertesting.h"

#include <limits>

namespace lookalike::nn::testing {
namespace {

using layers::Mode;
using layers::Relu;

struct ReluCase {
    bool blocked;
    std::optional<float> upperBound;
};

std::vector<double> referenceRelu(std::span<const float> src, std::optional<float> upperBound)
{
    const double high = upperBound ? double{*upperBound} : std::numeric_limits<double>::infinity();
    std::vector<double> dst(src.begin(), src.end());
    for (double& value : dst)
        value = std::clamp(value, 0.0, high);
    return dst;
}

class ReluTest : public ::testing::TestWithParam<ReluCase> {};

TEST_P(ReluTest, ForwardAndGradientMatchReference)
{
    const ReluCase& c = GetParam();
    Context context;
    const memory::dims dims{2, 16, 3, 3};
    TestTensor input(context, dims, c.blocked);
    // 288 values 0.05 apart span [-7.2, 7.2]: both kinks of ReLU6 lie inside, none closer than 0.025.
    input.set(separatedVector(elementCount(dims), 21));
    Relu relu(context, input.bound(), Mode::Training, c.upperBound);
    TestTensor diffDst(context, dims, c.blocked);
    const std::vector<float> lossWeights = randomVector(elementCount(dims), 22);
    diffDst.set(lossWeights);
    relu.prepareBackward(diffDst.bound());
    relu.forward();
    expectNear(toPlain(context, relu.dst()), referenceRelu(input.values(), c.upperBound), 0.0, "dst");

    relu.backward();
    const auto loss = [&] {
        relu.forward();
        return weightedSum(toPlain(context, relu.dst()), lossWeights);
    };
    // Inputs are >= 0.025 away from 0 and 6, the step is 0.01: no coordinate crosses a kink.
    expectGradientMatches("diffSrc", input.values(), toPlain(context, relu.diffSrc()), 1e-2,
                          [&] { input.upload(); }, loss, {1e-4, 1e-3});
}

TEST_P(ReluTest, InferenceForwardMatchesDefinition)
{
    const ReluCase& c = GetParam();
    Context context;
    TestTensor input(context, {1, 16, 2, 2}, c.blocked);
    input.set(randomVector(64, 23, -8.f, 8.f));
    Relu relu(context, input.bound(), Mode::Inference, c.upperBound);
    relu.forward();
    expectNear(toPlain(context, relu.dst()), referenceRelu(input.values(), c.upperBound), 0.0, "dst");
}

INSTANTIATE_TEST_SUITE_P(Variants, ReluTest,
                         ::testing::Values(ReluCase{false, {}}, ReluCase{true, {}},
                                           ReluCase{false, 6.f}, ReluCase{true, 6.f}),
                         [](const ::testing::TestParamInfo<ReluCase>& info) {
                             return std::string(info.param.upperBound ? "Relu6" : "Relu")
                                    + (info.param.blocked ? "Blocked" : "Plain");
                         });

}  // namespace
}  // namespace lookalike::nn::testing
