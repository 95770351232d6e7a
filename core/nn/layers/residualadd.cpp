#include "core/nn/layers/residualadd.h"

namespace lookalike::nn::layers {

namespace {
constexpr auto kReluFromDst = dnnl::algorithm::eltwise_relu_use_dst_for_bwd;
}

ResidualAdd::ResidualAdd(Context& context, const memory& a, const memory& b, bool relu, bool inPlace)
    : m_context(context), m_relu(relu)
{
    const memory::desc& desc = a.get_desc();
    m_b = LayoutAdapter(context, b, desc);
    dnnl::primitive_attr attributes = context.attributes();
    if (relu) {
        dnnl::post_ops postOps;
        postOps.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        attributes.set_post_ops(postOps);
    }
    const dnnl::binary::primitive_desc primitiveDesc(
        dnnl::binary::desc(dnnl::algorithm::binary_add, desc, desc, desc), attributes, context.engine());
    m_forward = dnnl::binary(primitiveDesc);
    // oneDNN 2.6's binary leaves dst unwritten when run in place on a layout with padded
    // channels (e.g. 8 channels in nChw16c); such a layer gets its own dst instead.
    m_dst = inPlace && !hasPadding(desc) ? a : memory(desc, context.engine());
    m_forwardArguments = {{DNNL_ARG_SRC_0, a},
                          {DNNL_ARG_SRC_1, m_b.output()},
                          {DNNL_ARG_DST, m_dst},
                          {DNNL_ARG_SCRATCHPAD, context.scratchpadFor(primitiveDesc.scratchpad_desc())}};
}

void ResidualAdd::forward()
{
    m_b.apply(m_context);
    m_context.execute(m_forward, m_forwardArguments);
}

void ResidualAdd::prepareBackward(const memory& diffDst)
{
    const memory::desc& desc = m_dst.get_desc();
    m_diffDst = LayoutAdapter(m_context, diffDst, desc);
    if (!m_relu)
        return;  // the gradient passes through unchanged
    // ReLU(x) > 0 exactly where ReLU's output is > 0, so the mask comes from dst.
    const dnnl::eltwise_forward::primitive_desc hint(
        dnnl::eltwise_forward::desc(dnnl::prop_kind::forward_training, kReluFromDst, desc, 0.f, 0.f),
        m_context.engine());
    const dnnl::eltwise_backward::primitive_desc primitiveDesc(
        dnnl::eltwise_backward::desc(kReluFromDst, desc, desc, 0.f, 0.f), m_context.attributes(),
        m_context.engine(), hint);
    m_reluBackward = dnnl::eltwise_backward(primitiveDesc);
    m_diffSrc = memory(primitiveDesc.diff_src_desc(), m_context.engine());
    m_backwardArguments = {{DNNL_ARG_DST, m_dst},
                           {DNNL_ARG_DIFF_DST, m_diffDst.output()},
                           {DNNL_ARG_DIFF_SRC, m_diffSrc},
                           {DNNL_ARG_SCRATCHPAD, m_context.scratchpadFor(primitiveDesc.scratchpad_desc())}};
}

void ResidualAdd::backward()
{
    m_diffDst.apply(m_context);
    if (m_relu)
        m_context.execute(m_reluBackward, m_backwardArguments);
}

}  // namespace lookalike::nn::layers
