#pragma once
// ReLU over oneDNN eltwise (internal; see context.h for the layer recipe), optionally clipped
// at an upper bound (6: MobileNet's ReLU6, dst = min(max(src, 0), 6)).
// src [N, C, H, W] (any rank) -> dst, same shape and layout. Backward reads dst instead of src
// (the *_use_dst_for_bwd algorithms), so src may be released or overwritten after forward.

#include "core/nn/layers/context.h"

namespace lookalike::nn::layers {

class Relu {
public:
    Relu(Context& context, const memory& src, Mode mode, std::optional<float> upperBound = {});

    void forward();
    const memory& dst() const { return m_dst; }

    void prepareBackward(const memory& diffDst);
    void backward();
    const memory& diffSrc() const { return m_diffSrc; }

private:
    Context& m_context;
    EltwiseOp m_op;  // the training (from-dst) variant, shared by forward and backward
    dnnl::eltwise_forward::primitive_desc m_forwardDesc;
    dnnl::eltwise_forward m_forward;
    memory m_dst;
    Arguments m_forwardArguments;
    dnnl::eltwise_backward m_backward;
    LayoutAdapter m_diffDst;
    memory m_diffSrc;
    Arguments m_backwardArguments;
};

}  // namespace lookalike::nn::layers
