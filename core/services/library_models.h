#pragma once
// A library's models as the catalog keeps them (catalog::ModelStore): a network model's weights,
// the embedding function a model record describes, a fresh library's first models, and how well
// a model's stored vectors retrieve labelled items. Parts of services::Library.

#include "core/catalog/catalog.h"
#include "core/catalog/model_store.h"
#include "core/services/library.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace lookalike::nn {
class Network;
class LinearEmbedding;
}  // namespace lookalike::nn
namespace lookalike::training {
class EmbeddingModel;
}

namespace lookalike::services {

// A network model's weights as the catalog keeps them: the network's checkpoint, then the
// checkpoint of its descriptor projection when it has one (nn::splitTensorFiles).
struct StoredNetwork {
    std::shared_ptr<nn::Network> network;
    std::shared_ptr<nn::LinearEmbedding> projection;
};

// Throws nn::CheckpointError for weights that are not such checkpoints.
StoredNetwork readStoredNetwork(std::span<const std::uint8_t> weights);
std::vector<std::uint8_t> storedNetworkBytes(nn::Network& network, const nn::LinearEmbedding* projection);

// The embedding function of `model` (its recipe gives a network's descriptor weight and mirror
// averaging). Throws LibraryError when its vectors would not have the recorded dimension.
std::unique_ptr<training::EmbeddingModel> makeEmbedder(catalog::ModelStore& store, const catalog::ModelRecord& model,
                                                       int threads);

// Throws LibraryError ("There is no model N.") for an unknown id.
catalog::ModelRecord requireModel(catalog::ModelStore& store, ModelId id);

// The active model; on a fresh library first creates the descriptors, then the shipped network
// at `pretrainedModel` (when given and usable; else a notice says why) and makes the last of them
// active, in one transaction.
catalog::ModelRecord activeOrFirstModels(catalog::Catalog& catalog, catalog::ModelStore& store,
                                         const std::filesystem::path& pretrainedModel,
                                         std::vector<std::string>& notices);

// Retrieval quality of `model`'s stored vectors on labelled items (leave-one-out among those
// that have a vector); zero scores when fewer than 2 do.
RetrievalScore scoreStoredVectors(catalog::ModelStore& store, const catalog::ModelRecord& model,
                                  const std::vector<ItemId>& items, const std::vector<std::int64_t>& labels);

}  // namespace lookalike::services
