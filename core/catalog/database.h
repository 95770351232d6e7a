#pragma once
// RAII wrappers over SQLite: a Connection owns the handle, a Statement finalizes itself and a
// Transaction rolls back unless commit() ran. <sqlite3.h> stays out of this header.
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

struct sqlite3;
struct sqlite3_stmt;

namespace lookalike::catalog {

// A SQLite call failed. Disk-full errors are thrown as StorageFullError instead, and a library
// locked by another process as LibraryError with a message that says so.
class DatabaseError : public LibraryError {
public:
    using LibraryError::LibraryError;
};

class Statement {
public:
    Statement(sqlite3* db, sqlite3_stmt* statement) : m_db(db), m_statement(statement) {}
    Statement(Statement&&) noexcept;
    Statement& operator=(Statement&&) noexcept;
    ~Statement();

    // Parameters are 1-based, as in SQLite.
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

    // Columns are 0-based.
    bool isNull(int column) const;
    std::int64_t columnInt64(int column) const;
    double columnDouble(int column) const;
    std::string columnText(int column) const;
    std::vector<std::uint8_t> columnBlob(int column) const;

private:
    sqlite3_stmt* handle() const;  // throws DatabaseError when moved from

    sqlite3* m_db;
    sqlite3_stmt* m_statement;
};

class Connection {
public:
    enum class Mode { ReadWrite, ReadOnly };

    // Opens (and for ReadWrite creates) the database, with foreign keys on, WAL journaling
    // and a busy timeout. Throws DatabaseError when the file is not a usable database.
    static Connection open(const std::filesystem::path& path, Mode mode = Mode::ReadWrite);
    // A private in-memory database, for tests.
    static Connection openInMemory();

    Connection(Connection&&) noexcept = default;
    Connection& operator=(Connection&&) noexcept = default;
    ~Connection();

    void execute(std::string_view sql);  // may hold several statements
    // Compiles the first statement in `sql`. Throws DatabaseError when it is invalid or when
    // `sql` holds no statement at all (only blanks or comments).
    Statement prepare(std::string_view sql);

    std::int64_t lastInsertRowId() const;
    int changes() const;
    int userVersion();
    void setUserVersion(int version);
    const std::filesystem::path& path() const { return m_path; }

private:
    struct Closer {
        void operator()(sqlite3* db) const noexcept;
    };
    Connection(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path path);
    void configure();

    std::unique_ptr<sqlite3, Closer> m_db;
    std::filesystem::path m_path;
};

// BEGIN IMMEDIATE on construction, so the write lock is taken up front and a busy library is
// reported at once instead of at commit time. Rolls back in the destructor unless committed.
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
