// HnswIndex against the exact BruteForceIndex: recall, exact hits, identical scores, and the
// HNSW-specific upkeep (capacity growth, removed slots, compaction, configuration).

#include "core/search/brute_force_index.h"
#include "core/search/hnsw_index.h"
#include "tests/core/search/random_vectors.h"
#include "tests/core/search/recall.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <stdexcept>
#include <vector>

using namespace lookalike;
using namespace lookalike::search;
using fixtures::recallAtK;
using fixtures::row;
using fixtures::sequentialIds;

namespace {

constexpr std::size_t kDimension = 128;
constexpr std::size_t kCount = 5000;
constexpr std::size_t kQueries = 200;
constexpr std::size_t kK = 10;

// Both indexes over the same 5,000 x 128 vectors.
class HnswAgainstBruteForce : public ::testing::Test {
protected:
    void build(const std::vector<float>& vectors) {
        const std::vector<ItemId> ids = sequentialIds(vectors.size() / kDimension);
        m_hnsw.addBatch(ids, vectors);
        m_exact.addBatch(ids, vectors);
    }

    HnswIndex m_hnsw{kDimension};
    BruteForceIndex m_exact{kDimension};
};

}  // namespace

// The worst case (see random_vectors.h): an efSearch of 64 reaches only about 0.78 here, so
// this asks for 200.
TEST_F(HnswAgainstBruteForce, RecallAt10OnUniformRandomVectors) {
    build(fixtures::randomUnitVectors(kCount, kDimension, 1));
    m_hnsw.setEfSearch(200);
    const double recall = recallAtK(m_hnsw, m_exact, fixtures::randomUnitVectors(kQueries, kDimension, 2), kK);
    std::printf("recall@10, uniform random, efSearch 200: %.4f\n", recall);
    EXPECT_GE(recall, 0.95);
}

// Embedding-like vectors, with the default configuration.
TEST_F(HnswAgainstBruteForce, RecallAt10OnClusteredVectors) {
    const fixtures::ClusteredSpace space(kDimension, 100, 3);
    build(space.sample(kCount, 1));
    // Fresh points from the same clusters.
    const double recall = recallAtK(m_hnsw, m_exact, space.sample(kQueries, 2), kK);
    std::printf("recall@10, clustered, default efSearch %zu: %.4f\n", m_hnsw.config().efSearch, recall);
    EXPECT_GE(recall, 0.95);
}

TEST_F(HnswAgainstBruteForce, LargerEfSearchBuysRecall) {
    build(fixtures::randomUnitVectors(kCount, kDimension, 1));
    const std::vector<float> queries = fixtures::randomUnitVectors(kQueries, kDimension, 2);
    m_hnsw.setEfSearch(10);
    const double low = recallAtK(m_hnsw, m_exact, queries, kK);
    m_hnsw.setEfSearch(400);
    const double high = recallAtK(m_hnsw, m_exact, queries, kK);
    EXPECT_EQ(m_hnsw.config().efSearch, 400u);
    EXPECT_LT(low, high);
    EXPECT_GE(high, 0.99);
}

TEST_F(HnswAgainstBruteForce, FindsEveryIndexedVectorFirstAndScoresLikeTheOracle) {
    const std::vector<float> vectors = fixtures::ClusteredSpace(kDimension, 100, 4).sample(kCount, 1);
    build(vectors);
    for (std::size_t i = 0; i < kCount; i += 7) {
        const std::vector<Match> found = m_hnsw.search(row(vectors, kDimension, i), kK);
        const std::vector<Match> truth = m_exact.search(row(vectors, kDimension, i), kK);
        ASSERT_FALSE(found.empty());
        EXPECT_EQ(found[0], truth[0]) << "query " << i;
        // Same inner product code: a pair both return has the very same similarity.
        for (const Match& match : found) {
            auto same = std::find_if(truth.begin(), truth.end(), [&](const Match& t) { return t.id == match.id; });
            if (same != truth.end()) {
                EXPECT_EQ(match.similarity, same->similarity);
            }
        }
    }
}

TEST_F(HnswAgainstBruteForce, StillAccurateAfterMostVectorsAreRemoved) {
    const fixtures::ClusteredSpace space(kDimension, 40, 5);
    const std::vector<float> vectors = space.sample(2000, 1);
    build(vectors);
    for (ItemId id = 0; id < 2000; ++id) {
        if (id % 10 != 0) {
            m_hnsw.remove(id);
            m_exact.remove(id);
        }
    }
    EXPECT_EQ(m_hnsw.size(), 200u);
    EXPECT_EQ(m_hnsw.removedSlotCount(), 1800u);
    for (std::size_t i = 0; i < 2000; i += 10)
        EXPECT_EQ(m_hnsw.search(row(vectors, kDimension, i), 1).at(0).id, static_cast<ItemId>(i));
    const std::vector<float> queries = space.sample(100, 2);
    EXPECT_GE(recallAtK(m_hnsw, m_exact, queries, kK), 0.95);
}

TEST(HnswIndex, GrowsPastItsInitialCapacity) {
    HnswIndex index(16, {.initialCapacity = 4});
    const std::vector<float> vectors = fixtures::randomUnitVectors(1000, 16, 6);
    for (std::size_t i = 0; i < 1000; ++i)
        index.add(static_cast<ItemId>(i), row(vectors, 16, i));
    EXPECT_EQ(index.size(), 1000u);
    EXPECT_GE(index.capacity(), 1000u);
    EXPECT_LE(index.capacity(), 2048u);  // doubled, not grown one slot at a time
    for (std::size_t i = 0; i < 1000; ++i)
        EXPECT_EQ(index.search(row(vectors, 16, i), 1).at(0).id, static_cast<ItemId>(i));
}

TEST(HnswIndex, ReplacedAndReaddedVectorsRetireTheirOldSlotsUntilCompacted) {
    HnswIndex index(16, {.initialCapacity = 64});
    const std::vector<float> vectors = fixtures::randomUnitVectors(66, 16, 7);
    index.addBatch(sequentialIds(64), std::span<const float>(vectors).first(64 * 16));
    ASSERT_TRUE(index.remove(10));
    EXPECT_EQ(index.removedSlotCount(), 1u);
    index.add(10, row(vectors, 16, 64));  // back, with a new vector
    index.add(11, row(vectors, 16, 65));  // replaced while present
    EXPECT_EQ(index.size(), 64u);
    EXPECT_EQ(index.removedSlotCount(), 2u);
    EXPECT_EQ(index.search(row(vectors, 16, 64), 1).at(0).id, 10);
    EXPECT_EQ(index.search(row(vectors, 16, 65), 1).at(0).id, 11);
    EXPECT_NE(index.search(row(vectors, 16, 11), 1).at(0).id, 11);  // the old vector is gone

    index.compact();
    EXPECT_EQ(index.removedSlotCount(), 0u);
    EXPECT_EQ(index.size(), 64u);
    EXPECT_EQ(index.capacity(), 64u);
    EXPECT_EQ(index.search(row(vectors, 16, 64), 1).at(0).id, 10);
    EXPECT_EQ(index.search(row(vectors, 16, 65), 1).at(0).id, 11);
    ASSERT_TRUE(index.remove(11));
    EXPECT_FALSE(index.contains(11));
}

TEST(HnswIndex, CompactFreesRemovedSlots) {
    HnswIndex index(16, {.initialCapacity = 8});
    const std::vector<float> vectors = fixtures::randomUnitVectors(500, 16, 8);
    index.addBatch(sequentialIds(500), vectors);
    for (ItemId id = 0; id < 500; id += 5)
        index.remove(id);
    EXPECT_EQ(index.removedSlotCount(), 100u);
    index.compact();
    EXPECT_EQ(index.removedSlotCount(), 0u);
    EXPECT_EQ(index.size(), 400u);
    EXPECT_EQ(index.capacity(), 400u);
    for (std::size_t i = 0; i < 500; ++i) {
        EXPECT_EQ(index.contains(static_cast<ItemId>(i)), i % 5 != 0);
        const ItemId top = index.search(row(vectors, 16, i), 1).at(0).id;
        if (i % 5 != 0)
            EXPECT_EQ(top, static_cast<ItemId>(i));
        else
            EXPECT_NE(top, static_cast<ItemId>(i));
    }
    index.add(1000, row(vectors, 16, 0));  // and it keeps growing
    EXPECT_EQ(index.search(row(vectors, 16, 0), 1).at(0).id, 1000);
}

TEST(HnswIndex, CancelledCompactLeavesTheIndexAsItWas) {
    HnswIndex index(16);
    const std::vector<float> vectors = fixtures::randomUnitVectors(600, 16, 11);
    index.addBatch(sequentialIds(600), vectors);
    for (ItemId id = 0; id < 600; id += 2)
        index.remove(id);
    CancelToken cancel;
    cancel.cancel();
    std::vector<std::int64_t> reported;
    auto record = [&](const Progress& progress) { reported.push_back(progress.done); };
    EXPECT_THROW(index.compact(record, &cancel), Cancelled);
    EXPECT_TRUE(reported.empty()) << "stopped at the first check, before any report";
    EXPECT_EQ(index.removedSlotCount(), 300u);
    EXPECT_EQ(index.size(), 300u);
    EXPECT_EQ(index.search(row(vectors, 16, 1), 1).at(0).id, 1);

    index.compact(record);
    EXPECT_EQ(reported, (std::vector<std::int64_t>{256, 300}));
    EXPECT_EQ(index.removedSlotCount(), 0u);
}

TEST(HnswIndex, SameVectorsInTheSameOrderGiveTheSameResults) {
    const std::vector<float> vectors = fixtures::randomUnitVectors(1500, 32, 9);
    const std::vector<float> queries = fixtures::randomUnitVectors(50, 32, 10);
    HnswIndex first(32, {.efSearch = 16});
    HnswIndex second(32, {.efSearch = 16});
    first.addBatch(sequentialIds(1500), vectors);
    second.addBatch(sequentialIds(1500), vectors);
    for (std::size_t q = 0; q < 50; ++q)
        EXPECT_EQ(first.search(row(queries, 32, q), 10), second.search(row(queries, 32, q), 10));
}

TEST(HnswIndex, ConfigIsCheckedAndReported) {
    EXPECT_THROW(HnswIndex(8, {.m = 1}), std::invalid_argument);
    EXPECT_THROW(HnswIndex(8, {.m = HnswIndex::kMaxM + 1}), std::invalid_argument);
    EXPECT_THROW(HnswIndex(8, {.efConstruction = 0}), std::invalid_argument);
    EXPECT_THROW(HnswIndex(8, {.efSearch = 0}), std::invalid_argument);
    EXPECT_THROW(HnswIndex(8, {.initialCapacity = 0}), std::invalid_argument);
    EXPECT_THROW(HnswIndex(0), std::invalid_argument);

    HnswIndex index(8, {.m = 8, .efConstruction = 50, .efSearch = 20, .initialCapacity = 100, .randomSeed = 3});
    EXPECT_EQ(index.config(), (HnswConfig{.m = 8, .efConstruction = 50, .efSearch = 20, .initialCapacity = 100, .randomSeed = 3}));
    EXPECT_EQ(index.capacity(), 100u);
    EXPECT_THROW(index.setEfSearch(0), std::invalid_argument);
    EXPECT_EQ(index.config().efSearch, 20u);
}
