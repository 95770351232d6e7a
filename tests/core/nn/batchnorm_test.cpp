// BatchNorm: training forward (batch statistics, running-statistics update) and inference
// forward against a double-precision reference; backward (data, scale, shift) against finite
// differences, with and without the fused ReLU.

#include "core/nn/layers/batchnorm.h"

#include "layertesting.h"

namespace lookalike::nn::testing {
namespace {

using layers::BatchNorm;
using layers::BatchNormOptions;
using layers::BatchNormParameters;
using layers::Mode;

struct BatchNormCase {
    int batch, channels, size;
    bool relu;
    bool blocked;
};

constexpr double kEpsilon = 1e-5;

struct Statistics {
    std::vector<double> mean, variance;  // biased variance, as used for normalising
};

Statistics batchStatistics(const BatchNormCase& c, std::span<const float> x)
{
    Statistics stats{std::vector<double>(c.channels), std::vector<double>(c.channels)};
    const int spatial = c.size * c.size;
    const double count = double{1} * c.batch * spatial;
    for (int ch = 0; ch < c.channels; ++ch) {
        double sum = 0, squares = 0;
        for (int n = 0; n < c.batch; ++n)
            for (int s = 0; s < spatial; ++s)
                sum += x[(n * c.channels + ch) * spatial + s];
        stats.mean[ch] = sum / count;
        for (int n = 0; n < c.batch; ++n)
            for (int s = 0; s < spatial; ++s) {
                const double d = x[(n * c.channels + ch) * spatial + s] - stats.mean[ch];
                squares += d * d;
            }
        stats.variance[ch] = squares / count;
    }
    return stats;
}

std::vector<double> referenceNorm(const BatchNormCase& c, std::span<const float> x, const Statistics& stats,
                                  const std::vector<float>& scale, const std::vector<float>& shift)
{
    const int spatial = c.size * c.size;
    std::vector<double> y(x.size());
    for (int n = 0; n < c.batch; ++n)
        for (int ch = 0; ch < c.channels; ++ch)
            for (int s = 0; s < spatial; ++s) {
                const std::size_t i = static_cast<std::size_t>((n * c.channels + ch) * spatial + s);
                const double value = scale[ch] * (x[i] - stats.mean[ch]) / std::sqrt(stats.variance[ch] + kEpsilon) + shift[ch];
                y[i] = c.relu ? std::max(0.0, value) : value;
            }
    return y;
}

class BatchNormTest : public ::testing::TestWithParam<BatchNormCase> {
protected:
    void SetUp() override
    {
        const BatchNormCase& c = GetParam();
        const memory::dims dims{c.batch, c.channels, c.size, c.size};
        m_input.emplace(m_context, dims, c.blocked);
        m_input->set(randomVector(elementCount(dims), 11, -1.f, 2.f));
        m_scale = randomVector(c.channels, 12, 0.5f, 1.5f);
        m_shift = randomVector(c.channels, 13);
        m_scaleGradient.assign(c.channels, 0.f);
        m_shiftGradient.assign(c.channels, 0.f);
        m_runningMean = randomVector(c.channels, 14);
        m_runningVariance = randomVector(c.channels, 15, 0.5f, 2.f);
    }
    BatchNormParameters parameters()
    {
        return {m_scale.data(), m_shift.data(), m_scaleGradient.data(), m_shiftGradient.data(),
                m_runningMean.data(), m_runningVariance.data()};
    }

    Context m_context;
    std::optional<TestTensor> m_input;
    std::vector<float> m_scale, m_shift, m_scaleGradient, m_shiftGradient, m_runningMean, m_runningVariance;
};

TEST_P(BatchNormTest, TrainingForwardUsesBatchStatisticsAndUpdatesRunningOnes)
{
    const BatchNormCase& c = GetParam();
    const std::vector<float> runningMean = m_runningMean, runningVariance = m_runningVariance;
    BatchNorm norm(m_context, m_input->bound(), parameters(), Mode::Training, BatchNormOptions{.fuseRelu = c.relu});
    norm.forward();
    const Statistics stats = batchStatistics(c, m_input->values());
    expectNear(toPlain(m_context, norm.dst()), referenceNorm(c, m_input->values(), stats, m_scale, m_shift), 1e-4, "dst");

    const double count = double{1} * c.batch * c.size * c.size;
    std::vector<double> expectedMean(c.channels), expectedVariance(c.channels);
    for (int ch = 0; ch < c.channels; ++ch) {
        expectedMean[ch] = 0.9 * runningMean[ch] + 0.1 * stats.mean[ch];
        expectedVariance[ch] = 0.9 * runningVariance[ch] + 0.1 * stats.variance[ch] * count / (count - 1);
    }
    expectNear(m_runningMean, expectedMean, 1e-5, "runningMean");
    expectNear(m_runningVariance, expectedVariance, 1e-5, "runningVariance");
}

TEST_P(BatchNormTest, InferenceForwardUsesRunningStatistics)
{
    const BatchNormCase& c = GetParam();
    BatchNorm norm(m_context, m_input->bound(), parameters(), Mode::Inference, BatchNormOptions{.fuseRelu = c.relu});
    norm.forward();
    const Statistics running{{m_runningMean.begin(), m_runningMean.end()},
                             {m_runningVariance.begin(), m_runningVariance.end()}};
    expectNear(toPlain(m_context, norm.dst()), referenceNorm(c, m_input->values(), running, m_scale, m_shift), 1e-5,
               "dst");
}

TEST_P(BatchNormTest, GradientsMatchFiniteDifferences)
{
    const BatchNormCase& c = GetParam();
    BatchNorm norm(m_context, m_input->bound(), parameters(), Mode::Training, BatchNormOptions{.fuseRelu = c.relu});
    const memory::dims dims = norm.dst().get_desc().dims();
    TestTensor diffDst(m_context, dims, c.blocked);
    const std::vector<float> lossWeights = randomVector(elementCount(dims), 16);
    diffDst.set(lossWeights);
    norm.prepareBackward(diffDst.bound());
    norm.forward();
    const std::vector<float> output = toPlain(m_context, norm.dst());
    norm.backward();
    const std::vector<float> diffSrc = toPlain(m_context, norm.diffSrc());
    const std::vector<float> scaleGradient = m_scaleGradient, shiftGradient = m_shiftGradient;

    std::vector<float> current;
    const auto loss = [&] {
        norm.forward();
        current = toPlain(m_context, norm.dst());
        return weightedSum(current, lossWeights);
    };
    // With the fused ReLU, skip a coordinate whose perturbation moves any output across zero.
    const auto crossesKink = [&] {
        for (std::size_t i = 0; i < output.size(); ++i)
            if ((output[i] > 0.f) != (current[i] > 0.f))
                return true;
        return false;
    };
    const std::function<bool()> kink = c.relu ? std::function<bool()>(crossesKink) : std::function<bool()>();
    const int checked = expectGradientMatches("diffSrc", m_input->values(), diffSrc, 5e-3,
                                              [&] { m_input->upload(); }, loss, {2e-3, 1e-2}, kink);
    EXPECT_GT(checked, static_cast<int>(diffSrc.size()) / 2);
    expectGradientMatches("scaleGradient", m_scale, scaleGradient, 1e-2, [] {}, loss, {2e-3, 1e-2}, kink);
    expectGradientMatches("shiftGradient", m_shift, shiftGradient, 1e-2, [] {}, loss, {2e-3, 1e-2}, kink);
}

INSTANTIATE_TEST_SUITE_P(Shapes, BatchNormTest,
                         ::testing::Values(BatchNormCase{2, 16, 4, false, true}, BatchNormCase{2, 16, 4, true, true},
                                           BatchNormCase{3, 4, 3, true, true},  // padded channels
                                           BatchNormCase{3, 5, 3, false, false}, BatchNormCase{3, 5, 3, true, false}));

}  // namespace
}  // namespace lookalike::nn::testing
