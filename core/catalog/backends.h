#pragma once
// The two database backends behind Connection (database.h); only database.cpp uses this.

#include "core/catalog/database.h"

#include <filesystem>
#include <memory>
#include <string>

namespace lookalike::catalog::detail {

// path ":memory:" opens a private in-memory database.
std::unique_ptr<ConnectionBackend> openSqlite(const std::filesystem::path& path, Connection::Mode mode);

// The server a URI names, as it may be shown: "postgresql://shop@/lookalike?host=/run/postgresql".
// Without a password, even when the URI holds one. Throws DatabaseError when it is not a URI.
std::string describeServerUri(const std::string& uri);

// `display` receives the server as it may be shown: no password.
std::unique_ptr<ConnectionBackend> openPostgres(const std::string& uri, std::string& display);

}  // namespace lookalike::catalog::detail
