#include "core/search/brute_force_index.h"

#include "core/search/vector_math.h"

#include <algorithm>

namespace lookalike::search {

BruteForceIndex::BruteForceIndex(std::size_t dimension) : SimilarityIndex(dimension) {}

BruteForceIndex::~BruteForceIndex() = default;

std::size_t BruteForceIndex::sizeLocked() const {
    return m_ids.size();
}

bool BruteForceIndex::containsLocked(ItemId id) const {
    return m_rowOfId.contains(id);
}

void BruteForceIndex::reserveLocked(std::span<const ItemId> ids) {
    // At most this many new rows (some ids may be present already). Growing at least twofold
    // keeps a long run of chunks linear: reserving exactly would copy everything per chunk.
    const std::size_t needed = m_ids.size() + ids.size();
    if (needed <= m_ids.capacity())
        return;
    const std::size_t rows = std::max(needed, 2 * m_ids.capacity());
    m_ids.reserve(rows);
    m_vectors.reserve(rows * dimension());
}

void BruteForceIndex::addLocked(ItemId id, std::span<const float> unitVector) {
    if (auto found = m_rowOfId.find(id); found != m_rowOfId.end()) {
        std::copy(unitVector.begin(), unitVector.end(),
                  m_vectors.begin() + static_cast<std::ptrdiff_t>(found->second * dimension()));
        return;
    }
    m_rowOfId.emplace(id, m_ids.size());
    m_ids.push_back(id);
    m_vectors.insert(m_vectors.end(), unitVector.begin(), unitVector.end());
}

bool BruteForceIndex::removeLocked(ItemId id) {
    auto found = m_rowOfId.find(id);
    if (found == m_rowOfId.end())
        return false;
    const std::size_t row = found->second;
    const std::size_t last = m_ids.size() - 1;
    if (row != last) {
        const auto lastRow = m_vectors.begin() + static_cast<std::ptrdiff_t>(last * dimension());
        std::copy(lastRow, lastRow + static_cast<std::ptrdiff_t>(dimension()),
                  m_vectors.begin() + static_cast<std::ptrdiff_t>(row * dimension()));
        m_ids[row] = m_ids[last];
        m_rowOfId[m_ids[row]] = row;
    }
    m_ids.pop_back();
    m_vectors.resize(last * dimension());
    m_rowOfId.erase(found);
    return true;
}

std::vector<Match> BruteForceIndex::searchLocked(std::span<const float> unitQuery, std::size_t k,
                                                 float minSimilarity,
                                                 std::span<const ItemId> sortedExcluded) const {
    // A heap of the best k so far whose front is the weakest of them, so each row costs one
    // comparison unless it displaces that one.
    std::vector<Match> best;
    best.reserve(std::min(k, m_ids.size()) + 1);
    const std::size_t dimension = this->dimension();
    for (std::size_t row = 0; row < m_ids.size(); ++row) {
        const Match candidate{m_ids[row], innerProduct(unitQuery.data(), m_vectors.data() + row * dimension, dimension)};
        if (candidate.similarity < minSimilarity)
            continue;
        if (best.size() == k && !ranksBefore(candidate, best.front()))
            continue;
        if (isExcluded(sortedExcluded, candidate.id))
            continue;
        if (best.size() == k) {
            std::pop_heap(best.begin(), best.end(), ranksBefore);
            best.back() = candidate;
        } else {
            best.push_back(candidate);
        }
        std::push_heap(best.begin(), best.end(), ranksBefore);
    }
    std::sort_heap(best.begin(), best.end(), ranksBefore);
    return best;
}

}  // namespace lookalike::search
