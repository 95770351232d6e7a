#include "core/catalog/catalog.h"

#include "core/catalog/schema.h"
#include "core/util/file_util.h"

#include <system_error>
#include <unordered_map>

namespace lookalike::catalog {

namespace fs = std::filesystem;

struct Catalog::Impl {
    Impl(Connection connection, fs::path dir) : db(std::move(connection)), libraryDir(std::move(dir)) {}

    // Statements are prepared once and reused; the catalog runs the same few all the time.
    Statement& statement(const std::string& sql) {
        auto found = cache.find(sql);
        if (found == cache.end())
            found = cache.emplace(sql, db.prepare(sql)).first;
        Statement& statement = found->second;
        statement.reset();
        statement.clearBindings();
        return statement;
    }

    std::int64_t scalar(const std::string& sql) {
        Statement& query = statement(sql);
        std::int64_t value = query.step() ? query.columnInt64(0) : 0;
        query.reset();
        return value;
    }

    void writeThumbnail(ItemId id, const Thumbnail& thumbnail) {
        statement("INSERT OR REPLACE INTO thumbnails (item_id, width, height, jpeg) "
                  "VALUES (?, ?, ?, ?)")
            .bindAll(id, thumbnail.width, thumbnail.height,
                     std::span<const std::uint8_t>(thumbnail.jpeg))
            .run();
    }

    Connection db;
    fs::path libraryDir;
    std::unordered_map<std::string, Statement> cache;
};

namespace {

std::span<const std::uint8_t> bytesOf(const ContentHash& hash) {
    return {hash.data(), hash.size()};
}

constexpr const char* kItemColumns =
    "id, display_name, source_path, width, height, file_size, imported_at";

ItemSummary readSummary(const Statement& row) {
    ItemSummary item;
    item.id = row.columnInt64(0);
    item.displayName = row.columnText(1);
    item.sourcePath = row.columnText(2);
    item.width = static_cast<int>(row.columnInt64(3));
    item.height = static_cast<int>(row.columnInt64(4));
    item.fileSize = row.columnInt64(5);
    item.importedAt = row.columnInt64(6);
    return item;
}

}  // namespace

fs::path catalogPath(const fs::path& libraryDir) {
    return libraryDir / "catalog.db";
}

fs::path defaultLibraryDir() {
    return xdgDataHome() / "lookalike" / "library";
}

Catalog::Catalog(std::unique_ptr<Impl> impl) : m_impl(std::move(impl)) {}
Catalog::Catalog(Catalog&&) noexcept = default;
Catalog& Catalog::operator=(Catalog&&) noexcept = default;
Catalog::~Catalog() = default;

Catalog Catalog::open(const fs::path& libraryDir) {
    std::error_code error;
    fs::create_directories(libraryDir, error);
    if (error || !fs::is_directory(libraryDir))
        throw LibraryError("Cannot use library folder " + displayPath(libraryDir) + ": " +
                           (error ? error.message() : "not a folder"));
    Connection connection = Connection::open(catalogPath(libraryDir));
    migrate(connection);
    return Catalog(std::make_unique<Impl>(std::move(connection), libraryDir));
}

Catalog Catalog::openInMemory() {
    Connection connection = Connection::openInMemory();
    migrate(connection);
    return Catalog(std::make_unique<Impl>(std::move(connection), fs::path()));
}

const fs::path& Catalog::libraryDir() const {
    return m_impl->libraryDir;
}

Connection& Catalog::writer() {
    return m_impl->db;
}

std::optional<FileRecord> Catalog::findFile(const std::string& path) {
    Statement& query =
        m_impl->statement("SELECT item_id, file_size, mtime_ns FROM item_files WHERE path = ?");
    query.bind(1, path);
    std::optional<FileRecord> record;
    if (query.step())
        record = FileRecord{query.columnInt64(0), query.columnInt64(1), query.columnInt64(2)};
    query.reset();
    return record;
}

std::optional<ItemId> Catalog::findItemByHash(const ContentHash& hash) {
    Statement& query = m_impl->statement("SELECT id FROM items WHERE content_hash = ?");
    query.bind(1, bytesOf(hash));
    std::optional<ItemId> id;
    if (query.step())
        id = query.columnInt64(0);
    query.reset();
    return id;
}

ItemId Catalog::addItem(const ItemData& item, std::int64_t now) {
    m_impl
        ->statement("INSERT INTO items (content_hash, source_path, display_name, width, height, "
                    "file_size, mtime_ns, imported_at, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bindAll(bytesOf(item.contentHash), item.sourcePath, item.displayName, item.width,
                 item.height, item.fileSize, item.mtimeNs, now, now)
        .run();
    ItemId id = m_impl->db.lastInsertRowId();
    m_impl->writeThumbnail(id, item.thumbnail);
    return id;
}

void Catalog::updateItem(ItemId id, const ItemData& item, std::int64_t now) {
    m_impl
        ->statement("UPDATE items SET content_hash = ?, source_path = ?, display_name = ?, "
                    "width = ?, height = ?, file_size = ?, mtime_ns = ?, updated_at = ? "
                    "WHERE id = ?")
        .bindAll(bytesOf(item.contentHash), item.sourcePath, item.displayName, item.width,
                 item.height, item.fileSize, item.mtimeNs, now, id)
        .run();
    if (m_impl->db.changes() != 1)
        throw DatabaseError("item " + std::to_string(id) + " does not exist");
    m_impl->writeThumbnail(id, item.thumbnail);
}

void Catalog::recordFile(const std::string& path, ItemId item, std::int64_t fileSize,
                         std::int64_t mtimeNs) {
    m_impl
        ->statement("INSERT INTO item_files (path, item_id, file_size, mtime_ns) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT(path) DO UPDATE SET "
                    "item_id = excluded.item_id, file_size = excluded.file_size, "
                    "mtime_ns = excluded.mtime_ns")
        .bindAll(path, item, fileSize, mtimeNs)
        .run();
}

void Catalog::addFolder(const std::string& path, std::int64_t now) {
    m_impl->statement("INSERT OR IGNORE INTO folders (path, added_at) VALUES (?, ?)")
        .bindAll(path, now)
        .run();
}

std::int64_t Catalog::beginImportRun(const std::string& roots, std::int64_t now) {
    m_impl->statement("INSERT INTO import_runs (started_at, roots) VALUES (?, ?)")
        .bindAll(now, roots)
        .run();
    return m_impl->db.lastInsertRowId();
}

void Catalog::recordImportError(std::int64_t runId, const std::string& path,
                                const std::string& reason) {
    m_impl->statement("INSERT INTO import_errors (run_id, path, reason) VALUES (?, ?, ?)")
        .bindAll(runId, path, reason)
        .run();
}

void Catalog::finishImportRun(std::int64_t runId, const ImportCounts& counts, bool cancelled,
                              std::int64_t now) {
    m_impl
        ->statement("UPDATE import_runs SET finished_at = ?, imported = ?, updated = ?, "
                    "skipped = ?, duplicates = ?, failed = ?, cancelled = ? WHERE id = ?")
        .bindAll(now, counts.imported, counts.updated, counts.skipped, counts.duplicates,
                 counts.failed, cancelled ? 1 : 0, runId)
        .run();
}

std::int64_t Catalog::itemCount() {
    return m_impl->scalar("SELECT count(*) FROM items");
}

std::vector<ItemSummary> Catalog::listItems(std::int64_t offset, std::int64_t limit) {
    Statement& query = m_impl->statement(std::string("SELECT ") + kItemColumns +
                                         " FROM items ORDER BY id LIMIT ? OFFSET ?");
    query.bindAll(limit, offset);
    std::vector<ItemSummary> items;
    while (query.step())
        items.push_back(readSummary(query));
    query.reset();
    return items;
}

std::optional<ItemSummary> Catalog::item(ItemId id) {
    Statement& query =
        m_impl->statement(std::string("SELECT ") + kItemColumns + " FROM items WHERE id = ?");
    query.bind(1, id);
    std::optional<ItemSummary> item;
    if (query.step())
        item = readSummary(query);
    query.reset();
    return item;
}

std::optional<Thumbnail> Catalog::thumbnail(ItemId id) {
    Statement& query =
        m_impl->statement("SELECT width, height, jpeg FROM thumbnails WHERE item_id = ?");
    query.bind(1, id);
    std::optional<Thumbnail> thumbnail;
    if (query.step())
        thumbnail = Thumbnail{static_cast<int>(query.columnInt64(0)),
                              static_cast<int>(query.columnInt64(1)), query.columnBlob(2)};
    query.reset();
    return thumbnail;
}

std::vector<std::string> Catalog::filesOf(ItemId id) {
    Statement& query =
        m_impl->statement("SELECT path FROM item_files WHERE item_id = ? ORDER BY path");
    query.bind(1, id);
    std::vector<std::string> paths;
    while (query.step())
        paths.push_back(query.columnText(0));
    query.reset();
    return paths;
}

std::vector<std::string> Catalog::folders() {
    Statement& query = m_impl->statement("SELECT path FROM folders ORDER BY path");
    std::vector<std::string> paths;
    while (query.step())
        paths.push_back(query.columnText(0));
    query.reset();
    return paths;
}

std::vector<ImportErrorRecord> Catalog::importErrors(std::int64_t runId) {
    Statement& query =
        m_impl->statement("SELECT path, reason FROM import_errors WHERE run_id = ? ORDER BY id");
    query.bind(1, runId);
    std::vector<ImportErrorRecord> errors;
    while (query.step())
        errors.push_back({query.columnText(0), query.columnText(1)});
    query.reset();
    return errors;
}

CatalogStats Catalog::stats() {
    CatalogStats stats;
    stats.items = itemCount();
    stats.files = m_impl->scalar("SELECT count(*) FROM item_files");
    stats.groups = m_impl->scalar("SELECT count(*) FROM groups");
    stats.folders = m_impl->scalar("SELECT count(*) FROM folders");
    stats.importRuns = m_impl->scalar("SELECT count(*) FROM import_runs");
    stats.thumbnailBytes = m_impl->scalar("SELECT coalesce(sum(length(jpeg)), 0) FROM thumbnails");
    stats.totalPixels = m_impl->scalar("SELECT coalesce(sum(width * height), 0) FROM items");
    return stats;
}

GroupId Catalog::createGroup(const std::string& name, std::int64_t now) {
    m_impl->statement("INSERT INTO groups (name, created_at) VALUES (?, ?)")
        .bindAll(name, now)
        .run();
    return m_impl->db.lastInsertRowId();
}

void Catalog::addToGroup(GroupId group, ItemId item, std::int64_t now) {
    m_impl
        ->statement("INSERT OR IGNORE INTO group_members (group_id, item_id, added_at) "
                    "VALUES (?, ?, ?)")
        .bindAll(group, item, now)
        .run();
}

void Catalog::removeFromGroup(GroupId group, ItemId item) {
    m_impl->statement("DELETE FROM group_members WHERE group_id = ? AND item_id = ?")
        .bindAll(group, item)
        .run();
}

std::vector<Group> Catalog::groups() {
    Statement& query = m_impl->statement(
        "SELECT g.id, g.name, count(m.item_id) FROM groups g "
        "LEFT JOIN group_members m ON m.group_id = g.id GROUP BY g.id ORDER BY g.name");
    std::vector<Group> groups;
    while (query.step())
        groups.push_back({query.columnInt64(0), query.columnText(1), query.columnInt64(2)});
    query.reset();
    return groups;
}

std::vector<ItemId> Catalog::groupMembers(GroupId group) {
    Statement& query = m_impl->statement(
        "SELECT item_id FROM group_members WHERE group_id = ? ORDER BY item_id");
    query.bind(1, group);
    std::vector<ItemId> members;
    while (query.step())
        members.push_back(query.columnInt64(0));
    query.reset();
    return members;
}

}  // namespace lookalike::catalog
