#pragma once
// Exact search by scanning every vector: the oracle HnswIndex is tested against and the
// benchmark's peer. Rows live in one contiguous [N, D] block and a search only reads them, so
// searches from any number of threads run side by side under the shared lock; the cost is
// N x D multiply-adds per query. Removing moves the last row into the freed one, so storage
// is always compact. Thread-safe (see SimilarityIndex).

#include "core/search/similarity_index.h"

#include <unordered_map>

namespace lookalike::search {

class BruteForceIndex final : public SimilarityIndex {
public:
    // Throws std::invalid_argument unless 1 <= dimension <= kMaxDimension.
    explicit BruteForceIndex(std::size_t dimension);
    ~BruteForceIndex() override;

private:
    std::size_t sizeLocked() const override;
    bool containsLocked(ItemId id) const override;
    void reserveLocked(std::span<const ItemId> ids) override;
    void addLocked(ItemId id, std::span<const float> unitVector) override;
    bool removeLocked(ItemId id) override;
    std::vector<Match> searchLocked(std::span<const float> unitQuery, std::size_t k, float minSimilarity,
                                    std::span<const ItemId> sortedExcluded) const override;

    std::vector<float> m_vectors;  // [N, D], unit rows
    std::vector<ItemId> m_ids;     // [N], the id of each row
    std::unordered_map<ItemId, std::size_t> m_rowOfId;
};

}  // namespace lookalike::search
