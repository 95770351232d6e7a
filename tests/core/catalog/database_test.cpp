// The RAII SQLite layer: statements, bindings, columns, transactions and misuse.

#include "core/catalog/database.h"

#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

using namespace lookalike;
using namespace lookalike::catalog;

namespace {

std::int64_t countRows(Connection& db, const char* table) {
    Statement count = db.prepare(std::string("SELECT count(*) FROM ") + table);
    EXPECT_TRUE(count.step());
    return count.columnInt64(0);
}

class DatabaseTest : public ::testing::Test {
protected:
    void SetUp() override {
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, i INTEGER, d REAL, s TEXT, b BLOB)");
    }
    Connection db = Connection::openInMemory();
};

}  // namespace

TEST_F(DatabaseTest, InMemoryDatabaseHasPathAndForeignKeysOn) {
    EXPECT_EQ(db.path(), ":memory:");
    Statement pragma = db.prepare("PRAGMA foreign_keys");
    ASSERT_TRUE(pragma.step());
    EXPECT_EQ(pragma.columnInt64(0), 1);
}

TEST_F(DatabaseTest, BindStepAndReadEveryColumnType) {
    const std::vector<std::uint8_t> blob = {0x00, 0xFF, 0x10, 0x00, 0x7F};
    db.prepare("INSERT INTO t (i, d, s, b) VALUES (?, ?, ?, ?)")
        .bindAll(std::int64_t{1} << 40, 2.5, std::string("h\xC3\xA9llo"),
                 std::span<const std::uint8_t>(blob))
        .run();
    EXPECT_EQ(db.lastInsertRowId(), 1);
    EXPECT_EQ(db.changes(), 1);

    Statement query = db.prepare("SELECT i, d, s, b FROM t");
    ASSERT_TRUE(query.step());
    EXPECT_EQ(query.columnInt64(0), std::int64_t{1} << 40);
    EXPECT_DOUBLE_EQ(query.columnDouble(1), 2.5);
    EXPECT_EQ(query.columnText(2), "h\xC3\xA9llo");
    EXPECT_EQ(query.columnBlob(3), blob);  // embedded zero bytes survive
    for (int column = 0; column < 4; ++column)
        EXPECT_FALSE(query.isNull(column));
    EXPECT_FALSE(query.step());
}

TEST_F(DatabaseTest, TextWithEmbeddedNulAndStringViewIsStoredWhole) {
    std::string text("a\0b", 3);
    db.prepare("INSERT INTO t (s) VALUES (?)").bind(1, std::string_view(text)).run();
    Statement query = db.prepare("SELECT s, length(CAST(s AS BLOB)) FROM t");
    ASSERT_TRUE(query.step());
    EXPECT_EQ(query.columnText(0), text);
    EXPECT_EQ(query.columnInt64(1), 3);
}

TEST_F(DatabaseTest, NullAndEmptyBlobAreDistinct) {
    db.prepare("INSERT INTO t (id, b) VALUES (1, ?)").bindNull(1).run();
    db.prepare("INSERT INTO t (id, b) VALUES (2, ?)").bind(1, std::span<const std::uint8_t>()).run();
    Statement query = db.prepare("SELECT b, typeof(b) FROM t ORDER BY id");
    ASSERT_TRUE(query.step());
    EXPECT_TRUE(query.isNull(0));
    EXPECT_TRUE(query.columnBlob(0).empty());
    EXPECT_EQ(query.columnText(0), "");
    EXPECT_EQ(query.columnText(1), "null");
    ASSERT_TRUE(query.step());
    EXPECT_FALSE(query.isNull(0));
    EXPECT_TRUE(query.columnBlob(0).empty());
    EXPECT_EQ(query.columnText(1), "blob");
}

TEST_F(DatabaseTest, ResetKeepsBindingsAndClearBindingsDropsThem) {
    Statement insert = db.prepare("INSERT INTO t (i) VALUES (?)");
    insert.bind(1, 7).run();
    insert.run();  // run() resets, the binding stays
    insert.clearBindings();
    insert.run();  // now NULL
    Statement query = db.prepare("SELECT i FROM t ORDER BY id");
    std::vector<bool> nulls;
    std::vector<std::int64_t> values;
    while (query.step()) {
        nulls.push_back(query.isNull(0));
        values.push_back(query.columnInt64(0));
    }
    EXPECT_EQ(nulls, (std::vector<bool>{false, false, true}));
    EXPECT_EQ(values[0], 7);
    EXPECT_EQ(values[1], 7);

    query.reset();
    ASSERT_TRUE(query.step());  // a reset query starts over
    EXPECT_EQ(query.columnInt64(0), 7);
}

TEST_F(DatabaseTest, StatementIsFinalizedWhenItGoesOutOfScope) {
    db.execute("INSERT INTO t (i) VALUES (1), (2)");
    {
        Statement reading = db.prepare("SELECT i FROM t");
        ASSERT_TRUE(reading.step());
        // A statement still reading the table locks it against DROP on this connection.
        EXPECT_THROW(db.execute("DROP TABLE t"), DatabaseError);
    }
    EXPECT_NO_THROW(db.execute("DROP TABLE t"));
}

TEST_F(DatabaseTest, MovedStatementIsOwnedOnceAndStillWorks) {
    db.execute("INSERT INTO t (i) VALUES (41)");
    Statement first = db.prepare("SELECT i + 1 FROM t");
    Statement second = std::move(first);
    ASSERT_TRUE(second.step());
    EXPECT_EQ(second.columnInt64(0), 42);

    Statement third = db.prepare("SELECT 1");
    third = std::move(second);  // finalizes third's old statement, takes second's
    third.reset();
    ASSERT_TRUE(third.step());
    EXPECT_EQ(third.columnInt64(0), 42);
    third.reset();
    EXPECT_NO_THROW(db.execute("DROP TABLE t"));  // nothing is left reading t
}

TEST_F(DatabaseTest, UsingAMovedFromStatementThrowsInsteadOfCrashing) {
    Statement original = db.prepare("SELECT 1");
    Statement taken = std::move(original);
    EXPECT_THROW(original.step(), DatabaseError);  // NOLINT(bugprone-use-after-move)
    EXPECT_THROW(original.bind(1, 1), DatabaseError);
    EXPECT_THROW(original.run(), DatabaseError);
}

TEST_F(DatabaseTest, TransactionRollsBackUnlessCommitted) {
    {
        Transaction transaction(db);
        db.execute("INSERT INTO t (i) VALUES (1)");
        EXPECT_EQ(countRows(db, "t"), 1);
    }
    EXPECT_EQ(countRows(db, "t"), 0);
    {
        Transaction transaction(db);
        db.execute("INSERT INTO t (i) VALUES (2)");
        transaction.commit();
    }
    EXPECT_EQ(countRows(db, "t"), 1);
}

TEST_F(DatabaseTest, TransactionRollsBackWhenAnExceptionLeavesTheScope) {
    try {
        Transaction transaction(db);
        db.execute("INSERT INTO t (i) VALUES (1)");
        db.execute("INSERT INTO no_such_table VALUES (1)");
        transaction.commit();
        FAIL() << "the insert into a missing table should have thrown";
    } catch (const DatabaseError& error) {
        EXPECT_NE(std::string(error.what()).find("no_such_table"), std::string::npos) << error.what();
    }
    EXPECT_EQ(countRows(db, "t"), 0);
    // The connection is usable again: no transaction was left open.
    EXPECT_NO_THROW(Transaction(db).commit());
}

TEST(DatabaseFileTest, CommittedDataPersistsAcrossConnections) {
    fixtures::TempDir dir;
    {
        Connection db = Connection::open(dir / "x.db");
        db.execute("CREATE TABLE t (v TEXT)");
        Transaction transaction(db);
        db.prepare("INSERT INTO t VALUES (?)").bind(1, "kept").run();
        transaction.commit();
        Transaction uncommitted(db);
        db.prepare("INSERT INTO t VALUES (?)").bind(1, "dropped").run();
    }
    Connection db = Connection::open(dir / "x.db", Connection::Mode::ReadOnly);
    Statement query = db.prepare("SELECT v FROM t");
    ASSERT_TRUE(query.step());
    EXPECT_EQ(query.columnText(0), "kept");
    EXPECT_FALSE(query.step());
    EXPECT_THROW(db.execute("INSERT INTO t VALUES ('no')"), DatabaseError);  // read-only
}

TEST(DatabaseFileTest, FileDatabaseUsesWriteAheadLog) {
    fixtures::TempDir dir;
    Connection db = Connection::open(dir / "wal.db");
    Statement mode = db.prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.step());
    EXPECT_EQ(mode.columnText(0), "wal");
}

TEST(DatabaseFileTest, OpeningAFileThatIsNotADatabaseThrows) {
    fixtures::TempDir dir;
    fixtures::writeText(dir / "junk.db", std::string(4096, 'x'));
    try {
        Connection::open(dir / "junk.db");
        FAIL() << "opened a file that is not a database";
    } catch (const DatabaseError& error) {
        EXPECT_NE(std::string(error.what()).find("not a catalog"), std::string::npos) << error.what();
    }
}

TEST(DatabaseFileTest, OpeningInAMissingFolderThrows) {
    fixtures::TempDir dir;
    EXPECT_THROW(Connection::open(dir / "missing" / "x.db"), DatabaseError);
}

TEST_F(DatabaseTest, MisuseThrowsDatabaseError) {
    EXPECT_THROW(db.prepare("SELEKT 1"), DatabaseError);
    EXPECT_THROW(db.prepare("SELECT * FROM no_such_table"), DatabaseError);
    EXPECT_THROW(db.execute("not sql at all"), DatabaseError);
    EXPECT_THROW(db.prepare(""), DatabaseError);  // nothing to run
    EXPECT_THROW(db.prepare("   -- just a comment"), DatabaseError);

    Statement insert = db.prepare("INSERT INTO t (i) VALUES (?)");
    EXPECT_THROW(insert.bind(0, 1), DatabaseError);  // parameters are 1-based
    EXPECT_THROW(insert.bind(2, 1), DatabaseError);

    db.execute("CREATE TABLE u (v INTEGER NOT NULL UNIQUE)");
    Statement unique = db.prepare("INSERT INTO u VALUES (?)");
    unique.bind(1, 5).run();
    EXPECT_THROW(unique.run(), DatabaseError);  // constraint
    unique.bind(1, 6);
    EXPECT_NO_THROW(unique.run());  // a failed step leaves the statement reusable
    EXPECT_EQ(countRows(db, "u"), 2);
}

TEST_F(DatabaseTest, TransactionMisuseThrows) {
    Transaction outer(db);
    EXPECT_THROW(Transaction inner(db), DatabaseError);  // no nesting
    outer.commit();
    EXPECT_THROW(outer.commit(), DatabaseError);  // already committed
}

TEST_F(DatabaseTest, UserVersionRoundTrips) {
    EXPECT_EQ(db.userVersion(), 0);
    db.setUserVersion(17);
    EXPECT_EQ(db.userVersion(), 17);
}
