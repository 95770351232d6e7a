#pragma once
// Internal to core/nn (and its tests): the oneDNN plumbing shared by every layer. This folder
// is the only place that includes dnnl.hpp; public headers use pimpl.
//
// Layers follow one recipe (oneDNN's cnn_training_f32 example, v2.6 API):
//  - a layer is built for one batch size; its constructor binds the input memory it reads and
//    allocates the output it writes, so forward()/backward() only execute prebuilt primitives
//    with prebuilt argument maps (no allocation, no primitive creation per step);
//  - primitives are created with memory::format_tag::any and activations stay in the blocked
//    layouts oneDNN picks; a LayoutAdapter reorders only where a consumer wants a different
//    layout than its producer delivered (in practice: the network input and a few weight
//    tensors, never activations between layers);
//  - parameters live in plain layout (owned by the Network, see parameter.h); a layer reorders
//    its weights into the primitive's layout once per forward and its weight gradients back.

#include <oneapi/dnnl/dnnl.hpp>

#include <cstddef>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace lookalike::nn::layers {

using dnnl::memory;
using Arguments = std::unordered_map<int, memory>;

enum class Mode {
    Training,   // forward_training; backward available; BN uses batch statistics
    Inference,  // forward_inference; BN uses running statistics; no backward
};

// Engine, stream and a scratchpad shared by all primitives of one execution plan (they run one
// after the other, so one buffer of the largest requested size serves all of them).
class Context {
public:
    Context();
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    const dnnl::engine& engine() const { return m_engine; }
    dnnl::stream& stream() { return m_stream; }

    // Attributes every primitive of the plan is created with (user-managed scratchpad).
    dnnl::primitive_attr attributes() const;
    // Scratchpad argument for a primitive: a view of the shared buffer, grown as needed.
    memory scratchpadFor(const memory::desc& desc);

    void execute(const dnnl::primitive& primitive, const Arguments& arguments);

private:
    dnnl::engine m_engine;
    dnnl::stream m_stream;
    memory m_scratchpadBuffer;
    std::size_t m_scratchpadBytes = 0;
    std::vector<memory> m_scratchpadViews;
};

// Hands a consumer its input in the layout it asked for: the producer's memory itself when the
// layouts agree, otherwise a reorder into a buffer owned here. Build once, apply every step.
class LayoutAdapter {
public:
    LayoutAdapter() = default;
    LayoutAdapter(Context& context, const memory& source, const memory::desc& wanted);

    // Runs the reorder if one is needed; returns the memory to read from.
    void apply(Context& context);
    const memory& output() const { return m_output; }
    bool reorders() const { return m_reorder.has_value(); }

private:
    memory m_source;
    memory m_output;
    std::optional<dnnl::reorder> m_reorder;
};

// Plain (row-major) descriptor for dims of rank 1, 2, 4 or 5: x, nc/oi, nchw/oihw or goihw
// (grouped convolution weights).
memory::desc plainDesc(const memory::dims& dims);
// ReLU as one eltwise op (a layer or a post-op), clipped to [0, upperBound] when set (ReLU6:
// clip_v2, whose gradient is 0 at both clipped ends). fromDst: the *_use_dst_for_bwd variant,
// whose backward reads dst instead of src.
struct EltwiseOp {
    dnnl::algorithm algorithm;
    float alpha;
    float beta;
};
EltwiseOp reluOp(std::optional<float> upperBound, bool fromDst);

// True when the layout pads some dimension (e.g. 3 channels stored as 16 in nChw16c).
bool hasPadding(const memory::desc& desc);

// Where a primitive writes a weight gradient in its own layout; commit() moves it into the
// plain gradient buffer (a no-op when the primitive already writes the plain layout).
class GradientSink {
public:
    GradientSink() = default;
    GradientSink(Context& context, float* plainGradient, const memory::dims& dims,
                 const memory::desc& produced);

    const dnnl::memory& target() const { return m_produced; }
    void commit(Context& context);

private:
    dnnl::memory m_produced;
    dnnl::memory m_plain;
    std::optional<dnnl::reorder> m_reorder;
};
// Wraps caller-owned float data (no copy); the data must outlive the memory object.
memory wrap(Context& context, const memory::desc& desc, float* data);
std::span<float> floats(const memory& memory);  // whole buffer, including layout padding

}  // namespace lookalike::nn::layers
