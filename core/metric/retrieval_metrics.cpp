#include "core/metric/retrieval_metrics.h"

#include "core/metric/inner_product_matmul.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace lookalike::metric {

namespace {

struct Candidate {
    float score;
    std::uint32_t index;
};

// Strict total order: higher score first, then lower index.
bool ranksBefore(const Candidate& left, const Candidate& right)
{
    return left.score > right.score || (left.score == right.score && left.index < right.index);
}

constexpr std::size_t kNotFound = std::numeric_limits<std::size_t>::max();

struct QueryResult {
    std::size_t firstRelevantRank = kNotFound;  // 0-based
    double averagePrecisionAtR = 0.0;
};

// Ranks the database for query `query` from its similarity row [N].
QueryResult rankQuery(std::size_t query, std::span<const float> scores, std::span<const std::int64_t> labels,
                      std::size_t relevantCount, std::size_t maxK, std::vector<Candidate>& candidates)
{
    candidates.clear();
    for (std::size_t j = 0; j < scores.size(); ++j) {
        if (j != query) {
            candidates.push_back({scores[j], static_cast<std::uint32_t>(j)});
        }
    }
    // Only the first max(R, maxK) ranks matter: select them in linear time, then sort them.
    const std::size_t kept = std::min(candidates.size(), std::max(relevantCount, maxK));
    const auto keptEnd = candidates.begin() + static_cast<std::ptrdiff_t>(kept);
    std::nth_element(candidates.begin(), keptEnd, candidates.end(), ranksBefore);
    std::sort(candidates.begin(), keptEnd, ranksBefore);

    QueryResult result;
    std::size_t hits = 0;
    double precisionSum = 0.0;
    for (std::size_t rank = 0; rank < kept; ++rank) {
        if (labels[candidates[rank].index] != labels[query]) {
            continue;
        }
        if (result.firstRelevantRank == kNotFound) {
            result.firstRelevantRank = rank;
        }
        if (rank < relevantCount) {
            ++hits;
            precisionSum += static_cast<double>(hits) / static_cast<double>(rank + 1);
        }
    }
    result.averagePrecisionAtR = precisionSum / static_cast<double>(relevantCount);
    return result;
}

void checkInputs(const EmbeddingsView& embeddings, std::span<const std::int64_t> labels, const RetrievalConfig& config)
{
    embeddings.checkShape("retrieval evaluation");
    if (labels.size() != embeddings.rows) {
        throw std::invalid_argument("retrieval evaluation: " + std::to_string(labels.size()) + " labels for " +
                                    std::to_string(embeddings.rows) + " embeddings");
    }
    if (embeddings.rows > std::numeric_limits<std::uint32_t>::max()) {
        throw std::invalid_argument("retrieval evaluation: more than 2^32 items are not supported");
    }
    for (const std::size_t k : config.recallAtK) {
        if (k == 0) {
            throw std::invalid_argument("retrieval evaluation: Recall@K needs K >= 1");
        }
    }
    for (std::size_t i = 0; i < embeddings.values.size(); ++i) {
        if (!std::isfinite(embeddings.values[i])) {
            throw std::invalid_argument("retrieval evaluation: embedding row " +
                                        std::to_string(i / embeddings.dimension) + " contains NaN or infinity");
        }
    }
}

}  // namespace

RetrievalMetrics evaluateRetrieval(const EmbeddingsView& embeddings, std::span<const std::int64_t> labels,
                                   const RetrievalConfig& config, const ProgressCallback& progress,
                                   const CancelToken* cancel)
{
    checkInputs(embeddings, labels, config);
    const std::size_t n = embeddings.rows;
    const std::size_t dimension = embeddings.dimension;

    RetrievalMetrics metrics;
    std::vector<std::size_t> ks = config.recallAtK;
    std::sort(ks.begin(), ks.end());
    ks.erase(std::unique(ks.begin(), ks.end()), ks.end());
    const std::size_t maxK = ks.empty() ? 0 : ks.back();

    // Cosine: rank normalised copies; the caller's vectors stay untouched.
    std::vector<float> normalised;
    EmbeddingsView database = embeddings;
    if (config.similarity == RetrievalSimilarity::Cosine) {
        normalised.assign(embeddings.values.begin(), embeddings.values.end());
        for (std::size_t i = 0; i < n; ++i) {
            float* row = normalised.data() + i * dimension;
            double squaredNorm = 0.0;
            for (std::size_t k = 0; k < dimension; ++k) {
                squaredNorm += static_cast<double>(row[k]) * row[k];
            }
            if (squaredNorm > 0.0) {
                const float inverse = static_cast<float>(1.0 / std::sqrt(squaredNorm));
                for (std::size_t k = 0; k < dimension; ++k) {
                    row[k] *= inverse;
                }
            }
        }
        database.values = normalised;
    }
    // -|q - x|^2 = 2<q, x> - |x|^2 - |q|^2; |q|^2 is the same for a whole row, so it is dropped.
    std::vector<float> squaredNorms;
    if (config.similarity == RetrievalSimilarity::NegativeSquaredEuclidean) {
        squaredNorms.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
            double squaredNorm = 0.0;
            for (const float value : embeddings.row(i)) {
                squaredNorm += static_cast<double>(value) * value;
            }
            squaredNorms[i] = static_cast<float>(squaredNorm);
        }
    }

    // relevantCounts [N]: R of each query, the other items with its label.
    std::vector<std::size_t> relevantCounts(n);
    {
        std::unordered_map<std::int64_t, std::size_t> labelSizes;
        for (const std::int64_t label : labels) {
            ++labelSizes[label];
        }
        for (std::size_t i = 0; i < n; ++i) {
            relevantCounts[i] = labelSizes[labels[i]] - 1;
        }
    }

    const std::size_t chunkRows = std::clamp<std::size_t>(config.maxChunkValues / std::max<std::size_t>(n, 1), 1,
                                                          std::max<std::size_t>(n, 1));
    const int threadCount = config.threadCount > 0 ? config.threadCount : omp_get_max_threads();
    std::vector<std::vector<Candidate>> candidateBuffers(static_cast<std::size_t>(threadCount));
    for (auto& buffer : candidateBuffers) {
        buffer.reserve(n);
    }
    std::vector<float> scores(chunkRows * n);  // [chunkRows, N]
    std::vector<QueryResult> results(n);
    InnerProductMatmul matmul;

    for (std::size_t start = 0; start < n; start += chunkRows) {
        if (cancel != nullptr && cancel->isCancelled()) {
            throw Cancelled();
        }
        const std::size_t rows = std::min(chunkRows, n - start);
        const EmbeddingsView queries{database.values.subspan(start * dimension, rows * dimension), rows, dimension};
        const std::span<float> chunkScores(scores.data(), rows * n);
        // scores [rows, N] = queries [rows, D] x database^T [D, N]
        matmul.multiply(queries, database, chunkScores);

#pragma omp parallel for num_threads(threadCount) schedule(dynamic, 8)
        for (std::size_t row = 0; row < rows; ++row) {
            const std::size_t query = start + row;
            const std::span<float> rowScores = chunkScores.subspan(row * n, n);
            if (!squaredNorms.empty()) {
                for (std::size_t j = 0; j < n; ++j) {
                    rowScores[j] = 2.0F * rowScores[j] - squaredNorms[j];
                }
            }
            if (relevantCounts[query] > 0) {
                results[query] = rankQuery(query, rowScores, labels, relevantCounts[query], maxK,
                                           candidateBuffers[static_cast<std::size_t>(omp_get_thread_num())]);
            }
        }
        if (progress) {
            progress(Progress{static_cast<std::int64_t>(start + rows), static_cast<std::int64_t>(n), {}});
        }
    }

    // Summed in query order, so the result does not depend on the thread count.
    std::vector<std::size_t> hitsAtK(ks.size(), 0);
    double averagePrecisionSum = 0.0;
    for (std::size_t query = 0; query < n; ++query) {
        if (relevantCounts[query] == 0) {
            ++metrics.skippedQueryCount;
            continue;
        }
        ++metrics.queryCount;
        averagePrecisionSum += results[query].averagePrecisionAtR;
        for (std::size_t i = 0; i < ks.size(); ++i) {
            if (results[query].firstRelevantRank < ks[i]) {
                ++hitsAtK[i];
            }
        }
    }
    const double queryCount = static_cast<double>(std::max<std::size_t>(metrics.queryCount, 1));
    for (std::size_t i = 0; i < ks.size(); ++i) {
        metrics.recallAtK.push_back({ks[i], static_cast<double>(hitsAtK[i]) / queryCount});
    }
    metrics.mapAtR = averagePrecisionSum / queryCount;
    return metrics;
}

}  // namespace lookalike::metric
