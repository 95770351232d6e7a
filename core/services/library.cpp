#include "core/services/library.h"

#include "core/catalog/library_lock.h"
#include "core/imaging/thumbnail.h"
#include "core/services/active_model.h"
#include "core/services/importer.h"
#include "core/services/library_models.h"
#include "core/services/library_trainer.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"
#include "core/util/install_paths.h"
#include "core/util/sha256.h"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <span>
#include <stdexcept>

namespace lookalike::services {

namespace fs = std::filesystem;

// The facade's parts: the active model's embeddings and index (active_model.h), the models as
// stored (library_models.h) and training (library_trainer.h).
struct Library::Impl {
    Impl(catalog::Catalog opened, const LibraryOptions& libraryOptions)
        : catalog(std::move(opened)), store(catalog), options(libraryOptions), active(catalog, store, options) {}

    catalog::Catalog catalog;
    catalog::ModelStore store;
    LibraryOptions options;
    ActiveModel active;

    // What similar(item) leaves out: the item, its not-similar marks and, when each product
    // counts once, its product's other photos.
    std::vector<ItemId> excludedFor(ItemId item, const SimilarFilter& filter) {
        std::vector<ItemId> excluded = catalog.notSimilarTo(item);
        excluded.push_back(item);
        if (filter.eachProductOnce)
            if (std::optional<catalog::ProductId> product = catalog.productIdOf(item))
                for (ItemId photo : catalog.productPhotos(*product))
                    excluded.push_back(photo);
        return excluded;
    }

    // The active model's vector for a region of a photo's bytes, made exactly as an import
    // makes the thumbnail it embeds. `photo` names the file in messages.
    std::vector<float> embedPhoto(std::span<const std::uint8_t> bytes, const PhotoRegion& clipped,
                                  const fs::path& photo) {
        PhotoThumbnail thumbnail;
        try {
            thumbnail = thumbnailOfPhoto(bytes, ImportOptions{}, clipped);
        } catch (const std::invalid_argument&) {
            throw;
        } catch (const std::exception& error) {
            throw FileError(displayPath(photo) + ": " + error.what());
        }
        std::vector<cv::Mat> images{imaging::decodeThumbnail(thumbnail.thumbnail.jpeg)};
        ActiveModel::Serving& serving = active.ready();
        std::vector<float> query(serving.embedder->dimension());
        serving.embedder->embed(images, query);
        return query;
    }

    // The bytes an item was imported from: the first of its recorded files that still holds them.
    std::vector<std::uint8_t> importedBytes(ItemId item) {
        std::optional<catalog::ItemSummary> summary = catalog.item(item);
        if (!summary)
            throw LibraryError("There is no item " + std::to_string(item) + " in this library.");
        for (const std::string& path : catalog.filesOf(item)) {
            std::vector<std::uint8_t> bytes;
            try {
                bytes = readFileBytes(path, ImportOptions{}.maxFileBytes);
            } catch (const FileError&) {
                continue;
            }
            if (catalog.findItemByHash(Sha256::of(bytes)) == item)
                return bytes;
        }
        throw FileError(summary->sourcePath +
                        ": the photo file is missing or has changed since it was imported; import it again to "
                        "search a part of it");
    }

    // The active model's search, with each product once when the filter asks: the index is
    // asked for more until k products are found or it has no more.
    std::vector<SimilarItem> search(std::span<const float> query, std::size_t k, const SimilarFilter& filter,
                                    std::vector<ItemId> excluded) {
        if (!filter.eachProductOnce || k == 0)
            return active.search(query, k, filter, std::move(excluded));
        for (std::size_t asked = 2 * k + 8;; asked *= 4) {
            const std::vector<SimilarItem> found = active.search(query, asked, filter, excluded);
            std::vector<SimilarItem> products;
            std::set<catalog::ProductId> seen;
            for (const SimilarItem& result : found) {
                const std::optional<catalog::ProductId> product = catalog.productIdOf(result.item);
                if (product && !seen.insert(*product).second)
                    continue;
                products.push_back(result);
                if (products.size() == k)
                    return products;
            }
            if (found.size() < asked)
                return products;
        }
    }
};

Library::Library(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Library::~Library() = default;

std::unique_ptr<Library> Library::open(const catalog::LibraryLocation& location, const LibraryOptions& options) {
    auto impl = std::make_unique<Impl>(catalog::Catalog::open(location), options);
    // A model left "building" is a crashed training run, unless another process holds the
    // library's lock: then it may be training right now, and clearing its model would delete
    // the embeddings it is writing. (A build starts only after its training, seconds after its
    // process took the lock, so the check cannot race with a build that is just starting.)
    if (!catalog::LibraryLock::heldByAnotherProcess(location))
        impl->store.failInterruptedBuilds();
    // Index files a killed process was writing (a 100,000-item index is ~75 MB each time).
    removeAbandonedTemporaryFiles(impl->catalog.libraryDir());
    return std::unique_ptr<Library>(new Library(std::move(impl)));
}

catalog::Catalog& Library::catalog() {
    return m_impl->catalog;
}

catalog::ModelStore& Library::models() {
    return m_impl->store;
}

IndexLoad Library::refresh(const ProgressCallback& progress, const CancelToken* cancel) {
    return m_impl->active.refresh(progress, cancel);
}

std::vector<SimilarItem> Library::similar(ItemId item, std::size_t k, const SimilarFilter& filter) {
    std::vector<float> query = m_impl->active.requireEmbedding(item);
    return m_impl->search(query, k, filter, m_impl->excludedFor(item, filter));
}

std::vector<SimilarItem> Library::similar(const fs::path& photo, std::size_t k, const SimilarFilter& filter) {
    return similarToRegion(photo, imaging::kWholePhoto, k, filter);
}

std::vector<SimilarItem> Library::similarToRegion(ItemId item, const PhotoRegion& region, std::size_t k,
                                                  const SimilarFilter& filter) {
    const PhotoRegion clipped = imaging::clipToPhoto(region);
    std::vector<std::uint8_t> bytes = m_impl->importedBytes(item);
    std::vector<float> query = m_impl->embedPhoto(bytes, clipped, m_impl->catalog.item(item)->sourcePath);
    return m_impl->search(query, k, filter, m_impl->excludedFor(item, filter));
}

std::vector<SimilarItem> Library::similarToRegion(const fs::path& photo, const PhotoRegion& region, std::size_t k,
                                                  const SimilarFilter& filter) {
    const PhotoRegion clipped = imaging::clipToPhoto(region);
    std::vector<std::uint8_t> bytes = readFileBytes(photo, ImportOptions{}.maxFileBytes);
    std::vector<float> query = m_impl->embedPhoto(bytes, clipped, photo);
    std::vector<ItemId> excluded;
    if (std::optional<ItemId> same = m_impl->catalog.findItemByHash(Sha256::of(bytes)))
        excluded.push_back(*same);
    return m_impl->search(query, k, filter, std::move(excluded));
}

std::vector<SimilarItem> Library::similarUnder(ModelId model, ItemId item, std::size_t k) {
    catalog::ModelRecord record = requireModel(m_impl->store, model);
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
    return m_impl->active.takeNotices();
}

namespace {

// $variable when set, else models/<name> installed or in the source tree; empty when none exists.
fs::path shippedModel(const char* variable, const char* name) {
    if (const char* chosen = std::getenv(variable))
        return chosen;
    const fs::path file = fs::path("models") / name;
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

}  // namespace

fs::path defaultPretrainedModel() {
    return shippedModel("LOOKALIKE_PRETRAINED", "emoji-pretrained.lkckpt");
}

fs::path defaultPretrainedBackbone() {
    return shippedModel("LOOKALIKE_BACKBONE", "mobilenetv2-nsfwjs-block13.lkckpt");
}

std::optional<ModelId> Library::activeModel() {
    return m_impl->store.activeModel();
}

std::optional<std::vector<float>> Library::embedding(ItemId item) {
    ActiveModel::Serving& active = m_impl->active.ready();
    return m_impl->store.embedding(active.model.id, item);
}

RetrievalScore Library::score(const std::vector<ItemId>& items, const std::vector<std::int64_t>& labels) {
    if (items.size() != labels.size())
        throw std::invalid_argument("score: every item needs a label");
    ActiveModel::Serving& active = m_impl->active.ready();
    return scoreStoredVectors(m_impl->store, active.model, items, labels);
}

bool Library::removeItem(ItemId item) {
    if (!m_impl->catalog.removeItem(item))
        return false;
    m_impl->active.forget(item);
    return true;
}

void Library::useModel(ModelId id, const ProgressCallback& progress, const CancelToken* cancel) {
    m_impl->active.use(id, progress, cancel);
}

LibraryTrainingReport Library::train(const LibraryTrainingOptions& options, const ProgressCallback& progress,
                                     const CancelToken* cancel) {
    LibraryTrainer trainer(m_impl->catalog, m_impl->store, m_impl->active, m_impl->options.threads,
                           {m_impl->options.pretrainedBackbone, m_impl->options.pretrainedModel});
    return trainer.train(options, progress, cancel);
}

}  // namespace lookalike::services
