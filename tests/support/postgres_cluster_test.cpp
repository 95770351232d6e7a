// The test suite's PostgreSQL server: databases are independent, the server has no TCP, and a
// restart cuts the connections made before it.

#include "tests/support/postgres_cluster.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <string>

namespace lookalike::fixtures {
namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

Connection connect(const std::string& uri) {
    Connection connection(PQconnectdb(uri.c_str()), &PQfinish);
    EXPECT_EQ(PQstatus(connection.get()), CONNECTION_OK) << uri << ": " << PQerrorMessage(connection.get());
    return connection;
}

// The single value of a query, or "ERROR: ..." when it fails.
std::string queryValue(PGconn* connection, const std::string& sql) {
    Result result(PQexec(connection, sql.c_str()), &PQclear);
    if (PQresultStatus(result.get()) != PGRES_TUPLES_OK)
        return std::string("ERROR: ") + PQerrorMessage(connection);
    if (PQntuples(result.get()) != 1 || PQnfields(result.get()) != 1)
        return "ERROR: not a single value";
    return PQgetvalue(result.get(), 0, 0);
}

bool execute(PGconn* connection, const std::string& sql) {
    Result result(PQexec(connection, sql.c_str()), &PQclear);
    EXPECT_EQ(PQresultStatus(result.get()), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(connection);
    return PQresultStatus(result.get()) == PGRES_COMMAND_OK;
}

TEST(PostgresClusterTest, UsesTheCtestFixtureServerWhenTheEnvironmentNamesOne) {
    PostgresCluster& cluster = PostgresCluster::shared();
    if (const char* host = std::getenv("LOOKALIKE_TEST_PGHOST")) {
        EXPECT_EQ(cluster.socketDirectory(), host);
        EXPECT_EQ(std::to_string(cluster.port()), std::getenv("LOOKALIKE_TEST_PGPORT"));
    }
    EXPECT_FALSE(cluster.socketDirectory().empty());
    EXPECT_GT(cluster.port(), 0);
}

TEST(PostgresClusterTest, DatabasesAreNewEmptyAndIndependent) {
    PostgresCluster& cluster = PostgresCluster::shared();
    const std::string first = cluster.createDatabase();
    const std::string second = cluster.createDatabase("lookalike_other");
    ASSERT_NE(first, second);
    {
        Connection a = connect(first);
        Connection b = connect(second);
        ASSERT_TRUE(execute(a.get(), "CREATE TABLE photos (id integer PRIMARY KEY, name text NOT NULL)"));
        ASSERT_TRUE(execute(a.get(), "INSERT INTO photos VALUES (1, 'red.jpg'), (2, 'blue.jpg')"));
        ASSERT_TRUE(execute(b.get(), "CREATE TABLE photos (id integer PRIMARY KEY, name text NOT NULL)"));
        ASSERT_TRUE(execute(b.get(), "INSERT INTO photos VALUES (7, 'green.jpg')"));

        EXPECT_EQ(queryValue(a.get(), "SELECT string_agg(name, ',' ORDER BY id) FROM photos"), "red.jpg,blue.jpg");
        EXPECT_EQ(queryValue(b.get(), "SELECT string_agg(name, ',' ORDER BY id) FROM photos"), "green.jpg");
        EXPECT_EQ(queryValue(a.get(), "SELECT current_user"), "postgres");
        EXPECT_EQ(queryValue(a.get(), "SHOW server_encoding"), "UTF8");
    }
    cluster.dropDatabase(first);
    cluster.dropDatabase(second);
    Connection gone(PQconnectdb(first.c_str()), &PQfinish);
    EXPECT_NE(PQstatus(gone.get()), CONNECTION_OK) << "dropDatabase left " << first;
}

TEST(PostgresClusterTest, DropDatabaseTerminatesItsConnectionsAndNeverThrows) {
    PostgresCluster& cluster = PostgresCluster::shared();
    const std::string uri = cluster.createDatabase();
    Connection open = connect(uri);
    cluster.dropDatabase(uri);
    EXPECT_TRUE(queryValue(open.get(), "SELECT 1").starts_with("ERROR")) << "the connection outlived its database";
    EXPECT_NO_THROW(cluster.dropDatabase(uri));
    EXPECT_NO_THROW(cluster.dropDatabase("not a uri ="));
}

TEST(PostgresClusterTest, RejectsADatabasePrefixThatNeedsQuoting) {
    EXPECT_THROW(PostgresCluster::shared().createDatabase("Robert'); DROP"), std::invalid_argument);
    EXPECT_THROW(PostgresCluster::shared().createDatabase(""), std::invalid_argument);
}

TEST(PostgresClusterTest, ListensOnTheUnixSocketOnly) {
    Connection connection = connect(PostgresCluster::shared().createDatabase());
    EXPECT_EQ(queryValue(connection.get(), "SHOW listen_addresses"), "");
    EXPECT_EQ(queryValue(connection.get(), "SHOW unix_socket_directories"), PostgresCluster::shared().socketDirectory());
    // Crash tests rely on the server's durability defaults.
    EXPECT_EQ(queryValue(connection.get(), "SHOW fsync"), "on");
}

TEST(PostgresClusterTest, RestartCutsOldConnectionsAndAcceptsNewOnes) {
    // A cluster of this test's own: restarting the shared one would cut other test processes off.
    std::unique_ptr<PostgresCluster> cluster = PostgresCluster::startPrivate();
    ASSERT_NE(cluster->socketDirectory(), PostgresCluster::shared().socketDirectory());
    const std::string uri = cluster->createDatabase();
    Connection before = connect(uri);
    ASSERT_TRUE(execute(before.get(), "CREATE TABLE kept (id integer)"));
    ASSERT_TRUE(execute(before.get(), "INSERT INTO kept VALUES (42)"));

    cluster->restart();

    EXPECT_TRUE(queryValue(before.get(), "SELECT 1").starts_with("ERROR")) << "a connection survived the restart";
    EXPECT_NE(PQstatus(before.get()), CONNECTION_OK);
    Connection after = connect(uri);
    EXPECT_EQ(queryValue(after.get(), "SELECT id FROM kept"), "42");
}

TEST(PostgresClusterTest, RefusesToRestartTheCtestFixtureServer) {
    if (!std::getenv("LOOKALIKE_TEST_PGHOST"))
        GTEST_SKIP() << "run by hand: shared() is this process's own cluster";
    EXPECT_THROW(PostgresCluster::shared().restart(), std::logic_error);
}

}  // namespace
}  // namespace lookalike::fixtures
