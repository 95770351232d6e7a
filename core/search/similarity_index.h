#pragma once
// The nearest-neighbour search interface: vectors [D] keyed by item id, ranked by cosine
// similarity. Two implementations share it, as in hnswlib's algorithm interface: HnswIndex
// (approximate, fast) and BruteForceIndex (exact, the test oracle and the benchmark's peer).
//
// Vectors are L2-normalised on the way in (a copy; the caller's values are untouched), so a
// similarity is the inner product of two unit vectors: the cosine, in [-1, 1] up to rounding.
// A vector of the wrong length, with NaN or infinity, or of zero length is a caller bug and
// throws std::invalid_argument before anything changes.
//
// Thread-safety: every public method is safe to call from any thread. A reader/writer lock
// lets any number of searches run at once; add, addBatch and remove take it exclusively.

#include "core/util/progress.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <shared_mutex>
#include <span>
#include <vector>

namespace lookalike::search {

// The catalog's item id; any value is allowed.
using ItemId = std::int64_t;

struct Match {
    ItemId id = 0;
    float similarity = 0.0f;  // inner product of the two normalised vectors

    bool operator==(const Match&) const = default;
};

// The ranking every implementation reports: decreasing similarity, ties by increasing id.
inline bool ranksBefore(const Match& a, const Match& b) noexcept {
    return a.similarity > b.similarity || (a.similarity == b.similarity && a.id < b.id);
}

struct SearchFilter {
    // Matches below this similarity are dropped (the default keeps everything). Not NaN.
    float minSimilarity = -std::numeric_limits<float>::infinity();
    // Ids never returned: the query item itself, pairs marked "not similar". Ids that are not in
    // the index are ignored. The span only needs to live for the call.
    std::span<const ItemId> excluded = {};
};

class SimilarityIndex {
public:
    static constexpr std::size_t kMaxDimension = 65536;

    virtual ~SimilarityIndex();
    SimilarityIndex(const SimilarityIndex&) = delete;
    SimilarityIndex& operator=(const SimilarityIndex&) = delete;

    std::size_t dimension() const noexcept { return m_dimension; }
    // Number of vectors that search can return (removed ones are not counted).
    std::size_t size() const;
    bool contains(ItemId id) const;

    // vector [D]. Adding an id that is already present replaces its vector.
    void add(ItemId id, std::span<const float> vector);
    // ids [N], vectors [N, D] row-major. Every vector is checked before the first is added, so
    // bad input changes nothing. The lock is taken per chunk of rows, so searches are not held
    // up by a large batch and may see it partly added. A repeated id keeps its last vector.
    // `progress` is called after each chunk (rows done / N); a set `cancel` stops between chunks
    // with lookalike::Cancelled, keeping the rows added so far.
    void addBatch(std::span<const ItemId> ids, std::span<const float> vectors,
                  const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);
    // Returns false when the id is not in the index. See each implementation for what happens
    // to the storage of a removed vector.
    bool remove(ItemId id);

    // query [D] -> up to k matches, ranked by ranksBefore(); fewer when the index holds fewer or
    // the filter drops some. Throws std::invalid_argument for a bad query (see above) or a NaN
    // minSimilarity.
    std::vector<Match> search(std::span<const float> query, std::size_t k,
                              const SearchFilter& filter = {}) const;

protected:
    // Throws std::invalid_argument unless 1 <= dimension <= kMaxDimension.
    explicit SimilarityIndex(std::size_t dimension);

    // Held shared by search and the size queries and exclusively by the mutators; subclasses
    // take it for their own extra operations (saving, compacting, tuning).
    std::shared_mutex& mutex() const { return m_mutex; }

    // Sorts by ranksBefore() and keeps the first k.
    static void rankMatches(std::vector<Match>& matches, std::size_t k);
    // `sortedExcluded` is sorted ascending and free of duplicates.
    static bool isExcluded(std::span<const ItemId> sortedExcluded, ItemId id);

private:
    // The operations an implementation provides. They run with mutex() held (shared for the
    // const ones, exclusive for the others) and get vectors that are already checked and
    // normalised, so they never validate or lock themselves.
    virtual std::size_t sizeLocked() const = 0;
    virtual bool containsLocked(ItemId id) const = 0;
    // Called before adding each chunk of a batch with the ids about to be added (the whole
    // batch before the first chunk), so that storage can grow in one step.
    virtual void reserveLocked(std::span<const ItemId> ids) = 0;
    virtual void addLocked(ItemId id, std::span<const float> unitVector) = 0;
    virtual bool removeLocked(ItemId id) = 0;
    // k >= 1; sortedExcluded as for isExcluded(). Returns the ranked matches (rankMatches()).
    virtual std::vector<Match> searchLocked(std::span<const float> unitQuery, std::size_t k,
                                            float minSimilarity,
                                            std::span<const ItemId> sortedExcluded) const = 0;

    std::size_t m_dimension;
    mutable std::shared_mutex m_mutex;
};

}  // namespace lookalike::search
