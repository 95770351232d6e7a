#pragma once
// InferenceNetwork: a frozen, fused copy of a Network for computing embeddings fast.
//
//   nn::InferenceNetwork embedder(net, /*threads*/ 2);
//   std::span<const float> embeddings = embedder.embed(images, batch);  // [N, D]
//
// At construction every BN is folded into the preceding convolution (w' = w * s, b' = beta -
// mean * s with s = gamma / sqrt(var + eps)) and ReLU and the residual add become convolution
// post-ops, so a residual block is two (or three) convolution primitives and nothing else;
// the same for MobileNetV2 (grouped weights folded per output channel, ReLU6 and the identity
// add as post-ops of the depthwise/projection convolutions).
// Results equal net.forward(images, batch, /*training*/ false) up to float rounding.
// Later changes to the source Network do not affect it (it copies the parameters).
// A large batch runs in sub-batches of a few images (faster: their activations stay in the
// caches); primitives are built once per sub-batch size (a few sizes are cached).
// Not thread-safe: one thread at a time per instance; separate instances are independent.

#include "core/nn/networkconfig.h"

#include <cstdint>
#include <memory>
#include <span>

namespace lookalike::nn {

class Network;
class InferencePlan;

class InferenceNetwork {
public:
    // threads: OpenMP threads used by embed(); 0 = the OpenMP default (OMP_NUM_THREADS).
    explicit InferenceNetwork(const Network& network, int threads = 0);
    ~InferenceNetwork();
    InferenceNetwork(InferenceNetwork&&) noexcept;
    InferenceNetwork& operator=(InferenceNetwork&&) noexcept;

    const NetworkConfig& config() const;

    // images [N, C, H, W] plain -> embeddings [N, D], rows of unit L2 norm; valid until the
    // next embed(). Throws std::invalid_argument for a wrong span size or batch < 1.
    std::span<const float> embed(std::span<const float> images, int batch);

    // What the head's linear layer reads: images [N, C, H, W] -> the grid means [N, F], F =
    // pooledFeatureCount() (feature c * grid * grid + row * grid + column; not normalised), for
    // fitting a head in closed form. Valid until the next call; throws as embed().
    std::span<const float> pooledFeatures(std::span<const float> images, int batch);
    std::int64_t pooledFeatureCount() const;

    void setThreadCount(int threads);
    // Frees the plans (their buffers hold a batch's activations: about 7 MB per MobileNetV2
    // image at 128 px); the next call builds the one it needs again.
    void releasePlans();

private:
    int subBatch() const;  // from the calling thread's OpenMP count
    InferencePlan& plan(int batch);
    // Checks the arguments and runs the images through sub-batch plans; pooled: the pooled
    // features instead of the embeddings.
    std::span<const float> run(std::span<const float> images, int batch, bool pooled, const char* caller);

    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace lookalike::nn
