#pragma once
// Embedding models, their vectors and their search-index records, kept in the catalog so that
// everything a library needs to answer "what looks like this?" survives a crash.
//
// A model is one way of turning a photo into a vector: the built-in descriptors (the fallback
// before any training) or a trained network with its weights. Models are never overwritten:
// training adds a version, and the active one is a setting. A model is 'building' while its
// embeddings and index are being made, 'ready' once complete, 'failed' when that was abandoned.
//
// Uses the catalog's writer connection; not thread-safe, like Catalog. Index records of a server
// library stay on the desk (see m_localRecords).

#include "core/catalog/catalog.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace lookalike::catalog {

using ModelId = std::int64_t;

enum class ModelKind { Descriptors, Network };
enum class ModelState { Building, Ready, Failed };

std::string_view modelKindName(ModelKind kind);    // "descriptors", "network"
std::string_view modelStateName(ModelState state);  // "building", "ready", "failed"

struct ModelRecord {
    ModelId id = 0;
    ModelKind kind = ModelKind::Descriptors;
    ModelState state = ModelState::Building;
    std::optional<ModelId> parent;  // the model it was fine-tuned from
    std::int64_t createdAt = 0;
    int dimension = 0;
    std::string recipe;   // how it was made, "key=value" lines
    std::string metrics;  // what it achieved, "key=value" lines
};

// What a model serves, as one word for people: "descriptors" (the built-in ones),
// "tuned-descriptors" (a trained model whose recipe gives the descriptors the whole weight,
// descriptor_weight=1: their learned projection alone serves) or "network".
std::string_view modelServes(const ModelRecord& model);
// The network a model's vectors come from, as one word: "mobilenetv2:block_12" (the pretrained
// backbone, cut there), "resnet" (the compact network trained on the library), "none"
// (descriptors only), "unknown" (a recipe without its architecture).
std::string modelBackbone(const ModelRecord& model);
// A modelBackbone() name that is the pretrained MobileNetV2 ("mobilenetv2:<cut>").
bool isPretrainedBackbone(std::string_view backbone);

// The search index file made from a model's embeddings, as recorded when it was saved.
struct IndexRecord {
    std::string fileName;            // inside the library folder
    std::int64_t elementCount = 0;
    int dimension = 0;
    std::string checksum;            // as the index file states it
    std::int64_t lastEmbedding = 0;  // newest embedding row it contains (rows only grow)
    std::int64_t builtAt = 0;
};

// Vectors of one model: ids [N], vectors [N, dimension] row-major.
struct EmbeddingSet {
    std::vector<ItemId> ids;
    std::vector<float> vectors;
    std::int64_t lastRow = 0;  // the newest embedding row among them
};

class ModelStore {
public:
    explicit ModelStore(Catalog& catalog);

    // A new model in state 'building'. weights may be empty (descriptors).
    ModelId createModel(ModelKind kind, std::optional<ModelId> parent, int dimension,
                        const std::string& recipe, std::span<const std::uint8_t> weights,
                        std::int64_t now);
    void setState(ModelId model, ModelState state);
    void setMetrics(ModelId model, const std::string& metrics);
    std::vector<ModelRecord> models();  // oldest first
    std::optional<ModelRecord> model(ModelId model);
    std::vector<std::uint8_t> weights(ModelId model);
    // Models left 'building' by a crash become 'failed' and lose their partial embeddings.
    // Returns how many.
    int failInterruptedBuilds();

    std::optional<ModelId> activeModel();
    // Throws DatabaseError unless the model exists and is ready.
    void setActiveModel(ModelId model);

    // vector [dimension]; replaces an existing one.
    void putEmbedding(ModelId model, ItemId item, std::span<const float> vector);
    std::optional<std::vector<float>> embedding(ModelId model, ItemId item);
    std::vector<ItemId> itemsWithoutEmbedding(ModelId model);  // ascending
    // The model's vectors in rows newer than `afterRow` (all by default), by row.
    EmbeddingSet embeddings(ModelId model, std::int64_t afterRow = 0);
    std::int64_t embeddingCount(ModelId model);
    std::int64_t lastEmbeddingRow(ModelId model);  // 0 when none
    void deleteEmbeddings(ModelId model);

    std::optional<IndexRecord> indexRecord(ModelId model);
    void putIndexRecord(ModelId model, const IndexRecord& record);
    void deleteIndexRecord(ModelId model);

private:
    Connection& m_db;
    // A server library's index records are this desk's own: each desk keeps its index as a
    // local cache, so its record lives next to it, in this folder (empty: in the catalog).
    std::filesystem::path m_localRecords;
    bool m_noRecords = false;  // a server library whose desk has no cache: no records at all
};

}  // namespace lookalike::catalog
