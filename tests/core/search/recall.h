#pragma once
// Recall of an approximate index against the exact one, shared by the search tests and
// tests/bench/search. Header-only.

#include "core/search/similarity_index.h"
#include "tests/core/search/random_vectors.h"

#include <algorithm>
#include <cstddef>
#include <vector>

namespace lookalike::fixtures {

// Ids 0 .. count-1, for the rows of a generated [count, D] block.
inline std::vector<search::ItemId> sequentialIds(std::size_t count) {
    std::vector<search::ItemId> ids(count);
    for (std::size_t i = 0; i < count; ++i)
        ids[i] = static_cast<search::ItemId>(i);
    return ids;
}

// |found ∩ truth| / |truth| by id, for one query; 1 when truth is empty.
inline double recallOf(const std::vector<search::Match>& found, const std::vector<search::Match>& truth) {
    if (truth.empty())
        return 1.0;
    std::size_t hits = 0;
    for (const search::Match& match : found)
        hits += static_cast<std::size_t>(std::count_if(
            truth.begin(), truth.end(), [&](const search::Match& exact) { return exact.id == match.id; }));
    return static_cast<double>(hits) / static_cast<double>(truth.size());
}

// Mean of recallOf over queries answered beforehand (found[q] and truth[q] for query q).
inline double meanRecall(const std::vector<std::vector<search::Match>>& found,
                         const std::vector<std::vector<search::Match>>& truth) {
    double sum = 0.0;
    for (std::size_t q = 0; q < truth.size(); ++q)
        sum += recallOf(found[q], truth[q]);
    return sum / static_cast<double>(std::max<std::size_t>(truth.size(), 1));
}

// queries [Q, D] -> mean over queries of |approximate top k ∩ exact top k| / k (recall@k).
inline double recallAtK(const search::SimilarityIndex& approximate, const search::SimilarityIndex& exact,
                        const std::vector<float>& queries, std::size_t k) {
    const std::size_t dimension = approximate.dimension();
    const std::size_t queryCount = queries.size() / dimension;
    double sum = 0.0;
    for (std::size_t q = 0; q < queryCount; ++q)
        sum += recallOf(approximate.search(row(queries, dimension, q), k), exact.search(row(queries, dimension, q), k));
    return sum / static_cast<double>(std::max<std::size_t>(queryCount, 1));
}

}  // namespace lookalike::fixtures
