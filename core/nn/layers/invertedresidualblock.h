#pragma once
// MobileNetV2's inverted residual block for training (internal; see context.h), wired to the
// ParameterStore by the Keras names in topology.h.

#include "core/nn/layers/residualblock.h"

#include <memory>
#include <vector>

namespace lookalike::nn::layers {

// project(relu6(depthwise(relu6(expand(x))))) (+ x when spec.residual); a block cut after its
// expand layer is relu6(expand(x)) alone. Each unit is conv + BN (+ activation).
// src [N, I, H, W] -> dst [N, O, H / stride, W / stride]
class InvertedResidualBlock {
public:
    InvertedResidualBlock(Context& context, const InvertedResidualSpec& spec, const memory& src,
                          ParameterStore& store, Mode mode);

    void forward();
    const memory& dst() const { return m_join ? m_join->dst() : m_units.back()->dst(); }

    void prepareBackward(const memory& diffDst);
    void backward();
    // With the residual add: the sum of the main path's and the identity's gradients.
    const memory& diffSrc() const { return m_gradientSum ? m_gradientSum->dst() : m_units.front()->diffSrc(); }

private:
    Context& m_context;
    std::vector<std::unique_ptr<ConvBn>> m_units;  // expand, depthwise, project as present
    std::optional<ResidualAdd> m_join;
    std::optional<ResidualAdd> m_gradientSum;
};

}  // namespace lookalike::nn::layers
