// Convolution: forward against a naive double-precision reference, backward (data, weights,
// bias) against central finite differences, and the fused inference post-ops.

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
};

// x [N, I, H, W], w [O, I, K, K], bias [O] or empty -> [N, O, H', W']
std::vector<double> referenceConvolution(const ConvolutionCase& c, const std::vector<float>& x,
                                         const std::vector<float>& w, const std::vector<float>& bias)
{
    const int out = (c.size + 2 * c.padding - c.kernel) / c.stride + 1;
    std::vector<double> y(static_cast<std::size_t>(c.batch) * c.outChannels * out * out);
    for (int n = 0; n < c.batch; ++n)
        for (int o = 0; o < c.outChannels; ++o)
            for (int oy = 0; oy < out; ++oy)
                for (int ox = 0; ox < out; ++ox) {
                    double sum = bias.empty() ? 0.0 : bias[o];
                    for (int i = 0; i < c.inChannels; ++i)
                        for (int ky = 0; ky < c.kernel; ++ky)
                            for (int kx = 0; kx < c.kernel; ++kx) {
                                const int iy = oy * c.stride - c.padding + ky;
                                const int ix = ox * c.stride - c.padding + kx;
                                if (iy < 0 || ix < 0 || iy >= c.size || ix >= c.size)
                                    continue;
                                sum += double{x[((n * c.inChannels + i) * c.size + iy) * c.size + ix]}
                                       * w[((o * c.inChannels + i) * c.kernel + ky) * c.kernel + kx];
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
        m_weights = randomVector(static_cast<std::size_t>(c.outChannels) * c.inChannels * c.kernel * c.kernel, 2);
        m_weightsGradient.assign(m_weights.size(), 0.f);
        if (c.bias) {
            m_bias = randomVector(static_cast<std::size_t>(c.outChannels), 3);
            m_biasGradient.assign(m_bias.size(), 0.f);
        }
    }

    ConvolutionShape shape() const
    {
        const ConvolutionCase& c = GetParam();
        return {c.inChannels, c.outChannels, c.kernel, c.stride, c.padding};
    }
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
                                           ConvolutionCase{2, 8, 5, 8, 3, 2, 1, false, true}));

// The fused inference convolution: relu(conv(x) + bias + addend), in place over the addend.
TEST(ConvolutionFusion, ReluAndAddendMatchReference)
{
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
    Convolution convolution(context, {c.inChannels, c.outChannels, 3, 1, 1}, input.bound(),
                            {weights.data(), nullptr, bias.data(), nullptr}, Mode::Inference,
                            ConvolutionFusion{.relu = true, .addend = &addendMemory}, true);
    convolution.forward();
    std::vector<double> expected =
        referenceConvolution(c, {input.values().begin(), input.values().end()}, weights, bias);
    for (std::size_t i = 0; i < expected.size(); ++i)
        expected[i] = std::max(0.0, expected[i] + addendValues[i]);
    expectNear(toPlain(context, convolution.dst()), expected, 1e-5, "dst");
}

}  // namespace
}  // namespace lookalike::nn::testing
