#include "core/nn/layers/convolution.h"

#include "core/nn/topology.h"

#include <stdexcept>

namespace lookalike::nn::layers {

namespace {

using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;

}  // namespace

ConvolutionShape shapeOf(const ConvBnSpec& spec)
{
    return {spec.inChannels, spec.outChannels, spec.kernel, spec.stride, spec.padding, spec.paddingAfter(), spec.groups};
}

Convolution::Convolution(Context& context, const ConvolutionShape& shape, const memory& src,
                         const ConvolutionParameters& parameters, Mode mode,
                         const ConvolutionFusion& fusion, bool constantWeights)
    : m_context(context), m_hasBias(parameters.bias != nullptr)
{
    const memory::dims srcDims = src.get_desc().dims();
    if (srcDims.size() != 4 || srcDims[1] != shape.inChannels)
        throw std::logic_error("Convolution: src must be [N, inChannels, H, W]");
    if (shape.groups < 1 || shape.inChannels % shape.groups != 0 || shape.outChannels % shape.groups != 0)
        throw std::logic_error("Convolution: groups must divide inChannels and outChannels");
    const memory::dims dstDims{srcDims[0], shape.outChannels, shape.outputSize(static_cast<int>(srcDims[2])),
                               shape.outputSize(static_cast<int>(srcDims[3]))};
    // The plain parameters are [O, I / G, K, K] either way; grouped primitives see them as goihw.
    m_weightsDims = shape.groups == 1
                        ? memory::dims{shape.outChannels, shape.inChannels, shape.kernel, shape.kernel}
                        : memory::dims{shape.groups, shape.outChannels / shape.groups,
                                       shape.inChannels / shape.groups, shape.kernel, shape.kernel};
    m_strides = {shape.stride, shape.stride};
    m_paddingBegin = {shape.padding, shape.padding};
    m_paddingEnd = {shape.paddingAfter(), shape.paddingAfter()};

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
                                              m_paddingBegin, m_paddingEnd)
            : dnnl::convolution_forward::desc(propagation, dnnl::algorithm::convolution_direct,
                                              srcAny, weightsAny, dstAny, m_strides, m_paddingBegin,
                                              m_paddingEnd);
    dnnl::primitive_attr attributes = context.attributes();
    dnnl::post_ops postOps;
    if (fusion.addend)
        postOps.append_sum(1.f);
    if (fusion.relu) {
        const EltwiseOp relu = reluOp(fusion.reluUpperBound, false);
        postOps.append_eltwise(1.f, relu.algorithm, relu.alpha, relu.beta);
    }
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
                                                               weightsAny, diffDstAny, m_strides, m_paddingBegin,
                                                               m_paddingEnd),
                         attributes, engine, m_forwardDesc);
    const memory::desc biasDesc = plainDesc({m_forwardDesc.dst_desc().dims()[1]});
    const auto descriptor =
        m_hasBias ? dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, srcAny,
                                                             weightsAny, biasDesc, diffDstAny, m_strides,
                                                             m_paddingBegin, m_paddingEnd)
                  : dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct, srcAny,
                                                             weightsAny, diffDstAny, m_strides, m_paddingBegin,
                                                             m_paddingEnd);
    const dnnl::convolution_backward_weights::primitive_desc weightsDesc(descriptor, attributes, engine,
                                                                         m_forwardDesc);
    m_primitives.buildBackward(m_context, diffDst, dataDesc ? &*dataDesc : nullptr, weightsDesc);
}

void Convolution::backward()
{
    m_primitives.backward(m_context);
}

}  // namespace lookalike::nn::layers
