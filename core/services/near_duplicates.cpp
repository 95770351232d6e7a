#include "core/services/near_duplicates.h"

#include "core/metric/inner_product_matmul.h"
#include "core/search/vector_math.h"
#include "core/services/library.h"
#include "core/services/phase_progress.h"
#include "core/util/errors.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_map>

namespace lookalike::services {

using catalog::ItemId;
using imaging::PerceptualHash;

namespace {

void report(const ProgressCallback& progress, std::int64_t done, std::int64_t total, const char* phase) {
    if (progress)
        progress({done, total, phase});
}

DuplicatePair orderedPair(ItemId a, ItemId b, double score) {
    return a < b ? DuplicatePair{a, b, score} : DuplicatePair{b, a, score};
}

double hashScore(int distance) {
    return 1.0 - distance / 64.0;
}

// Block b of the multi-index: bits [begin(b), begin(b + 1)) of the hash.
struct HashBlocks {
    int count;
    int begin(int block) const { return block * 64 / count; }
    std::uint64_t value(PerceptualHash hash, int block) const {
        const int from = begin(block);
        const int width = begin(block + 1) - from;
        return width == 64 ? hash : (hash >> from) & ((std::uint64_t{1} << width) - 1);
    }
};

struct UnionFind {
    std::vector<std::size_t> parent;
    explicit UnionFind(std::size_t size) : parent(size) { std::iota(parent.begin(), parent.end(), std::size_t{0}); }
    std::size_t find(std::size_t x) {
        while (parent[x] != x)
            x = parent[x] = parent[parent[x]];
        return x;
    }
    void unite(std::size_t a, std::size_t b) {
        a = find(a);
        b = find(b);
        if (a != b)
            parent[std::max(a, b)] = std::min(a, b);
    }
};

// Unit-length copies of the vectors [N, dimension]: stored vectors are meant to be normalised,
// but the cosine must not depend on it.
std::vector<float> normalisedRows(const catalog::EmbeddingSet& embeddings, int dimension) {
    const std::size_t width = static_cast<std::size_t>(dimension);
    if (dimension <= 0 || embeddings.vectors.size() != embeddings.ids.size() * width)
        throw std::invalid_argument("near duplicates: " + std::to_string(embeddings.vectors.size()) +
                                    " values do not make " + std::to_string(embeddings.ids.size()) +
                                    " vectors of dimension " + std::to_string(dimension));
    std::vector<float> rows = embeddings.vectors;
    for (std::size_t i = 0; i < embeddings.ids.size(); ++i) {
        float* row = rows.data() + i * width;
        const float norm = std::sqrt(search::innerProduct(row, row, width));
        if (norm > 0.0f)
            for (std::size_t k = 0; k < width; ++k)
                row[k] /= norm;
    }
    return rows;
}

void checkThreshold(DuplicateMethod method, double threshold) {
    const bool cosine = method == DuplicateMethod::Embedding || method == DuplicateMethod::Combined;
    const double lowest = cosine ? -1.0 : 0.0;
    if (!(threshold >= lowest && threshold <= 1.0))
        throw std::invalid_argument("the threshold for " + std::string(duplicateMethodName(method)) +
                                    " must be between " + (lowest < 0 ? "-1" : "0") + " and 1, not " +
                                    std::to_string(threshold));
}

}  // namespace

std::string_view duplicateMethodName(DuplicateMethod method) {
    switch (method) {
    case DuplicateMethod::DctHash: return "phash";
    case DuplicateMethod::DifferenceHash: return "dhash";
    case DuplicateMethod::Embedding: return "embedding";
    case DuplicateMethod::Combined: return "combined";
    }
    return "?";
}

std::optional<DuplicateMethod> parseDuplicateMethod(std::string_view name) {
    for (DuplicateMethod method : {DuplicateMethod::DctHash, DuplicateMethod::DifferenceHash, DuplicateMethod::Embedding,
                                  DuplicateMethod::Combined})
        if (duplicateMethodName(method) == name)
            return method;
    return std::nullopt;
}

double defaultDuplicateThreshold(DuplicateMethod method) {
    // Chosen on tests/bench/duplicates (README): per method, the threshold with the best F1.
    switch (method) {
    case DuplicateMethod::DctHash: return 1.0 - 4.0 / 64.0;  // Hamming distance <= 4
    case DuplicateMethod::DifferenceHash: return 1.0 - 1.0 / 64.0;
    case DuplicateMethod::Embedding: return 0.995;
    case DuplicateMethod::Combined: return 0.99;
    }
    return 1.0;
}

int maxHashDistance(double threshold) {
    // A small epsilon so that 0.875 means distance 8, not 7, despite rounding.
    return std::clamp(static_cast<int>(std::floor((1.0 - threshold) * 64.0 + 1e-9)), 0, 64);
}

ItemHashes hashThumbnails(catalog::Catalog& catalog, imaging::PerceptualHashKind kind, int threads,
                          const ProgressCallback& progress, const CancelToken* cancel) {
    const std::vector<ItemId> ids = catalog.itemIds();
    const std::int64_t total = static_cast<std::int64_t>(ids.size());
    const std::size_t workers = static_cast<std::size_t>(std::clamp(threads, 1, 64));
    ItemHashes result;
    // The catalog is read on this thread (it is not thread-safe); only decoding is spread.
    constexpr std::size_t kBatch = 256;
    std::vector<std::vector<std::uint8_t>> jpegs;
    std::vector<std::optional<PerceptualHash>> hashes;
    for (std::size_t start = 0; start < ids.size(); start += kBatch) {
        checkCancel(cancel);
        report(progress, static_cast<std::int64_t>(start), total, "thumbnails");
        const std::size_t count = std::min(kBatch, ids.size() - start);
        jpegs.assign(count, {});
        hashes.assign(count, std::nullopt);
        for (std::size_t i = 0; i < count; ++i)
            if (std::optional<catalog::Thumbnail> thumbnail = catalog.thumbnail(ids[start + i]))
                jpegs[i] = std::move(thumbnail->jpeg);
        const auto decode = [&](std::size_t worker) {
            for (std::size_t i = worker; i < count; i += workers)
                hashes[i] = imaging::thumbnailHash(jpegs[i], kind);
        };
        {
            std::vector<std::jthread> pool;
            for (std::size_t worker = 1; worker < workers; ++worker)
                pool.emplace_back(decode, worker);
            decode(0);
        }
        for (std::size_t i = 0; i < count; ++i) {
            if (hashes[i]) {
                result.ids.push_back(ids[start + i]);
                result.hashes.push_back(*hashes[i]);
            } else {
                ++result.unreadable;
            }
        }
    }
    report(progress, total, total, "thumbnails");
    return result;
}

std::vector<DuplicatePair> hashPairs(std::span<const ItemId> ids, std::span<const PerceptualHash> hashes,
                                     int maxDistance, const CancelToken* cancel) {
    if (ids.size() != hashes.size())
        throw std::invalid_argument("hashPairs: ids and hashes differ in length");
    if (maxDistance < 0)
        return {};
    const HashBlocks blocks{std::clamp(maxDistance + 1, 1, 64)};
    std::vector<DuplicatePair> pairs;
    std::vector<std::pair<std::uint64_t, std::size_t>> keyed(hashes.size());
    for (int block = 0; block < blocks.count; ++block) {
        checkCancel(cancel);
        for (std::size_t i = 0; i < hashes.size(); ++i)
            keyed[i] = {blocks.value(hashes[i], block), i};
        std::sort(keyed.begin(), keyed.end());
        for (std::size_t runStart = 0; runStart < keyed.size();) {
            std::size_t runEnd = runStart + 1;
            while (runEnd < keyed.size() && keyed[runEnd].first == keyed[runStart].first)
                ++runEnd;
            for (std::size_t a = runStart; a < runEnd; ++a) {
                const PerceptualHash first = hashes[keyed[a].second];
                for (std::size_t b = a + 1; b < runEnd; ++b) {
                    const PerceptualHash second = hashes[keyed[b].second];
                    // Counted once: in the first block the two agree on.
                    bool seenBefore = false;
                    for (int earlier = 0; earlier < block && !seenBefore; ++earlier)
                        seenBefore = blocks.value(first, earlier) == blocks.value(second, earlier);
                    if (seenBefore)
                        continue;
                    if (const int distance = imaging::hammingDistance(first, second); distance <= maxDistance)
                        pairs.push_back(orderedPair(ids[keyed[a].second], ids[keyed[b].second], hashScore(distance)));
                }
            }
            runStart = runEnd;
        }
    }
    return pairs;
}

std::vector<DuplicatePair> hashPairsBruteForce(std::span<const ItemId> ids, std::span<const PerceptualHash> hashes,
                                               int maxDistance, const CancelToken* cancel) {
    if (ids.size() != hashes.size())
        throw std::invalid_argument("hashPairsBruteForce: ids and hashes differ in length");
    std::vector<DuplicatePair> pairs;
    for (std::size_t a = 0; a < hashes.size(); ++a) {
        if (a % 256 == 0)
            checkCancel(cancel);
        for (std::size_t b = a + 1; b < hashes.size(); ++b)
            if (const int distance = imaging::hammingDistance(hashes[a], hashes[b]); distance <= maxDistance)
                pairs.push_back(orderedPair(ids[a], ids[b], hashScore(distance)));
    }
    return pairs;
}

std::vector<DuplicatePair> embeddingPairs(const catalog::EmbeddingSet& embeddings, int dimension, double minCosine,
                                          const CancelToken* cancel) {
    const std::vector<float> rows = normalisedRows(embeddings, dimension);
    const std::size_t count = embeddings.ids.size();
    const std::size_t width = static_cast<std::size_t>(dimension);
    // Row blocks against all rows after the block's start: products [block, count - start].
    constexpr std::size_t kBlock = 512;
    metric::InnerProductMatmul matmul;
    std::vector<float> products;
    std::vector<DuplicatePair> pairs;
    for (std::size_t start = 0; start < count; start += kBlock) {
        checkCancel(cancel);
        const std::size_t blockRows = std::min(kBlock, count - start);
        const std::size_t others = count - start;
        products.resize(blockRows * others);
        const metric::EmbeddingsView left{std::span<const float>(rows.data() + start * width, blockRows * width), blockRows, width};
        const metric::EmbeddingsView right{std::span<const float>(rows.data() + start * width, others * width), others, width};
        matmul.multiply(left, right, products);
        for (std::size_t i = 0; i < blockRows; ++i)
            for (std::size_t j = i + 1; j < others; ++j)
                if (const float cosine = products[i * others + j]; cosine >= minCosine)
                    pairs.push_back(orderedPair(embeddings.ids[start + i], embeddings.ids[start + j], cosine));
    }
    return pairs;
}

std::vector<DuplicatePair> embeddingPairsBruteForce(const catalog::EmbeddingSet& embeddings, int dimension,
                                                    double minCosine, const CancelToken* cancel) {
    const std::vector<float> rows = normalisedRows(embeddings, dimension);
    const std::size_t count = embeddings.ids.size();
    const std::size_t width = static_cast<std::size_t>(dimension);
    std::vector<DuplicatePair> pairs;
    for (std::size_t a = 0; a < count; ++a) {
        if (a % 64 == 0)
            checkCancel(cancel);
        for (std::size_t b = a + 1; b < count; ++b)
            if (const float cosine = search::innerProduct(rows.data() + a * width, rows.data() + b * width, width);
                cosine >= minCosine)
                pairs.push_back(orderedPair(embeddings.ids[a], embeddings.ids[b], cosine));
    }
    return pairs;
}

std::vector<std::vector<ItemId>> clusterPairs(std::span<const DuplicatePair> pairs) {
    std::unordered_map<ItemId, std::size_t> indexOf;
    std::vector<ItemId> items;
    const auto index = [&](ItemId item) {
        auto [found, added] = indexOf.emplace(item, items.size());
        if (added)
            items.push_back(item);
        return found->second;
    };
    std::vector<std::pair<std::size_t, std::size_t>> edges;
    edges.reserve(pairs.size());
    for (const DuplicatePair& pair : pairs)
        edges.emplace_back(index(pair.first), index(pair.second));
    UnionFind components(items.size());
    for (const auto& [a, b] : edges)
        components.unite(a, b);
    std::unordered_map<std::size_t, std::vector<ItemId>> byRoot;
    for (std::size_t i = 0; i < items.size(); ++i)
        byRoot[components.find(i)].push_back(items[i]);
    std::vector<std::vector<ItemId>> clusters;
    clusters.reserve(byRoot.size());
    for (auto& [root, members] : byRoot) {
        std::sort(members.begin(), members.end());
        clusters.push_back(std::move(members));
    }
    std::sort(clusters.begin(), clusters.end(), [](const auto& a, const auto& b) {
        return a.size() != b.size() ? a.size() > b.size() : a.front() < b.front();
    });
    return clusters;
}

void sortPairs(std::vector<DuplicatePair>& pairs) {
    std::sort(pairs.begin(), pairs.end(), [](const DuplicatePair& a, const DuplicatePair& b) {
        if (a.score != b.score)
            return a.score > b.score;
        return a.first != b.first ? a.first < b.first : a.second < b.second;
    });
}

NearDuplicateReport findNearDuplicates(Library& library, const NearDuplicateOptions& options,
                                       const ProgressCallback& progress, const CancelToken* cancel) {
    NearDuplicateReport result;
    result.method = options.method;
    result.threshold = options.threshold.value_or(defaultDuplicateThreshold(options.method));
    checkThreshold(options.method, result.threshold);
    ItemHashes hashes;
    if (options.method != DuplicateMethod::Embedding) {
        const imaging::PerceptualHashKind kind = options.method == DuplicateMethod::DifferenceHash
                                                     ? imaging::PerceptualHashKind::Difference
                                                     : imaging::PerceptualHashKind::Dct;
        hashes = hashThumbnails(library.catalog(), kind, options.threads, progress, cancel);
        result.items = static_cast<std::int64_t>(hashes.ids.size());
        result.unreadable = hashes.unreadable;
    }
    if (options.method == DuplicateMethod::DctHash || options.method == DuplicateMethod::DifferenceHash) {
        report(progress, 0, 0, "comparing");
        result.pairs = hashPairs(hashes.ids, hashes.hashes, maxHashDistance(result.threshold), cancel);
    } else {
        library.refresh(progress, cancel);
        const std::optional<catalog::ModelId> model = library.activeModel();
        if (!model)
            throw LibraryError("The library has no model to compare embeddings with.");
        const int dimension = library.models().model(*model)->dimension;
        const catalog::EmbeddingSet embeddings = library.models().embeddings(*model);
        if (options.method == DuplicateMethod::Embedding)
            result.items = static_cast<std::int64_t>(embeddings.ids.size());
        report(progress, 0, 0, "comparing");
        result.pairs = embeddingPairs(embeddings, dimension, result.threshold, cancel);
        if (options.method == DuplicateMethod::Combined) {
            std::unordered_map<ItemId, PerceptualHash> hashOf;
            for (std::size_t i = 0; i < hashes.ids.size(); ++i)
                hashOf.emplace(hashes.ids[i], hashes.hashes[i]);
            std::erase_if(result.pairs, [&](const DuplicatePair& pair) {
                const auto first = hashOf.find(pair.first), second = hashOf.find(pair.second);
                return first == hashOf.end() || second == hashOf.end() ||
                       imaging::hammingDistance(first->second, second->second) > kCombinedMaxHashDistance;
            });
        }
    }
    sortPairs(result.pairs);
    result.clusters = clusterPairs(result.pairs);
    return result;
}

}  // namespace lookalike::services
