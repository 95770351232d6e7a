#pragma once
// Near-duplicate photos in a library: the same product photo re-compressed, resized, slightly
// cropped or edited, imported more than once under different bytes (identical bytes are already
// one item, see importer.h). Finds the pairs whose score reaches a threshold and groups them
// into clusters (connected components of the pairs).
//
// Methods, compared on tests/bench/duplicates (its README has the numbers behind the defaults):
// a perceptual hash of each stored thumbnail (computed in memory, not stored: see the README for
// its cost), the active model's stored embeddings (cosine), or both: pairs by cosine, confirmed
// by the pHash (the default: same-class products that the embedding finds alike rarely share a
// pHash, while edited copies do). Scores are in [0, 1] for the hashes (1 - Hamming distance /
// 64) and [-1, 1] for the cosine (Embedding, Combined); higher is more alike.
//
// Not thread-safe (it uses the library, like every Library call); the hash comparison is exact
// (no pair at or above the threshold is missed) and so is the embedding comparison.

#include "core/catalog/catalog.h"
#include "core/catalog/model_store.h"
#include "core/imaging/perceptual_hash.h"
#include "core/util/progress.h"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace lookalike::services {

class Library;

enum class DuplicateMethod { DctHash, DifferenceHash, Embedding, Combined };

// "phash", "dhash", "embedding", "combined"; parseDuplicateMethod returns nullopt for another name.
std::string_view duplicateMethodName(DuplicateMethod method);
std::optional<DuplicateMethod> parseDuplicateMethod(std::string_view name);

// The measured default method and, per method, the threshold that the bench chose.
inline constexpr DuplicateMethod kDefaultDuplicateMethod = DuplicateMethod::Combined;
// Combined: the most pHash bits a pair found by cosine may differ in.
inline constexpr int kCombinedMaxHashDistance = 12;
double defaultDuplicateThreshold(DuplicateMethod method);

struct NearDuplicateOptions {
    DuplicateMethod method = kDefaultDuplicateMethod;
    std::optional<double> threshold;  // the minimum score of a pair; unset: the method's default
    int threads = 2;                  // thumbnail decoding threads
};

struct DuplicatePair {
    catalog::ItemId first = 0;   // first < second
    catalog::ItemId second = 0;
    double score = 0.0;

    bool operator==(const DuplicatePair&) const = default;
};

struct NearDuplicateReport {
    DuplicateMethod method = kDefaultDuplicateMethod;
    double threshold = 0.0;
    std::int64_t items = 0;            // items compared
    std::int64_t unreadable = 0;       // items without a decodable thumbnail (hash methods)
    std::vector<DuplicatePair> pairs;  // best score first, then by ids
    // Each cluster's items ascending; clusters by size (largest first), then by first item.
    std::vector<std::vector<catalog::ItemId>> clusters;
};

// Compares every item of the library by `options.method`. With the embedding methods it first
// brings the active model's embeddings up to date (Library::refresh). Progress.current names the
// phase ("thumbnails", "comparing", or refresh's phases). Cancel throws Cancelled (nothing is
// written either way). Throws std::invalid_argument for a threshold outside the method's range.
NearDuplicateReport findNearDuplicates(Library& library, const NearDuplicateOptions& options = {},
                                       const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

// --- the parts, for the tests and the bench ---

// Every item's thumbnail hash, read from the catalog and decoded on `threads` threads; items
// whose thumbnail cannot be decoded are left out (ids and hashes stay parallel).
struct ItemHashes {
    std::vector<catalog::ItemId> ids;
    std::vector<imaging::PerceptualHash> hashes;
    std::int64_t unreadable = 0;
};
ItemHashes hashThumbnails(catalog::Catalog& catalog, imaging::PerceptualHashKind kind, int threads,
                          const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

// Pairs at Hamming distance <= maxDistance, by multi-index hashing: the 64 bits are split into
// maxDistance + 1 blocks, and two hashes that close agree exactly on at least one of them
// (pigeonhole), so only items sharing a block value are compared. Exact; unordered.
std::vector<DuplicatePair> hashPairs(std::span<const catalog::ItemId> ids, std::span<const imaging::PerceptualHash> hashes,
                                     int maxDistance, const CancelToken* cancel = nullptr);
// The same pairs by comparing all of them: the oracle for tests and the bench's peer.
std::vector<DuplicatePair> hashPairsBruteForce(std::span<const catalog::ItemId> ids,
                                               std::span<const imaging::PerceptualHash> hashes, int maxDistance,
                                               const CancelToken* cancel = nullptr);

// Pairs whose vectors' cosine is >= minCosine (vectors are normalised here), all pairs compared
// in blocks through a oneDNN matmul. Exact; unordered.
std::vector<DuplicatePair> embeddingPairs(const catalog::EmbeddingSet& embeddings, int dimension, double minCosine,
                                          const CancelToken* cancel = nullptr);
// The same with one dot product per pair: the bench's peer.
std::vector<DuplicatePair> embeddingPairsBruteForce(const catalog::EmbeddingSet& embeddings, int dimension,
                                                    double minCosine, const CancelToken* cancel = nullptr);

// The largest Hamming distance whose hash score (1 - distance / 64) reaches `threshold`.
int maxHashDistance(double threshold);

// Connected components of the pairs (union-find), ordered as NearDuplicateReport::clusters.
std::vector<std::vector<catalog::ItemId>> clusterPairs(std::span<const DuplicatePair> pairs);
// Best score first, then by ids: the order of NearDuplicateReport::pairs.
void sortPairs(std::vector<DuplicatePair>& pairs);

}  // namespace lookalike::services
