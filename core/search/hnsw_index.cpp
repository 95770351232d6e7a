#include "core/search/hnsw_index.h"

#include "core/search/byte_io.h"
#include "core/search/vector_math.h"
#include "core/util/file_util.h"

// hnswlib 0.6.2's SSE code prefetches the link after the last one of a neighbour list, reading
// past the end of an upper layer's allocation: an out-of-bounds read that AddressSanitizer
// reports while a graph is built (nmslib/hnswlib#107, still open upstream). Without its
// manual vectorisation hnswlib reads only what it owns; the graph then measures distance with
// our inner product (UnitVectorSpace below), which the compiler vectorises. This also leaves out
// the non-inline cpuid helpers that would clash if another file of the program included hnswlib.
#define NO_MANUAL_VECTORIZATION
// hnswlib 0.6.2's headers use these without including them.
#include <fstream>
#include <unordered_map>
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <stdexcept>

// The graph inside an index file is hnswlib 0.6.2's own serialisation of a HierarchicalNSW<float>
// (what HierarchicalNSW::saveIndex writes, native byte order):
//   size_t offsetLevel0 (0), maxElements (hnswlib: its capacity; we write the count), count,
//     sizeDataPerElement, labelOffset, offsetData
//   int maxLevel, u32 entryPoint
//   size_t maxM (= M), maxM0 (= 2M), M; double mult (= 1 / ln M); size_t efConstruction
//   count x sizeDataPerElement bytes: per vector its bottom-layer links
//     (u16 count, u8 flags with bit 0 = removed, u8 unused, maxM0 x u32 neighbour),
//     then the unit vector (dimension x f32), then its label (size_t: our ItemId; removed
//     vectors may share a label with the one vector that replaced them)
//   per vector: u32 byte size (level x (4 + 4 maxM)), then its upper-layer links, layer 1 first
//     (u16 count, u16 unused, maxM x u32 neighbour)
// We write and read it here rather than through saveIndex/loadIndex because those only work on
// file paths, never report a failed write, read counts and offsets without checking them (a bad
// neighbour id is an out-of-bounds access in the next search), and leave num_deleted_
// uninitialised when loading. Reading checks every field and link first, then fills a graph
// built by hnswlib's own constructor, so its invariants hold.

namespace lookalike::search {

namespace {

using Graph = hnswlib::HierarchicalNSW<float>;
using Reason = IndexError::Reason;

static_assert(sizeof(hnswlib::labeltype) == sizeof(ItemId), "hnswlib labels carry our 64-bit ids");
static_assert(sizeof(hnswlib::tableint) == 4 && sizeof(hnswlib::linklistsizeint) == 4,
              "the graph layout assumes hnswlib 0.6.2's 32-bit ids and link headers");

// Internal ids are 32-bit, and hnswlib sizes its visited lists with an int.
constexpr std::size_t kMaxCapacity = 0x7fffffff;
// Far above any level hnswlib draws (the chance of level 64 is e^-44 even for M = 2).
constexpr int kMaxLevel = 64;

// hnswlib's "space": how the graph measures distance between two stored vectors. 1 - the shared
// inner product, so the graph is walked with the same arithmetic that scores the results.
class UnitVectorSpace final : public hnswlib::SpaceInterface<float> {
public:
    explicit UnitVectorSpace(std::size_t dimension) : m_dimension(dimension) {}

    std::size_t get_data_size() override { return m_dimension * sizeof(float); }
    hnswlib::DISTFUNC<float> get_dist_func() override { return &distance; }
    // hnswlib reads the dimension from here (getDataByLabel), so it must stay a size_t.
    void* get_dist_func_param() override { return &m_dimension; }

private:
    static float distance(const void* a, const void* b, const void* dimension) {
        return 1.0f - innerProduct(static_cast<const float*>(a), static_cast<const float*>(b),
                                   *static_cast<const std::size_t*>(dimension));
    }

    std::size_t m_dimension;
};

hnswlib::labeltype toLabel(ItemId id) {
    return static_cast<hnswlib::labeltype>(id);
}

ItemId toItemId(hnswlib::labeltype label) {
    return static_cast<ItemId>(label);
}

void checkConfig(const HnswConfig& config) {
    auto check = [](bool ok, const std::string& what) {
        if (!ok)
            throw std::invalid_argument("HNSW index: " + what);
    };
    check(config.m >= 2 && config.m <= HnswIndex::kMaxM,
          "m = " + std::to_string(config.m) + " is outside 2.." + std::to_string(HnswIndex::kMaxM));
    check(config.efConstruction >= 1 && config.efConstruction <= HnswIndex::kMaxEf,
          "efConstruction = " + std::to_string(config.efConstruction) + " is outside 1.." +
              std::to_string(HnswIndex::kMaxEf));
    check(config.efSearch >= 1 && config.efSearch <= HnswIndex::kMaxEf,
          "efSearch = " + std::to_string(config.efSearch) + " is outside 1.." + std::to_string(HnswIndex::kMaxEf));
    check(config.initialCapacity >= 1 && config.initialCapacity <= kMaxCapacity,
          "initialCapacity = " + std::to_string(config.initialCapacity) + " is outside 1.." +
              std::to_string(kMaxCapacity));
}

std::unique_ptr<Graph> newGraph(UnitVectorSpace& space, std::size_t capacity, const HnswConfig& config) {
    auto graph = std::make_unique<Graph>(&space, capacity, config.m, config.efConstruction,
                                         static_cast<std::size_t>(config.randomSeed));
    graph->setEf(config.efSearch);
    return graph;
}

// Makes room for `newSlots` more vectors, at least doubling the capacity when it grows so that
// adding one by one stays linear.
void growGraph(Graph& graph, std::size_t newSlots) {
    const std::size_t needed = graph.cur_element_count + newSlots;
    if (needed <= graph.max_elements_)
        return;
    if (needed > kMaxCapacity)
        throw std::length_error("HNSW index: more than " + std::to_string(kMaxCapacity) + " vectors");
    graph.resizeIndex(std::min(kMaxCapacity, std::max(needed, 2 * graph.max_elements_)));
}

// --- writing ---

std::vector<std::uint8_t> writeGraph(const Graph& graph) {
    ByteWriter writer;
    std::size_t upperBytes = 0;
    for (std::size_t i = 0; i < graph.cur_element_count; ++i)
        upperBytes += sizeof(std::uint32_t) + graph.size_links_per_element_ * static_cast<std::size_t>(graph.element_levels_[i]);
    writer.reserve(128 + graph.cur_element_count * graph.size_data_per_element_ + upperBytes);

    writer.write(graph.offsetLevel0_);
    // hnswlib writes its capacity here; the count makes the file depend on the graph alone, not
    // on how the capacity grew (loading allocates what the config asks anyway).
    writer.write(graph.cur_element_count);
    writer.write(graph.cur_element_count);
    writer.write(graph.size_data_per_element_);
    writer.write(graph.label_offset_);
    writer.write(graph.offsetData_);
    writer.write(graph.maxlevel_);
    writer.write(graph.enterpoint_node_);
    writer.write(graph.maxM_);
    writer.write(graph.maxM0_);
    writer.write(graph.M_);
    writer.write(graph.mult_);
    writer.write(graph.ef_construction_);
    writer.bytes(graph.data_level0_memory_, graph.cur_element_count * graph.size_data_per_element_);
    for (std::size_t i = 0; i < graph.cur_element_count; ++i) {
        const auto bytes = static_cast<std::uint32_t>(graph.size_links_per_element_ * static_cast<std::size_t>(graph.element_levels_[i]));
        writer.write(bytes);
        if (bytes != 0)
            writer.bytes(graph.linkLists_[i], bytes);
    }
    return std::move(writer.buffer());
}

// --- reading ---

// The graph's header fields, in file order.
struct GraphLayout {
    std::size_t offsetLevel0 = 0;
    std::size_t maxElements = 0;
    std::size_t count = 0;
    std::size_t sizeDataPerElement = 0;
    std::size_t labelOffset = 0;
    std::size_t offsetData = 0;
    int maxLevel = 0;
    hnswlib::tableint entryPoint = 0;
    std::size_t maxM = 0;
    std::size_t maxM0 = 0;
    std::size_t m = 0;
    double mult = 0.0;
    std::size_t efConstruction = 0;
};

// A graph whose every field and link has been checked; spans point into the file's bytes.
struct CheckedGraph {
    GraphLayout layout;
    std::span<const std::uint8_t> bottomLayer;                // [count, sizeDataPerElement]
    std::vector<int> levels;                                  // [count]
    std::vector<std::span<const std::uint8_t>> upperLinks;    // [count], levels[i] link lists each
    std::size_t removed = 0;
};

template <typename Value>
Value readAt(std::span<const std::uint8_t> bytes, std::size_t offset) {
    Value value;
    std::memcpy(&value, bytes.data() + offset, sizeof(Value));
    return value;
}

class GraphChecker {
public:
    GraphChecker(std::span<const std::uint8_t> bytes, std::size_t dimension, std::uint64_t expectedCount,
                 const std::string& source)
        : m_bytes(bytes), m_dimension(dimension), m_expectedCount(expectedCount), m_source(source) {}

    CheckedGraph check() {
        ByteReader reader(m_bytes, Reason::Corrupt, m_source);
        GraphLayout& layout = m_graph.layout;
        layout.offsetLevel0 = reader.read<std::size_t>("graph header");
        layout.maxElements = reader.read<std::size_t>("graph header");
        layout.count = reader.read<std::size_t>("graph header");
        layout.sizeDataPerElement = reader.read<std::size_t>("graph header");
        layout.labelOffset = reader.read<std::size_t>("graph header");
        layout.offsetData = reader.read<std::size_t>("graph header");
        layout.maxLevel = reader.read<int>("graph header");
        layout.entryPoint = reader.read<hnswlib::tableint>("graph header");
        layout.maxM = reader.read<std::size_t>("graph header");
        layout.maxM0 = reader.read<std::size_t>("graph header");
        layout.m = reader.read<std::size_t>("graph header");
        layout.mult = reader.read<double>("graph header");
        layout.efConstruction = reader.read<std::size_t>("graph header");
        checkHeader();

        const std::size_t count = layout.count;
        m_graph.bottomLayer = reader.take(count * layout.sizeDataPerElement, "bottom layer");
        m_graph.levels.resize(count);
        m_graph.upperLinks.resize(count);
        for (std::size_t i = 0; i < count; ++i) {
            const auto bytes = reader.read<std::uint32_t>("upper layers");
            if (bytes % m_upperListBytes != 0)
                fail("vector " + std::to_string(i) + " has upper-layer links of " + std::to_string(bytes) + " bytes");
            const std::size_t level = bytes / m_upperListBytes;
            if (level > static_cast<std::size_t>(layout.maxLevel))
                fail("vector " + std::to_string(i) + " is on level " + std::to_string(level) + ", above the top level");
            m_graph.levels[i] = static_cast<int>(level);
            m_graph.upperLinks[i] = reader.take(bytes, "upper layers");
        }
        if (reader.remaining() != 0)
            fail("has " + std::to_string(reader.remaining()) + " unexpected bytes at its end");
        if (count > 0 && m_graph.levels[layout.entryPoint] != layout.maxLevel)
            fail("enters on a vector below its top level");

        checkVectors();
        return std::move(m_graph);
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw IndexError(Reason::Corrupt, m_source + ": the search index graph " + what);
    }

    void checkHeader() {
        const GraphLayout& layout = m_graph.layout;
        if (layout.count > kMaxCapacity)
            throw IndexError(Reason::AbsurdSize,
                             m_source + ": the search index graph declares " + std::to_string(layout.count) + " vectors");
        if (layout.m < 2 || layout.m > HnswIndex::kMaxM || layout.maxM != layout.m || layout.maxM0 != 2 * layout.m)
            fail("has impossible link counts (M " + std::to_string(layout.m) + ", maxM " + std::to_string(layout.maxM) +
                 ", maxM0 " + std::to_string(layout.maxM0) + ")");
        // hnswlib draws levels from mult; only 1 / ln M gives the graph its shape.
        const double expectedMult = 1.0 / std::log(static_cast<double>(layout.m));
        if (!(std::abs(layout.mult - expectedMult) <= 1e-9 * expectedMult))
            fail("has a level multiplier that does not match M");
        if (layout.efConstruction < layout.m || layout.efConstruction > HnswIndex::kMaxEf)
            fail("has efConstruction " + std::to_string(layout.efConstruction));

        m_bottomListBytes = sizeof(hnswlib::linklistsizeint) + layout.maxM0 * sizeof(hnswlib::tableint);
        m_upperListBytes = sizeof(hnswlib::linklistsizeint) + layout.maxM * sizeof(hnswlib::tableint);
        const std::size_t vectorBytes = m_dimension * sizeof(float);
        if (layout.offsetLevel0 != 0 || layout.offsetData != m_bottomListBytes ||
            layout.labelOffset != m_bottomListBytes + vectorBytes ||
            layout.sizeDataPerElement != layout.labelOffset + sizeof(hnswlib::labeltype))
            fail("layout does not match M and the dimension");
        if (layout.maxElements < layout.count)
            fail("holds more vectors than its capacity");
        if (layout.count == 0) {
            if (layout.maxLevel != -1 || layout.entryPoint != static_cast<hnswlib::tableint>(-1))
                fail("is empty but has an entry point");
        } else if (layout.maxLevel < 0 || layout.maxLevel > kMaxLevel || layout.entryPoint >= layout.count) {
            fail("has an invalid entry point or top level");
        }
    }

    // A list is a u16 count (then two bytes hnswlib uses for flags) and up to `maxLinks` ids.
    // Every id must name a vector that reaches `level`, since a search follows it on that level.
    void checkLinks(std::span<const std::uint8_t> list, std::size_t maxLinks, int level, std::size_t vector) const {
        const auto links = readAt<std::uint16_t>(list, 0);
        if (links > maxLinks)
            fail("vector " + std::to_string(vector) + " has " + std::to_string(links) + " links on level " +
                 std::to_string(level));
        for (std::size_t j = 0; j < links; ++j) {
            const auto neighbour = readAt<hnswlib::tableint>(list, sizeof(hnswlib::linklistsizeint) + j * sizeof(hnswlib::tableint));
            if (neighbour >= m_graph.layout.count || m_graph.levels[neighbour] < level)
                fail("vector " + std::to_string(vector) + " links to a missing vector on level " + std::to_string(level));
        }
    }

    void checkVectors() {
        const GraphLayout& layout = m_graph.layout;
        // (label, removed) per vector; a label may recur on removed vectors (replaced ones).
        std::vector<std::pair<hnswlib::labeltype, bool>> labels(layout.count);
        for (std::size_t i = 0; i < layout.count; ++i) {
            const auto element = m_graph.bottomLayer.subspan(i * layout.sizeDataPerElement, layout.sizeDataPerElement);
            checkLinks(element, layout.maxM0, 0, i);
            const bool removed = (element[2] & Graph::DELETE_MARK) != 0;
            m_graph.removed += removed ? 1 : 0;
            // Only unit vectors are ever stored. Anything else (NaN, or values large enough
            // to overflow an inner product) could give NaN similarities, which no ranking
            // can sort.
            double squaredNorm = 0.0;
            for (std::size_t d = 0; d < m_dimension; ++d) {
                const double value = readAt<float>(element, layout.offsetData + d * sizeof(float));
                squaredNorm += value * value;
            }
            if (!(std::abs(squaredNorm - 1.0) <= 1e-3))
                fail("vector " + std::to_string(i) + " is not of unit length");
            labels[i] = {readAt<hnswlib::labeltype>(element, layout.labelOffset), removed};
            for (int level = 1; level <= m_graph.levels[i]; ++level)
                checkLinks(m_graph.upperLinks[i].subspan(static_cast<std::size_t>(level - 1) * m_upperListBytes, m_upperListBytes),
                           layout.maxM, level, i);
        }
        // Sorted, a label's vector that is not removed comes first: two of them in a row is a twin.
        std::sort(labels.begin(), labels.end());
        auto twin = std::adjacent_find(labels.begin(), labels.end(), [](const auto& a, const auto& b) {
            return a.first == b.first && !a.second && !b.second;
        });
        if (twin != labels.end())
            fail("holds item " + std::to_string(toItemId(twin->first)) + " twice");
        if (layout.count - m_graph.removed != m_expectedCount)
            fail("holds " + std::to_string(layout.count - m_graph.removed) + " vectors, its header says " +
                 std::to_string(m_expectedCount));
    }

    std::span<const std::uint8_t> m_bytes;
    std::size_t m_dimension;
    std::uint64_t m_expectedCount;
    const std::string& m_source;
    CheckedGraph m_graph;
    std::size_t m_bottomListBytes = 0;
    std::size_t m_upperListBytes = 0;
};

// Fills a graph made by hnswlib's constructor (so every field it owns is initialised) with a
// checked graph's contents.
std::unique_ptr<Graph> buildGraph(const CheckedGraph& checked, UnitVectorSpace& space,
                                  const HnswConfig& config) {
    const GraphLayout& layout = checked.layout;
    auto graph = newGraph(space, std::max(layout.count, config.initialCapacity), config);
    if (graph->size_data_per_element_ != layout.sizeDataPerElement || graph->offsetData_ != layout.offsetData ||
        graph->label_offset_ != layout.labelOffset || graph->M_ != layout.m ||
        graph->ef_construction_ != layout.efConstruction)
        throw std::logic_error("HNSW index: the checked layout differs from hnswlib's");
    std::memcpy(graph->data_level0_memory_, checked.bottomLayer.data(), checked.bottomLayer.size());
    graph->label_lookup_.reserve(layout.count);
    for (std::size_t i = 0; i < layout.count; ++i) {
        const auto upper = checked.upperLinks[i];
        graph->element_levels_[i] = checked.levels[i];
        graph->linkLists_[i] = nullptr;
        if (!upper.empty()) {
            // The extra byte matches what addPoint allocates.
            auto* links = static_cast<char*>(std::malloc(upper.size() + 1));
            if (links == nullptr)
                throw std::bad_alloc();
            std::memcpy(links, upper.data(), upper.size());
            links[upper.size()] = 0;
            graph->linkLists_[i] = links;
        }
        // Counted as soon as its links are set, so the destructor frees exactly what exists.
        graph->cur_element_count = i + 1;
        // The vector that is not removed owns its label; removed twins only if there is none.
        const auto internalId = static_cast<hnswlib::tableint>(i);
        auto [entry, inserted] = graph->label_lookup_.try_emplace(graph->getExternalLabel(internalId), internalId);
        if (!inserted && !graph->isMarkedDeleted(internalId))
            entry->second = internalId;
    }
    graph->enterpoint_node_ = layout.entryPoint;
    graph->maxlevel_ = layout.maxLevel;
    graph->num_deleted_ = checked.removed;
    return graph;
}

}  // namespace

struct HnswIndex::Impl {
    Impl(std::size_t dimension, const HnswConfig& config) : space(dimension), config(config) {}

    UnitVectorSpace space;  // declared first: the graph keeps pointers into it
    HnswConfig config;
    std::unique_ptr<Graph> graph;
};

HnswIndex::HnswIndex(std::size_t dimension, const HnswConfig& config) : SimilarityIndex(dimension) {
    checkConfig(config);
    m_impl = std::make_unique<Impl>(dimension, config);
    m_impl->graph = newGraph(m_impl->space, config.initialCapacity, config);
}

HnswIndex::HnswIndex(std::size_t dimension, std::unique_ptr<Impl> impl)
    : SimilarityIndex(dimension), m_impl(std::move(impl)) {}

HnswIndex::~HnswIndex() = default;

// --- persistence ---

std::vector<std::uint8_t> HnswIndex::toBytes(std::string_view modelId) const {
    std::vector<std::uint8_t> graph;
    std::uint64_t count = 0;
    {
        std::shared_lock lock(mutex());
        graph = writeGraph(*m_impl->graph);
        count = sizeLocked();
    }
    return encodeIndexFile(modelId, static_cast<std::uint32_t>(dimension()), count, graph);
}

IndexFileInfo HnswIndex::save(const std::filesystem::path& path, std::string_view modelId) const {
    const std::vector<std::uint8_t> bytes = toBytes(modelId);
    writeFileAtomically(path, bytes);
    return readIndexFileInfo(bytes, displayPath(path));
}

std::unique_ptr<HnswIndex> HnswIndex::load(const std::filesystem::path& path, std::size_t expectedDimension,
                                           std::string_view expectedModelId, const HnswConfig& config) {
    checkConfig(config);
    return loadFromBytes(readIndexFileBytes(path), expectedDimension, expectedModelId, config, displayPath(path));
}

std::unique_ptr<HnswIndex> HnswIndex::loadFromBytes(std::span<const std::uint8_t> bytes,
                                                    std::size_t expectedDimension,
                                                    std::string_view expectedModelId, const HnswConfig& config,
                                                    const std::string& source) {
    checkConfig(config);
    const DecodedIndexFile file = decodeIndexFile(bytes, expectedDimension, expectedModelId, source);
    const CheckedGraph checked = GraphChecker(file.graph, file.info.dimension, file.info.count, source).check();

    HnswConfig effective = config;
    effective.m = checked.layout.m;
    effective.efConstruction = checked.layout.efConstruction;
    auto impl = std::make_unique<Impl>(expectedDimension, effective);
    impl->graph = buildGraph(checked, impl->space, effective);
    return std::unique_ptr<HnswIndex>(new HnswIndex(expectedDimension, std::move(impl)));
}

// --- tuning and upkeep ---

HnswConfig HnswIndex::config() const {
    std::shared_lock lock(mutex());
    return m_impl->config;
}

void HnswIndex::setEfSearch(std::size_t efSearch) {
    HnswConfig changed = m_impl->config;
    changed.efSearch = efSearch;
    checkConfig(changed);
    std::unique_lock lock(mutex());
    m_impl->config.efSearch = efSearch;
    m_impl->graph->setEf(efSearch);
}

std::size_t HnswIndex::capacity() const {
    std::shared_lock lock(mutex());
    return m_impl->graph->max_elements_;
}

std::size_t HnswIndex::removedSlotCount() const {
    std::shared_lock lock(mutex());
    return m_impl->graph->num_deleted_;
}

void HnswIndex::compact(const ProgressCallback& progress, const CancelToken* cancel) {
    constexpr std::size_t kReportEvery = 256;
    std::unique_lock lock(mutex());
    const Graph& old = *m_impl->graph;
    const std::size_t total = sizeLocked();
    auto fresh = newGraph(m_impl->space, std::max(total, m_impl->config.initialCapacity), m_impl->config);
    std::size_t done = 0;
    for (std::size_t i = 0; i < old.cur_element_count; ++i) {
        const auto internalId = static_cast<hnswlib::tableint>(i);
        if (old.isMarkedDeleted(internalId))
            continue;
        fresh->addPoint(old.getDataByInternalId(internalId), old.getExternalLabel(internalId));
        if (++done % kReportEvery == 0 || done == total) {
            if (cancel && cancel->isCancelled())
                throw Cancelled();
            if (progress)
                progress({static_cast<std::int64_t>(done), static_cast<std::int64_t>(total), {}});
        }
    }
    m_impl->graph = std::move(fresh);
}

// --- SimilarityIndex, called with the lock held ---

std::size_t HnswIndex::sizeLocked() const {
    return m_impl->graph->cur_element_count - m_impl->graph->num_deleted_;
}

bool HnswIndex::containsLocked(ItemId id) const {
    const Graph& graph = *m_impl->graph;
    auto found = graph.label_lookup_.find(toLabel(id));
    return found != graph.label_lookup_.end() && !graph.isMarkedDeleted(found->second);
}

void HnswIndex::reserveLocked(std::span<const ItemId> ids) {
    // Every add takes a new slot, a replacement too (see addLocked).
    growGraph(*m_impl->graph, ids.size());
}

void HnswIndex::addLocked(ItemId id, std::span<const float> unitVector) {
    Graph& graph = *m_impl->graph;
    growGraph(graph, 1);  // reserveLocked() made room already; this guards a caller that did not
    // An id that is present (or was removed) gets a fresh node, and its old one is retired like a
    // removed vector. hnswlib would instead update the old node in place, a path that passes a
    // null pointer to memcpy when a neighbour has no links (undefined behaviour) and relinks the
    // whole neighbourhood anyway.
    if (auto found = graph.label_lookup_.find(toLabel(id)); found != graph.label_lookup_.end()) {
        if (!graph.isMarkedDeleted(found->second))
            graph.markDeletedInternal(found->second);
        graph.label_lookup_.erase(found);
    }
    graph.addPoint(unitVector.data(), toLabel(id));
}

bool HnswIndex::removeLocked(ItemId id) {
    Graph& graph = *m_impl->graph;
    auto found = graph.label_lookup_.find(toLabel(id));
    if (found == graph.label_lookup_.end() || graph.isMarkedDeleted(found->second))
        return false;
    graph.markDeletedInternal(found->second);
    return true;
}

std::vector<Match> HnswIndex::searchLocked(std::span<const float> unitQuery, std::size_t k, float minSimilarity,
                                           std::span<const ItemId> sortedExcluded) const {
    const Graph& graph = *m_impl->graph;
    const std::size_t present = sizeLocked();
    // hnswlib 0.6.2 cannot filter during the walk, so ask for enough extra neighbours to cover
    // every excluded id that could take a place among them.
    std::size_t excludedPresent = 0;
    for (ItemId id : sortedExcluded)
        excludedPresent += containsLocked(id) ? 1 : 0;
    const std::size_t wanted = std::min(present, std::min(k, present) + excludedPresent);
    if (wanted == 0)
        return {};

    auto nearest = graph.searchKnn(unitQuery.data(), wanted);
    std::vector<Match> matches;
    matches.reserve(nearest.size());
    for (; !nearest.empty(); nearest.pop()) {
        const hnswlib::labeltype label = nearest.top().second;
        if (isExcluded(sortedExcluded, toItemId(label)))
            continue;
        // Rescored rather than taken as 1 - distance, since 1 - (1 - s) need not round back to
        // s: both indexes then report the same similarity to the bit.
        const float* stored = reinterpret_cast<const float*>(graph.getDataByInternalId(graph.label_lookup_.at(label)));
        const float similarity = innerProduct(unitQuery.data(), stored, dimension());
        if (similarity >= minSimilarity)
            matches.push_back({toItemId(label), similarity});
    }
    rankMatches(matches, k);
    return matches;
}

}  // namespace lookalike::search
