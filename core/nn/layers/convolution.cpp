#include "core/nn/layers/convolution.h"

#include <stdexcept>

namespace lookalike::nn::layers {

namespace {

using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

}  // namespace

Convolution::Convolution(Context& context, const ConvolutionShape& shape, const memory& src,
                         const ConvolutionParameters& parameters, Mode mode,
                         const ConvolutionFusion& fusion, bool constantWeights)
    : m_context(context), m_hasBias(parameters.bias != nullptr)
{
    const memory::dims srcDims = src.get_desc().dims();
    if (srcDims.size() != 4 || srcDims[1] != shape.inChannels)
        throw std::logic_error("Convolution: src must be [N, inChannels, H, W]");
    const memory::dim outSize = (srcDims[2] + 2 * shape.padding - shape.kernel) / shape.stride + 1;
    const memory::dim outWidth = (srcDims[3] + 2 * shape.padding - shape.kernel) / shape.stride + 1;
    const memory::dims dstDims{srcDims[0], shape.outChannels, outSize, outWidth};
    m_weightsDims = {shape.outChannels, shape.inChannels, shape.kernel, shape.kernel};
    m_strides = {shape.stride, shape.stride};
    m_padding = {shape.padding, shape.padding};

    const memory::desc srcAny(srcDims, f32, tag::any);
    const memory::desc weightsAny(m_weightsDims, f32, tag::any);
    const memory::desc dstAny(dstDims, f32, tag::any);
    const memory::desc biasDesc = plainDesc({shape.outChannels});
    const auto propagation = mode == Mode::Training ? dnnl::prop_kind::forward_training
                                                    : dnnl::prop_kind::forward_inference;
    const auto descriptor =
        parameters.bias
            ? dnnl::convolution_forward::desc(propagation, dnnl::algorithm::convolution_direct,
                                              srcAny, weightsAny, biasDesc, dstAny, m_strides,
                                              m_padding, m_padding)
            : dnnl::convolution_forward::desc(propagation, dnnl::algorithm::convolution_direct,
                                              srcAny, weightsAny, dstAny, m_strides, m_padding,
                                              m_padding);
    dnnl::primitive_attr attributes = context.attributes();
    dnnl::post_ops postOps;
    if (fusion.addend)
        postOps.append_sum(1.f);
    if (fusion.relu)
        postOps.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
    attributes.set_post_ops(postOps);
    m_forwardDesc = dnnl::convolution_forward::primitive_desc(descriptor, attributes, context.engine());

    if (fusion.addend && fusion.addend->get_desc() == m_forwardDesc.dst_desc()) {
        m_dst = *fusion.addend;  // accumulate in place: the addend is not needed afterwards
    } else {
        m_dst = memory(m_forwardDesc.dst_desc(), context.engine());
        if (fusion.addend) {
            m_addend = *fusion.addend;
            m_addendCopy = dnnl::reorder(m_addend, m_dst);
        }
    }
    m_primitives.buildForward(context, m_forwardDesc, src, m_dst,
                              {parameters.weights, parameters.weightsGradient, parameters.bias,
                               parameters.biasGradient, m_weightsDims},
                              constantWeights);
}

void Convolution::forward()
{
    if (m_addendCopy)
        m_addendCopy->execute(m_context.stream(), m_addend, m_dst);
    m_primitives.forward(m_context);
}

void Convolution::prepareBackward(const memory& diffDst, bool needDiffSrc)
{
    const memory::desc srcAny(m_forwardDesc.src_desc().dims(), f32, tag::any);
    const memory::desc weightsAny(m_weightsDims, f32, tag::any);
    const memory::desc diffDstAny(m_forwardDesc.dst_desc().dims(), f32, tag::any);
    const dnnl::primitive_attr attributes = m_context.attributes();
    const dnnl::engine& engine = m_context.engine();

    std::optional<dnnl::convolution_backward_data::primitive_desc> dataDesc;
    if (needDiffSrc)
        dataDesc.emplace(dnnl::convolution_backward_data::desc(dnnl::algorithm::convolution_direct, srcAny,
                                                               weightsAny, diffDstAny, m_strides, m_padding,
                                                               m_padding),
                         attributes, engine, m_forwardDesc);
    const memory::desc biasDesc = plainDesc({m_weightsDims[0]});
    const auto descriptor =
        m_hasBias ? dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, srcAny,
                                                             weightsAny, biasDesc, diffDstAny, m_strides,
                                                             m_padding, m_padding)
                  : dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, srcAny,
                                                             weightsAny, diffDstAny, m_strides, m_padding,
                                                             m_padding);
    const dnnl::convolution_backward_weights::primitive_desc weightsDesc(descriptor, attributes, engine,
                                                                         m_forwardDesc);
    m_primitives.buildBackward(m_context, diffDst, dataDesc ? &*dataDesc : nullptr, weightsDesc);
}

void Convolution::backward()
{
    m_primitives.backward(m_context);
}

}  // namespace lookalike::nn::layers
