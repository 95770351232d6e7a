#pragma once
// A PostgreSQL server for the tests: the one the ctest fixture started (tests/CMakeLists.txt,
// lookalike_needs_postgres), or one this process starts itself when run by hand. The server
// listens on a Unix socket only (no TCP) and trusts every local connection as `postgres`.
// Linked as Lookalike::test_postgres; <libpq-fe.h> stays out of this header.

#include <filesystem>
#include <memory>
#include <string>

namespace lookalike::fixtures {

class PostgresCluster {
public:
    // The cluster for this test process. With LOOKALIKE_TEST_PGHOST (a socket directory) and
    // LOOKALIKE_TEST_PGPORT in the environment, that running cluster (the ctest fixture's, shared
    // by every test process) is used. Otherwise the first call starts a private one (initdb into a
    // fresh temp folder, pg_ctl start), stopped and removed at process exit. When run as root, the
    // server runs as the `postgres` system user. Throws std::runtime_error with the reason (and the
    // end of the failing command's log) when no server can be had. Thread-safe (a function static).
    static PostgresCluster& shared();

    // A cluster of the caller's own, started now and stopped by the destructor: for tests that
    // restart the server, which must not cut off the other test processes sharing shared()'s.
    static std::unique_ptr<PostgresCluster> startPrivate();

    ~PostgresCluster();
    PostgresCluster(const PostgresCluster&) = delete;
    PostgresCluster& operator=(const PostgresCluster&) = delete;

    // A new, empty database named prefix_PID_COUNTER, as a libpq connection URI:
    // "postgresql:///NAME?host=SOCKETDIR&port=PORT&user=postgres". The prefix must be lower-case
    // letters, digits and '_' (std::invalid_argument otherwise); throws std::runtime_error when the
    // server refuses. Thread-safe.
    std::string createDatabase(const std::string& prefix = "lookalike_test");
    // Drops a database made by createDatabase, terminating its connections first. Best effort:
    // never throws (a test's teardown must not fail because the server went away).
    void dropDatabase(const std::string& uri) noexcept;

    std::string socketDirectory() const;
    int port() const;

    // Stops and starts the server (pg_ctl restart -m fast): every open connection is cut. Only for
    // a cluster this process started (startPrivate(), or shared() when run by hand); throws
    // std::logic_error on the ctest fixture's shared cluster, and std::runtime_error on failure.
    void restart();

private:
    struct Server;  // the self-started server's folder, binaries and user
    PostgresCluster(std::string socketDirectory, int port, std::unique_ptr<Server> server);
    static std::unique_ptr<PostgresCluster> startOwn();

    std::string m_socketDirectory;
    int m_port;
    std::unique_ptr<Server> m_server;  // null for the ctest fixture's cluster
};

}  // namespace lookalike::fixtures
