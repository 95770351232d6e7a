// HnswIndex recall@10 against the exact BruteForceIndex at catalog scale: 100,000 vectors of
// 128 dimensions. Slow (each test builds a graph of 100,000 vectors on one thread, about a
// minute), so it is its own executable labelled `slow`: ctest -L slow.

#include "core/search/brute_force_index.h"
#include "core/search/hnsw_index.h"
#include "tests/core/search/random_vectors.h"
#include "tests/core/search/recall.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

using namespace lookalike;
using namespace lookalike::search;

namespace {

constexpr std::size_t kDimension = 128;
constexpr std::size_t kCount = 100000;
constexpr std::size_t kQueries = 200;
constexpr std::size_t kK = 10;

// Adds the same vectors to both indexes and returns recall@10 of `hnsw` over the queries.
double recallAt10(HnswIndex& hnsw, const std::vector<float>& vectors, const std::vector<float>& queries) {
    BruteForceIndex exact(kDimension);
    const std::vector<ItemId> ids = fixtures::sequentialIds(vectors.size() / kDimension);
    hnsw.addBatch(ids, vectors);
    exact.addBatch(ids, vectors);
    return fixtures::recallAtK(hnsw, exact, queries, kK);
}

}  // namespace

// Uniform random unit vectors are the hard case (random_vectors.h): every pair has a cosine of
// about 0 +- 0.09, so the true ten nearest are barely nearer than the rest, and a graph of the
// default shape (M 16, efConstruction 200) must be searched almost exhaustively. Measured with
// tests/bench/search (other seeds): recall@10 0.23 at efSearch 64, 0.37 at 128, 0.904 at 1024,
// 0.976 at 2048, 0.993 at 3072, 0.997 at 4096 (0.9990 with this test's seeds). 4096 keeps a
// margin over 0.99; at that depth the search is slower than brute force, which is why the
// product's default is tuned on embedding-like data (the next test).
TEST(HnswRecallAt100k, UniformRandomVectors) {
    constexpr std::size_t kEfSearch = 4096;
    HnswIndex hnsw(kDimension, {.efSearch = kEfSearch});
    const double recall = recallAt10(hnsw, fixtures::randomUnitVectors(kCount, kDimension, 101),
                                     fixtures::randomUnitVectors(kQueries, kDimension, 102));
    std::printf("recall@10, 100,000 uniform random vectors, efSearch %zu: %.4f\n", kEfSearch, recall);
    EXPECT_GE(recall, 0.99);
}

// Embedding-like vectors (1,000 clusters, as a trained model places look-alikes) with the
// product's default configuration: guards the default efSearch at this scale. An efSearch of 64
// gave 0.9885 here, which is why the default is 128.
TEST(HnswRecallAt100k, ClusteredVectorsWithTheDefaultConfig) {
    HnswIndex hnsw(kDimension);
    const fixtures::ClusteredSpace space(kDimension, kCount / 100, 103);
    const double recall = recallAt10(hnsw, space.sample(kCount, 1), space.sample(kQueries, 2));
    std::printf("recall@10, 100,000 clustered vectors, default efSearch %zu: %.4f\n", hnsw.config().efSearch, recall);
    EXPECT_GE(recall, 0.99);
}
