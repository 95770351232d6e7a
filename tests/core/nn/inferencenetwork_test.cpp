// InferenceNetwork: BN folded into the convolutions, ReLU and the residual add as post-ops;
// must equal Network::forward(training = false) within float rounding.

#include "core/nn/inferencenetwork.h"

#include "core/nn/network.h"
#include "networktesting.h"

#include <gtest/gtest.h>

#include <cmath>

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

// With 1 thread a batch runs in sub-batches of 4 images: 11 is two full ones and a remainder of
// 3, each image's row where it belongs, equal to the unfused network's and to the same image
// embedded on its own.
TEST(InferenceNetwork, LargeBatchesRunInSubBatchesWithTheSameResults)
{
    for (const NetworkConfig& config : {tinyConfig(), tinyMobileNetConfig()}) {
        expectFusedMatchesUnfused(config, 11);
        Network network(config, 41);
        perturbStatistics(network, 42);
        const int batch = 11;
        const std::vector<float> images = randomImages(config, batch, 43);
        InferenceNetwork embedder(network, 1);
        const std::vector<float> embeddings = copyOf(embedder.embed(images, batch));
        const std::vector<float> pooled = copyOf(embedder.pooledFeatures(images, batch));
        const std::size_t imageValues = images.size() / batch;
        const std::size_t dim = embeddings.size() / batch, features = pooled.size() / batch;
        ASSERT_EQ(features, static_cast<std::size_t>(embedder.pooledFeatureCount()));
        for (int i = 0; i < batch; ++i) {
            const std::span<const float> one(images.data() + i * imageValues, imageValues);
            const std::vector<float> alone = copyOf(embedder.embed(one, 1));
            for (std::size_t d = 0; d < dim; ++d)
                EXPECT_NEAR(embeddings[i * dim + d], alone[d], 1e-5) << i << " " << d;
            const std::vector<float> aloneFeatures = copyOf(embedder.pooledFeatures(one, 1));
            for (std::size_t f = 0; f < features; ++f)
                EXPECT_NEAR(pooled[i * features + f], aloneFeatures[f], 1e-4 * (1.f + std::abs(aloneFeatures[f])))
                    << i << " " << f;
        }
    }
}

// The head is normalize(W pooled + b): the pooled features through head.linear by hand must give
// the embeddings, in the documented feature order.
TEST(InferenceNetwork, PooledFeaturesAreWhatTheHeadReads)
{
    for (const NetworkConfig& config : {tinyMobileNetConfig(), tinyConfig()}) {
        Network network(config, 21);
        perturbStatistics(network, 22);
        const int batch = 3;
        const std::vector<float> images = randomImages(config, batch, 23);
        InferenceNetwork embedder(network, 1);
        const std::vector<float> embeddings = copyOf(embedder.embed(images, batch));
        const std::int64_t features = embedder.pooledFeatureCount();
        const std::vector<float> pooled = copyOf(embedder.pooledFeatures(images, batch));
        ASSERT_EQ(pooled.size(), static_cast<std::size_t>(batch * features));
        const std::vector<double> wide(pooled.begin(), pooled.end());
        const std::vector<float> byHand = applyHead(network, wide, batch);
        ASSERT_EQ(byHand.size(), embeddings.size());
        for (std::size_t i = 0; i < byHand.size(); ++i)
            EXPECT_NEAR(byHand[i], embeddings[i], 1e-4) << i;
    }
    // The grid order: with grid 2 the four cells of one channel are consecutive, and their mean is
    // the channel's global mean (the global-pool network's feature).
    NetworkConfig grid2 = tinyMobileNetConfig("block_2", 2), grid1 = tinyMobileNetConfig("block_2", 1);
    Network a(grid2, 31), b(grid1, 31);
    const std::vector<float> images = randomImages(grid2, 2, 32);
    InferenceNetwork fine(a, 1), coarse(b, 1);
    const std::vector<float> cells = copyOf(fine.pooledFeatures(images, 2));
    const std::vector<float> means = copyOf(coarse.pooledFeatures(images, 2));
    ASSERT_EQ(cells.size(), 4 * means.size());
    for (std::size_t i = 0; i < means.size(); ++i)
        EXPECT_NEAR((cells[4 * i] + cells[4 * i + 1] + cells[4 * i + 2] + cells[4 * i + 3]) / 4, means[i], 1e-5) << i;
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
