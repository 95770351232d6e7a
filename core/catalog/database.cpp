#include "core/catalog/database.h"

#include <sqlite3.h>

#include <utility>

namespace lookalike::catalog {

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

}  // namespace

// --- Statement ---

Statement::Statement(Statement&& other) noexcept
    : m_db(other.m_db), m_statement(std::exchange(other.m_statement, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(m_statement);
        m_db = other.m_db;
        m_statement = std::exchange(other.m_statement, nullptr);
    }
    return *this;
}

Statement::~Statement() {
    sqlite3_finalize(m_statement);
}

sqlite3_stmt* Statement::handle() const {
    // A moved-from statement has no handle; SQLite would crash or report a bare misuse.
    if (!m_statement)
        throw DatabaseError("internal error: a database statement was used after being moved");
    return m_statement;
}

Statement& Statement::bind(int index, std::int64_t value) {
    check(m_db, sqlite3_bind_int64(handle(), index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, double value) {
    check(m_db, sqlite3_bind_double(handle(), index, value), "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    check(m_db,
          sqlite3_bind_text64(handle(), index, text.data(), text.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8),
          "bind");
    return *this;
}

Statement& Statement::bind(int index, std::span<const std::uint8_t> blob) {
    // A zero-length blob must still be a blob, not NULL.
    static const std::uint8_t empty = 0;
    const void* data = blob.empty() ? &empty : blob.data();
    check(m_db, sqlite3_bind_blob64(handle(), index, data, blob.size(), SQLITE_TRANSIENT),
          "bind");
    return *this;
}

Statement& Statement::bindNull(int index) {
    check(m_db, sqlite3_bind_null(handle(), index), "bind");
    return *this;
}

bool Statement::step() {
    int code = sqlite3_step(handle());
    if (code == SQLITE_ROW)
        return true;
    if (code == SQLITE_DONE)
        return false;
    // Leave the statement reusable: a failed step must not poison the next one.
    sqlite3_reset(m_statement);
    throwError(m_db, code, sqlite3_sql(m_statement));
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    sqlite3_reset(m_statement);
}

void Statement::clearBindings() {
    sqlite3_clear_bindings(m_statement);
}

bool Statement::isNull(int column) const {
    return sqlite3_column_type(m_statement, column) == SQLITE_NULL;
}

std::int64_t Statement::columnInt64(int column) const {
    return sqlite3_column_int64(m_statement, column);
}

double Statement::columnDouble(int column) const {
    return sqlite3_column_double(m_statement, column);
}

std::string Statement::columnText(int column) const {
    auto* text = reinterpret_cast<const char*>(sqlite3_column_text(m_statement, column));
    return text ? std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column)))
                : std::string();
}

std::vector<std::uint8_t> Statement::columnBlob(int column) const {
    auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(m_statement, column));
    auto size = static_cast<std::size_t>(sqlite3_column_bytes(m_statement, column));
    return data ? std::vector<std::uint8_t>(data, data + size) : std::vector<std::uint8_t>();
}

// --- Connection ---

void Connection::Closer::operator()(sqlite3* db) const noexcept {
    // Statements are finalized by their owners; close_v2 defers if any are still alive.
    sqlite3_close_v2(db);
}

Connection::Connection(std::unique_ptr<sqlite3, Closer> db, std::filesystem::path path)
    : m_db(std::move(db)), m_path(std::move(path)) {}

Connection::~Connection() = default;

Connection Connection::open(const std::filesystem::path& path, Mode mode) {
    sqlite3* raw = nullptr;
    int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    flags |= mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                                    : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
    std::unique_ptr<sqlite3, Closer> db(raw);
    if (code != SQLITE_OK)
        throwError(raw, code, "open " + path.string());
    Connection connection(std::move(db), path);
    connection.configure();
    return connection;
}

Connection Connection::openInMemory() {
    sqlite3* raw = nullptr;
    int code = sqlite3_open_v2(":memory:", &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                               nullptr);
    std::unique_ptr<sqlite3, Closer> db(raw);
    if (code != SQLITE_OK)
        throwError(raw, code, "open :memory:");
    Connection connection(std::move(db), ":memory:");
    connection.configure();
    return connection;
}

void Connection::configure() {
    sqlite3_busy_timeout(m_db.get(), kBusyTimeoutMs);
    sqlite3_extended_result_codes(m_db.get(), 1);
    // Reading the schema here turns "not a database" into an error at open time.
    execute("PRAGMA foreign_keys = ON");
    if (m_path != ":memory:" && !sqlite3_db_readonly(m_db.get(), "main")) {
        Statement journal = prepare("PRAGMA journal_mode = WAL");
        journal.step();
        execute("PRAGMA synchronous = NORMAL");
    }
}

void Connection::execute(std::string_view sql) {
    std::string text(sql);
    char* message = nullptr;
    int code = sqlite3_exec(m_db.get(), text.c_str(), nullptr, nullptr, &message);
    if (code != SQLITE_OK) {
        std::string detail = message ? message : "";
        sqlite3_free(message);
        throwError(m_db.get(), code, detail);
    }
}

Statement Connection::prepare(std::string_view sql) {
    sqlite3_stmt* statement = nullptr;
    int code = sqlite3_prepare_v3(m_db.get(), sql.data(), static_cast<int>(sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
    if (code != SQLITE_OK)
        throwError(m_db.get(), code, "prepare");
    // SQLite returns no statement, and no error, for text that holds only blanks or comments;
    // stepping that would crash, so refuse it here where the caller can see why.
    if (!statement)
        throw DatabaseError("prepare: no SQL statement in '" + std::string(sql) + "'");
    return Statement(m_db.get(), statement);
}

std::int64_t Connection::lastInsertRowId() const {
    return sqlite3_last_insert_rowid(m_db.get());
}

int Connection::changes() const {
    return sqlite3_changes(m_db.get());
}

int Connection::userVersion() {
    Statement statement = prepare("PRAGMA user_version");
    statement.step();
    return static_cast<int>(statement.columnInt64(0));
}

void Connection::setUserVersion(int version) {
    execute("PRAGMA user_version = " + std::to_string(version));
}

// --- Transaction ---

Transaction::Transaction(Connection& connection) : m_connection(connection) {
    m_connection.execute("BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
    if (!m_done) {
        try {
            m_connection.execute("ROLLBACK");
        } catch (...) {
            // Destructors never throw; SQLite has already rolled back if ROLLBACK fails.
        }
    }
}

void Transaction::commit() {
    m_connection.execute("COMMIT");
    m_done = true;
}

}  // namespace lookalike::catalog
