// End-to-end: awkward file-system entries. Unreadable files and folders are reported and the
// rest imported (as an unprivileged user: root reads everything); names with newlines and
// tabs stay one line in `list`; a photo folder moved after the import keeps its items, their
// thumbnails and look-alikes, and `list --missing` and `similar` say the files are gone.

#include "tests/cli/cli_runner.h"
#include "tests/cli/shape_library.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_images.h"

#include <gtest/gtest.h>

#include <unistd.h>

using namespace lookalike;
using fixtures::contains;
using fixtures::lines;
using fixtures::RunResult;
namespace fs = std::filesystem;

namespace {

constexpr uid_t kNobody = 65534;

class AwkwardFilesCliTest : public ::testing::Test {
protected:
    RunResult run(std::vector<std::string> args, std::optional<uid_t> user = std::nullopt) {
        args.insert(args.begin(), {"--library", library.string()});
        fixtures::CliProcess process(args, home.path(), work.path(), {}, "", {}, user);
        return process.wait();
    }

    fixtures::TempDir home;
    fixtures::TempDir work;
    fs::path photos = work / "photos";
    fs::path library = work / "library";
};

}  // namespace

TEST_F(AwkwardFilesCliTest, UnreadableFilesAndFoldersAreReportedAndTheRestImported) {
    fixtures::writeBytes(photos / "ok.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 1), ".png"));
    fixtures::writeBytes(photos / "secret.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 2), ".png"));
    fixtures::writeBytes(photos / "closed" / "inside.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 3), ".png"));
    fs::permissions(photos / "secret.png", fs::perms::none);
    fs::permissions(photos / "closed", fs::perms::none);
    // Root ignores permissions: run the CLI as nobody, which needs to reach the files and
    // write its home and the library.
    std::optional<uid_t> user;
    if (::geteuid() == 0) {
        user = kNobody;
        for (const fs::path& folder : {home.path(), work.path()})
            fs::permissions(folder, fs::perms::all);
    }
    RunResult imported = run({"import", photos.string()}, user);
    fs::permissions(photos / "closed", fs::perms::owner_all);
    ASSERT_NE(imported.exitCode, 125) << "could not drop privileges to nobody";
    EXPECT_EQ(imported.exitCode, 0) << imported.err;
    EXPECT_TRUE(contains(imported.out, "Imported 1, updated 0, skipped 0 unchanged, 0 duplicates, 2 failed"))
        << imported.out;
    EXPECT_TRUE(contains(imported.out, "  " + (photos / "secret.png").string() + ": cannot open (Permission denied)\n"))
        << imported.out;
    EXPECT_TRUE(contains(imported.out, "  " + (photos / "closed").string() + ": cannot read folder (Permission denied)\n"))
        << imported.out;
}

TEST_F(AwkwardFilesCliTest, NamesWithNewlinesAndTabsStayOneLineInList) {
    fixtures::writeBytes(photos / "two\nlines.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 1), ".png"));
    fixtures::writeBytes(photos / "a\ttab.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 2), ".png"));
    fixtures::writeBytes(photos / "日本 語.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 3), ".png"));
    ASSERT_EQ(run({"import", photos.string()}).exitCode, 0);
    RunResult list = run({"list"});
    ASSERT_EQ(list.exitCode, 0) << list.err;
    ASSERT_EQ(lines(list.out).size(), 3u) << list.out;
    EXPECT_TRUE(contains(list.out, "\ta\\ttab\t" + photos.string() + "/a\\ttab.png\n")) << list.out;
    EXPECT_TRUE(contains(list.out, "\ttwo\\nlines\t" + photos.string() + "/two\\nlines.png\n")) << list.out;
    EXPECT_TRUE(contains(list.out, "\t日本 語\t" + photos.string() + "/日本 語.png\n")) << list.out;
    // The exact path still names the item.
    RunResult similar = run({"similar", (photos / "two\nlines.png").string(), "--format", "json"});
    EXPECT_EQ(similar.exitCode, 0) << similar.err;
}

TEST_F(AwkwardFilesCliTest, AMovedPhotoFolderKeepsItsLookAlikesAndIsReportedMissing) {
    fixtures::writeShapeLibraryPhotos(photos);
    ASSERT_EQ(run({"import", photos.string()}).exitCode, 0);
    RunResult none = run({"list", "--missing"});
    EXPECT_EQ(none.exitCode, 0);
    EXPECT_EQ(none.out, "");

    fs::rename(photos, work / "moved");
    RunResult missing = run({"list", "--missing"});
    EXPECT_EQ(missing.exitCode, 0) << missing.err;
    EXPECT_EQ(lines(missing.out).size(), 20u) << missing.out;
    // Thumbnails and vectors live in the catalog: look-alikes are still served.
    RunResult similar = run({"similar", "1", "--k", "3"});
    EXPECT_EQ(similar.exitCode, 0) << similar.err;
    EXPECT_EQ(lines(similar.out).size(), 4u) << similar.out;
    EXPECT_TRUE(contains(similar.out, "  (file missing)\n")) << similar.out;
    RunResult json = run({"similar", "1", "--k", "3", "--format", "json"});
    EXPECT_TRUE(contains(json.out, "\"missing\": true")) << json.out;
    // Photos found again where they were are not missing any more.
    fs::rename(work / "moved", photos);
    EXPECT_EQ(run({"list", "--missing"}).out, "");
}
