#pragma once
// The trainable building blocks of the embedding network (internal; see context.h), wired to
// the parameters in a ParameterStore by the names in topology.h.

#include "core/nn/layers/batchnorm.h"
#include "core/nn/layers/convolution.h"
#include "core/nn/layers/relu.h"
#include "core/nn/layers/residualadd.h"
#include "core/nn/parameterstore.h"
#include "core/nn/topology.h"

namespace lookalike::nn::layers {

// Bias-free (grouped) convolution + batch norm + activation: ReLU fused into the BN
// primitive, ReLU6 as a separate clipping layer (oneDNN's BN only fuses a plain ReLU).
// src [N, I, H, W] -> dst [N, O, H', W']
class ConvBn {
public:
    ConvBn(Context& context, const ConvBnSpec& spec, const memory& src, ParameterStore& store,
           Mode mode, Activation activation);

    void forward();
    const memory& dst() const { return m_clip ? m_clip->dst() : m_norm.dst(); }

    void prepareBackward(const memory& diffDst, bool needDiffSrc);
    void backward();
    const memory& diffSrc() const { return m_convolution.diffSrc(); }

private:
    Convolution m_convolution;
    BatchNorm m_norm;
    std::optional<Relu> m_clip;
};

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)).
// src [N, I, H, W] -> dst [N, O, H / stride, W / stride]
class ResidualBlock {
public:
    ResidualBlock(Context& context, const ResidualBlockSpec& spec, const memory& src,
                  ParameterStore& store, Mode mode);

    void forward();
    const memory& dst() const { return m_join.dst(); }

    void prepareBackward(const memory& diffDst);
    void backward();
    // The gradient w.r.t. src sums the main path's and the shortcut's.
    const memory& diffSrc() const { return m_gradientSum->dst(); }

private:
    Context& m_context;
    memory m_src;
    ConvBn m_conv1;
    ConvBn m_conv2;
    std::optional<ConvBn> m_shortcut;
    ResidualAdd m_join;
    std::optional<ResidualAdd> m_gradientSum;
};

}  // namespace lookalike::nn::layers
