#include "core/catalog/catalog.h"

#include "core/catalog/schema.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <system_error>
#include <unordered_map>

namespace lookalike::catalog {

namespace fs = std::filesystem;

struct Catalog::Impl {
    Impl(Connection connection, fs::path dir, LibraryLocation where)
        : db(std::move(connection)), libraryDir(std::move(dir)), location(std::move(where)) {}

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

    // Runs an INSERT ... RETURNING id whose parameters are bound; returns the new row's id.
    static std::int64_t insertedId(Statement& insert) {
        if (!insert.step())
            throw DatabaseError("internal error: an insert returned no id");
        const std::int64_t id = insert.columnInt64(0);
        insert.reset();
        return id;
    }

    std::int64_t scalar(const std::string& sql) {
        Statement& query = statement(sql);
        std::int64_t value = query.step() ? query.columnInt64(0) : 0;
        query.reset();
        return value;
    }

    // The first column of every row, for a query with its parameters already bound.
    static std::vector<std::int64_t> ids(Statement& query) {
        std::vector<std::int64_t> values;
        while (query.step())
            values.push_back(query.columnInt64(0));
        query.reset();
        return values;
    }

    bool itemExists(ItemId id) {
        Statement& query = statement("SELECT 1 FROM items WHERE id = ?");
        query.bind(1, id);
        bool exists = query.step();
        query.reset();
        return exists;
    }

    void writeThumbnail(ItemId id, const Thumbnail& thumbnail) {
        statement("INSERT INTO thumbnails (item_id, width, height, jpeg) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT(item_id) DO UPDATE SET width = excluded.width, height = excluded.height, "
                  "jpeg = excluded.jpeg")
            .bindAll(id, thumbnail.width, thumbnail.height,
                     std::span<const std::uint8_t>(thumbnail.jpeg))
            .run();
    }

    Connection db;
    fs::path libraryDir;
    LibraryLocation location;
    std::string libraryId;
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

namespace {

// A random UUID (version 4), from the kernel's generator.
std::string randomUuid() {
    std::array<std::uint8_t, 16> bytes{};
    if (FILE* random = std::fopen("/dev/urandom", "rb")) {
        const std::size_t read = std::fread(bytes.data(), 1, bytes.size(), random);
        std::fclose(random);
        if (read != bytes.size())
            throw LibraryError("Cannot read /dev/urandom to name the library");
    } else {
        throw LibraryError("Cannot open /dev/urandom to name the library");
    }
    bytes[6] = static_cast<std::uint8_t>((bytes[6] & 0x0f) | 0x40);
    bytes[8] = static_cast<std::uint8_t>((bytes[8] & 0x3f) | 0x80);
    std::string text;
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        static constexpr char kHex[] = "0123456789abcdef";
        if (i == 4 || i == 6 || i == 8 || i == 10)
            text += '-';
        text += kHex[bytes[i] >> 4];
        text += kHex[bytes[i] & 0x0f];
    }
    return text;
}

// The server library's id, made by the first desk that opens it.
std::string serverLibraryId(Connection& db) {
    {
        Transaction transaction(db);
        db.prepare("INSERT INTO settings (key, value) VALUES ('library_id', ?) ON CONFLICT DO NOTHING")
            .bind(1, randomUuid())
            .run();
        transaction.commit();
    }
    Statement query = db.prepare("SELECT value FROM settings WHERE key = 'library_id'");
    if (!query.step())
        throw DatabaseError("the library server lost the library's id");
    const std::string id = query.columnText(0);
    if (id.size() != 36 || id.find_first_not_of("0123456789abcdef-") != std::string::npos)
        throw DatabaseError("the library's id on the server is not a UUID: '" + id + "'");
    return id;
}

}  // namespace

Catalog Catalog::openServer(const LibraryLocation& location) {
    Connection connection = Connection::openServer(location.uri());
    migrate(connection);
    std::string id = serverLibraryId(connection);
    // The desk's cache. Without one (a full or read-only home) the library still works: the
    // index is then built in memory at every start instead of loaded.
    fs::path cache = xdgCacheHome() / "lookalike" / id;
    std::error_code error;
    fs::create_directories(cache, error);
    if (error || !fs::is_directory(cache))
        cache.clear();
    auto impl = std::make_unique<Impl>(std::move(connection), cache, location);
    impl->libraryId = std::move(id);
    return Catalog(std::move(impl));
}

Catalog Catalog::open(const LibraryLocation& location) {
    if (location.isServer())
        return openServer(location);
    const fs::path& libraryDir = location.folder();
    std::error_code error;
    fs::create_directories(libraryDir, error);
    if (error || !fs::is_directory(libraryDir))
        throw LibraryError("Cannot use library folder " + displayPath(libraryDir) + ": " +
                           (error ? error.message() : "not a folder"));
    Connection connection = Connection::open(catalogPath(libraryDir));
    migrate(connection);
    return Catalog(std::make_unique<Impl>(std::move(connection), libraryDir, location));
}

Catalog Catalog::openInMemory() {
    Connection connection = Connection::openInMemory();
    migrate(connection);
    return Catalog(std::make_unique<Impl>(std::move(connection), fs::path(), LibraryLocation()));
}

const fs::path& Catalog::libraryDir() const {
    return m_impl->libraryDir;
}

const LibraryLocation& Catalog::location() const {
    return m_impl->location;
}

const std::string& Catalog::libraryId() const {
    return m_impl->libraryId;
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
    const ItemId id = Impl::insertedId(
        m_impl
            ->statement("INSERT INTO items (content_hash, source_path, display_name, width, height, "
                        "file_size, mtime_ns, imported_at, updated_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id")
            .bindAll(bytesOf(item.contentHash), item.sourcePath, item.displayName, item.width, item.height,
                     item.fileSize, item.mtimeNs, now, now));
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
    m_impl->statement("DELETE FROM embeddings WHERE item_id = ?").bind(1, id).run();
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
    m_impl->statement("INSERT INTO folders (path, added_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
        .bindAll(path, now)
        .run();
}

std::int64_t Catalog::beginImportRun(const std::string& roots, std::int64_t now) {
    return Impl::insertedId(
        m_impl->statement("INSERT INTO import_runs (started_at, roots) VALUES (?, ?) RETURNING id").bindAll(now, roots));
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

std::vector<ItemId> Catalog::itemIds() {
    return Impl::ids(m_impl->statement("SELECT id FROM items ORDER BY id"));
}

std::optional<ItemId> Catalog::findItemByPath(const std::string& path) {
    Statement& query = m_impl->statement(
        "SELECT item_id FROM item_files WHERE path = ?1 UNION "
        "SELECT id FROM items WHERE source_path = ?1 LIMIT 1");
    query.bind(1, path);
    std::vector<std::int64_t> found = Impl::ids(query);
    return found.empty() ? std::nullopt : std::optional<ItemId>(found.front());
}

std::vector<ItemId> Catalog::findItemsByFileName(const std::string& fileName) {
    // A file name has no slash, so "ends with /name" matches exactly that name.
    Statement& query = m_impl->statement(
        "SELECT DISTINCT item_id FROM item_files "
        "WHERE substr(path, length(path) - length(?1)) = '/' || ?1 OR path = ?1 ORDER BY item_id");
    query.bind(1, fileName);
    return Impl::ids(query);
}

std::vector<ItemId> Catalog::itemsInFolder(const std::string& folder) {
    std::string prefix = folder;
    while (prefix.size() > 1 && prefix.back() == '/')
        prefix.pop_back();
    if (prefix != "/")
        prefix += '/';
    Statement& query = m_impl->statement(
        "SELECT DISTINCT item_id FROM item_files WHERE substr(path, 1, length(?1)) = ?1 ORDER BY item_id");
    query.bind(1, prefix);
    return Impl::ids(query);
}

bool Catalog::removeItem(ItemId id) {
    // A product without a SKU was this photo's data alone.
    m_impl
        ->statement("DELETE FROM products WHERE sku IS NULL AND id = (SELECT product_id FROM item_products "
                    "WHERE item_id = ?)")
        .bind(1, id)
        .run();
    m_impl->statement("DELETE FROM items WHERE id = ?").bind(1, id).run();
    return m_impl->db.changes() == 1;
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

bool Catalog::filesMissing(ItemId id) {
    const std::vector<std::string> paths = filesOf(id);
    return !paths.empty() && std::none_of(paths.begin(), paths.end(), [](const std::string& path) {
        std::error_code error;
        return std::filesystem::exists(path, error);
    });
}

std::vector<ItemId> Catalog::itemsWithMissingFiles() {
    std::vector<ItemId> missing;
    for (ItemId id : itemIds())
        if (filesMissing(id))
            missing.push_back(id);
    return missing;
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
    stats.thumbnailBytes = m_impl->scalar("SELECT CAST(coalesce(sum(length(jpeg)), 0) AS BIGINT) FROM thumbnails");
    stats.totalPixels = m_impl->scalar("SELECT CAST(coalesce(sum(width * height), 0) AS BIGINT) FROM items");
    return stats;
}

GroupId Catalog::createGroup(const std::string& name, std::int64_t now) {
    return Impl::insertedId(
        m_impl->statement("INSERT INTO groups (name, created_at) VALUES (?, ?) RETURNING id").bindAll(name, now));
}

void Catalog::addToGroup(GroupId group, ItemId item, std::int64_t now) {
    if (!this->group(group))
        throw DatabaseError("group " + std::to_string(group) + " does not exist");
    if (!m_impl->itemExists(item))
        throw DatabaseError("item " + std::to_string(item) + " does not exist");
    m_impl
        ->statement("INSERT INTO group_members (item_id, group_id, added_at) VALUES (?, ?, ?) "
                    "ON CONFLICT(item_id) DO UPDATE SET group_id = excluded.group_id, "
                    "added_at = excluded.added_at WHERE group_members.group_id <> excluded.group_id")
        .bindAll(item, group, now)
        .run();
}

void Catalog::removeFromGroup(GroupId group, ItemId item) {
    m_impl->statement("DELETE FROM group_members WHERE group_id = ? AND item_id = ?")
        .bindAll(group, item)
        .run();
}

void Catalog::renameGroup(GroupId group, const std::string& name) {
    m_impl->statement("UPDATE groups SET name = ? WHERE id = ?").bindAll(name, group).run();
    if (m_impl->db.changes() != 1)
        throw DatabaseError("group " + std::to_string(group) + " does not exist");
}

bool Catalog::deleteGroup(GroupId group) {
    m_impl->statement("DELETE FROM groups WHERE id = ?").bind(1, group).run();
    return m_impl->db.changes() == 1;
}

void Catalog::mergeGroups(GroupId into, GroupId from) {
    if (into == from)
        throw DatabaseError("cannot merge a group into itself");
    for (GroupId id : {into, from})
        if (!group(id))
            throw DatabaseError("group " + std::to_string(id) + " does not exist");
    Transaction transaction(m_impl->db);
    m_impl->statement("UPDATE group_members SET group_id = ? WHERE group_id = ?")
        .bindAll(into, from)
        .run();
    deleteGroup(from);
    transaction.commit();
}

std::vector<Group> Catalog::groups() {
    Statement& query = m_impl->statement(
        "SELECT g.id, g.name, count(m.item_id) FROM groups g "
        "LEFT JOIN group_members m ON m.group_id = g.id GROUP BY g.id ORDER BY lower(g.name), g.id");
    std::vector<Group> groups;
    while (query.step())
        groups.push_back({query.columnInt64(0), query.columnText(1), query.columnInt64(2)});
    query.reset();
    return groups;
}

namespace {

std::optional<Group> readGroup(Statement& query) {
    std::optional<Group> group;
    if (query.step())
        group = Group{query.columnInt64(0), query.columnText(1), query.columnInt64(2)};
    query.reset();
    return group;
}

}  // namespace

std::optional<Group> Catalog::group(GroupId group) {
    Statement& query = m_impl->statement(
        "SELECT g.id, g.name, (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) "
        "FROM groups g WHERE g.id = ?");
    query.bind(1, group);
    return readGroup(query);
}

std::optional<Group> Catalog::findGroup(const std::string& name) {
    Statement& query = m_impl->statement(
        "SELECT g.id, g.name, (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) "
        "FROM groups g WHERE lower(g.name) = lower(?)");
    query.bind(1, name);
    return readGroup(query);
}

std::vector<ItemId> Catalog::groupMembers(GroupId group) {
    Statement& query = m_impl->statement(
        "SELECT item_id FROM group_members WHERE group_id = ? ORDER BY item_id");
    query.bind(1, group);
    return Impl::ids(query);
}

std::optional<GroupId> Catalog::groupOf(ItemId item) {
    Statement& query = m_impl->statement("SELECT group_id FROM group_members WHERE item_id = ?");
    query.bind(1, item);
    std::vector<std::int64_t> found = Impl::ids(query);
    return found.empty() ? std::nullopt : std::optional<GroupId>(found.front());
}

std::vector<ItemId> Catalog::ungroupedItems() {
    Statement& query = m_impl->statement(
        "SELECT id FROM items WHERE id NOT IN (SELECT item_id FROM group_members) ORDER BY id");
    return Impl::ids(query);
}

void Catalog::markNotSimilar(ItemId a, ItemId b, std::int64_t now) {
    if (a == b)
        throw DatabaseError("an item cannot be marked not similar to itself");
    for (ItemId id : {a, b})
        if (!m_impl->itemExists(id))
            throw DatabaseError("item " + std::to_string(id) + " does not exist");
    m_impl->statement("INSERT INTO not_similar (item_a, item_b, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bindAll(std::min(a, b), std::max(a, b), now)
        .run();
}

bool Catalog::unmarkNotSimilar(ItemId a, ItemId b) {
    m_impl->statement("DELETE FROM not_similar WHERE item_a = ? AND item_b = ?")
        .bindAll(std::min(a, b), std::max(a, b))
        .run();
    return m_impl->db.changes() == 1;
}

std::vector<ItemId> Catalog::notSimilarTo(ItemId item) {
    Statement& query = m_impl->statement(
        "SELECT item_b FROM not_similar WHERE item_a = ?1 UNION "
        "SELECT item_a FROM not_similar WHERE item_b = ?1 ORDER BY 1");
    query.bind(1, item);
    return Impl::ids(query);
}

std::vector<std::pair<ItemId, ItemId>> Catalog::notSimilarPairs() {
    Statement& query = m_impl->statement("SELECT item_a, item_b FROM not_similar ORDER BY item_a, item_b");
    std::vector<std::pair<ItemId, ItemId>> pairs;
    while (query.step())
        pairs.emplace_back(query.columnInt64(0), query.columnInt64(1));
    query.reset();
    return pairs;
}

std::optional<ItemId> findItemAtPath(Catalog& catalog, const fs::path& path) {
    std::vector<std::string> candidates = {displayPath(path)};
    std::error_code error;
    fs::path absolute = fs::absolute(path, error).lexically_normal();
    if (!error)
        candidates.push_back(displayPath(absolute));
    fs::path canonical = fs::weakly_canonical(path, error);
    if (!error)
        candidates.push_back(displayPath(canonical));
    for (const std::string& candidate : candidates)
        if (std::optional<ItemId> found = catalog.findItemByPath(candidate))
            return found;
    return std::nullopt;
}

void requireSomeItems(Catalog& catalog) {
    if (catalog.itemCount() == 0)
        throw LibraryError("The library at " + catalog.libraryDir().string() +
                           " has no items yet (import a folder of photos first)");
}

// Control characters are refused: none of them shows in a list, and the catalog's text ends at
// a NUL, so "\0Red" would reach it as an empty name and fail the whole command with a database
// error.
std::string groupNameProblem(std::string_view name) {
    if (name.empty())
        return "a group name cannot be empty";
    if (std::any_of(name.begin(), name.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
        return "a group name cannot hold control characters";
    return "";
}

std::optional<Group> putInGroup(Catalog& catalog, GroupId group, ItemId item, std::int64_t now, bool& alreadyThere) {
    std::optional<GroupId> before = catalog.groupOf(item);
    alreadyThere = before == group;
    if (alreadyThere)
        return std::nullopt;
    std::optional<Group> previous = before ? catalog.group(*before) : std::nullopt;
    catalog.addToGroup(group, item, now);
    return previous;
}

namespace {

constexpr const char* kProductColumns = "p.id, coalesce(p.sku, ''), p.name, p.price, p.url";

Product readProduct(const Statement& row, int first = 0) {
    return Product{row.columnInt64(first), row.columnText(first + 1), row.columnText(first + 2),
                   row.columnText(first + 3), row.columnText(first + 4)};
}

std::optional<Product> readOneProduct(Statement& query) {
    std::optional<Product> product;
    if (query.step())
        product = readProduct(query);
    query.reset();
    return product;
}

}  // namespace

ProductId Catalog::createProduct(const std::string& sku, std::int64_t now) {
    if (!sku.empty() && findProduct(sku))
        throw DatabaseError("a product with the SKU " + sku + " exists already");
    Statement& insert = m_impl->statement("INSERT INTO products (sku, updated_at) VALUES (?, ?) RETURNING id");
    if (sku.empty())
        insert.bindNull(1);
    else
        insert.bind(1, sku);
    insert.bind(2, now);
    return Impl::insertedId(insert);
}

void Catalog::updateProduct(ProductId product, const ProductFields& fields, std::int64_t now) {
    if (!this->product(product))
        throw DatabaseError("product " + std::to_string(product) + " does not exist");
    const std::pair<const char*, const std::optional<std::string>*> columns[] = {
        {"name", &fields.name}, {"price", &fields.price}, {"url", &fields.url}};
    for (const auto& [column, value] : columns)
        if (*value)
            m_impl
                ->statement(std::string("UPDATE products SET ") + column + " = ?, updated_at = ? WHERE id = ?")
                .bindAll(**value, now, product)
                .run();
}

std::optional<Product> Catalog::product(ProductId product) {
    Statement& query = m_impl->statement(std::string("SELECT ") + kProductColumns + " FROM products p WHERE p.id = ?");
    query.bind(1, product);
    return readOneProduct(query);
}

std::optional<Product> Catalog::findProduct(const std::string& sku) {
    Statement& query = m_impl->statement(std::string("SELECT ") + kProductColumns + " FROM products p WHERE p.sku = ?");
    query.bind(1, sku);
    return readOneProduct(query);
}

void Catalog::setProductOf(ItemId item, ProductId product) {
    if (!m_impl->itemExists(item))
        throw DatabaseError("item " + std::to_string(item) + " does not exist");
    if (!this->product(product))
        throw DatabaseError("product " + std::to_string(product) + " does not exist");
    const std::optional<ProductId> before = productIdOf(item);
    if (before == product)
        return;
    m_impl
        ->statement("INSERT INTO item_products (item_id, product_id) VALUES (?, ?) "
                    "ON CONFLICT(item_id) DO UPDATE SET product_id = excluded.product_id")
        .bindAll(item, product)
        .run();
    if (before)
        m_impl
            ->statement("DELETE FROM products WHERE id = ? AND sku IS NULL AND NOT EXISTS "
                        "(SELECT 1 FROM item_products WHERE product_id = ?)")
            .bindAll(*before, *before)
            .run();
}

std::optional<Product> Catalog::productOf(ItemId item) {
    Statement& query = m_impl->statement(std::string("SELECT ") + kProductColumns +
                                         " FROM item_products ip JOIN products p ON p.id = ip.product_id "
                                         "WHERE ip.item_id = ?");
    query.bind(1, item);
    return readOneProduct(query);
}

std::optional<ProductId> Catalog::productIdOf(ItemId item) {
    Statement& query = m_impl->statement("SELECT product_id FROM item_products WHERE item_id = ?");
    query.bind(1, item);
    std::vector<std::int64_t> found = Impl::ids(query);
    return found.empty() ? std::nullopt : std::optional<ProductId>(found.front());
}

std::vector<ItemId> Catalog::productPhotos(ProductId product) {
    Statement& query = m_impl->statement("SELECT item_id FROM item_products WHERE product_id = ? ORDER BY item_id");
    query.bind(1, product);
    return Impl::ids(query);
}

std::vector<std::pair<ItemId, Product>> Catalog::photoProducts() {
    Statement& query = m_impl->statement(std::string("SELECT ip.item_id, ") + kProductColumns +
                                         " FROM item_products ip JOIN products p ON p.id = ip.product_id "
                                         "ORDER BY ip.item_id");
    std::vector<std::pair<ItemId, Product>> found;
    while (query.step())
        found.emplace_back(query.columnInt64(0), readProduct(query, 1));
    query.reset();
    return found;
}

std::int64_t Catalog::productCount() {
    return m_impl->scalar("SELECT count(DISTINCT product_id) FROM item_products");
}

}  // namespace lookalike::catalog
