// Model versions, embeddings and index records in the catalog.

#include "core/catalog/model_store.h"

#include "tests/support/backends.h"

#include <gtest/gtest.h>

using namespace lookalike;
using namespace lookalike::catalog;

namespace {

ItemData makeItem(std::uint8_t seed) {
    ItemData item;
    item.contentHash.fill(seed);
    item.sourcePath = "/photos/" + std::to_string(seed) + ".jpg";
    item.displayName = std::to_string(seed);
    item.width = item.height = 10;
    item.fileSize = 100;
    item.thumbnail = {10, 10, {0xFF, 0xD8, 0xFF, 0xD9}};
    return item;
}

class ModelStoreTest : public fixtures::BackendTest {
protected:
    Catalog catalog = openCatalog();
    ModelStore store{catalog};
};

INSTANTIATE_TEST_SUITE_P(Backends, ModelStoreTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(ModelStoreTest, ModelsAreVersionsWithRecipeMetricsAndWeights) {
    ModelId first = store.createModel(ModelKind::Descriptors, std::nullopt, 4, "embedder=hog\n", {}, 10);
    const std::vector<std::uint8_t> weights{1, 2, 3};
    ModelId second = store.createModel(ModelKind::Network, first, 6, "start=scratch\n", weights, 20);
    EXPECT_GT(second, first);
    EXPECT_THROW(store.setActiveModel(first), DatabaseError);  // still building
    store.setState(first, ModelState::Ready);
    store.setActiveModel(first);
    EXPECT_EQ(store.activeModel(), first);
    store.setMetrics(second, "recall=0.9\n");
    auto models = store.models();
    ASSERT_EQ(models.size(), 2u);
    EXPECT_EQ(models[1].parent, first);
    EXPECT_EQ(models[1].kind, ModelKind::Network);
    EXPECT_EQ(models[1].state, ModelState::Building);
    EXPECT_EQ(models[1].metrics, "recall=0.9\n");
    EXPECT_EQ(store.weights(second), weights);
    EXPECT_TRUE(store.weights(first).empty());
    EXPECT_THROW(store.setActiveModel(999), DatabaseError);
    EXPECT_FALSE(store.model(999).has_value());
}

TEST(ModelServes, NamesWhatTheModelsVectorsComeFrom) {
    ModelRecord model;
    model.kind = ModelKind::Descriptors;
    EXPECT_EQ(modelServes(model), "descriptors");
    model.kind = ModelKind::Network;
    EXPECT_EQ(modelServes(model), "network");  // an older recipe without the weight
    model.recipe = "embedder=network+hog-colour\ndescriptor_weight=0.8500\nseed=1\n";
    EXPECT_EQ(modelServes(model), "network");
    model.recipe = "embedder=network+projected-hog-colour\ndescriptor_weight=1.0000\nnetwork=not trained\n";
    EXPECT_EQ(modelServes(model), "tuned-descriptors");
    model.recipe = "descriptor_weight=1";  // last line without a newline
    EXPECT_EQ(modelServes(model), "tuned-descriptors");
    model.recipe = "old_descriptor_weight=1\ndescriptor_weight=garbled\n";
    EXPECT_EQ(modelServes(model), "network");
}

TEST(ModelBackbone, NamesTheNetworkAModelsVectorsComeFrom) {
    ModelRecord model;
    model.kind = ModelKind::Descriptors;
    EXPECT_EQ(modelBackbone(model), "none");
    model.kind = ModelKind::Network;
    model.recipe = "descriptor_weight=1.0000\nnetwork=not trained\n";
    EXPECT_EQ(modelBackbone(model), "none");
    model.recipe = "architecture=lookalike-mobilenetv2/1 in_channels=3 input_size=128 cut=block_10 grid=2 "
                   "embedding_dim=256\ndescriptor_weight=0.5000\n";
    EXPECT_EQ(modelBackbone(model), "mobilenetv2:block_10");
    model.recipe = "descriptor_weight=0.5\narchitecture=lookalike-mobilenetv2/1 input_size=128 cut=block_12_expand";
    EXPECT_EQ(modelBackbone(model), "mobilenetv2:block_12_expand");  // cut last, no newline
    model.recipe = "architecture=lookalike-resnet/1 in_channels=3 input_size=96 width=32\ndescriptor_weight=0.85\n";
    EXPECT_EQ(modelBackbone(model), "resnet");
    model.recipe = "descriptor_weight=0.85\n";  // an older recipe without its architecture
    EXPECT_EQ(modelBackbone(model), "unknown");
    EXPECT_TRUE(isPretrainedBackbone("mobilenetv2:block_10"));
    for (const char* other : {"resnet", "none", "unknown", "mobilenetv2"})
        EXPECT_FALSE(isPretrainedBackbone(other)) << other;
}

TEST_P(ModelStoreTest, EmbeddingsAreCheckedAndRowsOnlyGrow) {
    ItemId a = catalog.addItem(makeItem(1), 0);
    ItemId b = catalog.addItem(makeItem(2), 0);
    ModelId model = store.createModel(ModelKind::Descriptors, std::nullopt, 2, "", {}, 0);
    EXPECT_EQ(store.itemsWithoutEmbedding(model), (std::vector<ItemId>{a, b}));
    store.putEmbedding(model, a, std::vector<float>{1.0f, 0.0f});
    const std::int64_t firstRow = store.lastEmbeddingRow(model);
    store.putEmbedding(model, b, std::vector<float>{0.0f, 1.0f});
    store.putEmbedding(model, a, std::vector<float>{0.6f, 0.8f});  // replaced: a newer row
    EXPECT_EQ(store.embeddingCount(model), 2);
    EXPECT_EQ(*store.embedding(model, a), (std::vector<float>{0.6f, 0.8f}));
    EmbeddingSet newer = store.embeddings(model, firstRow);
    EXPECT_EQ(newer.ids, (std::vector<ItemId>{b, a}));
    EXPECT_EQ(newer.lastRow, store.lastEmbeddingRow(model));
    EXPECT_TRUE(store.itemsWithoutEmbedding(model).empty());

    // A changed photo loses its vectors; a removed one too.
    catalog.updateItem(a, makeItem(3), 1);
    EXPECT_EQ(store.itemsWithoutEmbedding(model), std::vector<ItemId>{a});
    catalog.removeItem(b);
    EXPECT_EQ(store.embeddingCount(model), 0);

    // A blob of the wrong length is reported, not read past.
    const std::vector<std::uint8_t> twoBytes{0, 0};
    catalog.writer()
        .prepare("INSERT INTO embeddings (model_id, item_id, vector) VALUES (?, ?, ?)")
        .bindAll(model, a, std::span<const std::uint8_t>(twoBytes))
        .run();
    EXPECT_THROW(store.embedding(model, a), DatabaseError);
}

TEST_P(ModelStoreTest, InterruptedBuildsBecomeFailedAndLoseTheirPartialWork) {
    ItemId a = catalog.addItem(makeItem(1), 0);
    ModelId ready = store.createModel(ModelKind::Descriptors, std::nullopt, 1, "", {}, 0);
    store.setState(ready, ModelState::Ready);
    ModelId building = store.createModel(ModelKind::Network, ready, 1, "", {}, 0);
    store.putEmbedding(ready, a, std::vector<float>{1.0f});
    store.putEmbedding(building, a, std::vector<float>{1.0f});
    store.putIndexRecord(building, {"index-2.lkidx", 1, 1, "00", 1, 0});
    EXPECT_EQ(store.failInterruptedBuilds(), 1);
    EXPECT_EQ(store.model(building)->state, ModelState::Failed);
    EXPECT_EQ(store.embeddingCount(building), 0);
    EXPECT_FALSE(store.indexRecord(building).has_value());
    EXPECT_EQ(store.embeddingCount(ready), 1);
    EXPECT_EQ(store.failInterruptedBuilds(), 0);
}

TEST_P(ModelStoreTest, IndexRecordsRoundTrip) {
    ModelId model = store.createModel(ModelKind::Descriptors, std::nullopt, 3, "", {}, 0);
    EXPECT_FALSE(store.indexRecord(model).has_value());
    IndexRecord record{"index-1.lkidx", 42, 3, "00ff", 7, 99};
    store.putIndexRecord(model, record);
    auto read = store.indexRecord(model);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->fileName, "index-1.lkidx");
    EXPECT_EQ(read->elementCount, 42);
    EXPECT_EQ(read->checksum, "00ff");
    EXPECT_EQ(read->lastEmbedding, 7);
    store.deleteIndexRecord(model);
    EXPECT_FALSE(store.indexRecord(model).has_value());
}

}  // namespace
