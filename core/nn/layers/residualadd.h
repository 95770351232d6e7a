#pragma once
// Elementwise add of two activations over oneDNN binary (internal; see context.h), with an
// optional fused ReLU post-op: the join of a residual block, and the sum of two gradients
// where an activation fans out.
// a [N, C, H, W] + b [N, C, H, W] -> dst [N, C, H, W] in a's layout.
// Backward: d(dst)/da = d(dst)/db, so diffSrc() is the gradient for both inputs.

#include "core/nn/layers/context.h"

namespace lookalike::nn::layers {

class ResidualAdd {
public:
    // inPlace: write dst over a where possible (allowed when nothing reads a after this
    // layer's forward); callers must use dst(), which may still be a separate buffer.
    ResidualAdd(Context& context, const memory& a, const memory& b, bool relu, bool inPlace);

    void forward();
    const memory& dst() const { return m_dst; }

    void prepareBackward(const memory& diffDst);
    void backward();
    const memory& diffSrc() const { return m_relu ? m_diffSrc : m_diffDst.output(); }

private:
    Context& m_context;
    bool m_relu;
    LayoutAdapter m_b;
    dnnl::binary m_forward;
    memory m_dst;
    Arguments m_forwardArguments;
    dnnl::eltwise_backward m_reluBackward;
    LayoutAdapter m_diffDst;
    memory m_diffSrc;
    Arguments m_backwardArguments;
};

}  // namespace lookalike::nn::layers
