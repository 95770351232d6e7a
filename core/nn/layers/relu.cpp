#include "core/nn/layers/relu.h"

namespace lookalike::nn::layers {

Relu::Relu(Context& context, const memory& src, Mode mode, std::optional<float> upperBound)
    : m_context(context), m_op(reluOp(upperBound, true))
{
    const bool training = mode == Mode::Training;
    const EltwiseOp op = training ? m_op : reluOp(upperBound, false);
    const dnnl::eltwise_forward::desc descriptor(
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference, op.algorithm,
        src.get_desc(), op.alpha, op.beta);
    m_forwardDesc = dnnl::eltwise_forward::primitive_desc(descriptor, context.attributes(), context.engine());
    m_forward = dnnl::eltwise_forward(m_forwardDesc);
    m_dst = memory(m_forwardDesc.dst_desc(), context.engine());
    m_forwardArguments = {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_DST, m_dst},
                          {DNNL_ARG_SCRATCHPAD, context.scratchpadFor(m_forwardDesc.scratchpad_desc())}};
}

void Relu::forward()
{
    m_context.execute(m_forward, m_forwardArguments);
}

void Relu::prepareBackward(const memory& diffDst)
{
    const memory::desc& dstDesc = m_dst.get_desc();
    const dnnl::eltwise_backward::desc descriptor(m_op.algorithm, dstDesc, dstDesc, m_op.alpha, m_op.beta);
    const dnnl::eltwise_backward::primitive_desc primitiveDesc(descriptor, m_context.attributes(),
                                                               m_context.engine(), m_forwardDesc);
    m_backward = dnnl::eltwise_backward(primitiveDesc);
    m_diffDst = LayoutAdapter(m_context, diffDst, primitiveDesc.diff_dst_desc());
    m_diffSrc = memory(primitiveDesc.diff_src_desc(), m_context.engine());
    m_backwardArguments = {{DNNL_ARG_DST, m_dst},
                           {DNNL_ARG_DIFF_DST, m_diffDst.output()},
                           {DNNL_ARG_DIFF_SRC, m_diffSrc},
                           {DNNL_ARG_SCRATCHPAD, m_context.scratchpadFor(primitiveDesc.scratchpad_desc())}};
}

void Relu::backward()
{
    m_diffDst.apply(m_context);
    m_context.execute(m_backward, m_backwardArguments);
}

}  // namespace lookalike::nn::layers
