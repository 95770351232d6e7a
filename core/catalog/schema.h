#pragma once
// The catalog's schema as an ordered list of migrations, tracked with PRAGMA user_version.

#include "core/catalog/database.h"

#include <span>
#include <string_view>

namespace lookalike::catalog {

struct Migration {
    int version;           // user_version after this migration ran
    std::string_view sql;  // one or more statements
};

// Every migration of one backend, oldest first. Both end at latestSchemaVersion().
std::span<const Migration> migrations(Dialect dialect = Dialect::Sqlite);
int latestSchemaVersion();

// Brings the database to the latest version, one transaction per migration, so a failure
// leaves it at the last complete version. Throws LibraryError when the catalog was written by
// a newer Lookalike (a version we do not know).
void migrate(Connection& connection);

}  // namespace lookalike::catalog
