#pragma once
// Convolution over oneDNN (internal; see context.h for the layer recipe), optionally grouped
// (groups = I = O: MobileNet's depthwise convolution) and asymmetrically padded.
// src [N, I, H, W] -> dst [N, O, H', W'], H' = (H + padding + paddingEnd - kernel) / stride + 1.

#include "core/nn/layers/weightedprimitives.h"

namespace lookalike::nn {
struct ConvBnSpec;
}

namespace lookalike::nn::layers {

struct ConvolutionShape {
    int inChannels = 0;
    int outChannels = 0;
    int kernel = 3;
    int stride = 1;
    int padding = 1;                     // zero rows/columns before the image (top, left)
    std::optional<int> paddingEnd = {};  // after it (bottom, right); unset: same as padding.
                                         // Keras' ZeroPadding2D(((0, 1), (0, 1))) is {0, 1}.
    int groups = 1;                      // I and O split into groups convolved separately

    int paddingAfter() const { return paddingEnd.value_or(padding); }
    // H' for an input of size H (the same formula serves W).
    int outputSize(int inputSize) const { return (inputSize + padding + paddingAfter() - kernel) / stride + 1; }
};

// The convolution of a topology's conv + BN unit.
ConvolutionShape shapeOf(const ConvBnSpec& spec);

// Plain parameter storage owned by the caller. weights [O, I / groups, K, K] (= oneDNN's goihw
// [groups, O / groups, I / groups, K, K] when grouped; depthwise: [C, 1, K, K]); bias [O] or
// null for a bias-free convolution; gradients may be null in Mode::Inference.
struct ConvolutionParameters {
    float* weights = nullptr;
    float* weightsGradient = nullptr;
    float* bias = nullptr;
    float* biasGradient = nullptr;
};

// Post-ops for the fused inference path: dst = relu?(conv(src) + bias + addend), the ReLU
// clipped at reluUpperBound when set (6: ReLU6).
struct ConvolutionFusion {
    bool relu = false;
    std::optional<float> reluUpperBound = {};
    const memory* addend = nullptr;  // [N, O, H', W']; overwritten with dst when layouts agree
};

class Convolution {
public:
    // Throws std::logic_error when src is not [N, inChannels, H, W] or groups does not divide
    // both channel counts. constantWeights: reorder the weights once here instead of at every
    // forward (for networks whose parameters never change, i.e. the folded inference network).
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
    memory::dims m_paddingBegin;
    memory::dims m_paddingEnd;
    bool m_hasBias;
    dnnl::convolution_forward::primitive_desc m_forwardDesc;
    WeightedPrimitives m_primitives;
    std::optional<dnnl::reorder> m_addendCopy;  // when the addend's layout differs from dst
    memory m_addend;
    memory m_dst;
};

}  // namespace lookalike::nn::layers
