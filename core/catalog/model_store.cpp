#include "core/catalog/model_store.h"

#include "core/util/file_util.h"

#include <charconv>
#include <cstring>

namespace lookalike::catalog {

namespace {

ModelKind parseKind(const std::string& text) {
    if (text == "descriptors")
        return ModelKind::Descriptors;
    if (text == "network")
        return ModelKind::Network;
    throw DatabaseError("unknown model kind '" + text + "' in the catalog");
}

ModelState parseState(const std::string& text) {
    if (text == "building")
        return ModelState::Building;
    if (text == "ready")
        return ModelState::Ready;
    if (text == "failed")
        return ModelState::Failed;
    throw DatabaseError("unknown model state '" + text + "' in the catalog");
}

constexpr const char* kModelColumns = "id, kind, state, parent_id, created_at, dimension, recipe, metrics";

ModelRecord readModel(const Statement& row) {
    ModelRecord model;
    model.id = row.columnInt64(0);
    model.kind = parseKind(row.columnText(1));
    model.state = parseState(row.columnText(2));
    if (!row.isNull(3))
        model.parent = row.columnInt64(3);
    model.createdAt = row.columnInt64(4);
    model.dimension = static_cast<int>(row.columnInt64(5));
    model.recipe = row.columnText(6);
    model.metrics = row.columnText(7);
    return model;
}

std::span<const std::uint8_t> bytesOf(std::span<const float> vector) {
    return {reinterpret_cast<const std::uint8_t*>(vector.data()), vector.size_bytes()};
}

// Appends a stored vector to `out`, checking its length against the model's dimension.
void appendVector(const std::vector<std::uint8_t>& blob, std::size_t dimension, ModelId model,
                  ItemId item, std::vector<float>& out) {
    if (blob.size() != dimension * sizeof(float))
        throw DatabaseError("the embedding of item " + std::to_string(item) + " for model " +
                            std::to_string(model) + " has " + std::to_string(blob.size()) +
                            " bytes, expected " + std::to_string(dimension * sizeof(float)));
    std::size_t at = out.size();
    out.resize(at + dimension);
    std::memcpy(out.data() + at, blob.data(), blob.size());
}

std::int64_t singleInt(Statement query) {
    std::int64_t value = query.step() && !query.isNull(0) ? query.columnInt64(0) : 0;
    return value;
}

}  // namespace

std::string_view modelKindName(ModelKind kind) {
    return kind == ModelKind::Descriptors ? "descriptors" : "network";
}

namespace {

// The value of `key` in a recipe's key=value lines; empty when absent.
std::string_view recipeValue(const ModelRecord& model, std::string_view key) {
    for (std::size_t start = 0; start < model.recipe.size();) {
        std::size_t end = model.recipe.find('\n', start);
        if (end == std::string::npos)
            end = model.recipe.size();
        const std::string_view line = std::string_view(model.recipe).substr(start, end - start);
        if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == '=')
            return line.substr(key.size() + 1);
        start = end + 1;
    }
    return {};
}

}  // namespace

std::string_view modelServes(const ModelRecord& model) {
    if (model.kind == ModelKind::Descriptors)
        return "descriptors";
    const std::string_view value = recipeValue(model, "descriptor_weight");
    double weight = 0.0;
    const auto [next, error] = std::from_chars(value.data(), value.data() + value.size(), weight);
    return !value.empty() && error == std::errc() && weight >= 1.0 ? "tuned-descriptors" : "network";
}

std::string modelBackbone(const ModelRecord& model) {
    if (modelServes(model) != "network")
        return "none";
    const std::string_view architecture = recipeValue(model, "architecture");
    if (architecture.starts_with("lookalike-mobilenetv2/")) {
        const std::size_t cut = architecture.find("cut=");
        const std::string_view layer =
            cut == std::string_view::npos ? std::string_view("?") : architecture.substr(cut + 4, architecture.find(' ', cut) - cut - 4);
        return "mobilenetv2:" + std::string(layer);
    }
    if (architecture.starts_with("lookalike-resnet/"))
        return "resnet";
    return "unknown";
}

bool isPretrainedBackbone(std::string_view backbone) {
    return backbone.starts_with("mobilenetv2:");
}

std::string_view modelStateName(ModelState state) {
    switch (state) {
    case ModelState::Building: return "building";
    case ModelState::Ready: return "ready";
    case ModelState::Failed: return "failed";
    }
    return "unknown";
}

ModelStore::ModelStore(Catalog& catalog)
    : m_db(catalog.writer()), m_localRecords(catalog.isServer() ? catalog.libraryDir() : std::filesystem::path()),
      m_noRecords(catalog.isServer() && catalog.libraryDir().empty()) {}

ModelId ModelStore::createModel(ModelKind kind, std::optional<ModelId> parent, int dimension,
                                const std::string& recipe, std::span<const std::uint8_t> weights,
                                std::int64_t now) {
    Statement insert = m_db.prepare(
        "INSERT INTO models (kind, state, parent_id, created_at, dimension, recipe, weights) "
        "VALUES (?, 'building', ?, ?, ?, ?, ?) RETURNING id");
    insert.bind(1, modelKindName(kind));
    if (parent)
        insert.bind(2, *parent);
    else
        insert.bindNull(2);
    insert.bind(3, now).bind(4, dimension).bind(5, recipe);
    if (weights.empty())
        insert.bindNull(6);
    else
        insert.bind(6, weights);
    if (!insert.step())
        throw DatabaseError("internal error: creating a model returned no id");
    return insert.columnInt64(0);
}

void ModelStore::setState(ModelId model, ModelState state) {
    m_db.prepare("UPDATE models SET state = ? WHERE id = ?").bindAll(modelStateName(state), model).run();
    if (m_db.changes() != 1)
        throw DatabaseError("model " + std::to_string(model) + " does not exist");
}

void ModelStore::setMetrics(ModelId model, const std::string& metrics) {
    m_db.prepare("UPDATE models SET metrics = ? WHERE id = ?").bindAll(metrics, model).run();
    if (m_db.changes() != 1)
        throw DatabaseError("model " + std::to_string(model) + " does not exist");
}

std::vector<ModelRecord> ModelStore::models() {
    Statement query = m_db.prepare(std::string("SELECT ") + kModelColumns + " FROM models ORDER BY id");
    std::vector<ModelRecord> models;
    while (query.step())
        models.push_back(readModel(query));
    return models;
}

std::optional<ModelRecord> ModelStore::model(ModelId model) {
    Statement query = m_db.prepare(std::string("SELECT ") + kModelColumns + " FROM models WHERE id = ?");
    query.bind(1, model);
    if (!query.step())
        return std::nullopt;
    return readModel(query);
}

std::vector<std::uint8_t> ModelStore::weights(ModelId model) {
    Statement query = m_db.prepare("SELECT weights FROM models WHERE id = ?");
    query.bind(1, model);
    if (!query.step())
        throw DatabaseError("model " + std::to_string(model) + " does not exist");
    return query.isNull(0) ? std::vector<std::uint8_t>{} : query.columnBlob(0);
}

int ModelStore::failInterruptedBuilds() {
    if (!m_localRecords.empty()) {
        std::vector<ModelId> building;
        for (Statement query = m_db.prepare("SELECT id FROM models WHERE state = 'building'"); query.step();)
            building.push_back(query.columnInt64(0));
        for (ModelId model : building)
            deleteIndexRecord(model);
    }
    Transaction transaction(m_db);
    m_db.execute("DELETE FROM embeddings WHERE model_id IN (SELECT id FROM models WHERE state = 'building')");
    m_db.execute("DELETE FROM search_indexes WHERE model_id IN (SELECT id FROM models WHERE state = 'building')");
    m_db.execute("UPDATE models SET state = 'failed' WHERE state = 'building'");
    int changed = m_db.changes();
    transaction.commit();
    return changed;
}

std::optional<ModelId> ModelStore::activeModel() {
    Statement query = m_db.prepare("SELECT value FROM settings WHERE key = 'active_model'");
    if (!query.step())
        return std::nullopt;
    const std::string text = query.columnText(0);
    try {
        return std::stoll(text);
    } catch (const std::exception&) {
        throw DatabaseError("the catalog's active model setting is not a number: '" + text + "'");
    }
}

void ModelStore::setActiveModel(ModelId id) {
    std::optional<ModelRecord> record = model(id);
    if (!record)
        throw DatabaseError("model " + std::to_string(id) + " does not exist");
    if (record->state != ModelState::Ready)
        throw DatabaseError("model " + std::to_string(id) + " is not ready (" +
                            std::string(modelStateName(record->state)) + ")");
    m_db.prepare("INSERT INTO settings (key, value) VALUES ('active_model', ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value")
        .bind(1, std::to_string(id))
        .run();
}

void ModelStore::putEmbedding(ModelId model, ItemId item, std::span<const float> vector) {
    // REPLACE deletes the old row and inserts a new one, so the row number grows and an index
    // built before notices that it is stale.
    const char* sql = m_db.dialect() == Dialect::Sqlite
                          ? "INSERT OR REPLACE INTO embeddings (model_id, item_id, vector) VALUES (?, ?, ?)"
                          : "INSERT INTO embeddings (model_id, item_id, vector) VALUES (?, ?, ?) "
                            "ON CONFLICT (model_id, item_id) DO UPDATE SET vector = excluded.vector, id = excluded.id";
    m_db.prepare(sql).bindAll(model, item, bytesOf(vector)).run();
}

std::optional<std::vector<float>> ModelStore::embedding(ModelId model, ItemId item) {
    Statement query = m_db.prepare(
        "SELECT e.vector, m.dimension FROM embeddings e JOIN models m ON m.id = e.model_id "
        "WHERE e.model_id = ? AND e.item_id = ?");
    query.bindAll(model, item);
    if (!query.step())
        return std::nullopt;
    std::vector<float> vector;
    appendVector(query.columnBlob(0), static_cast<std::size_t>(query.columnInt64(1)), model, item, vector);
    return vector;
}

std::vector<ItemId> ModelStore::itemsWithoutEmbedding(ModelId model) {
    Statement query = m_db.prepare(
        "SELECT id FROM items WHERE id NOT IN (SELECT item_id FROM embeddings WHERE model_id = ?) ORDER BY id");
    query.bind(1, model);
    std::vector<ItemId> ids;
    while (query.step())
        ids.push_back(query.columnInt64(0));
    return ids;
}

EmbeddingSet ModelStore::embeddings(ModelId model, std::int64_t afterRow) {
    std::optional<ModelRecord> record = this->model(model);
    if (!record)
        throw DatabaseError("model " + std::to_string(model) + " does not exist");
    const auto dimension = static_cast<std::size_t>(record->dimension);
    // In pages, so that a server's result never holds a whole million-vector catalog at once.
    constexpr std::int64_t kPage = 50000;
    Statement query = m_db.prepare(
        "SELECT id, item_id, vector FROM embeddings WHERE model_id = ? AND id > ? ORDER BY id LIMIT ?");
    EmbeddingSet set;
    set.lastRow = afterRow;
    for (std::int64_t rows = kPage; rows == kPage;) {
        query.reset();
        query.bindAll(model, set.lastRow, kPage);
        for (rows = 0; query.step(); ++rows) {
            set.lastRow = query.columnInt64(0);
            set.ids.push_back(query.columnInt64(1));
            appendVector(query.columnBlob(2), dimension, model, set.ids.back(), set.vectors);
        }
    }
    return set;
}

std::int64_t ModelStore::embeddingCount(ModelId model) {
    Statement query = m_db.prepare("SELECT count(*) FROM embeddings WHERE model_id = ?");
    query.bind(1, model);
    return singleInt(std::move(query));
}

std::int64_t ModelStore::lastEmbeddingRow(ModelId model) {
    Statement query = m_db.prepare("SELECT max(id) FROM embeddings WHERE model_id = ?");
    query.bind(1, model);
    return singleInt(std::move(query));
}

void ModelStore::deleteEmbeddings(ModelId model) {
    m_db.prepare("DELETE FROM embeddings WHERE model_id = ?").bind(1, model).run();
}

namespace {

std::filesystem::path localRecordPath(const std::filesystem::path& folder, ModelId model) {
    return folder / ("index-" + std::to_string(model) + ".record");
}

// "key=value" lines; nullopt when the file is missing or not a whole record (the index is then
// rebuilt, as for a missing one).
std::optional<IndexRecord> readLocalRecord(const std::filesystem::path& path) {
    std::vector<std::uint8_t> bytes;
    try {
        bytes = readFileBytes(path, 1 << 16);
    } catch (const std::exception&) {
        return std::nullopt;
    }
    ModelRecord lines;  // recipeValue() reads key=value lines
    lines.recipe.assign(bytes.begin(), bytes.end());
    IndexRecord record;
    record.fileName = std::string(recipeValue(lines, "file_name"));
    record.checksum = std::string(recipeValue(lines, "checksum"));
    try {
        record.elementCount = std::stoll(std::string(recipeValue(lines, "element_count")));
        record.dimension = std::stoi(std::string(recipeValue(lines, "dimension")));
        record.lastEmbedding = std::stoll(std::string(recipeValue(lines, "last_embedding")));
        record.builtAt = std::stoll(std::string(recipeValue(lines, "built_at")));
    } catch (const std::exception&) {
        return std::nullopt;
    }
    if (record.fileName.empty() || record.fileName.find('/') != std::string::npos || record.checksum.empty())
        return std::nullopt;
    return record;
}

}  // namespace

std::optional<IndexRecord> ModelStore::indexRecord(ModelId model) {
    if (m_noRecords)  // a server library without a cache on this desk
        return std::nullopt;
    if (!m_localRecords.empty())
        return readLocalRecord(localRecordPath(m_localRecords, model));
    Statement query = m_db.prepare(
        "SELECT file_name, element_count, dimension, checksum, last_embedding, built_at "
        "FROM search_indexes WHERE model_id = ?");
    query.bind(1, model);
    if (!query.step())
        return std::nullopt;
    return IndexRecord{query.columnText(0), query.columnInt64(1), static_cast<int>(query.columnInt64(2)),
                       query.columnText(3), query.columnInt64(4), query.columnInt64(5)};
}

void ModelStore::putIndexRecord(ModelId model, const IndexRecord& record) {
    if (m_noRecords)  // a server library without a cache on this desk
        return;
    if (!m_localRecords.empty()) {
        const std::string text = "file_name=" + record.fileName + "\nelement_count=" + std::to_string(record.elementCount) +
                                 "\ndimension=" + std::to_string(record.dimension) + "\nchecksum=" + record.checksum +
                                 "\nlast_embedding=" + std::to_string(record.lastEmbedding) +
                                 "\nbuilt_at=" + std::to_string(record.builtAt) + "\n";
        writeFileAtomically(localRecordPath(m_localRecords, model),
                            {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
        return;
    }
    m_db.prepare("INSERT INTO search_indexes (model_id, file_name, element_count, dimension, checksum, "
                 "last_embedding, built_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(model_id) DO UPDATE SET "
                 "file_name = excluded.file_name, element_count = excluded.element_count, "
                 "dimension = excluded.dimension, checksum = excluded.checksum, "
                 "last_embedding = excluded.last_embedding, built_at = excluded.built_at")
        .bindAll(model, record.fileName, record.elementCount, record.dimension, record.checksum,
                 record.lastEmbedding, record.builtAt)
        .run();
}

void ModelStore::deleteIndexRecord(ModelId model) {
    if (m_noRecords)  // a server library without a cache on this desk
        return;
    if (!m_localRecords.empty()) {
        std::error_code ignored;
        std::filesystem::remove(localRecordPath(m_localRecords, model), ignored);
        return;
    }
    m_db.prepare("DELETE FROM search_indexes WHERE model_id = ?").bind(1, model).run();
}

}  // namespace lookalike::catalog
