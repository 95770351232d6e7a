// Timing harness for core/nn (not a test): images/s of a full training step (forward, a triplet
// loss over fixed triplets, backward, AdamW step) and of fused inference, to compare with
// torch_reference.py (same architecture, same loss).
//
//   lookalike_nn_bench [--size 96] [--channels 3] [--batch 64] [--threads 2] [--steps 20]

#include "core/nn/inferencenetwork.h"
#include "core/nn/network.h"
#include "core/nn/optimizer.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

// Mean over the triplets (i, i + T, i + 2T) of relu(|a - p|^2 - |a - n|^2 + margin);
// writes dLoss/dEmbeddings. embeddings [N, D] -> grad [N, D]
float tripletLoss(std::span<const float> embeddings, int batch, int dim, std::vector<float>& grad)
{
    const int triplets = batch / 3;
    std::fill(grad.begin(), grad.end(), 0.f);
    float loss = 0.f;
    for (int t = 0; t < triplets; ++t) {
        const float* a = embeddings.data() + static_cast<std::size_t>(t) * dim;
        const float* p = a + static_cast<std::size_t>(triplets) * dim;
        const float* n = p + static_cast<std::size_t>(triplets) * dim;
        float value = 0.2f;
        for (int k = 0; k < dim; ++k)
            value += (a[k] - p[k]) * (a[k] - p[k]) - (a[k] - n[k]) * (a[k] - n[k]);
        if (value <= 0.f)
            continue;
        loss += value / static_cast<float>(triplets);
        float* ga = grad.data() + static_cast<std::size_t>(t) * dim;
        float* gp = ga + static_cast<std::size_t>(triplets) * dim;
        float* gn = gp + static_cast<std::size_t>(triplets) * dim;
        const float scale = 2.f / static_cast<float>(triplets);
        for (int k = 0; k < dim; ++k) {
            ga[k] += scale * (n[k] - p[k]);
            gp[k] += scale * (p[k] - a[k]);
            gn[k] += scale * (a[k] - n[k]);
        }
    }
    return loss;
}

int argument(int argc, char** argv, const char* name, int fallback)
{
    for (int i = 1; i + 1 < argc; ++i)
        if (std::strcmp(argv[i], name) == 0)
            return std::atoi(argv[i + 1]);
    return fallback;
}

}  // namespace

int main(int argc, char** argv)
{
    using namespace lookalike::nn;
    const int size = argument(argc, argv, "--size", 96);
    const int channels = argument(argc, argv, "--channels", 3);
    const int batch = argument(argc, argv, "--batch", 64);
    const int threads = argument(argc, argv, "--threads", 2);
    const int steps = argument(argc, argv, "--steps", 20);

    const NetworkConfig config = NetworkConfig::forInput(channels, size);
    Network network(config, 1);
    network.setThreadCount(threads);
    AdamW optimizer(network.parameters(), {.weightDecay = 1e-4f});
    std::vector<float> images(static_cast<std::size_t>(batch) * channels * size * size);
    std::mt19937 random(7);
    std::normal_distribution<float> normal;
    for (float& value : images)
        value = normal(random);
    std::vector<float> grad(static_cast<std::size_t>(batch) * config.embeddingDim);

    float loss = 0.f;
    const auto trainStep = [&] {
        const auto embeddings = network.forward(images, batch, true);
        loss = tripletLoss(embeddings, batch, config.embeddingDim, grad);
        network.backward(grad);
        optimizer.step(1e-3f);
    };
    for (int i = 0; i < 3; ++i)
        trainStep();
    auto start = Clock::now();
    for (int i = 0; i < steps; ++i)
        trainStep();
    const double trainSeconds = std::chrono::duration<double>(Clock::now() - start).count();

    InferenceNetwork embedder(network, threads);
    for (int i = 0; i < 3; ++i)
        embedder.embed(images, batch);
    start = Clock::now();
    for (int i = 0; i < 2 * steps; ++i)
        embedder.embed(images, batch);
    const double inferSeconds = std::chrono::duration<double>(Clock::now() - start).count();

    std::printf("lookalike nn size=%d channels=%d batch=%d threads=%d (%.1f MFLOP/img): "
                "train %.1f img/s (%.1f ms/step, loss %.4f), infer %.1f img/s\n",
                size, channels, batch, threads, static_cast<double>(flopsPerImage(config)) / 1e6,
                steps * batch / trainSeconds, 1e3 * trainSeconds / steps, static_cast<double>(loss),
                2 * steps * batch / inferSeconds);
    return 0;
}
