#include "core/nn/layers/pooling.h"

#include <stdexcept>

namespace lookalike::nn::layers {

Pooling::Pooling(Context& context, const PoolingShape& shape, const memory& src, Mode mode)
    : m_context(context), m_src(src)
{
    const memory::dims srcDims = src.get_desc().dims();
    if (srcDims.size() != 4)
        throw std::logic_error("Pooling: src must be [N, C, H, W]");
    if (shape.kind == PoolingKind::GlobalAverage) {
        m_kernel = {srcDims[2], srcDims[3]};
        m_strides = {1, 1};
        m_padding = {0, 0};
    } else {
        m_kernel = {shape.kernel, shape.kernel};
        m_strides = {shape.stride, shape.stride};
        m_padding = {shape.padding, shape.padding};
    }
    m_algorithm = shape.kind == PoolingKind::Max ? dnnl::algorithm::pooling_max
                                                 : dnnl::algorithm::pooling_avg_include_padding;
    memory::dims dstDims = srcDims;
    for (int axis = 0; axis < 2; ++axis)
        dstDims[2 + axis] = (srcDims[2 + axis] + 2 * m_padding[axis] - m_kernel[axis]) / m_strides[axis] + 1;

    const bool training = mode == Mode::Training;
    const dnnl::pooling_forward::desc descriptor(
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
        m_algorithm, src.get_desc(), memory::desc(dstDims, memory::data_type::f32, memory::format_tag::any),
        m_strides, m_kernel, m_padding, m_padding);
    m_forwardDesc = dnnl::pooling_forward::primitive_desc(descriptor, context.attributes(), context.engine());
    m_forward = dnnl::pooling_forward(m_forwardDesc);
    m_dst = memory(m_forwardDesc.dst_desc(), context.engine());
    m_forwardArguments = {{DNNL_ARG_SRC, src},
                          {DNNL_ARG_DST, m_dst},
                          {DNNL_ARG_SCRATCHPAD, context.scratchpadFor(m_forwardDesc.scratchpad_desc())}};
    if (training && shape.kind == PoolingKind::Max) {
        m_workspace = memory(m_forwardDesc.workspace_desc(), context.engine());
        m_forwardArguments[DNNL_ARG_WORKSPACE] = m_workspace;
    }
}

void Pooling::forward()
{
    m_context.execute(m_forward, m_forwardArguments);
}

void Pooling::prepareBackward(const memory& diffDst)
{
    const dnnl::pooling_backward::desc descriptor(m_algorithm, m_src.get_desc(), m_dst.get_desc(),
                                                  m_strides, m_kernel, m_padding, m_padding);
    const dnnl::pooling_backward::primitive_desc primitiveDesc(descriptor, m_context.attributes(),
                                                               m_context.engine(), m_forwardDesc);
    m_backward = dnnl::pooling_backward(primitiveDesc);
    m_diffDst = LayoutAdapter(m_context, diffDst, primitiveDesc.diff_dst_desc());
    m_diffSrc = memory(primitiveDesc.diff_src_desc(), m_context.engine());
    m_backwardArguments = {{DNNL_ARG_DIFF_DST, m_diffDst.output()},
                           {DNNL_ARG_DIFF_SRC, m_diffSrc},
                           {DNNL_ARG_SCRATCHPAD, m_context.scratchpadFor(primitiveDesc.scratchpad_desc())}};
    if (m_workspace)
        m_backwardArguments[DNNL_ARG_WORKSPACE] = m_workspace;
}

void Pooling::backward()
{
    m_diffDst.apply(m_context);
    m_context.execute(m_backward, m_backwardArguments);
}

}  // namespace lookalike::nn::layers
