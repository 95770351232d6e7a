#include "core/training/engine_bench.h"

#include "core/nn/inferencenetwork.h"
#include "core/nn/network.h"
#include "core/nn/optimizer.h"

#include <dnnl.hpp>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <random>
#include <vector>

namespace lookalike::training {

namespace {

double medianStepSeconds(const std::function<void()>& step, int warmup, int iterations) {
    for (int i = 0; i < warmup; ++i)
        step();
    std::vector<double> times;
    for (int i = 0; i < iterations; ++i) {
        auto start = std::chrono::steady_clock::now();
        step();
        times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(times.size() / 2), times.end());
    return times[times.size() / 2];
}

std::vector<float> randomImages(const EngineBenchConfig& config) {
    const auto& net = config.network;
    std::vector<float> images(static_cast<std::size_t>(config.batch) * net.inChannels * net.inputSize * net.inputSize);
    std::mt19937 random(7);
    std::normal_distribution<float> normal;
    for (float& value : images)
        value = normal(random);
    return images;
}

EngineBenchResult finish(const EngineBenchConfig& config, double seconds) {
    return {seconds, config.batch / seconds};
}

}  // namespace

nn::Network benchNetwork(const EngineBenchConfig& config) {
    return nn::Network(config.network, config.seed);
}

EngineBenchResult benchTrainingStep(const EngineBenchConfig& config) {
    nn::Network network = benchNetwork(config);
    network.setThreadCount(config.threads);
    network.setFrozenBlocks(config.frozenBlocks);
    nn::AdamW optimizer(network.trainableParameters(), {.weightDecay = 5e-4f});
    metric::TripletLoss loss({config.mining, 0.2f, false});
    std::vector<float> images = randomImages(config);
    std::vector<std::int64_t> labels(static_cast<std::size_t>(config.batch));
    for (std::size_t i = 0; i < labels.size(); ++i)
        labels[i] = static_cast<std::int64_t>(i / 4);  // P x K with K = 4
    std::vector<float> gradient(static_cast<std::size_t>(config.batch) * config.network.embeddingDim);
    auto step = [&] {
        std::span<const float> embeddings = network.forward(images, config.batch, true);
        loss.compute({embeddings, static_cast<std::size_t>(config.batch),
                      static_cast<std::size_t>(config.network.embeddingDim)},
                     labels, gradient);
        network.backward(gradient);
        optimizer.step(1e-4f);
    };
    return finish(config, medianStepSeconds(step, config.warmup, config.iterations));
}

EngineBenchResult benchInference(const EngineBenchConfig& config) {
    nn::Network network = benchNetwork(config);
    nn::InferenceNetwork embedder(network, config.threads);
    std::vector<float> images = randomImages(config);
    auto step = [&] { embedder.embed(images, config.batch); };
    return finish(config, medianStepSeconds(step, config.warmup, config.iterations));
}

double measureSgemmGflops(int threads) {
    constexpr dnnl_dim_t n = 1536;
    std::vector<float> a(static_cast<std::size_t>(n * n), 0.5f);
    std::vector<float> b(static_cast<std::size_t>(n * n), 0.25f);
    std::vector<float> c(static_cast<std::size_t>(n * n), 0.0f);
    int previous = omp_get_max_threads();
    omp_set_num_threads(threads);
    auto step = [&] {
        dnnl::sgemm('N', 'N', n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    };
    double seconds = medianStepSeconds(step, 2, 7);
    omp_set_num_threads(previous);
    return 2.0 * static_cast<double>(n) * n * n / seconds / 1e9;
}

}  // namespace lookalike::training
