#pragma once
// LinearEmbedding: y = normalize(W x + b), a learned linear map from fixed features (the HOG +
// colour descriptors of imaging/descriptors.h) to a unit vector. It is the descriptor branch of
// a trained model (training/embedding_model.h): initialised as a PCA whitening of the
// library's descriptors (training/descriptor_projection.h), then trained with the network's
// triplet loss, so that the descriptors' cosine learns which of their directions tell products
// apart and which only tell drawing styles or photo conditions apart.
//
// Tensors are plain float row-major: features [N, inputDim], embeddings [N, outputDim]. The
// map runs on oneDNN's inner product; plans are built per batch size and reused.
// Not thread-safe: one thread at a time. Same inputs and thread count => same results.

#include "core/nn/parameter.h"

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lookalike::nn {

class LinearEmbedding {
public:
    static constexpr int kMaxDimension = 4096;

    // All weights and biases zero. Throws std::invalid_argument unless both dims are in
    // 1..kMaxDimension.
    LinearEmbedding(int inputDim, int outputDim);
    ~LinearEmbedding();
    LinearEmbedding(LinearEmbedding&&) noexcept;
    LinearEmbedding& operator=(LinearEmbedding&&) noexcept;
    LinearEmbedding clone() const;

    int inputDim() const;
    int outputDim() const;

    // "weight" [outputDim, inputDim] and "bias" [outputDim] (no weight decay); stable views.
    std::vector<Parameter> parameters();
    std::span<const float> weights() const;
    std::span<const float> bias() const;

    // features [N, inputDim] -> [N, outputDim], rows of unit norm (a zero row stays zero).
    // training = true keeps what backward() needs. The result is valid until the next call.
    // Throws std::invalid_argument for a wrong size or batch < 1.
    std::span<const float> forward(std::span<const float> features, int batch, bool training);
    // gradEmbeddings [N, outputDim] for the last training forward() -> overwrites the grads.
    // Throws std::logic_error without one, std::invalid_argument for a wrong size.
    void backward(std::span<const float> gradEmbeddings);

    // OpenMP threads for forward/backward; 0 = the OpenMP default.
    void setThreadCount(int threads);

    // A checkpoint (checkpoint.h) with the architecture
    // "lookalike-linear-embedding/1 input_dim=I output_dim=O" and the two tensors.
    std::vector<std::byte> serialize() const;
    // Throws CheckpointError for anything that is not such a checkpoint, or that holds a
    // non-finite value.
    static LinearEmbedding deserialize(std::span<const std::byte> bytes);

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace lookalike::nn
