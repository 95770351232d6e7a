#pragma once
// Convolution over oneDNN (internal; see context.h for the layer recipe).
// src [N, I, H, W] -> dst [N, O, H', W'], H' = (H + 2 * padding - kernel) / stride + 1.

#include "core/nn/layers/weightedprimitives.h"

namespace lookalike::nn::layers {

struct ConvolutionShape {
    int inChannels = 0;
    int outChannels = 0;
    int kernel = 3;
    int stride = 1;
    int padding = 1;
};

// Plain parameter storage owned by the caller. weights [O, I, K, K]; bias [O] or null for a
// bias-free convolution; gradients may be null in Mode::Inference.
struct ConvolutionParameters {
    float* weights = nullptr;
    float* weightsGradient = nullptr;
    float* bias = nullptr;
    float* biasGradient = nullptr;
};

// Post-ops for the fused inference path: dst = relu?(conv(src) + bias + addend).
struct ConvolutionFusion {
    bool relu = false;
    const memory* addend = nullptr;  // [N, O, H', W']; overwritten with dst when layouts agree
};

class Convolution {
public:
    // constantWeights: reorder the weights once here instead of at every forward (for
    // networks whose parameters never change, i.e. the folded inference network).
    Convolution(Context& context, const ConvolutionShape& shape, const memory& src,
                const ConvolutionParameters& parameters, Mode mode,
                const ConvolutionFusion& fusion = {}, bool constantWeights = false);

    void forward();
    const memory& dst() const { return m_dst; }

    // Binds diffDst [N, O, H', W'] (any layout) and builds the backward primitives.
    // needDiffSrc = false skips backward-data (first layer: no gradient w.r.t. images).
    void prepareBackward(const memory& diffDst, bool needDiffSrc);
    // Overwrites the weight (and bias) gradients; writes diffSrc() if requested.
    void backward();
    const memory& diffSrc() const { return m_primitives.diffSrc(); }

private:
    Context& m_context;
    memory::dims m_weightsDims;
    memory::dims m_strides;
    memory::dims m_padding;
    bool m_hasBias;
    dnnl::convolution_forward::primitive_desc m_forwardDesc;
    WeightedPrimitives m_primitives;
    std::optional<dnnl::reorder> m_addendCopy;  // when the addend's layout differs from dst
    memory m_addend;
    memory m_dst;
};

}  // namespace lookalike::nn::layers
