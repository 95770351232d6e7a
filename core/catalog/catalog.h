#pragma once
// The catalog of one library: items, the files they came from, thumbnails, groups and import
// history, stored in <library>/catalog.db.
//
// A Catalog owns the library's single writer connection. It is not thread-safe: one thread
// at a time uses it (the importer keeps all writes on its own thread). Batch writes by
// wrapping calls in a Transaction on writer().

#include "core/catalog/database.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lookalike::catalog {

using ItemId = std::int64_t;
using GroupId = std::int64_t;
using ContentHash = std::array<std::uint8_t, 32>;  // SHA-256 of the file's bytes

struct Thumbnail {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> jpeg;
};

// What the importer knows about one photo.
struct ItemData {
    ContentHash contentHash{};
    std::string sourcePath;
    std::string displayName;
    int width = 0;  // after EXIF orientation
    int height = 0;
    std::int64_t fileSize = 0;
    std::int64_t mtimeNs = 0;
    Thumbnail thumbnail;
};

struct ItemSummary {
    ItemId id = 0;
    std::string displayName;
    std::string sourcePath;
    int width = 0;
    int height = 0;
    std::int64_t fileSize = 0;
    std::int64_t importedAt = 0;  // Unix seconds
};

// A path the catalog has seen, with the size and mtime it had then.
struct FileRecord {
    ItemId itemId = 0;
    std::int64_t fileSize = 0;
    std::int64_t mtimeNs = 0;
};

struct Group {
    GroupId id = 0;
    std::string name;
    std::int64_t itemCount = 0;
};

struct ImportCounts {
    std::int64_t imported = 0;
    std::int64_t updated = 0;
    std::int64_t skipped = 0;
    std::int64_t duplicates = 0;
    std::int64_t failed = 0;
};

struct ImportErrorRecord {
    std::string path;
    std::string reason;
};

struct CatalogStats {
    std::int64_t items = 0;
    std::int64_t files = 0;
    std::int64_t groups = 0;
    std::int64_t folders = 0;
    std::int64_t importRuns = 0;
    std::int64_t thumbnailBytes = 0;
    std::int64_t totalPixels = 0;
};

class Catalog {
public:
    // Opens the library folder, creating it and its catalog when missing, and migrates the
    // schema. Throws LibraryError (or DatabaseError) when it cannot be used.
    static Catalog open(const std::filesystem::path& libraryDir);
    // An in-memory catalog with the full schema, for tests.
    static Catalog openInMemory();

    Catalog(Catalog&&) noexcept;
    Catalog& operator=(Catalog&&) noexcept;
    ~Catalog();

    const std::filesystem::path& libraryDir() const;
    Connection& writer();

    // --- import bookkeeping ---
    std::optional<FileRecord> findFile(const std::string& path);
    std::optional<ItemId> findItemByHash(const ContentHash& hash);
    ItemId addItem(const ItemData& item, std::int64_t now);
    // Replaces an item's content (hash, size, dimensions, thumbnail); keeps its id and groups.
    void updateItem(ItemId id, const ItemData& item, std::int64_t now);
    void recordFile(const std::string& path, ItemId item, std::int64_t fileSize,
                    std::int64_t mtimeNs);
    void addFolder(const std::string& path, std::int64_t now);
    std::int64_t beginImportRun(const std::string& roots, std::int64_t now);
    void recordImportError(std::int64_t runId, const std::string& path, const std::string& reason);
    void finishImportRun(std::int64_t runId, const ImportCounts& counts, bool cancelled,
                         std::int64_t now);

    // --- reading ---
    std::int64_t itemCount();
    std::vector<ItemSummary> listItems(std::int64_t offset, std::int64_t limit);
    std::optional<ItemSummary> item(ItemId id);
    std::optional<Thumbnail> thumbnail(ItemId id);
    std::vector<std::string> filesOf(ItemId id);
    std::vector<std::string> folders();
    std::vector<ImportErrorRecord> importErrors(std::int64_t runId);
    CatalogStats stats();

    // --- groups ---
    // Throws DatabaseError when the name is empty or already used (names ignore case).
    GroupId createGroup(const std::string& name, std::int64_t now);
    void addToGroup(GroupId group, ItemId item, std::int64_t now);
    void removeFromGroup(GroupId group, ItemId item);
    std::vector<Group> groups();
    std::vector<ItemId> groupMembers(GroupId group);

private:
    struct Impl;
    explicit Catalog(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> m_impl;
};

// The catalog file inside a library folder.
std::filesystem::path catalogPath(const std::filesystem::path& libraryDir);
// The library used when none is given: $XDG_DATA_HOME/lookalike/library.
std::filesystem::path defaultLibraryDir();

}  // namespace lookalike::catalog
