// Pooling (max, average, global average): forward against a naive reference, backward against
// finite differences. Max-pool inputs are pairwise >= 0.05 apart so no window's argmax changes
// within the step (the non-smooth points of max).

#include "core/nn/layers/pooling.h"

#include "layertesting.h"

#include <limits>

namespace lookalike::nn::testing {
namespace {

using layers::Mode;
using layers::Pooling;
using layers::PoolingKind;
using layers::PoolingShape;

struct PoolingCase {
    PoolingShape shape;
    int batch, channels, size;
    bool blocked;
};

// x [N, C, H, W] -> [N, C, H', W']; average divides by the full window (padding included).
std::vector<double> referencePooling(const PoolingCase& c, std::span<const float> x)
{
    int kernel = c.shape.kernel, stride = c.shape.stride, padding = c.shape.padding;
    if (c.shape.kind == PoolingKind::GlobalAverage) {
        kernel = c.size;
        stride = 1;
        padding = 0;
    }
    const int out = (c.size + 2 * padding - kernel) / stride + 1;
    std::vector<double> y(static_cast<std::size_t>(c.batch) * c.channels * out * out);
    for (int plane = 0; plane < c.batch * c.channels; ++plane)
        for (int oy = 0; oy < out; ++oy)
            for (int ox = 0; ox < out; ++ox) {
                double best = -std::numeric_limits<double>::infinity(), sum = 0;
                for (int ky = 0; ky < kernel; ++ky)
                    for (int kx = 0; kx < kernel; ++kx) {
                        const int iy = oy * stride - padding + ky, ix = ox * stride - padding + kx;
                        if (iy < 0 || ix < 0 || iy >= c.size || ix >= c.size)
                            continue;
                        const double value = x[(plane * c.size + iy) * c.size + ix];
                        best = std::max(best, value);
                        sum += value;
                    }
                y[(plane * out + oy) * out + ox] = c.shape.kind == PoolingKind::Max ? best : sum / (kernel * kernel);
            }
    return y;
}

class PoolingTest : public ::testing::TestWithParam<PoolingCase> {};

TEST_P(PoolingTest, ForwardMatchesReference)
{
    const PoolingCase& c = GetParam();
    Context context;
    const memory::dims dims{c.batch, c.channels, c.size, c.size};
    TestTensor input(context, dims, c.blocked);
    input.set(separatedVector(elementCount(dims), 31));
    for (const Mode mode : {Mode::Training, Mode::Inference}) {
        Pooling pooling(context, c.shape, input.bound(), mode);
        pooling.forward();
        expectNear(toPlain(context, pooling.dst()), referencePooling(c, input.values()), 1e-6, "dst");
    }
}

TEST_P(PoolingTest, GradientMatchesFiniteDifferences)
{
    const PoolingCase& c = GetParam();
    Context context;
    const memory::dims dims{c.batch, c.channels, c.size, c.size};
    TestTensor input(context, dims, c.blocked);
    input.set(separatedVector(elementCount(dims), 32));
    Pooling pooling(context, c.shape, input.bound(), Mode::Training);
    const memory::dims dstDims = pooling.dst().get_desc().dims();
    TestTensor diffDst(context, dstDims, c.blocked);
    const std::vector<float> lossWeights = randomVector(elementCount(dstDims), 33);
    diffDst.set(lossWeights);
    pooling.prepareBackward(diffDst.bound());
    pooling.forward();  // max pooling: fills the workspace backward reads
    pooling.backward();
    const auto loss = [&] {
        pooling.forward();
        return weightedSum(toPlain(context, pooling.dst()), lossWeights);
    };
    expectGradientMatches("diffSrc", input.values(), toPlain(context, pooling.diffSrc()), 1e-2,
                          [&] { input.upload(); }, loss, {1e-4, 1e-3});
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, PoolingTest,
    ::testing::Values(PoolingCase{{PoolingKind::Max, 3, 2, 1}, 2, 16, 7, true},       // the stem pool
                      PoolingCase{{PoolingKind::Max, 3, 2, 1}, 2, 4, 5, true},        // padded channels
                      PoolingCase{{PoolingKind::Max, 2, 2, 0}, 2, 3, 6, false},
                      PoolingCase{{PoolingKind::Average, 3, 2, 1}, 2, 16, 7, true},
                      PoolingCase{{PoolingKind::Average, 2, 2, 0}, 1, 3, 4, false},
                      PoolingCase{{PoolingKind::GlobalAverage}, 2, 16, 3, true},      // the head
                      PoolingCase{{PoolingKind::GlobalAverage}, 3, 5, 4, false}));

}  // namespace
}  // namespace lookalike::nn::testing
