// The PostgreSQL backend, on libpq: a library on a server that several desks share.
//
// Statements are sent with PQexecParams, every parameter and every result in binary format
// (no text round trip for the vectors and weights), and the whole result is kept until the
// statement is reset, so another statement may run while one is being read, as with SQLite.
// Placeholders are written ? or ?NNN, as in SQLite, and become $n here.

#include "core/catalog/backends.h"

#include <libpq-fe.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cstring>
#include <thread>

namespace lookalike::catalog::detail {

namespace {

// Built-in type OIDs (catalog/pg_type_d.h is a server header; these never change).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kTextOid = 25;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;

// Advisory lock keys (two int4s): writers' turns, in every transaction.
constexpr int kLockClass = 0x4C4B4C4B;  // "LKLK"
constexpr int kWriteTurnKey = 2;

struct ResultDeleter {
    void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
        text.pop_back();
    return text;
}

// ? and ?NNN outside quotes and comments become $n.
std::string translatePlaceholders(std::string_view sql) {
    std::string out;
    out.reserve(sql.size() + 16);
    int next = 0;
    for (std::size_t i = 0; i < sql.size(); ++i) {
        const char c = sql[i];
        if (c == '\'' || c == '"') {
            const std::size_t end = sql.find(c, i + 1);
            const std::size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
            out.append(sql.substr(i, stop - i));
            i = stop - 1;
        } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
            const std::size_t end = sql.find('\n', i);
            const std::size_t stop = end == std::string_view::npos ? sql.size() : end;
            out.append(sql.substr(i, stop - i));
            i = stop - 1;
        } else if (c == '?') {
            std::size_t digits = i + 1;
            while (digits < sql.size() && sql[digits] >= '0' && sql[digits] <= '9')
                ++digits;
            out += '$';
            if (digits > i + 1) {
                out.append(sql.substr(i + 1, digits - i - 1));
                i = digits - 1;
            } else {
                out += std::to_string(++next);
            }
        } else {
            out += c;
        }
    }
    return out;
}

// The wire's byte order is big-endian (std::byteswap is C++23).
template <typename T>
T swapToHost(T value) {
    if constexpr (std::endian::native == std::endian::big)
        return value;
    else if constexpr (sizeof(T) == 8)
        return static_cast<T>(__builtin_bswap64(static_cast<std::uint64_t>(value)));
    else if constexpr (sizeof(T) == 4)
        return static_cast<T>(__builtin_bswap32(static_cast<std::uint32_t>(value)));
    else
        return static_cast<T>(__builtin_bswap16(static_cast<std::uint16_t>(value)));
}

template <typename T>
T readBigEndian(const char* bytes) {
    T value;
    std::memcpy(&value, bytes, sizeof value);
    return swapToHost(value);
}

template <typename T>
std::string bigEndianBytes(T value) {
    value = swapToHost(value);
    std::string bytes(sizeof value, '\0');
    std::memcpy(bytes.data(), &value, sizeof value);
    return bytes;
}

// "postgresql://shop@/lookalike?host=/run/postgresql&port=5432": who and where, never a password.
std::string describeServer(PQconninfoOption* options) {
    std::string user, host, port, dbname;
    for (PQconninfoOption* option = options; option && option->keyword; ++option) {
        const std::string value = option->val ? option->val : "";
        const std::string_view key = option->keyword;
        if (key == "user")
            user = value;
        else if (key == "host")
            host = value;
        else if (key == "port")
            port = value;
        else if (key == "dbname")
            dbname = value;
    }
    const bool socket = host.empty() || host.front() == '/';
    std::string text = "postgresql://" + (user.empty() ? "" : user + "@");
    if (!socket)
        text += host + (port.empty() ? "" : ":" + port);
    text += "/" + dbname;
    if (socket && !host.empty())
        text += "?host=" + host + (port.empty() ? "" : "&port=" + port);
    else if (socket && !port.empty())
        text += "?port=" + port;
    return text;
}

class PostgresConnection;

class PostgresStatement final : public StatementBackend {
public:
    PostgresStatement(PostgresConnection& connection, std::string sql)
        : m_connection(connection), m_sql(std::move(sql)) {}

    void bindInt64(int index, std::int64_t value) override { set(index, kInt8Oid, bigEndianBytes(value)); }
    void bindDouble(int index, double value) override {
        set(index, kFloat8Oid, bigEndianBytes(std::bit_cast<std::uint64_t>(value)));
    }
    void bindText(int index, std::string_view text) override { set(index, kTextOid, std::string(text)); }
    void bindBlob(int index, std::span<const std::uint8_t> blob) override {
        set(index, kByteaOid, std::string(reinterpret_cast<const char*>(blob.data()), blob.size()));
    }
    void bindNull(int index) override {
        slot(index);
        m_values[static_cast<std::size_t>(index - 1)].reset();
        m_types[static_cast<std::size_t>(index - 1)] = 0;
    }

    bool step() override;
    void reset() override {
        m_result.reset();
        m_row = -1;
    }
    void clearBindings() override {
        for (auto& value : m_values)
            value.reset();
        std::fill(m_types.begin(), m_types.end(), 0);
    }

    bool isNull(int column) const override { return PQgetisnull(result(), m_row, column) != 0; }
    std::int64_t columnInt64(int column) const override;
    double columnDouble(int column) const override;
    std::string columnText(int column) const override {
        return std::string(PQgetvalue(result(), m_row, column), static_cast<std::size_t>(PQgetlength(result(), m_row, column)));
    }
    std::vector<std::uint8_t> columnBlob(int column) const override {
        const auto* data = reinterpret_cast<const std::uint8_t*>(PQgetvalue(result(), m_row, column));
        return std::vector<std::uint8_t>(data, data + PQgetlength(result(), m_row, column));
    }

private:
    void slot(int index) {
        if (index < 1 || index > 1000)
            throw DatabaseError("bind: no parameter " + std::to_string(index));
        const auto size = static_cast<std::size_t>(index);
        if (m_values.size() < size) {
            m_values.resize(size);
            m_types.resize(size, 0);
        }
    }
    void set(int index, Oid type, std::string bytes) {
        slot(index);
        m_values[static_cast<std::size_t>(index - 1)] = std::move(bytes);
        m_types[static_cast<std::size_t>(index - 1)] = type;
    }
    PGresult* result() const {
        if (!m_result || m_row < 0 || m_row >= PQntuples(m_result.get()))
            throw DatabaseError("internal error: a column was read without a current row");
        return m_result.get();
    }

    PostgresConnection& m_connection;
    std::string m_sql;
    std::vector<std::optional<std::string>> m_values;
    std::vector<Oid> m_types;
    Result m_result;
    int m_row = -1;
};

class PostgresConnection final : public ConnectionBackend {
public:
    PostgresConnection(PGconn* connection, std::string display) : m_connection(connection), m_display(std::move(display)) {}
    PostgresConnection(const PostgresConnection&) = delete;
    PostgresConnection& operator=(const PostgresConnection&) = delete;
    ~PostgresConnection() override { PQfinish(m_connection); }

    // Session settings, again after every reconnect: quiet notices, and a writer waits at most
    // as long as a SQLite writer does before it hears that the library is busy.
    void configure() {
        PQsetNoticeProcessor(m_connection, [](void*, const char*) {}, nullptr);
        checked(PQexec(m_connection, "SET client_min_messages = warning; SET lock_timeout = '10s'"), "configure");
    }

    Dialect dialect() const override { return Dialect::Postgres; }

    void execute(std::string_view sql) override {
        const std::string text(sql);
        Result result = withReconnect([&] { return PQexec(m_connection, text.c_str()); }, sql);
        m_changes = std::atoi(PQcmdTuples(result.get()));
    }

    std::unique_ptr<StatementBackend> prepare(std::string_view sql) override {
        if (sql.find_first_not_of(" \t\r\n;") == std::string_view::npos)
            throw DatabaseError("prepare: no SQL statement in '" + std::string(sql) + "'");
        return std::make_unique<PostgresStatement>(*this, translatePlaceholders(sql));
    }

    Result run(const std::string& sql, const std::vector<std::optional<std::string>>& values,
               const std::vector<Oid>& types) {
        std::vector<const char*> pointers(values.size());
        std::vector<int> lengths(values.size());
        std::vector<int> formats(values.size(), 1);
        for (std::size_t i = 0; i < values.size(); ++i) {
            pointers[i] = values[i] ? values[i]->data() : nullptr;
            lengths[i] = values[i] ? static_cast<int>(values[i]->size()) : 0;
        }
        Result result = withReconnect(
            [&] {
                return PQexecParams(m_connection, sql.c_str(), static_cast<int>(values.size()), types.data(),
                                    pointers.data(), lengths.data(), formats.data(), 1);
            },
            sql);
        m_changes = std::atoi(PQcmdTuples(result.get()));
        return result;
    }

    std::int64_t lastInsertRowId() override {
        Result result = run("SELECT lastval()", {}, {});
        return readBigEndian<std::int64_t>(PQgetvalue(result.get(), 0, 0));
    }
    int changes() const override { return m_changes; }

    int userVersion() override {
        Result exists = run("SELECT to_regclass('lookalike_schema') IS NOT NULL", {}, {});
        if (PQgetvalue(exists.get(), 0, 0)[0] == 0)
            return 0;
        Result version = run("SELECT coalesce(max(version), 0) FROM lookalike_schema", {}, {});
        return readBigEndian<std::int32_t>(PQgetvalue(version.get(), 0, 0));
    }
    void setUserVersion(int version) override {
        execute("CREATE TABLE IF NOT EXISTS lookalike_schema (version integer NOT NULL); "
                "DELETE FROM lookalike_schema; INSERT INTO lookalike_schema (version) VALUES (" +
                std::to_string(version) + ")");
    }

    void begin() override {
        if (m_inTransaction)
            throw DatabaseError("cannot start a transaction within a transaction");
        execute("BEGIN");
        m_inTransaction = true;
        try {
            execute("SELECT pg_advisory_xact_lock(" + std::to_string(kLockClass) + ", " + std::to_string(kWriteTurnKey) + ")");
        } catch (...) {
            rollback();
            throw;
        }
    }
    void commit() override {
        // Whatever COMMIT answers, the transaction is over (a failed one was rolled back).
        m_inTransaction = false;
        execute("COMMIT");
    }
    void rollback() noexcept override {
        m_inTransaction = false;
        if (PQstatus(m_connection) == CONNECTION_OK)
            PQclear(PQexec(m_connection, "ROLLBACK"));
    }

private:
    // Sends a statement. When the connection turns out to be gone and no transaction is open,
    // reconnects and sends it once more: the server dropped the session before running it (a
    // restart, an administrator's pg_terminate_backend, an idle timeout). Inside a transaction
    // the whole batch fails instead.
    template <typename Send>
    Result withReconnect(Send&& send, std::string_view context) {
        ensureConnected();
        try {
            return checked(send(), context);
        } catch (const ConnectionLostError&) {
            if (m_inTransaction)
                throw;
        }
        ensureConnected();
        return checked(send(), context);
    }

    // A dropped connection is re-established here, before the next statement, retrying for a
    // few seconds (a server restart, a network blip). Inside a transaction it cannot be: the
    // server has rolled the transaction back, and the caller's batch fails as a whole.
    void ensureConnected() {
        if (PQstatus(m_connection) == CONNECTION_OK)
            return;
        if (m_inTransaction)
            throw lost("");
        constexpr std::array kWaits{250, 500, 1000, 2000, 4000};
        for (int wait : kWaits) {
            PQreset(m_connection);
            if (PQstatus(m_connection) == CONNECTION_OK) {
                configure();
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(wait));
        }
        throw lost(" Lookalike tried again for 8 seconds.");
    }

    ConnectionLostError lost(const std::string& more) const {
        return ConnectionLostError("Lost the connection to the library server " + m_display + " (" +
                                   trimmed(PQerrorMessage(m_connection)) +
                                   "). Nothing of the interrupted step was saved; Lookalike reconnects at the next step." +
                                   more);
    }

    Result checked(PGresult* raw, std::string_view context) {
        Result result(raw);
        const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
        if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
            return result;
        if (!result || PQstatus(m_connection) != CONNECTION_OK)
            throw lost("");
        const char* state = PQresultErrorField(result.get(), PG_DIAG_SQLSTATE);
        const std::string code = state ? state : "";
        const char* primary = PQresultErrorField(result.get(), PG_DIAG_MESSAGE_PRIMARY);
        const std::string message = primary ? primary : trimmed(PQresultErrorMessage(result.get()));
        if (code == "53100")
            throw StorageFullError("The library server's disk is full: the library cannot store more data (" + message + ")");
        if (code == "55P03" || code == "40P01")
            throw DatabaseError("The library is in use by another Lookalike process (" + message + ")");
        if (code.starts_with("08") || code.starts_with("57P"))
            throw lost("");
        if (code == "42501" || code.starts_with("28"))
            throw DatabaseError("The library server " + m_display + " refused: " + message);
        throw DatabaseError(std::string(context.substr(0, 200)) + ": " + message);
    }

    PGconn* m_connection;
    std::string m_display;
    int m_changes = 0;
    bool m_inTransaction = false;
};

bool PostgresStatement::step() {
    if (!m_result) {
        m_result = m_connection.run(m_sql, m_values, m_types);
        m_row = -1;
    }
    ++m_row;
    return m_row < PQntuples(m_result.get());
}

std::int64_t PostgresStatement::columnInt64(int column) const {
    PGresult* rows = result();
    if (PQgetisnull(rows, m_row, column))
        return 0;
    const char* value = PQgetvalue(rows, m_row, column);
    switch (PQftype(rows, column)) {
    case kInt8Oid: return readBigEndian<std::int64_t>(value);
    case kInt4Oid:
    case kOidOid: return readBigEndian<std::int32_t>(value);
    case kInt2Oid: return readBigEndian<std::int16_t>(value);
    case kBoolOid: return value[0] != 0 ? 1 : 0;
    default:
        throw DatabaseError("internal error: column " + std::to_string(column) + " of '" + m_sql.substr(0, 80) +
                            "' is not an integer (type " + std::to_string(PQftype(rows, column)) + ")");
    }
}

double PostgresStatement::columnDouble(int column) const {
    PGresult* rows = result();
    if (PQgetisnull(rows, m_row, column))
        return 0.0;
    const char* value = PQgetvalue(rows, m_row, column);
    switch (PQftype(rows, column)) {
    case kFloat8Oid: return std::bit_cast<double>(readBigEndian<std::uint64_t>(value));
    case kFloat4Oid: return std::bit_cast<float>(readBigEndian<std::uint32_t>(value));
    default: return static_cast<double>(columnInt64(column));
    }
}

}  // namespace

std::string describeServerUri(const std::string& uri) {
    char* parseError = nullptr;
    PQconninfoOption* options = PQconninfoParse(uri.c_str(), &parseError);
    if (!options) {
        std::string why = parseError ? trimmed(parseError) : "out of memory";
        PQfreemem(parseError);
        throw DatabaseError("Not a PostgreSQL connection URI (" + why + ")");
    }
    std::string display = describeServer(options);
    PQconninfoFree(options);
    return display;
}

std::unique_ptr<ConnectionBackend> openPostgres(const std::string& uri, std::string& display) {
    display = describeServerUri(uri);
    PGconn* raw = PQconnectdb(uri.c_str());
    if (!raw)
        throw DatabaseError("Cannot connect to the library server " + display + ": out of memory");
    if (PQstatus(raw) != CONNECTION_OK) {
        std::string why = trimmed(PQerrorMessage(raw));
        PQfinish(raw);
        throw DatabaseError("Cannot connect to the library server " + display + ": " + why);
    }
    // The server as libpq resolved it (defaults and PG* variables filled in).
    if (PQconninfoOption* used = PQconninfo(raw)) {
        display = describeServer(used);
        PQconninfoFree(used);
    }
    auto connection = std::make_unique<PostgresConnection>(raw, display);
    connection->configure();
    return connection;
}

}  // namespace lookalike::catalog::detail
