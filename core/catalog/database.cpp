#include "core/catalog/database.h"

#include "core/catalog/backends.h"

#include <utility>

namespace lookalike::catalog {

// --- Statement ---

Statement::Statement(std::unique_ptr<detail::StatementBackend> backend) : m_backend(std::move(backend)) {}
Statement::Statement(Statement&&) noexcept = default;
Statement& Statement::operator=(Statement&&) noexcept = default;
Statement::~Statement() = default;

detail::StatementBackend& Statement::backend() const {
    if (!m_backend)
        throw DatabaseError("internal error: a database statement was used after being moved");
    return *m_backend;
}

Statement& Statement::bind(int index, std::int64_t value) {
    backend().bindInt64(index, value);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    backend().bindDouble(index, value);
    return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
    backend().bindText(index, text);
    return *this;
}

Statement& Statement::bind(int index, std::span<const std::uint8_t> blob) {
    backend().bindBlob(index, blob);
    return *this;
}

Statement& Statement::bindNull(int index) {
    backend().bindNull(index);
    return *this;
}

bool Statement::step() {
    return backend().step();
}

void Statement::run() {
    while (step()) {
    }
    reset();
}

void Statement::reset() {
    backend().reset();
}

void Statement::clearBindings() {
    backend().clearBindings();
}

bool Statement::isNull(int column) const {
    return backend().isNull(column);
}

std::int64_t Statement::columnInt64(int column) const {
    return backend().columnInt64(column);
}

double Statement::columnDouble(int column) const {
    return backend().columnDouble(column);
}

std::string Statement::columnText(int column) const {
    return backend().columnText(column);
}

std::vector<std::uint8_t> Statement::columnBlob(int column) const {
    return backend().columnBlob(column);
}

// --- Connection ---

Connection::Connection(std::unique_ptr<detail::ConnectionBackend> backend, std::filesystem::path path)
    : m_backend(std::move(backend)), m_path(std::move(path)) {}
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;
Connection::~Connection() = default;

Connection Connection::open(const std::filesystem::path& path, Mode mode) {
    return Connection(detail::openSqlite(path, mode), path);
}

Connection Connection::openInMemory() {
    return Connection(detail::openSqlite(":memory:", Mode::ReadWrite), ":memory:");
}

Connection Connection::openServer(const std::string& uri) {
    std::string display;
    std::unique_ptr<detail::ConnectionBackend> backend = detail::openPostgres(uri, display);
    return Connection(std::move(backend), display);
}

detail::ConnectionBackend& Connection::backend() const {
    if (!m_backend)
        throw DatabaseError("internal error: a database connection was used after being moved");
    return *m_backend;
}

Dialect Connection::dialect() const {
    return backend().dialect();
}

void Connection::execute(std::string_view sql) {
    backend().execute(sql);
}

Statement Connection::prepare(std::string_view sql) {
    return Statement(backend().prepare(sql));
}

std::int64_t Connection::lastInsertRowId() const {
    return backend().lastInsertRowId();
}

int Connection::changes() const {
    return backend().changes();
}

int Connection::userVersion() {
    return backend().userVersion();
}

void Connection::setUserVersion(int version) {
    backend().setUserVersion(version);
}

// --- Transaction ---

Transaction::Transaction(Connection& connection) : m_connection(connection) {
    m_connection.backend().begin();
}

Transaction::~Transaction() {
    if (!m_done)
        m_connection.backend().rollback();
}

void Transaction::commit() {
    m_connection.backend().commit();
    m_done = true;
}

}  // namespace lookalike::catalog
