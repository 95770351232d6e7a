#pragma once
// The part convolution and inner product share (internal; see context.h): executing a forward
// primitive with weights kept in plain parameter storage, and its backward-data and
// backward-weights primitives with gradients written back to plain storage. Convolution and
// Linear only differ in how they describe their primitives.

#include "core/nn/layers/context.h"

namespace lookalike::nn::layers {

class WeightedPrimitives {
public:
    struct Weights {
        float* values = nullptr;       // plain [O, ...] (grouped convolution: [G, O / G, ...])
        float* gradient = nullptr;     // plain, same shape; null without backward
        float* bias = nullptr;         // [O] or null
        float* biasGradient = nullptr;
        memory::dims dims;
    };

    // src is reordered into the primitive's layout if needed; dst is where it writes.
    // constantWeights: reorder the weights once now instead of at every forward().
    void buildForward(Context& context, const dnnl::primitive_desc& forwardDesc, const memory& src,
                      const memory& dst, const Weights& weights, bool constantWeights);
    void forward(Context& context);

    // backwardDataDesc may be null: no gradient w.r.t. src.
    void buildBackward(Context& context, const memory& diffDst, const dnnl::primitive_desc* backwardDataDesc,
                       const dnnl::primitive_desc& backwardWeightsDesc);
    void backward(Context& context);

    const memory& diffSrc() const { return m_diffSrc; }

private:
    Weights m_weights;
    bool m_constantWeights = false;
    dnnl::primitive m_forward;
    LayoutAdapter m_src;
    LayoutAdapter m_forwardWeights;
    Arguments m_forwardArguments;

    std::optional<dnnl::primitive> m_backwardData;
    dnnl::primitive m_backwardWeights;
    LayoutAdapter m_diffDstForData;
    LayoutAdapter m_diffDstForWeights;
    LayoutAdapter m_srcForWeights;
    LayoutAdapter m_weightsForData;
    memory m_diffSrc;
    GradientSink m_weightsGradient;
    Arguments m_backwardDataArguments;
    Arguments m_backwardWeightsArguments;
};

}  // namespace lookalike::nn::layers
