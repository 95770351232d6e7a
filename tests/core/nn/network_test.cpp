// Network: the public training API: shapes and unit-norm output, argument checks, the whole
// small network's parameter gradients against finite differences, and per-batch-size plans.

#include "core/nn/network.h"

#include "layertesting.h"
#include "networktesting.h"

namespace lookalike::nn::testing {
namespace {

TEST(Network, ForwardReturnsUnitNormEmbeddings)
{
    const NetworkConfig config = tinyConfig(true);
    Network network(config, 1);
    const int batch = 5;
    const std::vector<float> images = randomImages(config, batch, 2);
    for (const bool training : {true, false}) {
        const std::span<const float> embeddings = network.forward(images, batch, training);
        ASSERT_EQ(embeddings.size(), static_cast<std::size_t>(batch * config.embeddingDim));
        for (int n = 0; n < batch; ++n) {
            double norm = 0;
            for (int k = 0; k < config.embeddingDim; ++k)
                norm += double{embeddings[n * config.embeddingDim + k]} * embeddings[n * config.embeddingDim + k];
            EXPECT_NEAR(norm, 1.0, 1e-5);
        }
    }
}

TEST(Network, ParametersAreNamedShapedAndInitialised)
{
    Network network(tinyConfig(), 1);
    const std::vector<Parameter> parameters = network.parameters();
    ASSERT_FALSE(parameters.empty());
    EXPECT_EQ(parameters.front().name, "stem.weight");
    EXPECT_EQ(parameters.front().shape, (std::vector<std::int64_t>{4, 1, 3, 3}));
    EXPECT_TRUE(parameters.front().weightDecay);
    EXPECT_EQ(parameters.back().name, "head.linear.bias");
    EXPECT_FALSE(parameters.back().weightDecay);
    for (const Parameter& parameter : parameters) {
        EXPECT_EQ(parameter.data.size(), parameter.grad.size()) << parameter.name;
        if (parameter.name.ends_with(".bn.weight")) {
            EXPECT_EQ(parameter.data[0], 1.f) << parameter.name;
        }
    }
    const std::vector<StateTensor> states = network.states();
    ASSERT_FALSE(states.empty());
    EXPECT_EQ(states.front().name, "stem.bn.running_mean");
}

TEST(Network, RejectsBadArguments)
{
    const NetworkConfig config = tinyConfig();
    Network network(config, 1);
    const std::vector<float> images = randomImages(config, 2, 3);
    EXPECT_THROW(network.forward(images, 3, true), std::invalid_argument);
    EXPECT_THROW(network.forward(images, 0, true), std::invalid_argument);
    EXPECT_THROW(network.backward(std::vector<float>(16)), std::logic_error);  // no training forward yet
    network.forward(images, 2, false);
    EXPECT_THROW(network.backward(std::vector<float>(16)), std::logic_error);  // inference forward only
    network.forward(images, 2, true);
    EXPECT_THROW(network.backward(std::vector<float>(15)), std::invalid_argument);
    NetworkConfig invalid = config;
    invalid.width = 0;
    EXPECT_THROW(Network(invalid, 1), std::invalid_argument);
}

TEST(Network, ChangingBatchSizeReusesPlans)
{
    const NetworkConfig config = tinyConfig();
    Network network(config, 1);
    const std::vector<float> images4 = randomImages(config, 4, 4);
    const std::vector<float> images2(images4.begin(), images4.begin() + static_cast<std::ptrdiff_t>(images4.size() / 2));
    const std::vector<float> first = copyOf(network.forward(images4, 4, false));
    const std::vector<float> small = copyOf(network.forward(images2, 2, false));
    const std::span<const float> again = network.forward(images4, 4, false);
    EXPECT_TRUE(std::equal(first.begin(), first.end(), again.begin()));
    // Inference mode normalises each image on its own: the first two rows agree.
    for (std::size_t i = 0; i < small.size(); ++i)
        EXPECT_NEAR(small[i], first[i], 1e-6);
}

TEST(Network, ReleasedPlansAreRebuiltWithTheSameResults)
{
    const NetworkConfig config = tinyConfig();
    Network network(config, 1);
    const std::vector<float> images = randomImages(config, 3, 5);
    network.forward(images, 3, true);  // also moves the BN running statistics
    const std::vector<float> before = copyOf(network.forward(images, 3, false));
    network.releasePlans();
    EXPECT_THROW(network.backward(std::vector<float>(3 * config.embeddingDim)), std::logic_error);
    const std::span<const float> after = network.forward(images, 3, false);
    EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin()));
    network.forward(images, 3, true);
    network.backward(std::vector<float>(3 * config.embeddingDim, 0.1f));  // a training step works again
}

// dLoss/dParameter for loss = sum(embeddings * r) through the whole network (BN in training
// mode, all ReLUs, max pool, L2 normalisation), on a sample of coordinates of every tensor.
class NetworkGradientTest : public ::testing::TestWithParam<bool> {};

TEST_P(NetworkGradientTest, ParameterGradientsMatchFiniteDifferences)
{
    expectParameterGradientsMatchFiniteDifferences(tinyConfig(GetParam()), /*batch*/ 4, /*samplesPerTensor*/ 8);
}

INSTANTIATE_TEST_SUITE_P(Stems, NetworkGradientTest, ::testing::Values(false, true));

}  // namespace
}  // namespace lookalike::nn::testing
