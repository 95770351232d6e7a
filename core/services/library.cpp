#include "core/services/library.h"

#include "core/catalog/library_lock.h"
#include "core/imaging/decoder.h"
#include "core/imaging/sha256.h"
#include "core/imaging/thumbnail.h"
#include "core/metric/mixed_batch_sampler.h"
#include "core/metric/retrieval_metrics.h"
#include "core/nn/checkpoint.h"
#include "core/search/brute_force_index.h"
#include "core/search/hnsw_index.h"
#include "core/search/vector_math.h"
#include "core/training/embedding_model.h"
#include "core/training/trainer.h"
#include "core/training/whitening.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"
#include "core/util/install_paths.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <cstdlib>

namespace lookalike::services {

namespace fs = std::filesystem;
using catalog::ModelKind;
using catalog::ModelRecord;
using catalog::ModelState;

namespace {

constexpr std::size_t kEmbedChunk = 256;       // items decoded and embedded per transaction
constexpr std::size_t kMaxTrainingInstances = 20000;
constexpr double kTrainingViewsTarget = 40000; // views seen by a default run
constexpr int kProjectionDimension = 128;      // output of the descriptors' learned projection
// Partial whitening: 0.5 (full) helped icons as much but cost product photos a third of their
// MAP@R; 0.15 helps both (tests/bench/quality).
constexpr float kWhiteningPower = 0.15f;
constexpr float kCuratedDescriptorWeight = 0.85f;  // trained share with curated groups
// Within-group whitening of the curated groups (training::refineWithGroups).
constexpr float kGroupScatterRegularisation = 0.3f;
constexpr float kGroupWhiteningPower = 0.5f;

std::int64_t unixNow() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// "key=value" lines, as models store their recipe and metrics.
using KeyValues = std::map<std::string, std::string>;

KeyValues parseKeyValues(const std::string& text) {
    KeyValues values;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        auto equals = line.find('=');
        if (equals != std::string::npos)
            values[line.substr(0, equals)] = line.substr(equals + 1);
    }
    return values;
}

std::string formatKeyValues(const KeyValues& values) {
    std::string text;
    for (const auto& [key, value] : values)
        text += key + "=" + value + "\n";
    return text;
}

std::string formatNumber(double value) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4f", value);
    return buffer;
}

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

void report(const ProgressCallback& progress, const std::string& phase, std::int64_t done, std::int64_t total) {
    if (!progress)
        return;
    Progress status;
    status.done = done;
    status.total = total;
    status.current = phase;
    progress(status);
}

ProgressCallback phaseProgress(const ProgressCallback& progress, const std::string& phase) {
    if (!progress)
        return {};
    return [progress, phase](const Progress& status) {
        Progress named = status;
        named.current = phase;
        progress(named);
    };
}

void checkCancel(const CancelToken* cancel) {
    if (cancel && cancel->isCancelled())
        throw Cancelled();
}

// Exact top k over a few vectors: ids [N], vectors [N, D], unit rows.
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

// A network model's weights as the catalog keeps them: the network's checkpoint, then the
// checkpoint of its descriptor projection when it has one (nn::splitTensorFiles).
struct StoredNetwork {
    std::shared_ptr<nn::Network> network;
    std::shared_ptr<nn::LinearEmbedding> projection;
};

StoredNetwork readStoredNetwork(std::span<const std::uint8_t> weights) {
    const std::vector<std::span<const std::byte>> parts = nn::splitTensorFiles(std::as_bytes(weights));
    if (parts.size() > 2)
        throw nn::CheckpointError(nn::CheckpointError::Reason::TensorMismatch,
                                  "checkpoint: a model holds a network and at most a projection, this one " +
                                      std::to_string(parts.size()) + " parts");
    StoredNetwork stored;
    stored.network = std::make_shared<nn::Network>(nn::deserializeCheckpoint(parts[0]));
    if (parts.size() == 2)
        stored.projection = std::make_shared<nn::LinearEmbedding>(nn::LinearEmbedding::deserialize(parts[1]));
    return stored;
}

std::vector<std::uint8_t> storedNetworkBytes(nn::Network& network, const nn::LinearEmbedding* projection) {
    std::vector<std::byte> bytes = nn::serializeCheckpoint(network);
    if (projection) {
        const std::vector<std::byte> tail = projection->serialize();
        bytes.insert(bytes.end(), tail.begin(), tail.end());
    }
    const auto* begin = reinterpret_cast<const std::uint8_t*>(bytes.data());
    return {begin, begin + bytes.size()};
}

}  // namespace

struct Library::Impl {
    Impl(catalog::Catalog opened, const LibraryOptions& libraryOptions)
        : catalog(std::move(opened)), store(catalog), options(libraryOptions) {}

    catalog::Catalog catalog;
    catalog::ModelStore store;
    LibraryOptions options;

    // What similar() serves from: the active model, its embedding function and its index.
    struct Serving {
        ModelRecord model;
        std::unique_ptr<training::EmbeddingModel> embedder;
        std::unique_ptr<search::SimilarityIndex> index;
        std::int64_t lastRow = 0;  // newest embedding row in the index
        bool saved = false;        // the index file matches the in-memory index
    };
    std::optional<Serving> serving;
    std::unordered_set<ItemId> unreadable;  // thumbnails that failed to decode this session
    std::vector<std::string> notices;

    // --- models ---

    std::unique_ptr<training::EmbeddingModel> makeEmbedder(const ModelRecord& model) {
        if (model.kind == ModelKind::Descriptors)
            return std::make_unique<training::DescriptorModel>();
        StoredNetwork stored = readStoredNetwork(store.weights(model.id));
        KeyValues recipe = parseKeyValues(model.recipe);
        training::NetworkModelOptions embedOptions;
        embedOptions.threads = options.threads;
        embedOptions.projection = stored.projection;
        if (auto found = recipe.find("descriptor_weight"); found != recipe.end())
            embedOptions.descriptorWeight = std::stof(found->second);
        if (auto found = recipe.find("mirror_average"); found != recipe.end())
            embedOptions.averageWithMirror = found->second == "1";
        auto embedder = std::make_unique<training::NetworkModel>(std::move(stored.network), embedOptions);
        if (embedder->dimension() != static_cast<std::size_t>(model.dimension))
            throw LibraryError("model " + std::to_string(model.id) + " makes vectors of " +
                               std::to_string(embedder->dimension()) + " values, the catalog says " +
                               std::to_string(model.dimension));
        return embedder;
    }

    ModelRecord requireModel(ModelId id) {
        std::optional<ModelRecord> model = store.model(id);
        if (!model)
            throw LibraryError("There is no model " + std::to_string(id) + ".");
        return *model;
    }

    // A fresh library's first models: the descriptors, then the shipped network if usable.
    ModelRecord activeOrDescriptors() {
        if (std::optional<ModelId> active = store.activeModel())
            return requireModel(*active);
        training::DescriptorModel descriptors;
        catalog::Transaction transaction(catalog.writer());
        ModelId id = store.createModel(ModelKind::Descriptors, std::nullopt, static_cast<int>(descriptors.dimension()),
                                       "embedder=hog-colour\n", {}, unixNow());
        store.setState(id, ModelState::Ready);
        store.setActiveModel(id);
        if (!options.pretrainedModel.empty()) {
            try {
                std::vector<std::uint8_t> weights = readFileBytes(options.pretrainedModel, 1ull << 30);
                StoredNetwork stored = readStoredNetwork(weights);
                training::NetworkModelOptions embedOptions;
                embedOptions.projection = stored.projection;
                training::NetworkModel probe(stored.network, embedOptions);
                KeyValues recipe{{"embedder", stored.projection ? "network+projected-hog-colour" : "network+hog-colour"},
                                 {"architecture", stored.network->config().toString()},
                                 {"descriptor_weight", formatNumber(embedOptions.descriptorWeight)},
                                 {"mirror_average", "1"},
                                 {"start", "shipped pretrained model " + options.pretrainedModel.filename().string()},
                                 {"weights_sha256", imaging::toHex(imaging::Sha256::of(weights))}};
                ModelId pretrained = store.createModel(ModelKind::Network, id, static_cast<int>(probe.dimension()),
                                                       formatKeyValues(recipe), weights, unixNow());
                store.setState(pretrained, ModelState::Ready);
                store.setActiveModel(pretrained);
                id = pretrained;
            } catch (const std::exception& error) {
                notices.push_back("The pretrained model " + displayPath(options.pretrainedModel) +
                                  " cannot be used (" + error.what() + "); the descriptors serve until the first training.");
            }
        }
        transaction.commit();
        return requireModel(id);
    }

    // --- embeddings ---

    // Thumbnails of `ids` decoded; ids whose thumbnail is unusable are dropped from `ids`.
    std::vector<cv::Mat> loadImages(std::vector<ItemId>& ids, int maxSide = 0) {
        std::vector<cv::Mat> images;
        std::vector<ItemId> kept;
        for (ItemId id : ids) {
            std::optional<catalog::Thumbnail> thumbnail = catalog.thumbnail(id);
            cv::Mat image = thumbnail ? imaging::decodeThumbnail(thumbnail->jpeg) : cv::Mat();
            if (image.empty()) {
                unreadable.insert(id);
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
    void embedMissing(const ModelRecord& model, training::EmbeddingModel& embedder, const ProgressCallback& progress,
                      const CancelToken* cancel) {
        if (!options.embedOnDemand)
            return;
        std::vector<ItemId> missing = store.itemsWithoutEmbedding(model.id);
        std::erase_if(missing, [&](ItemId id) { return unreadable.contains(id); });
        const auto total = static_cast<std::int64_t>(missing.size());
        const std::size_t dimension = embedder.dimension();
        for (std::size_t first = 0; first < missing.size(); first += kEmbedChunk) {
            checkCancel(cancel);
            std::vector<ItemId> ids(missing.begin() + static_cast<std::ptrdiff_t>(first),
                                    missing.begin() + static_cast<std::ptrdiff_t>(std::min(missing.size(), first + kEmbedChunk)));
            std::vector<cv::Mat> images = loadImages(ids);
            std::vector<float> vectors(ids.size() * dimension);
            embedder.embed(images, vectors, {}, cancel);
            catalog::Transaction transaction(catalog.writer());
            for (std::size_t i = 0; i < ids.size(); ++i)
                store.putEmbedding(model.id, ids[i], {vectors.data() + i * dimension, dimension});
            transaction.commit();
            report(progress, "embedding", static_cast<std::int64_t>(std::min(missing.size(), first + kEmbedChunk)), total);
        }
    }

    // --- the index ---

    fs::path indexPath(const ModelRecord& model) const {
        return catalog.libraryDir() / ("index-" + std::to_string(model.id) + ".lkidx");
    }

    search::HnswConfig hnswConfig() const {
        search::HnswConfig config;
        config.efSearch = options.efSearch;
        return config;
    }

    Serving buildIndex(const ModelRecord& model, const ProgressCallback& progress, const CancelToken* cancel) {
        catalog::EmbeddingSet set = store.embeddings(model.id);
        Serving built;
        built.model = model;
        built.lastRow = set.lastRow;
        const auto dimension = static_cast<std::size_t>(model.dimension);
        if (set.ids.size() < options.bruteForceBelow)
            built.index = std::make_unique<search::BruteForceIndex>(dimension);
        else
            built.index = std::make_unique<search::HnswIndex>(dimension, hnswConfig());
        built.index->addBatch(set.ids, set.vectors, phaseProgress(progress, "indexing"), cancel);
        return built;
    }

    // Writes an HNSW index file and records it; exact indexes have no file.
    void saveIndex(Serving& serving) {
        auto* hnsw = dynamic_cast<search::HnswIndex*>(serving.index.get());
        if (!options.embedOnDemand)
            return;  // the library doing the jobs saves it
        if (!hnsw || catalog.libraryDir().empty()) {
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
            store.deleteIndexRecord(serving.model.id);
            serving.saved = false;
            notices.push_back("The search index could not be saved; it will be rebuilt at the next start.");
            return;
        }
        catalog::IndexRecord record{path.filename().string(), static_cast<std::int64_t>(info.count),
                                    static_cast<int>(info.dimension), checksumText(info.checksum), serving.lastRow,
                                    unixNow()};
        store.putIndexRecord(serving.model.id, record);
        serving.saved = true;
    }

    // Adds the rows newer than the index; false when the index then disagrees with the catalog
    // (items removed behind its back) and must be rebuilt.
    bool catchUp(Serving& serving, const ProgressCallback& progress, const CancelToken* cancel) {
        catalog::EmbeddingSet newer = store.embeddings(serving.model.id, serving.lastRow);
        if (!newer.ids.empty()) {
            serving.index->addBatch(newer.ids, newer.vectors, phaseProgress(progress, "indexing"), cancel);
            serving.lastRow = newer.lastRow;
            serving.saved = false;
        }
        return static_cast<std::int64_t>(serving.index->size()) == store.embeddingCount(serving.model.id);
    }

    // Loads the model's recorded index file when it checks out, else builds one.
    std::pair<Serving, IndexLoad> openIndex(const ModelRecord& model, const ProgressCallback& progress,
                                            const CancelToken* cancel) {
        const std::int64_t count = store.embeddingCount(model.id);
        if (static_cast<std::size_t>(count) < options.bruteForceBelow) {
            Serving built = buildIndex(model, progress, cancel);
            built.saved = true;
            return {std::move(built), IndexLoad::Exact};
        }
        IndexLoad why = IndexLoad::BuiltMissing;
        std::optional<catalog::IndexRecord> record = store.indexRecord(model.id);
        if (record && !catalog.libraryDir().empty()) {
            const fs::path path = catalog.libraryDir() / record->fileName;
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
                hnsw->setEfSearch(options.efSearch);  // not stored in the file
                loaded.index = std::move(hnsw);
                loaded.lastRow = record->lastEmbedding;
                loaded.saved = true;
                if (loaded.lastRow == store.lastEmbeddingRow(model.id) && static_cast<std::int64_t>(loaded.index->size()) == count)
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

    // Everything a model needs to serve: its embeddings complete and an index over them.
    std::pair<Serving, IndexLoad> prepare(const ModelRecord& model, const ProgressCallback& progress,
                                          const CancelToken* cancel) {
        std::unique_ptr<training::EmbeddingModel> embedder = makeEmbedder(model);
        embedMissing(model, *embedder, progress, cancel);
        auto prepared = openIndex(model, progress, cancel);
        prepared.first.embedder = std::move(embedder);
        return prepared;
    }

    IndexLoad refresh(const ProgressCallback& progress, const CancelToken* cancel) {
        ModelRecord active = activeOrDescriptors();
        if (serving && serving->model.id == active.id) {
            embedMissing(active, *serving->embedder, progress, cancel);
            if (catchUp(*serving, progress, cancel)) {
                if (!serving->saved)
                    saveIndex(*serving);
                return IndexLoad::Loaded;
            }
        }
        auto [prepared, why] = prepare(active, progress, cancel);
        serving = std::move(prepared);
        return why;
    }

    Serving& ready() {
        // A serving-only library catches up with what the job library stored on every query
        // (one indexed read when nothing changed).
        if (!serving || !options.embedOnDemand)
            refresh({}, nullptr);
        return *serving;
    }

    std::vector<SimilarItem> search(std::span<const float> query, std::size_t k, const SimilarFilter& filter,
                                    std::vector<ItemId> excluded) {
        Serving& active = ready();
        std::sort(excluded.begin(), excluded.end());
        excluded.erase(std::unique(excluded.begin(), excluded.end()), excluded.end());
        if (filter.scope == SimilarFilter::Scope::Group || filter.scope == SimilarFilter::Scope::Folder) {
            std::vector<ItemId> allowed;
            if (filter.scope == SimilarFilter::Scope::Group) {
                if (!catalog.group(filter.group))
                    throw LibraryError("There is no group " + std::to_string(filter.group) + ".");
                allowed = catalog.groupMembers(filter.group);
            } else {
                allowed = catalog.itemsInFolder(filter.folder);
            }
            std::vector<ItemId> ids;
            std::vector<float> vectors;
            for (ItemId id : allowed)
                if (std::optional<std::vector<float>> vector = store.embedding(active.model.id, id)) {
                    ids.push_back(id);
                    vectors.insert(vectors.end(), vector->begin(), vector->end());
                }
            return exactTopK(query, ids, vectors, k, excluded);
        }
        if (filter.scope == SimilarFilter::Scope::Ungrouped) {
            for (const catalog::Group& group : catalog.groups())
                for (ItemId member : catalog.groupMembers(group.id))
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

    std::vector<float> requireEmbedding(ItemId item) {
        if (!catalog.item(item))
            throw LibraryError("There is no item " + std::to_string(item) + " in this library.");
        Serving& active = ready();
        std::optional<std::vector<float>> vector = store.embedding(active.model.id, item);
        if (!vector) {
            refresh({}, nullptr);
            vector = store.embedding(serving->model.id, item);
        }
        if (!vector && !options.embedOnDemand)
            throw LibraryError("Item " + std::to_string(item) + " is not indexed yet.");
        if (!vector)
            throw LibraryError("Item " + std::to_string(item) + " has no usable thumbnail to compare.");
        return *vector;
    }

    float chooseDescriptorWeight(training::NetworkModel& model, std::vector<ItemId> items,
                                 const std::vector<std::int64_t>& labelsOfItems, float trained, const CancelToken* cancel);

    RetrievalScore score(const ModelRecord& model, const std::vector<ItemId>& items,
                         const std::vector<std::int64_t>& labels) {
        RetrievalScore result;
        std::vector<float> vectors;
        std::vector<std::int64_t> kept;
        for (std::size_t i = 0; i < items.size(); ++i)
            if (std::optional<std::vector<float>> vector = store.embedding(model.id, items[i])) {
                vectors.insert(vectors.end(), vector->begin(), vector->end());
                kept.push_back(labels[i]);
            }
        if (kept.size() < 2)
            return result;
        metric::RetrievalConfig config;
        config.recallAtK = {1};
        metric::EmbeddingsView view{vectors, kept.size(), static_cast<std::size_t>(model.dimension)};
        metric::RetrievalMetrics metrics = metric::evaluateRetrieval(view, kept, config);
        result.items = static_cast<std::int64_t>(kept.size());
        result.groups = static_cast<std::int64_t>(std::set<std::int64_t>(kept.begin(), kept.end()).size());
        result.recallAt1 = metrics.recallAtK.front().recall;
        result.mapAtR = metrics.mapAtR;
        return result;
    }
};

namespace {

// The fusion weight in kFusionCandidates (plus the trained one) that gives the best held-out
// Recall@1 (then MAP@R); `trained` when nothing beats it. 1: the projected descriptors alone.
constexpr float kFusionCandidates[] = {0.3f, 0.5f, 0.7f, 0.85f, 0.95f, 1.0f};

}  // namespace

float Library::Impl::chooseDescriptorWeight(training::NetworkModel& model, std::vector<ItemId> items,
                                            const std::vector<std::int64_t>& labelsOfItems, float trained,
                                            const CancelToken* cancel) {
    Impl& impl = *this;
    std::unordered_map<ItemId, std::int64_t> labelOf;
    for (std::size_t i = 0; i < items.size(); ++i)
        labelOf[items[i]] = labelsOfItems[i];
    std::vector<cv::Mat> images = impl.loadImages(items);
    std::vector<std::int64_t> labels;
    for (ItemId id : items)
        labels.push_back(labelOf[id]);
    if (images.size() < 2)
        return trained;
    std::vector<float> network, branch;
    model.embedParts(images, network, branch, false, {}, cancel);
    float best = trained;
    std::pair<double, double> bestScore{-1.0, -1.0};
    std::vector<float> candidates(std::begin(kFusionCandidates), std::end(kFusionCandidates));
    candidates.insert(candidates.begin(), trained);
    for (float weight : candidates) {
        const std::vector<float> fused = training::fuseParts(network, model.networkDimension(), branch,
                                                             model.branchDimension(), images.size(), weight);
        metric::RetrievalConfig config;
        config.recallAtK = {1};
        metric::RetrievalMetrics metrics =
            metric::evaluateRetrieval({fused, images.size(), fused.size() / images.size()}, labels, config);
        std::pair<double, double> score{metrics.recallAtK.front().recall, metrics.mapAtR};
        if (score > bestScore) {
            bestScore = score;
            best = weight;
        }
    }
    return best;
}

Library::Library(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Library::~Library() = default;

std::unique_ptr<Library> Library::open(const fs::path& libraryDir, const LibraryOptions& options) {
    auto impl = std::make_unique<Impl>(catalog::Catalog::open(libraryDir), options);
    // A model left "building" is a crashed training run, unless another process holds the
    // library's lock: then it may be training right now, and clearing its model would delete
    // the embeddings it is writing. (A build starts only after its training, seconds after its
    // process took the lock, so the check cannot race with a build that is just starting.)
    if (!catalog::LibraryLock::heldByAnotherProcess(libraryDir))
        impl->store.failInterruptedBuilds();
    // Index files a killed process was writing (a 100,000-item index is ~75 MB each time).
    removeAbandonedTemporaryFiles(libraryDir);
    return std::unique_ptr<Library>(new Library(std::move(impl)));
}

catalog::Catalog& Library::catalog() {
    return m_impl->catalog;
}

catalog::ModelStore& Library::models() {
    return m_impl->store;
}

IndexLoad Library::refresh(const ProgressCallback& progress, const CancelToken* cancel) {
    return m_impl->refresh(progress, cancel);
}

std::vector<SimilarItem> Library::similar(ItemId item, std::size_t k, const SimilarFilter& filter) {
    std::vector<float> query = m_impl->requireEmbedding(item);
    std::vector<ItemId> excluded = m_impl->catalog.notSimilarTo(item);
    excluded.push_back(item);
    return m_impl->search(query, k, filter, std::move(excluded));
}

std::vector<SimilarItem> Library::similar(const fs::path& photo, std::size_t k, const SimilarFilter& filter) {
    std::vector<std::uint8_t> bytes = readFileBytes(photo, 256ull << 20);
    imaging::DecodedImage decoded;
    try {
        decoded = imaging::decodeImage(bytes);
    } catch (const std::exception& error) {
        throw FileError(displayPath(photo) + ": " + error.what());
    }
    // Exactly what an import stores and embeds: the 256 px JPEG thumbnail, decoded.
    imaging::EncodedThumbnail thumbnail = imaging::makeThumbnail(decoded.bgr);
    std::vector<cv::Mat> images{imaging::decodeThumbnail(thumbnail.jpeg)};
    Impl::Serving& active = m_impl->ready();
    std::vector<float> query(active.embedder->dimension());
    active.embedder->embed(images, query);
    std::vector<ItemId> excluded;
    catalog::ContentHash hash = imaging::Sha256::of(bytes);
    if (std::optional<ItemId> same = m_impl->catalog.findItemByHash(hash))
        excluded.push_back(*same);
    return m_impl->search(query, k, filter, std::move(excluded));
}

std::vector<SimilarItem> Library::similarUnder(ModelId model, ItemId item, std::size_t k) {
    ModelRecord record = m_impl->requireModel(model);
    std::optional<std::vector<float>> query = m_impl->store.embedding(record.id, item);
    if (!query)
        throw LibraryError("Model " + std::to_string(model) + " has no vector for item " + std::to_string(item) + ".");
    catalog::EmbeddingSet set = m_impl->store.embeddings(record.id);
    std::vector<ItemId> excluded = m_impl->catalog.notSimilarTo(item);
    excluded.push_back(item);
    std::sort(excluded.begin(), excluded.end());
    return exactTopK(*query, set.ids, set.vectors, k, excluded);
}

std::vector<std::string> Library::takeNotices() {
    return std::exchange(m_impl->notices, {});
}

fs::path defaultPretrainedModel() {
    if (const char* chosen = std::getenv("LOOKALIKE_PRETRAINED"))
        return chosen;
    const fs::path file = fs::path("models") / "emoji-pretrained.lkckpt";
    std::vector<fs::path> candidates;
    if (fs::path installed = installedDataDir(); !installed.empty())
        candidates.push_back(installed / file);
    candidates.push_back(sourceResourcesDir() / file);
    for (const fs::path& candidate : candidates) {
        std::error_code error;
        if (fs::is_regular_file(candidate, error))
            return candidate;
    }
    return {};
}

std::optional<ModelId> Library::activeModel() {
    return m_impl->store.activeModel();
}

std::optional<std::vector<float>> Library::embedding(ItemId item) {
    Impl::Serving& active = m_impl->ready();
    return m_impl->store.embedding(active.model.id, item);
}

RetrievalScore Library::score(const std::vector<ItemId>& items, const std::vector<std::int64_t>& labels) {
    if (items.size() != labels.size())
        throw std::invalid_argument("score: every item needs a label");
    Impl::Serving& active = m_impl->ready();
    return m_impl->score(active.model, items, labels);
}

bool Library::removeItem(ItemId item) {
    if (!m_impl->catalog.removeItem(item))
        return false;
    if (m_impl->serving && m_impl->serving->index->remove(item))
        m_impl->serving->saved = false;
    return true;
}

void Library::useModel(ModelId id, const ProgressCallback& progress, const CancelToken* cancel) {
    ModelRecord model = m_impl->requireModel(id);
    if (model.state != ModelState::Ready)
        throw LibraryError("Model " + std::to_string(id) + " cannot be used: it is " +
                           std::string(catalog::modelStateName(model.state)) + ".");
    auto [prepared, why] = m_impl->prepare(model, progress, cancel);
    (void)why;
    m_impl->store.setActiveModel(id);
    m_impl->serving = std::move(prepared);
}

LibraryTrainingReport Library::train(const LibraryTrainingOptions& options, const ProgressCallback& progress,
                                     const CancelToken* cancel) {
    Impl& impl = *m_impl;
    catalog::Catalog& catalog = impl.catalog;
    LibraryTrainingReport result;
    report(progress, "preparing", 0, 0);
    impl.refresh(phaseProgress(progress, "preparing"), cancel);
    const ModelRecord previous = impl.serving->model;
    result.previous = previous.id;

    // Which groups teach and which are held out to validate.
    std::vector<catalog::Group> curated;
    for (const catalog::Group& group : catalog.groups())
        if (group.itemCount >= 2)
            curated.push_back(group);
    std::sort(curated.begin(), curated.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    std::mt19937_64 random(options.seed);
    for (std::size_t i = curated.size(); i > 1; --i)
        std::swap(curated[i - 1], curated[random() % i]);
    // Recall needs at least 2 held-out groups to mean anything; with fewer curated groups than
    // that fraction allows, all of them teach and the report has no validation.
    std::size_t heldOutCount = static_cast<std::size_t>(std::lround(options.heldOutFraction * static_cast<double>(curated.size())));
    if (heldOutCount < 2)
        heldOutCount = 0;
    std::vector<ItemId> heldOutItems;
    std::vector<std::int64_t> heldOutLabels;
    std::unordered_map<ItemId, std::int64_t> labelOf;  // curated training items -> group id
    for (std::size_t g = 0; g < curated.size(); ++g)
        for (ItemId member : catalog.groupMembers(curated[g].id)) {
            if (g < heldOutCount) {
                heldOutItems.push_back(member);
                heldOutLabels.push_back(curated[g].id);
            } else {
                labelOf[member] = curated[g].id;
            }
        }
    result.curatedGroups = static_cast<std::int64_t>(curated.size() - heldOutCount);
    if (heldOutCount > 0)
        result.before = impl.score(previous, heldOutItems, heldOutLabels);

    // The training set: curated items under their group, the others each their own label
    // (negative ids cannot clash with group ids); at most kMaxTrainingInstances of the latter.
    std::vector<ItemId> instances;
    std::vector<ItemId> items;
    // Held-out photos stay out of training altogether, so that their score is a fair check.
    const std::unordered_set<ItemId> heldOut(heldOutItems.begin(), heldOutItems.end());
    for (ItemId id : catalog.itemIds())
        if (!heldOut.contains(id))
            (labelOf.contains(id) ? items : instances).push_back(id);
    if (instances.size() > kMaxTrainingInstances) {
        for (std::size_t i = instances.size(); i > 1; --i)
            std::swap(instances[i - 1], instances[random() % i]);
        instances.resize(kMaxTrainingInstances);
        std::sort(instances.begin(), instances.end());
    }
    items.insert(items.end(), instances.begin(), instances.end());
    report(progress, "loading photos", 0, static_cast<std::int64_t>(items.size()));
    training::LabelledImageSet data;
    data.images = impl.loadImages(items, options.inputSize * 4 / 3);
    std::vector<std::uint8_t> isCurated;
    std::unordered_map<ItemId, std::size_t> indexOf;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto found = labelOf.find(items[i]);
        data.labels.push_back(found != labelOf.end() ? found->second : -items[i]);
        isCurated.push_back(found != labelOf.end() ? 1 : 0);
        indexOf[items[i]] = i;
    }
    result.instances = static_cast<std::int64_t>(std::count(isCurated.begin(), isCurated.end(), 0));
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (const auto& [a, b] : catalog.notSimilarPairs())
        if (indexOf.contains(a) && indexOf.contains(b))
            pairs.emplace_back(indexOf[a], indexOf[b]);
    result.notSimilarPairs = static_cast<std::int64_t>(pairs.size());
    if (data.images.size() < 2)
        throw LibraryError("Training needs at least 2 photos in the library.");
    checkCancel(cancel);

    // The starting network: the active model's when it was trained (a share below 1), to
    // fine-tune, or a fresh one.
    float previousWeight = 1.0f;
    StoredNetwork stored;
    if (!options.fromScratch && previous.kind == ModelKind::Network) {
        previousWeight = static_cast<training::NetworkModel&>(*impl.makeEmbedder(previous)).options().descriptorWeight;
        stored = readStoredNetwork(impl.store.weights(previous.id));
    }
    const bool fineTune = stored.network && previousWeight < 1.0f;
    std::shared_ptr<nn::Network> network;
    if (fineTune) {
        network = std::move(stored.network);
    } else {
        nn::NetworkConfig architecture = nn::NetworkConfig::forInput(3, options.inputSize);
        architecture.width = options.width;
        network = std::make_shared<nn::Network>(architecture, options.seed);
    }
    float descriptorWeight = result.curatedGroups > 0 ? kCuratedDescriptorWeight : 1.0f;
    if (fineTune)
        descriptorWeight = previousWeight;
    if (options.descriptorWeight)
        descriptorWeight = std::clamp(*options.descriptorWeight, 0.0f, 1.0f);
    // The descriptors' projection is fitted afresh on every run, in closed form (whitening.h):
    // whitening over the library's photos, then metric learning from the curated groups.
    training::DescriptorModel descriptors;
    std::shared_ptr<nn::LinearEmbedding> projection;
    std::string projectionRecipe;
    if (descriptorWeight > 0.0f) {
        report(progress, "preparing", 0, 0);
        std::vector<float> samples(data.images.size() * descriptors.dimension());
        descriptors.embed(data.images, samples, {}, cancel);
        projection = std::make_shared<nn::LinearEmbedding>(static_cast<int>(descriptors.dimension()), kProjectionDimension);
        training::initialiseAsWhitening(*projection, samples, data.images.size(), kWhiteningPower);
        projectionRecipe = "whitening (power " + formatNumber(kWhiteningPower) + ") of " +
                           std::to_string(data.images.size()) + " photos";
        if (result.curatedGroups > 0) {
            std::vector<float> grouped;
            std::vector<std::int64_t> groupLabels;
            for (std::size_t i = 0; i < data.images.size(); ++i)
                if (isCurated[i]) {
                    grouped.insert(grouped.end(), samples.begin() + static_cast<std::ptrdiff_t>(i * descriptors.dimension()),
                                   samples.begin() + static_cast<std::ptrdiff_t>((i + 1) * descriptors.dimension()));
                    groupLabels.push_back(data.labels[i]);
                }
            // Every curated group has 2 or more members, but some photos may be unreadable.
            if (std::set<std::int64_t>(groupLabels.begin(), groupLabels.end()).size() < groupLabels.size()) {
                training::refineWithGroups(*projection, grouped, groupLabels, kGroupScatterRegularisation,
                                           kGroupWhiteningPower);
                projectionRecipe +=
                    ", then within-group whitening of " + std::to_string(result.curatedGroups) + " curated groups";
            }
        }
    }
    checkCancel(cancel);

    training::TrainingConfig config;
    config.loss = {metric::TripletMining::BatchAll, 0.2f, false};
    config.labelsPerBatch = 16;
    config.samplesPerLabel = 4;
    config.epochs = options.epochs > 0.0 ? options.epochs
                                         : std::clamp(kTrainingViewsTarget / static_cast<double>(data.images.size()), 1.0, 30.0);
    config.learningRate = fineTune ? 1e-3f : 3e-3f;
    config.threads = impl.options.threads;
    config.seed = options.seed;
    if (descriptorWeight > 0.0f) {
        config.fixedFeatures.dimension = descriptors.dimension();
        config.fixedFeatures.weight = descriptorWeight;
        config.fixedFeatures.compute = [&descriptors](const cv::Mat& view, std::span<float> out) {
            descriptors.descriptor().compute(view, out);
        };
        config.fixedFeatures.projection = projection.get();
        config.fixedFeatures.projectionLearningRateScale = 0.0f;  // fitted above; the network learns around it
    }
    metric::MixedSamplerConfig samplerConfig;
    samplerConfig.labelsPerBatch = config.labelsPerBatch;
    samplerConfig.samplesPerLabel = config.samplesPerLabel;
    samplerConfig.seed = options.seed;
    metric::MixedBatchSampler sampler(data.labels, isCurated, pairs, samplerConfig);
    const std::int64_t steps = training::trainingSteps(config, data.images.size(), sampler.batchSize());
    // With the whole share on the projected descriptors there is no network to train: the
    // model is the projection fitted above.
    training::TrainingResult trained;
    if (descriptorWeight < 1.0f)
        trained = training::train(
            *network, data, config, sampler,
            [&](const training::StepLog& step) {
                report(progress, "training", step.step + 1, steps);
                if (options.onStep)
                    options.onStep({step.step + 1, steps, step.stats.loss, step.stats.activeFraction,
                                    step.stats.meanPositiveDistance, step.stats.meanNegativeDistance});
            },
            cancel);
    data.images.clear();
    if (trained.cancelled)
        throw Cancelled();
    result.steps = trained.steps;
    result.trainingSeconds = trained.seconds;

    KeyValues recipe{{"embedder", projection ? "network+projected-hog-colour" : "network+hog-colour"},
                     {"architecture", network->config().toString()},
                     {"descriptor_weight", formatNumber(descriptorWeight)},
                     {"mirror_average", "1"},
                     {"start", fineTune ? "fine-tune of model " + std::to_string(previous.id) : "from scratch"},
                     {"loss", "triplet batch-all margin 0.2"},
                     {"batch", "16x4 mixed (groups, instances, not-similar pairs)"},
                     {"epochs", formatNumber(config.epochs)},
                     {"steps", std::to_string(trained.steps)},
                     {"learning_rate", formatNumber(config.learningRate)},
                     {"seed", std::to_string(options.seed)},
                     {"curated_groups", std::to_string(result.curatedGroups)},
                     {"held_out_groups", std::to_string(heldOutCount)},
                     {"instances", std::to_string(result.instances)},
                     {"not_similar_pairs", std::to_string(result.notSimilarPairs)}};
    if (descriptorWeight >= 1.0f) {
        for (const char* key : {"loss", "batch", "epochs", "steps", "learning_rate", "architecture"})
            recipe.erase(key);
        recipe["network"] = "not trained: the descriptors' projection alone serves";
    }
    if (projection)
        recipe["descriptor_projection"] = std::to_string(projection->inputDim()) + " -> " +
                                          std::to_string(projection->outputDim()) + ": " + projectionRecipe;
    training::NetworkModel probe(network, training::NetworkModelOptions{descriptorWeight, true, impl.options.threads,
                                                                        64, projection});
    if (heldOutCount > 0) {
        // How much the served vector leans on the descriptors is chosen on the held-out groups:
        // the network earns its share only as far as it helps there.
        const float chosen = impl.chooseDescriptorWeight(probe, heldOutItems, heldOutLabels, descriptorWeight, cancel);
        recipe["descriptor_weight"] = formatNumber(chosen);
        recipe["descriptor_weight_chosen"] = "on the held-out groups (trained at " + formatNumber(descriptorWeight) + ")";
        descriptorWeight = chosen;
    }
    const std::vector<std::uint8_t> weights = storedNetworkBytes(*network, projection.get());
    const int dimension = static_cast<int>(
        training::NetworkModel(network, {descriptorWeight, true, impl.options.threads, 64, projection}).dimension());
    const ModelId id = impl.store.createModel(ModelKind::Network, previous.id, dimension, formatKeyValues(recipe),
                                              weights, unixNow());
    result.model = id;
    KeyValues metrics{{"training_seconds", formatNumber(trained.seconds)}};
    if (result.before) {
        metrics["held_out_recall_at_1_before"] = formatNumber(result.before->recallAt1);
        metrics["held_out_map_at_r_before"] = formatNumber(result.before->mapAtR);
    }
    try {
        if (trained.collapse) {
            result.collapse = trained.collapse.message;
            metrics["collapsed"] = result.collapse;
            impl.store.setMetrics(id, formatKeyValues(metrics));
            impl.store.setState(id, ModelState::Failed);
            return result;
        }
        const ModelRecord model = impl.requireModel(id);
        auto [prepared, why] = impl.prepare(model, progress, cancel);
        (void)why;
        if (heldOutCount > 0) {
            result.after = impl.score(model, heldOutItems, heldOutLabels);
            metrics["held_out_recall_at_1"] = formatNumber(result.after->recallAt1);
            metrics["held_out_map_at_r"] = formatNumber(result.after->mapAtR);
        }
        // Retraining must not make look-alikes worse: a model that scores below the previous
        // one on the held-out groups is kept, ready, but not switched to.
        const bool better = !result.before || !result.after ||
                            std::make_pair(result.after->recallAt1, result.after->mapAtR) >=
                                std::make_pair(result.before->recallAt1, result.before->mapAtR);
        if (!better)
            metrics["not_activated"] = "held-out scores fell below model " + std::to_string(previous.id);
        // The switch: one transaction. Until it commits, the previous model stays active.
        catalog::Transaction transaction(catalog.writer());
        impl.store.setMetrics(id, formatKeyValues(metrics));
        impl.store.setState(id, ModelState::Ready);
        if (better)
            impl.store.setActiveModel(id);
        transaction.commit();
        if (better)
            impl.serving = std::move(prepared);
        result.activated = better;
    } catch (...) {
        // Leave nothing half-built behind; the previous model was never touched.
        try {
            catalog::Transaction transaction(catalog.writer());
            impl.store.deleteEmbeddings(id);
            impl.store.deleteIndexRecord(id);
            impl.store.setState(id, ModelState::Failed);
            transaction.commit();
            std::error_code ignored;
            fs::remove(impl.indexPath(impl.requireModel(id)), ignored);
        } catch (...) {
        }
        throw;
    }
    return result;
}

}  // namespace lookalike::services
