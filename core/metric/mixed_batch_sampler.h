#pragma once
// Batches for training on a shop's library, where three kinds of evidence meet:
// - curated groups: photos the owner grouped are positives for each other;
// - instances: a photo nobody grouped is its own label, and augmentation turns its K copies
//   into different views (self-supervised);
// - "not similar" pairs: two photos the owner said are not look-alikes; both go into the same
//   batch under different labels, so the loss pushes them apart as hard negatives.
// Every batch has P labels x K samples (K consecutive per label). Pairs come first (up to
// negativePairsPerBatch, each taking two label slots and putting its own photo first in each),
// then curated groups up to curatedShare of P, then instances; when one kind runs short the
// other fills in. Each kind is visited in a shuffled round robin, so all are used about equally.
// Deterministic for a seed (same integer mapping as PkBatchSampler). Not thread-safe.

#include "core/metric/pk_batch_sampler.h"

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace lookalike::metric {

struct MixedSamplerConfig {
    std::size_t labelsPerBatch = 16;     // P, >= 2
    std::size_t samplesPerLabel = 4;     // K, >= 1
    double curatedShare = 0.5;           // of P, in [0, 1]
    std::size_t negativePairsPerBatch = 2;
    std::uint64_t seed = 0;
};

class MixedBatchSampler final : public BatchSampler {
public:
    // labels [N]; curated [N]: nonzero when the photo is in an owner's group; negativePairs:
    // dataset indices < N. Throws std::invalid_argument for mismatched sizes, an index out of
    // range, P < 2, K < 1, or fewer than 2 labels in all.
    MixedBatchSampler(std::span<const std::int64_t> labels, std::span<const std::uint8_t> curated,
                      std::span<const std::pair<std::size_t, std::size_t>> negativePairs,
                      const MixedSamplerConfig& config);

    MixedBatchSampler(const MixedBatchSampler&) = delete;  // holds pointers into itself
    MixedBatchSampler& operator=(const MixedBatchSampler&) = delete;

    PkBatch nextBatch() override;
    std::size_t batchSize() const override { return m_labelsPerBatch * m_config.samplesPerLabel; }

    std::size_t curatedLabelCount() const { return m_curated.groups.size(); }
    std::size_t instanceLabelCount() const { return m_instances.groups.size(); }

private:
    struct Group {
        std::int64_t label = 0;
        std::vector<std::size_t> members;
        std::size_t next = 0;
    };
    // One kind of label, visited in a shuffled round robin.
    struct Kind {
        std::vector<Group> groups;
        std::vector<std::size_t> order;
        std::size_t next = 0;
    };

    std::uint64_t uniformBelow(std::uint64_t bound);
    template <typename T> void shuffle(std::vector<T>& values);
    // The next group of `kind` whose label is not in `used`; nullptr when none is left.
    Group* nextGroup(Kind& kind, const std::vector<std::int64_t>& used);
    void appendSamples(Group& group, std::size_t first, PkBatch& batch);

    MixedSamplerConfig m_config;
    std::size_t m_labelsPerBatch = 0;
    std::vector<std::int64_t> m_labels;
    Kind m_curated;
    Kind m_instances;
    std::vector<std::pair<std::size_t, std::size_t>> m_pairs;
    std::size_t m_nextPair = 0;
    std::unordered_map<std::int64_t, Group*> m_groupByLabel;  // into m_curated and m_instances
    std::size_t m_batches = 0;
    std::mt19937_64 m_random;
};

}  // namespace lookalike::metric
