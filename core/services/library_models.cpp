#include "core/services/library_models.h"

#include "core/util/sha256.h"
#include "core/metric/retrieval_metrics.h"
#include "core/nn/checkpoint.h"
#include "core/services/key_values.h"
#include "core/training/embedding_model.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"
#include "core/util/unix_time.h"

#include <set>

namespace lookalike::services {

using catalog::ModelKind;
using catalog::ModelRecord;
using catalog::ModelState;

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

std::unique_ptr<training::EmbeddingModel> makeEmbedder(catalog::ModelStore& store, const ModelRecord& model,
                                                       int threads) {
    if (model.kind == ModelKind::Descriptors)
        return std::make_unique<training::DescriptorModel>();
    StoredNetwork stored = readStoredNetwork(store.weights(model.id));
    KeyValues recipe = parseKeyValues(model.recipe);
    training::NetworkModelOptions embedOptions;
    embedOptions.threads = threads;
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

ModelRecord requireModel(catalog::ModelStore& store, ModelId id) {
    std::optional<ModelRecord> model = store.model(id);
    if (!model)
        throw LibraryError("There is no model " + std::to_string(id) + ".");
    return *model;
}

ModelRecord activeOrFirstModels(catalog::Catalog& catalog, catalog::ModelStore& store,
                                const std::filesystem::path& pretrainedModel, std::vector<std::string>& notices) {
    if (std::optional<ModelId> active = store.activeModel())
        return requireModel(store, *active);
    training::DescriptorModel descriptors;
    catalog::Transaction transaction(catalog.writer());
    ModelId id = store.createModel(ModelKind::Descriptors, std::nullopt, static_cast<int>(descriptors.dimension()),
                                   "embedder=hog-colour\n", {}, unixNow());
    store.setState(id, ModelState::Ready);
    store.setActiveModel(id);
    if (!pretrainedModel.empty()) {
        try {
            std::vector<std::uint8_t> weights = readFileBytes(pretrainedModel, 1ull << 30);
            StoredNetwork stored = readStoredNetwork(weights);
            training::NetworkModelOptions embedOptions;
            embedOptions.projection = stored.projection;
            training::NetworkModel probe(stored.network, embedOptions);
            KeyValues recipe{{"embedder", stored.projection ? "network+projected-hog-colour" : "network+hog-colour"},
                             {"architecture", stored.network->config().toString()},
                             {"descriptor_weight", formatNumber(embedOptions.descriptorWeight)},
                             {"mirror_average", "1"},
                             {"start", "shipped pretrained model " + pretrainedModel.filename().string()},
                             {"weights_sha256", toHex(Sha256::of(weights))}};
            ModelId pretrained = store.createModel(ModelKind::Network, id, static_cast<int>(probe.dimension()),
                                                   formatKeyValues(recipe), weights, unixNow());
            store.setState(pretrained, ModelState::Ready);
            store.setActiveModel(pretrained);
            id = pretrained;
        } catch (const std::exception& error) {
            notices.push_back("The pretrained model " + displayPath(pretrainedModel) + " cannot be used (" +
                              error.what() + "); the descriptors serve until the first training.");
        }
    }
    transaction.commit();
    return requireModel(store, id);
}

RetrievalScore scoreStoredVectors(catalog::ModelStore& store, const ModelRecord& model,
                                  const std::vector<ItemId>& items, const std::vector<std::int64_t>& labels) {
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

}  // namespace lookalike::services
