#pragma once
// Retrieval quality of a labelled embedding set, leave-one-out: every item is a query against
// all the other items, and items with the query's label are the relevant ones.
//
// - Recall@K: fraction of queries with at least one relevant item among their K nearest
//   neighbours (the query itself excluded).
// - MAP@R (Musgrave et al., "A Metric Learning Reality Check"): for a query with R relevant
//   items (other items with its label), MAP@R = (1/R) * sum_{i=1..R} P(i), where P(i) is the
//   precision at i when the i-th retrieval is relevant and 0 otherwise; averaged over queries.
// Queries whose label has no other item (R = 0) have no defined score; they are skipped for
// both metrics and counted in skippedQueryCount (they still serve as distractors).
//
// Ranking: by decreasing similarity, ties broken by increasing item index, so results are
// deterministic and independent of the thread count and chunk size. Brute force: the query x
// database similarities are computed chunk by chunk with a oneDNN matmul (never N x N at once)
// and each chunk's rows are ranked in parallel with OpenMP.
//
// Similarity: Cosine (default) normalises a copy of the vectors, so raw, unnormalised vectors
// (e.g. a raw-pixel baseline) can be passed as they are; an all-zero vector stays zero and is
// then equally similar to everything. InnerProduct ranks by <q, x> unchanged, which equals
// cosine for vectors that are already normalised and saves the copy. NegativeSquaredEuclidean
// ranks by -|q - x|^2 (an L2 baseline on raw vectors).

#include "core/metric/embeddings_view.h"
#include "core/util/progress.h"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace lookalike::metric {

enum class RetrievalSimilarity { Cosine, InnerProduct, NegativeSquaredEuclidean };

struct RetrievalConfig {
    std::vector<std::size_t> recallAtK = {1, 5, 10};  // each >= 1
    RetrievalSimilarity similarity = RetrievalSimilarity::Cosine;
    std::size_t maxChunkValues = std::size_t{1} << 24;  // bound on the similarity buffer (floats)
    int threadCount = 0;  // 0: OpenMP's default
};

struct RecallAtK {
    std::size_t k = 0;
    double recall = 0.0;
};

struct RetrievalMetrics {
    std::vector<RecallAtK> recallAtK;  // ascending K, duplicates removed
    double mapAtR = 0.0;
    std::size_t queryCount = 0;         // queries scored; metrics are 0 when this is 0
    std::size_t skippedQueryCount = 0;  // queries with R = 0
};

// embeddings [N, D], labels [N]. Throws std::invalid_argument on mismatched sizes, a K of 0,
// or non-finite values (naming the row), and lookalike::Cancelled when `cancel` is set (checked
// between chunks). `progress` is called after each chunk with queries done / N. Thread-safe
// (no shared state); uses OpenMP threads internally.
RetrievalMetrics evaluateRetrieval(const EmbeddingsView& embeddings, std::span<const std::int64_t> labels,
                                   const RetrievalConfig& config = {}, const ProgressCallback& progress = {},
                                   const CancelToken* cancel = nullptr);

}  // namespace lookalike::metric
