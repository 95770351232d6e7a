#pragma once
// Parameter: a named, plain-layout (row-major, PyTorch order) view of one trainable tensor and
// its gradient, as handed to optimizers and checkpoints. The spans point into the owning
// Network and stay valid as long as it lives (also across moves of the Network).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace lookalike::nn {

struct Parameter {
    std::string name;                  // e.g. "stage2.block0.conv1.weight"
    std::vector<std::int64_t> shape;   // conv [O, I, K, K], linear [D, C], BN and bias [C]
    std::span<float> data;
    std::span<float> grad;             // same size as data
    bool weightDecay = true;           // false for BN scale/shift and biases
};

// A non-trained tensor that is still part of the model state (BN running statistics).
struct StateTensor {
    std::string name;                  // e.g. "stem.bn.running_mean"
    std::vector<std::int64_t> shape;
    std::span<float> data;
};

}  // namespace lookalike::nn
