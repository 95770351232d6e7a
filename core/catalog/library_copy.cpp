#include "core/catalog/library_copy.h"

#include "core/util/errors.h"
#include "core/util/sha256.h"

#include <array>
#include <cstring>
#include <optional>

namespace lookalike::catalog {

namespace {

enum class Type { Integer, Text, Blob };

struct Column {
    const char* name;
    Type type;
};

// A table as both schemas have it. Rows are read in pages ordered by `key` (its first column,
// unique), or with OFFSET when the key is composite.
struct Table {
    const char* name;
    std::vector<Column> columns;
    bool singleKey = true;
    bool identity = false;  // `id` is generated: PostgreSQL's sequence moves past the copied ids
};

const std::vector<Table>& tables() {
    static const std::vector<Table> kTables{
        {"items",
         {{"id", Type::Integer}, {"content_hash", Type::Blob}, {"source_path", Type::Text}, {"display_name", Type::Text},
          {"width", Type::Integer}, {"height", Type::Integer}, {"file_size", Type::Integer}, {"mtime_ns", Type::Integer},
          {"imported_at", Type::Integer}, {"updated_at", Type::Integer}},
         true, true},
        {"thumbnails", {{"item_id", Type::Integer}, {"width", Type::Integer}, {"height", Type::Integer}, {"jpeg", Type::Blob}}},
        {"item_files",
         {{"path", Type::Text}, {"item_id", Type::Integer}, {"file_size", Type::Integer}, {"mtime_ns", Type::Integer}}},
        {"folders", {{"path", Type::Text}, {"added_at", Type::Integer}}},
        {"groups", {{"id", Type::Integer}, {"name", Type::Text}, {"created_at", Type::Integer}}, true, true},
        {"group_members", {{"item_id", Type::Integer}, {"group_id", Type::Integer}, {"added_at", Type::Integer}}},
        {"import_runs",
         {{"id", Type::Integer}, {"started_at", Type::Integer}, {"finished_at", Type::Integer}, {"roots", Type::Text},
          {"imported", Type::Integer}, {"updated", Type::Integer}, {"skipped", Type::Integer},
          {"duplicates", Type::Integer}, {"failed", Type::Integer}, {"cancelled", Type::Integer}},
         true, true},
        {"import_errors",
         {{"id", Type::Integer}, {"run_id", Type::Integer}, {"path", Type::Text}, {"reason", Type::Text}}, true, true},
        {"not_similar", {{"item_a", Type::Integer}, {"item_b", Type::Integer}, {"created_at", Type::Integer}}, false},
        {"products",
         {{"id", Type::Integer}, {"sku", Type::Text}, {"name", Type::Text}, {"price", Type::Text}, {"url", Type::Text},
          {"updated_at", Type::Integer}},
         true, true},
        {"item_products", {{"item_id", Type::Integer}, {"product_id", Type::Integer}}},
        {"models",
         {{"id", Type::Integer}, {"kind", Type::Text}, {"state", Type::Text}, {"parent_id", Type::Integer},
          {"created_at", Type::Integer}, {"dimension", Type::Integer}, {"recipe", Type::Text}, {"metrics", Type::Text},
          {"weights", Type::Blob}},
         true, true},
        {"embeddings",
         {{"id", Type::Integer}, {"model_id", Type::Integer}, {"item_id", Type::Integer}, {"vector", Type::Blob}}, true, true},
        {"settings", {{"key", Type::Text}, {"value", Type::Text}}},
    };
    return kTables;
}

// Settings that belong to one location, not to the library.
constexpr const char* kLocalSettings = "key <> 'library_id'";

std::string columnList(const Table& table) {
    std::string list;
    for (const Column& column : table.columns)
        list += (list.empty() ? "" : ", ") + std::string(column.name);
    return list;
}

std::string whereClause(const Table& table) {
    return std::string(table.name) == "settings" ? kLocalSettings : "1 = 1";
}

std::int64_t countRows(Connection& db, const Table& table) {
    Statement query = db.prepare("SELECT count(*) FROM " + std::string(table.name) + " WHERE " + whereClause(table));
    return query.step() ? query.columnInt64(0) : 0;
}

constexpr std::int64_t kPage = 2000;

// Calls `row` for every row of the table, in key order, a page at a time.
template <typename RowFunction>
void forEachRow(Connection& db, const Table& table, const CancelToken* cancel, RowFunction&& row) {
    const std::string select = "SELECT " + columnList(table) + " FROM " + table.name + " WHERE " + whereClause(table);
    const std::string key = table.columns.front().name;
    const bool textKey = table.columns.front().type == Type::Text;
    std::optional<Statement> first;
    std::optional<Statement> next;
    if (table.singleKey) {
        first.emplace(db.prepare(select + " ORDER BY " + key + " LIMIT ?"));
        next.emplace(db.prepare(select + " AND " + key + " > ? ORDER BY " + key + " LIMIT ?"));
    } else {
        first.emplace(db.prepare(select + " ORDER BY " + columnList(table) + " LIMIT ? OFFSET ?"));
    }
    std::int64_t lastInteger = 0;
    std::string lastText;
    for (std::int64_t page = 0;; ++page) {
        if (cancel && cancel->isCancelled())
            throw Cancelled();
        Statement* query = &*first;
        query->reset();
        if (!table.singleKey) {
            query->bindAll(kPage, page * kPage);
        } else if (page == 0) {
            query->bind(1, kPage);
        } else {
            query = &*next;
            query->reset();
            if (textKey)
                query->bind(1, lastText);
            else
                query->bind(1, lastInteger);
            query->bind(2, kPage);
        }
        std::int64_t rows = 0;
        while (query->step()) {
            ++rows;
            if (textKey)
                lastText = query->columnText(0);
            else
                lastInteger = query->columnInt64(0);
            row(*query);
        }
        query->reset();
        if (rows < kPage)
            return;
    }
}

void copyValue(const Statement& from, Statement& to, const Column& column, int index) {
    if (from.isNull(index)) {
        to.bindNull(index + 1);
        return;
    }
    switch (column.type) {
    case Type::Integer: to.bind(index + 1, from.columnInt64(index)); break;
    case Type::Text: to.bind(index + 1, from.columnText(index)); break;
    case Type::Blob: {
        const std::vector<std::uint8_t> bytes = from.columnBlob(index);
        to.bind(index + 1, std::span<const std::uint8_t>(bytes));
        break;
    }
    }
}

void addInteger(Sha256& hash, std::int64_t value) {
    std::array<std::uint8_t, 8> bytes{};
    for (int i = 0; i < 8; ++i)
        bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(value) >> (8 * i));
    hash.update(bytes);
}

void addBytes(Sha256& hash, std::span<const std::uint8_t> bytes) {
    addInteger(hash, static_cast<std::int64_t>(bytes.size()));
    hash.update(bytes);
}

const Table& table(std::string_view name) {
    for (const Table& table : tables())
        if (table.name == name)
            return table;
    throw std::logic_error("no table " + std::string(name));
}

}  // namespace

LibraryDigest digestLibrary(Catalog& catalog) {
    Connection& db = catalog.writer();
    LibraryDigest digest;
    for (const Table& table : tables())
        digest.counts.push_back({table.name, countRows(db, table)});
    Sha256 weights;
    forEachRow(db, table("models"), nullptr, [&](const Statement& row) {
        addInteger(weights, row.columnInt64(0));
        const std::string recipe = row.columnText(6);
        addBytes(weights, {reinterpret_cast<const std::uint8_t*>(recipe.data()), recipe.size()});
        addBytes(weights, row.isNull(8) ? std::vector<std::uint8_t>{} : row.columnBlob(8));
    });
    digest.weights = toHex(weights.finish());
    Sha256 embeddings;
    forEachRow(db, table("embeddings"), nullptr, [&](const Statement& row) {
        addInteger(embeddings, row.columnInt64(0));
        addInteger(embeddings, row.columnInt64(1));
        addInteger(embeddings, row.columnInt64(2));
        addBytes(embeddings, row.columnBlob(3));
    });
    digest.embeddings = toHex(embeddings.finish());
    return digest;
}

void copyLibrary(Catalog& from, Catalog& to, const ProgressCallback& progress, const CancelToken* cancel) {
    Connection& source = from.writer();
    Connection& target = to.writer();
    for (const char* name : {"items", "groups", "models"})
        if (countRows(target, table(name)) > 0)
            throw LibraryError("The library at " + to.location().display() + " is not empty (it has " + name +
                               "); Lookalike copies a library only into an empty one");
    std::int64_t total = 0;
    for (const Table& table : tables())
        total += countRows(source, table);
    std::int64_t done = 0;
    Transaction transaction(target);
    for (const Table& table : tables()) {
        std::string placeholders;
        for (std::size_t i = 0; i < table.columns.size(); ++i)
            placeholders += i == 0 ? "?" : ", ?";
        std::string insert = "INSERT INTO " + std::string(table.name) + " (" + columnList(table) + ") VALUES (" + placeholders + ")";
        if (std::string(table.name) == "settings")  // the target's own settings give way
            insert += " ON CONFLICT (key) DO UPDATE SET value = excluded.value";
        Statement write = target.prepare(insert);
        forEachRow(source, table, cancel, [&](const Statement& row) {
            write.reset();
            for (std::size_t i = 0; i < table.columns.size(); ++i)
                copyValue(row, write, table.columns[i], static_cast<int>(i));
            write.run();
            if (++done % 500 == 0 && progress)
                progress({done, total, table.name});
        });
        if (table.identity && target.dialect() == Dialect::Postgres)
            target.execute("SELECT setval(pg_get_serial_sequence('" + std::string(table.name) +
                           "', 'id'), coalesce(max(id), 1), max(id) IS NOT NULL) FROM " + table.name);
    }
    if (cancel && cancel->isCancelled())
        throw Cancelled();
    transaction.commit();
    if (progress)
        progress({done, total, "done"});
}

}  // namespace lookalike::catalog
