#include "core/nn/layers/weightedprimitives.h"

namespace lookalike::nn::layers {

namespace {

// bias [O]; grouped weights are [G, O / G, ...].
memory::desc biasDescFor(const memory::dims& weightsDims)
{
    return plainDesc({weightsDims.size() == 5 ? weightsDims[0] * weightsDims[1] : weightsDims[0]});
}

}  // namespace

void WeightedPrimitives::buildForward(Context& context, const dnnl::primitive_desc& forwardDesc,
                                      const memory& src, const memory& dst, const Weights& weights,
                                      bool constantWeights)
{
    m_weights = weights;
    m_constantWeights = constantWeights;
    m_forward = dnnl::primitive(forwardDesc);
    m_src = LayoutAdapter(context, src, forwardDesc.src_desc());
    m_forwardWeights = LayoutAdapter(context, wrap(context, plainDesc(weights.dims), weights.values),
                                     forwardDesc.weights_desc());
    m_forwardArguments = {{DNNL_ARG_SRC, m_src.output()},
                          {DNNL_ARG_WEIGHTS, m_forwardWeights.output()},
                          {DNNL_ARG_DST, dst},
                          {DNNL_ARG_SCRATCHPAD, context.scratchpadFor(forwardDesc.scratchpad_desc())}};
    if (weights.bias)
        m_forwardArguments[DNNL_ARG_BIAS] = wrap(context, biasDescFor(weights.dims), weights.bias);
    if (constantWeights)
        m_forwardWeights.apply(context);
}

void WeightedPrimitives::forward(Context& context)
{
    m_src.apply(context);
    if (!m_constantWeights)
        m_forwardWeights.apply(context);
    context.execute(m_forward, m_forwardArguments);
}

void WeightedPrimitives::buildBackward(Context& context, const memory& diffDst,
                                       const dnnl::primitive_desc* backwardDataDesc,
                                       const dnnl::primitive_desc& backwardWeightsDesc)
{
    if (backwardDataDesc) {
        const dnnl::primitive_desc& desc = *backwardDataDesc;
        m_backwardData = dnnl::primitive(desc);
        m_diffDstForData = LayoutAdapter(context, diffDst, desc.diff_dst_desc());
        // Backward-data may want another weights blocking than forward: then it reorders from
        // the plain parameters itself, otherwise it reuses forward's copy.
        const memory weightsSource = desc.weights_desc() == m_forwardWeights.output().get_desc()
                                         ? m_forwardWeights.output()
                                         : wrap(context, plainDesc(m_weights.dims), m_weights.values);
        m_weightsForData = LayoutAdapter(context, weightsSource, desc.weights_desc());
        m_diffSrc = memory(desc.diff_src_desc(), context.engine());
        m_backwardDataArguments = {{DNNL_ARG_DIFF_DST, m_diffDstForData.output()},
                                   {DNNL_ARG_WEIGHTS, m_weightsForData.output()},
                                   {DNNL_ARG_DIFF_SRC, m_diffSrc},
                                   {DNNL_ARG_SCRATCHPAD, context.scratchpadFor(desc.scratchpad_desc())}};
    }

    const dnnl::primitive_desc& desc = backwardWeightsDesc;
    m_backwardWeights = dnnl::primitive(desc);
    m_srcForWeights = LayoutAdapter(context, m_src.output(), desc.src_desc());
    m_diffDstForWeights = LayoutAdapter(context, diffDst, desc.diff_dst_desc());
    m_weightsGradient = GradientSink(context, m_weights.gradient, m_weights.dims, desc.diff_weights_desc());
    m_backwardWeightsArguments = {{DNNL_ARG_SRC, m_srcForWeights.output()},
                                  {DNNL_ARG_DIFF_DST, m_diffDstForWeights.output()},
                                  {DNNL_ARG_DIFF_WEIGHTS, m_weightsGradient.target()},
                                  {DNNL_ARG_SCRATCHPAD, context.scratchpadFor(desc.scratchpad_desc())}};
    if (m_weights.bias)
        m_backwardWeightsArguments[DNNL_ARG_DIFF_BIAS] =
            wrap(context, biasDescFor(m_weights.dims), m_weights.biasGradient);
}

void WeightedPrimitives::backward(Context& context)
{
    if (m_backwardData) {
        m_diffDstForData.apply(context);
        if (m_weightsForData.reorders())
            m_weightsForData.apply(context);
        context.execute(*m_backwardData, m_backwardDataArguments);
    }
    m_srcForWeights.apply(context);
    m_diffDstForWeights.apply(context);
    context.execute(m_backwardWeights, m_backwardWeightsArguments);
    m_weightsGradient.commit(context);
}

}  // namespace lookalike::nn::layers
