#pragma once
// The catalog of one library: items, the files they came from, thumbnails, groups and import
// history, stored in <library>/catalog.db or in a PostgreSQL database (library_location.h).
//
// A Catalog owns the library's single writer connection. It is not thread-safe: one thread
// at a time uses it (the importer keeps all writes on its own thread). Batch writes by
// wrapping calls in a Transaction on writer().

#include "core/catalog/database.h"
#include "core/catalog/library_location.h"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::catalog {

using ItemId = std::int64_t;
using GroupId = std::int64_t;
using ProductId = std::int64_t;
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

// A shop's product: the photos that share its SKU, and what the shop says of it.
struct Product {
    ProductId id = 0;
    std::string sku;    // empty: the data a CSV gave one photo by its file alone
    std::string name;
    std::string price;  // as the shop wrote it ("49.90", "EUR 49,90")
    std::string url;    // its page on the shop's web site
};

// What a product import sets; nullopt (or a field left out) keeps the stored value.
struct ProductFields {
    std::optional<std::string> name;
    std::optional<std::string> price;
    std::optional<std::string> url;
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
    // Opens the library, creating it when missing (a folder and its catalog, or the tables in
    // an empty server database), and migrates the schema. Throws LibraryError (or
    // DatabaseError) when it cannot be used.
    static Catalog open(const LibraryLocation& location);
    // An in-memory catalog with the full schema, for tests.
    static Catalog openInMemory();

    Catalog(Catalog&&) noexcept;
    Catalog& operator=(Catalog&&) noexcept;
    ~Catalog();

    // The folder for this library's files on this computer (its search index): the library
    // folder, or for a server library this desk's cache, $XDG_CACHE_HOME/lookalike/<libraryId>.
    // Empty for an in-memory catalog, and for a server library whose cache cannot be made.
    const std::filesystem::path& libraryDir() const;
    const LibraryLocation& location() const;
    bool isServer() const { return location().isServer(); }
    // A server library's identity (a random UUID made with it); empty for a folder.
    const std::string& libraryId() const;
    Connection& writer();

    // --- import bookkeeping ---
    std::optional<FileRecord> findFile(const std::string& path);
    std::optional<ItemId> findItemByHash(const ContentHash& hash);
    ItemId addItem(const ItemData& item, std::int64_t now);
    // Replaces an item's content (hash, size, dimensions, thumbnail); keeps its id and groups,
    // and drops its embeddings, which described the old content.
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
    std::vector<ItemId> itemIds();  // ascending
    // The item imported from this path (any path it was seen at).
    std::optional<ItemId> findItemByPath(const std::string& path);
    // Items seen at a path whose file name is `fileName`.
    std::vector<ItemId> findItemsByFileName(const std::string& fileName);
    // Items seen at a path inside `folder` (at any depth).
    std::vector<ItemId> itemsInFolder(const std::string& folder);
    // Removes the item with its files, thumbnail, group membership, marks and embeddings.
    // Returns false when there is no such item.
    bool removeItem(ItemId id);
    std::optional<Thumbnail> thumbnail(ItemId id);
    std::vector<std::string> filesOf(ItemId id);
    // True when none of the paths the item was seen at exists any more (its folder was moved
    // or deleted). Its thumbnail and vectors are in the catalog, so it still shows and has
    // look-alikes; the front ends mark it. One stat() per recorded path.
    bool filesMissing(ItemId id);
    // Every item whose files are all gone, ascending.
    std::vector<ItemId> itemsWithMissingFiles();
    std::vector<std::string> folders();
    std::vector<ImportErrorRecord> importErrors(std::int64_t runId);
    CatalogStats stats();

    // --- groups ("these are similar"); an item belongs to at most one group ---
    // Throws DatabaseError when the name is empty or already used (names ignore case).
    GroupId createGroup(const std::string& name, std::int64_t now);
    // Moves the item into the group, out of any other. Throws DatabaseError for an unknown
    // group or item.
    void addToGroup(GroupId group, ItemId item, std::int64_t now);
    void removeFromGroup(GroupId group, ItemId item);
    // Throws DatabaseError when the new name is empty or used by another group.
    void renameGroup(GroupId group, const std::string& name);
    // Deletes the group; its items stay in the catalog, ungrouped. False when unknown.
    bool deleteGroup(GroupId group);
    // Moves every member of `from` into `into` and deletes `from`. Throws DatabaseError when
    // either is unknown or they are the same.
    void mergeGroups(GroupId into, GroupId from);
    std::vector<Group> groups();  // by name
    std::optional<Group> group(GroupId group);
    std::optional<Group> findGroup(const std::string& name);  // ignores case
    std::vector<ItemId> groupMembers(GroupId group);
    std::optional<GroupId> groupOf(ItemId item);
    std::vector<ItemId> ungroupedItems();

    // --- "not similar" marks: the owner says two items are not look-alikes ---
    // Stores the mark once per pair, whichever order. Throws DatabaseError for an unknown
    // item or a == b.
    void markNotSimilar(ItemId a, ItemId b, std::int64_t now);
    bool unmarkNotSimilar(ItemId a, ItemId b);
    std::vector<ItemId> notSimilarTo(ItemId item);                  // ascending
    std::vector<std::pair<ItemId, ItemId>> notSimilarPairs();       // (smaller, larger)

    // --- products: photos that share a SKU are one product; a photo is in at most one ---
    // A new product with that SKU (trimmed by the caller; empty: a product without a SKU, for
    // one photo). Throws DatabaseError when another product has the SKU.
    ProductId createProduct(const std::string& sku, std::int64_t now);
    // Sets the fields that are given. Throws DatabaseError for an unknown product.
    void updateProduct(ProductId product, const ProductFields& fields, std::int64_t now);
    std::optional<Product> product(ProductId product);
    std::optional<Product> findProduct(const std::string& sku);  // exact, case and all
    // Makes `item` a photo of `product`, out of any other; a product without a SKU that is left
    // without photos is deleted (one with a SKU keeps its data for photos imported later).
    // Throws DatabaseError for an unknown item or product.
    void setProductOf(ItemId item, ProductId product);
    std::optional<Product> productOf(ItemId item);
    std::optional<ProductId> productIdOf(ItemId item);
    std::vector<ItemId> productPhotos(ProductId product);  // ascending
    // Every photo that has a product, with it, by item id.
    std::vector<std::pair<ItemId, Product>> photoProducts();
    // Products that have photos.
    std::int64_t productCount();

private:
    struct Impl;
    explicit Catalog(std::unique_ptr<Impl> impl);
    static Catalog openServer(const LibraryLocation& location);
    std::unique_ptr<Impl> m_impl;
};

// --- what the front ends share on top of a Catalog ---

// The item imported from `path`, tried as given, made absolute and with symlinks resolved
// (the catalog stores the absolute, lexically normal path an import saw).
std::optional<ItemId> findItemAtPath(Catalog& catalog, const std::filesystem::path& path);
// Throws LibraryError ("... has no items yet") for a library without items.
void requireSomeItems(Catalog& catalog);

// Why a group name (already trimmed: spaces around a name are never meant) cannot be used, or
// "" when it can.
std::string groupNameProblem(std::string_view name);
// Puts `item` into `group` (inside the caller's transaction). Returns the group it was moved
// out of, if any; `alreadyThere` tells when it was a member already.
std::optional<Group> putInGroup(Catalog& catalog, GroupId group, ItemId item, std::int64_t now, bool& alreadyThere);

// The catalog file inside a library folder.
std::filesystem::path catalogPath(const std::filesystem::path& libraryDir);
// The library used when none is given: $XDG_DATA_HOME/lookalike/library.
std::filesystem::path defaultLibraryDir();

}  // namespace lookalike::catalog
