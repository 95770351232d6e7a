#include "core/nn/layers/context.h"

#include <algorithm>
#include <stdexcept>

namespace lookalike::nn::layers {

Context::Context() : m_engine(dnnl::engine::kind::cpu, 0), m_stream(m_engine) {}

dnnl::primitive_attr Context::attributes() const
{
    dnnl::primitive_attr attributes;
    attributes.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    return attributes;
}

memory Context::scratchpadFor(const memory::desc& desc)
{
    const std::size_t bytes = desc.get_size();
    if (bytes > m_scratchpadBytes || !m_scratchpadBuffer) {
        // Views keep their desc; only the handle moves to the bigger buffer.
        m_scratchpadBytes = std::max<std::size_t>(bytes, 64);
        m_scratchpadBuffer = memory({{static_cast<memory::dim>(m_scratchpadBytes)},
                                     memory::data_type::u8, memory::format_tag::x},
                                    m_engine);
        for (memory& view : m_scratchpadViews)
            view.set_data_handle(m_scratchpadBuffer.get_data_handle());
    }
    memory view(desc, m_engine, m_scratchpadBuffer.get_data_handle());
    m_scratchpadViews.push_back(view);  // shares the handle with the copy we return
    return view;
}

void Context::execute(const dnnl::primitive& primitive, const Arguments& arguments)
{
    primitive.execute(m_stream, arguments);
}

LayoutAdapter::LayoutAdapter(Context& context, const memory& source, const memory::desc& wanted)
    : m_source(source)
{
    if (source.get_desc() == wanted) {
        m_output = source;
        return;
    }
    m_output = memory(wanted, context.engine());
    m_reorder = dnnl::reorder(source, m_output);
}

void LayoutAdapter::apply(Context& context)
{
    if (m_reorder)
        m_reorder->execute(context.stream(), m_source, m_output);
}

memory::desc plainDesc(const memory::dims& dims)
{
    using tag = memory::format_tag;
    switch (dims.size()) {
    case 1: return {dims, memory::data_type::f32, tag::x};
    case 2: return {dims, memory::data_type::f32, tag::nc};
    case 4: return {dims, memory::data_type::f32, tag::nchw};
    case 5: return {dims, memory::data_type::f32, tag::goihw};
    default: throw std::logic_error("plainDesc: unsupported rank");
    }
}

EltwiseOp reluOp(std::optional<float> upperBound, bool fromDst)
{
    using dnnl::algorithm;
    if (upperBound)
        return {fromDst ? algorithm::eltwise_clip_v2_use_dst_for_bwd : algorithm::eltwise_clip_v2, 0.f, *upperBound};
    return {fromDst ? algorithm::eltwise_relu_use_dst_for_bwd : algorithm::eltwise_relu, 0.f, 0.f};
}

GradientSink::GradientSink(Context& context, float* plainGradient, const memory::dims& dims,
                           const memory::desc& produced)
{
    m_plain = memory(plainDesc(dims), context.engine(), plainGradient);
    if (produced == m_plain.get_desc()) {
        m_produced = m_plain;
        return;
    }
    m_produced = dnnl::memory(produced, context.engine());
    m_reorder = dnnl::reorder(m_produced, m_plain);
}

void GradientSink::commit(Context& context)
{
    if (m_reorder)
        m_reorder->execute(context.stream(), m_produced, m_plain);
}

bool hasPadding(const memory::desc& desc)
{
    const dnnl_memory_desc_t& raw = desc.data;
    for (int axis = 0; axis < raw.ndims; ++axis)
        if (raw.padded_dims[axis] != raw.dims[axis])
            return true;
    return false;
}

memory wrap(Context& context, const memory::desc& desc, float* data)
{
    return memory(desc, context.engine(), data);
}

std::span<float> floats(const memory& memory)
{
    return {static_cast<float*>(memory.get_data_handle()), memory.get_desc().get_size() / sizeof(float)};
}

}  // namespace lookalike::nn::layers
