// The catalog of one library: items, files, thumbnails, groups, import runs and stats.

#include "core/catalog/catalog.h"

#include "core/catalog/schema.h"
#include "tests/support/backends.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace lookalike;
using namespace lookalike::catalog;

namespace {

ItemData makeItem(std::uint8_t seed, const std::string& path = "") {
    ItemData item;
    item.contentHash.fill(seed);
    item.contentHash[31] = static_cast<std::uint8_t>(seed * 7 + 1);
    item.sourcePath = path.empty() ? "/photos/item" + std::to_string(seed) + ".jpg" : path;
    item.displayName = "item" + std::to_string(seed);
    item.width = 100 + seed;
    item.height = 50 + seed;
    item.fileSize = 1000 + seed;
    item.mtimeNs = 123'456'789'000 + seed;
    item.thumbnail = {10 + seed, 5 + seed, {0xFF, 0xD8, seed, 0xFF, 0xD9}};
    return item;
}

class CatalogTest : public fixtures::BackendTest {
protected:
    Catalog catalog = openCatalog();
};

}  // namespace

INSTANTIATE_TEST_SUITE_P(Backends, CatalogTest, fixtures::kBothBackends, fixtures::backendName);

TEST_P(CatalogTest, AddedItemCanBeReadBackWithItsThumbnail) {
    ItemData data = makeItem(3);
    ItemId id = catalog.addItem(data, 1700000000);
    EXPECT_GT(id, 0);

    std::optional<ItemSummary> item = catalog.item(id);
    ASSERT_TRUE(item);
    EXPECT_EQ(item->id, id);
    EXPECT_EQ(item->displayName, "item3");
    EXPECT_EQ(item->sourcePath, "/photos/item3.jpg");
    EXPECT_EQ(item->width, 103);
    EXPECT_EQ(item->height, 53);
    EXPECT_EQ(item->fileSize, 1003);
    EXPECT_EQ(item->importedAt, 1700000000);

    std::optional<Thumbnail> thumbnail = catalog.thumbnail(id);
    ASSERT_TRUE(thumbnail);
    EXPECT_EQ(thumbnail->width, 13);
    EXPECT_EQ(thumbnail->height, 8);
    EXPECT_EQ(thumbnail->jpeg, data.thumbnail.jpeg);

    EXPECT_FALSE(catalog.item(id + 1));
    EXPECT_FALSE(catalog.thumbnail(id + 1));
    EXPECT_EQ(catalog.itemCount(), 1);
}

TEST_P(CatalogTest, FindItemByHash) {
    ItemId a = catalog.addItem(makeItem(1), 0);
    ItemId b = catalog.addItem(makeItem(2), 0);
    EXPECT_EQ(catalog.findItemByHash(makeItem(1).contentHash), a);
    EXPECT_EQ(catalog.findItemByHash(makeItem(2).contentHash), b);
    EXPECT_FALSE(catalog.findItemByHash(makeItem(9).contentHash));
}

TEST_P(CatalogTest, AddingTheSameContentTwiceIsRejected) {
    catalog.addItem(makeItem(1), 0);
    EXPECT_THROW(catalog.addItem(makeItem(1, "/elsewhere/copy.jpg"), 0), DatabaseError);
    EXPECT_EQ(catalog.itemCount(), 1);
}

TEST_P(CatalogTest, AnItemWithoutAThumbnailIsRejectedWhole) {
    ItemData data = makeItem(1);
    data.thumbnail.jpeg.clear();  // the schema requires a non-empty JPEG
    Transaction transaction(catalog.writer());
    EXPECT_THROW(catalog.addItem(data, 0), DatabaseError);
}

TEST_P(CatalogTest, UpdateItemReplacesContentButKeepsIdImportTimeAndGroups) {
    ItemId id = catalog.addItem(makeItem(1), 100);
    GroupId group = catalog.createGroup("Bags", 100);
    catalog.addToGroup(group, id, 100);

    ItemData changed = makeItem(2, "/photos/item1.jpg");
    catalog.updateItem(id, changed, 200);

    std::optional<ItemSummary> item = catalog.item(id);
    ASSERT_TRUE(item);
    EXPECT_EQ(item->width, changed.width);
    EXPECT_EQ(item->height, changed.height);
    EXPECT_EQ(item->fileSize, changed.fileSize);
    EXPECT_EQ(item->importedAt, 100);
    EXPECT_EQ(catalog.thumbnail(id)->jpeg, changed.thumbnail.jpeg);
    EXPECT_EQ(catalog.findItemByHash(changed.contentHash), id);
    EXPECT_FALSE(catalog.findItemByHash(makeItem(1).contentHash));
    EXPECT_EQ(catalog.groupMembers(group), std::vector<ItemId>{id});
    EXPECT_EQ(catalog.itemCount(), 1);
}

TEST_P(CatalogTest, UpdatingAMissingItemThrows) {
    EXPECT_THROW(catalog.updateItem(42, makeItem(1), 0), DatabaseError);
}

TEST_P(CatalogTest, UpdatingToContentAnotherItemHasThrows) {
    catalog.addItem(makeItem(1), 0);
    ItemId second = catalog.addItem(makeItem(2), 0);
    EXPECT_THROW(catalog.updateItem(second, makeItem(1), 0), DatabaseError);
}

TEST_P(CatalogTest, RecordFileInsertsAndRepointsPaths) {
    ItemId a = catalog.addItem(makeItem(1), 0);
    ItemId b = catalog.addItem(makeItem(2), 0);
    EXPECT_FALSE(catalog.findFile("/photos/x.jpg"));

    catalog.recordFile("/photos/x.jpg", a, 10, 20);
    catalog.recordFile("/photos/y.jpg", a, 11, 21);
    std::optional<FileRecord> record = catalog.findFile("/photos/x.jpg");
    ASSERT_TRUE(record);
    EXPECT_EQ(record->itemId, a);
    EXPECT_EQ(record->fileSize, 10);
    EXPECT_EQ(record->mtimeNs, 20);
    EXPECT_EQ(catalog.filesOf(a), (std::vector<std::string>{"/photos/x.jpg", "/photos/y.jpg"}));

    catalog.recordFile("/photos/x.jpg", b, 12, 22);  // same path, new content
    record = catalog.findFile("/photos/x.jpg");
    ASSERT_TRUE(record);
    EXPECT_EQ(record->itemId, b);
    EXPECT_EQ(record->fileSize, 12);
    EXPECT_EQ(record->mtimeNs, 22);
    EXPECT_EQ(catalog.filesOf(a), std::vector<std::string>{"/photos/y.jpg"});
    EXPECT_EQ(catalog.filesOf(b), std::vector<std::string>{"/photos/x.jpg"});

    EXPECT_THROW(catalog.recordFile("/photos/z.jpg", 999, 1, 1), DatabaseError);  // no such item
}

TEST_P(CatalogTest, ListItemsPagesInIdOrder) {
    std::vector<ItemId> ids;
    for (std::uint8_t i = 1; i <= 25; ++i)
        ids.push_back(catalog.addItem(makeItem(i), 0));

    std::vector<ItemId> seen;
    for (std::int64_t offset = 0;; offset += 10) {
        std::vector<ItemSummary> page = catalog.listItems(offset, 10);
        for (const ItemSummary& item : page)
            seen.push_back(item.id);
        if (page.size() < 10)
            break;
    }
    EXPECT_EQ(seen, ids);
    EXPECT_EQ(catalog.listItems(20, 10).size(), 5u);
    EXPECT_TRUE(catalog.listItems(25, 10).empty());
    EXPECT_TRUE(catalog.listItems(0, 0).empty());
    std::vector<ItemSummary> middle = catalog.listItems(3, 2);
    ASSERT_EQ(middle.size(), 2u);
    EXPECT_EQ(middle[0].id, ids[3]);
    EXPECT_EQ(middle[0].displayName, "item4");
    EXPECT_EQ(middle[1].id, ids[4]);
}

TEST_P(CatalogTest, GroupsCountMembersAndAnItemBelongsToOneGroup) {
    ItemId a = catalog.addItem(makeItem(1), 0);
    ItemId b = catalog.addItem(makeItem(2), 0);
    GroupId shoes = catalog.createGroup("Shoes", 0);
    GroupId bags = catalog.createGroup("bags", 0);
    catalog.addToGroup(shoes, b, 0);
    catalog.addToGroup(shoes, a, 0);
    catalog.addToGroup(shoes, a, 0);  // already there: no error, no second row
    EXPECT_EQ(catalog.groupMembers(shoes), (std::vector<ItemId>{a, b}));
    catalog.addToGroup(bags, a, 0);   // moves it
    EXPECT_EQ(catalog.groupMembers(shoes), std::vector<ItemId>{b});
    EXPECT_EQ(catalog.groupOf(a), bags);

    std::vector<Group> groups = catalog.groups();
    ASSERT_EQ(groups.size(), 2u);
    EXPECT_EQ(groups[0].name, "bags");  // ordered by name, ignoring case
    EXPECT_EQ(groups[0].itemCount, 1);
    EXPECT_EQ(groups[1].name, "Shoes");
    EXPECT_EQ(groups[1].itemCount, 1);

    catalog.removeFromGroup(shoes, b);
    EXPECT_TRUE(catalog.groupMembers(shoes).empty());
    catalog.removeFromGroup(shoes, a);  // not a member: nothing happens
    EXPECT_EQ(catalog.groupMembers(bags), std::vector<ItemId>{a});
    EXPECT_EQ(catalog.ungroupedItems(), std::vector<ItemId>{b});
}

TEST_P(CatalogTest, GroupsCanBeRenamedMergedAndDeleted) {
    ItemId a = catalog.addItem(makeItem(1), 0);
    ItemId b = catalog.addItem(makeItem(2), 0);
    ItemId c = catalog.addItem(makeItem(3), 0);
    GroupId red = catalog.createGroup("red", 0);
    GroupId crimson = catalog.createGroup("crimson", 0);
    catalog.addToGroup(red, a, 0);
    catalog.addToGroup(crimson, b, 0);
    catalog.renameGroup(red, "Red dresses");
    EXPECT_EQ(catalog.findGroup("red DRESSES")->id, red);
    EXPECT_THROW(catalog.renameGroup(red, "CRIMSON"), DatabaseError);
    EXPECT_THROW(catalog.renameGroup(999, "x"), DatabaseError);

    catalog.mergeGroups(red, crimson);
    EXPECT_EQ(catalog.groupMembers(red), (std::vector<ItemId>{a, b}));
    EXPECT_FALSE(catalog.group(crimson).has_value());
    EXPECT_THROW(catalog.mergeGroups(red, red), DatabaseError);
    EXPECT_THROW(catalog.mergeGroups(red, crimson), DatabaseError);

    EXPECT_TRUE(catalog.deleteGroup(red));
    EXPECT_FALSE(catalog.deleteGroup(red));
    EXPECT_EQ(catalog.itemCount(), 3);  // the items stay
    EXPECT_EQ(catalog.ungroupedItems(), (std::vector<ItemId>{a, b, c}));
    EXPECT_THROW(catalog.addToGroup(catalog.createGroup("x", 0), 999, 0), DatabaseError);
}

TEST_P(CatalogTest, NotSimilarMarksAreStoredOncePerPair) {
    ItemId a = catalog.addItem(makeItem(1), 0);
    ItemId b = catalog.addItem(makeItem(2), 0);
    ItemId c = catalog.addItem(makeItem(3), 0);
    catalog.markNotSimilar(b, a, 0);
    catalog.markNotSimilar(a, b, 0);
    catalog.markNotSimilar(c, a, 0);
    EXPECT_EQ(catalog.notSimilarTo(a), (std::vector<ItemId>{b, c}));
    EXPECT_EQ(catalog.notSimilarTo(b), std::vector<ItemId>{a});
    EXPECT_EQ(catalog.notSimilarPairs(), (std::vector<std::pair<ItemId, ItemId>>{{a, b}, {a, c}}));
    EXPECT_THROW(catalog.markNotSimilar(a, a, 0), DatabaseError);
    EXPECT_THROW(catalog.markNotSimilar(a, 999, 0), DatabaseError);
    EXPECT_TRUE(catalog.unmarkNotSimilar(b, a));
    EXPECT_FALSE(catalog.unmarkNotSimilar(b, a));
    EXPECT_TRUE(catalog.removeItem(c));
    EXPECT_TRUE(catalog.notSimilarTo(a).empty());  // removed with the item
}

TEST_P(CatalogTest, ItemsAreFoundByPathFileNameAndFolder) {
    ItemId a = catalog.addItem(makeItem(1, "/shop/dresses/red.jpg"), 0);
    ItemId b = catalog.addItem(makeItem(2, "/shop/bags/red.jpg"), 0);
    catalog.recordFile("/shop/dresses/red.jpg", a, 1, 1);
    catalog.recordFile("/shop/bags/red.jpg", b, 1, 1);
    catalog.recordFile("/shop/dresses-old/blue.jpg", b, 1, 1);
    EXPECT_EQ(catalog.findItemByPath("/shop/bags/red.jpg"), b);
    EXPECT_FALSE(catalog.findItemByPath("/shop/red.jpg").has_value());
    EXPECT_EQ(catalog.findItemsByFileName("red.jpg"), (std::vector<ItemId>{a, b}));
    EXPECT_EQ(catalog.findItemsByFileName("blue.jpg"), std::vector<ItemId>{b});
    EXPECT_TRUE(catalog.findItemsByFileName("ed.jpg").empty());
    EXPECT_EQ(catalog.itemsInFolder("/shop/dresses"), std::vector<ItemId>{a});  // not dresses-old
    EXPECT_EQ(catalog.itemsInFolder("/shop/"), (std::vector<ItemId>{a, b}));
    EXPECT_EQ(catalog.itemIds(), (std::vector<ItemId>{a, b}));
}

TEST_P(CatalogTest, GroupNamesMustBeNonEmptyAndUniqueIgnoringCase) {
    catalog.createGroup("Shoes", 0);
    EXPECT_THROW(catalog.createGroup("", 0), DatabaseError);
    EXPECT_THROW(catalog.createGroup("  ", 0), DatabaseError);
    EXPECT_THROW(catalog.createGroup("shoes", 0), DatabaseError);
    EXPECT_THROW(catalog.createGroup("SHOES", 0), DatabaseError);
    EXPECT_EQ(catalog.groups().size(), 1u);
    EXPECT_THROW(catalog.addToGroup(999, 1, 0), DatabaseError);  // no such group or item
}

TEST_P(CatalogTest, ImportRunsRecordErrorsAndCounts) {
    std::int64_t run = catalog.beginImportRun("/photos", 10);
    catalog.recordImportError(run, "/photos/bad.jpg", "not an image (unknown format)");
    catalog.recordImportError(run, "/photos/empty.png", "empty file (0 bytes)");
    ImportCounts counts;
    counts.imported = 3;
    counts.failed = 2;
    catalog.finishImportRun(run, counts, false, 20);

    std::vector<ImportErrorRecord> errors = catalog.importErrors(run);
    ASSERT_EQ(errors.size(), 2u);
    EXPECT_EQ(errors[0].path, "/photos/bad.jpg");
    EXPECT_EQ(errors[0].reason, "not an image (unknown format)");
    EXPECT_EQ(errors[1].path, "/photos/empty.png");
    EXPECT_TRUE(catalog.importErrors(run + 1).empty());

    Statement row = catalog.writer().prepare(
        "SELECT finished_at, imported, failed, cancelled FROM import_runs WHERE id = ?");
    row.bind(1, run);
    ASSERT_TRUE(row.step());
    EXPECT_EQ(row.columnInt64(0), 20);
    EXPECT_EQ(row.columnInt64(1), 3);
    EXPECT_EQ(row.columnInt64(2), 2);
    EXPECT_EQ(row.columnInt64(3), 0);
}

TEST_P(CatalogTest, FoldersAreRecordedOnce) {
    catalog.addFolder("/photos/b", 0);
    catalog.addFolder("/photos/a", 0);
    catalog.addFolder("/photos/b", 5);
    EXPECT_EQ(catalog.folders(), (std::vector<std::string>{"/photos/a", "/photos/b"}));
}

TEST_P(CatalogTest, StatsSumTheCatalog) {
    CatalogStats empty = catalog.stats();
    EXPECT_EQ(empty.items, 0);
    EXPECT_EQ(empty.thumbnailBytes, 0);
    EXPECT_EQ(empty.totalPixels, 0);

    ItemId a = catalog.addItem(makeItem(1), 0);  // 101 x 51
    catalog.addItem(makeItem(2), 0);             // 102 x 52
    catalog.recordFile("/a.jpg", a, 1, 1);
    catalog.recordFile("/a-copy.jpg", a, 1, 1);
    catalog.createGroup("G", 0);
    catalog.addFolder("/", 0);
    catalog.beginImportRun("/", 0);

    CatalogStats stats = catalog.stats();
    EXPECT_EQ(stats.items, 2);
    EXPECT_EQ(stats.files, 2);
    EXPECT_EQ(stats.groups, 1);
    EXPECT_EQ(stats.folders, 1);
    EXPECT_EQ(stats.importRuns, 1);
    EXPECT_EQ(stats.thumbnailBytes, 10);
    EXPECT_EQ(stats.totalPixels, 101 * 51 + 102 * 52);
}

TEST(CatalogFileTest, OpenCreatesTheLibraryFolderAndAWalCatalog) {
    fixtures::TempDir dir;
    std::filesystem::path library = dir / "nested" / "library";
    Catalog catalog = Catalog::open(library);
    EXPECT_EQ(catalog.libraryDir(), library);
    EXPECT_TRUE(std::filesystem::is_regular_file(library / "catalog.db"));
    EXPECT_EQ(catalogPath(library), library / "catalog.db");
    Statement mode = catalog.writer().prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.step());
    EXPECT_EQ(mode.columnText(0), "wal");
    EXPECT_EQ(catalog.writer().userVersion(), latestSchemaVersion());
}

TEST(CatalogFileTest, ReopeningKeepsEverything) {
    fixtures::TempDir dir;
    ItemId id;
    {
        Catalog catalog = Catalog::open(dir.path());
        Transaction transaction(catalog.writer());
        id = catalog.addItem(makeItem(5), 0);
        catalog.recordFile("/photos/item5.jpg", id, 1005, 9);
        catalog.addToGroup(catalog.createGroup("Kept", 0), id, 0);
        transaction.commit();
    }
    Catalog catalog = Catalog::open(dir.path());
    EXPECT_EQ(catalog.itemCount(), 1);
    ASSERT_TRUE(catalog.item(id));
    EXPECT_EQ(catalog.item(id)->displayName, "item5");
    EXPECT_EQ(catalog.thumbnail(id)->jpeg, makeItem(5).thumbnail.jpeg);
    EXPECT_EQ(catalog.findFile("/photos/item5.jpg")->itemId, id);
    ASSERT_EQ(catalog.groups().size(), 1u);
    EXPECT_EQ(catalog.groups()[0].itemCount, 1);
}

TEST(CatalogFileTest, UncommittedWorkIsLostOnReopen) {
    fixtures::TempDir dir;
    {
        Catalog catalog = Catalog::open(dir.path());
        catalog.addItem(makeItem(1), 0);  // autocommit
        Transaction transaction(catalog.writer());
        catalog.addItem(makeItem(2), 0);
    }
    EXPECT_EQ(Catalog::open(dir.path()).itemCount(), 1);
}

TEST(CatalogFileTest, AGarbageCatalogFileIsAClearDatabaseError) {
    fixtures::TempDir dir;
    fixtures::writeText(dir / "catalog.db", "this is not a SQLite database, just some text\n" +
                                                std::string(2000, '#'));
    try {
        Catalog::open(dir.path());
        FAIL() << "opened a garbage catalog";
    } catch (const DatabaseError& error) {
        EXPECT_NE(std::string(error.what()).find("damaged or not a catalog"), std::string::npos)
            << error.what();
    }
    // Nothing overwrote the user's file.
    EXPECT_EQ(fixtures::readText(dir / "catalog.db").substr(0, 11), "this is not");
}

TEST(CatalogFileTest, ALibraryPathThatIsAFileIsALibraryError) {
    fixtures::TempDir dir;
    fixtures::writeText(dir / "file", "x");
    EXPECT_THROW(Catalog::open(dir / "file"), LibraryError);
}

TEST(CatalogFileTest, MovedCatalogKeepsWorking) {
    Catalog first = Catalog::openInMemory();
    first.addItem(makeItem(1), 0);
    Catalog second = std::move(first);
    EXPECT_EQ(second.itemCount(), 1);
    Catalog third = Catalog::openInMemory();
    third = std::move(second);
    EXPECT_EQ(third.itemCount(), 1);
}
