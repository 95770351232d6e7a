#pragma once
// Max, average and global average pooling over oneDNN (internal; see context.h).
// src [N, C, H, W] -> dst [N, C, H', W'] in src's layout; GlobalAverage: dst [N, C, 1, 1].
// Max pooling in training keeps oneDNN's workspace (argmax positions) from forward for
// backward, as the primitive requires.

#include "core/nn/layers/context.h"

namespace lookalike::nn::layers {

enum class PoolingKind {
    Max,
    Average,        // divides by the full window, padding included (PyTorch's default)
    GlobalAverage,  // window = the whole feature map; kernel/stride/padding are ignored
};

struct PoolingShape {
    PoolingKind kind = PoolingKind::Max;
    int kernel = 2;
    int stride = 2;
    int padding = 0;
};

// The embedding head's pooling: the mean of each cell of a grid x grid partition of a
// [C, S, S] map (grid divides S) -> [C, grid, grid]; grid 1 is the global average.
inline PoolingShape gridPoolingShape(int featureSize, int grid)
{
    if (grid == 1)
        return {PoolingKind::GlobalAverage};
    return {PoolingKind::Average, featureSize / grid, featureSize / grid, 0};
}

class Pooling {
public:
    Pooling(Context& context, const PoolingShape& shape, const memory& src, Mode mode);

    void forward();
    const memory& dst() const { return m_dst; }

    void prepareBackward(const memory& diffDst);
    void backward();
    const memory& diffSrc() const { return m_diffSrc; }

private:
    Context& m_context;
    dnnl::algorithm m_algorithm;
    memory::dims m_kernel;
    memory::dims m_strides;
    memory::dims m_padding;
    memory m_src;
    dnnl::pooling_forward::primitive_desc m_forwardDesc;
    dnnl::pooling_forward m_forward;
    memory m_dst;
    memory m_workspace;
    Arguments m_forwardArguments;
    dnnl::pooling_backward m_backward;
    LayoutAdapter m_diffDst;
    memory m_diffSrc;
    Arguments m_backwardArguments;
};

}  // namespace lookalike::nn::layers
