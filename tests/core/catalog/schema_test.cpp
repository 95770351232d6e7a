// Schema migrations and the constraints the schema itself enforces.

#include "core/catalog/schema.h"

#include "core/catalog/database.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace lookalike;
using namespace lookalike::catalog;

namespace {

std::int64_t scalar(Connection& db, const std::string& sql) {
    Statement query = db.prepare(sql);
    EXPECT_TRUE(query.step()) << sql;
    return query.columnInt64(0);
}

std::vector<std::string> tableNames(Connection& db) {
    Statement query = db.prepare(
        "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
    std::vector<std::string> names;
    while (query.step())
        names.push_back(query.columnText(0));
    return names;
}

std::vector<std::uint8_t> hashOf(std::uint8_t fill, std::size_t size = 32) {
    return std::vector<std::uint8_t>(size, fill);
}

// Inserts an item row directly; returns its id.
std::int64_t insertItem(Connection& db, const std::vector<std::uint8_t>& hash,
                        const std::string& path = "/p/a.jpg") {
    db.prepare("INSERT INTO items (content_hash, source_path, display_name, width, height, "
               "file_size, mtime_ns, imported_at, updated_at) VALUES (?, ?, 'a', 10, 20, 30, 0, 0, 0)")
        .bindAll(std::span<const std::uint8_t>(hash), path)
        .run();
    return db.lastInsertRowId();
}

class SchemaTest : public ::testing::Test {
protected:
    void SetUp() override { migrate(db); }
    Connection db = Connection::openInMemory();
};

}  // namespace

TEST(SchemaVersionTest, MigrationsAreOrderedAndEndAtTheLatestVersion) {
    auto all = migrations();
    ASSERT_FALSE(all.empty());
    for (std::size_t i = 0; i < all.size(); ++i) {
        EXPECT_EQ(all[i].version, static_cast<int>(i) + 1) << "migration " << i;
        EXPECT_FALSE(all[i].sql.empty());
    }
    EXPECT_EQ(latestSchemaVersion(), all.back().version);
}

TEST(SchemaVersionTest, MigrateBringsAnEmptyDatabaseToTheLatestVersion) {
    Connection db = Connection::openInMemory();
    EXPECT_EQ(db.userVersion(), 0);
    migrate(db);
    EXPECT_EQ(db.userVersion(), latestSchemaVersion());
    EXPECT_EQ(tableNames(db),
              (std::vector<std::string>{"embeddings", "folders", "group_members", "groups", "import_errors",
                                        "import_runs", "item_files", "item_products", "items", "models", "not_similar",
                                        "products", "search_indexes", "settings", "sqlite_sequence", "thumbnails"}));
}

// Version 2 keys group membership by item: an item that was in two groups keeps the first.
TEST(SchemaVersionTest, Version2KeepsEachItemInTheGroupItJoinedFirst) {
    Connection db = Connection::openInMemory();
    {
        Transaction transaction(db);
        db.execute(migrations()[0].sql);
        db.setUserVersion(1);
        transaction.commit();
    }
    for (int id : {1, 2})
        db.prepare("INSERT INTO items (id, content_hash, source_path, display_name, width, height, file_size, "
                   "mtime_ns, imported_at, updated_at) VALUES (?, randomblob(32), '/p.jpg', 'p', 1, 1, 1, 0, 0, 0)")
            .bind(1, id)
            .run();
    db.execute("INSERT INTO groups (id, name, created_at) VALUES (1, 'later', 0), (2, 'first', 0)");
    db.execute("INSERT INTO group_members (group_id, item_id, added_at) VALUES (1, 1, 20), (2, 1, 10), (1, 2, 5)");
    migrate(db);
    EXPECT_EQ(db.userVersion(), latestSchemaVersion());
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM group_members"), 2);
    EXPECT_EQ(scalar(db, "SELECT group_id FROM group_members WHERE item_id = 1"), 2);
    EXPECT_EQ(scalar(db, "SELECT group_id FROM group_members WHERE item_id = 2"), 1);
}

// Version 3 adds the product tables to a library that has items and groups, keeping them.
TEST(SchemaVersionTest, Version3AddsProductsAndKeepsWhatIsStored) {
    Connection db = Connection::openInMemory();
    for (int version : {1, 2}) {
        Transaction transaction(db);
        db.execute(migrations()[static_cast<std::size_t>(version - 1)].sql);
        db.setUserVersion(version);
        transaction.commit();
    }
    db.execute("INSERT INTO items (id, content_hash, source_path, display_name, width, height, file_size, "
               "mtime_ns, imported_at, updated_at) VALUES (7, randomblob(32), '/p.jpg', 'p', 1, 1, 1, 0, 0, 0)");
    db.execute("INSERT INTO groups (id, name, created_at) VALUES (1, 'dresses', 0)");
    db.execute("INSERT INTO group_members (group_id, item_id, added_at) VALUES (1, 7, 0)");
    migrate(db);
    EXPECT_EQ(db.userVersion(), 3);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM group_members WHERE item_id = 7"), 1);
    db.execute("INSERT INTO products (id, sku, updated_at) VALUES (1, 'DR-1', 0)");
    db.execute("INSERT INTO item_products (item_id, product_id) VALUES (7, 1)");
    EXPECT_THROW(db.execute("INSERT INTO products (sku, updated_at) VALUES ('DR-1', 0)"), DatabaseError);
    EXPECT_THROW(db.execute("INSERT INTO products (sku, updated_at) VALUES ('', 0)"), DatabaseError);
    db.execute("DELETE FROM items WHERE id = 7");  // a photo's product link goes with it
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM item_products"), 0);
}

TEST_F(SchemaTest, RunningMigrateAgainChangesNothing) {
    insertItem(db, hashOf(1));
    migrate(db);
    migrate(db);
    EXPECT_EQ(db.userVersion(), latestSchemaVersion());
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM items"), 1);
}

TEST(SchemaVersionTest, ACatalogFromANewerVersionIsRefusedAndLeftAlone) {
    fixtures::TempDir dir;
    {
        Connection db = Connection::open(dir / "catalog.db");
        db.execute("CREATE TABLE future (x)");
        db.setUserVersion(latestSchemaVersion() + 1);
    }
    Connection db = Connection::open(dir / "catalog.db");
    try {
        migrate(db);
        FAIL() << "migrated a catalog from the future";
    } catch (const LibraryError& error) {
        std::string message = error.what();
        EXPECT_NE(message.find("newer version"), std::string::npos) << message;
        EXPECT_NE(message.find(std::to_string(latestSchemaVersion() + 1)), std::string::npos)
            << message;
    }
    EXPECT_EQ(db.userVersion(), latestSchemaVersion() + 1);
    EXPECT_EQ(tableNames(db), std::vector<std::string>{"future"});
}

TEST(SchemaVersionTest, AFailedMigrationLeavesTheDatabaseAtItsLastVersion) {
    Connection db = Connection::openInMemory();
    // A table the first migration wants to create makes it fail half way.
    db.execute("CREATE TABLE groups (x)");
    EXPECT_THROW(migrate(db), DatabaseError);
    EXPECT_EQ(db.userVersion(), 0);
    EXPECT_EQ(tableNames(db), std::vector<std::string>{"groups"});  // items etc. rolled back
}

TEST_F(SchemaTest, ForeignKeysAreEnforced) {
    EXPECT_THROW(db.execute("INSERT INTO item_files (path, item_id, file_size, mtime_ns) "
                            "VALUES ('/x.jpg', 999, 1, 1)"),
                 DatabaseError);
    EXPECT_THROW(db.execute("INSERT INTO thumbnails (item_id, width, height, jpeg) "
                            "VALUES (999, 1, 1, x'FFD8')"),
                 DatabaseError);
}

TEST_F(SchemaTest, DeletingAnItemCascadesToFilesThumbnailsAndGroupMembers) {
    std::int64_t item = insertItem(db, hashOf(1));
    std::int64_t other = insertItem(db, hashOf(2), "/p/b.jpg");
    for (std::int64_t id : {item, other}) {
        db.prepare("INSERT INTO thumbnails (item_id, width, height, jpeg) VALUES (?, 1, 1, x'FFD8')")
            .bind(1, id)
            .run();
        db.prepare("INSERT INTO item_files (path, item_id, file_size, mtime_ns) VALUES (?, ?, 1, 1)")
            .bindAll("/p/" + std::to_string(id) + ".jpg", id)
            .run();
    }
    db.prepare("INSERT INTO item_files (path, item_id, file_size, mtime_ns) VALUES ('/q/copy.jpg', ?, 1, 1)")
        .bind(1, item)
        .run();
    db.execute("INSERT INTO groups (id, name, created_at) VALUES (1, 'Shoes', 0)");
    db.prepare("INSERT INTO group_members (group_id, item_id, added_at) VALUES (1, ?, 0)").bind(1, item).run();
    db.prepare("INSERT INTO group_members (group_id, item_id, added_at) VALUES (1, ?, 0)").bind(1, other).run();

    db.prepare("DELETE FROM items WHERE id = ?").bind(1, item).run();

    EXPECT_EQ(scalar(db, "SELECT count(*) FROM items"), 1);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM thumbnails"), 1);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM item_files"), 1);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM group_members"), 1);
    EXPECT_EQ(scalar(db, "SELECT item_id FROM item_files"), other);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM groups"), 1);  // the group itself stays

    db.execute("DELETE FROM groups");
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM group_members"), 0);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM items"), 1);  // members' items stay
}

TEST_F(SchemaTest, DuplicateContentHashIsRejected) {
    insertItem(db, hashOf(7), "/p/a.jpg");
    EXPECT_THROW(insertItem(db, hashOf(7), "/p/b.jpg"), DatabaseError);
    EXPECT_NO_THROW(insertItem(db, hashOf(8), "/p/b.jpg"));
}

TEST_F(SchemaTest, ContentHashMustBe32Bytes) {
    EXPECT_THROW(insertItem(db, hashOf(1, 31)), DatabaseError);
    EXPECT_THROW(insertItem(db, hashOf(1, 33)), DatabaseError);
    EXPECT_THROW(insertItem(db, hashOf(1, 0)), DatabaseError);
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM items"), 0);
}

TEST_F(SchemaTest, ItemDimensionsAndPathMustBeSensible) {
    EXPECT_THROW(db.execute("INSERT INTO items (content_hash, source_path, display_name, width, "
                            "height, file_size, mtime_ns, imported_at, updated_at) VALUES "
                            "(zeroblob(32), '/a', 'a', 0, 1, 1, 0, 0, 0)"),
                 DatabaseError);
    EXPECT_THROW(db.execute("INSERT INTO items (content_hash, source_path, display_name, width, "
                            "height, file_size, mtime_ns, imported_at, updated_at) VALUES "
                            "(zeroblob(32), '', 'a', 1, 1, 1, 0, 0, 0)"),
                 DatabaseError);
    EXPECT_THROW(db.execute("INSERT INTO items (content_hash, source_path, display_name, width, "
                            "height, file_size, mtime_ns, imported_at, updated_at) VALUES "
                            "(zeroblob(32), '/a', 'a', 1, 1, 0, 0, 0, 0)"),
                 DatabaseError);
}

TEST_F(SchemaTest, GroupNamesMustBeNonBlankAndUniqueIgnoringCase) {
    EXPECT_THROW(db.execute("INSERT INTO groups (name, created_at) VALUES ('', 0)"), DatabaseError);
    EXPECT_THROW(db.execute("INSERT INTO groups (name, created_at) VALUES ('   ', 0)"), DatabaseError);
    db.execute("INSERT INTO groups (name, created_at) VALUES ('Summer Dresses', 0)");
    EXPECT_THROW(db.execute("INSERT INTO groups (name, created_at) VALUES ('summer dresses', 0)"),
                 DatabaseError);
    EXPECT_THROW(db.execute("INSERT INTO groups (name, created_at) VALUES ('SUMMER DRESSES', 0)"),
                 DatabaseError);
    EXPECT_NO_THROW(db.execute("INSERT INTO groups (name, created_at) VALUES ('Winter Dresses', 0)"));
    EXPECT_EQ(scalar(db, "SELECT count(*) FROM groups"), 2);
}

TEST_F(SchemaTest, ImportRunCancelledFlagIsBoolean) {
    EXPECT_THROW(db.execute("INSERT INTO import_runs (started_at, roots, cancelled) VALUES (0, '/', 2)"),
                 DatabaseError);
    EXPECT_NO_THROW(db.execute("INSERT INTO import_runs (started_at, roots, cancelled) VALUES (0, '/', 1)"));
}
