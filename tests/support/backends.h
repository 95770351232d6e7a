#pragma once
// Tests that run against both catalog backends: SQLite (a library folder) and PostgreSQL (a
// fresh database on the test suite's own server, postgres_cluster.h). Header-only.
//
//   class MyTest : public fixtures::BackendTest {};
//   TEST_P(MyTest, Something) { catalog::Catalog catalog = openCatalog(); ... }
//   INSTANTIATE_TEST_SUITE_P(Backends, MyTest, fixtures::kBothBackends, fixtures::backendName);

#include "core/catalog/catalog.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/scoped_environment.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <string>

namespace lookalike::fixtures {

enum class Backend { Sqlite, Postgres };

inline std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
    return info.param == Backend::Sqlite ? "Sqlite" : "Postgres";
}

inline const auto kBothBackends = ::testing::Values(Backend::Sqlite, Backend::Postgres);

// A new, empty library: the folder `dir / name`, or a new database on the test server.
inline catalog::LibraryLocation freshLibrary(Backend backend, const TempDir& dir, const std::string& name = "library") {
    if (backend == Backend::Sqlite)
        return catalog::LibraryLocation(dir / name);
    return catalog::LibraryLocation::parse(PostgresCluster::shared().createDatabase());
}

// A temporary folder that is also $XDG_CACHE_HOME (where a server library's desk keeps its
// index), and one fresh library per test.
class BackendTest : public ::testing::TestWithParam<Backend> {
protected:
    bool server() const { return GetParam() == Backend::Postgres; }
    const catalog::LibraryLocation& location() {
        if (m_location.folder().empty() && m_location.uri().empty())
            m_location = freshLibrary(GetParam(), m_dir);
        return m_location;
    }
    catalog::Catalog openCatalog() { return catalog::Catalog::open(location()); }
    const TempDir& dir() const { return m_dir; }

private:
    TempDir m_dir;
    ScopedEnvironment m_cache{"XDG_CACHE_HOME", (m_dir / "cache").c_str()};
    catalog::LibraryLocation m_location;
};

}  // namespace lookalike::fixtures
