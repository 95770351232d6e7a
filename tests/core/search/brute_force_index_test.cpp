// BruteForceIndex is the oracle, so it is checked against the plainest possible search: score
// every vector, sort them all.

#include "core/search/brute_force_index.h"
#include "core/search/vector_math.h"
#include "tests/core/search/random_vectors.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace lookalike;
using namespace lookalike::search;
using fixtures::row;

namespace {

constexpr std::size_t kDimension = 24;

struct Entry {
    ItemId id;
    std::vector<float> unitVector;
};

// Scores every entry with the shared inner product and sorts them all.
std::vector<Match> fullSort(const std::vector<Entry>& entries, std::span<const float> query, std::size_t k,
                            float minSimilarity, const std::vector<ItemId>& excluded) {
    std::vector<Match> all;
    for (const Entry& entry : entries) {
        const float similarity = innerProduct(query.data(), entry.unitVector.data(), kDimension);
        if (similarity >= minSimilarity && std::find(excluded.begin(), excluded.end(), entry.id) == excluded.end())
            all.push_back({entry.id, similarity});
    }
    std::sort(all.begin(), all.end(), ranksBefore);
    all.resize(std::min(all.size(), k));
    return all;
}

}  // namespace

TEST(BruteForceIndex, EqualsAFullSortOfEverySimilarity) {
    const std::vector<float> vectors = fixtures::randomUnitVectors(1000, kDimension, 21);
    const std::vector<float> queries = fixtures::randomUnitVectors(30, kDimension, 22);
    BruteForceIndex index(kDimension);
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < 1000; ++i) {
        const auto id = static_cast<ItemId>(i * 7 % 1000);  // ids in another order than rows
        index.add(id, row(vectors, kDimension, i));
        entries.push_back({id, {}});
    }
    // Removing moves rows around; the result must not depend on it.
    for (ItemId id = 0; id < 1000; id += 13) {
        ASSERT_TRUE(index.remove(id));
        entries.erase(std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.id == id; }));
    }
    ASSERT_EQ(index.size(), entries.size());
    for (Entry& entry : entries) {
        const std::size_t i = static_cast<std::size_t>(entry.id) * 143 % 1000;  // 7 * 143 = 1001
        const auto source = row(vectors, kDimension, i);
        // What the index stored: the input normalised once more, with the index's arithmetic,
        // so that results can be compared with ==.
        double sum = 0.0;
        for (float value : source)
            sum += static_cast<double>(value) * value;
        for (float value : source)
            entry.unitVector.push_back(static_cast<float>(value * (1.0 / std::sqrt(sum))));
    }

    for (std::size_t q = 0; q < 30; ++q) {
        const auto query = row(queries, kDimension, q);
        EXPECT_EQ(index.search(query, 10), fullSort(entries, query, 10, -2.0f, {}));
        EXPECT_EQ(index.search(query, 1000), fullSort(entries, query, 1000, -2.0f, {}));
        const std::vector<ItemId> excluded = {entries[q].id, entries[q + 40].id, 5000};
        EXPECT_EQ(index.search(query, 25, {.minSimilarity = 0.1f, .excluded = excluded}),
                  fullSort(entries, query, 25, 0.1f, excluded));
    }
}

TEST(BruteForceIndex, RemovingKeepsEveryOtherVectorReachable) {
    const std::vector<float> vectors = fixtures::randomUnitVectors(50, kDimension, 23);
    BruteForceIndex index(kDimension);
    for (std::size_t i = 0; i < 50; ++i)
        index.add(static_cast<ItemId>(i), row(vectors, kDimension, i));
    // The first, a middle one and the last row: each path of the swap-with-last removal.
    for (ItemId id : {0, 25, 49, 1, 48})
        ASSERT_TRUE(index.remove(id));
    EXPECT_EQ(index.size(), 45u);
    for (std::size_t i = 0; i < 50; ++i) {
        const bool removed = i == 0 || i == 25 || i == 49 || i == 1 || i == 48;
        EXPECT_EQ(index.contains(static_cast<ItemId>(i)), !removed);
        const Match top = index.search(row(vectors, kDimension, i), 1).at(0);
        if (!removed) {
            EXPECT_EQ(top.id, static_cast<ItemId>(i));
            EXPECT_NEAR(top.similarity, 1.0f, 1e-6f);
        } else {
            EXPECT_NE(top.id, static_cast<ItemId>(i));
        }
    }
    for (ItemId id = 0; id < 50; ++id)
        index.remove(id);
    EXPECT_EQ(index.size(), 0u);
    EXPECT_TRUE(index.search(row(vectors, kDimension, 0), 5).empty());
}
