#include "core/metric/retrieval_metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <random>
#include <utility>
#include <vector>

namespace lookalike::metric {
namespace {

double recallAt(const RetrievalMetrics& metrics, std::size_t k)
{
    for (const auto& entry : metrics.recallAtK) {
        if (entry.k == k) {
            return entry.recall;
        }
    }
    ADD_FAILURE() << "no Recall@" << k;
    return -1.0;
}

std::vector<float> onCircle(const std::vector<double>& degrees)
{
    std::vector<float> values;
    for (const double angle : degrees) {
        values.push_back(static_cast<float>(std::cos(angle * std::numbers::pi / 180.0)));
        values.push_back(static_cast<float>(std::sin(angle * std::numbers::pi / 180.0)));
    }
    return values;
}

// Five unit vectors on a circle; cosine similarity falls with the angle between them.
//   item:   0    1    2    3    4
//   angle:  0   10   25   45  200 degrees
//   label:  A    A    B    A    B
// Rankings (angular distance in brackets), relevant items marked *:
//   q0 (A, R=2): 1*(10) 2(25) 3*(45) 4(160)  top R: [*, -]  AP = (1/1)/2            = 0.5
//   q1 (A, R=2): 0*(10) 2(15) 3*(35) 4(170)  top R: [*, -]  AP = (1/1)/2            = 0.5
//   q2 (B, R=1): 1(15) 3(20) 0(25) 4*(175)   top R: [-]     AP = 0
//   q3 (A, R=2): 2(20) 1*(35) 0*(45) 4(155)  top R: [-, *]  AP = (0 + 1/2)/2        = 0.25
//   q4 (B, R=1): 3(155) 0(160) 1(170) 2*(175) top R: [-]    AP = 0
// MAP@R = (0.5 + 0.5 + 0 + 0.25 + 0) / 5 = 0.25.
// First relevant rank (1-based): q0 1, q1 1, q2 4, q3 2, q4 4.
// Recall@1 = 2/5 = 0.4, Recall@2 = 3/5 = 0.6, Recall@3 = 0.6, Recall@4 = 5/5 = 1.
// q3 shows what MAP@R adds over R-precision: its R-precision is 1/2, but the relevant item
// sits second, not first, so its MAP@R is only 0.25.
TEST(RetrievalMetricsTest, CircleExampleByHand)
{
    const std::vector<float> x = onCircle({0, 10, 25, 45, 200});
    const std::vector<std::int64_t> labels = {0, 0, 1, 0, 1};
    RetrievalConfig config;
    config.recallAtK = {4, 1, 2, 3, 2};  // unsorted, with a duplicate
    const RetrievalMetrics metrics = evaluateRetrieval({x, 5, 2}, labels, config);
    ASSERT_EQ(metrics.recallAtK.size(), 4u);
    EXPECT_EQ(metrics.recallAtK.front().k, 1u);
    EXPECT_DOUBLE_EQ(recallAt(metrics, 1), 0.4);
    EXPECT_DOUBLE_EQ(recallAt(metrics, 2), 0.6);
    EXPECT_DOUBLE_EQ(recallAt(metrics, 3), 0.6);
    EXPECT_DOUBLE_EQ(recallAt(metrics, 4), 1.0);
    EXPECT_DOUBLE_EQ(metrics.mapAtR, 0.25);
    EXPECT_EQ(metrics.queryCount, 5u);
    EXPECT_EQ(metrics.skippedQueryCount, 0u);
}

// MAP@R only counts the first R ranks (my own worked example; the definition is that of
// Musgrave et al.). Seven unit vectors on a circle, all pairwise angles distinct so that no
// ranking depends on rounding:
//   item:   0   1   2   3   4   5   6
//   angle:  0  10  21  33  46  60  75 degrees
//   label:  7   7   8   7   7   9   7
// Items 2 and 5 are singletons: skipped as queries (R = 0), still retrieved as distractors.
// The label-7 queries have R = 4. Rankings by angular distance (* relevant), first 4 count:
//   q0: 1*(10) 2(21) 3*(33) 4*(46) | 5(60) 6*(75)   [* - * *]  (1 + 0 + 2/3 + 3/4)/4 = 29/48
//   q1: 0*(10) 2(11) 3*(23) 4*(36) | 5(50) 6*(65)   [* - * *]  29/48
//   q3: 2(12) 4*(13) 1*(23) 5(27) | 0*(33) 6*(42)   [- * * -]  (0 + 1/2 + 2/3 + 0)/4 = 7/24
//   q4: 3*(13) 5(14) 2(25) 6*(29) | 1*(36) 0*(46)   [* - - *]  (1 + 0 + 0 + 2/4)/4   = 3/8
//   q6: 5(15) 4*(29) 3*(42) 2(54) | 1*(65) 0*(75)   [- * * -]  7/24
// q0's 4th relevant item at rank 6 adds nothing; plain AP would count it.
// MAP@R = (29/48 + 29/48 + 7/24 + 3/8 + 7/24) / 5 = 0.433333.
// Recall@1: q0, q1, q4 hit -> 3/5.
TEST(RetrievalMetricsTest, MapAtRCountsOnlyTheFirstRRanks)
{
    const std::vector<float> x = onCircle({0, 10, 21, 33, 46, 60, 75});
    const std::vector<std::int64_t> labels = {7, 7, 8, 7, 7, 9, 7};
    const RetrievalMetrics metrics = evaluateRetrieval({x, 7, 2}, labels);
    EXPECT_EQ(metrics.queryCount, 5u);
    EXPECT_EQ(metrics.skippedQueryCount, 2u);
    EXPECT_NEAR(metrics.mapAtR, (29.0 / 48 + 29.0 / 48 + 7.0 / 24 + 3.0 / 8 + 7.0 / 24) / 5, 1e-12);
    EXPECT_NEAR(metrics.mapAtR, 0.433333, 1e-6);
    EXPECT_DOUBLE_EQ(recallAt(metrics, 1), 0.6);
}

TEST(RetrievalMetricsTest, TiesAreBrokenByIndex)
{
    // Identical vectors (exact in float, so every similarity is exactly 1): the ranking is by index.
    //  q0 (A): 1*, 2, 3 -> hit@1, AP 1     q1 (A): 0*, 2, 3 -> hit@1, AP 1
    //  q2 (B): 0, 1, 3* -> hit@3, AP 0     q3 (B): 0, 1, 2* -> hit@3, AP 0
    const std::vector<float> x = {1, 0, 0, 1, 0, 0, 1, 0, 0, 1, 0, 0};
    const std::vector<std::int64_t> labels = {0, 0, 1, 1};
    RetrievalConfig config;
    config.recallAtK = {1, 2, 3};
    const RetrievalMetrics metrics = evaluateRetrieval({x, 4, 3}, labels, config);
    EXPECT_DOUBLE_EQ(recallAt(metrics, 1), 0.5);
    EXPECT_DOUBLE_EQ(recallAt(metrics, 2), 0.5);
    EXPECT_DOUBLE_EQ(recallAt(metrics, 3), 1.0);
    EXPECT_DOUBLE_EQ(metrics.mapAtR, 0.5);
}

// Raw, unnormalised vectors (a raw-pixel baseline) under the three similarities.
//   A: a0 = (1, 0), a1 = (2, 0)        B: b0 = (1.1, 0.5), b1 = (2.2, 1.0)
// Cosine: A lies at 0 degrees, B at 24.4 degrees: every nearest neighbour is right:
//   Recall@1 = 1, MAP@R = 1.
// Squared Euclidean: a0: b0 0.26 < a1 1 -> miss;  a1: a0 1 < b1 1.04 < b0 1.06 -> hit;
//   b0: a0 0.26 -> miss;  b1: a1 1.04 -> miss.  Recall@1 = MAP@R = 1/4 (R = 1 for all).
// Inner product: a0: b1 2.2 > a1 2 -> miss;  a1: b1 4.4 -> miss;  b0: b1 2.92 -> hit;
//   b1: a1 4.4 -> miss.  Recall@1 = MAP@R = 1/4.
TEST(RetrievalMetricsTest, SimilaritiesOnRawVectors)
{
    const std::vector<float> x = {1.0F, 0.0F, 2.0F, 0.0F, 1.1F, 0.5F, 2.2F, 1.0F};
    const std::vector<std::int64_t> labels = {0, 0, 1, 1};
    RetrievalConfig config;
    config.recallAtK = {1};
    for (const auto& [similarity, expected] :
         {std::pair{RetrievalSimilarity::Cosine, 1.0}, std::pair{RetrievalSimilarity::NegativeSquaredEuclidean, 0.25},
          std::pair{RetrievalSimilarity::InnerProduct, 0.25}}) {
        config.similarity = similarity;
        const RetrievalMetrics metrics = evaluateRetrieval({x, 4, 2}, labels, config);
        EXPECT_DOUBLE_EQ(recallAt(metrics, 1), expected) << static_cast<int>(similarity);
        EXPECT_DOUBLE_EQ(metrics.mapAtR, expected) << static_cast<int>(similarity);
    }
    EXPECT_EQ(x[2], 2.0F) << "the caller's vectors must not be normalised in place";
}

struct Dataset {
    std::vector<float> values;
    std::vector<std::int64_t> labels;
    std::size_t dimension = 0;
};

// Noisy clusters, with a few singleton labels and unnormalised vectors.
Dataset clusteredDataset(std::size_t labelCount, std::size_t perLabel, std::size_t dimension, float noise,
                         std::uint32_t seed)
{
    std::mt19937 random(seed);
    std::normal_distribution<float> normal;
    std::uniform_real_distribution<float> scale(0.5F, 3.0F);
    Dataset dataset;
    dataset.dimension = dimension;
    for (std::size_t label = 0; label < labelCount; ++label) {
        std::vector<float> centre(dimension);
        for (float& value : centre) {
            value = normal(random);
        }
        const std::size_t members = label % 10 == 9 ? 1 : perLabel;
        for (std::size_t member = 0; member < members; ++member) {
            const float s = scale(random);
            for (std::size_t k = 0; k < dimension; ++k) {
                dataset.values.push_back(s * (centre[k] + noise * normal(random)));
            }
            dataset.labels.push_back(static_cast<std::int64_t>(label));
        }
    }
    return dataset;
}

// Brute force by definition: cosine in double, full sort of all other items.
RetrievalMetrics referenceMetrics(const Dataset& dataset, const std::vector<std::size_t>& ks)
{
    const std::size_t n = dataset.labels.size();
    const std::size_t d = dataset.dimension;
    const auto dot = [&](std::size_t i, std::size_t j) {
        double sum = 0.0;
        for (std::size_t k = 0; k < d; ++k) {
            sum += static_cast<double>(dataset.values[i * d + k]) * dataset.values[j * d + k];
        }
        return sum;
    };
    RetrievalMetrics metrics;
    std::vector<double> hits(ks.size(), 0.0);
    double apSum = 0.0;
    for (std::size_t q = 0; q < n; ++q) {
        const std::size_t r = static_cast<std::size_t>(std::count(dataset.labels.begin(), dataset.labels.end(),
                                                                  dataset.labels[q])) - 1;
        if (r == 0) {
            ++metrics.skippedQueryCount;
            continue;
        }
        ++metrics.queryCount;
        std::vector<std::pair<double, std::size_t>> ranking;
        for (std::size_t j = 0; j < n; ++j) {
            if (j != q) {
                ranking.push_back({-dot(q, j) / std::sqrt(dot(q, q) * dot(j, j)), j});
            }
        }
        std::sort(ranking.begin(), ranking.end());
        std::vector<bool> relevant;
        for (const auto& [score, j] : ranking) {
            relevant.push_back(dataset.labels[j] == dataset.labels[q]);
        }
        for (std::size_t i = 0; i < ks.size(); ++i) {
            hits[i] += std::find(relevant.begin(), relevant.begin() + static_cast<std::ptrdiff_t>(std::min(ks[i], relevant.size())), true) !=
                               relevant.begin() + static_cast<std::ptrdiff_t>(std::min(ks[i], relevant.size()))
                           ? 1.0
                           : 0.0;
        }
        double correct = 0.0;
        double ap = 0.0;
        for (std::size_t i = 0; i < r; ++i) {
            if (relevant[i]) {
                correct += 1.0;
                ap += correct / static_cast<double>(i + 1);
            }
        }
        apSum += ap / static_cast<double>(r);
    }
    for (std::size_t i = 0; i < ks.size(); ++i) {
        metrics.recallAtK.push_back({ks[i], hits[i] / static_cast<double>(metrics.queryCount)});
    }
    metrics.mapAtR = apSum / static_cast<double>(metrics.queryCount);
    return metrics;
}

TEST(RetrievalMetricsTest, MatchesBruteForceReference)
{
    const Dataset dataset = clusteredDataset(60, 5, 16, 0.8F, 11);
    const std::vector<std::size_t> ks = {1, 2, 5, 10, 1000};
    RetrievalConfig config;
    config.recallAtK = ks;
    const RetrievalMetrics metrics =
        evaluateRetrieval({dataset.values, dataset.labels.size(), dataset.dimension}, dataset.labels, config);
    const RetrievalMetrics reference = referenceMetrics(dataset, ks);
    EXPECT_EQ(metrics.queryCount, reference.queryCount);
    EXPECT_EQ(metrics.skippedQueryCount, reference.skippedQueryCount);
    EXPECT_GT(metrics.skippedQueryCount, 0u);
    for (std::size_t i = 0; i < ks.size(); ++i) {
        EXPECT_NEAR(metrics.recallAtK[i].recall, reference.recallAtK[i].recall, 1e-12) << "K = " << ks[i];
    }
    EXPECT_NEAR(metrics.mapAtR, reference.mapAtR, 1e-9);
    // The data is neither trivial nor hopeless.
    EXPECT_GT(metrics.mapAtR, 0.1);
    EXPECT_LT(metrics.mapAtR, 0.95);
    EXPECT_DOUBLE_EQ(metrics.recallAtK.back().recall, 1.0);  // K beyond N: everything retrieved
}

TEST(RetrievalMetricsTest, ChunkSizeAndThreadsDoNotChangeTheResult)
{
    const Dataset dataset = clusteredDataset(40, 4, 8, 1.0F, 5);
    const EmbeddingsView view{dataset.values, dataset.labels.size(), dataset.dimension};
    RetrievalConfig config;
    const RetrievalMetrics baseline = evaluateRetrieval(view, dataset.labels, config);
    for (const std::size_t chunkValues : {std::size_t{1}, 7 * dataset.labels.size(), std::size_t{1} << 30}) {
        for (const int threads : {1, 2, 3}) {
            config.maxChunkValues = chunkValues;
            config.threadCount = threads;
            const RetrievalMetrics metrics = evaluateRetrieval(view, dataset.labels, config);
            EXPECT_EQ(metrics.mapAtR, baseline.mapAtR) << chunkValues << " values, " << threads << " threads";
            for (std::size_t i = 0; i < metrics.recallAtK.size(); ++i) {
                EXPECT_EQ(metrics.recallAtK[i].recall, baseline.recallAtK[i].recall);
            }
        }
    }
}

TEST(RetrievalMetricsTest, ReportsProgressAndHonoursCancel)
{
    const Dataset dataset = clusteredDataset(20, 5, 8, 0.5F, 2);
    const EmbeddingsView view{dataset.values, dataset.labels.size(), dataset.dimension};
    RetrievalConfig config;
    config.maxChunkValues = 10 * dataset.labels.size();  // 10 queries per chunk
    std::vector<std::int64_t> done;
    evaluateRetrieval(view, dataset.labels, config, [&](const Progress& progress) {
        done.push_back(progress.done);
        EXPECT_EQ(progress.total, static_cast<std::int64_t>(dataset.labels.size()));
    });
    ASSERT_FALSE(done.empty());
    EXPECT_TRUE(std::is_sorted(done.begin(), done.end()));
    EXPECT_EQ(done.back(), static_cast<std::int64_t>(dataset.labels.size()));

    CancelToken cancel;
    EXPECT_THROW(evaluateRetrieval(view, dataset.labels, config, [&](const Progress&) { cancel.cancel(); }, &cancel),
                 Cancelled);
}

TEST(RetrievalMetricsTest, RejectsBadInput)
{
    std::vector<float> x = {1, 0, 0, 1, 1, 1};
    const std::vector<std::int64_t> labels = {0, 0, 1};
    EXPECT_THROW(evaluateRetrieval({x, 3, 2}, std::vector<std::int64_t>{0, 0}), std::invalid_argument);
    RetrievalConfig zeroK;
    zeroK.recallAtK = {0};
    EXPECT_THROW(evaluateRetrieval({x, 3, 2}, labels, zeroK), std::invalid_argument);
    x[3] = std::numeric_limits<float>::infinity();
    EXPECT_THROW(evaluateRetrieval({x, 3, 2}, labels), std::invalid_argument);
    // Nothing to score is not an error.
    const RetrievalMetrics empty = evaluateRetrieval({{}, 0, 4}, {});
    EXPECT_EQ(empty.queryCount, 0u);
}

}  // namespace
}  // namespace lookalike::metric
