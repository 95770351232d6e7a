// Network with the MobileNetV2 architecture: Keras-named tensors, unit-norm output, and every
// parameter's gradient through ReLU6, depthwise convolutions, residual adds and grid pooling
// against central finite differences.

#include "core/nn/checkpoint.h"
#include "core/nn/network.h"

#include "layertesting.h"
#include "networktesting.h"

namespace lookalike::nn::testing {
namespace {

TEST(MobileNetV2Network, TensorsAreKerasNamedAndOutputIsUnitNorm)
{
    const NetworkConfig config = tinyMobileNetConfig();
    Network network(config, 1);
    const std::vector<Parameter> parameters = network.parameters();
    ASSERT_FALSE(parameters.empty());
    EXPECT_EQ(parameters.front().name, "Conv1.weight");
    EXPECT_EQ(parameters[1].name, "bn_Conv1.weight");
    EXPECT_EQ(parameters[1].data[0], 1.f);
    EXPECT_EQ(parameters[3].name, "expanded_conv_depthwise.weight");
    EXPECT_EQ(parameters[3].shape, (std::vector<std::int64_t>{32, 1, 3, 3}));
    EXPECT_EQ(parameters.back().name, "head.linear.bias");
    EXPECT_EQ(parameters[parameters.size() - 2].shape, (std::vector<std::int64_t>{8, 144 * 4}));
    EXPECT_EQ(network.states().front().name, "bn_Conv1.running_mean");

    const int batch = 3;
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

TEST(MobileNetV2Network, CheckpointRoundTripsArchitectureAndTensors)
{
    const NetworkConfig config = tinyMobileNetConfig();
    Network network(config, 3);
    perturbStatistics(network, 4);
    const std::vector<float> images = randomImages(config, 2, 5);
    const std::vector<float> expected = copyOf(network.forward(images, 2, false));
    Network restored = deserializeCheckpoint(serializeCheckpoint(network));
    EXPECT_EQ(restored.config(), config);
    const std::span<const float> actual = restored.forward(images, 2, false);
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), actual.begin()));
}

struct GradientCase {
    const char* cut;
    int grid;
};

class MobileNetV2GradientTest : public ::testing::TestWithParam<GradientCase> {};

TEST_P(MobileNetV2GradientTest, ParameterGradientsMatchFiniteDifferences)
{
    const GradientCase& c = GetParam();
    expectParameterGradientsMatchFiniteDifferences(tinyMobileNetConfig(c.cut, c.grid), /*batch*/ 3,
                                                   /*samplesPerTensor*/ 6);
}

// block_3_expand: a residual block (block_2) inside, an expand-only cut; block_2: the cut right
// after a residual add, global average pooling. (ReLU6's clip is rarely reached here; its
// gradient is checked in relu_test.cpp. Scaling the BN gammas up to reach it puts so many
// activations near a kink that finite differences through training-mode BN become unreliable.)
INSTANTIATE_TEST_SUITE_P(Cuts, MobileNetV2GradientTest,
                         ::testing::Values(GradientCase{"block_3_expand", 2}, GradientCase{"block_2", 1}));

// Frozen: the stem, expanded_conv and block_1; trained: block_2 (a residual block), block_3's
// expand layer and the head.
TEST(MobileNetV2Network, FrozenBlocksGetNoGradientAndTheRestMatchesFiniteDifferences)
{
    expectParameterGradientsMatchFiniteDifferences(tinyMobileNetConfig(), /*batch*/ 3, /*samplesPerTensor*/ 6,
                                                   /*frozenBlocks*/ 2);
}

TEST(MobileNetV2Network, TrainingLeavesFrozenBlocksAndTheirStatisticsAsTheyWere)
{
    const NetworkConfig config = tinyMobileNetConfig();
    Network network(config, 11);
    perturbStatistics(network, 12);
    EXPECT_THROW(network.setFrozenBlocks(5), std::invalid_argument);  // 4 blocks up to block_3_expand
    network.setFrozenBlocks(3);
    EXPECT_EQ(network.frozenBlocks(), 3);
    const std::vector<Parameter> trainable = network.trainableParameters();
    std::vector<std::string> names;
    for (const Parameter& parameter : trainable)
        names.push_back(parameter.name);
    EXPECT_EQ(names, (std::vector<std::string>{"block_3_expand.weight", "block_3_expand_BN.weight",
                                               "block_3_expand_BN.bias", "head.linear.weight", "head.linear.bias"}));

    std::vector<std::vector<float>> parametersBefore, statesBefore;
    for (const Parameter& parameter : network.parameters())
        parametersBefore.push_back(copyOf(parameter.data));
    for (const StateTensor& state : network.states())
        statesBefore.push_back(copyOf(state.data));
    const int batch = 4;
    network.forward(randomImages(config, batch, 13), batch, true);
    network.backward(randomVector(static_cast<std::size_t>(batch) * config.embeddingDim, 14));
    for (const Parameter& parameter : trainable)
        for (std::size_t i = 0; i < parameter.data.size(); ++i)
            parameter.data[i] -= 0.1f * parameter.grad[i];
    network.forward(randomImages(config, batch, 15), batch, true);  // updates trainable BN statistics

    const std::vector<Parameter> after = network.parameters();
    const std::vector<StateTensor> states = network.states();
    for (std::size_t p = 0; p < after.size(); ++p) {
        const bool frozen = std::find(names.begin(), names.end(), after[p].name) == names.end();
        EXPECT_EQ(copyOf(after[p].data) == parametersBefore[p], frozen) << after[p].name;
    }
    for (std::size_t s = 0; s < states.size(); ++s)
        EXPECT_EQ(copyOf(states[s].data) == statesBefore[s], !states[s].name.starts_with("block_3_expand"))
            << states[s].name;

    // Unfreezing trains everything again.
    network.setFrozenBlocks(0);
    EXPECT_EQ(network.trainableParameters().size(), network.parameters().size());
}

}  // namespace
}  // namespace lookalike::nn::testing
