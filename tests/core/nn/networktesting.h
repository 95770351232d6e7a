#pragma once
// Small networks and data shared by the public-API tests (network, inference, checkpoint,
// determinism). Small enough that a forward pass takes well under a millisecond.

#include "core/nn/network.h"

#include "layertesting.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace lookalike::nn::testing {

// 1 x 12 x 12 grayscale, width 4, two stages, embedding 8; with or without the stem pool.
inline NetworkConfig tinyConfig(bool downsampleStem = false)
{
    NetworkConfig config;
    config.inChannels = 1;
    config.inputSize = downsampleStem ? 16 : 12;
    config.width = 4;
    config.embeddingDim = 8;
    config.blocksPerStage = {1, 1};
    config.downsampleStem = downsampleStem;
    return config;
}

// MobileNetV2 at 32 px up to block_3_expand (features 144 x 8 x 8), grid 2, embedding 8:
// the stem, expanded_conv, a strided block, a residual block and a cut after an expand layer.
inline NetworkConfig tinyMobileNetConfig(std::string cut = "block_3_expand", int grid = 2)
{
    NetworkConfig config;
    config.architecture = Architecture::MobileNetV2;
    config.inputSize = 32;
    config.cut = std::move(cut);
    config.grid = grid;
    config.embeddingDim = 8;
    return config;
}

// BN tensors of either architecture: ResNet "<conv>.bn.*", Keras "bn_Conv1.*", "<layer>_BN.*".
inline bool isNormTensor(const std::string& name)
{
    return name.find(".bn.") != std::string::npos || name.find("_BN.") != std::string::npos
           || name.starts_with("bn_");
}

inline std::vector<float> copyOf(std::span<const float> values)
{
    return {values.begin(), values.end()};
}

inline std::vector<float> randomImages(const NetworkConfig& config, int batch, std::uint32_t seed)
{
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(-1.f, 1.f);
    std::vector<float> images(static_cast<std::size_t>(batch) * config.inChannels * config.inputSize * config.inputSize);
    for (float& value : images)
        value = uniform(random);
    return images;
}

// Gives BN non-trivial running statistics and scale/shift, as after some training.
inline void perturbStatistics(Network& network, std::uint32_t seed)
{
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(0.5f, 1.5f);
    for (const StateTensor& state : network.states())
        for (float& value : state.data)
            value = state.name.ends_with("running_var") ? uniform(random) : uniform(random) - 1.f;
    for (const Parameter& parameter : network.parameters())
        if (isNormTensor(parameter.name))
            for (float& value : parameter.data)
                value = parameter.name.ends_with(".weight") ? uniform(random) : uniform(random) - 1.f;
}

// What the head makes of pooled features [count, F] (feature c·g·g + row·g + col): the network's
// own head.linear, then L2 normalisation -> [count, D].
inline std::vector<float> applyHead(Network& network, std::span<const double> pooled, std::size_t count)
{
    std::span<const float> weight, bias;
    for (const Parameter& parameter : network.parameters()) {
        if (parameter.name == "head.linear.weight")
            weight = parameter.data;
        if (parameter.name == "head.linear.bias")
            bias = parameter.data;
    }
    const std::size_t dim = bias.size(), features = count ? pooled.size() / count : 0;
    EXPECT_EQ(weight.size(), dim * features);
    std::vector<float> out(count * dim);
    for (std::size_t i = 0; i < count; ++i) {
        double norm = 0;
        std::vector<double> row(dim);
        for (std::size_t d = 0; d < dim; ++d) {
            row[d] = bias[d];
            for (std::size_t f = 0; f < features; ++f)
                row[d] += double{weight[d * features + f]} * pooled[i * features + f];
            norm += row[d] * row[d];
        }
        for (std::size_t d = 0; d < dim; ++d)
            out[i * dim + d] = static_cast<float>(row[d] / std::sqrt(norm));
    }
    return out;
}

// Every parameter's gradient of a random weighting of the embeddings (training mode, BN
// statistics perturbed) against central finite differences at samplesPerTensor coordinates of
// each tensor; at most a quarter of them may be skipped as too close to a ReLU kink. With
// frozenBlocks (Network::setFrozenBlocks), the trainable parameters are checked and the frozen
// ones must have no gradient.
inline void expectParameterGradientsMatchFiniteDifferences(const NetworkConfig& config, int batch,
                                                           std::size_t samplesPerTensor, int frozenBlocks = 0)
{
    Network network(config, 5);
    perturbStatistics(network, 6);
    network.setFrozenBlocks(frozenBlocks);
    const std::vector<float> images = randomImages(config, batch, 7);
    const std::vector<float> lossWeights = randomVector(static_cast<std::size_t>(batch) * config.embeddingDim, 8);
    network.forward(images, batch, true);
    network.backward(lossWeights);

    const auto loss = [&] {
        const std::span<const float> embeddings = network.forward(images, batch, true);
        return weightedSum({embeddings.begin(), embeddings.end()}, lossWeights);
    };
    std::uint32_t seed = 9;
    int skipped = 0, checked = 0;
    const std::vector<Parameter> trainable = network.trainableParameters();
    for (const Parameter& parameter : network.parameters()) {
        if (std::none_of(trainable.begin(), trainable.end(), [&](const Parameter& t) { return t.name == parameter.name; })) {
            EXPECT_TRUE(std::all_of(parameter.grad.begin(), parameter.grad.end(), [](float g) { return g == 0.f; }))
                << parameter.name << " is frozen but has a gradient";
        }
    }
    for (const Parameter& parameter : trainable) {
        const std::vector<float> analytic(parameter.grad.begin(), parameter.grad.end());
        skipped += expectGradientMatchesAwayFromKinks(parameter.name, parameter.data, analytic, 1e-3, loss,
                                                      {1e-3, 3e-2}, sampleIndices(analytic.size(), samplesPerTensor, seed++));
        checked += static_cast<int>(std::min(analytic.size(), samplesPerTensor));
    }
    EXPECT_LE(skipped * 4, checked) << skipped << " of " << checked << " coordinates near a ReLU kink";
}

}  // namespace lookalike::nn::testing
