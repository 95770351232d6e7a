// Saving and loading HnswIndex: round trips, the recorded file info, and every way a file can be
// missing, foreign, cut short, damaged or crafted, each reported as an IndexError with its reason.

#include "core/search/hnsw_index.h"
#include "core/search/index_file.h"
#include "tests/core/search/random_vectors.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <random>
#include <vector>

using namespace lookalike;
using namespace lookalike::search;
using fixtures::row;
using Reason = IndexError::Reason;

namespace {

constexpr std::size_t kDimension = 32;
constexpr std::size_t kCount = 300;
const std::string kModel = "lookalike-resnet/1 weights 3f2a9c";

// Offsets in the envelope (see index_file.h).
constexpr std::size_t kLengthOffset = 12;
constexpr std::size_t kPrefixBytes = 20;
constexpr std::size_t kCountOffset = 24;
constexpr std::size_t kModelIdSizeOffset = 32;
std::size_t graphOffset(const std::string& modelId) {
    return kModelIdSizeOffset + 4 + modelId.size() + 8;
}
// Offsets in the graph (hnswlib 0.6.2's layout, see hnsw_index.cpp).
constexpr std::size_t kEntryPointOffset = 6 * 8 + 4;
constexpr std::size_t kMOffset = kEntryPointOffset + 4 + 2 * 8;
constexpr std::size_t kGraphHeaderBytes = 96;

template <typename Value>
void put(std::vector<std::uint8_t>& bytes, std::size_t offset, Value value) {
    std::memcpy(bytes.data() + offset, &value, sizeof(value));
}

// Makes a crafted file pass the checksum, to reach the checks behind it.
void refreshChecksum(std::vector<std::uint8_t>& bytes) {
    put(bytes, bytes.size() - 8, fnv1a64(std::span<const std::uint8_t>(bytes).first(bytes.size() - 8)));
}

// The reason `load` fails with; a test failure if it does not throw an IndexError.
Reason failureOf(const std::function<void()>& load) {
    try {
        load();
    } catch (const IndexError& error) {
        EXPECT_NE(std::string(error.what()), "");
        return error.reason();
    } catch (const std::exception& error) {
        ADD_FAILURE() << "not an IndexError: " << error.what();
        return Reason::Corrupt;
    }
    ADD_FAILURE() << "loaded without error";
    return Reason::Corrupt;
}

std::string nameOf(Reason reason) {
    return std::string(reasonName(reason));
}

class IndexFileTest : public ::testing::Test {
protected:
    IndexFileTest() {
        std::vector<ItemId> ids(kCount);
        for (std::size_t i = 0; i < kCount; ++i)
            ids[i] = static_cast<ItemId>(i) * 10;
        m_index.addBatch(ids, m_vectors);
        for (ItemId id = 0; id < 3000; id += 300)  // ten of them
            m_index.remove(id);
        m_bytes = m_index.toBytes(kModel);
    }

    Reason loadFailure(const std::vector<std::uint8_t>& bytes, std::size_t dimension = kDimension,
                       const std::string& model = kModel) {
        return failureOf([&] { HnswIndex::loadFromBytes(bytes, dimension, model); });
    }

    void expectSameResults(const SimilarityIndex& a, const SimilarityIndex& b) {
        const std::vector<float> queries = fixtures::randomUnitVectors(40, kDimension, 99);
        const std::vector<ItemId> excluded = {10, 20, 40};
        for (std::size_t q = 0; q < 40; ++q) {
            const auto query = row(queries, kDimension, q);
            EXPECT_EQ(a.search(query, 10), b.search(query, 10));
            EXPECT_EQ(a.search(query, 5, {.minSimilarity = 0.2f, .excluded = excluded}),
                      b.search(query, 5, {.minSimilarity = 0.2f, .excluded = excluded}));
        }
    }

    fixtures::TempDir m_dir;
    fixtures::ClusteredSpace m_space{kDimension, 15, 31};
    std::vector<float> m_vectors = m_space.sample(kCount, 1);
    HnswIndex m_index{kDimension, {.m = 12, .efConstruction = 100, .initialCapacity = 64}};
    std::vector<std::uint8_t> m_bytes;
};

}  // namespace

// --- round trips ---

TEST_F(IndexFileTest, SavedAndLoadedIndexGivesIdenticalResults) {
    const auto path = m_dir / "index.lkidx";
    m_index.save(path, kModel);
    // efSearch is not stored in the file: the loader gets the original's, and the results match.
    const auto loaded = HnswIndex::load(path, kDimension, kModel, {.efSearch = m_index.config().efSearch});
    EXPECT_EQ(loaded->dimension(), kDimension);
    EXPECT_EQ(loaded->size(), m_index.size());
    EXPECT_EQ(loaded->removedSlotCount(), m_index.removedSlotCount());
    EXPECT_EQ(loaded->config().m, 12u);
    EXPECT_EQ(loaded->config().efConstruction, 100u);
    for (ItemId id = 0; id < 3000; id += 10)
        EXPECT_EQ(loaded->contains(id), id % 300 != 0) << id;
    expectSameResults(m_index, *loaded);
    // Nothing is lost or reordered: saving the loaded index gives the same bytes.
    EXPECT_EQ(loaded->toBytes(kModel), m_bytes);
}

TEST_F(IndexFileTest, SaveReportsWhatTheFileHolds) {
    const auto path = m_dir / "index.lkidx";
    const IndexFileInfo info = m_index.save(path, kModel);
    EXPECT_EQ(info.modelId, kModel);
    EXPECT_EQ(info.count, kCount - 10);
    EXPECT_EQ(info.dimension, kDimension);
    EXPECT_EQ(info.checksum, fnv1a64(std::span<const std::uint8_t>(m_bytes).first(m_bytes.size() - 8)));
    EXPECT_EQ(readIndexFileInfo(path), info);
    EXPECT_EQ(readIndexFileInfo(m_bytes, "bytes"), info);
    EXPECT_EQ(fixtures::readBytes(path), m_bytes);

    // A changed index is a changed file: the catalog sees the checksum move.
    m_index.add(5, row(m_vectors, kDimension, 0));
    EXPECT_NE(m_index.save(path, kModel).checksum, info.checksum);
}

TEST_F(IndexFileTest, SaveReplacesTheOldFileAndLeavesNothingElse) {
    const auto path = m_dir / "index.lkidx";
    fixtures::writeText(path, "an older index");
    m_index.save(path, kModel);
    EXPECT_EQ(fixtures::readBytes(path), m_bytes);
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(m_dir.path()))
        ++files;
    EXPECT_EQ(files, 1u);
}

TEST_F(IndexFileTest, LoadedIndexKeepsGrowingAndSaving) {
    auto loaded = HnswIndex::loadFromBytes(m_bytes, kDimension, kModel, {.initialCapacity = 1});
    EXPECT_EQ(loaded->capacity(), kCount);  // just what the file holds
    const std::vector<float> more = m_space.sample(500, 2);
    for (std::size_t i = 0; i < 500; ++i)
        loaded->add(static_cast<ItemId>(100000 + i), row(more, kDimension, i));
    loaded->add(0, row(m_vectors, kDimension, 0));  // a removed id comes back
    EXPECT_EQ(loaded->size(), kCount - 10 + 500 + 1);
    for (std::size_t i = 0; i < 500; i += 5)
        EXPECT_EQ(loaded->search(row(more, kDimension, i), 1).at(0).id, static_cast<ItemId>(100000 + i));
    EXPECT_EQ(loaded->search(row(m_vectors, kDimension, 0), 1).at(0).id, 0);

    const auto again = HnswIndex::loadFromBytes(loaded->toBytes(kModel), kDimension, kModel);
    expectSameResults(*loaded, *again);
}

// A replaced vector leaves a retired twin under the same id in the file.
TEST_F(IndexFileTest, ReplacedVectorsRoundTrip) {
    m_index.add(20, row(m_vectors, kDimension, 150));
    const std::vector<std::uint8_t> bytes = m_index.toBytes(kModel);
    const auto loaded = HnswIndex::loadFromBytes(bytes, kDimension, kModel);
    EXPECT_EQ(loaded->size(), kCount - 10);
    EXPECT_EQ(loaded->removedSlotCount(), 11u);
    expectSameResults(m_index, *loaded);
    EXPECT_EQ(loaded->toBytes(kModel), bytes);
    ASSERT_TRUE(loaded->remove(20));
    EXPECT_FALSE(loaded->contains(20));
    loaded->compact();
    EXPECT_EQ(loaded->removedSlotCount(), 0u);

    // The retired twin brought back to life: two vectors for item 20.
    std::vector<std::uint8_t> twins = bytes;
    const std::size_t element = graphOffset(kModel) + kGraphHeaderBytes + 2 * (4 + 2 * 12 * 4 + kDimension * 4 + 8);
    ASSERT_EQ(twins[element + 2] & 1, 1) << "item 20's first vector (slot 2) should be retired";
    twins[element + 2] ^= 1;
    refreshChecksum(twins);
    EXPECT_EQ(loadFailure(twins), Reason::Corrupt);
}

TEST_F(IndexFileTest, EmptyIndexRoundTrips) {
    HnswIndex empty(kDimension);
    const auto loaded = HnswIndex::loadFromBytes(empty.toBytes(""), kDimension, "");
    EXPECT_EQ(loaded->size(), 0u);
    EXPECT_TRUE(loaded->search(row(m_vectors, kDimension, 0), 5).empty());
    loaded->add(1, row(m_vectors, kDimension, 0));
    EXPECT_EQ(loaded->search(row(m_vectors, kDimension, 0), 5).at(0).id, 1);
}

TEST_F(IndexFileTest, ModelIdIsBounded) {
    EXPECT_NO_THROW(m_index.toBytes(std::string(kMaxModelIdBytes, 'm')));
    EXPECT_THROW(m_index.toBytes(std::string(kMaxModelIdBytes + 1, 'm')), std::invalid_argument);
}

// --- files that cannot be used ---

TEST_F(IndexFileTest, MissingFileIsReported) {
    EXPECT_EQ(failureOf([&] { HnswIndex::load(m_dir / "absent.lkidx", kDimension, kModel); }), Reason::Missing);
    EXPECT_EQ(failureOf([&] { readIndexFileInfo(m_dir / "absent.lkidx"); }), Reason::Missing);
}

TEST_F(IndexFileTest, FolderIsUnreadable) {
    EXPECT_EQ(failureOf([&] { HnswIndex::load(m_dir.path(), kDimension, kModel); }), Reason::Unreadable);
}

TEST_F(IndexFileTest, EmptyFileIsTruncated) {
    const auto path = m_dir / "empty.lkidx";
    fixtures::writeBytes(path, {});
    EXPECT_EQ(failureOf([&] { HnswIndex::load(path, kDimension, kModel); }), Reason::Truncated);
    EXPECT_EQ(failureOf([&] { readIndexFileInfo(path); }), Reason::Truncated);
}

TEST_F(IndexFileTest, GarbageIsNotAnIndex) {
    const auto path = m_dir / "garbage.lkidx";
    fixtures::writeText(path, "SQLite format 3\0 and then some more bytes");
    EXPECT_EQ(failureOf([&] { HnswIndex::load(path, kDimension, kModel); }), Reason::NotAnIndex);
    std::vector<std::uint8_t> noise(4096);
    std::mt19937 random(5);
    for (auto& byte : noise)
        byte = static_cast<std::uint8_t>(random());
    EXPECT_EQ(loadFailure(noise), Reason::NotAnIndex);
    EXPECT_EQ(loadFailure({'L', 'K', 'X'}), Reason::NotAnIndex);
}

TEST_F(IndexFileTest, TruncationAnywhereIsReported) {
    const std::size_t size = m_bytes.size();
    for (std::size_t keep : {std::size_t{1}, std::size_t{5}, std::size_t{8}, std::size_t{11}, std::size_t{19},
                             std::size_t{20}, std::size_t{40}, graphOffset(kModel) + 50, size / 2, size - 9, size - 1}) {
        const std::vector<std::uint8_t> cut(m_bytes.begin(), m_bytes.begin() + static_cast<std::ptrdiff_t>(keep));
        EXPECT_EQ(nameOf(loadFailure(cut)), nameOf(Reason::Truncated)) << "kept " << keep << " of " << size;
    }
    const auto path = m_dir / "cut.lkidx";
    fixtures::writeBytes(path, std::vector<std::uint8_t>(m_bytes.begin(), m_bytes.end() - 100));
    EXPECT_EQ(failureOf([&] { HnswIndex::load(path, kDimension, kModel); }), Reason::Truncated);
    EXPECT_EQ(failureOf([&] { readIndexFileInfo(path); }), Reason::Truncated);

    std::vector<std::uint8_t> longer = m_bytes;
    longer.push_back(0);
    EXPECT_EQ(loadFailure(longer), Reason::Truncated);
}

TEST_F(IndexFileTest, AnyFlippedByteAfterTheHeaderIsAChecksumMismatch) {
    for (std::size_t offset = kPrefixBytes; offset < m_bytes.size(); offset += 997) {
        std::vector<std::uint8_t> damaged = m_bytes;
        damaged[offset] ^= 0x10;
        EXPECT_EQ(nameOf(loadFailure(damaged)), nameOf(Reason::ChecksumMismatch)) << "offset " << offset;
    }
    std::vector<std::uint8_t> damaged = m_bytes;
    damaged.back() ^= 1;  // the checksum itself
    EXPECT_EQ(loadFailure(damaged), Reason::ChecksumMismatch);
}

TEST_F(IndexFileTest, FlippedHeaderBytesAreReported) {
    for (std::size_t offset = 0; offset < kPrefixBytes; ++offset) {
        std::vector<std::uint8_t> damaged = m_bytes;
        damaged[offset] ^= 0x01;
        const Reason reason = loadFailure(damaged);
        if (offset < 8)
            EXPECT_EQ(reason, Reason::NotAnIndex) << offset;
        else if (offset < 12)
            EXPECT_EQ(reason, Reason::UnsupportedVersion) << offset;
        else if (offset < 17)  // the length, now off by up to 4 GiB
            EXPECT_EQ(reason, Reason::Truncated) << offset;
        else  // the length, now off by 1 TiB or more
            EXPECT_EQ(reason, Reason::AbsurdSize) << offset;
    }
}

TEST_F(IndexFileTest, WrongModelIsReported) {
    const auto path = m_dir / "index.lkidx";
    m_index.save(path, kModel);
    try {
        HnswIndex::load(path, kDimension, "lookalike-resnet/2 weights 77aa01");
        FAIL() << "loaded an index of another model";
    } catch (const IndexError& error) {
        EXPECT_EQ(error.reason(), Reason::WrongModel);
        EXPECT_NE(std::string(error.what()).find(kModel), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("index.lkidx"), std::string::npos) << error.what();
    }
}

TEST_F(IndexFileTest, WrongDimensionIsReported) {
    EXPECT_EQ(loadFailure(m_bytes, 64), Reason::WrongDimension);
    EXPECT_EQ(loadFailure(m_bytes, 0), Reason::WrongDimension);
}

TEST_F(IndexFileTest, NewerVersionIsReported) {
    std::vector<std::uint8_t> newer = m_bytes;
    put<std::uint32_t>(newer, 8, 2);
    EXPECT_EQ(loadFailure(newer), Reason::UnsupportedVersion);
}

TEST_F(IndexFileTest, AbsurdSizesAreRefusedBeforeAllocating) {
    std::vector<std::uint8_t> huge = m_bytes;
    put<std::uint64_t>(huge, kLengthOffset, std::uint64_t{1} << 62);
    EXPECT_EQ(loadFailure(huge), Reason::AbsurdSize);

    std::vector<std::uint8_t> longModelId = m_bytes;
    put<std::uint32_t>(longModelId, kModelIdSizeOffset, 1u << 30);
    refreshChecksum(longModelId);
    EXPECT_EQ(loadFailure(longModelId), Reason::AbsurdSize);

    std::vector<std::uint8_t> manyVectors = m_bytes;
    put<std::uint64_t>(manyVectors, kCountOffset, std::uint64_t{1} << 40);
    refreshChecksum(manyVectors);
    EXPECT_EQ(loadFailure(manyVectors), Reason::AbsurdSize);

    std::vector<std::uint8_t> manyGraphVectors = m_bytes;
    put<std::uint64_t>(manyGraphVectors, graphOffset(kModel) + 16, std::uint64_t{1} << 40);
    refreshChecksum(manyGraphVectors);
    EXPECT_EQ(loadFailure(manyGraphVectors), Reason::AbsurdSize);
}

TEST_F(IndexFileTest, HugeFileIsRefusedBeforeReading) {
    const auto path = m_dir / "huge.lkidx";
    fixtures::writeBytes(path, m_bytes);
    std::error_code error;
    std::filesystem::resize_file(path, kMaxIndexFileBytes + 1, error);  // sparse: no disk used
    if (error)
        GTEST_SKIP() << "cannot make a sparse file here: " << error.message();
    EXPECT_EQ(failureOf([&] { HnswIndex::load(path, kDimension, kModel); }), Reason::AbsurdSize);
}

// A crafted file passes the checksum; the graph checks must still catch what would make
// hnswlib read out of bounds or rank NaNs.
TEST_F(IndexFileTest, CraftedGraphsWithAValidChecksumAreCorrupt) {
    const std::size_t graph = graphOffset(kModel);
    const std::size_t bottom = graph + kGraphHeaderBytes;
    auto crafted = [&](const std::function<void(std::vector<std::uint8_t>&)>& edit) {
        std::vector<std::uint8_t> bytes = m_bytes;
        edit(bytes);
        refreshChecksum(bytes);
        return nameOf(loadFailure(bytes));
    };
    const std::string corrupt = nameOf(Reason::Corrupt);
    ASSERT_GT(m_bytes[bottom], 0) << "vector 0 should have links";
    EXPECT_EQ(crafted([&](auto& b) { put<std::uint32_t>(b, bottom + 4, 100000); }), corrupt) << "link out of range";
    EXPECT_EQ(crafted([&](auto& b) { put<std::uint16_t>(b, bottom, 1000); }), corrupt) << "too many links";
    EXPECT_EQ(crafted([&](auto& b) { put<std::uint32_t>(b, graph + kEntryPointOffset, kCount); }), corrupt)
        << "entry point out of range";
    EXPECT_EQ(crafted([&](auto& b) { put<std::uint64_t>(b, graph + kMOffset, 13); }), corrupt) << "M changed";
    const std::size_t firstValue = bottom + 4 + 2 * 12 * 4;
    EXPECT_EQ(crafted([&](auto& b) { put<float>(b, firstValue, std::numeric_limits<float>::quiet_NaN()); }), corrupt)
        << "NaN in a vector";
    EXPECT_EQ(crafted([&](auto& b) { put<float>(b, firstValue, 3e38f); }), corrupt) << "not a unit vector";
    EXPECT_EQ(crafted([&](auto& b) { put<std::uint64_t>(b, kCountOffset, kCount); }), corrupt)
        << "count disagrees with the removed marks";
    EXPECT_EQ(crafted([&](auto& b) { b[bottom + 2] ^= 1; }), corrupt) << "a removed mark flipped";
}

// A small fuzz run: random bytes changed anywhere after the prefix, checksum refreshed so that
// the changes reach the graph checks. Every outcome must be a loaded, usable index or an
// IndexError; anything else (or a crash under the sanitizers) is a bug.
TEST(IndexFileFuzz, RandomEditsWithAValidChecksumLoadCleanlyOrThrowIndexError) {
    constexpr std::size_t kSmallDimension = 8;
    HnswIndex index(kSmallDimension, {.m = 4, .efConstruction = 16, .initialCapacity = 8});
    const std::vector<float> vectors = fixtures::randomUnitVectors(60, kSmallDimension, 41);
    for (std::size_t i = 0; i < 60; ++i)
        index.add(static_cast<ItemId>(i), row(vectors, kSmallDimension, i));
    index.remove(7);
    const std::vector<std::uint8_t> original = index.toBytes("m");

    std::mt19937_64 random(42);
    std::size_t loaded = 0;
    std::size_t refused = 0;
    for (int round = 0; round < 3000; ++round) {
        std::vector<std::uint8_t> bytes = original;
        const int edits = 1 + static_cast<int>(random() % 3);
        for (int e = 0; e < edits; ++e) {
            const std::size_t offset = kPrefixBytes + random() % (bytes.size() - 8 - kPrefixBytes);
            bytes[offset] = static_cast<std::uint8_t>(random());
        }
        refreshChecksum(bytes);
        try {
            const auto result = HnswIndex::loadFromBytes(bytes, kSmallDimension, "m");
            for (const Match& match : result->search(row(vectors, kSmallDimension, round % 60), 5))
                ASSERT_TRUE(std::isfinite(match.similarity));
            result->add(1000, row(vectors, kSmallDimension, 0));
            result->remove(1000);
            ++loaded;
        } catch (const IndexError&) {
            ++refused;
        }
    }
    std::printf("fuzz: %zu loaded, %zu refused\n", loaded, refused);
    EXPECT_GT(refused, 0u);
}
