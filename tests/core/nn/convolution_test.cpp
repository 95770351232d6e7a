// Convolution: forward against a naive double-precision reference, backward (data, weights,
// bias) against central finite differences, for plain, grouped (depthwise) and asymmetrically
// padded convolutions, and the fused inference post-ops.

#include "core/nn/layers/convolution.h"

#include "layertesting.h"

namespace lookalike::nn::testing {
namespace {

using layers::Convolution;
using layers::ConvolutionFusion;
using layers::ConvolutionParameters;
using layers::ConvolutionShape;
using layers::Mode;

struct ConvolutionCase {
    int batch, inChannels, size, outChannels, kernel, stride, padding;
    bool bias;
    bool blocked;  // feed the layer nChw16c instead of nchw
    std::optional<int> paddingEnd = {};
    int groups = 1;

    ConvolutionShape shape() const
    {
        return {inChannels, outChannels, kernel, stride, padding, paddingEnd, groups};
    }
    std::size_t weightCount() const
    {
        return static_cast<std::size_t>(outChannels) * (inChannels / groups) * kernel * kernel;
    }
};

// x [N, I, H, W], w [O, I / G, K, K], bias [O] or empty -> [N, O, H', W']; the padding after
// the image only shows in H' (positions past the input read zeros either way).
std::vector<double> referenceConvolution(const ConvolutionCase& c, const std::vector<float>& x,
                                         const std::vector<float>& w, const std::vector<float>& bias)
{
    const int out = c.shape().outputSize(c.size);
    const int groupIn = c.inChannels / c.groups, groupOut = c.outChannels / c.groups;
    std::vector<double> y(static_cast<std::size_t>(c.batch) * c.outChannels * out * out);
    for (int n = 0; n < c.batch; ++n)
        for (int o = 0; o < c.outChannels; ++o)
            for (int oy = 0; oy < out; ++oy)
                for (int ox = 0; ox < out; ++ox) {
                    double sum = bias.empty() ? 0.0 : bias[o];
                    for (int i = 0; i < groupIn; ++i)
                        for (int ky = 0; ky < c.kernel; ++ky)
                            for (int kx = 0; kx < c.kernel; ++kx) {
                                const int iy = oy * c.stride - c.padding + ky;
                                const int ix = ox * c.stride - c.padding + kx;
                                if (iy < 0 || ix < 0 || iy >= c.size || ix >= c.size)
                                    continue;
                                const int channel = o / groupOut * groupIn + i;
                                sum += double{x[((n * c.inChannels + channel) * c.size + iy) * c.size + ix]}
                                       * w[((o * groupIn + i) * c.kernel + ky) * c.kernel + kx];
                            }
                    y[((n * c.outChannels + o) * out + oy) * out + ox] = sum;
                }
    return y;
}

class ConvolutionTest : public ::testing::TestWithParam<ConvolutionCase> {
protected:
    void SetUp() override
    {
        const ConvolutionCase& c = GetParam();
        m_input.emplace(m_context, memory::dims{c.batch, c.inChannels, c.size, c.size}, c.blocked);
        m_input->set(randomVector(elementCount({c.batch, c.inChannels, c.size, c.size}), 1));
        m_weights = randomVector(c.weightCount(), 2);
        m_weightsGradient.assign(m_weights.size(), 0.f);
        if (c.bias) {
            m_bias = randomVector(static_cast<std::size_t>(c.outChannels), 3);
            m_biasGradient.assign(m_bias.size(), 0.f);
        }
    }

    ConvolutionShape shape() const { return GetParam().shape(); }
    ConvolutionParameters parameters()
    {
        return {m_weights.data(), m_weightsGradient.data(), m_bias.empty() ? nullptr : m_bias.data(),
                m_biasGradient.empty() ? nullptr : m_biasGradient.data()};
    }

    Context m_context;
    std::optional<TestTensor> m_input;
    std::vector<float> m_weights, m_weightsGradient, m_bias, m_biasGradient;
};

TEST_P(ConvolutionTest, ForwardMatchesReference)
{
    for (const Mode mode : {Mode::Training, Mode::Inference}) {
        Convolution convolution(m_context, shape(), m_input->bound(), parameters(), mode);
        convolution.forward();
        expectNear(toPlain(m_context, convolution.dst()),
                   referenceConvolution(GetParam(), {m_input->values().begin(), m_input->values().end()},
                                        m_weights, m_bias),
                   1e-5, "dst");
    }
}

TEST_P(ConvolutionTest, GradientsMatchFiniteDifferences)
{
    Convolution convolution(m_context, shape(), m_input->bound(), parameters(), Mode::Training);
    const memory::dims dstDims = convolution.dst().get_desc().dims();
    TestTensor diffDst(m_context, dstDims, GetParam().blocked);
    const std::vector<float> lossWeights = randomVector(elementCount(dstDims), 4);
    diffDst.set(lossWeights);
    convolution.prepareBackward(diffDst.bound(), true);
    convolution.forward();
    convolution.backward();
    const std::vector<float> diffSrc = toPlain(m_context, convolution.diffSrc());
    const std::vector<float> weightsGradient = m_weightsGradient;
    const std::vector<float> biasGradient = m_biasGradient;

    // Linear in every variable, so a large step is exact up to float rounding.
    const auto loss = [&] {
        convolution.forward();
        return weightedSum(toPlain(m_context, convolution.dst()), lossWeights);
    };
    const Tolerance tolerance{1e-3, 1e-3};
    expectGradientMatches("diffSrc", m_input->values(), diffSrc, 0.1, [&] { m_input->upload(); }, loss, tolerance);
    expectGradientMatches("weightsGradient", m_weights, weightsGradient, 0.1, [] {}, loss, tolerance);
    if (!m_bias.empty())
        expectGradientMatches("biasGradient", m_bias, biasGradient, 0.1, [] {}, loss, tolerance);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvolutionTest,
                         ::testing::Values(ConvolutionCase{2, 3, 7, 5, 3, 2, 1, true, false},   // stem-like
                                           ConvolutionCase{2, 16, 6, 16, 3, 1, 1, false, true},  // blocked 3x3
                                           ConvolutionCase{3, 8, 5, 16, 1, 2, 0, false, true},   // 1x1 shortcut
                                           ConvolutionCase{1, 4, 5, 3, 3, 1, 0, true, false},    // no padding
                                           ConvolutionCase{3, 4, 4, 4, 3, 1, 1, false, true},    // padded channels
                                           ConvolutionCase{2, 8, 5, 8, 3, 2, 1, false, true},
                                           // MobileNetV2: ZeroPadding2D(((0, 1), (0, 1))) + stride 2
                                           ConvolutionCase{2, 3, 7, 8, 3, 2, 0, false, false, 1},     // stem
                                           ConvolutionCase{2, 3, 5, 3, 3, 2, 0, false, false, 1, 3},  // depthwise
                                           ConvolutionCase{2, 16, 7, 16, 3, 2, 0, false, true, 1, 16},
                                           ConvolutionCase{2, 16, 6, 16, 3, 1, 1, false, true, {}, 16},
                                           ConvolutionCase{2, 8, 5, 4, 3, 1, 1, true, false, {}, 2}));  // grouped

TEST(Convolution, RejectsGroupsThatDoNotDivideTheChannels)
{
    Context context;
    TestTensor input(context, {1, 6, 4, 4}, false);
    std::vector<float> weights(6 * 2 * 9);
    EXPECT_THROW(Convolution(context, {.inChannels = 6, .outChannels = 4, .groups = 3}, input.bound(),
                             {weights.data()}, Mode::Inference),
                 std::logic_error);
}

// The fused inference convolution: relu(conv(x) + bias + addend), in place over the addend,
// with the ReLU plain or clipped at 6 (ReLU6; conv values here spread well beyond 6).
TEST(ConvolutionFusion, ReluAndAddendMatchReference)
{
    for (const std::optional<float> upperBound : {std::optional<float>{}, std::optional<float>{6.f}}) {
        SCOPED_TRACE(upperBound ? "relu6" : "relu");
        Context context;
        const ConvolutionCase c{2, 16, 6, 16, 3, 1, 1, true, true};
        TestTensor input(context, {c.batch, c.inChannels, c.size, c.size}, true);
        input.set(randomVector(elementCount({c.batch, c.inChannels, c.size, c.size}), 5));
        // The addend is the convolution's dst buffer afterwards, so keep a plain copy.
        TestTensor addend(context, {c.batch, c.outChannels, c.size, c.size}, true);
        const std::vector<float> addendValues = randomVector(elementCount({c.batch, c.outChannels, c.size, c.size}), 6);
        addend.set(addendValues);
        std::vector<float> weights = randomVector(16 * 16 * 9, 7);
        std::vector<float> bias = randomVector(16, 8);
        const memory addendMemory = addend.bound();
        Convolution convolution(context, c.shape(), input.bound(), {weights.data(), nullptr, bias.data(), nullptr},
                                Mode::Inference,
                                ConvolutionFusion{.relu = true, .reluUpperBound = upperBound, .addend = &addendMemory},
                                true);
        convolution.forward();
        std::vector<double> expected =
            referenceConvolution(c, {input.values().begin(), input.values().end()}, weights, bias);
        int clipped = 0;
        for (std::size_t i = 0; i < expected.size(); ++i) {
            expected[i] = std::max(0.0, expected[i] + addendValues[i]);
            if (upperBound && expected[i] > *upperBound) {
                expected[i] = *upperBound;
                ++clipped;
            }
        }
        if (upperBound) {
            EXPECT_GT(clipped, 0) << "the case should exercise the upper clip";
        }
        expectNear(toPlain(context, convolution.dst()), expected, 1e-5, "dst");
    }
}

}  // namespace
}  // namespace lookalike::nn::testing
