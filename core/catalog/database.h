#pragma once
// RAII wrappers over the catalog's two databases, SQLite (a file, the default) and PostgreSQL
// (a server, for libraries shared by several desks): a Connection owns the handle, a Statement
// cleans up after itself and a Transaction rolls back unless commit() ran. Neither <sqlite3.h>
// nor <libpq-fe.h> reaches this header, and no SQL leaves core/catalog.
// None of these types is thread-safe: one thread uses a connection at a time.

#include "core/util/errors.h"

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::catalog {

// A database call failed. Disk-full errors are thrown as StorageFullError instead, and a library
// locked by another process as LibraryError with a message that says so.
class DatabaseError : public LibraryError {
public:
    using LibraryError::LibraryError;
};

// The connection to the library's server broke. What the interrupted statement or transaction
// wrote was not committed; the next statement reconnects (retrying for a few seconds).
class ConnectionLostError : public DatabaseError {
public:
    using DatabaseError::DatabaseError;
};

// Which SQL a connection speaks. The catalog's statements are written once in the SQL both
// understand; the few that differ (the schema, an upsert that must renumber a row) ask here.
enum class Dialect { Sqlite, Postgres };

namespace detail {

// What a backend implements; Statement and Connection forward to it.
class StatementBackend {
public:
    virtual ~StatementBackend() = default;
    virtual void bindInt64(int index, std::int64_t value) = 0;
    virtual void bindDouble(int index, double value) = 0;
    virtual void bindText(int index, std::string_view text) = 0;
    virtual void bindBlob(int index, std::span<const std::uint8_t> blob) = 0;
    virtual void bindNull(int index) = 0;
    virtual bool step() = 0;
    virtual void reset() = 0;
    virtual void clearBindings() = 0;
    virtual bool isNull(int column) const = 0;
    virtual std::int64_t columnInt64(int column) const = 0;
    virtual double columnDouble(int column) const = 0;
    virtual std::string columnText(int column) const = 0;
    virtual std::vector<std::uint8_t> columnBlob(int column) const = 0;
};

class ConnectionBackend {
public:
    virtual ~ConnectionBackend() = default;
    virtual Dialect dialect() const = 0;
    virtual void execute(std::string_view sql) = 0;
    virtual std::unique_ptr<StatementBackend> prepare(std::string_view sql) = 0;
    virtual std::int64_t lastInsertRowId() = 0;
    virtual int changes() const = 0;
    virtual int userVersion() = 0;
    virtual void setUserVersion(int version) = 0;
    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
};

}  // namespace detail

class Statement {
public:
    explicit Statement(std::unique_ptr<detail::StatementBackend> backend);
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    ~Statement();

    // Parameters are 1-based and written ? (or ?NNN), whatever the backend.
    Statement& bind(int index, std::int64_t value);
    Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
    Statement& bind(int index, double value);
    Statement& bind(int index, std::string_view text);
    Statement& bind(int index, const char* text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, const std::string& text) { return bind(index, std::string_view(text)); }
    Statement& bind(int index, std::span<const std::uint8_t> blob);
    Statement& bindNull(int index);

    // Binds every argument in order, starting at parameter 1.
    template <typename... Args>
    Statement& bindAll(const Args&... args) {
        int index = 0;
        (bind(++index, args), ...);
        return *this;
    }

    // Advances; true while a row is available. Throws DatabaseError on failure, and when the
    // statement was moved from.
    bool step();
    // Runs a statement that returns no rows.
    void run();
    // Makes the statement ready to step again; keeps bindings unless clearBindings() is called.
    void reset();
    void clearBindings();

    // Columns are 0-based. Integers, booleans and NULL read as integers (NULL as 0).
    bool isNull(int column) const;
    std::int64_t columnInt64(int column) const;
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    std::vector<std::uint8_t> columnBlob(int column) const;

private:
    detail::StatementBackend& backend() const;  // throws DatabaseError when moved from

    std::unique_ptr<detail::StatementBackend> m_backend;
};

class Connection {
public:
    enum class Mode { ReadWrite, ReadOnly };

    // Opens (and for ReadWrite creates) a SQLite database, with foreign keys on, WAL journaling
    // and a busy timeout. Throws DatabaseError when the file is not a usable database.
    static Connection open(const std::filesystem::path& path, Mode mode = Mode::ReadWrite);
    // A private in-memory SQLite database, for tests.
    static Connection openInMemory();
    // Connects to a PostgreSQL database given as a libpq connection URI or key=value string;
    // credentials come from it, the PG* variables and ~/.pgpass, as libpq does it. Throws
    // DatabaseError, naming the server but never a password, when it cannot connect. A
    // connection that drops is re-established before the next statement (see
    // ConnectionLostError).
    static Connection openServer(const std::string& uri);

    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;
    ~Connection();

    Dialect dialect() const;
    void execute(std::string_view sql);  // may hold several statements
    // Compiles the first statement in `sql`. Throws DatabaseError when it is invalid or when
    // `sql` holds no statement at all (only blanks or comments).
    Statement prepare(std::string_view sql);

    // The id of the row the last INSERT made (PostgreSQL: the last value of a sequence).
    std::int64_t lastInsertRowId() const;
    int changes() const;  // rows the last statement changed
    // The schema version (SQLite: PRAGMA user_version; PostgreSQL: a one-row table).
    int userVersion();
    void setUserVersion(int version);
    // What the connection was opened on: a file path, ":memory:", or the server without its
    // password ("postgresql://shop@/lookalike?host=/run/postgresql").
    const std::filesystem::path& path() const { return m_path; }

private:
    friend class Transaction;
    Connection(std::unique_ptr<detail::ConnectionBackend> backend, std::filesystem::path path);
    detail::ConnectionBackend& backend() const;

    std::unique_ptr<detail::ConnectionBackend> m_backend;
    std::filesystem::path m_path;
};

// Begins on construction and takes the write lock up front (SQLite: BEGIN IMMEDIATE;
// PostgreSQL: a transaction-scoped advisory lock), so that writers take turns as they do in one
// SQLite file. Rolls back in the destructor unless committed.
class Transaction {
public:
    explicit Transaction(Connection& connection);
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    ~Transaction();

    void commit();

private:
    Connection& m_connection;
    bool m_done = false;
};

}  // namespace lookalike::catalog
