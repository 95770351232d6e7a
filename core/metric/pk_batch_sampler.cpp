#include "core/metric/pk_batch_sampler.h"

#include <algorithm>
#include <map>
#include <stdexcept>
#include <string>

namespace lookalike::metric {

PkBatchSampler::PkBatchSampler(std::span<const std::int64_t> labels, const PkSamplerConfig& config)
    : m_config(config), m_labelsPerBatch(config.labelsPerBatch), m_random(config.seed)
{
    if (config.labelsPerBatch < 2) {
        throw std::invalid_argument("P x K sampler: a batch needs at least 2 labels (P >= 2) to have negatives");
    }
    if (config.samplesPerLabel < 1) {
        throw std::invalid_argument("P x K sampler: samples per label (K) must be at least 1");
    }
    // std::map gives ascending label order, so the batches do not depend on the dataset order
    // of the labels, only on the labels themselves and the seed.
    std::map<std::int64_t, std::vector<std::size_t>> membersByLabel;
    for (std::size_t index = 0; index < labels.size(); ++index) {
        membersByLabel[labels[index]].push_back(index);
    }
    for (auto& [label, members] : membersByLabel) {
        if (members.size() >= std::max<std::size_t>(config.minimumLabelSize, 1)) {
            m_groups.push_back(Group{label, std::move(members), 0});
        }
    }
    if (m_groups.size() < m_labelsPerBatch) {
        if (config.shrinkLabelsPerBatch && m_groups.size() >= 2) {
            m_labelsPerBatch = m_groups.size();
        } else {
            throw std::invalid_argument(
                "P x K sampler: a batch needs " + std::to_string(config.labelsPerBatch) + " different groups, but only " +
                std::to_string(m_groups.size()) + " groups have at least " +
                std::to_string(std::max<std::size_t>(config.minimumLabelSize, 1)) +
                " photos. Add groups or lower the number of groups per batch.");
        }
    }
    for (auto& group : m_groups) {
        shuffle(group.members);
    }
}

std::size_t PkBatchSampler::batchesPerEpoch() const
{
    return (m_groups.size() + m_labelsPerBatch - 1) / m_labelsPerBatch;
}

std::uint64_t PkBatchSampler::uniformBelow(std::uint64_t bound)
{
    // Rejection sampling removes the modulo bias: accept only draws below the largest multiple
    // of `bound` that fits in 64 bits.
    const std::uint64_t threshold = (0 - bound) % bound;
    while (true) {
        const std::uint64_t draw = m_random();
        if (draw >= threshold) {
            return draw % bound;
        }
    }
}

template <typename T> void PkBatchSampler::shuffle(std::vector<T>& values)
{
    for (std::size_t i = values.size(); i > 1; --i) {
        std::swap(values[i - 1], values[uniformBelow(i)]);
    }
}

void PkBatchSampler::startEpoch()
{
    const std::size_t groupCount = m_groups.size();
    m_epochOrder.resize(groupCount);
    for (std::size_t i = 0; i < groupCount; ++i) {
        m_epochOrder[i] = i;
    }
    shuffle(m_epochOrder);
    const std::size_t remainder = groupCount % m_labelsPerBatch;
    if (remainder == 0) {
        return;
    }
    // Fill the last batch with distinct labels that are not already in it: a partial
    // Fisher-Yates over the labels of the earlier batches.
    std::vector<std::size_t> candidates(m_epochOrder.begin(), m_epochOrder.end() - static_cast<std::ptrdiff_t>(remainder));
    for (std::size_t i = 0; i < m_labelsPerBatch - remainder; ++i) {
        const std::size_t pick = i + uniformBelow(candidates.size() - i);
        std::swap(candidates[i], candidates[pick]);
        m_epochOrder.push_back(candidates[i]);
    }
}

void PkBatchSampler::appendSamples(Group& group, PkBatch& batch)
{
    const std::size_t k = m_config.samplesPerLabel;
    const std::size_t size = group.members.size();
    if (size <= k) {
        shuffle(group.members);
        for (std::size_t i = 0; i < k; ++i) {
            batch.indices.push_back(i < size ? group.members[i] : group.members[uniformBelow(size)]);
        }
    } else {
        const std::size_t first = batch.indices.size();
        for (std::size_t i = 0; i < k; ++i) {
            if (group.next == size) {
                // New round: reshuffle, and move the members this batch already took to the end of
                // the round so that the batch has no duplicate (possible because size > k).
                shuffle(group.members);
                const auto takenByThisBatch = [&](std::size_t member) {
                    return std::find(batch.indices.begin() + static_cast<std::ptrdiff_t>(first), batch.indices.end(),
                                     member) != batch.indices.end();
                };
                std::stable_partition(group.members.begin(), group.members.end(),
                                      [&](std::size_t member) { return !takenByThisBatch(member); });
                group.next = 0;
            }
            batch.indices.push_back(group.members[group.next++]);
        }
    }
    batch.labels.insert(batch.labels.end(), k, group.label);
}

PkBatch PkBatchSampler::nextBatch()
{
    if (!m_started || m_batchInEpoch == batchesPerEpoch()) {
        if (m_started) {
            ++m_epoch;
        }
        m_started = true;
        m_batchInEpoch = 0;
        startEpoch();
    }
    PkBatch batch;
    batch.epoch = m_epoch;
    batch.batchInEpoch = m_batchInEpoch;
    batch.indices.reserve(batchSize());
    batch.labels.reserve(batchSize());
    const std::size_t begin = m_batchInEpoch * m_labelsPerBatch;
    for (std::size_t i = begin; i < begin + m_labelsPerBatch; ++i) {
        appendSamples(m_groups[m_epochOrder[i]], batch);
    }
    ++m_batchInEpoch;
    return batch;
}

}  // namespace lookalike::metric
