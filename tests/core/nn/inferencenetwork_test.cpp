// InferenceNetwork: BN folded into the convolutions, ReLU and the residual add as post-ops;
// must equal Network::forward(training = false) within float rounding.

#include "core/nn/inferencenetwork.h"

#include "core/nn/network.h"
#include "networktesting.h"

#include <gtest/gtest.h>

namespace lookalike::nn::testing {
namespace {

// normScale multiplies every BN gamma (4: many MobileNetV2 units reach ReLU6's clip).
void expectFusedMatchesUnfused(const NetworkConfig& config, int batch, float normScale = 1.f)
{
    Network network(config, 11);
    perturbStatistics(network, 12);
    for (const Parameter& parameter : network.parameters())
        if (isNormTensor(parameter.name) && parameter.name.ends_with(".weight"))
            for (float& value : parameter.data)
                value *= normScale;
    const std::vector<float> images = randomImages(config, batch, 13);
    const std::vector<float> unfused = copyOf(network.forward(images, batch, false));
    InferenceNetwork embedder(network, 1);
    const std::span<const float> fused = embedder.embed(images, batch);
    ASSERT_EQ(fused.size(), unfused.size());
    for (std::size_t i = 0; i < fused.size(); ++i)
        EXPECT_NEAR(fused[i], unfused[i], 1e-4) << i;
}

TEST(InferenceNetwork, FusedPathMatchesUnfusedInference)
{
    expectFusedMatchesUnfused(tinyConfig(false), 3);
    expectFusedMatchesUnfused(tinyConfig(true), 2);
}

TEST(InferenceNetwork, DefaultArchitectureAtSmallSizes)
{
    expectFusedMatchesUnfused(NetworkConfig::forInput(1, 28), 2);
    NetworkConfig photo = NetworkConfig::forInput(3, 64);
    photo.width = 8;
    expectFusedMatchesUnfused(photo, 2);
}

TEST(InferenceNetwork, MobileNetV2MatchesUnfusedInference)
{
    expectFusedMatchesUnfused(tinyMobileNetConfig(), 3);               // grid 2, expand-only cut
    expectFusedMatchesUnfused(tinyMobileNetConfig("block_2", 1), 2);   // ends on a residual add
    NetworkConfig odd = tinyMobileNetConfig("block_4", 1);
    odd.inputSize = 29;                                                // odd sizes: (1, 1) padding
    expectFusedMatchesUnfused(odd, 2);
    expectFusedMatchesUnfused(tinyMobileNetConfig(), 2, 4.f);
}

TEST(InferenceNetwork, IsASnapshotAndChecksArguments)
{
    const NetworkConfig config = tinyConfig();
    Network network(config, 14);
    InferenceNetwork embedder(network);
    const std::vector<float> images = randomImages(config, 2, 15);
    const std::vector<float> before = copyOf(embedder.embed(images, 2));
    for (const Parameter& parameter : network.parameters())
        for (float& value : parameter.data)
            value *= 2.f;
    const std::span<const float> after = embedder.embed(images, 2);
    EXPECT_TRUE(std::equal(before.begin(), before.end(), after.begin()));
    EXPECT_THROW(embedder.embed(images, 3), std::invalid_argument);
    EXPECT_THROW(embedder.embed(images, 0), std::invalid_argument);
    EXPECT_EQ(embedder.config(), config);
}

}  // namespace
}  // namespace lookalike::nn::testing
