// Size check for the evaluation: 10,000 x 128-d embeddings, the size of a large shop catalog.
// It asserts correctness on data with a known answer and prints the time; the time is not
// asserted (machines differ), but the test's ctest TIMEOUT catches a gross regression.

#include "core/metric/retrieval_metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <vector>

namespace lookalike::metric {
namespace {

TEST(RetrievalMetricsPerfTest, TenThousandBy128)
{
    constexpr std::size_t kLabels = 2000;
    constexpr std::size_t kPerLabel = 5;
    constexpr std::size_t kDimension = 128;
    constexpr std::size_t kCount = kLabels * kPerLabel;
    std::mt19937 random(1);
    std::normal_distribution<float> normal;
    std::vector<float> values;
    std::vector<std::int64_t> labels;
    values.reserve(kCount * kDimension);
    for (std::size_t label = 0; label < kLabels; ++label) {
        std::vector<float> centre(kDimension);
        for (float& value : centre) {
            value = normal(random);
        }
        for (std::size_t member = 0; member < kPerLabel; ++member) {
            float squaredNorm = 0.0F;
            const std::size_t first = values.size();
            for (std::size_t k = 0; k < kDimension; ++k) {
                values.push_back(centre[k] + 0.3F * normal(random));
                squaredNorm += values.back() * values.back();
            }
            for (std::size_t k = first; k < values.size(); ++k) {
                values[k] /= std::sqrt(squaredNorm);
            }
            labels.push_back(static_cast<std::int64_t>(label));
        }
    }

    RetrievalConfig config;
    config.similarity = RetrievalSimilarity::InnerProduct;  // already normalised
    const auto start = std::chrono::steady_clock::now();
    const RetrievalMetrics metrics = evaluateRetrieval({values, kCount, kDimension}, labels, config);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("[ timing   ] evaluateRetrieval 10000 x 128: %.3f s\n", seconds);
    // Tight clusters far apart in 128-d: retrieval is perfect.
    EXPECT_EQ(metrics.queryCount, kCount);
    EXPECT_DOUBLE_EQ(metrics.recallAtK.front().recall, 1.0);
    EXPECT_DOUBLE_EQ(metrics.mapAtR, 1.0);

    config.similarity = RetrievalSimilarity::Cosine;
    const auto cosineStart = std::chrono::steady_clock::now();
    evaluateRetrieval({values, kCount, kDimension}, labels, config);
    std::printf("[ timing   ] evaluateRetrieval 10000 x 128 (cosine, normalised copy): %.3f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - cosineStart).count());
}

}  // namespace
}  // namespace lookalike::metric
