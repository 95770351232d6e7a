// The SQLite backend: one file per library (or :memory: for tests).

#include "core/catalog/backends.h"

#include <sqlite3.h>

namespace lookalike::catalog::detail {

namespace {

constexpr int kBusyTimeoutMs = 5000;

[[noreturn]] void throwError(sqlite3* db, int code, std::string_view context) {
    std::string detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
    int primary = code & 0xff;
    if (primary == SQLITE_FULL)
        throw StorageFullError("The disk is full: the library cannot store more data (" +
                               detail + ")");
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED)
        throw DatabaseError("The library is in use by another Lookalike process (" + detail + ")");
    if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT)
        throw DatabaseError("The library's catalog is damaged or not a catalog (" + detail + ")");
    if (primary == SQLITE_READONLY || primary == SQLITE_CANTOPEN || primary == SQLITE_PERM)
        throw DatabaseError("The library cannot be opened for writing (" + detail + ")");
    throw DatabaseError(std::string(context) + ": " + detail);
}

void check(sqlite3* db, int code, std::string_view context) {
    if (code != SQLITE_OK)
        throwError(db, code, context);
}

class SqliteStatement final : public StatementBackend {
public:
    SqliteStatement(sqlite3* db, sqlite3_stmt* statement) : m_db(db), m_statement(statement) {}
    SqliteStatement(const SqliteStatement&) = delete;
    SqliteStatement& operator=(const SqliteStatement&) = delete;
    ~SqliteStatement() override { sqlite3_finalize(m_statement); }

    void bindInt64(int index, std::int64_t value) override {
        check(m_db, sqlite3_bind_int64(m_statement, index, value), "bind");
    }
    void bindDouble(int index, double value) override {
        check(m_db, sqlite3_bind_double(m_statement, index, value), "bind");
    }
    void bindText(int index, std::string_view text) override {
        check(m_db, sqlite3_bind_text64(m_statement, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
              "bind");
    }
    void bindBlob(int index, std::span<const std::uint8_t> blob) override {
        // A zero-length blob must still be a blob, not NULL.
        static const std::uint8_t empty = 0;
        const void* data = blob.empty() ? &empty : blob.data();
        check(m_db, sqlite3_bind_blob64(m_statement, index, data, blob.size(), SQLITE_TRANSIENT), "bind");
    }
    void bindNull(int index) override { check(m_db, sqlite3_bind_null(m_statement, index), "bind"); }

    bool step() override {
        int code = sqlite3_step(m_statement);
        if (code == SQLITE_ROW)
            return true;
        if (code == SQLITE_DONE)
            return false;
        // Leave the statement reusable: a failed step must not poison the next one.
        sqlite3_reset(m_statement);
        throwError(m_db, code, sqlite3_sql(m_statement));
    }
    void reset() override { sqlite3_reset(m_statement); }
    void clearBindings() override { sqlite3_clear_bindings(m_statement); }

    bool isNull(int column) const override { return sqlite3_column_type(m_statement, column) == SQLITE_NULL; }
    std::int64_t columnInt64(int column) const override { return sqlite3_column_int64(m_statement, column); }
    double columnDouble(int column) const override { return sqlite3_column_double(m_statement, column); }
    std::string columnText(int column) const override {
        auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_statement, column));
        return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column)))
                    : std::string();
    }
    std::vector<std::uint8_t> columnBlob(int column) const override {
        auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_statement, column));
        auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column));
        return data ? std::vector<std::uint8_t>(data, data + size) : std::vector<std::uint8_t>();
    }

private:
    sqlite3* m_db;
    sqlite3_stmt* m_statement;
};

class SqliteConnection final : public ConnectionBackend {
public:
    explicit SqliteConnection(sqlite3* db) : m_db(db) {}
    SqliteConnection(const SqliteConnection&) = delete;
    SqliteConnection& operator=(const SqliteConnection&) = delete;
    // Statements are finalized by their owners; close_v2 defers if any are still alive.
    ~SqliteConnection() override { sqlite3_close_v2(m_db); }

    void configure(bool inMemory) {
        sqlite3_busy_timeout(m_db, kBusyTimeoutMs);
        sqlite3_extended_result_codes(m_db, 1);
        // Reading the schema here turns "not a database" into an error at open time.
        execute("PRAGMA foreign_keys = ON");
        if (!inMemory && !sqlite3_db_readonly(m_db, "main")) {
            prepare("PRAGMA journal_mode = WAL")->step();
            execute("PRAGMA synchronous = NORMAL");
        }
    }

    Dialect dialect() const override { return Dialect::Sqlite; }

    void execute(std::string_view sql) override {
        std::string text(sql);
        char* message = nullptr;
        int code = sqlite3_exec(m_db, text.c_str(), nullptr, nullptr, &message);
        if (code != SQLITE_OK) {
            std::string detail = message ? message : "";
            sqlite3_free(message);
            throwError(m_db, code, detail);
        }
    }

    std::unique_ptr<StatementBackend> prepare(std::string_view sql) override {
        sqlite3_stmt* statement = nullptr;
        int code = sqlite3_prepare_v3(m_db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT,
                                      &statement, nullptr);
        if (code != SQLITE_OK)
            throwError(m_db, code, "prepare");
        // SQLite returns no statement, and no error, for text that holds only blanks or comments;
        // stepping that would crash, so refuse it here where the caller can see why.
        if (!statement)
            throw DatabaseError("prepare: no SQL statement in '" + std::string(sql) + "'");
        return std::make_unique<SqliteStatement>(m_db, statement);
    }

    std::int64_t lastInsertRowId() override { return sqlite3_last_insert_rowid(m_db); }
    int changes() const override { return sqlite3_changes(m_db); }

    int userVersion() override {
        std::unique_ptr<StatementBackend> statement = prepare("PRAGMA user_version");
        statement->step();
        return static_cast<int>(statement->columnInt64(0));
    }
    void setUserVersion(int version) override { execute("PRAGMA user_version = " + std::to_string(version)); }

    void begin() override { execute("BEGIN IMMEDIATE"); }
    void commit() override { execute("COMMIT"); }
    void rollback() noexcept override {
        // SQLite has already rolled back when ROLLBACK itself fails.
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
    }

private:
    sqlite3* m_db;
};

}  // namespace

std::unique_ptr<ConnectionBackend> openSqlite(const std::filesystem::path& path, Connection::Mode mode) {
    const bool inMemory = path == ":memory:";
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    flags |= mode == Connection::Mode::ReadOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    auto connection = std::make_unique<SqliteConnection>(raw);  // closes it on every way out
    if (code != SQLITE_OK)
        throwError(raw, code, "open " + path.string());
    connection->configure(inMemory);
    return connection;
}

}  // namespace lookalike::catalog::detail
