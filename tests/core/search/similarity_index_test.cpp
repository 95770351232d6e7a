// The SimilarityIndex contract, checked against both implementations: ranking, filters,
// removal, replacement, input checks and concurrent searches during adds.

#include "core/search/brute_force_index.h"
#include "core/search/hnsw_index.h"
#include "core/search/vector_math.h"
#include "tests/core/search/random_vectors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace lookalike;
using namespace lookalike::search;
using fixtures::row;

namespace {

template <typename Index>
std::unique_ptr<SimilarityIndex> makeIndex(std::size_t dimension);

template <>
std::unique_ptr<SimilarityIndex> makeIndex<BruteForceIndex>(std::size_t dimension) {
    return std::make_unique<BruteForceIndex>(dimension);
}

template <>
std::unique_ptr<SimilarityIndex> makeIndex<HnswIndex>(std::size_t dimension) {
    // A small initial capacity, so that every test also grows the graph.
    return std::make_unique<HnswIndex>(dimension, HnswConfig{.initialCapacity = 16});
}

double innerProductInDouble(std::span<const float> a, std::span<const float> b) {
    double sum = 0.0;
    for (std::size_t i = 0; i < a.size(); ++i)
        sum += static_cast<double>(a[i]) * b[i];
    return sum;
}

void expectRanked(const std::vector<Match>& matches) {
    for (std::size_t i = 1; i < matches.size(); ++i)
        EXPECT_TRUE(ranksBefore(matches[i - 1], matches[i])) << "position " << i;
}

template <typename Index>
class SimilarityIndexContract : public ::testing::Test {
protected:
    static constexpr std::size_t kDimension = 32;
    static constexpr std::size_t kCount = 400;

    // Ids 1000, 1001, ... for rows 0, 1, ... of m_vectors.
    void fill() {
        std::vector<ItemId> ids(kCount);
        for (std::size_t i = 0; i < kCount; ++i)
            ids[i] = idOf(i);
        m_index->addBatch(ids, m_vectors);
    }
    static ItemId idOf(std::size_t row) { return 1000 + static_cast<ItemId>(row); }
    std::span<const float> vectorOf(std::size_t index) const { return row(m_vectors, kDimension, index); }

    std::unique_ptr<SimilarityIndex> m_index = makeIndex<Index>(kDimension);
    std::vector<float> m_vectors = fixtures::ClusteredSpace(kDimension, 20, 7).sample(kCount, 1);
};

using Implementations = ::testing::Types<BruteForceIndex, HnswIndex>;
TYPED_TEST_SUITE(SimilarityIndexContract, Implementations);

}  // namespace

TYPED_TEST(SimilarityIndexContract, EmptyIndexFindsNothing) {
    EXPECT_EQ(this->m_index->size(), 0u);
    EXPECT_EQ(this->m_index->dimension(), this->kDimension);
    EXPECT_FALSE(this->m_index->contains(1));
    EXPECT_TRUE(this->m_index->search(this->vectorOf(0), 10).empty());
    EXPECT_FALSE(this->m_index->remove(1));
}

TYPED_TEST(SimilarityIndexContract, RejectsAnImpossibleDimension) {
    EXPECT_THROW(makeIndex<TypeParam>(0), std::invalid_argument);
    EXPECT_THROW(makeIndex<TypeParam>(SimilarityIndex::kMaxDimension + 1), std::invalid_argument);
}

TYPED_TEST(SimilarityIndexContract, QueryEqualToAnIndexedVectorFindsItFirst) {
    this->fill();
    ASSERT_EQ(this->m_index->size(), this->kCount);
    for (std::size_t i = 0; i < this->kCount; ++i) {
        const std::vector<Match> matches = this->m_index->search(this->vectorOf(i), 1);
        ASSERT_EQ(matches.size(), 1u);
        EXPECT_EQ(matches[0].id, this->idOf(i));
        EXPECT_NEAR(matches[0].similarity, 1.0f, 1e-5f);
    }
}

TYPED_TEST(SimilarityIndexContract, SimilarityIsTheInnerProductOfTheNormalisedVectors) {
    // Stored and queried at other lengths: the index normalises both.
    std::vector<float> scaled = this->m_vectors;
    for (float& value : scaled)
        value *= 3.5f;
    std::vector<ItemId> ids(this->kCount);
    for (std::size_t i = 0; i < this->kCount; ++i)
        ids[i] = this->idOf(i);
    this->m_index->addBatch(ids, scaled);

    const auto source = this->vectorOf(3);
    std::vector<float> query(source.begin(), source.end());
    for (float& value : query)
        value *= 0.01f;
    const std::vector<Match> matches = this->m_index->search(query, 10);
    ASSERT_EQ(matches.size(), 10u);
    expectRanked(matches);
    for (const Match& match : matches) {
        const std::size_t index = static_cast<std::size_t>(match.id - 1000);
        EXPECT_NEAR(match.similarity, innerProductInDouble(this->vectorOf(3), this->vectorOf(index)), 1e-5);
    }
}

TYPED_TEST(SimilarityIndexContract, MinSimilarityDropsWeakerMatches) {
    this->fill();
    const std::vector<Match> all = this->m_index->search(this->vectorOf(5), 30);
    ASSERT_EQ(all.size(), 30u);
    const float threshold = all[12].similarity;
    const std::vector<Match> strong = this->m_index->search(this->vectorOf(5), 30, {.minSimilarity = threshold});
    std::vector<Match> expected;
    std::copy_if(all.begin(), all.end(), std::back_inserter(expected),
                 [&](const Match& match) { return match.similarity >= threshold; });
    EXPECT_EQ(strong, expected);
    EXPECT_TRUE(this->m_index->search(this->vectorOf(5), 30, {.minSimilarity = 1.5f}).empty());
}

TYPED_TEST(SimilarityIndexContract, ExcludedIdsAreNeverReturnedAndOthersTakeTheirPlace) {
    this->fill();
    const std::vector<Match> all = this->m_index->search(this->vectorOf(9), 13);
    ASSERT_EQ(all.size(), 13u);
    // The query item itself, two of its neighbours, a repeat and an id that is not indexed.
    const std::vector<ItemId> excluded = {all[0].id, all[2].id, all[5].id, all[2].id, -77};
    const std::vector<Match> filtered = this->m_index->search(this->vectorOf(9), 10, {.excluded = excluded});
    ASSERT_EQ(filtered.size(), 10u);
    for (const Match& match : filtered)
        EXPECT_EQ(std::count(excluded.begin(), excluded.end(), match.id), 0) << match.id;
    std::vector<Match> expected;
    for (const Match& match : all) {
        if (std::count(excluded.begin(), excluded.end(), match.id) == 0)
            expected.push_back(match);
    }
    expected.resize(10);
    EXPECT_EQ(filtered, expected);
}

TYPED_TEST(SimilarityIndexContract, RemovedVectorsAreNoLongerFound) {
    this->fill();
    for (std::size_t i = 0; i < this->kCount; i += 3)
        EXPECT_TRUE(this->m_index->remove(this->idOf(i)));
    EXPECT_FALSE(this->m_index->remove(this->idOf(0)));
    EXPECT_FALSE(this->m_index->remove(12345));
    const std::size_t removed = (this->kCount + 2) / 3;
    EXPECT_EQ(this->m_index->size(), this->kCount - removed);
    for (std::size_t i = 0; i < this->kCount; ++i) {
        const std::vector<Match> matches = this->m_index->search(this->vectorOf(i), 5);
        ASSERT_EQ(matches.size(), 5u);
        if (i % 3 == 0) {
            EXPECT_FALSE(this->m_index->contains(this->idOf(i)));
            for (const Match& match : matches)
                EXPECT_NE(match.id, this->idOf(i));
        } else {
            EXPECT_TRUE(this->m_index->contains(this->idOf(i)));
            EXPECT_EQ(matches[0].id, this->idOf(i));
        }
        for (const Match& match : matches)
            EXPECT_NE((match.id - 1000) % 3, 0) << "removed id " << match.id << " returned";
    }
}

TYPED_TEST(SimilarityIndexContract, RemovedIdCanBeAddedAgain) {
    this->fill();
    ASSERT_TRUE(this->m_index->remove(this->idOf(4)));
    this->m_index->add(this->idOf(4), this->vectorOf(4));
    EXPECT_TRUE(this->m_index->contains(this->idOf(4)));
    EXPECT_EQ(this->m_index->size(), this->kCount);
    EXPECT_EQ(this->m_index->search(this->vectorOf(4), 1).at(0).id, this->idOf(4));
}

TYPED_TEST(SimilarityIndexContract, AddingAnExistingIdReplacesItsVector) {
    this->fill();
    // Item 1000 takes the vector of row 250, from another cluster.
    this->m_index->add(this->idOf(0), this->vectorOf(250));
    EXPECT_EQ(this->m_index->size(), this->kCount);
    const std::vector<Match> matches = this->m_index->search(this->vectorOf(250), 2);
    ASSERT_EQ(matches.size(), 2u);
    EXPECT_EQ(std::min(matches[0].id, matches[1].id), this->idOf(0));
    EXPECT_EQ(std::max(matches[0].id, matches[1].id), this->idOf(250));
    EXPECT_NEAR(matches[0].similarity, 1.0f, 1e-5f);
    EXPECT_NEAR(matches[1].similarity, 1.0f, 1e-5f);
}

TYPED_TEST(SimilarityIndexContract, RepeatedIdInABatchKeepsItsLastVector) {
    const std::vector<ItemId> ids = {7, 8, 7};
    std::vector<float> vectors;
    for (std::size_t i : {0u, 100u, 200u})
        vectors.insert(vectors.end(), this->vectorOf(i).begin(), this->vectorOf(i).end());
    this->m_index->addBatch(ids, vectors);
    EXPECT_EQ(this->m_index->size(), 2u);
    EXPECT_EQ(this->m_index->search(this->vectorOf(200), 1).at(0).id, 7);
    EXPECT_NEAR(this->m_index->search(this->vectorOf(200), 1).at(0).similarity, 1.0f, 1e-5f);
}

TYPED_TEST(SimilarityIndexContract, AnyIdValueWorks) {
    const std::vector<ItemId> ids = {std::numeric_limits<ItemId>::min(), -1, 0, std::numeric_limits<ItemId>::max()};
    for (std::size_t i = 0; i < ids.size(); ++i)
        this->m_index->add(ids[i], this->vectorOf(i * 50));
    for (std::size_t i = 0; i < ids.size(); ++i) {
        EXPECT_TRUE(this->m_index->contains(ids[i]));
        EXPECT_EQ(this->m_index->search(this->vectorOf(i * 50), 1).at(0).id, ids[i]);
    }
    EXPECT_TRUE(this->m_index->remove(std::numeric_limits<ItemId>::min()));
    EXPECT_EQ(this->m_index->size(), 3u);
}

TYPED_TEST(SimilarityIndexContract, KBeyondTheSizeReturnsEverythingAndZeroReturnsNothing) {
    for (std::size_t i = 0; i < 7; ++i)
        this->m_index->add(static_cast<ItemId>(i), this->vectorOf(i));
    const std::vector<Match> matches = this->m_index->search(this->vectorOf(0), 100);
    EXPECT_EQ(matches.size(), 7u);
    expectRanked(matches);
    EXPECT_TRUE(this->m_index->search(this->vectorOf(0), 0).empty());
}

TYPED_TEST(SimilarityIndexContract, EqualSimilaritiesAreRankedByIncreasingId) {
    for (ItemId id : {9, 3, 5})
        this->m_index->add(id, this->vectorOf(0));
    const std::vector<Match> matches = this->m_index->search(this->vectorOf(0), 3);
    ASSERT_EQ(matches.size(), 3u);
    EXPECT_EQ(matches[0].id, 3);
    EXPECT_EQ(matches[1].id, 5);
    EXPECT_EQ(matches[2].id, 9);
}

TYPED_TEST(SimilarityIndexContract, BadInputThrowsAndChangesNothing) {
    this->fill();
    std::vector<float> tooShort(this->kDimension - 1, 0.5f);
    std::vector<float> zero(this->kDimension, 0.0f);
    std::vector<float> withNaN(this->vectorOf(0).begin(), this->vectorOf(0).end());
    withNaN[3] = std::numeric_limits<float>::quiet_NaN();
    std::vector<float> withInfinity(this->vectorOf(0).begin(), this->vectorOf(0).end());
    withInfinity[0] = std::numeric_limits<float>::infinity();

    EXPECT_THROW(this->m_index->add(1, tooShort), std::invalid_argument);
    EXPECT_THROW(this->m_index->add(1, zero), std::invalid_argument);
    EXPECT_THROW(this->m_index->add(1, withNaN), std::invalid_argument);
    EXPECT_THROW(this->m_index->add(1, withInfinity), std::invalid_argument);
    // The bad row is the last one: nothing before it may be added either.
    std::vector<float> batch(this->m_vectors.begin(), this->m_vectors.begin() + 2 * this->kDimension);
    batch.insert(batch.end(), withNaN.begin(), withNaN.end());
    const std::vector<ItemId> ids = {1, 2, 3};
    EXPECT_THROW(this->m_index->addBatch(ids, batch), std::invalid_argument);
    EXPECT_THROW(this->m_index->addBatch(std::span<const ItemId>(ids).first(2), batch), std::invalid_argument);
    EXPECT_EQ(this->m_index->size(), this->kCount);
    EXPECT_FALSE(this->m_index->contains(1));

    EXPECT_THROW(this->m_index->search(tooShort, 5), std::invalid_argument);
    EXPECT_THROW(this->m_index->search(zero, 5), std::invalid_argument);
    EXPECT_THROW(this->m_index->search(withNaN, 5), std::invalid_argument);
    EXPECT_THROW(this->m_index->search(this->vectorOf(0), 5, {.minSimilarity = std::numeric_limits<float>::quiet_NaN()}),
                 std::invalid_argument);
}

TYPED_TEST(SimilarityIndexContract, AddBatchReportsProgressAndStopsWhenCancelled) {
    std::vector<ItemId> ids(this->kCount);
    for (std::size_t i = 0; i < this->kCount; ++i)
        ids[i] = this->idOf(i);
    std::vector<std::int64_t> reported;
    CancelToken cancel;
    auto cancelAfterFirstChunk = [&](const Progress& progress) {
        EXPECT_EQ(progress.total, static_cast<std::int64_t>(this->kCount));
        reported.push_back(progress.done);
        cancel.cancel();
    };
    EXPECT_THROW(this->m_index->addBatch(ids, this->m_vectors, cancelAfterFirstChunk, &cancel), Cancelled);
    ASSERT_EQ(reported.size(), 1u);
    // What was added before the cancel stays, and the index is fully usable.
    EXPECT_EQ(this->m_index->size(), static_cast<std::size_t>(reported[0]));
    EXPECT_EQ(this->m_index->search(this->vectorOf(0), 1).at(0).id, this->idOf(0));

    reported.clear();
    this->m_index->addBatch(ids, this->m_vectors, [&](const Progress& progress) { reported.push_back(progress.done); });
    EXPECT_EQ(reported.back(), static_cast<std::int64_t>(this->kCount));
    EXPECT_TRUE(std::is_sorted(reported.begin(), reported.end()));
    EXPECT_EQ(this->m_index->size(), this->kCount);
}

// Two threads search without pause while a third adds 3,000 vectors in small batches and
// removes some. Every result must be well-formed and agree with the vectors it names.
TYPED_TEST(SimilarityIndexContract, SearchesRunSafelyDuringAddsAndRemoves) {
    constexpr std::size_t kTotal = 3000;
    constexpr std::size_t kBatch = 50;
    constexpr std::size_t kDimension = TestFixture::kDimension;
    const std::vector<float> vectors = fixtures::ClusteredSpace(kDimension, 40, 11).sample(kTotal, 1);
    const std::vector<float> queries = fixtures::randomUnitVectors(64, kDimension, 12);
    SimilarityIndex& index = *this->m_index;

    std::atomic<bool> writing{true};
    std::atomic<std::size_t> searches{0};
    std::atomic<std::size_t> failures{0};
    auto reader = [&](std::size_t first) {
        for (std::size_t round = first; writing.load() || round < first + 20; ++round) {
            const auto query = row(queries, kDimension, round % 64);
            const std::vector<Match> matches = index.search(query, 10);
            bool ok = matches.size() <= 10;
            std::set<ItemId> seen;
            for (std::size_t i = 0; i < matches.size(); ++i) {
                const Match& match = matches[i];
                ok = ok && match.id >= 0 && match.id < static_cast<ItemId>(kTotal) && seen.insert(match.id).second;
                ok = ok && (i == 0 || ranksBefore(matches[i - 1], match));
                if (ok) {
                    const double expected = innerProductInDouble(query, row(vectors, kDimension, static_cast<std::size_t>(match.id)));
                    ok = std::abs(match.similarity - expected) < 1e-5;
                }
            }
            failures += ok ? 0 : 1;
            ++searches;
        }
    };
    std::thread first(reader, 0);
    std::thread second(reader, 32);
    // The writes start once both readers are searching, so that they overlap even when the
    // writes are quick (the brute-force index adds 3,000 vectors in a few milliseconds).
    while (searches.load() < 2)
        std::this_thread::yield();
    for (std::size_t start = 0; start < kTotal; start += kBatch) {
        std::vector<ItemId> ids(kBatch);
        for (std::size_t i = 0; i < kBatch; ++i)
            ids[i] = static_cast<ItemId>(start + i);
        index.addBatch(ids, std::span<const float>(vectors).subspan(start * kDimension, kBatch * kDimension));
        index.remove(static_cast<ItemId>(start));  // the first of every batch
    }
    writing = false;
    first.join();
    second.join();

    EXPECT_EQ(failures.load(), 0u) << "of " << searches.load() << " searches";
    EXPECT_GE(searches.load(), 40u);  // each reader's 20 rounds at least
    EXPECT_EQ(index.size(), kTotal - kTotal / kBatch);
    EXPECT_EQ(index.search(row(vectors, kDimension, 1), 1).at(0).id, 1);
}
