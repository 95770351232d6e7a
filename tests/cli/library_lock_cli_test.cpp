// End-to-end: two processes on one library. A command that changes the library fails cleanly
// while another process holds the library's lock (as the GUI does while it runs), changing
// nothing; reading commands keep working, even while another lookalike-cli imports.

#include "core/catalog/library_lock.h"
#include "tests/cli/cli_runner.h"
#include "tests/cli/shape_library.h"
#include "tests/support/backends.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace lookalike;
using fixtures::contains;
using fixtures::RunResult;
namespace fs = std::filesystem;

namespace {

// On both backends: a library folder, and a database on the test suite's PostgreSQL server.
class LibraryLockCliTest : public ::testing::TestWithParam<fixtures::Backend> {
protected:
    void SetUp() override {
        fixtures::writeShapeLibraryPhotos(photos);
        RunResult imported = run({"import", photos.string()});
        ASSERT_EQ(imported.exitCode, 0) << imported.err;
    }

    RunResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"--library", libraryText()});
        return fixtures::runCli(args, home.path(), work.path());
    }

    // Everything a reader can see of the library.
    std::string snapshot() {
        return run({"list"}).out + run({"groups", "list"}).out + run({"models", "list"}).out + run({"stats"}).out;
    }

    std::string libraryText() {
        return library.isServer() ? library.uri() : library.folder().string();
    }

    // What a second writer hears while this process holds the lock as the GUI does.
    std::string inUseMessage() {
        if (!library.isServer())
            return "lookalike-cli: library " + library.folder().string() + " is in use by lookalike (pid " +
                   std::to_string(::getpid()) + "); close it first\n";
        char host[256] = {};
        ::gethostname(host, sizeof host - 1);
        return "lookalike-cli: library " + library.display() + " is in use by lookalike on " + host + " (pid " +
               std::to_string(::getpid()) + "); close it first\n";
    }

    fixtures::TempDir home;
    fixtures::TempDir work;
    fs::path photos = work / "photos";
    catalog::LibraryLocation library = fixtures::freshLibrary(GetParam(), work);
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, LibraryLockCliTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(LibraryLockCliTest, WritingCommandsFailWithTheHoldersNameAndChangeNothing) {
    fixtures::writeShapePhotos(work / "more", 2);
    const std::string before = snapshot();
    const std::string expected = inUseMessage();
    {
        catalog::LibraryLock gui = catalog::LibraryLock::acquire(library, "lookalike");
        const std::vector<std::vector<std::string>> writers = {
            {"import", (work / "more").string()}, {"groups", "create", "reds", "1", "2"}, {"not-similar", "1", "2"},
            {"train", "--epochs", "0.1"},         {"models", "use", "1"}};
        for (const std::vector<std::string>& command : writers) {
            RunResult result = run(command);
            EXPECT_EQ(result.exitCode, 1) << command[0] << ": " << result.out << result.err;
            EXPECT_EQ(result.err, expected) << command[0];
        }
        // Reading commands do not need the lock.
        for (const std::vector<std::string>& command :
             std::vector<std::vector<std::string>>{{"list"}, {"stats"}, {"similar", "1"}, {"models", "list"}}) {
            RunResult result = run(command);
            EXPECT_EQ(result.exitCode, 0) << command[0] << ": " << result.err;
        }
        EXPECT_EQ(snapshot(), before);
    }
    // Released: the same import now runs.
    RunResult imported = run({"import", (work / "more").string()});
    EXPECT_EQ(imported.exitCode, 0) << imported.err;
    EXPECT_TRUE(contains(imported.out, "Imported 18,")) << imported.out;
}

TEST_P(LibraryLockCliTest, ReadersWorkWhileAnotherProcessImports) {
    // SQLite's WAL lets readers go on during the importer's write transactions; the busy
    // timeout covers the moments a reader's refresh writes embeddings of its own.
    fixtures::writeShapePhotos(work / "many", 25);  // 225 photos: some seconds of writing
    fixtures::CliProcess importer({"--library", libraryText(), "import", (work / "many").string()}, home.path(),
                                  work.path(), {}, "-importer");
    int reads = 0;
    while (!importer.finished() || reads < 3) {
        for (const std::vector<std::string>& command :
             std::vector<std::vector<std::string>>{{"list"}, {"similar", "1", "--k", "3"}, {"stats"}}) {
            RunResult result = run(command);
            EXPECT_EQ(result.exitCode, 0) << command[0] << ": " << result.err;
        }
        ++reads;
    }
    RunResult imported = importer.wait();
    EXPECT_EQ(imported.exitCode, 0) << imported.err;
    EXPECT_TRUE(contains(imported.out, "Imported 225,")) << imported.out;
    EXPECT_GE(reads, 3);
}
