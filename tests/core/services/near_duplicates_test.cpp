// Near-duplicate photos: the multi-index hash search against its brute-force oracle, clusters
// from pairs, and the finder on a library of photos with edited copies (both backends).

#include "core/services/near_duplicates.h"

#include "core/services/importer.h"
#include "core/services/library.h"
#include "tests/support/backends.h"
#include "tests/support/near_duplicate_photos.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <set>

using namespace lookalike;
using namespace lookalike::services;
using catalog::ItemId;
using fixtures::PhotoEdit;
namespace fs = std::filesystem;

namespace {

std::vector<DuplicatePair> sorted(std::vector<DuplicatePair> pairs) {
    sortPairs(pairs);
    return pairs;
}

TEST(MaxHashDistance, TurnsAScoreIntoBits) {
    EXPECT_EQ(maxHashDistance(1.0), 0);
    EXPECT_EQ(maxHashDistance(0.875), 8);
    EXPECT_EQ(maxHashDistance(0.86), 8);
    EXPECT_EQ(maxHashDistance(0.0), 64);
}

TEST(DuplicateMethod, NamesReadBack) {
    for (DuplicateMethod method : {DuplicateMethod::DctHash, DuplicateMethod::DifferenceHash, DuplicateMethod::Embedding,
                                  DuplicateMethod::Combined})
        EXPECT_EQ(parseDuplicateMethod(duplicateMethodName(method)), method);
    EXPECT_FALSE(parseDuplicateMethod("md5").has_value());
}

// Hashes in families: a random centre and members a few bits away, so that every block split
// sees pairs that agree on some blocks and not on others.
TEST(HashPairs, FindsExactlyWhatBruteForceFinds) {
    std::mt19937_64 random(42);
    std::vector<ItemId> ids;
    std::vector<imaging::PerceptualHash> hashes;
    for (int family = 0; family < 60; ++family) {
        const imaging::PerceptualHash centre = random();
        for (int member = 0; member < 5; ++member) {
            imaging::PerceptualHash hash = centre;
            for (int flip = static_cast<int>(random() % 14); flip > 0; --flip)
                hash ^= imaging::PerceptualHash{1} << (random() % 64);
            ids.push_back(static_cast<ItemId>(ids.size() * 3 + 1));
            hashes.push_back(hash);
        }
    }
    hashes.push_back(hashes.front());  // an exact repeat
    ids.push_back(100000);
    for (int maxDistance : {0, 1, 5, 8, 12, 20, 63, 64}) {
        const std::vector<DuplicatePair> expected = sorted(hashPairsBruteForce(ids, hashes, maxDistance));
        EXPECT_EQ(sorted(hashPairs(ids, hashes, maxDistance)), expected) << "distance " << maxDistance;
        if (maxDistance >= 8) {
            EXPECT_GT(expected.size(), 100u);
        }
    }
    EXPECT_EQ(hashPairsBruteForce(ids, hashes, 64).size(), ids.size() * (ids.size() - 1) / 2);
}

TEST(HashPairs, ScoresAreOneMinusTheDistanceOver64AndPairsAreOrdered) {
    const std::vector<ItemId> ids = {9, 4};
    const std::vector<imaging::PerceptualHash> hashes = {0b1111, 0b0011};
    const std::vector<DuplicatePair> pairs = hashPairs(ids, hashes, 2);
    ASSERT_EQ(pairs.size(), 1u);
    EXPECT_EQ(pairs[0], (DuplicatePair{4, 9, 1.0 - 2.0 / 64.0}));
    EXPECT_TRUE(hashPairs(ids, hashes, 1).empty());
}

TEST(HashPairs, CancelThrows) {
    std::vector<ItemId> ids(1000);
    std::iota(ids.begin(), ids.end(), ItemId{1});
    const std::vector<imaging::PerceptualHash> hashes(1000, 7);
    CancelToken cancel;
    cancel.cancel();
    EXPECT_THROW(hashPairs(ids, hashes, 8, &cancel), Cancelled);
    EXPECT_THROW(hashPairsBruteForce(ids, hashes, 8, &cancel), Cancelled);
}

TEST(EmbeddingPairs, MatchesTheDotProductPeerAndIgnoresVectorLength) {
    catalog::EmbeddingSet set;
    std::mt19937_64 random(7);
    std::normal_distribution<float> normal;
    constexpr int kDimension = 24;
    for (ItemId id = 1; id <= 700; ++id) {  // more than one block of rows
        set.ids.push_back(id);
        for (int k = 0; k < kDimension; ++k)
            set.vectors.push_back(normal(random));
    }
    // Item 701: item 5 scaled (cosine 1 with it).
    set.ids.push_back(701);
    for (int k = 0; k < kDimension; ++k)
        set.vectors.push_back(3.0f * set.vectors[4 * kDimension + k]);
    const std::vector<DuplicatePair> fast = sorted(embeddingPairs(set, kDimension, 0.6));
    const std::vector<DuplicatePair> peer = sorted(embeddingPairsBruteForce(set, kDimension, 0.6));
    ASSERT_EQ(fast.size(), peer.size());
    ASSERT_FALSE(fast.empty());
    EXPECT_EQ(fast.front().first, 5);
    EXPECT_EQ(fast.front().second, 701);
    EXPECT_NEAR(fast.front().score, 1.0, 1e-5);
    for (std::size_t i = 0; i < fast.size(); ++i) {
        EXPECT_EQ(fast[i].first, peer[i].first);
        EXPECT_EQ(fast[i].second, peer[i].second);
        EXPECT_NEAR(fast[i].score, peer[i].score, 1e-4);
    }
    EXPECT_THROW(embeddingPairs(set, kDimension + 1, 0.6), std::invalid_argument);
}

TEST(ClusterPairs, JoinsChainsAndOrdersBySize) {
    const std::vector<DuplicatePair> pairs = {{1, 2, 0.9}, {8, 9, 0.9}, {2, 3, 0.9}, {3, 7, 0.95}, {20, 30, 1.0}};
    const std::vector<std::vector<ItemId>> clusters = clusterPairs(pairs);
    ASSERT_EQ(clusters.size(), 3u);
    EXPECT_EQ(clusters[0], (std::vector<ItemId>{1, 2, 3, 7}));
    EXPECT_EQ(clusters[1], (std::vector<ItemId>{8, 9}));
    EXPECT_EQ(clusters[2], (std::vector<ItemId>{20, 30}));
    EXPECT_TRUE(clusterPairs({}).empty());
}

// A library of distinct photos, three of which have edited copies.
class NearDuplicatesTest : public fixtures::BackendTest {
protected:
    void SetUp() override {
        const fs::path folder = dir() / "photos";
        fs::create_directories(folder);
        for (int seed = 0; seed < 14; ++seed)
            fixtures::writeBytes(folder / ("photo-" + std::to_string(seed) + ".png"),
                                 fixtures::encodeImage(fixtures::makeScenePhoto(static_cast<std::uint64_t>(seed)), ".png"));
        const auto copy = [&](int seed, PhotoEdit edit, double amount) {
            const fs::path path = folder / ("photo-" + std::to_string(seed) + "-" + fixtures::photoEditName(edit) + ".jpg");
            fixtures::writeBytes(path, fixtures::encodeEdited(fixtures::makeScenePhoto(static_cast<std::uint64_t>(seed)), edit,
                                                              amount, static_cast<std::uint64_t>(seed)));
        };
        copy(2, PhotoEdit::Recompress, 40);
        copy(2, PhotoEdit::Resize, 0.6);
        copy(5, PhotoEdit::Crop, 0.05);
        copy(9, PhotoEdit::Resize, 1.5);
        copy(9, PhotoEdit::Brighten, 15);
        m_library = Library::open(location());
        const std::vector<fs::path> roots{folder};
        importFolders(m_library->catalog(), roots);
    }

    ItemId item(const std::string& name) {
        return m_library->catalog().findItemByPath((dir() / "photos" / name).string()).value();
    }

    std::vector<std::vector<ItemId>> expectedClusters() {
        std::vector<std::vector<ItemId>> clusters = {
            {item("photo-2.png"), item("photo-2-recompressed.jpg"), item("photo-2-resized.jpg")},
            {item("photo-9.png"), item("photo-9-resized.jpg"), item("photo-9-brightened.jpg")},
            {item("photo-5.png"), item("photo-5-cropped.jpg")}};
        for (auto& cluster : clusters)
            std::sort(cluster.begin(), cluster.end());
        if (clusters[1].front() < clusters[0].front())
            std::swap(clusters[0], clusters[1]);
        return clusters;
    }

    std::unique_ptr<Library> m_library;
};

INSTANTIATE_TEST_SUITE_P(Backends, NearDuplicatesTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(NearDuplicatesTest, DefaultFindsTheEditedCopiesAndNothingElse) {
    std::vector<Progress> seen;
    const NearDuplicateReport report = findNearDuplicates(*m_library, {}, [&](const Progress& p) { seen.push_back(p); });
    EXPECT_EQ(report.method, kDefaultDuplicateMethod);
    EXPECT_EQ(report.threshold, defaultDuplicateThreshold(kDefaultDuplicateMethod));
    EXPECT_EQ(report.items, 19);
    EXPECT_EQ(report.unreadable, 0);
    EXPECT_EQ(report.clusters, expectedClusters());
    EXPECT_EQ(report.pairs.size(), 3u + 3u + 1u);  // every pair inside the two triples, and one
    EXPECT_TRUE(std::is_sorted(report.pairs.begin(), report.pairs.end(),
                               [](const DuplicatePair& a, const DuplicatePair& b) { return a.score > b.score; }));
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().current, "comparing");
}

TEST_P(NearDuplicatesTest, EveryMethodFindsTheRecompressedAndResizedCopies) {
    const ItemId original = item("photo-2.png");
    for (DuplicateMethod method : {DuplicateMethod::DctHash, DuplicateMethod::DifferenceHash, DuplicateMethod::Embedding,
                                   DuplicateMethod::Combined}) {
        NearDuplicateOptions options;
        options.method = method;
        const NearDuplicateReport report = findNearDuplicates(*m_library, options);
        for (const char* copy : {"photo-2-recompressed.jpg", "photo-2-resized.jpg"}) {
            const ItemId other = item(copy);
            EXPECT_TRUE(std::any_of(report.pairs.begin(), report.pairs.end(), [&](const DuplicatePair& pair) {
                return pair.first == std::min(original, other) && pair.second == std::max(original, other);
            })) << duplicateMethodName(method) << " " << copy;
        }
    }
}

TEST_P(NearDuplicatesTest, ThresholdOneKeepsOnlyIdenticalHashes) {
    NearDuplicateOptions options;
    options.method = DuplicateMethod::DctHash;
    options.threshold = 1.0;
    for (const DuplicatePair& pair : findNearDuplicates(*m_library, options).pairs)
        EXPECT_EQ(pair.score, 1.0);
    options.threshold = 1.5;
    EXPECT_THROW(findNearDuplicates(*m_library, options), std::invalid_argument);
    options.threshold = -0.5;  // a cosine may be negative, a hash score not
    EXPECT_THROW(findNearDuplicates(*m_library, options), std::invalid_argument);
}

TEST_P(NearDuplicatesTest, EmbeddingMethodFindsTheRecompressedCopy) {
    NearDuplicateOptions options;
    options.method = DuplicateMethod::Embedding;
    // Below the default (0.995): this copy scores about 0.9956, and builds without optimisation
    // round it under the default.
    options.threshold = 0.99;
    const NearDuplicateReport report = findNearDuplicates(*m_library, options);
    EXPECT_EQ(report.items, 19);
    const ItemId a = item("photo-2.png"), b = item("photo-2-recompressed.jpg");
    EXPECT_TRUE(std::any_of(report.pairs.begin(), report.pairs.end(), [&](const DuplicatePair& pair) {
        return pair.first == std::min(a, b) && pair.second == std::max(a, b);
    }));
    const std::set<ItemId> photo0 = {item("photo-0.png")};
    for (const auto& cluster : report.clusters)
        EXPECT_FALSE(std::includes(cluster.begin(), cluster.end(), photo0.begin(), photo0.end()));
}

TEST_P(NearDuplicatesTest, CancelThrowsCancelled) {
    CancelToken cancel;
    cancel.cancel();
    EXPECT_THROW(findNearDuplicates(*m_library, {}, {}, &cancel), Cancelled);
    for (DuplicateMethod method : {DuplicateMethod::DctHash, DuplicateMethod::Embedding}) {
        NearDuplicateOptions options;
        options.method = method;
        EXPECT_THROW(findNearDuplicates(*m_library, options, {}, &cancel), Cancelled);
    }
}

}  // namespace
