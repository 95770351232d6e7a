#pragma once
// Network: the trainable embedding CNN (architecture in networkconfig.h / topology.h: the
// compact ResNet or a truncated MobileNetV2, whose backbone pretrained.h can load).
//
//   nn::Network net(nn::NetworkConfig::forInput(3, 96), /*seed*/ 42);
//   nn::AdamW optimizer(net.parameters(), {});
//   for (...) {
//       std::span<const float> embeddings = net.forward(images, batch, /*training*/ true);
//       ... loss, gradEmbeddings = dLoss/dEmbeddings ...
//       net.backward(gradEmbeddings);   // overwrites every parameter's grad
//       optimizer.step(schedule.at(step));
//   }
//
// Tensors are plain float row-major: images [N, C, H, W], embeddings [N, D]. Inside, activations
// stay in oneDNN's blocked layouts; primitives and buffers are built once per batch size (and
// mode) and reused for every later call with that batch size.
// For fast inference use InferenceNetwork (BN folded into the convolutions, fused ReLU).
//
// Not thread-safe: one thread at a time per Network. oneDNN runs its own OpenMP threads.
// Determinism: same seed, same inputs, same thread count => bit-identical results.

#include "core/nn/networkconfig.h"
#include "core/nn/parameter.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace lookalike::nn {

class ParameterStore;

class Network {
public:
    // He-initialised from the seed. Throws std::invalid_argument for an invalid config.
    Network(const NetworkConfig& config, std::uint64_t seed);
    ~Network();
    Network(Network&&) noexcept;
    Network& operator=(Network&&) noexcept;

    const NetworkConfig& config() const;

    // images [N, C, H, W] (N = batch, H = W = config().inputSize) -> embeddings [N, D], each row
    // of unit L2 norm. training = true: BN uses batch statistics and updates its running ones,
    // and backward() becomes available; false: BN uses the running statistics.
    // The images are copied; the result is valid until the next forward() on this network.
    // Throws std::invalid_argument for a wrong span size or batch < 1.
    std::span<const float> forward(std::span<const float> images, int batch, bool training);

    // gradEmbeddings [N, D] (dLoss/dEmbeddings for the last forward(..., training = true))
    // -> overwrites the grad of every parameter. Throws std::logic_error without such a
    // forward, std::invalid_argument for a wrong span size.
    void backward(std::span<const float> gradEmbeddings);

    // Views into the network's storage, stable for its lifetime (see parameter.h).
    std::vector<Parameter> parameters();
    // The parameters training changes: all of them, minus those of the frozen layers below.
    std::vector<Parameter> trainableParameters();
    std::vector<StateTensor> states();  // BN running statistics
    void zeroGrad();

    // Fine-tuning a pretrained backbone: the stem and the first `blocks` blocks (residual or
    // inverted residual, in network order) are frozen. In training mode they run as in inference
    // (BN on its running statistics, which stay as they are), backward() stops above them and
    // leaves their gradients at zero. 0: everything trains. Throws std::invalid_argument
    // outside [0, number of blocks].
    void setFrozenBlocks(int blocks);
    int frozenBlocks() const;

    // Frees the plans of the batch sizes run so far (their buffers hold a batch's activations
    // and gradients: 1.6 GB for the MobileNetV2 backbone at batch 64); the next forward()
    // builds the one it needs again, and backward() needs a forward() first.
    void releasePlans();

    // OpenMP threads for forward/backward; 0 = the OpenMP default (OMP_NUM_THREADS).
    void setThreadCount(int threads);
    int threadCount() const;

private:
    friend class InferenceNetwork;
    ParameterStore& store() const;

    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace lookalike::nn
