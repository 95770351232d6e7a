// Fuzzes the search index file (core/search/index_file.h) and the hnswlib graph behind it
// (HnswIndex::loadFromBytes): readIndexFileInfo(), then a full load. Each input is tried as
// given and with its length and checksum repaired (envelope.h), so mutations reach the field
// and graph checks. The only allowed failure is IndexError. A graph that passes the checks must
// then be safe to use: it is searched, added to, removed from and compacted.

#include "core/search/hnsw_index.h"
#include "core/search/index_file.h"
#include "tests/fuzz/envelope.h"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

using lookalike::search::HnswIndex;
using lookalike::search::IndexError;

// Larger dimensions are legal, but only waste time here.
constexpr std::uint32_t kMaxFuzzDimension = 64;

void exercise(HnswIndex& index) {
    const std::size_t dimension = index.dimension();
    std::vector<float> vector(dimension, 0.0f);
    vector[0] = 1.0f;
    index.search(vector, 5);
    index.add(-7, vector);
    vector[dimension - 1] += 0.5f;
    index.search(vector, 3);
    index.remove(-7);
    index.compact();
    index.search(vector, index.size() + 1);
}

void load(std::span<const std::uint8_t> bytes) {
    const std::string source = "fuzz.lkidx";
    lookalike::search::IndexFileInfo info;
    try {
        info = lookalike::search::readIndexFileInfo(bytes, source);
    } catch (const IndexError&) {
        // The full load reports the same problems; try it with the seeds' expectations.
        info.dimension = 8;
        info.modelId = "fuzz-model";
    }
    if (info.dimension == 0 || info.dimension > kMaxFuzzDimension)
        info.dimension = 8;
    try {
        std::unique_ptr<HnswIndex> index = HnswIndex::loadFromBytes(bytes, info.dimension, info.modelId, {}, source);
        if (index->size() != info.count)
            __builtin_trap();  // the header's count must be what the graph holds
        exercise(*index);
    } catch (const IndexError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::span<const std::uint8_t> bytes(data, size);
    load(bytes);
    const auto checksum = [](std::span<const std::uint8_t> span) { return lookalike::search::fnv1a64(span); };
    if (std::optional<std::vector<std::uint8_t>> repaired = lookalike::fuzz::repairedEnvelope(bytes, checksum))
        load(*repaired);
    return 0;
}
