#pragma once
// Times the default network on in-memory data, for `lookalike-cli bench train|infer` and the
// side-by-side comparison with PyTorch in tests/bench/train.

#include "core/metric/triplet_loss.h"
#include "core/nn/networkconfig.h"

namespace lookalike::training {

struct EngineBenchConfig {
    nn::NetworkConfig network = nn::NetworkConfig::forInput(3, 96);
    int batch = 64;
    int threads = 2;
    int iterations = 20;
    int warmup = 3;
    metric::TripletMining mining = metric::TripletMining::BatchAll;
};

struct EngineBenchResult {
    double medianSeconds = 0.0;    // per step
    double imagesPerSecond = 0.0;  // batch / median step time
};

// One full triplet training step: forward, loss, backward, AdamW update.
EngineBenchResult benchTrainingStep(const EngineBenchConfig& config);
// Fused inference (InferenceNetwork::embed).
EngineBenchResult benchInference(const EngineBenchConfig& config);
// The machine's sgemm rate with oneDNN's sgemm on `threads` threads, GFLOP/s (median).
double measureSgemmGflops(int threads);

}  // namespace lookalike::training
