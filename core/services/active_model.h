#pragma once
// The active model's embeddings and index, as services::Library serves look-alikes from them:
// it embeds items that have no vector yet, loads the recorded index file after checking it
// against the catalog, catches up with vectors stored since, rebuilds a missing, stale or
// corrupt index and saves it. A switch prepares the next model's embeddings and index while
// the current one serves, then serve() swaps them in. Not thread-safe, like Library.

#include "core/catalog/catalog.h"
#include "core/catalog/model_store.h"
#include "core/search/similarity_index.h"
#include "core/services/library.h"
#include "core/training/embedding_model.h"
#include "core/util/progress.h"

#include <opencv2/core/mat.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace lookalike::search {
struct HnswConfig;
}

namespace lookalike::services {

// Exact top k over a few vectors: query [D], ids [N], vectors [N, D], unit rows; `excluded`
// sorted. Best first, ties by id.
std::vector<SimilarItem> exactTopK(std::span<const float> query, const std::vector<ItemId>& ids,
                                   const std::vector<float>& vectors, std::size_t k,
                                   const std::vector<ItemId>& excluded);

class ActiveModel {
public:
    // What similar() serves from: a model, its embedding function and its index.
    struct Serving {
        catalog::ModelRecord model;
        std::unique_ptr<training::EmbeddingModel> embedder;
        std::unique_ptr<search::SimilarityIndex> index;
        std::int64_t lastRow = 0;  // newest embedding row in the index
        bool saved = false;        // the index file matches the in-memory index
    };

    // Keeps references: the catalog, the store and the options outlive this object.
    ActiveModel(catalog::Catalog& catalog, catalog::ModelStore& store, const LibraryOptions& options);

    // Makes the active model's embeddings and index complete (Library::refresh).
    IndexLoad refresh(const ProgressCallback& progress, const CancelToken* cancel);
    // The serving model, refreshed first when there is none yet or when this library only
    // serves (it then catches up with what the job library stored).
    Serving& ready();
    // Everything `model` needs to serve: its embeddings complete and an index over them. The
    // current model keeps serving meanwhile.
    std::pair<Serving, IndexLoad> prepare(const catalog::ModelRecord& model, const ProgressCallback& progress,
                                          const CancelToken* cancel);
    // Serves from a prepared model from now on (after the catalog made it the active one).
    void serve(Serving prepared);
    // The model serving now; refresh() or ready() first.
    const catalog::ModelRecord& model() const { return m_serving->model; }
    // Switches to a ready model, embedding and indexing what it lacks first (Library::useModel).
    void use(ModelId id, const ProgressCallback& progress, const CancelToken* cancel);

    // Items most like `query` under the serving model, within the filter, leaving `excluded` out.
    std::vector<SimilarItem> search(std::span<const float> query, std::size_t k, const SimilarFilter& filter,
                                    std::vector<ItemId> excluded);
    // The serving model's vector for an item, embedding it first when it lacks one. Throws
    // LibraryError for an unknown item, one without a usable thumbnail, or (when serving only)
    // one not embedded yet.
    std::vector<float> requireEmbedding(ItemId item);
    // Drops an item from the index in memory, if one is serving.
    void forget(ItemId item);

    // Thumbnails of `ids` decoded, scaled down to maxSide (0: as stored); ids whose thumbnail
    // is unusable are dropped from `ids` and not embedded again this session.
    std::vector<cv::Mat> loadImages(std::vector<ItemId>& ids, int maxSide = 0);
    // Where `model`'s index file goes.
    std::filesystem::path indexPath(const catalog::ModelRecord& model) const;

    // Problems that did not stop the work (Library::takeNotices); cleared by the call.
    std::vector<std::string> takeNotices();

private:
    void embedMissing(const catalog::ModelRecord& model, training::EmbeddingModel& embedder,
                      const ProgressCallback& progress, const CancelToken* cancel);
    search::HnswConfig hnswConfig() const;
    Serving buildIndex(const catalog::ModelRecord& model, const ProgressCallback& progress, const CancelToken* cancel);
    void saveIndex(Serving& serving);
    bool catchUp(Serving& serving, const ProgressCallback& progress, const CancelToken* cancel);
    std::pair<Serving, IndexLoad> openIndex(const catalog::ModelRecord& model, const ProgressCallback& progress,
                                            const CancelToken* cancel);

    catalog::Catalog& m_catalog;
    catalog::ModelStore& m_store;
    const LibraryOptions& m_options;
    std::optional<Serving> m_serving;
    std::unordered_set<ItemId> m_unreadable;  // thumbnails that failed to decode this session
    std::vector<std::string> m_notices;
};

}  // namespace lookalike::services
