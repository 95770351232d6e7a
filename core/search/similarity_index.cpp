#include "core/search/similarity_index.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>

namespace lookalike::search {

namespace {

// Rows added per exclusive lock in addBatch: small enough that a search waits at most a few
// milliseconds behind a large batch, large enough that locking costs nothing.
constexpr std::size_t kRowsPerLock = 256;

std::string vectorOfItem(ItemId id) {
    return "the vector of item " + std::to_string(id);
}

void checkLength(std::span<const float> vector, std::size_t dimension, const std::string& what) {
    if (vector.size() != dimension)
        throw std::invalid_argument("search index: " + what + " has " + std::to_string(vector.size()) +
                                    " values, the index holds " + std::to_string(dimension) +
                                    "-dimensional vectors");
}

// Squared L2 norm in double, so that large finite floats cannot overflow it. Throws
// std::invalid_argument for NaN, infinity or an all-zero vector, which cannot be normalised;
// `describe` names the vector, and is only called then.
template <typename Describe>
double checkedSquaredNorm(std::span<const float> vector, const Describe& describe) {
    double sum = 0.0;
    bool finite = true;
    for (float value : vector) {
        finite = finite && std::isfinite(value);
        sum += static_cast<double>(value) * value;
    }
    if (!finite)
        throw std::invalid_argument("search index: " + describe() + " contains NaN or infinity");
    if (sum == 0.0)
        throw std::invalid_argument("search index: " + describe() + " is all zeros and has no direction");
    return sum;
}

// vector [D] -> unit [D]; the squared norm comes from checkedSquaredNorm().
void normalizeInto(std::span<const float> vector, double squaredNorm, std::span<float> unit) {
    const double scale = 1.0 / std::sqrt(squaredNorm);
    for (std::size_t i = 0; i < vector.size(); ++i)
        unit[i] = static_cast<float>(vector[i] * scale);
}

}  // namespace

SimilarityIndex::SimilarityIndex(std::size_t dimension) : m_dimension(dimension) {
    if (dimension < 1 || dimension > kMaxDimension)
        throw std::invalid_argument("search index: dimension " + std::to_string(dimension) +
                                    " is outside 1.." + std::to_string(kMaxDimension));
}

SimilarityIndex::~SimilarityIndex() = default;

std::size_t SimilarityIndex::size() const {
    std::shared_lock lock(m_mutex);
    return sizeLocked();
}

bool SimilarityIndex::contains(ItemId id) const {
    std::shared_lock lock(m_mutex);
    return containsLocked(id);
}

void SimilarityIndex::add(ItemId id, std::span<const float> vector) {
    addBatch(std::span<const ItemId>(&id, 1), vector);
}

void SimilarityIndex::addBatch(std::span<const ItemId> ids, std::span<const float> vectors,
                               const ProgressCallback& progress, const CancelToken* cancel) {
    if (ids.size() == 1)
        checkLength(vectors, m_dimension, vectorOfItem(ids[0]));
    if (vectors.size() / m_dimension != ids.size() || vectors.size() % m_dimension != 0)
        throw std::invalid_argument("search index: " + std::to_string(ids.size()) + " ids but " +
                                    std::to_string(vectors.size()) + " values for " +
                                    std::to_string(m_dimension) + "-dimensional vectors");
    // All rows are checked before the first is added, so bad input leaves the index unchanged.
    std::vector<double> squaredNorms(ids.size());
    for (std::size_t row = 0; row < ids.size(); ++row)
        squaredNorms[row] = checkedSquaredNorm(vectors.subspan(row * m_dimension, m_dimension),
                                               [&] { return vectorOfItem(ids[row]); });

    std::vector<float> unit(m_dimension);
    for (std::size_t first = 0; first < ids.size(); first += kRowsPerLock) {
        if (cancel && cancel->isCancelled())
            throw Cancelled();
        const std::size_t count = std::min(kRowsPerLock, ids.size() - first);
        {
            std::unique_lock lock(m_mutex);
            // Room for the whole batch at once, so storage grows in one step; later chunks only
            // check (another thread may have changed the index between them).
            reserveLocked(first == 0 ? ids : ids.subspan(first, count));
            for (std::size_t row = first; row < first + count; ++row) {
                normalizeInto(vectors.subspan(row * m_dimension, m_dimension), squaredNorms[row], unit);
                addLocked(ids[row], unit);
            }
        }
        if (progress)
            progress({static_cast<std::int64_t>(first + count), static_cast<std::int64_t>(ids.size()), {}});
    }
}

bool SimilarityIndex::remove(ItemId id) {
    std::unique_lock lock(m_mutex);
    return removeLocked(id);
}

std::vector<Match> SimilarityIndex::search(std::span<const float> query, std::size_t k,
                                           const SearchFilter& filter) const {
    checkLength(query, m_dimension, "the query");
    const double squaredNorm = checkedSquaredNorm(query, [] { return std::string("the query"); });
    if (std::isnan(filter.minSimilarity))
        throw std::invalid_argument("search index: the minimum similarity is NaN");
    if (k == 0)
        return {};
    std::vector<float> unitQuery(m_dimension);
    normalizeInto(query, squaredNorm, unitQuery);
    std::vector<ItemId> excluded(filter.excluded.begin(), filter.excluded.end());
    std::sort(excluded.begin(), excluded.end());
    excluded.erase(std::unique(excluded.begin(), excluded.end()), excluded.end());

    std::shared_lock lock(m_mutex);
    return searchLocked(unitQuery, k, filter.minSimilarity, excluded);
}

void SimilarityIndex::rankMatches(std::vector<Match>& matches, std::size_t k) {
    if (matches.size() > k) {
        std::partial_sort(matches.begin(), matches.begin() + static_cast<std::ptrdiff_t>(k), matches.end(),
                          ranksBefore);
        matches.resize(k);
    } else {
        std::sort(matches.begin(), matches.end(), ranksBefore);
    }
}

bool SimilarityIndex::isExcluded(std::span<const ItemId> sortedExcluded, ItemId id) {
    return !sortedExcluded.empty() && std::binary_search(sortedExcluded.begin(), sortedExcluded.end(), id);
}

}  // namespace lookalike::search
