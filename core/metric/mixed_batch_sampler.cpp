#include "core/metric/mixed_batch_sampler.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace lookalike::metric {

MixedBatchSampler::MixedBatchSampler(std::span<const std::int64_t> labels, std::span<const std::uint8_t> curated,
                                     std::span<const std::pair<std::size_t, std::size_t>> negativePairs,
                                     const MixedSamplerConfig& config)
    : m_config(config), m_labels(labels.begin(), labels.end()), m_random(config.seed)
{
    if (labels.size() != curated.size())
        throw std::invalid_argument("mixed sampler: every photo needs a curated flag");
    if (config.labelsPerBatch < 2)
        throw std::invalid_argument("mixed sampler: a batch needs at least 2 labels (P >= 2)");
    if (config.samplesPerLabel < 1)
        throw std::invalid_argument("mixed sampler: samples per label (K) must be at least 1");
    if (!(config.curatedShare >= 0.0 && config.curatedShare <= 1.0))
        throw std::invalid_argument("mixed sampler: the curated share must be within [0, 1]");
    std::map<std::int64_t, std::pair<std::vector<std::size_t>, bool>> byLabel;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        auto& [members, isCurated] = byLabel[labels[i]];
        members.push_back(i);
        isCurated = isCurated || curated[i] != 0;
    }
    for (auto& [label, entry] : byLabel) {
        Kind& kind = entry.second ? m_curated : m_instances;
        kind.groups.push_back(Group{label, std::move(entry.first), 0});
    }
    if (byLabel.size() < 2)
        throw std::invalid_argument("mixed sampler: training needs at least 2 different photos or groups");
    m_labelsPerBatch = std::min(config.labelsPerBatch, byLabel.size());
    for (const auto& [a, b] : negativePairs) {
        if (a >= labels.size() || b >= labels.size())
            throw std::invalid_argument("mixed sampler: a not-similar pair names a photo out of range");
        if (labels[a] != labels[b])
            m_pairs.emplace_back(a, b);
    }
    for (Kind* kind : {&m_curated, &m_instances}) {
        for (Group& group : kind->groups)
            shuffle(group.members);
        kind->order.resize(kind->groups.size());
        for (std::size_t i = 0; i < kind->order.size(); ++i)
            kind->order[i] = i;
        shuffle(kind->order);
    }
    shuffle(m_pairs);
    for (Kind* kind : {&m_curated, &m_instances})
        for (Group& group : kind->groups)
            m_groupByLabel.emplace(group.label, &group);
}

std::uint64_t MixedBatchSampler::uniformBelow(std::uint64_t bound)
{
    const std::uint64_t threshold = (0 - bound) % bound;
    while (true) {
        const std::uint64_t draw = m_random();
        if (draw >= threshold)
            return draw % bound;
    }
}

template <typename T> void MixedBatchSampler::shuffle(std::vector<T>& values)
{
    for (std::size_t i = values.size(); i > 1; --i)
        std::swap(values[i - 1], values[uniformBelow(i)]);
}

MixedBatchSampler::Group* MixedBatchSampler::nextGroup(Kind& kind, const std::vector<std::int64_t>& used)
{
    // At most one full round: every group of this kind may already be in the batch.
    for (std::size_t tries = 0; tries < kind.groups.size(); ++tries) {
        if (kind.next == kind.order.size()) {
            shuffle(kind.order);
            kind.next = 0;
        }
        Group& group = kind.groups[kind.order[kind.next++]];
        if (std::find(used.begin(), used.end(), group.label) == used.end())
            return &group;
    }
    return nullptr;
}

void MixedBatchSampler::appendSamples(Group& group, std::size_t first, PkBatch& batch)
{
    const std::size_t k = m_config.samplesPerLabel;
    const std::size_t size = group.members.size();
    for (std::size_t i = 0; i < k; ++i) {
        std::size_t index;
        if (i == 0 && first != SIZE_MAX) {
            index = first;
        } else if (size >= k) {
            if (group.next == size) {
                shuffle(group.members);
                group.next = 0;
            }
            index = group.members[group.next++];
        } else {
            index = i < size ? group.members[i] : group.members[uniformBelow(size)];
        }
        batch.indices.push_back(index);
        batch.labels.push_back(group.label);
    }
}

PkBatch MixedBatchSampler::nextBatch()
{
    PkBatch batch;
    batch.batchInEpoch = m_batches++;
    batch.indices.reserve(batchSize());
    batch.labels.reserve(batchSize());
    std::vector<std::int64_t> used;
    // Pairs first: each needs two free label slots.
    for (std::size_t taken = 0; taken < m_config.negativePairsPerBatch && !m_pairs.empty() &&
                                used.size() + 2 <= m_labelsPerBatch && taken < m_pairs.size();
         ++taken) {
        if (m_nextPair == m_pairs.size()) {
            shuffle(m_pairs);
            m_nextPair = 0;
        }
        const auto [a, b] = m_pairs[m_nextPair++];
        if (std::find(used.begin(), used.end(), m_labels[a]) != used.end() ||
            std::find(used.begin(), used.end(), m_labels[b]) != used.end())
            continue;
        for (std::size_t index : {a, b}) {
            appendSamples(*m_groupByLabel.at(m_labels[index]), index, batch);
            used.push_back(m_labels[index]);
        }
    }
    const auto curatedWanted = static_cast<std::size_t>(std::lround(m_config.curatedShare * static_cast<double>(m_labelsPerBatch)));
    auto fill = [&](Kind& kind, std::size_t until) {
        while (used.size() < until) {
            Group* group = nextGroup(kind, used);
            if (!group)
                return;
            appendSamples(*group, SIZE_MAX, batch);
            used.push_back(group->label);
        }
    };
    fill(m_curated, std::max(used.size(), std::min(curatedWanted, m_labelsPerBatch)));
    fill(m_instances, m_labelsPerBatch);
    fill(m_curated, m_labelsPerBatch);
    return batch;
}

}  // namespace lookalike::metric
