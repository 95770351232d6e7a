#pragma once
// Training a model on a library (services::Library::train): the training set from its photos,
// groups and not-similar marks, the held-out groups that check it, the descriptor projection
// fitted in closed form, the network steps, the descriptor weight chosen on the held-out
// groups, and the switch to the new model unless it scores below the previous one.

#include "core/catalog/catalog.h"
#include "core/catalog/model_store.h"
#include "core/services/library.h"
#include "core/util/progress.h"

#include <cstdint>
#include <filesystem>
#include <vector>

namespace lookalike::training {
class NetworkModel;
}

namespace lookalike::services {

class ActiveModel;

class LibraryTrainer {
public:
    // Keeps references: all of them outlive this object. `threads` for training and embedding.
    // backboneSources: where a MobileNetV2 backbone comes from, the first that holds one
    // (LibraryOptions::pretrainedBackbone, then pretrainedModel; empty paths are skipped).
    LibraryTrainer(catalog::Catalog& catalog, catalog::ModelStore& store, ActiveModel& active, int threads,
                   std::vector<std::filesystem::path> backboneSources);

    // Library::train: refreshes the active model first, trains, embeds every item with the new
    // model, indexes, and switches to it unless it collapsed or scores below the previous model
    // on the held-out groups. Cancel throws Cancelled and leaves the previous model active;
    // any failure after the new model was created marks it failed and removes its vectors.
    LibraryTrainingReport train(const LibraryTrainingOptions& options, const ProgressCallback& progress,
                                const CancelToken* cancel);

private:
    // The fusion weight that gives the best held-out Recall@1 (then MAP@R), `trained` when
    // nothing beats it.
    float chooseDescriptorWeight(training::NetworkModel& model, std::vector<ItemId> items,
                                 const std::vector<std::int64_t>& labelsOfItems, float trained,
                                 const CancelToken* cancel);

    catalog::Catalog& m_catalog;
    catalog::ModelStore& m_store;
    ActiveModel& m_active;
    int m_threads;
    std::vector<std::filesystem::path> m_backboneSources;
};

}  // namespace lookalike::services
