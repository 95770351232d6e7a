// Linear (inner product): forward against a naive reference for 2-D and 4-D (flattened) input,
// backward (data, weights, bias) against finite differences.

#include "core/nn/layers/linear.h"

#include "layertesting.h"

namespace lookalike::nn::testing {
namespace {

using layers::Linear;
using layers::LinearParameters;
using layers::Mode;

struct LinearCase {
    memory::dims srcDims;  // [N, C] or [N, C, H, W]
    int outFeatures;
    bool blocked;
};

class LinearTest : public ::testing::TestWithParam<LinearCase> {};

TEST_P(LinearTest, ForwardAndGradientsMatchReference)
{
    const LinearCase& c = GetParam();
    Context context;
    TestTensor input(context, c.srcDims, c.blocked);
    input.set(randomVector(elementCount(c.srcDims), 41));
    const std::size_t batch = static_cast<std::size_t>(c.srcDims[0]);
    const std::size_t features = elementCount(c.srcDims) / batch;
    std::vector<float> weights = randomVector(features * c.outFeatures, 42);
    std::vector<float> bias = randomVector(c.outFeatures, 43);
    std::vector<float> weightsGradient(weights.size()), biasGradient(bias.size());
    Linear linear(context, c.outFeatures, input.bound(),
                  LinearParameters{weights.data(), weightsGradient.data(), bias.data(), biasGradient.data()},
                  Mode::Training);

    TestTensor diffDst(context, {c.srcDims[0], c.outFeatures}, false);
    const std::vector<float> lossWeights = randomVector(batch * c.outFeatures, 44);
    diffDst.set(lossWeights);
    linear.prepareBackward(diffDst.bound(), true);
    linear.forward();

    // Plain [N, C, H, W] flattens in C, H, W order, as the weights [K, C * H * W] expect.
    std::vector<double> expected(batch * c.outFeatures);
    const auto x = input.values();
    for (std::size_t n = 0; n < batch; ++n)
        for (int k = 0; k < c.outFeatures; ++k) {
            double sum = bias[k];
            for (std::size_t f = 0; f < features; ++f)
                sum += double{x[n * features + f]} * weights[k * features + f];
            expected[n * c.outFeatures + k] = sum;
        }
    expectNear(toPlain(context, linear.dst()), expected, 1e-5, "dst");

    linear.backward();
    const std::vector<float> diffSrc = toPlain(context, linear.diffSrc());
    const std::vector<float> weightsAnalytic = weightsGradient, biasAnalytic = biasGradient;
    const auto loss = [&] {
        linear.forward();
        return weightedSum(toPlain(context, linear.dst()), lossWeights);
    };
    const Tolerance tolerance{1e-3, 1e-3};
    expectGradientMatches("diffSrc", input.values(), diffSrc, 0.1, [&] { input.upload(); }, loss, tolerance);
    expectGradientMatches("weightsGradient", weights, weightsAnalytic, 0.1, [] {}, loss, tolerance);
    expectGradientMatches("biasGradient", bias, biasAnalytic, 0.1, [] {}, loss, tolerance);
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearTest,
                         ::testing::Values(LinearCase{{3, 7}, 5, false},
                                           LinearCase{{4, 16, 1, 1}, 8, true},   // after global pooling
                                           LinearCase{{2, 3, 2, 2}, 4, false}));

}  // namespace
}  // namespace lookalike::nn::testing
