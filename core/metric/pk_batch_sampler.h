#pragma once
// P x K batch sampler for triplet training: every batch holds P distinct labels with K sample
// indices each, so that every anchor has positives and negatives inside the batch.
//
// Epoch: every eligible label appears in at least one batch. Labels are shuffled per epoch and
// cut into batchesPerEpoch() = ceil(L / P) groups of P; the last group, when short, is filled up
// with other labels drawn at random (so those few labels appear twice in that epoch).
// Within a label: when it has at least K members, its members are visited in a shuffled round
// robin that carries over between batches and epochs, so all are used about equally often and
// a batch never repeats a member. When it has fewer than K members, the batch takes each member
// once and fills the remaining slots by sampling members with replacement; the duplicates are
// useful positives when augmentation makes each copy a different view.
// Fewer than P eligible labels: the constructor throws std::invalid_argument, unless
// shrinkLabelsPerBatch is set, in which case P becomes the number of labels (at least 2).
// Randomness: std::mt19937_64 with our own integer mapping, so a seed gives the same batches on
// every standard library (std::shuffle and std::uniform_int_distribution are not portable).

#include <cstddef>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace lookalike::metric {

struct PkSamplerConfig {
    std::size_t labelsPerBatch = 16;   // P, >= 2
    std::size_t samplesPerLabel = 4;   // K, >= 1
    std::size_t minimumLabelSize = 1;  // labels with fewer members are never sampled
    bool shrinkLabelsPerBatch = false; // see above
    std::uint64_t seed = 0;
};

struct PkBatch {
    std::vector<std::size_t> indices;  // [P * K] dataset indices, K consecutive per label
    std::vector<std::int64_t> labels;  // [P * K] labels of those indices
    std::size_t epoch = 0;             // 0-based
    std::size_t batchInEpoch = 0;      // 0-based, < batchesPerEpoch()
};

// What the trainer draws batches from.
class BatchSampler {
public:
    virtual ~BatchSampler() = default;
    virtual PkBatch nextBatch() = 0;
    virtual std::size_t batchSize() const = 0;
};

// Not thread-safe; one sampler per training run.
class PkBatchSampler final : public BatchSampler {
public:
    // labels [N]: the label (group) of each dataset index. Throws std::invalid_argument when
    // P < 2, K < 1, or there are fewer than P eligible labels (see above).
    PkBatchSampler(std::span<const std::int64_t> labels, const PkSamplerConfig& config);

    PkBatch nextBatch() override;

    std::size_t labelsPerBatch() const { return m_labelsPerBatch; }
    std::size_t samplesPerLabel() const { return m_config.samplesPerLabel; }
    std::size_t batchSize() const override { return m_labelsPerBatch * m_config.samplesPerLabel; }
    std::size_t eligibleLabelCount() const { return m_groups.size(); }
    std::size_t batchesPerEpoch() const;
    std::size_t epoch() const { return m_epoch; }

private:
    struct Group {
        std::int64_t label = 0;
        std::vector<std::size_t> members;  // dataset indices, in round-robin order
        std::size_t next = 0;              // next member of the round
    };

    std::uint64_t uniformBelow(std::uint64_t bound);
    template <typename T> void shuffle(std::vector<T>& values);
    void startEpoch();
    void appendSamples(Group& group, PkBatch& batch);

    PkSamplerConfig m_config;
    std::size_t m_labelsPerBatch = 0;
    std::vector<Group> m_groups;             // eligible labels, in ascending label order
    std::vector<std::size_t> m_epochOrder;   // group indices, batchesPerEpoch() * P of them
    std::size_t m_epoch = 0;
    std::size_t m_batchInEpoch = 0;
    bool m_started = false;
    std::mt19937_64 m_random;
};

}  // namespace lookalike::metric
