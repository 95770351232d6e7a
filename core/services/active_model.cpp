#include "core/services/active_model.h"

#include "core/imaging/thumbnail.h"
#include "core/search/brute_force_index.h"
#include "core/search/hnsw_index.h"
#include "core/search/index_file.h"
#include "core/search/vector_math.h"
#include "core/services/library_models.h"
#include "core/services/phase_progress.h"
#include "core/util/errors.h"
#include "core/util/scope_exit.h"
#include "core/util/unix_time.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>

namespace lookalike::services {

namespace fs = std::filesystem;
using catalog::ModelRecord;
using catalog::ModelState;

namespace {

constexpr std::size_t kEmbedChunk = 256;  // items decoded and embedded per transaction

// The name an index file carries, so that a file from another model, or from a catalog that
// was recreated and reused the id, is never taken for this one.
std::string modelKey(const ModelRecord& model) {
    return "lookalike-model-" + std::to_string(model.id) + "@" + std::to_string(model.createdAt);
}

std::string checksumText(std::uint64_t checksum) {
    char buffer[17];
    std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(checksum));
    return buffer;
}

}  // namespace

std::vector<SimilarItem> exactTopK(std::span<const float> query, const std::vector<ItemId>& ids,
                                   const std::vector<float>& vectors, std::size_t k,
                                   const std::vector<ItemId>& excluded) {
    const std::size_t dimension = query.size();
    std::vector<SimilarItem> all;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (std::binary_search(excluded.begin(), excluded.end(), ids[i]))
            continue;
        all.push_back({ids[i], search::innerProduct(query.data(), vectors.data() + i * dimension, dimension)});
    }
    auto better = [](const SimilarItem& a, const SimilarItem& b) {
        return a.similarity > b.similarity || (a.similarity == b.similarity && a.item < b.item);
    };
    const std::size_t keep = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(), better);
    all.resize(keep);
    return all;
}

ActiveModel::ActiveModel(catalog::Catalog& catalog, catalog::ModelStore& store, const LibraryOptions& options)
    : m_catalog(catalog), m_store(store), m_options(options) {}

// --- embeddings ---

std::vector<cv::Mat> ActiveModel::loadImages(std::vector<ItemId>& ids, int maxSide) {
    std::vector<cv::Mat> images;
    std::vector<ItemId> kept;
    for (ItemId id : ids) {
        std::optional<catalog::Thumbnail> thumbnail = m_catalog.thumbnail(id);
        cv::Mat image = thumbnail ? imaging::decodeThumbnail(thumbnail->jpeg) : cv::Mat();
        if (image.empty()) {
            m_unreadable.insert(id);
            continue;
        }
        if (maxSide > 0 && std::max(image.cols, image.rows) > maxSide) {
            double scale = static_cast<double>(maxSide) / std::max(image.cols, image.rows);
            cv::Mat smaller;
            cv::resize(image, smaller, cv::Size(), scale, scale, cv::INTER_AREA);
            image = smaller;
        }
        images.push_back(image);
        kept.push_back(id);
    }
    ids = std::move(kept);
    return images;
}

// Embeds every item that has no vector from `model` yet, one committed chunk at a time.
void ActiveModel::embedMissing(const ModelRecord& model, training::EmbeddingModel& embedder,
                               const ProgressCallback& progress, const CancelToken* cancel) {
    if (!m_options.embedOnDemand)
        return;
    std::vector<ItemId> missing = m_store.itemsWithoutEmbedding(model.id);
    std::erase_if(missing, [&](ItemId id) { return m_unreadable.contains(id); });
    const auto total = static_cast<std::int64_t>(missing.size());
    const std::size_t dimension = embedder.dimension();
    // The chunks share the embedder's batch buffers; a serving model does not keep them after.
    const ScopeExit releaseWorkspace{[&embedder] { embedder.releaseWorkspace(); }};
    for (std::size_t first = 0; first < missing.size(); first += kEmbedChunk) {
        checkCancel(cancel);
        std::vector<ItemId> ids(missing.begin() + static_cast<std::ptrdiff_t>(first),
                                missing.begin() + static_cast<std::ptrdiff_t>(std::min(missing.size(), first + kEmbedChunk)));
        std::vector<cv::Mat> images = loadImages(ids);
        std::vector<float> vectors(ids.size() * dimension);
        embedder.embed(images, vectors, {}, cancel);
        catalog::Transaction transaction(m_catalog.writer());
        for (std::size_t i = 0; i < ids.size(); ++i)
            m_store.putEmbedding(model.id, ids[i], {vectors.data() + i * dimension, dimension});
        transaction.commit();
        reportPhase(progress, "embedding", static_cast<std::int64_t>(std::min(missing.size(), first + kEmbedChunk)),
                    total);
    }
}

// --- the index ---

fs::path ActiveModel::indexPath(const ModelRecord& model) const {
    return m_catalog.libraryDir() / ("index-" + std::to_string(model.id) + ".lkidx");
}

search::HnswConfig ActiveModel::hnswConfig() const {
    search::HnswConfig config;
    config.efSearch = m_options.efSearch;
    return config;
}

ActiveModel::Serving ActiveModel::buildIndex(const ModelRecord& model, const ProgressCallback& progress,
                                             const CancelToken* cancel) {
    catalog::EmbeddingSet set = m_store.embeddings(model.id);
    Serving built;
    built.model = model;
    built.lastRow = set.lastRow;
    const auto dimension = static_cast<std::size_t>(model.dimension);
    if (set.ids.size() < m_options.bruteForceBelow)
        built.index = std::make_unique<search::BruteForceIndex>(dimension);
    else
        built.index = std::make_unique<search::HnswIndex>(dimension, hnswConfig());
    built.index->addBatch(set.ids, set.vectors, phaseProgress(progress, "indexing"), cancel);
    return built;
}

// Writes an HNSW index file and records it; exact indexes have no file.
void ActiveModel::saveIndex(Serving& serving) {
    auto* hnsw = dynamic_cast<search::HnswIndex*>(serving.index.get());
    if (!m_options.embedOnDemand)
        return;  // the library doing the jobs saves it
    if (!hnsw || m_catalog.libraryDir().empty()) {
        serving.saved = true;
        return;
    }
    const fs::path path = indexPath(serving.model);
    search::IndexFileInfo info;
    try {
        info = hnsw->save(path, modelKey(serving.model));
    } catch (const std::exception&) {  // StorageFullError, FileError
        // A full disk or a read-only folder costs a rebuild at the next start, not the
        // search: the index in memory serves on, and the catalog keeps no stale record.
        m_store.deleteIndexRecord(serving.model.id);
        serving.saved = false;
        m_notices.push_back("The search index could not be saved; it will be rebuilt at the next start.");
        return;
    }
    catalog::IndexRecord record{path.filename().string(), static_cast<std::int64_t>(info.count),
                                static_cast<int>(info.dimension), checksumText(info.checksum), serving.lastRow,
                                unixNow()};
    m_store.putIndexRecord(serving.model.id, record);
    serving.saved = true;
}

// Adds the rows newer than the index; false when the index then disagrees with the catalog
// (items removed behind its back) and must be rebuilt.
bool ActiveModel::catchUp(Serving& serving, const ProgressCallback& progress, const CancelToken* cancel) {
    catalog::EmbeddingSet newer = m_store.embeddings(serving.model.id, serving.lastRow);
    if (!newer.ids.empty()) {
        serving.index->addBatch(newer.ids, newer.vectors, phaseProgress(progress, "indexing"), cancel);
        serving.lastRow = newer.lastRow;
        serving.saved = false;
    }
    return static_cast<std::int64_t>(serving.index->size()) == m_store.embeddingCount(serving.model.id);
}

// Loads the model's recorded index file when it checks out, else builds one.
std::pair<ActiveModel::Serving, IndexLoad> ActiveModel::openIndex(const ModelRecord& model,
                                                                  const ProgressCallback& progress,
                                                                  const CancelToken* cancel) {
    const std::int64_t count = m_store.embeddingCount(model.id);
    if (static_cast<std::size_t>(count) < m_options.bruteForceBelow) {
        Serving built = buildIndex(model, progress, cancel);
        built.saved = true;
        return {std::move(built), IndexLoad::Exact};
    }
    IndexLoad why = IndexLoad::BuiltMissing;
    std::optional<catalog::IndexRecord> record = m_store.indexRecord(model.id);
    if (record && !m_catalog.libraryDir().empty()) {
        const fs::path path = m_catalog.libraryDir() / record->fileName;
        try {
            search::IndexFileInfo info = search::readIndexFileInfo(path);
            if (checksumText(info.checksum) != record->checksum ||
                static_cast<std::int64_t>(info.count) != record->elementCount)
                throw search::IndexError(search::IndexError::Reason::Corrupt,
                                         path.string() + " is not the index the catalog recorded");
            Serving loaded;
            loaded.model = model;
            auto hnsw = search::HnswIndex::load(path, static_cast<std::size_t>(model.dimension), modelKey(model),
                                                hnswConfig());
            hnsw->setEfSearch(m_options.efSearch);  // not stored in the file
            loaded.index = std::move(hnsw);
            loaded.lastRow = record->lastEmbedding;
            loaded.saved = true;
            if (loaded.lastRow == m_store.lastEmbeddingRow(model.id) &&
                static_cast<std::int64_t>(loaded.index->size()) == count)
                return {std::move(loaded), IndexLoad::Loaded};
            if (catchUp(loaded, progress, cancel)) {
                saveIndex(loaded);
                return {std::move(loaded), IndexLoad::BuiltStale};
            }
            why = IndexLoad::BuiltStale;
        } catch (const search::IndexError& error) {
            why = error.reason() == search::IndexError::Reason::Missing ? IndexLoad::BuiltMissing
                                                                         : IndexLoad::BuiltCorrupt;
        }
    } else if (!record) {
        why = IndexLoad::BuiltNew;
    }
    Serving built = buildIndex(model, progress, cancel);
    saveIndex(built);
    return {std::move(built), why};
}

// --- serving ---

std::pair<ActiveModel::Serving, IndexLoad> ActiveModel::prepare(const ModelRecord& model,
                                                                const ProgressCallback& progress,
                                                                const CancelToken* cancel) {
    std::unique_ptr<training::EmbeddingModel> embedder = makeEmbedder(m_store, model, m_options.threads);
    embedMissing(model, *embedder, progress, cancel);
    auto prepared = openIndex(model, progress, cancel);
    prepared.first.embedder = std::move(embedder);
    return prepared;
}

void ActiveModel::serve(Serving prepared) {
    m_serving = std::move(prepared);
}

IndexLoad ActiveModel::refresh(const ProgressCallback& progress, const CancelToken* cancel) {
    ModelRecord active = activeOrFirstModels(m_catalog, m_store, m_options.pretrainedModel, m_notices);
    if (m_serving && m_serving->model.id == active.id) {
        embedMissing(active, *m_serving->embedder, progress, cancel);
        if (catchUp(*m_serving, progress, cancel)) {
            if (!m_serving->saved)
                saveIndex(*m_serving);
            return IndexLoad::Loaded;
        }
    }
    auto [prepared, why] = prepare(active, progress, cancel);
    m_serving = std::move(prepared);
    return why;
}

ActiveModel::Serving& ActiveModel::ready() {
    // A serving-only library catches up with what the job library stored on every query
    // (one indexed read when nothing changed).
    if (!m_serving || !m_options.embedOnDemand)
        refresh({}, nullptr);
    return *m_serving;
}

void ActiveModel::use(ModelId id, const ProgressCallback& progress, const CancelToken* cancel) {
    ModelRecord model = requireModel(m_store, id);
    if (model.state != ModelState::Ready)
        throw LibraryError("Model " + std::to_string(id) + " cannot be used: it is " +
                           std::string(catalog::modelStateName(model.state)) + ".");
    auto [prepared, why] = prepare(model, progress, cancel);
    (void)why;
    m_store.setActiveModel(id);
    m_serving = std::move(prepared);
}

std::vector<SimilarItem> ActiveModel::search(std::span<const float> query, std::size_t k,
                                             const SimilarFilter& filter, std::vector<ItemId> excluded) {
    Serving& active = ready();
    std::sort(excluded.begin(), excluded.end());
    excluded.erase(std::unique(excluded.begin(), excluded.end()), excluded.end());
    if (filter.scope == SimilarFilter::Scope::Group || filter.scope == SimilarFilter::Scope::Folder) {
        std::vector<ItemId> allowed;
        if (filter.scope == SimilarFilter::Scope::Group) {
            if (!m_catalog.group(filter.group))
                throw LibraryError("There is no group " + std::to_string(filter.group) + ".");
            allowed = m_catalog.groupMembers(filter.group);
        } else {
            allowed = m_catalog.itemsInFolder(filter.folder);
        }
        std::vector<ItemId> ids;
        std::vector<float> vectors;
        for (ItemId id : allowed)
            if (std::optional<std::vector<float>> vector = m_store.embedding(active.model.id, id)) {
                ids.push_back(id);
                vectors.insert(vectors.end(), vector->begin(), vector->end());
            }
        return exactTopK(query, ids, vectors, k, excluded);
    }
    if (filter.scope == SimilarFilter::Scope::Ungrouped) {
        for (const catalog::Group& group : m_catalog.groups())
            for (ItemId member : m_catalog.groupMembers(group.id))
                excluded.push_back(member);
        std::sort(excluded.begin(), excluded.end());
        excluded.erase(std::unique(excluded.begin(), excluded.end()), excluded.end());
    }
    search::SearchFilter searchFilter;
    searchFilter.excluded = excluded;
    std::vector<SimilarItem> results;
    for (const search::Match& match : active.index->search(query, k, searchFilter))
        results.push_back({match.id, match.similarity});
    return results;
}

std::vector<float> ActiveModel::requireEmbedding(ItemId item) {
    if (!m_catalog.item(item))
        throw LibraryError("There is no item " + std::to_string(item) + " in this library.");
    Serving& active = ready();
    std::optional<std::vector<float>> vector = m_store.embedding(active.model.id, item);
    if (!vector) {
        refresh({}, nullptr);
        vector = m_store.embedding(m_serving->model.id, item);
    }
    if (!vector && !m_options.embedOnDemand)
        throw LibraryError("Item " + std::to_string(item) + " is not indexed yet.");
    if (!vector)
        throw LibraryError("Item " + std::to_string(item) + " has no usable thumbnail to compare.");
    return *vector;
}

void ActiveModel::forget(ItemId item) {
    if (m_serving && m_serving->index->remove(item))
        m_serving->saved = false;
}

std::vector<std::string> ActiveModel::takeNotices() {
    return std::exchange(m_notices, {});
}

}  // namespace lookalike::services
