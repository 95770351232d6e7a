// End-to-end: lookalike-cli on a library on the test suite's PostgreSQL server, and migrate
// moving a library from a folder to the server and back.

#include "tests/cli/cli_runner.h"
#include "tests/cli/shape_library.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

using namespace lookalike;
using fixtures::contains;
using fixtures::RunResult;
namespace fs = std::filesystem;

namespace {

class ServerCliTest : public ::testing::Test {
protected:
    RunResult run(const std::string& library, std::vector<std::string> args) {
        args.insert(args.begin(), {"--library", library});
        return fixtures::runCli(args, home.path(), work.path());
    }

    // The "Items:" line of stats.
    std::string itemsLine(const std::string& library) {
        const std::string out = run(library, {"stats"}).out;
        const std::size_t at = out.find("Items:");
        return at == std::string::npos ? "no Items line in: " + out : out.substr(at, out.find('\n', at) - at);
    }

    fixtures::TempDir home;
    fixtures::TempDir work;
    fs::path photos = work / "photos";
    std::string folder = (work / "library").string();
    std::string server = fixtures::PostgresCluster::shared().createDatabase();
};

}  // namespace

TEST_F(ServerCliTest, MigrateCopiesALibraryToTheServerAndBackAndVerifiesIt) {
    fixtures::writeShapeLibraryPhotos(photos);
    ASSERT_EQ(run(folder, {"import", photos.string()}).exitCode, 0);
    ASSERT_EQ(run(folder, {"groups", "create", "pair", "1", "2"}).exitCode, 0);
    const RunResult lookalikes = run(folder, {"similar", "3", "--k", "5", "--format", "csv"});
    ASSERT_EQ(lookalikes.exitCode, 0) << lookalikes.err;

    RunResult moved = fixtures::runCli({"migrate", folder, server}, home.path(), work.path());
    ASSERT_EQ(moved.exitCode, 0) << moved.out << moved.err;
    EXPECT_TRUE(contains(moved.out, "Verified: the copy matches, row for row.")) << moved.out;
    EXPECT_TRUE(contains(moved.out, "embeddings    sha256 ")) << moved.out;
    EXPECT_FALSE(contains(moved.out, "MISMATCH")) << moved.out;

    // The server library answers as the folder did, and keeps working.
    EXPECT_EQ(run(server, {"similar", "3", "--k", "5", "--format", "csv"}).out, lookalikes.out);
    EXPECT_EQ(run(server, {"groups", "list"}).out, run(folder, {"groups", "list"}).out);
    const RunResult stats = run(server, {"stats"});
    EXPECT_TRUE(contains(stats.out, "Library:      postgresql://postgres@/")) << stats.out;
    const std::string items = itemsLine(folder);
    EXPECT_EQ(itemsLine(server), items);
    ASSERT_EQ(run(server, {"not-similar", "3", "4"}).exitCode, 0);

    // Back into a new folder; a library that is not empty is refused and keeps what it has.
    const std::string back = (work / "back").string();
    RunResult returned = fixtures::runCli({"migrate", server, back}, home.path(), work.path());
    ASSERT_EQ(returned.exitCode, 0) << returned.out << returned.err;
    EXPECT_EQ(run(back, {"similar", "3", "--k", "5", "--format", "csv"}).out,
              run(server, {"similar", "3", "--k", "5", "--format", "csv"}).out);
    RunResult again = fixtures::runCli({"migrate", folder, server}, home.path(), work.path());
    EXPECT_EQ(again.exitCode, 1);
    EXPECT_TRUE(contains(again.err, "is not empty")) << again.err;
    EXPECT_EQ(itemsLine(server), items);
}

TEST_F(ServerCliTest, AMalformedOrUnreachableServerIsAClearErrorWithoutThePassword) {
    RunResult malformed = run("postgresql://[oops", {"stats"});
    EXPECT_EQ(malformed.exitCode, 2);
    EXPECT_TRUE(contains(malformed.err, "--library: Not a PostgreSQL connection URI")) << malformed.err;

    fixtures::PostgresCluster& cluster = fixtures::PostgresCluster::shared();
    const std::string missing = "postgresql://postgres:hunter2@/no_such_db?host=" + cluster.socketDirectory() +
                                "&port=" + std::to_string(cluster.port());
    RunResult unreachable = run(missing, {"list"});
    EXPECT_EQ(unreachable.exitCode, 1);
    EXPECT_TRUE(contains(unreachable.err, "Cannot connect to the library server postgresql://postgres@/no_such_db"))
        << unreachable.err;
    EXPECT_FALSE(contains(unreachable.err, "hunter2")) << unreachable.err;
}
