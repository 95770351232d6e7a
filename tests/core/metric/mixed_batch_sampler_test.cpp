// The library's batches: curated groups, single-photo instances and not-similar pairs, P x K.

#include "core/metric/mixed_batch_sampler.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace lookalike::metric;

namespace {

// 3 curated groups of 5 photos (labels 1..3, indices 0..14), then 20 instances (labels -1..-20).
struct Library {
    std::vector<std::int64_t> labels;
    std::vector<std::uint8_t> curated;
    Library() {
        for (int group = 1; group <= 3; ++group)
            for (int i = 0; i < 5; ++i) {
                labels.push_back(group);
                curated.push_back(1);
            }
        for (int i = 1; i <= 20; ++i) {
            labels.push_back(-i);
            curated.push_back(0);
        }
    }
};

MixedSamplerConfig config(std::size_t p, std::size_t k, double share, std::size_t pairs) {
    MixedSamplerConfig c;
    c.labelsPerBatch = p;
    c.samplesPerLabel = k;
    c.curatedShare = share;
    c.negativePairsPerBatch = pairs;
    c.seed = 7;
    return c;
}

TEST(MixedBatchSamplerTest, BatchesHavePDistinctLabelsOfKConsecutiveSamples) {
    Library library;
    MixedBatchSampler sampler(library.labels, library.curated, {}, config(8, 4, 0.25, 0));
    EXPECT_EQ(sampler.curatedLabelCount(), 3u);
    EXPECT_EQ(sampler.instanceLabelCount(), 20u);
    for (int b = 0; b < 50; ++b) {
        PkBatch batch = sampler.nextBatch();
        ASSERT_EQ(batch.indices.size(), 32u);
        std::set<std::int64_t> labels;
        int curatedLabels = 0;
        for (std::size_t slot = 0; slot < 32; slot += 4) {
            const std::int64_t label = batch.labels[slot];
            EXPECT_TRUE(labels.insert(label).second) << "label repeated in a batch";
            curatedLabels += label > 0;
            for (std::size_t i = slot; i < slot + 4; ++i) {
                EXPECT_EQ(batch.labels[i], label);
                EXPECT_EQ(library.labels[batch.indices[i]], label) << "index does not carry its label";
            }
        }
        EXPECT_EQ(curatedLabels, 2);  // 25 % of 8
    }
}

TEST(MixedBatchSamplerTest, EveryPhotoIsUsedAndCuratedMembersVary) {
    Library library;
    MixedBatchSampler sampler(library.labels, library.curated, {}, config(8, 4, 0.5, 0));
    std::map<std::size_t, int> uses;
    for (int b = 0; b < 40; ++b)
        for (std::size_t index : sampler.nextBatch().indices)
            ++uses[index];
    EXPECT_EQ(uses.size(), library.labels.size());
    // A group of 5 visited round robin: its members are used about equally.
    for (std::size_t index = 0; index < 5; ++index)
        EXPECT_NEAR(uses[index], uses[0], 4) << index;
}

TEST(MixedBatchSamplerTest, NotSimilarPairsShareABatchUnderDifferentLabels) {
    Library library;
    const std::vector<std::pair<std::size_t, std::size_t>> pairs{{0, 20}, {6, 11}, {2, 3}};  // {2,3}: same group, ignored
    MixedBatchSampler sampler(library.labels, library.curated, pairs, config(8, 2, 0.25, 2));
    int together = 0;
    for (int b = 0; b < 30; ++b) {
        PkBatch batch = sampler.nextBatch();
        std::set<std::size_t> present(batch.indices.begin(), batch.indices.end());
        together += (present.contains(0) && present.contains(20)) + (present.contains(6) && present.contains(11));
        std::set<std::int64_t> labels(batch.labels.begin(), batch.labels.end());
        EXPECT_EQ(labels.size(), 8u);
    }
    EXPECT_GE(together, 30);  // two pairs per batch when they fit
}

TEST(MixedBatchSamplerTest, OneKindAloneFillsTheBatchAndSmallLibrariesShrinkP) {
    std::vector<std::int64_t> labels{-1, -2, -3};
    std::vector<std::uint8_t> curated(3, 0);
    MixedBatchSampler sampler(labels, curated, {}, config(16, 4, 0.5, 2));
    EXPECT_EQ(sampler.batchSize(), 12u);
    PkBatch batch = sampler.nextBatch();
    EXPECT_EQ(std::set<std::int64_t>(batch.labels.begin(), batch.labels.end()).size(), 3u);
}

TEST(MixedBatchSamplerTest, IsDeterministicForASeedAndRejectsBadInput) {
    Library library;
    MixedBatchSampler a(library.labels, library.curated, {}, config(8, 4, 0.5, 0));
    MixedBatchSampler b(library.labels, library.curated, {}, config(8, 4, 0.5, 0));
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(a.nextBatch().indices, b.nextBatch().indices);
    std::vector<std::int64_t> one{5, 5};
    std::vector<std::uint8_t> flags{1, 1};
    EXPECT_THROW(MixedBatchSampler(one, flags, {}, config(8, 4, 0.5, 0)), std::invalid_argument);
    EXPECT_THROW(MixedBatchSampler(library.labels, flags, {}, config(8, 4, 0.5, 0)), std::invalid_argument);
    const std::vector<std::pair<std::size_t, std::size_t>> outOfRange{{0, 99}};
    EXPECT_THROW(MixedBatchSampler(library.labels, library.curated, outOfRange, config(8, 4, 0.5, 1)), std::invalid_argument);
    EXPECT_THROW(MixedBatchSampler(library.labels, library.curated, {}, config(1, 4, 0.5, 0)), std::invalid_argument);
}

}  // namespace
