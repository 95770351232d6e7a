#pragma once
// Times a network (the default ResNet, or any NetworkConfig such as the fine-tuned MobileNetV2)
// on in-memory data, for `lookalike-cli bench train|infer` and the side-by-side comparison with
// PyTorch in tests/bench/train.

#include "core/metric/triplet_loss.h"
#include "core/nn/network.h"
#include "core/nn/networkconfig.h"

#include <cstdint>

namespace lookalike::training {

struct EngineBenchConfig {
    nn::NetworkConfig network = nn::NetworkConfig::forInput(3, 96);
    int batch = 64;
    int threads = 2;
    int iterations = 20;
    int warmup = 3;
    metric::TripletMining mining = metric::TripletMining::BatchAll;
    // Training only: Network::setFrozenBlocks (the stem and this many blocks run in inference
    // mode, without backward, and AdamW updates only the rest), as when fine-tuning a backbone.
    int frozenBlocks = 0;
    // The network's initialisation; benchNetwork() builds the same weights, for a peer to run.
    std::uint64_t seed = 1;
};

struct EngineBenchResult {
    double medianSeconds = 0.0;    // per step
    double imagesPerSecond = 0.0;  // batch / median step time
};

// The network the benchmarks time (config.network from config.seed).
// Throws std::invalid_argument for an invalid network config.
nn::Network benchNetwork(const EngineBenchConfig& config);

// One full triplet training step: forward, loss, backward, AdamW update of the trainable
// parameters. Throws std::invalid_argument for frozenBlocks outside [0, number of blocks].
EngineBenchResult benchTrainingStep(const EngineBenchConfig& config);
// Fused inference (InferenceNetwork::embed).
EngineBenchResult benchInference(const EngineBenchConfig& config);
// The machine's sgemm rate with oneDNN's sgemm on `threads` threads, GFLOP/s (median).
double measureSgemmGflops(int threads);

}  // namespace lookalike::training
