// L2Normalize: unit rows, the gradient against finite differences in double precision, and the
// clamped (zero-norm) case.

#include "core/nn/layers/l2normalize.h"

#include "layertesting.h"

namespace lookalike::nn::testing {
namespace {

using layers::L2Normalize;

TEST(L2Normalize, RowsHaveUnitNormAndKeepDirection)
{
    const int rows = 3, cols = 5;
    const std::vector<float> x = randomVector(rows * cols, 61);
    std::vector<float> y(x.size());
    L2Normalize normalize(rows, cols);
    normalize.forward(x, y);
    for (int r = 0; r < rows; ++r) {
        double norm = 0;
        for (int k = 0; k < cols; ++k)
            norm += double{x[r * cols + k]} * x[r * cols + k];
        norm = std::sqrt(norm);
        for (int k = 0; k < cols; ++k)
            EXPECT_NEAR(y[r * cols + k], x[r * cols + k] / norm, 1e-6);
    }
}

TEST(L2Normalize, GradientMatchesFiniteDifferences)
{
    const int rows = 4, cols = 6;
    std::vector<float> x = randomVector(rows * cols, 62);
    const std::vector<float> lossWeights = randomVector(rows * cols, 63);
    std::vector<float> y(x.size()), diffX(x.size());
    L2Normalize normalize(rows, cols);
    normalize.forward(x, y);
    normalize.backward(y, lossWeights, diffX);
    const auto loss = [&] {
        normalize.forward(x, y);
        return weightedSum(y, lossWeights);
    };
    expectGradientMatches("diffX", x, diffX, 1e-3, [] {}, loss, {2e-4, 2e-3});
}

TEST(L2Normalize, ZeroRowIsClampedNotNaN)
{
    const std::vector<float> x(4, 0.f), diffY{1.f, 2.f, 3.f, 4.f};
    std::vector<float> y(4), diffX(4);
    L2Normalize normalize(1, 4);
    normalize.forward(x, y);
    normalize.backward(y, diffY, diffX);
    for (int k = 0; k < 4; ++k) {
        EXPECT_EQ(y[k], 0.f);
        EXPECT_TRUE(std::isfinite(diffX[k]));
    }
}

TEST(L2Normalize, RejectsWrongSizes)
{
    L2Normalize normalize(2, 3);
    std::vector<float> x(5), y(6);
    EXPECT_THROW(normalize.forward(x, y), std::invalid_argument);
}

}  // namespace
}  // namespace lookalike::nn::testing
