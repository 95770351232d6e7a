#include "core/nn/layers/linear.h"

#include <stdexcept>

namespace lookalike::nn::layers {

namespace {
using tag = memory::format_tag;
constexpr auto f32 = memory::data_type::f32;
}  // namespace

Linear::Linear(Context& context, int outFeatures, const memory& src,
               const LinearParameters& parameters, Mode mode, bool constantWeights)
    : m_context(context)
{
    const memory::dims srcDims = src.get_desc().dims();
    if (srcDims.size() != 2 && srcDims.size() != 4)
        throw std::logic_error("Linear: src must be [N, C] or [N, C, H, W]");
    m_weightsDims = srcDims;
    m_weightsDims[0] = outFeatures;
    const memory::desc biasDesc = plainDesc({outFeatures});
    const dnnl::inner_product_forward::desc descriptor(
        mode == Mode::Training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
        memory::desc(srcDims, f32, tag::any), memory::desc(m_weightsDims, f32, tag::any), biasDesc,
        memory::desc({srcDims[0], outFeatures}, f32, tag::any));
    m_forwardDesc = dnnl::inner_product_forward::primitive_desc(descriptor, context.attributes(), context.engine());
    m_dst = memory(m_forwardDesc.dst_desc(), context.engine());
    m_primitives.buildForward(context, m_forwardDesc, src, m_dst,
                              {parameters.weights, parameters.weightsGradient, parameters.bias,
                               parameters.biasGradient, m_weightsDims},
                              constantWeights);
}

void Linear::forward()
{
    m_primitives.forward(m_context);
}

void Linear::prepareBackward(const memory& diffDst, bool needDiffSrc)
{
    const memory::desc srcAny(m_forwardDesc.src_desc().dims(), f32, tag::any);
    const memory::desc weightsAny(m_weightsDims, f32, tag::any);
    const memory::desc diffDstAny(m_forwardDesc.dst_desc().dims(), f32, tag::any);
    const dnnl::primitive_attr attributes = m_context.attributes();
    const dnnl::engine& engine = m_context.engine();

    std::optional<dnnl::inner_product_backward_data::primitive_desc> dataDesc;
    if (needDiffSrc)
        dataDesc.emplace(dnnl::inner_product_backward_data::desc(srcAny, weightsAny, diffDstAny), attributes,
                         engine, m_forwardDesc);
    const dnnl::inner_product_backward_weights::primitive_desc weightsDesc(
        dnnl::inner_product_backward_weights::desc(srcAny, weightsAny, plainDesc({m_weightsDims[0]}), diffDstAny),
        attributes, engine, m_forwardDesc);
    m_primitives.buildBackward(m_context, diffDst, dataDesc ? &*dataDesc : nullptr, weightsDesc);
}

void Linear::backward()
{
    m_primitives.backward(m_context);
}

}  // namespace lookalike::nn::layers
