#pragma once
// ReLU over oneDNN eltwise (internal; see context.h for the layer recipe).
// src [N, C, H, W] (any rank) -> dst, same shape and layout. Backward reads dst instead of src
// (eltwise_relu_use_dst_for_bwd), so src may be released or overwritten after forward.

#include "core/nn/layers/context.h"

namespace lookalike::nn::layers {

class Relu {
public:
    Relu(Context& context, const memory& src, Mode mode);

    void forward();
    const memory& dst() const { return m_dst; }

    void prepareBackward(const memory& diffDst);
    void backward();
    const memory& diffSrc() const { return m_diffSrc; }

private:
    Context& m_context;
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
