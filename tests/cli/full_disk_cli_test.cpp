// End-to-end: the library's disk fills up during an import or a training run. The command
// must stop with a "disk is full" message and a non-zero exit, and keep everything stored:
// the catalog passes integrity_check, the items are still there and the model in use still
// serves look-alikes. Freeing space and running the command again finishes the job.
//
// The library lives on a small tmpfs mounted for the test, which needs root (CI runs as
// root); elsewhere the tests are skipped with a message.

#include "core/catalog/catalog.h"
#include "core/catalog/database.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/postgres_cluster.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

using namespace lookalike;
using fixtures::contains;
using fixtures::RunResult;
namespace fs = std::filesystem;

namespace {

// A tmpfs of `bytes` mounted on a fresh folder, unmounted (and the folder removed) on
// destruction. error() says why it could not be mounted.
class SmallDisk {
public:
    explicit SmallDisk(std::size_t bytes) {
        if (::geteuid() != 0) {
            m_error = "mounting a small tmpfs needs root";
            return;
        }
        const std::string options = "size=" + std::to_string(bytes);
        if (::mount("tmpfs", m_folder.path().c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
            m_error = std::string("cannot mount a tmpfs: ") + std::strerror(errno);
            return;
        }
        m_mounted = true;
    }
    ~SmallDisk() {
        if (m_mounted)
            ::umount2(m_folder.path().c_str(), MNT_DETACH);
    }
    SmallDisk(const SmallDisk&) = delete;
    SmallDisk& operator=(const SmallDisk&) = delete;

    const std::string& error() const { return m_error; }
    const fs::path& path() const { return m_folder.path(); }

    static std::uint64_t freeBytes(const fs::path& path) {
        struct statvfs info {};
        ::statvfs(path.c_str(), &info);
        return std::uint64_t{info.f_bavail} * info.f_frsize;
    }

    // Writes a filler file until only about `leave` bytes are free.
    void fillLeaving(std::uint64_t leave) {
        std::ofstream filler(m_folder / "filler", std::ios::binary | std::ios::app);
        const std::vector<char> block(4096, 'x');
        while (freeBytes(m_folder.path()) > leave + block.size() && filler.write(block.data(), block.size()))
            filler.flush();
    }
    void freeFiller() { fs::remove(m_folder / "filler"); }

private:
    fixtures::TempDir m_folder;
    bool m_mounted = false;
    std::string m_error;
};

class FullDiskCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!disk.error().empty())
            GTEST_SKIP() << "full-disk tests skipped: " << disk.error();
        fixtures::writeShapePhotos(work / "first", 4);    // 36 photos
        fixtures::writeShapePhotos(work / "more", 12, 2);  // 108 more
        RunResult imported = run({"import", (work / "first").string()});
        ASSERT_EQ(imported.exitCode, 0) << imported.err;
        itemsBefore = itemIds();
        ASSERT_EQ(itemsBefore.size(), 36u);
    }

    RunResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"--library", library.string()});
        return fixtures::runCli(args, home.path(), work.path());
    }

    std::vector<std::int64_t> itemIds() {
        catalog::Connection db = catalog::Connection::open(catalog::catalogPath(library), catalog::Connection::Mode::ReadOnly);
        std::vector<std::int64_t> ids;
        for (catalog::Statement query = db.prepare("SELECT id FROM items ORDER BY id"); query.step();)
            ids.push_back(query.columnInt64(0));
        return ids;
    }

    // Everything stored before is still there and sound, and the active model serves.
    void expectNothingLost(const std::string& context) {
        {
            catalog::Connection db = catalog::Connection::open(catalog::catalogPath(library), catalog::Connection::Mode::ReadOnly);
            catalog::Statement integrity = db.prepare("PRAGMA integrity_check");
            ASSERT_TRUE(integrity.step());
            EXPECT_EQ(integrity.columnText(0), "ok") << context;
        }
        std::vector<std::int64_t> now = itemIds();
        EXPECT_TRUE(std::includes(now.begin(), now.end(), itemsBefore.begin(), itemsBefore.end())) << context;
        RunResult similar = run({"similar", "1", "--k", "3"});
        EXPECT_EQ(similar.exitCode, 0) << context << similar.err;
        EXPECT_TRUE(contains(similar.out, "rank")) << context << similar.out;
    }

    SmallDisk disk{48u << 20};  // a trained network's weights take about 11 MB
    fixtures::TempDir home;
    fixtures::TempDir work;
    fs::path library = disk.path() / "library";
    std::vector<std::int64_t> itemsBefore;
};

}  // namespace

TEST_F(FullDiskCliTest, ImportStopsWithADiskFullMessageAndKeepsWhatWasStored) {
    disk.fillLeaving(64u << 10);  // room for a few batches of thumbnails, not for 108
    RunResult full = run({"import", (work / "more").string()});
    EXPECT_EQ(full.exitCode, 1) << full.out << full.err;
    EXPECT_TRUE(contains(full.err, "The disk is full")) << full.err;
    EXPECT_FALSE(full.killedBySignal);
    expectNothingLost("after the failed import");

    disk.freeFiller();
    RunResult again = run({"import", (work / "more").string()});
    EXPECT_EQ(again.exitCode, 0) << again.err;
    EXPECT_EQ(itemIds().size(), 144u);
    expectNothingLost("after the rerun");
}

TEST_F(FullDiskCliTest, ImportIntoAnAlreadyFullDiskChangesNothing) {
    disk.fillLeaving(0);
    RunResult full = run({"import", (work / "more").string()});
    EXPECT_EQ(full.exitCode, 1) << full.out << full.err;
    EXPECT_TRUE(contains(full.err, "The disk is full")) << full.err;
    disk.freeFiller();
    EXPECT_EQ(itemIds(), itemsBefore);
    expectNothingLost("after the refused import");
}

TEST_F(FullDiskCliTest, TrainingStopsWithADiskFullMessageAndTheActiveModelStillServes) {
    // The new network's weights cannot be stored in what is left.
    disk.fillLeaving(256u << 10);
    RunResult full = run({"train", "--epochs", "0.5"});
    EXPECT_EQ(full.exitCode, 1) << full.out << full.err;
    EXPECT_TRUE(contains(full.err, "The disk is full")) << full.err;
    expectNothingLost("after the failed training");
    RunResult models = run({"models", "list"});
    EXPECT_EQ(models.exitCode, 0) << models.err;
    EXPECT_TRUE(contains(models.out, "*   1  descriptors")) << models.out;

    disk.freeFiller();
    RunResult again = run({"train", "--epochs", "0.5"});
    EXPECT_EQ(again.exitCode, 0) << again.err;
    EXPECT_TRUE(contains(again.out, "Trained model")) << again.out;
    expectNothingLost("after training again");
    // No groups: the new model serves the descriptors' learned projection, and says so.
    models = run({"models", "list"});
    EXPECT_TRUE(contains(models.out, "*   2  tuned-descriptors  none                    ready")) << models.out;
}

// A server library keeps nothing on the desk but its index cache: with the desk's disk full it
// imports and searches all the same (the index is built in memory and not saved), and the
// index is saved once there is room again. The server's own disk is its administrator's: a
// full one fails the batch with "The library server's disk is full", as any error does.
TEST(FullDiskServerCliTest, AFullDeskDiskCostsOnlyTheIndexCache) {
    SmallDisk disk(4u << 20);
    if (!disk.error().empty())
        GTEST_SKIP() << "full-disk tests skipped: " << disk.error();
    fixtures::TempDir home;
    fixtures::TempDir work;
    fixtures::writeShapePhotos(work / "photos", 4);  // 36 photos
    const std::string uri = fixtures::PostgresCluster::shared().createDatabase();
    const std::vector<std::string> environment = {"XDG_CACHE_HOME=" + (disk.path() / "cache").string(),
                                                  "LOOKALIKE_EXACT_SEARCH_BELOW=0"};
    const auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), {"--library", uri});
        return fixtures::CliProcess(args, home.path(), work.path(), {}, "", environment).wait();
    };
    disk.fillLeaving(0);
    RunResult imported = run({"import", (work / "photos").string()});
    EXPECT_EQ(imported.exitCode, 0) << imported.out << imported.err;
    EXPECT_TRUE(contains(imported.out, "Look-alikes ready: 36 items")) << imported.out;
    EXPECT_TRUE(contains(imported.out + imported.err, "could not be saved")) << imported.out << imported.err;
    RunResult similar = run({"similar", "1", "--k", "3"});
    EXPECT_EQ(similar.exitCode, 0) << similar.err;
    EXPECT_TRUE(contains(similar.out, "rank")) << similar.out;

    disk.freeFiller();
    RunResult again = run({"similar", "1", "--k", "3"});
    EXPECT_EQ(again.exitCode, 0) << again.err;
    EXPECT_EQ(again.out, similar.out);
    bool saved = false;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(disk.path() / "cache"))
        saved = saved || entry.path().extension() == ".lkidx";
    EXPECT_TRUE(saved) << "the index was not saved once there was room";
}
