#include "core/metric/pk_batch_sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace lookalike::metric {
namespace {

// `groups` labels with `size` members each, interleaved so that a label's members are not
// contiguous in the dataset.
std::vector<std::int64_t> interleavedLabels(std::size_t groups, std::size_t size)
{
    std::vector<std::int64_t> labels;
    for (std::size_t member = 0; member < size; ++member) {
        for (std::size_t group = 0; group < groups; ++group) {
            labels.push_back(static_cast<std::int64_t>(group) * 10 + 3);
        }
    }
    return labels;
}

void expectWellFormed(const PkBatch& batch, std::span<const std::int64_t> datasetLabels, std::size_t p, std::size_t k)
{
    ASSERT_EQ(batch.indices.size(), p * k);
    ASSERT_EQ(batch.labels.size(), p * k);
    std::set<std::int64_t> distinct;
    for (std::size_t block = 0; block < p; ++block) {
        const std::int64_t label = batch.labels[block * k];
        EXPECT_TRUE(distinct.insert(label).second) << "label " << label << " appears in two blocks";
        for (std::size_t i = block * k; i < (block + 1) * k; ++i) {
            EXPECT_EQ(batch.labels[i], label);
            ASSERT_LT(batch.indices[i], datasetLabels.size());
            EXPECT_EQ(datasetLabels[batch.indices[i]], label) << "index " << batch.indices[i];
        }
    }
}

TEST(PkBatchSamplerTest, BatchesHoldPDistinctLabelsWithKSamplesEach)
{
    const std::vector<std::int64_t> labels = interleavedLabels(10, 5);
    PkBatchSampler sampler(labels, {4, 3, 1, false, 42});
    EXPECT_EQ(sampler.batchSize(), 12u);
    for (int i = 0; i < 30; ++i) {
        const PkBatch batch = sampler.nextBatch();
        expectWellFormed(batch, labels, 4, 3);
        // Every label has >= K members, so no block repeats an index.
        for (std::size_t block = 0; block < 4; ++block) {
            std::set<std::size_t> indices(batch.indices.begin() + static_cast<std::ptrdiff_t>(block * 3),
                                          batch.indices.begin() + static_cast<std::ptrdiff_t>(block * 3 + 3));
            EXPECT_EQ(indices.size(), 3u);
        }
    }
}

TEST(PkBatchSamplerTest, DeterministicForASeed)
{
    const std::vector<std::int64_t> labels = interleavedLabels(12, 4);
    PkBatchSampler first(labels, {3, 2, 1, false, 7});
    PkBatchSampler second(labels, {3, 2, 1, false, 7});
    PkBatchSampler other(labels, {3, 2, 1, false, 8});
    bool anyDifference = false;
    for (int i = 0; i < 20; ++i) {
        const PkBatch a = first.nextBatch();
        EXPECT_EQ(a.indices, second.nextBatch().indices);
        anyDifference = anyDifference || a.indices != other.nextBatch().indices;
    }
    EXPECT_TRUE(anyDifference);
}

TEST(PkBatchSamplerTest, EveryLabelAppearsOncePerEpoch)
{
    const std::vector<std::int64_t> labels = interleavedLabels(10, 3);
    PkBatchSampler sampler(labels, {4, 2, 1, false, 1});
    ASSERT_EQ(sampler.batchesPerEpoch(), 3u);  // ceil(10 / 4)
    for (std::size_t epoch = 0; epoch < 4; ++epoch) {
        std::map<std::int64_t, int> seen;
        for (std::size_t b = 0; b < 3; ++b) {
            const PkBatch batch = sampler.nextBatch();
            EXPECT_EQ(batch.epoch, epoch);
            EXPECT_EQ(batch.batchInEpoch, b);
            expectWellFormed(batch, labels, 4, 2);
            for (std::size_t i = 0; i < batch.labels.size(); i += 2) {
                ++seen[batch.labels[i]];
            }
        }
        EXPECT_EQ(seen.size(), 10u) << "epoch " << epoch;
        // 12 slots for 10 labels: exactly two labels are drawn a second time to fill the last batch.
        int repeats = 0;
        for (const auto& [label, count] : seen) {
            EXPECT_LE(count, 2);
            repeats += count - 1;
        }
        EXPECT_EQ(repeats, 2);
    }
    EXPECT_EQ(sampler.epoch(), 3u);
}

TEST(PkBatchSamplerTest, SmallGroupsAreSampledWithReplacement)
{
    // Label 1 has one member, label 2 two, label 3 five; K = 4.
    const std::vector<std::int64_t> labels = {3, 1, 2, 3, 3, 2, 3, 3};
    PkBatchSampler sampler(labels, {3, 4, 1, false, 5});
    for (int i = 0; i < 10; ++i) {
        const PkBatch batch = sampler.nextBatch();
        expectWellFormed(batch, labels, 3, 4);
        for (std::size_t block = 0; block < 3; ++block) {
            const std::int64_t label = batch.labels[block * 4];
            std::set<std::size_t> members(batch.indices.begin() + static_cast<std::ptrdiff_t>(block * 4),
                                          batch.indices.begin() + static_cast<std::ptrdiff_t>(block * 4 + 4));
            // A group smaller than K contributes every member at least once.
            const std::size_t expected = label == 1 ? 1u : label == 2 ? 2u : 4u;
            EXPECT_EQ(members.size(), expected) << "label " << label;
        }
    }
}

TEST(PkBatchSamplerTest, LargeGroupsVisitEveryMember)
{
    // Two labels, one with 10 members: K = 3 round robin covers all 10 within 4 batches.
    std::vector<std::int64_t> labels(10, 0);
    labels.insert(labels.end(), 3, 1);
    PkBatchSampler sampler(labels, {2, 3, 1, false, 9});
    std::set<std::size_t> visited;
    for (int i = 0; i < 4; ++i) {
        const PkBatch batch = sampler.nextBatch();
        expectWellFormed(batch, labels, 2, 3);
        for (std::size_t j = 0; j < batch.indices.size(); ++j) {
            if (batch.labels[j] == 0) {
                visited.insert(batch.indices[j]);
            }
        }
    }
    EXPECT_EQ(visited.size(), 10u);
}

TEST(PkBatchSamplerTest, TooFewLabelsThrowsOrShrinks)
{
    const std::vector<std::int64_t> labels = interleavedLabels(3, 4);
    try {
        PkBatchSampler sampler(labels, {8, 4, 1, false, 0});
        FAIL() << "3 labels accepted for P = 8";
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("needs 8 different groups, but only 3"), std::string::npos) << message;
    }
    PkBatchSampler shrunk(labels, {8, 4, 1, true, 0});
    EXPECT_EQ(shrunk.labelsPerBatch(), 3u);
    EXPECT_EQ(shrunk.batchesPerEpoch(), 1u);
    expectWellFormed(shrunk.nextBatch(), labels, 3, 4);

    // Shrinking cannot go below 2 labels: a batch with one label has no negatives.
    EXPECT_THROW(PkBatchSampler(std::vector<std::int64_t>{1, 1, 1}, {8, 2, 1, true, 0}), std::invalid_argument);
    EXPECT_THROW(PkBatchSampler(std::vector<std::int64_t>{}, {2, 2, 1, true, 0}), std::invalid_argument);
}

TEST(PkBatchSamplerTest, MinimumLabelSizeExcludesSmallGroups)
{
    // Labels 1 and 2 are singletons; with a minimum size of 2 only 5, 6, 7 are eligible.
    const std::vector<std::int64_t> labels = {1, 5, 5, 2, 6, 6, 7, 7};
    PkBatchSampler sampler(labels, {3, 2, 2, false, 3});
    EXPECT_EQ(sampler.eligibleLabelCount(), 3u);
    for (int i = 0; i < 5; ++i) {
        const PkBatch batch = sampler.nextBatch();
        for (const std::int64_t label : batch.labels) {
            EXPECT_TRUE(label == 5 || label == 6 || label == 7) << label;
        }
    }
}

TEST(PkBatchSamplerTest, RejectsInvalidConfig)
{
    const std::vector<std::int64_t> labels = interleavedLabels(4, 4);
    EXPECT_THROW(PkBatchSampler(labels, {1, 4, 1, false, 0}), std::invalid_argument);
    EXPECT_THROW(PkBatchSampler(labels, {2, 0, 1, false, 0}), std::invalid_argument);
}

}  // namespace
}  // namespace lookalike::metric
