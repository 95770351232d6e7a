#include "core/metric/inner_product_matmul.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace lookalike::metric {
namespace {

std::vector<float> randomValues(std::size_t count, std::uint32_t seed)
{
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(-1.0F, 1.0F);
    std::vector<float> values(count);
    for (float& value : values) {
        value = uniform(random);
    }
    return values;
}

void expectProductsMatchNaive(InnerProductMatmul& matmul, std::size_t m, std::size_t n, std::size_t d)
{
    const std::vector<float> left = randomValues(m * d, static_cast<std::uint32_t>(m * 31 + d));
    const std::vector<float> right = randomValues(n * d, static_cast<std::uint32_t>(n * 17 + d));
    std::vector<float> products(m * n);
    matmul.multiply({left, m, d}, {right, n, d}, products);
    for (std::size_t i = 0; i < m; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
            double expected = 0.0;
            for (std::size_t k = 0; k < d; ++k) {
                expected += static_cast<double>(left[i * d + k]) * right[j * d + k];
            }
            ASSERT_NEAR(products[i * n + j], expected, 1e-4) << m << "x" << n << "x" << d << " at " << i << "," << j;
        }
    }
}

TEST(InnerProductMatmulTest, MatchesNaiveProductsAcrossShapes)
{
    InnerProductMatmul matmul;
    // Alternating shapes exercise the primitive cache, including eviction (more than 4 shapes).
    for (int round = 0; round < 2; ++round) {
        expectProductsMatchNaive(matmul, 7, 5, 3);
        expectProductsMatchNaive(matmul, 16, 16, 128);
        expectProductsMatchNaive(matmul, 1, 33, 9);
        expectProductsMatchNaive(matmul, 13, 2, 1);
        expectProductsMatchNaive(matmul, 5, 5, 64);
    }
}

TEST(InnerProductMatmulTest, GramMatrixOfSameView)
{
    const std::vector<float> x = {1, 2, 3, 4, 5, 6};  // [2, 3]
    std::vector<float> gram(4);
    InnerProductMatmul matmul;
    const EmbeddingsView view{x, 2, 3};
    matmul.multiply(view, view, gram);
    EXPECT_FLOAT_EQ(gram[0], 14.0F);  // 1 + 4 + 9
    EXPECT_FLOAT_EQ(gram[1], 32.0F);  // 4 + 10 + 18
    EXPECT_FLOAT_EQ(gram[2], 32.0F);
    EXPECT_FLOAT_EQ(gram[3], 77.0F);  // 16 + 25 + 36
}

TEST(InnerProductMatmulTest, RejectsMismatchedShapes)
{
    InnerProductMatmul matmul;
    const std::vector<float> a(6);
    const std::vector<float> b(8);
    std::vector<float> out(4);
    EXPECT_THROW(matmul.multiply({a, 2, 3}, {b, 2, 4}, out), std::invalid_argument);
    EXPECT_THROW(matmul.multiply({a, 2, 3}, {a, 2, 3}, std::span<float>(out.data(), 3)), std::invalid_argument);
    EXPECT_THROW(matmul.multiply({a, 3, 3}, {a, 2, 3}, out), std::invalid_argument);
}

}  // namespace
}  // namespace lookalike::metric
