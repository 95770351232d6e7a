#pragma once
// Fully connected layer over oneDNN inner product (internal; see context.h).
// src [N, C] or [N, C, H, W] (flattened) -> dst [N, K]; weights plain [K, C(*H*W)], bias [K].

#include "core/nn/layers/weightedprimitives.h"

namespace lookalike::nn::layers {

struct LinearParameters {
    float* weights = nullptr;
    float* weightsGradient = nullptr;
    float* bias = nullptr;
    float* biasGradient = nullptr;
};

class Linear {
public:
    Linear(Context& context, int outFeatures, const memory& src, const LinearParameters& parameters,
           Mode mode, bool constantWeights = false);

    void forward();
    const memory& dst() const { return m_dst; }

    void prepareBackward(const memory& diffDst, bool needDiffSrc);
    void backward();
    const memory& diffSrc() const { return m_primitives.diffSrc(); }

private:
    Context& m_context;
    memory::dims m_weightsDims;
    dnnl::inner_product_forward::primitive_desc m_forwardDesc;
    WeightedPrimitives m_primitives;
    memory m_dst;
};

}  // namespace lookalike::nn::layers
