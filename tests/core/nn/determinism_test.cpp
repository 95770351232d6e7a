// Same seed + same thread count => bit-identical initialisation, training and inference.

#include "core/nn/inferencenetwork.h"
#include "core/nn/network.h"
#include "core/nn/optimizer.h"
#include "networktesting.h"

#include <gtest/gtest.h>

#include <cstring>

namespace lookalike::nn::testing {
namespace {

struct RunResult {
    std::vector<float> embeddings;
    std::vector<float> parameters;
    std::vector<float> inference;
};

RunResult train(std::uint64_t seed, int threads)
{
    const NetworkConfig config = tinyConfig(true);
    Network network(config, seed);
    network.setThreadCount(threads);
    AdamW optimizer(network.parameters(), {});
    const int batch = 6;
    const std::vector<float> images = randomImages(config, batch, 21);
    std::vector<float> gradient(static_cast<std::size_t>(batch) * config.embeddingDim);
    RunResult result;
    for (int step = 0; step < 3; ++step) {
        const std::span<const float> embeddings = network.forward(images, batch, true);
        result.embeddings.assign(embeddings.begin(), embeddings.end());
        // Pull every embedding towards the first one: a loss whose gradient is easy to write.
        for (std::size_t i = 0; i < gradient.size(); ++i)
            gradient[i] = embeddings[i] - embeddings[i % static_cast<std::size_t>(config.embeddingDim)];
        network.backward(gradient);
        optimizer.step(1e-2f);
    }
    for (const Parameter& parameter : network.parameters())
        result.parameters.insert(result.parameters.end(), parameter.data.begin(), parameter.data.end());
    for (const StateTensor& state : network.states())
        result.parameters.insert(result.parameters.end(), state.data.begin(), state.data.end());
    InferenceNetwork embedder(network, threads);
    const std::span<const float> inference = embedder.embed(images, batch);
    result.inference.assign(inference.begin(), inference.end());
    return result;
}

bool bitIdentical(const std::vector<float>& a, const std::vector<float>& b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(Determinism, SameSeedSameThreadsIsBitIdentical)
{
    for (const int threads : {1, 2}) {
        const RunResult first = train(42, threads);
        const RunResult second = train(42, threads);
        EXPECT_TRUE(bitIdentical(first.embeddings, second.embeddings)) << threads << " threads";
        EXPECT_TRUE(bitIdentical(first.parameters, second.parameters)) << threads << " threads";
        EXPECT_TRUE(bitIdentical(first.inference, second.inference)) << threads << " threads";
    }
}

TEST(Determinism, DifferentSeedsDiffer)
{
    EXPECT_FALSE(bitIdentical(train(1, 1).parameters, train(2, 1).parameters));
}

}  // namespace
}  // namespace lookalike::nn::testing
