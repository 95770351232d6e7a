#pragma once
// Approximate search with hnswlib's HierarchicalNSW graph, distance 1 - inner product. hnswlib
// stays behind the pimpl: this header compiles without it.
//
// - Removing marks the vector deleted (hnswlib's markDelete): it stays in the graph as a
//   waypoint and is never returned. Adding an id that is present (a new vector) or was removed
//   inserts a fresh node and retires the old one the same way. Retired slots are kept, also by
//   save and load, until compact() rebuilds the graph without them; removedSlotCount() tells
//   when that pays.
// - Capacity doubles automatically when the graph is full (hnswlib's resizeIndex).
// - Inserts run one at a time with a fixed seed, so the same vectors added in the same order
//   always give the same graph and the same results.
// - A search keeps max(efSearch, k + excluded ids present) candidates, then drops the excluded
//   ids and those under minSimilarity. Similarities are recomputed with the same inner product
//   as BruteForceIndex, so equal pairs score bit-identically in both.
// Thread-safe (see SimilarityIndex); the extra methods here lock the same way.

#include "core/search/index_file.h"
#include "core/search/similarity_index.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::search {

struct HnswConfig {
    std::size_t m = 16;                  // links per node and layer (2m on the bottom one), 2..1024
    std::size_t efConstruction = 200;    // candidates kept while inserting: graph quality vs build time
    std::size_t efSearch = 128;          // candidates kept while searching: recall vs speed
    std::size_t initialCapacity = 1024;  // vector slots allocated up front; doubled when full
    std::uint64_t randomSeed = 100;      // for the layer of each new vector

    bool operator==(const HnswConfig&) const = default;
};

class HnswIndex final : public SimilarityIndex {
public:
    static constexpr std::size_t kMaxM = 1024;
    static constexpr std::size_t kMaxEf = 100000;

    // Throws std::invalid_argument for a dimension outside 1..kMaxDimension or a config field
    // out of range (m outside 2..kMaxM, efConstruction or efSearch outside 1..kMaxEf, zero
    // initialCapacity).
    explicit HnswIndex(std::size_t dimension, const HnswConfig& config = {});
    ~HnswIndex() override;

    // The index file (see index_file.h) for vectors from the embedding model `modelId`. Throws
    // std::invalid_argument for a model id over kMaxModelIdBytes.
    std::vector<std::uint8_t> toBytes(std::string_view modelId) const;
    // Writes toBytes() atomically (temporary file, fsync, rename) and returns what the catalog
    // should record. Throws StorageFullError when the disk is full, FileError otherwise.
    IndexFileInfo save(const std::filesystem::path& path, std::string_view modelId) const;

    // Checks the whole file before building anything (index_file.h lists the checks; the graph
    // is then checked link by link) and throws IndexError on any problem; no byte string causes
    // undefined behaviour. m and efConstruction come from the file, the rest of `config` applies.
    static std::unique_ptr<HnswIndex> load(const std::filesystem::path& path, std::size_t expectedDimension,
                                           std::string_view expectedModelId, const HnswConfig& config = {});
    // The same from bytes in memory; `source` names them in messages.
    static std::unique_ptr<HnswIndex> loadFromBytes(std::span<const std::uint8_t> bytes,
                                                    std::size_t expectedDimension,
                                                    std::string_view expectedModelId,
                                                    const HnswConfig& config = {},
                                                    const std::string& source = "<memory>");

    // The config in effect (m and efConstruction as stored in the graph).
    HnswConfig config() const;
    // Throws std::invalid_argument outside 1..kMaxEf.
    void setEfSearch(std::size_t efSearch);
    // Vector slots allocated, used or not.
    std::size_t capacity() const;
    // Slots held by removed vectors, reclaimed by compact().
    std::size_t removedSlotCount() const;
    // Rebuilds the graph from the vectors still present (inserted in their current slot order),
    // freeing removed slots. Costs as much as adding them all again, and searches wait meanwhile.
    // `progress` is called every 256 vectors; a set `cancel` stops with lookalike::Cancelled and
    // leaves the index as it was.
    void compact(const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);

private:
    struct Impl;
    HnswIndex(std::size_t dimension, std::unique_ptr<Impl> impl);

    std::size_t sizeLocked() const override;
    bool containsLocked(ItemId id) const override;
    void reserveLocked(std::span<const ItemId> ids) override;
    void addLocked(ItemId id, std::span<const float> unitVector) override;
    bool removeLocked(ItemId id) override;
    std::vector<Match> searchLocked(std::span<const float> unitQuery, std::size_t k, float minSimilarity,
                                    std::span<const ItemId> sortedExcluded) const override;

    std::unique_ptr<Impl> m_impl;
};

}  // namespace lookalike::search
