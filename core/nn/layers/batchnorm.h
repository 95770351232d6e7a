#pragma once
// Batch normalisation over oneDNN (internal; see context.h for the layer recipe).
// src [N, C, H, W] -> dst [N, C, H, W] (src's layout), dst = scale * (src - mean) / sqrt(var + eps)
// + shift, optionally followed by a fused ReLU. Training normalises with the batch statistics
// and updates the running ones (PyTorch convention: momentum 0.1, unbiased running variance);
// inference normalises with the running statistics.

#include "core/nn/layers/context.h"

namespace lookalike::nn::layers {

// Plain [C] buffers owned by the caller; gradients may be null in Mode::Inference.
struct BatchNormParameters {
    float* scale = nullptr;
    float* shift = nullptr;
    float* scaleGradient = nullptr;
    float* shiftGradient = nullptr;
    float* runningMean = nullptr;
    float* runningVariance = nullptr;
};

struct BatchNormOptions {
    float epsilon = 1e-5f;
    float momentum = 0.1f;
    // ReLU inside the BN primitive (fuse_norm_relu): saves a full pass over the activation
    // forward and backward; the ReLU mask travels in the workspace.
    bool fuseRelu = false;
};

class BatchNorm {
public:
    BatchNorm(Context& context, const memory& src, const BatchNormParameters& parameters,
              Mode mode, const BatchNormOptions& options = {});

    void forward();
    const memory& dst() const { return m_dst; }

    void prepareBackward(const memory& diffDst);
    // Overwrites the scale and shift gradients and writes diffSrc().
    void backward();
    const memory& diffSrc() const { return m_diffSrc; }

private:
    void updateRunningStatistics();

    Context& m_context;
    BatchNormParameters m_parameters;
    BatchNormOptions m_options;
    Mode m_mode;
    memory::dim m_channels;
    memory::dim m_valuesPerChannel;  // N * H * W
    dnnl::normalization_flags m_flags;
    dnnl::batch_normalization_forward::primitive_desc m_forwardDesc;
    dnnl::batch_normalization_forward m_forward;
    memory m_src;
    memory m_dst;
    memory m_mean;
    memory m_variance;
    memory m_workspace;
    Arguments m_forwardArguments;

    dnnl::batch_normalization_backward m_backward;
    LayoutAdapter m_diffDst;
    memory m_diffSrc;
    Arguments m_backwardArguments;
};

}  // namespace lookalike::nn::layers
