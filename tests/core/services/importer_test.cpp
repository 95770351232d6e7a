// Importing folders: formats, failures with reasons, duplicates, re-import, edits,
// cancellation, progress and deterministic order.

#include "core/services/importer.h"

#include "core/imaging/image_header.h"
#include "core/imaging/thumbnail.h"
#include "tests/support/backends.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_images.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace lookalike;
using namespace lookalike::services;
using fixtures::Bytes;
namespace fs = std::filesystem;

namespace {

struct Expected {
    int width;
    int height;
};

// A photo folder tree mixing every supported format and the awkward cases, plus bad files.
struct PhotoTree {
    std::map<std::string, Expected> good;        // absolute path -> displayed size
    std::map<std::string, std::string> bad;      // absolute path -> words the reason must contain
    int ignored = 0;
};

void writePhoto(PhotoTree& tree, const fs::path& path, const Bytes& bytes, Expected expected) {
    fixtures::writeBytes(path, bytes);
    tree.good[path.string()] = expected;
}

PhotoTree makePhotoTree(const fs::path& root) {
    PhotoTree tree;
    cv::Mat photo = fixtures::makePhoto(64, 48, 1);
    writePhoto(tree, root / "a" / "01.jpg", fixtures::encodeImage(photo, ".jpg"), {64, 48});
    writePhoto(tree, root / "a" / "02.png", fixtures::encodeImage(fixtures::makePhoto(33, 21, 2), ".png"), {33, 21});
    writePhoto(tree, root / "a" / "03.webp", fixtures::encodeImage(fixtures::makePhoto(50, 40, 3), ".webp"), {50, 40});
    writePhoto(tree, root / "a" / "04.tiff", fixtures::encodeImage(fixtures::makePhoto(20, 30, 4), ".tiff"), {20, 30});
    writePhoto(tree, root / "a" / "05.bmp", fixtures::encodeImage(fixtures::makePhoto(17, 9, 5), ".bmp"), {17, 9});
    writePhoto(tree, root / "a" / "06-large.jpg", fixtures::encodeImage(fixtures::makePhoto(600, 400, 6), ".jpg"), {600, 400});

    cv::Mat gray;
    cv::cvtColor(fixtures::makePhoto(40, 40, 7), gray, cv::COLOR_BGR2GRAY);
    writePhoto(tree, root / "b" / "gray.png", fixtures::encodeImage(gray, ".png"), {40, 40});
    writePhoto(tree, root / "b" / "gray.jpg", fixtures::encodeImage(gray, ".jpg"), {40, 40});
    cv::Mat deep;
    fixtures::makePhoto(50, 30, 8).convertTo(deep, CV_16UC3, 257.0);
    writePhoto(tree, root / "b" / "deep16.png", fixtures::encodeImage(deep, ".png"), {50, 30});
    cv::Mat rgba;
    cv::cvtColor(fixtures::makePhoto(32, 32, 9), rgba, cv::COLOR_BGR2BGRA);
    rgba(cv::Rect(0, 0, 16, 32)).setTo(cv::Scalar(0, 0, 0, 0));
    writePhoto(tree, root / "b" / "transparent.png", fixtures::encodeImage(rgba, ".png"), {32, 32});
    writePhoto(tree, root / "b" / "rotated.jpg",
               fixtures::withExifOrientation(fixtures::encodeImage(fixtures::makePhoto(60, 40, 10), ".jpg"), 6),
               {40, 60});
    writePhoto(tree, root / "b" / "deeper" / "UPPER.JPEG",
               fixtures::encodeImage(fixtures::makePhoto(25, 25, 11), ".jpg"), {25, 25});

    fixtures::writeText(root / "bad" / "text.jpg", "this is a text file, not a photo\n");
    tree.bad[(root / "bad" / "text.jpg").string()] = "not an image";
    fixtures::writeBytes(root / "bad" / "empty.png", {});
    tree.bad[(root / "bad" / "empty.png").string()] = "empty file";
    fixtures::writeBytes(root / "bad" / "cut.jpg",
                         fixtures::truncated(fixtures::encodeImage(fixtures::makePhoto(80, 80, 12), ".jpg"), 0.5));
    tree.bad[(root / "bad" / "cut.jpg").string()] = "truncated";
    fixtures::writeBytes(root / "bad" / "huge.png", fixtures::pngHeaderDeclaring(20000, 20000));
    tree.bad[(root / "bad" / "huge.png").string()] = "too large";

    fixtures::writeText(root / "bad" / "notes.txt", "not a photo type: ignored");
    fixtures::writeBytes(root / "a" / ".hidden.jpg", fixtures::encodeImage(photo, ".png"));
    fixtures::writeBytes(root / ".cache" / "thumb.jpg", fixtures::encodeImage(photo, ".jpg"));
    tree.ignored = 3;  // notes.txt, .hidden.jpg, the .cache folder
    return tree;
}

ImportReport importTree(catalog::Catalog& catalog, const fs::path& root, ImportOptions options = {},
                        const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr) {
    std::vector<fs::path> roots = {root};
    return importFolders(catalog, roots, options, progress, cancel);
}

std::vector<catalog::ItemSummary> allItems(catalog::Catalog& catalog) {
    return catalog.listItems(0, 1'000'000);
}

// Every item has a thumbnail that decodes to its recorded size and fits 256, and a file row.
void expectConsistent(catalog::Catalog& catalog) {
    for (const catalog::ItemSummary& item : allItems(catalog)) {
        SCOPED_TRACE(item.sourcePath);
        std::optional<catalog::Thumbnail> thumbnail = catalog.thumbnail(item.id);
        ASSERT_TRUE(thumbnail);
        cv::Mat decoded = imaging::decodeThumbnail(thumbnail->jpeg);
        ASSERT_FALSE(decoded.empty());
        EXPECT_EQ(decoded.cols, thumbnail->width);
        EXPECT_EQ(decoded.rows, thumbnail->height);
        EXPECT_EQ(std::max(thumbnail->width, thumbnail->height),
                  std::min(256, std::max(item.width, item.height)));
        EXPECT_FALSE(catalog.filesOf(item.id).empty());
    }
}

std::string reasonFor(const ImportReport& report, const std::string& path) {
    for (const catalog::ImportErrorRecord& failure : report.failures)
        if (failure.path == path)
            return failure.reason;
    return "";
}

// Every case with a catalog runs on both backends: a library folder and a fresh database on the
// test suite's PostgreSQL server.
class ImporterTest : public fixtures::BackendTest {};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, ImporterTest, fixtures::kBothBackends, fixtures::backendName);

TEST(ImporterFileTest, IsPhotoFileKnowsTheExtensionsIgnoringCase) {
    for (const char* name : {"a.jpg", "a.JPG", "a.jpeg", "a.Jpe", "a.png", "a.webp", "a.tif",
                             "a.TIFF", "a.bmp", "a.dib"})
        EXPECT_TRUE(isPhotoFile(name)) << name;
    for (const char* name : {"a.gif", "a.txt", "a", "jpg", "a.jpg.txt", "a.heic", "a.raw"})
        EXPECT_FALSE(isPhotoFile(name)) << name;
}

TEST_P(ImporterTest, ImportsEveryGoodFileAndReportsEachBadOneWithItsReason) {
    fixtures::TempDir dir;
    PhotoTree tree = makePhotoTree(dir / "photos");
    catalog::Catalog catalog = openCatalog();

    ImportReport report = importTree(catalog, dir / "photos");

    EXPECT_FALSE(report.cancelled);
    EXPECT_EQ(report.found, static_cast<std::int64_t>(tree.good.size() + tree.bad.size()));
    EXPECT_EQ(report.ignored, tree.ignored);
    EXPECT_EQ(report.counts.imported, static_cast<std::int64_t>(tree.good.size()));
    EXPECT_EQ(report.counts.failed, static_cast<std::int64_t>(tree.bad.size()));
    EXPECT_EQ(report.counts.updated, 0);
    EXPECT_EQ(report.counts.skipped, 0);
    EXPECT_EQ(report.counts.duplicates, 0);

    ASSERT_EQ(report.failures.size(), tree.bad.size());
    for (const auto& [path, words] : tree.bad)
        EXPECT_NE(reasonFor(report, path).find(words), std::string::npos)
            << path << ": '" << reasonFor(report, path) << "' should mention '" << words << "'";
    // The same failures are in the catalog's import history, and none of them became an item.
    std::vector<catalog::ImportErrorRecord> recorded = catalog.importErrors(report.runId);
    ASSERT_EQ(recorded.size(), report.failures.size());
    for (std::size_t i = 0; i < recorded.size(); ++i) {
        EXPECT_EQ(recorded[i].path, report.failures[i].path);
        EXPECT_EQ(recorded[i].reason, report.failures[i].reason);
        EXPECT_FALSE(catalog.findFile(recorded[i].path));
    }

    std::vector<catalog::ItemSummary> items = allItems(catalog);
    ASSERT_EQ(items.size(), tree.good.size());
    for (const catalog::ItemSummary& item : items) {
        SCOPED_TRACE(item.sourcePath);
        auto expected = tree.good.find(item.sourcePath);
        ASSERT_NE(expected, tree.good.end());
        EXPECT_EQ(item.width, expected->second.width);
        EXPECT_EQ(item.height, expected->second.height);
        EXPECT_EQ(item.displayName, fs::path(item.sourcePath).stem().string());
        EXPECT_EQ(item.fileSize, static_cast<std::int64_t>(fs::file_size(item.sourcePath)));
        EXPECT_EQ(catalog.filesOf(item.id), std::vector<std::string>{item.sourcePath});
    }
    expectConsistent(catalog);
    EXPECT_EQ(catalog.folders(), std::vector<std::string>{(dir / "photos").string()});
}

TEST_P(ImporterTest, ThumbnailsAreUprightAndTransparencyIsWhite) {
    fixtures::TempDir dir;
    cv::Mat marked(40, 60, CV_8UC3, cv::Scalar(128, 128, 128));
    marked(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar(0, 0, 255));
    fixtures::writeBytes(dir / "p" / "rotated.jpg",
                         fixtures::withExifOrientation(fixtures::encodeImage(marked, ".jpg", {cv::IMWRITE_JPEG_QUALITY, 98}), 6));
    cv::Mat rgba(20, 20, CV_8UC4, cv::Scalar(0, 0, 0, 0));
    fixtures::writeBytes(dir / "p" / "clear.png", fixtures::encodeImage(rgba, ".png"));
    catalog::Catalog catalog = openCatalog();
    importTree(catalog, dir / "p");

    auto items = allItems(catalog);
    ASSERT_EQ(items.size(), 2u);
    cv::Mat clear = imaging::decodeThumbnail(catalog.thumbnail(items[0].id)->jpeg);
    EXPECT_GT(cv::mean(clear)[0], 250);  // white, not black
    cv::Mat rotated = imaging::decodeThumbnail(catalog.thumbnail(items[1].id)->jpeg);
    ASSERT_EQ(rotated.size(), cv::Size(40, 60));
    cv::Vec3b corner = rotated.at<cv::Vec3b>(3, 36);  // the red corner is now top right
    EXPECT_GT(corner[2], 200);
    EXPECT_LT(corner[0], 60);
}

TEST_P(ImporterTest, SameBytesAtTwoPathsAreOneItemWithTwoFiles) {
    fixtures::TempDir dir;
    Bytes jpeg = fixtures::encodeImage(fixtures::makePhoto(30, 20, 1), ".jpg");
    fixtures::writeBytes(dir / "p" / "a.jpg", jpeg);
    fixtures::writeBytes(dir / "p" / "sub" / "copy.jpg", jpeg);
    fixtures::writeBytes(dir / "p" / "other.jpg", fixtures::encodeImage(fixtures::makePhoto(30, 20, 2), ".jpg"));
    catalog::Catalog catalog = openCatalog();

    ImportReport report = importTree(catalog, dir / "p");
    EXPECT_EQ(report.counts.imported, 2);
    EXPECT_EQ(report.counts.duplicates, 1);
    EXPECT_EQ(catalog.itemCount(), 2);
    EXPECT_EQ(catalog.stats().files, 3);
    std::optional<catalog::FileRecord> original = catalog.findFile((dir / "p" / "a.jpg").string());
    std::optional<catalog::FileRecord> copy = catalog.findFile((dir / "p" / "sub" / "copy.jpg").string());
    ASSERT_TRUE(original && copy);
    EXPECT_EQ(original->itemId, copy->itemId);
    EXPECT_EQ(catalog.filesOf(original->itemId).size(), 2u);

    // A copy that turns up later joins the same item too.
    fixtures::writeBytes(dir / "p" / "later" / "third.jpg", jpeg);
    ImportReport again = importTree(catalog, dir / "p");
    EXPECT_EQ(again.counts.duplicates, 1);
    EXPECT_EQ(again.counts.imported, 0);
    EXPECT_EQ(again.counts.skipped, 3);
    EXPECT_EQ(catalog.filesOf(original->itemId).size(), 3u);
}

TEST_P(ImporterTest, ReimportSkipsEverythingAndChangesNothing) {
    fixtures::TempDir dir;
    PhotoTree tree = makePhotoTree(dir / "photos");
    catalog::Catalog catalog = openCatalog();
    importTree(catalog, dir / "photos");
    std::vector<catalog::ItemSummary> before = allItems(catalog);
    std::int64_t filesBefore = catalog.stats().files;

    ImportReport again = importTree(catalog, dir / "photos");
    EXPECT_EQ(again.counts.skipped, static_cast<std::int64_t>(tree.good.size()));
    EXPECT_EQ(again.counts.imported, 0);
    EXPECT_EQ(again.counts.updated, 0);
    EXPECT_EQ(again.counts.duplicates, 0);
    EXPECT_EQ(again.counts.failed, static_cast<std::int64_t>(tree.bad.size()));  // tried again
    EXPECT_NE(again.runId, 0);

    std::vector<catalog::ItemSummary> after = allItems(catalog);
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].id, before[i].id);
        EXPECT_EQ(after[i].sourcePath, before[i].sourcePath);
        EXPECT_EQ(after[i].width, before[i].width);
    }
    EXPECT_EQ(catalog.stats().files, filesBefore);
    EXPECT_EQ(catalog.stats().importRuns, 2);
}

TEST_P(ImporterTest, TouchedButUnchangedFileIsSkippedAfterReading) {
    fixtures::TempDir dir;
    fs::path path = dir / "p" / "a.png";
    fixtures::writeBytes(path, fixtures::encodeImage(fixtures::makePhoto(30, 20, 1), ".png"));
    catalog::Catalog catalog = openCatalog();
    importTree(catalog, dir / "p");
    fs::last_write_time(path, fs::last_write_time(path) + std::chrono::seconds(5));

    ImportReport again = importTree(catalog, dir / "p");
    EXPECT_EQ(again.counts.skipped, 1);
    EXPECT_EQ(again.counts.updated, 0);
    EXPECT_EQ(catalog.itemCount(), 1);
    // The new mtime is recorded, so the next run does not read the file again.
    std::optional<catalog::FileRecord> record = catalog.findFile(path.string());
    ASSERT_TRUE(record);
    struct stat info {};
    ASSERT_EQ(::stat(path.c_str(), &info), 0);
    EXPECT_EQ(record->mtimeNs, std::int64_t{info.st_mtim.tv_sec} * 1'000'000'000 + info.st_mtim.tv_nsec);
    int calls = 0;
    importTree(catalog, dir / "p", {}, [&](const Progress&) { ++calls; });
    EXPECT_EQ(calls, 1);
}

TEST_P(ImporterTest, EditedFileUpdatesItsItemKeepingTheId) {
    fixtures::TempDir dir;
    PhotoTree tree = makePhotoTree(dir / "photos");
    catalog::Catalog catalog = openCatalog();
    importTree(catalog, dir / "photos");
    fs::path edited = dir / "photos" / "a" / "02.png";
    std::optional<catalog::FileRecord> before = catalog.findFile(edited.string());
    ASSERT_TRUE(before);
    std::vector<std::uint8_t> oldThumbnail = catalog.thumbnail(before->itemId)->jpeg;
    catalog::GroupId group = catalog.createGroup("Kept", 0);
    catalog.addToGroup(group, before->itemId, 0);

    auto oldTime = fs::last_write_time(edited);
    fixtures::writeBytes(edited, fixtures::encodeImage(fixtures::makePhoto(90, 70, 99), ".png"));
    fs::last_write_time(edited, oldTime + std::chrono::seconds(60));

    ImportReport report = importTree(catalog, dir / "photos");
    EXPECT_EQ(report.counts.updated, 1);
    EXPECT_EQ(report.counts.imported, 0);
    EXPECT_EQ(report.counts.skipped, static_cast<std::int64_t>(tree.good.size()) - 1);
    EXPECT_EQ(catalog.itemCount(), static_cast<std::int64_t>(tree.good.size()));

    std::optional<catalog::FileRecord> after = catalog.findFile(edited.string());
    ASSERT_TRUE(after);
    EXPECT_EQ(after->itemId, before->itemId);
    EXPECT_NE(after->mtimeNs, before->mtimeNs);
    std::optional<catalog::ItemSummary> item = catalog.item(after->itemId);
    ASSERT_TRUE(item);
    EXPECT_EQ(item->width, 90);
    EXPECT_EQ(item->height, 70);
    EXPECT_NE(catalog.thumbnail(after->itemId)->jpeg, oldThumbnail);
    EXPECT_EQ(catalog.groupMembers(group), std::vector<catalog::ItemId>{before->itemId});
    expectConsistent(catalog);
}

TEST_P(ImporterTest, EditingOneOfTwoCopiesMakesANewItemAndKeepsTheOther) {
    fixtures::TempDir dir;
    Bytes jpeg = fixtures::encodeImage(fixtures::makePhoto(30, 20, 1), ".jpg");
    fixtures::writeBytes(dir / "p" / "a.jpg", jpeg);
    fixtures::writeBytes(dir / "p" / "b.jpg", jpeg);
    catalog::Catalog catalog = openCatalog();
    importTree(catalog, dir / "p");
    catalog::ItemId shared = catalog.findFile((dir / "p" / "a.jpg").string())->itemId;

    fs::path edited = dir / "p" / "a.jpg";
    auto oldTime = fs::last_write_time(edited);
    fixtures::writeBytes(edited, fixtures::encodeImage(fixtures::makePhoto(30, 20, 2), ".jpg"));
    fs::last_write_time(edited, oldTime + std::chrono::seconds(60));

    ImportReport report = importTree(catalog, dir / "p");
    EXPECT_EQ(report.counts.imported, 1);
    EXPECT_EQ(report.counts.updated, 0);
    EXPECT_EQ(catalog.itemCount(), 2);
    EXPECT_NE(catalog.findFile(edited.string())->itemId, shared);
    EXPECT_EQ(catalog.filesOf(shared), std::vector<std::string>{(dir / "p" / "b.jpg").string()});
}

TEST_P(ImporterTest, CancelFromProgressKeepsACompleteCatalogAndTheNextRunFinishes) {
    fixtures::TempDir dir;
    const int total = 40;
    for (int i = 0; i < total; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%02d.jpg", i);
        fixtures::writeBytes(dir / "p" / name, fixtures::encodeImage(fixtures::makePhoto(48, 32, 100 + i), ".jpg"));
    }
    catalog::Catalog catalog = openCatalog();
    ImportOptions options;
    options.threads = 2;
    options.batchSize = 8;
    CancelToken cancel;
    ImportReport first = importTree(
        catalog, dir / "p", options,
        [&](const Progress& progress) {
            if (progress.done >= 10)
                cancel.cancel();
        },
        &cancel);

    EXPECT_TRUE(first.cancelled);
    EXPECT_GE(first.counts.imported, 10);
    EXPECT_LT(first.counts.imported, total);
    EXPECT_EQ(first.counts.failed, 0);
    EXPECT_TRUE(first.failures.empty());
    EXPECT_EQ(catalog.itemCount(), first.counts.imported);
    EXPECT_EQ(catalog.stats().files, first.counts.imported);
    expectConsistent(catalog);
    catalog::Statement run = catalog.writer().prepare("SELECT cancelled, imported, finished_at IS NOT NULL FROM import_runs WHERE id = ?");
    run.bind(1, first.runId);
    ASSERT_TRUE(run.step());
    EXPECT_EQ(run.columnInt64(0), 1);
    EXPECT_EQ(run.columnInt64(1), first.counts.imported);
    EXPECT_EQ(run.columnInt64(2), 1);

    ImportReport second = importTree(catalog, dir / "p", options);
    EXPECT_FALSE(second.cancelled);
    EXPECT_EQ(second.counts.skipped, first.counts.imported);
    EXPECT_EQ(second.counts.imported, total - first.counts.imported);
    EXPECT_EQ(catalog.itemCount(), total);
    expectConsistent(catalog);
    // Items were committed in file order across both runs.
    std::vector<catalog::ItemSummary> items = allItems(catalog);
    for (int i = 0; i < total; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "%02d", i);
        EXPECT_EQ(items[static_cast<std::size_t>(i)].displayName, name);
    }
}

TEST_P(ImporterTest, CancelledBeforeStartingImportsNothing) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "p" / "a.jpg", fixtures::encodeImage(fixtures::makePhoto(8, 8, 1), ".jpg"));
    catalog::Catalog catalog = openCatalog();
    CancelToken cancel;
    cancel.cancel();
    ImportReport report = importTree(catalog, dir / "p", {}, {}, &cancel);
    EXPECT_TRUE(report.cancelled);
    EXPECT_EQ(report.counts.imported, 0);
    EXPECT_EQ(catalog.itemCount(), 0);
}

TEST_P(ImporterTest, ProgressIsMonotonicAndEndsAtTheTotal) {
    fixtures::TempDir dir;
    PhotoTree tree = makePhotoTree(dir / "photos");
    catalog::Catalog catalog = openCatalog();
    for (int run = 0; run < 2; ++run) {  // a fresh import, then one that skips
        SCOPED_TRACE("run " + std::to_string(run));
        std::vector<Progress> seen;
        ImportReport report = importTree(catalog, dir / "photos", {},
                                         [&](const Progress& progress) { seen.push_back(progress); });
        ASSERT_FALSE(seen.empty());
        std::set<std::string> current;
        for (std::size_t i = 0; i < seen.size(); ++i) {
            EXPECT_EQ(seen[i].total, report.found);
            EXPECT_EQ(seen[i].done, static_cast<std::int64_t>(i) + 1);
            current.insert(seen[i].current);
        }
        EXPECT_EQ(seen.back().done, seen.back().total);
        // Each photo file is reported once, by path.
        std::set<std::string> expected;
        for (const auto& [path, size] : tree.good)
            expected.insert(path);
        for (const auto& [path, words] : tree.bad)
            expected.insert(path);
        EXPECT_EQ(current, expected);
    }
}

TEST_P(ImporterTest, NonexistentRootIsAFileErrorBeforeAnythingIsWritten) {
    fixtures::TempDir dir;
    catalog::Catalog catalog = openCatalog();
    try {
        importTree(catalog, dir / "missing");
        FAIL() << "imported a folder that does not exist";
    } catch (const FileError& error) {
        EXPECT_NE(std::string(error.what()).find("missing"), std::string::npos) << error.what();
        EXPECT_NE(std::string(error.what()).find("no such file or folder"), std::string::npos);
    }
    EXPECT_EQ(catalog.stats().importRuns, 0);
}

TEST_P(ImporterTest, ARootCanBeASingleFile) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "one.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 1), ".png"));
    catalog::Catalog catalog = openCatalog();
    ImportReport report = importTree(catalog, dir / "one.png");
    EXPECT_EQ(report.counts.imported, 1);
    EXPECT_TRUE(catalog.folders().empty());
}

TEST_P(ImporterTest, SymlinkedFoldersAreNotFollowed) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "p" / "a.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 1), ".png"));
    fs::create_directory_symlink(dir / "p", dir / "p" / "loop");
    catalog::Catalog catalog = openCatalog();
    ImportReport report = importTree(catalog, dir / "p");
    EXPECT_EQ(report.found, 1);
    EXPECT_EQ(report.ignored, 1);
    EXPECT_EQ(catalog.itemCount(), 1);
}

TEST_P(ImporterTest, ItemOrderIsTheSameWithOneOrTwoThreads) {
    fixtures::TempDir dir;
    makePhotoTree(dir / "photos");
    std::vector<std::vector<std::string>> orders;
    for (int threads : {1, 2, 2}) {
        catalog::Catalog catalog =
            catalog::Catalog::open(fixtures::freshLibrary(GetParam(), dir, "library-" + std::to_string(orders.size())));
        ImportOptions options;
        options.threads = threads;
        options.batchSize = 3;
        importTree(catalog, dir / "photos", options);
        std::vector<std::string> order;
        for (const catalog::ItemSummary& item : allItems(catalog))
            order.push_back(std::to_string(item.id) + " " + item.sourcePath);
        orders.push_back(order);
    }
    EXPECT_EQ(orders[0], orders[1]);
    EXPECT_EQ(orders[1], orders[2]);
    // Files of a folder come before its subfolders, each sorted by name.
    ASSERT_FALSE(orders[0].empty());
    EXPECT_NE(orders[0].front().find("/a/01.jpg"), std::string::npos);
    EXPECT_NE(orders[0].back().find("/b/deeper/UPPER.JPEG"), std::string::npos);
}

TEST_P(ImporterTest, OddOptionsStillWork) {
    fixtures::TempDir dir;
    for (int i = 0; i < 3; ++i)
        fixtures::writeBytes(dir / "p" / (std::to_string(i) + ".png"),
                             fixtures::encodeImage(fixtures::makePhoto(10, 10, static_cast<std::uint64_t>(i)), ".png"));
    catalog::Catalog catalog = openCatalog();
    ImportOptions options;
    options.threads = 0;     // taken as one
    options.batchSize = 0;   // taken as one
    ImportReport report = importTree(catalog, dir / "p", options);
    EXPECT_EQ(report.counts.imported, 3);
}

TEST_P(ImporterTest, FileSizeAndPixelLimitsAreApplied) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "p" / "big.png", fixtures::encodeImage(fixtures::makePhoto(200, 100, 1), ".png"));
    catalog::Catalog catalog = openCatalog();
    ImportOptions options;
    options.maxPixels = 10'000;
    ImportReport report = importTree(catalog, dir / "p", options);
    ASSERT_EQ(report.failures.size(), 1u);
    EXPECT_NE(report.failures[0].reason.find("too large"), std::string::npos);
    options.maxPixels = 1'000'000;
    options.maxFileBytes = 100;
    report = importTree(catalog, dir / "p", options);
    ASSERT_EQ(report.failures.size(), 1u);
    EXPECT_NE(report.failures[0].reason.find("file too large"), std::string::npos) << report.failures[0].reason;
    EXPECT_EQ(report.failures[0].reason.find(dir.path().string()), std::string::npos)
        << "the reason should not repeat the path: " << report.failures[0].reason;
}

TEST_P(ImporterTest, PhotoBytesGiveTheItemThatImportingTheFileGives) {
    fixtures::TempDir dir;
    const Bytes bytes = fixtures::encodeImage(fixtures::makePhoto(300, 120, 11), ".png");
    fixtures::writeBytes(dir / "p" / "one.png", bytes);
    catalog::Catalog catalog = openCatalog();
    ASSERT_EQ(importTree(catalog, dir / "p").counts.imported, 1);
    const catalog::ItemId id = catalog.itemIds().front();

    const catalog::ItemData item = itemFromPhotoBytes(bytes, ImportOptions{});

    EXPECT_EQ(catalog.findItemByHash(item.contentHash), std::optional<catalog::ItemId>(id));
    EXPECT_EQ(item.width, 300);
    EXPECT_EQ(item.height, 120);
    EXPECT_EQ(item.fileSize, static_cast<std::int64_t>(bytes.size()));
    EXPECT_EQ(item.thumbnail.jpeg, catalog.thumbnail(id)->jpeg);
    EXPECT_TRUE(item.sourcePath.empty()) << "paths are the caller's";
}

TEST(ImporterFileTest, PhotoBytesThatAreNotAPhotoThrowDecodeError) {
    const Bytes text = {'h', 'e', 'l', 'l', 'o'};
    EXPECT_THROW(itemFromPhotoBytes(text, ImportOptions{}), imaging::DecodeError);
    EXPECT_THROW(itemFromPhotoBytes({}, ImportOptions{}), imaging::DecodeError);
    ImportOptions tiny;
    tiny.maxPixels = 100;
    EXPECT_THROW(itemFromPhotoBytes(fixtures::encodeImage(fixtures::makePhoto(20, 20, 1), ".bmp"), tiny),
                 imaging::DecodeError);
}

TEST_P(ImporterTest, RepeatedAndNestedRootsFindEachFileOnce) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "p" / "a.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 1), ".png"));
    fixtures::writeBytes(dir / "p" / "sub" / "b.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 2), ".png"));
    fixtures::writeText(dir / "p" / "sub" / "notes.txt", "x");
    catalog::Catalog catalog = openCatalog();
    std::vector<fs::path> roots = {dir / "p" / "sub", dir / "p", dir.path() / "p/", dir / "p" / "a.png",
                                   dir / "p" / "sub" / ".." / "sub"};
    ImportReport report = importFolders(catalog, roots);
    EXPECT_EQ(report.found, 2);
    EXPECT_EQ(report.ignored, 1);
    EXPECT_EQ(report.counts.imported, 2);
    EXPECT_EQ(report.counts.duplicates, 0);
    EXPECT_EQ(catalog.stats().files, 2);
    EXPECT_EQ(catalog.folders(), (std::vector<std::string>{(dir / "p").string(), (dir / "p" / "sub").string()}));
}

// --- awkward file-system entries ---

TEST_P(ImporterTest, NamesWithSpacesUnicodeTabsAndNewlinesAreImportedUnderTheirExactPath) {
    fixtures::TempDir dir;
    const std::vector<std::string> names = {"with space.png", "naïve 日本語 café.png", "new\nline.png",
                                            "tab\there.png", " leading and trailing .png", "quote\"s,comma.png"};
    for (std::size_t i = 0; i < names.size(); ++i)
        fixtures::writeBytes(dir / "p" / names[i],
                             fixtures::encodeImage(fixtures::makePhoto(12, 10, 40 + i), ".png"));
    catalog::Catalog catalog = openCatalog();
    ImportReport report = importTree(catalog, dir / "p");
    EXPECT_EQ(report.counts.imported, static_cast<std::int64_t>(names.size()));
    EXPECT_TRUE(report.failures.empty());
    for (const std::string& name : names) {
        std::optional<catalog::ItemId> item = catalog.findItemByPath((dir / "p" / name).string());
        ASSERT_TRUE(item) << name;
        EXPECT_EQ(catalog.item(*item)->displayName, fs::path(name).stem().string());
        EXPECT_FALSE(catalog.filesMissing(*item));
    }
}

TEST_P(ImporterTest, SymlinkLoopsAndDanglingLinksAreIgnoredWithoutHanging) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "p" / "real.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 1), ".png"));
    fs::create_symlink(dir / "p" / "b.jpg", dir / "p" / "a.jpg");  // a -> b -> a
    fs::create_symlink(dir / "p" / "a.jpg", dir / "p" / "b.jpg");
    fs::create_symlink(dir / "p" / "gone.png", dir / "p" / "dangling.png");
    fs::create_symlink("self.png", dir / "p" / "self.png");
    fs::create_directory_symlink(dir.path(), dir / "p" / "up");  // a folder loop through the parent
    fs::create_symlink(dir / "p" / "real.png", dir / "p" / "link-to-real.png");
    catalog::Catalog catalog = openCatalog();
    ImportReport report = importTree(catalog, dir / "p");
    EXPECT_EQ(report.found, 2);  // real.png and the link to it (one item, two paths)
    EXPECT_EQ(report.counts.imported, 1);
    EXPECT_EQ(report.counts.duplicates, 1);
    EXPECT_EQ(report.ignored, 5);
    EXPECT_TRUE(report.failures.empty());
}

TEST_P(ImporterTest, FilesDeletedOrReplacedDuringTheImportAreReportedOrTakenAsTheyAre) {
    fixtures::TempDir dir;
    for (int i = 1; i <= 6; ++i)
        fixtures::writeBytes(dir / "p" / ("0" + std::to_string(i) + ".png"),
                             fixtures::encodeImage(fixtures::makePhoto(20, 20, static_cast<std::uint64_t>(i)), ".png"));
    const fs::path deleted = dir / "p" / "02.png";
    const fs::path replaced = dir / "p" / "03.png";
    const fs::path spoiled = dir / "p" / "04.png";
    ImportOptions options;
    // After the walk and the stat, just before each file is read, as another program would.
    options.beforeReading = [&](const std::string& path) {
        if (path == deleted.string())
            fs::remove(deleted);
        else if (path == replaced.string())
            fixtures::writeBytes(replaced, fixtures::encodeImage(fixtures::makePhoto(30, 15, 99), ".png"));
        else if (path == spoiled.string())
            fixtures::writeText(spoiled, "no longer a photo");
    };
    catalog::Catalog catalog = openCatalog();
    ImportReport report = importTree(catalog, dir / "p", options);
    EXPECT_EQ(report.counts.imported, 4);
    EXPECT_EQ(report.counts.failed, 2);
    EXPECT_NE(reasonFor(report, deleted.string()).find("cannot open (No such file or directory)"), std::string::npos)
        << reasonFor(report, deleted.string());
    EXPECT_NE(reasonFor(report, spoiled.string()).find("not an image"), std::string::npos);
    // The replaced file is imported as it was read: the new photo, with the new size.
    std::optional<catalog::ItemId> item = catalog.findItemByPath(replaced.string());
    ASSERT_TRUE(item);
    EXPECT_EQ(catalog.item(*item)->width, 30);
    expectConsistent(catalog);

    // The next import reads the replaced file again (its mtime changed after the stat) and
    // finds the same bytes; the deleted one is simply gone.
    report = importTree(catalog, dir / "p");
    EXPECT_EQ(report.found, 5);
    EXPECT_EQ(report.counts.imported, 0);
    EXPECT_EQ(report.counts.failed, 1);  // 04.png is still not a photo
    EXPECT_EQ(catalog.itemCount(), 4);
}

TEST_P(ImporterTest, UnreadableFilesAndFoldersAreReportedAndTheRestImported) {
    if (::geteuid() == 0)
        GTEST_SKIP() << "root reads files whatever their permissions; tests/cli/awkward_files_cli_test.cpp runs this case "
                        "as an unprivileged user";
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "p" / "ok.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 1), ".png"));
    fixtures::writeBytes(dir / "p" / "secret.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 2), ".png"));
    fixtures::writeBytes(dir / "p" / "closed" / "inside.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 3), ".png"));
    fs::permissions(dir / "p" / "secret.png", fs::perms::none);
    fs::permissions(dir / "p" / "closed", fs::perms::none);
    catalog::Catalog catalog = openCatalog();
    ImportReport report = importTree(catalog, dir / "p");
    fs::permissions(dir / "p" / "closed", fs::perms::owner_all);  // so the TempDir can be removed
    EXPECT_EQ(report.counts.imported, 1);
    EXPECT_NE(reasonFor(report, (dir / "p" / "secret.png").string()).find("Permission denied"), std::string::npos);
    EXPECT_NE(reasonFor(report, (dir / "p" / "closed").string()).find("cannot read folder"), std::string::npos);
}

TEST_P(ImporterTest, AMovedFolderLeavesItsItemsWithMissingFiles) {
    fixtures::TempDir dir;
    fixtures::writeBytes(dir / "p" / "a.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 1), ".png"));
    fixtures::writeBytes(dir / "q" / "b.png", fixtures::encodeImage(fixtures::makePhoto(10, 12, 2), ".png"));
    catalog::Catalog catalog = openCatalog();
    importTree(catalog, dir / "p");
    importTree(catalog, dir / "q");
    EXPECT_TRUE(catalog.itemsWithMissingFiles().empty());
    fs::rename(dir / "p", dir / "moved");
    const catalog::ItemId a = *catalog.findItemByPath((dir / "p" / "a.png").string());
    EXPECT_TRUE(catalog.filesMissing(a));
    EXPECT_EQ(catalog.itemsWithMissingFiles(), std::vector<catalog::ItemId>{a});
    EXPECT_TRUE(catalog.thumbnail(a).has_value());  // still shown
}
