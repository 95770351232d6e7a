#include "core/nn/layers/batchnorm.h"

#include <stdexcept>

namespace lookalike::nn::layers {

BatchNorm::BatchNorm(Context& context, const memory& src, const BatchNormParameters& parameters,
                     Mode mode, const BatchNormOptions& options)
    : m_context(context), m_parameters(parameters), m_options(options), m_mode(mode), m_src(src)
{
    const memory::dims dims = src.get_desc().dims();
    if (dims.size() != 4)
        throw std::logic_error("BatchNorm: src must be [N, C, H, W]");
    m_channels = dims[1];
    m_valuesPerChannel = dims[0] * dims[2] * dims[3];

    using flags = dnnl::normalization_flags;
    m_flags = flags::use_scale | flags::use_shift;
    if (options.fuseRelu)
        m_flags = m_flags | flags::fuse_norm_relu;
    const bool training = mode == Mode::Training;
    const auto forwardFlags = training ? m_flags : (m_flags | flags::use_global_stats);
    const dnnl::batch_normalization_forward::desc descriptor(
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference,
        src.get_desc(), options.epsilon, forwardFlags);
    m_forwardDesc = dnnl::batch_normalization_forward::primitive_desc(descriptor, context.attributes(),
                                                                      context.engine());
    m_forward = dnnl::batch_normalization_forward(m_forwardDesc);

    const memory::desc channelDesc = plainDesc({m_channels});
    m_dst = memory(m_forwardDesc.dst_desc(), context.engine());
    if (training) {
        m_mean = memory(m_forwardDesc.mean_desc(), context.engine());
        m_variance = memory(m_forwardDesc.variance_desc(), context.engine());
    } else {
        m_mean = wrap(context, channelDesc, parameters.runningMean);
        m_variance = wrap(context, channelDesc, parameters.runningVariance);
    }
    m_forwardArguments = {
        {DNNL_ARG_SRC, src},
        {DNNL_ARG_DST, m_dst},
        {DNNL_ARG_MEAN, m_mean},
        {DNNL_ARG_VARIANCE, m_variance},
        {DNNL_ARG_SCALE, wrap(context, channelDesc, parameters.scale)},
        {DNNL_ARG_SHIFT, wrap(context, channelDesc, parameters.shift)},
        {DNNL_ARG_SCRATCHPAD, context.scratchpadFor(m_forwardDesc.scratchpad_desc())}};
    if (training && options.fuseRelu) {
        m_workspace = memory(m_forwardDesc.workspace_desc(), context.engine());
        m_forwardArguments[DNNL_ARG_WORKSPACE] = m_workspace;
    }
}

void BatchNorm::forward()
{
    m_context.execute(m_forward, m_forwardArguments);
    if (m_mode == Mode::Training)
        updateRunningStatistics();
}

void BatchNorm::updateRunningStatistics()
{
    // oneDNN reports the biased batch variance; the running estimate uses the unbiased one.
    const float momentum = m_options.momentum;
    const float unbias = m_valuesPerChannel > 1
                             ? static_cast<float>(m_valuesPerChannel) / static_cast<float>(m_valuesPerChannel - 1)
                             : 1.f;
    const float* mean = static_cast<const float*>(m_mean.get_data_handle());
    const float* variance = static_cast<const float*>(m_variance.get_data_handle());
    float* runningMean = m_parameters.runningMean;
    float* runningVariance = m_parameters.runningVariance;
#pragma omp simd
    for (memory::dim c = 0; c < m_channels; ++c) {
        runningMean[c] = (1.f - momentum) * runningMean[c] + momentum * mean[c];
        runningVariance[c] = (1.f - momentum) * runningVariance[c] + momentum * unbias * variance[c];
    }
}

void BatchNorm::prepareBackward(const memory& diffDst)
{
    if (m_mode != Mode::Training)
        throw std::logic_error("BatchNorm: backward needs Mode::Training");
    const memory::desc& dataDesc = m_src.get_desc();
    const dnnl::batch_normalization_backward::desc descriptor(
        dnnl::prop_kind::backward, dataDesc, dataDesc, m_options.epsilon, m_flags);
    const dnnl::batch_normalization_backward::primitive_desc primitiveDesc(
        descriptor, m_context.attributes(), m_context.engine(), m_forwardDesc);
    m_backward = dnnl::batch_normalization_backward(primitiveDesc);
    m_diffDst = LayoutAdapter(m_context, diffDst, primitiveDesc.diff_dst_desc());
    m_diffSrc = memory(primitiveDesc.diff_src_desc(), m_context.engine());
    const memory::desc channelDesc = plainDesc({m_channels});
    m_backwardArguments = {
        {DNNL_ARG_SRC, m_src},
        {DNNL_ARG_MEAN, m_mean},
        {DNNL_ARG_VARIANCE, m_variance},
        {DNNL_ARG_DIFF_DST, m_diffDst.output()},
        {DNNL_ARG_SCALE, m_forwardArguments.at(DNNL_ARG_SCALE)},
        {DNNL_ARG_SHIFT, m_forwardArguments.at(DNNL_ARG_SHIFT)},
        {DNNL_ARG_DIFF_SRC, m_diffSrc},
        {DNNL_ARG_DIFF_SCALE, wrap(m_context, channelDesc, m_parameters.scaleGradient)},
        {DNNL_ARG_DIFF_SHIFT, wrap(m_context, channelDesc, m_parameters.shiftGradient)},
        {DNNL_ARG_SCRATCHPAD, m_context.scratchpadFor(primitiveDesc.scratchpad_desc())}};
    if (m_workspace)
        m_backwardArguments[DNNL_ARG_WORKSPACE] = m_workspace;
}

void BatchNorm::backward()
{
    m_diffDst.apply(m_context);
    m_context.execute(m_backward, m_backwardArguments);
}

}  // namespace lookalike::nn::layers
