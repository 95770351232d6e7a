// The PostgreSQL backend on a real server: values in both directions, placeholders,
// transactions, a lost connection, the advisory library lock, the desk's cache folder, and
// copying a library between the backends.

#include "core/catalog/catalog.h"
#include "core/catalog/library_copy.h"
#include "core/catalog/library_location.h"
#include "core/catalog/library_lock.h"
#include "core/catalog/model_store.h"
#include "core/catalog/schema.h"
#include "tests/support/backends.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

using namespace lookalike;
using namespace lookalike::catalog;

namespace {

std::string freshUri() {
    return fixtures::PostgresCluster::shared().createDatabase();
}

TEST(LibraryLocationTest, TellsServersFromFoldersAndNeverShowsAPassword) {
    EXPECT_FALSE(LibraryLocation::parse("/srv/shop/library").isServer());
    EXPECT_FALSE(LibraryLocation::parse("postgresql-notes").isServer());
    const LibraryLocation server =
        LibraryLocation::parse("postgresql://shop:s3cret@db.example:5433/lookalike?sslmode=require&password=other");
    ASSERT_TRUE(server.isServer());
    EXPECT_TRUE(server.hasPassword());
    EXPECT_EQ(server.display(), "postgresql://shop@db.example:5433/lookalike");
    EXPECT_EQ(server.withoutPassword(), "postgresql://shop@db.example:5433/lookalike?sslmode=require");
    EXPECT_EQ(server.display().find("s3cret"), std::string::npos);

    const LibraryLocation socket = LibraryLocation::parse("postgres:///lookalike?host=/run/postgresql&port=5432&user=shop");
    EXPECT_FALSE(socket.hasPassword());
    EXPECT_EQ(socket.display(), "postgresql://shop@/lookalike?host=/run/postgresql&port=5432");
    EXPECT_EQ(socket.problem(), "");
    EXPECT_NE(LibraryLocation::parse("postgresql://[broken").problem(), "");
}

TEST(PostgresConnectionTest, ValuesRoundTripInBinary) {
    Connection db = Connection::openServer(freshUri());
    EXPECT_EQ(db.dialect(), Dialect::Postgres);
    db.execute("CREATE TABLE t (i BIGINT, d DOUBLE PRECISION, s TEXT, b BYTEA)");
    const std::vector<std::uint8_t> big(3 << 20, 0xAB);
    const std::vector<std::uint8_t> none;
    Statement insert = db.prepare("INSERT INTO t (i, d, s, b) VALUES (?, ?, ?, ?)");
    insert.bindAll(std::numeric_limits<std::int64_t>::min(), -0.125, std::string("grün ✓"), std::span<const std::uint8_t>(big))
        .run();
    EXPECT_EQ(db.changes(), 1);
    insert.bindAll(std::int64_t{7}, 1e300, std::string(), std::span<const std::uint8_t>(none)).run();
    insert.bindNull(1).bindNull(2).bindNull(3).bindNull(4).run();

    Statement query = db.prepare("SELECT i, d, s, b, i IS NULL, length(b) FROM t ORDER BY i NULLS LAST");
    ASSERT_TRUE(query.step());
    EXPECT_EQ(query.columnInt64(0), std::numeric_limits<std::int64_t>::min());
    EXPECT_EQ(query.columnDouble(1), -0.125);
    EXPECT_EQ(query.columnText(2), "grün ✓");
    EXPECT_EQ(query.columnBlob(3), big);
    EXPECT_EQ(query.columnInt64(4), 0);                      // a boolean
    EXPECT_EQ(query.columnInt64(5), static_cast<std::int64_t>(big.size()));  // an int4
    ASSERT_TRUE(query.step());
    EXPECT_EQ(query.columnDouble(1), 1e300);
    EXPECT_FALSE(query.isNull(3));  // an empty blob is not NULL
    EXPECT_TRUE(query.columnBlob(3).empty());
    ASSERT_TRUE(query.step());
    EXPECT_TRUE(query.isNull(0));
    EXPECT_EQ(query.columnInt64(0), 0);
    EXPECT_EQ(query.columnInt64(4), 1);
    EXPECT_FALSE(query.step());
}

TEST(PostgresConnectionTest, PlaceholdersAreSqlitesAndQuotesAreLeftAlone) {
    Connection db = Connection::openServer(freshUri());
    Statement query = db.prepare("SELECT '?' || ?1 || '-- ?' || ?1, ?2 -- a comment with ?\n");
    query.bind(1, "x").bind(2, std::int64_t{5});
    ASSERT_TRUE(query.step());
    EXPECT_EQ(query.columnText(0), "?x-- ?x");
    EXPECT_EQ(query.columnInt64(1), 5);
    query.reset();
    query.bind(1, "y");  // bindings are kept: ?2 is still 5
    ASSERT_TRUE(query.step());
    EXPECT_EQ(query.columnText(0), "?y-- ?y");
    EXPECT_EQ(query.columnInt64(1), 5);
    EXPECT_THROW(db.prepare("  ;  "), DatabaseError);
    EXPECT_THROW(db.prepare("SELEC 1").step(), DatabaseError);
}

TEST(PostgresConnectionTest, TransactionsCommitOrRollBackWhole) {
    Connection db = Connection::openServer(freshUri());
    db.execute("CREATE TABLE t (i BIGINT PRIMARY KEY)");
    {
        Transaction transaction(db);
        db.prepare("INSERT INTO t VALUES (?)").bind(1, std::int64_t{1}).run();
        // Not committed: rolled back here.
    }
    {
        Transaction transaction(db);
        EXPECT_THROW(Transaction nested(db), DatabaseError);  // as SQLite: no nesting
    }
    {
        Transaction transaction(db);
        db.prepare("INSERT INTO t VALUES (?)").bind(1, std::int64_t{2}).run();
        EXPECT_THROW(db.prepare("INSERT INTO t VALUES (?)").bind(1, std::int64_t{2}).run(), DatabaseError);
    }
    Statement count = db.prepare("SELECT count(*) FROM t");
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.columnInt64(0), 0);
    count.reset();
    {
        Transaction transaction(db);
        db.prepare("INSERT INTO t VALUES (?)").bind(1, std::int64_t{3}).run();
        transaction.commit();
    }
    ASSERT_TRUE(count.step());
    EXPECT_EQ(count.columnInt64(0), 1);
}

std::int64_t backendPid(Connection& db) {
    Statement pid = db.prepare("SELECT pg_backend_pid()");
    pid.step();
    return pid.columnInt64(0);
}

void terminate(Connection& other, std::int64_t pid) {
    Statement kill = other.prepare("SELECT pg_terminate_backend(CAST(? AS INTEGER))");
    kill.bind(1, pid);
    ASSERT_TRUE(kill.step());
    ASSERT_EQ(kill.columnInt64(0), 1);
}

TEST(PostgresConnectionTest, ALostConnectionFailsItsBatchWholeAndTheNextStepReconnects) {
    const std::string uri = freshUri();
    Connection db = Connection::openServer(uri);
    Connection admin = Connection::openServer(uri);
    db.execute("CREATE TABLE t (i BIGINT)");

    // Cut between two statements: the next one reconnects.
    terminate(admin, backendPid(db));
    EXPECT_NO_THROW(db.execute("INSERT INTO t VALUES (1)"));

    // Cut inside a transaction: the batch fails as a whole, with a message that says so.
    try {
        Transaction transaction(db);
        db.execute("INSERT INTO t VALUES (2)");
        terminate(admin, backendPid(db));
        db.execute("INSERT INTO t VALUES (3)");
        transaction.commit();
        FAIL() << "a statement on a cut connection succeeded";
    } catch (const ConnectionLostError& error) {
        EXPECT_NE(std::string(error.what()).find("Lost the connection to the library server"), std::string::npos)
            << error.what();
        EXPECT_NE(std::string(error.what()).find("Nothing of the interrupted step was saved"), std::string::npos);
    }
    Statement rows = db.prepare("SELECT count(*), CAST(coalesce(sum(i), 0) AS BIGINT) FROM t");
    ASSERT_TRUE(rows.step());
    EXPECT_EQ(rows.columnInt64(0), 1);
    EXPECT_EQ(rows.columnInt64(1), 1);
}

TEST(PostgresConnectionTest, AnUnreachableLibraryIsAClearErrorWithoutThePassword) {
    fixtures::PostgresCluster& cluster = fixtures::PostgresCluster::shared();
    const std::string uri = "postgresql://postgres:hunter2@/no_such_library?host=" + cluster.socketDirectory() +
                            "&port=" + std::to_string(cluster.port());
    try {
        Connection::openServer(uri);
        FAIL() << "connected to a database that does not exist";
    } catch (const DatabaseError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("Cannot connect to the library server postgresql://postgres@/no_such_library"),
                  std::string::npos)
            << message;
        EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
    }
}

class ServerLibraryTest : public ::testing::Test {
protected:
    fixtures::TempDir dir;
    fixtures::ScopedEnvironment cache{"XDG_CACHE_HOME", (dir / "cache").c_str()};
    LibraryLocation location = LibraryLocation::parse(freshUri());
};

TEST_F(ServerLibraryTest, EveryDeskSharesTheLibraryIdAndKeepsItsIndexInItsOwnCache) {
    Catalog first = Catalog::open(location);
    Catalog second = Catalog::open(location);
    EXPECT_TRUE(first.isServer());
    ASSERT_EQ(first.libraryId().size(), 36u);
    EXPECT_EQ(first.libraryId(), second.libraryId());
    EXPECT_EQ(first.libraryDir(), dir / "cache" / "lookalike" / first.libraryId());
    EXPECT_TRUE(std::filesystem::is_directory(first.libraryDir()));
    EXPECT_EQ(first.writer().userVersion(), latestSchemaVersion());

    // The index record is the desk's: in its cache folder, not on the server.
    ModelStore store(first);
    const ModelId model = store.createModel(ModelKind::Descriptors, std::nullopt, 2, "", {}, 0);
    store.putIndexRecord(model, {"index-1.lkidx", 5, 2, "abcd", 9, 1});
    EXPECT_TRUE(std::filesystem::exists(first.libraryDir() / "index-1.record"));
    Statement onServer = first.writer().prepare("SELECT count(*) FROM search_indexes");
    ASSERT_TRUE(onServer.step());
    EXPECT_EQ(onServer.columnInt64(0), 0);
    EXPECT_EQ(ModelStore(second).indexRecord(model)->checksum, "abcd");  // same desk, same cache
}

TEST_F(ServerLibraryTest, ASecondWriterIsRefusedAtOnceWithTheHoldersNameAndHost) {
    std::optional<LibraryLock> held(LibraryLock::acquire(location, "lookalike"));
    EXPECT_FALSE(LibraryLock::heldByAnotherProcess(location));  // this process's own lock
    try {
        LibraryLock::acquire(location, "lookalike-cli");
        FAIL() << "a second writer got the lock";
    } catch (const LibraryInUseError& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("is in use by lookalike on "), std::string::npos) << message;
        EXPECT_NE(message.find("(pid " + std::to_string(::getpid()) + ")"), std::string::npos) << message;
        EXPECT_NE(message.find("close it first"), std::string::npos) << message;
    }
    // Readers always work.
    Catalog reader = Catalog::open(location);
    EXPECT_EQ(reader.itemCount(), 0);
    held.reset();
    EXPECT_NO_THROW(LibraryLock::acquire(location, "lookalike-cli"));
}

ItemData makeItem(std::uint8_t seed) {
    ItemData item;
    item.contentHash.fill(seed);
    item.sourcePath = "/photos/ä/" + std::to_string(seed) + ".jpg";
    item.displayName = std::to_string(seed) + ".jpg";
    item.width = 100 + seed;
    item.height = 80;
    item.fileSize = 1000 + seed;
    item.mtimeNs = 5;
    item.thumbnail = {10, 8, {0xFF, 0xD8, seed, 0xFF, 0xD9}};
    return item;
}

// A small library with something in every table.
void fill(Catalog& catalog) {
    Transaction transaction(catalog.writer());
    std::vector<ItemId> items;
    for (std::uint8_t seed = 1; seed <= 12; ++seed) {
        items.push_back(catalog.addItem(makeItem(seed), 100 + seed));
        catalog.recordFile(makeItem(seed).sourcePath, items.back(), 1000 + seed, 5);
    }
    catalog.addFolder("/photos", 100);
    const std::int64_t run = catalog.beginImportRun("/photos", 100);
    catalog.recordImportError(run, "/photos/bad.jpg", "not an image");
    catalog.finishImportRun(run, {12, 0, 0, 0, 1}, false, 101);
    const GroupId bags = catalog.createGroup("Bags", 100);
    const GroupId shoes = catalog.createGroup("shoes", 100);
    for (int i = 0; i < 4; ++i)
        catalog.addToGroup(i < 2 ? bags : shoes, items[static_cast<std::size_t>(i)], 100);
    catalog.markNotSimilar(items[0], items[5], 100);
    const catalog::ProductId dress = catalog.createProduct("DR-100", 100);
    catalog.updateProduct(dress, {"Floral dress", "49.90", "https://shop.example/dr-100"}, 100);
    catalog.setProductOf(items[6], dress);
    catalog.setProductOf(items[7], dress);
    catalog.setProductOf(items[8], catalog.createProduct("", 100));  // data of one photo, without a SKU
    ModelStore store(catalog);
    const ModelId descriptors = store.createModel(ModelKind::Descriptors, std::nullopt, 3, "embedder=hog\n", {}, 100);
    const std::vector<std::uint8_t> weights{9, 8, 7, 6, 5};
    const ModelId network = store.createModel(ModelKind::Network, descriptors, 3, "architecture=x\n", weights, 101);
    for (ModelId model : {descriptors, network}) {
        for (ItemId item : items)
            store.putEmbedding(model, item, std::vector<float>{static_cast<float>(item), 0.5f, -1.0f * static_cast<float>(model)});
        store.setState(model, ModelState::Ready);
    }
    store.setActiveModel(network);
    transaction.commit();
}

TEST(LibraryCopyTest, ASqliteLibraryMovesToTheServerAndBackUnchanged) {
    fixtures::TempDir dir;
    fixtures::ScopedEnvironment cache("XDG_CACHE_HOME", (dir / "cache").c_str());
    Catalog original = Catalog::open(dir / "original");
    fill(original);
    Catalog server = Catalog::open(LibraryLocation::parse(freshUri()));
    std::vector<Progress> seen;
    copyLibrary(original, server, [&](const Progress& progress) { seen.push_back(progress); });
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().done, seen.back().total);

    const LibraryDigest digest = digestLibrary(original);
    EXPECT_EQ(digestLibrary(server), digest);
    EXPECT_EQ(digest.counts.front().table, "items");
    EXPECT_EQ(digest.counts.front().rows, 12);
    // It is a working library on the server: the same answers, and new rows get new ids.
    EXPECT_EQ(server.groups().size(), 2u);
    EXPECT_EQ(server.findGroup("BAGS")->id, original.findGroup("bags")->id);
    EXPECT_EQ(ModelStore(server).activeModel(), ModelStore(original).activeModel());
    EXPECT_EQ(server.addItem(makeItem(40), 200), 13);

    Catalog back = Catalog::open(dir / "back");
    server.removeItem(13);
    copyLibrary(server, back);
    EXPECT_EQ(digestLibrary(back), digest);
    EXPECT_EQ(back.findItemsByFileName("3.jpg"), original.findItemsByFileName("3.jpg"));
    EXPECT_EQ(back.findProduct("DR-100")->name, "Floral dress");
    EXPECT_EQ(back.productPhotos(back.findProduct("DR-100")->id).size(), 2u);
    EXPECT_EQ(back.productCount(), 2);
}

TEST(LibraryCopyTest, ATargetThatIsNotEmptyIsRefusedAndACancelLeavesItEmpty) {
    fixtures::TempDir dir;
    fixtures::ScopedEnvironment cache("XDG_CACHE_HOME", (dir / "cache").c_str());
    Catalog original = Catalog::open(dir / "original");
    fill(original);
    Catalog target = Catalog::open(LibraryLocation::parse(freshUri()));
    CancelToken cancel;
    cancel.cancel();
    EXPECT_THROW(copyLibrary(original, target, {}, &cancel), Cancelled);
    EXPECT_EQ(target.itemCount(), 0);
    EXPECT_TRUE(ModelStore(target).models().empty());

    copyLibrary(original, target);
    try {
        copyLibrary(original, target);
        FAIL() << "copied into a library that has items";
    } catch (const LibraryError& error) {
        EXPECT_NE(std::string(error.what()).find("is not empty"), std::string::npos) << error.what();
    }
    EXPECT_EQ(target.itemCount(), 12);
}

}  // namespace
