// End-to-end: look-alike search and curation through lookalike-cli (similar, neighbors,
// export-embeddings, groups, not-similar, models) on a small library of shapes whose
// look-alikes are known.

#include "tests/cli/cli_runner.h"
#include "tests/cli/output_parsers.h"
#include "tests/cli/shape_library.h"
#include "tests/support/shape_photos.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <map>
#include <set>
#include <sstream>

using namespace lookalike;
using fixtures::contains;
using fixtures::lines;
using fixtures::RunResult;
namespace fs = std::filesystem;

namespace {

struct Ranked {
    int rank = 0;
    std::int64_t item = 0;
    double score = 0.0;
    std::string path;
    std::string sku;  // its product's, if any
};

class LibraryCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        shapes = fixtures::writeShapeLibraryPhotos(photos);
        RunResult imported = run({"import", photos.string()});
        ASSERT_EQ(imported.exitCode, 0) << imported.err;
        ASSERT_TRUE(contains(imported.out, "Look-alikes ready: 20 items, model 1 (descriptors)\n")) << imported.out;
        RunResult list = run({"list"});
        ASSERT_EQ(list.exitCode, 0) << list.err;
        for (const std::string& line : lines(list.out)) {
            std::istringstream fields(line);
            std::string id, name, path;
            std::getline(fields, id, '\t');
            std::getline(fields, name, '\t');
            std::getline(fields, path);
            idOf[path] = id;
            pathOf[std::stoll(id)] = path;
        }
        ASSERT_EQ(idOf.size(), 20u) << list.out;
    }

    // lookalike-cli --library <library> args..., run in the work folder.
    RunResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"--library", library.string()});
        return fixtures::runCli(args, home.path(), work.path());
    }

    std::string id(const fs::path& photo) const { return idOf.at(photo.string()); }
    std::string kindOf(const std::string& path) const { return fixtures::productKindOf(path, photos); }

    // `similar` in CSV, parsed; the header checked.
    std::vector<Ranked> similar(std::vector<std::string> args) {
        args.insert(args.begin(), "similar");
        args.insert(args.end(), {"--format", "csv"});
        RunResult result = run(args);
        EXPECT_EQ(result.exitCode, 0) << result.err;
        std::vector<std::vector<std::string>> records = fixtures::parseCsv(result.out);
        std::vector<Ranked> ranked;
        if (records.empty()) {
            ADD_FAILURE() << "no CSV header";
            return ranked;
        }
        EXPECT_EQ(records[0], (std::vector<std::string>{"rank", "item", "score", "path", "sku"}));
        for (std::size_t i = 1; i < records.size(); ++i) {
            EXPECT_EQ(records[i].size(), 5u) << result.out;
            if (records[i].size() == 5)
                ranked.push_back({std::stoi(records[i][0]), std::stoll(records[i][1]), std::stod(records[i][2]),
                                  records[i][3], records[i][4]});
        }
        return ranked;
    }

    std::string groupsList() { return run({"groups", "list"}).out; }

    fixtures::TempDir home;
    fixtures::TempDir work;
    fs::path photos = work / "photos";
    fs::path library = work / "library";
    fixtures::ShapeLibraryPhotos shapes;
    std::map<std::string, std::string> idOf;    // source path -> item id
    std::map<std::int64_t, std::string> pathOf;  // item id -> source path
};

void expectRankedWell(const std::vector<Ranked>& results) {
    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i].rank, static_cast<int>(i) + 1);
        EXPECT_LE(results[i].score, 1.0001);
        EXPECT_GE(results[i].score, -1.0001);
        if (i > 0) {
            EXPECT_GE(results[i - 1].score, results[i].score) << "scores must not increase";
        }
    }
}

TEST_F(LibraryCliTest, SimilarRanksTheSameProductFirstInTextCsvAndJson) {
    const fs::path query = photos / "red" / "red-1.png";
    // CSV: the four other red circles first, the query itself never.
    std::vector<Ranked> csv = similar({id(query), "--k", "4"});
    ASSERT_EQ(csv.size(), 4u);
    expectRankedWell(csv);
    for (const Ranked& result : csv) {
        EXPECT_EQ(kindOf(result.path), "red") << result.path;
        EXPECT_NE(result.path, query.string());
        EXPECT_EQ(pathOf.at(result.item), result.path);
    }
    // The comma and quotes of one file name survive CSV quoting.
    EXPECT_TRUE(std::any_of(csv.begin(), csv.end(),
                            [&](const Ranked& r) { return r.path == shapes.trickyName.string(); }));

    // k is respected, and a path works as well as an id.
    std::vector<Ranked> more = similar({query.string(), "--k", "7"});
    ASSERT_EQ(more.size(), 7u);
    expectRankedWell(more);
    for (std::size_t i = 0; i < 4; ++i)
        EXPECT_EQ(more[i].item, csv[i].item);

    // JSON: an array of objects with the same results.
    RunResult json = run({"similar", id(query), "--k", "4", "--format", "json"});
    ASSERT_EQ(json.exitCode, 0) << json.err;
    fixtures::JsonValue document = fixtures::JsonReader(json.out).parseDocument();
    ASSERT_EQ(document.kind, fixtures::JsonValue::Kind::Array);
    ASSERT_EQ(document.elements.size(), 4u) << json.out;
    for (std::size_t i = 0; i < 4; ++i) {
        const auto& members = document.elements[i].members;
        EXPECT_EQ(members.at("rank").number, static_cast<double>(i + 1));
        EXPECT_EQ(members.at("item").number, static_cast<double>(csv[i].item));
        EXPECT_NEAR(members.at("score").number, csv[i].score, 1e-9);
        EXPECT_EQ(members.at("path").text, csv[i].path);
    }

    // Text: a header, then rank, item, score (4 decimals) and path.
    RunResult text = run({"similar", id(query), "--k", "4"});
    ASSERT_EQ(text.exitCode, 0) << text.err;
    std::vector<std::string> rows = lines(text.out);
    ASSERT_EQ(rows.size(), 5u) << text.out;
    EXPECT_EQ(rows[0], "rank    item   score  path");
    for (std::size_t i = 0; i < 4; ++i) {
        std::istringstream fields(rows[i + 1]);
        int rank = 0;
        std::int64_t item = 0;
        std::string score, path;
        fields >> rank >> item >> score >> std::ws;
        std::getline(fields, path);
        EXPECT_EQ(rank, static_cast<int>(i) + 1);
        EXPECT_EQ(item, csv[i].item);
        EXPECT_EQ(score.size(), 6u) << score;  // 0.dddd
        EXPECT_NEAR(std::stod(score), csv[i].score, 1e-9);
        EXPECT_EQ(path, csv[i].path);
    }
}

TEST_F(LibraryCliTest, SimilarOfEveryKindFindsItsOwnKindFirst) {
    for (const fixtures::ProductKind& kind : fixtures::productKinds()) {
        const fs::path query = photos / kind.folder / (kind.folder + "-2.png");
        std::vector<Ranked> results = similar({query.string(), "--k", "3"});
        ASSERT_EQ(results.size(), 3u) << kind.folder;
        for (const Ranked& result : results)
            EXPECT_EQ(kindOf(result.path), kind.folder) << "query " << query << " got " << result.path;
    }
}

TEST_F(LibraryCliTest, SimilarOfAPhotoFileSearchesByItsPixels) {
    // A new red circle that is not in the library.
    const fs::path outside = work / "outside" / "new-red.png";
    fixtures::writeBytes(outside, fixtures::encodeImage(fixtures::productPhoto(fixtures::productKinds()[0], 42), ".png"));
    std::vector<Ranked> results = similar({outside.string(), "--k", "5"});
    ASSERT_EQ(results.size(), 5u);
    expectRankedWell(results);
    for (const Ranked& result : results)
        EXPECT_EQ(kindOf(result.path), "red") << result.path;

    // A copy of an imported photo: the item with the very same bytes is left out.
    const fs::path copy = work / "outside" / "copy.png";
    fs::copy_file(photos / "green" / "green-1.png", copy);
    std::vector<Ranked> ofCopy = similar({copy.string(), "--k", "19"});
    ASSERT_EQ(ofCopy.size(), 19u);
    for (const Ranked& result : ofCopy)
        EXPECT_NE(result.path, (photos / "green" / "green-1.png").string());
    EXPECT_EQ(kindOf(ofCopy[0].path), "green");
}

TEST_F(LibraryCliTest, SimilarOfARegionSearchesForThatPartOfThePhotoOnly) {
    // A red circle and a green triangle of the library, pasted side by side.
    const fs::path red = photos / "red" / "red-1.png";
    const fs::path green = photos / "green" / "green-1.png";
    cv::Mat pasted = fixtures::sideBySide(cv::imread(red.string()), cv::imread(green.string()));
    const fs::path outside = work / "outside" / "pair.png";
    fixtures::writeBytes(outside, fixtures::encodeImage(pasted, ".png"));
    std::vector<Ranked> left = similar({outside.string(), "--region", "0,0,0.5,1", "--k", "3"});
    std::vector<Ranked> right = similar({outside.string(), "--region", "0.5,0,0.5,1", "--k", "3"});
    ASSERT_EQ(left.size(), 3u);
    ASSERT_EQ(right.size(), 3u);
    expectRankedWell(left);
    EXPECT_EQ(left[0].path, red.string());
    EXPECT_EQ(right[0].path, green.string());
    EXPECT_GT(left[0].score, 0.9999);

    // The same for an item: its photo file is read again and cropped; the item is left out.
    fs::create_directories(work / "pairs");
    fs::copy_file(outside, work / "pairs" / "pair.png");
    ASSERT_EQ(run({"import", (work / "pairs").string()}).exitCode, 0);
    const std::string pairPath = (work / "pairs" / "pair.png").string();
    std::vector<Ranked> ofItem = similar({pairPath, "--region", "0.5,0,0.5,1", "--k", "20"});
    ASSERT_FALSE(ofItem.empty());
    EXPECT_EQ(ofItem[0].path, green.string());
    for (const Ranked& result : ofItem)
        EXPECT_NE(result.path, pairPath);
    // A region reaching past the photo is clipped to it.
    EXPECT_EQ(similar({pairPath, "--region", "-0.5,-1,1,3", "--k", "1"}).at(0).path, red.string());

    struct Case {
        std::string region;
        std::string message;
    };
    for (const Case& c : std::vector<Case>{
             {"0,0,0.5", "--region expects LEFT,TOP,WIDTH,HEIGHT as fractions of the photo's width and height"},
             {"0,0,0.5,1,", "--region expects LEFT,TOP,WIDTH,HEIGHT"},
             {"a,b,c,d", "--region expects LEFT,TOP,WIDTH,HEIGHT"},
             {"0,0,0,1", "--region: the region must have a width and a height above 0"},
             {"1.5,0,0.5,1", "--region: the region lies outside the photo"},
             {"0,0,0.02,1", "--region: the region is 3 x 96 pixels of the photo; it needs at least 8 x 8"},
         }) {
        RunResult result = run({"similar", outside.string(), "--region", c.region});
        EXPECT_EQ(result.exitCode, 2) << c.region;
        EXPECT_TRUE(contains(result.err, "lookalike-cli: " + c.message)) << c.region << ": " << result.err;
        EXPECT_EQ(result.out, "");
    }
}

TEST_F(LibraryCliTest, SimilarKeepsToAGroupAFolderOrTheUngrouped) {
    const fs::path query = photos / "red" / "red-1.png";
    // A group of two red circles and a blue square.
    RunResult created = run({"groups", "create", "Mixed", (photos / "red" / "red-2.png").string(), id(photos / "red" / "red-4.png"),
                             id(photos / "blue" / "blue-1.png")});
    ASSERT_EQ(created.exitCode, 0) << created.err;
    std::set<std::string> members = {(photos / "red" / "red-2.png").string(), (photos / "red" / "red-4.png").string(),
                                     (photos / "blue" / "blue-1.png").string()};

    std::vector<Ranked> inGroup = similar({id(query), "--group", "mixed"});
    ASSERT_EQ(inGroup.size(), 3u);
    for (const Ranked& result : inGroup)
        EXPECT_TRUE(members.contains(result.path)) << result.path;
    EXPECT_EQ(kindOf(inGroup.back().path), "blue");  // the red ones rank first

    std::vector<Ranked> ungrouped = similar({id(query), "--ungrouped", "--k", "20"});
    EXPECT_EQ(ungrouped.size(), 20u - 1u - 3u);
    for (const Ranked& result : ungrouped)
        EXPECT_FALSE(members.contains(result.path)) << result.path;

    std::vector<Ranked> inFolder = similar({id(query), "--folder", (photos / "yellow").string(), "--k", "10"});
    ASSERT_EQ(inFolder.size(), 5u);
    for (const Ranked& result : inFolder)
        EXPECT_EQ(kindOf(result.path), "yellow") << result.path;

    RunResult both = run({"similar", id(query), "--group", "Mixed", "--ungrouped"});
    EXPECT_EQ(both.exitCode, 2);
    EXPECT_TRUE(contains(both.err, "give only one of --group, --folder and --ungrouped")) << both.err;
    RunResult unknownGroup = run({"similar", id(query), "--group", "nope"});
    EXPECT_EQ(unknownGroup.exitCode, 1);
    EXPECT_TRUE(contains(unknownGroup.err, "There is no group 'nope'")) << unknownGroup.err;
}

TEST_F(LibraryCliTest, GroupsCreateListRenameMergeAddRemoveDelete) {
    const std::string red1 = id(photos / "red" / "red-1.png");
    const std::string red2 = id(photos / "red" / "red-2.png");
    const std::string blue1 = id(photos / "blue" / "blue-1.png");

    RunResult created = run({"groups", "create", "Reds", red1, (photos / "red" / "red-2.png").string()});
    ASSERT_EQ(created.exitCode, 0) << created.err;
    EXPECT_EQ(created.out, "Created group 1 'Reds' with 2 items.\n");
    // An item already in another group is moved, and the command says so.
    RunResult second = run({"groups", "create", "Circles", red2, blue1});
    ASSERT_EQ(second.exitCode, 0) << second.err;
    EXPECT_TRUE(contains(second.out, "Moved item " + red2 + " (red-2) from group 'Reds' to 'Circles'.")) << second.out;
    EXPECT_TRUE(contains(second.out, "Created group 2 'Circles' with 2 items.")) << second.out;
    EXPECT_EQ(groupsList(), "2\tCircles\t2\n1\tReds\t1\n");

    // A name already used (ignoring case) is refused and nothing changes.
    RunResult duplicate = run({"groups", "create", "reds", blue1});
    EXPECT_EQ(duplicate.exitCode, 1);
    EXPECT_TRUE(contains(duplicate.err, "There is already a group 'Reds'")) << duplicate.err;

    RunResult renamed = run({"groups", "rename", "1", "Red circles"});
    ASSERT_EQ(renamed.exitCode, 0) << renamed.err;
    EXPECT_EQ(renamed.out, "Renamed group 1 'Reds' to 'Red circles'.\n");
    RunResult clash = run({"groups", "rename", "Red circles", "circles"});
    EXPECT_EQ(clash.exitCode, 1);

    RunResult added = run({"groups", "add", "red circles", id(photos / "red" / "red-4.png"), red1});
    ASSERT_EQ(added.exitCode, 0) << added.err;
    EXPECT_TRUE(contains(added.out, "is already in 'Red circles'.")) << added.out;
    EXPECT_TRUE(contains(added.out, "Added 1 item to group 'Red circles' (now 2 items).")) << added.out;

    RunResult merged = run({"groups", "merge", "Red circles", "2"});
    ASSERT_EQ(merged.exitCode, 0) << merged.err;
    EXPECT_EQ(merged.out, "Merged group 'Circles' into 'Red circles' (now 4 items).\n");
    EXPECT_EQ(groupsList(), "1\tRed circles\t4\n");

    RunResult removed = run({"groups", "remove", "1", blue1});
    ASSERT_EQ(removed.exitCode, 0) << removed.err;
    EXPECT_EQ(removed.out, "Removed 1 item from group 'Red circles' (now 3 items).\n");
    RunResult notMember = run({"groups", "remove", "1", blue1, red1});
    EXPECT_EQ(notMember.exitCode, 1);
    EXPECT_TRUE(contains(notMember.err, "item " + blue1 + " (blue-1) is not in group 'Red circles'")) << notMember.err;
    EXPECT_EQ(groupsList(), "1\tRed circles\t3\n") << "a failed remove must remove nothing";

    RunResult deleted = run({"groups", "delete", "Red circles"});
    ASSERT_EQ(deleted.exitCode, 0) << deleted.err;
    EXPECT_EQ(deleted.out, "Deleted group 1 'Red circles'; its 3 items stay in the library, ungrouped.\n");
    EXPECT_EQ(groupsList(), "");
    EXPECT_EQ(lines(run({"list"}).out).size(), 20u);
}

TEST_F(LibraryCliTest, GroupsImportMatchesPathsThenFileNamesAndReportsTheRest) {
    // Paths: absolute, relative to the CSV's folder, relative to the current (work) folder;
    // then bare file names; one unknown file and one ambiguous name.
    fs::path csv = work / "lists" / "groups.csv";
    fixtures::writeText(csv, "file,group\n" +
                                 (photos / "red" / "red-1.png").string() + ",Red\n"
                                 "../photos/red/red-2.png,red\n"
                                 "photos/red/red-3.jpg,Red\n"
                                 "\"red, \"\"circle\"\" 5.png\",Red\n"
                                 "green-1.png,Green\r\n"
                                 "green-2.png,Green\n"
                                 "missing.png,Green\n"
                                 "box.png,Blue\n"
                                 "\n");
    RunResult result = run({"groups", "import", csv.string()});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    std::vector<std::string> out = lines(result.out);
    ASSERT_EQ(out.size(), 4u) << result.out;
    EXPECT_EQ(out[0], "Rows: 8, matched: 6, groups created: 2, unmatched: 2.");
    EXPECT_EQ(out[1], "Not imported:");
    EXPECT_EQ(out[2], "  line 8: missing.png: no item of this library was imported from a file of that name or path");
    const std::int64_t boxOne = std::stoll(id(shapes.boxOne));
    const std::int64_t boxTwo = std::stoll(id(shapes.boxTwo));
    EXPECT_EQ(out[3], "  line 9: box.png: 2 items have the file name box.png (ids " +
                          std::to_string(std::min(boxOne, boxTwo)) + ", " + std::to_string(std::max(boxOne, boxTwo)) +
                          "); give the file's path instead");
    EXPECT_EQ(groupsList(), "2\tGreen\t2\n1\tRed\t4\n");
    std::vector<Ranked> reds = similar({id(photos / "red" / "red-1.png"), "--group", "Red"});
    EXPECT_EQ(reds.size(), 3u);

    // The full path settles an ambiguous name; importing again changes nothing else.
    fixtures::writeText(csv, "group,file\nBlue," + shapes.boxOne.string() + "\n");
    RunResult again = run({"groups", "import", csv.string()});
    ASSERT_EQ(again.exitCode, 0) << again.err;
    EXPECT_EQ(again.out, "Rows: 1, matched: 1, groups created: 1, unmatched: 0.\n");
    EXPECT_EQ(groupsList(), "3\tBlue\t1\n2\tGreen\t2\n1\tRed\t4\n");

    // A file without the header is refused before anything is stored.
    fixtures::writeText(csv, "red-1.png,Other\n");
    RunResult noHeader = run({"groups", "import", csv.string()});
    EXPECT_EQ(noHeader.exitCode, 1);
    EXPECT_TRUE(contains(noHeader.err, "the first row must name the columns: file,group")) << noHeader.err;
    EXPECT_EQ(groupsList(), "3\tBlue\t1\n2\tGreen\t2\n1\tRed\t4\n");
}

// Found by tests/fuzz/groups_csv_fuzz.cpp: a group name starting with a NUL byte passed the
// CLI's checks but is empty to the catalog, so the whole import failed with a database error.
TEST_F(LibraryCliTest, GroupsImportSkipsGroupNamesWithControlCharactersAndImportsTheRest) {
    fs::path csv = work / "control.csv";
    fixtures::writeText(csv, "file,group\n"
                             "red-2.png,Red\n"
                             "green-1.png," + std::string("\0Green", 6) + "\n"
                             "green-2.png,Gr\x01" "een\n");
    RunResult result = run({"groups", "import", csv.string()});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    std::vector<std::string> out = lines(result.out);
    ASSERT_EQ(out.size(), 4u) << result.out;
    EXPECT_EQ(out[0], "Rows: 3, matched: 1, groups created: 1, unmatched: 0, skipped: 2.");
    EXPECT_EQ(out[2], "  line 3: green-1.png: a group name cannot hold control characters");
    EXPECT_EQ(out[3], "  line 4: green-2.png: a group name cannot hold control characters");
    EXPECT_EQ(groupsList(), "1\tRed\t1\n");

    RunResult create = run({"groups", "create", "Bad\x7fName", id(photos / "red" / "red-1.png")});
    EXPECT_EQ(create.exitCode, 2);
    EXPECT_TRUE(contains(create.err, "a group name cannot hold control characters")) << create.err;
}

// A shop's product data: rows by SKU (photos named after it) and by file; similar then lists each
// product once (the owner asks for photos with --photos), and export-related writes look-alike
// products by SKU as CSV and JSON.
TEST_F(LibraryCliTest, ProductDataGroupsPhotosIntoProductsAndExportsRelatedSkus) {
    fs::path csv = work / "products.csv";
    fixtures::writeText(csv, "sku,file,name,price,url\n"
                             "red,,Red circle,19.90,https://shop.example/red\n"     // red-1..4 (not "red, ...")
                             "green,,Green triangle,9,https://shop.example/green\n"
                             "yellow,,Yellow bar,12.50,\n"
                             "blue,,Blue square,\"EUR 7,00\",\n"                       // blue-1..3, not the boxes
                             "BOX-1,photos/blue/shelf-1/box.png,Box one,3,\n"         // by file, relative to the CSV
                             "NOPE,,Ghost,1,\n"
                             "red,,,12 dollars,\n");
    RunResult imported = run({"products", "import", csv.string()});
    ASSERT_EQ(imported.exitCode, 0) << imported.err;
    std::vector<std::string> out = lines(imported.out);
    ASSERT_EQ(out.size(), 4u) << imported.out;
    EXPECT_EQ(out[0], "Rows: 7, matched: 5, products created: 5, photos linked: 18, unmatched: 1, skipped: 1.");
    EXPECT_EQ(out[1], "Not imported:");
    EXPECT_TRUE(out[2].starts_with("  line 7: NOPE: no product has this SKU and no photo is named after it")) << out[2];
    EXPECT_TRUE(out[3].starts_with("  line 8: red: \"12 dollars\" is not a price")) << out[3];
    EXPECT_EQ(run({"products", "list"}).out, "sku\tname\tprice\turl\tphotos\n"
                                             "BOX-1\tBox one\t3\t\t1\n"
                                             "blue\tBlue square\tEUR 7,00\t\t3\n"
                                             "green\tGreen triangle\t9\thttps://shop.example/green\t5\n"
                                             "red\tRed circle\t19.90\thttps://shop.example/red\t4\n"
                                             "yellow\tYellow bar\t12.50\t\t5\n");

    // Each product once, by its best photo; the red product's other photos are not look-alikes.
    const fs::path red1 = photos / "red" / "red-1.png";
    std::vector<Ranked> products = similar({red1.string(), "--k", "19"});
    ASSERT_EQ(products.size(), 6u);  // red, "circle" 5 (no SKU), blue, green, yellow, BOX-1 and the other box
    std::set<std::string> skus;
    for (const Ranked& result : products) {
        EXPECT_NE(result.sku, "red") << result.path;
        if (!result.sku.empty()) {
            EXPECT_TRUE(skus.insert(result.sku).second) << result.sku << " twice";
        }
    }
    EXPECT_EQ(skus, (std::set<std::string>{"BOX-1", "blue", "green", "yellow"}));
    std::vector<Ranked> everyPhoto = similar({red1.string(), "--k", "19", "--photos"});
    ASSERT_EQ(everyPhoto.size(), 19u);
    EXPECT_EQ(everyPhoto[0].sku, "red");
    EXPECT_EQ(kindOf(everyPhoto[0].path), "red");

    RunResult related = run({"export-related", "--k", "2"});
    ASSERT_EQ(related.exitCode, 0) << related.err;
    EXPECT_TRUE(contains(related.err, "Left out 2 photos without a SKU.")) << related.err;
    std::vector<std::vector<std::string>> rows = fixtures::parseCsv(related.out);
    ASSERT_EQ(rows.size(), 6u) << related.out;
    EXPECT_EQ(rows[0], (std::vector<std::string>{"sku", "related_skus"}));
    const std::vector<std::string> expectedOrder = {"BOX-1", "blue", "green", "red", "yellow"};
    for (std::size_t i = 1; i < rows.size(); ++i) {
        ASSERT_EQ(rows[i].size(), 2u);
        EXPECT_EQ(rows[i][0], expectedOrder[i - 1]);
        const std::size_t comma = rows[i][1].find(',');
        ASSERT_NE(comma, std::string::npos) << rows[i][1];
        EXPECT_NE(rows[i][1].substr(0, comma), rows[i][0]);
        EXPECT_NE(rows[i][1].substr(comma + 1), rows[i][0]);
    }
    EXPECT_TRUE(rows[1][1].starts_with("blue,")) << "a blue box is most like the blue squares: " << rows[1][1];

    RunResult json = run({"export-related", "--format", "json", "--k", "3", "--min-score", "0.5"});
    ASSERT_EQ(json.exitCode, 0) << json.err;
    const fixtures::JsonValue document = fixtures::JsonReader(json.out).parseDocument();
    ASSERT_EQ(document.elements.size(), 5u) << json.out;
    const fixtures::JsonValue& box = document.elements[0];
    EXPECT_EQ(box.members.at("sku").text, "BOX-1");
    EXPECT_EQ(box.members.at("name").text, "Box one");
    const std::vector<fixtures::JsonValue>& boxRelated = box.members.at("related").elements;
    ASSERT_FALSE(boxRelated.empty());
    EXPECT_LE(boxRelated.size(), 3u);
    EXPECT_EQ(boxRelated[0].members.at("sku").text, "blue");
    for (const fixtures::JsonValue& other : boxRelated)
        EXPECT_GE(other.members.at("score").number, 0.5);

    RunResult badFormat = run({"export-related", "--format", "xml"});
    EXPECT_EQ(badFormat.exitCode, 2);
    EXPECT_TRUE(contains(badFormat.err, "--format expects csv or json")) << badFormat.err;
    fixtures::writeText(csv, "name,price\nRed circle,1\n");
    RunResult noKey = run({"products", "import", csv.string()});
    EXPECT_EQ(noKey.exitCode, 1);
    EXPECT_TRUE(contains(noKey.err, "the first row must name the columns: file or sku")) << noKey.err;
    EXPECT_TRUE(contains(run({"products", "list"}).out, "red\tRed circle\t19.90"));  // nothing lost
}

TEST_F(LibraryCliTest, NotSimilarRemovesEachFromTheOthersLookAlikes) {
    const fs::path red1 = photos / "red" / "red-1.png";
    const fs::path red2 = photos / "red" / "red-2.png";
    auto paths = [&](const fs::path& query) {
        std::set<std::string> found;
        for (const Ranked& result : similar({query.string(), "--k", "19"}))
            found.insert(result.path);
        return found;
    };
    ASSERT_TRUE(paths(red1).contains(red2.string()));
    ASSERT_EQ(paths(red1).size(), 19u);

    RunResult marked = run({"not-similar", red1.string(), id(red2)});
    ASSERT_EQ(marked.exitCode, 0) << marked.err;
    EXPECT_EQ(marked.out, "Marked item " + id(red1) + " (red-1) and item " + id(red2) +
                              " (red-2) as not similar: neither is shown as a look-alike of the other.\n");
    std::set<std::string> ofRed1 = paths(red1);
    EXPECT_FALSE(ofRed1.contains(red2.string()));
    EXPECT_EQ(ofRed1.size(), 18u);
    EXPECT_FALSE(paths(red2).contains(red1.string()));

    RunResult again = run({"not-similar", id(red2), id(red1)});
    EXPECT_EQ(again.exitCode, 0);
    EXPECT_TRUE(contains(again.out, "already marked as not similar")) << again.out;
    RunResult itself = run({"not-similar", id(red1), red1.string()});
    EXPECT_EQ(itself.exitCode, 1);
    EXPECT_TRUE(contains(itself.err, "cannot be marked not similar to itself")) << itself.err;
}

TEST_F(LibraryCliTest, NeighborsWritesKRowsPerItemWithoutTheItemItself) {
    RunResult result = run({"neighbors", "--k", "3", "--format", "csv"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    std::vector<std::vector<std::string>> records = fixtures::parseCsv(result.out);
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0], (std::vector<std::string>{"query", "rank", "result", "score"}));
    ASSERT_EQ(records.size(), 1u + 20u * 3u);
    std::map<std::string, std::vector<int>> ranksOf;
    for (std::size_t i = 1; i < records.size(); ++i) {
        ASSERT_EQ(records[i].size(), 4u);
        EXPECT_NE(records[i][0], records[i][2]) << "an item is not its own neighbour";
        EXPECT_TRUE(idOf.contains(records[i][0])) << records[i][0];
        EXPECT_TRUE(idOf.contains(records[i][2])) << records[i][2];
        ranksOf[records[i][0]].push_back(std::stoi(records[i][1]));
    }
    EXPECT_EQ(ranksOf.size(), 20u);
    for (const auto& [query, ranks] : ranksOf)
        EXPECT_EQ(ranks, (std::vector<int>{1, 2, 3})) << query;

    // With k past the library's size, every other item once.
    RunResult all = run({"neighbors", "--k", "50"});
    ASSERT_EQ(all.exitCode, 0) << all.err;
    EXPECT_EQ(fixtures::parseCsv(all.out).size(), 1u + 20u * 19u);
}

TEST_F(LibraryCliTest, ExportEmbeddingsWritesOneUnitVectorPerItem) {
    RunResult result = run({"export-embeddings", "--format", "csv"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    std::vector<std::vector<std::string>> records = fixtures::parseCsv(result.out);
    ASSERT_EQ(records.size(), 21u);
    const std::size_t dimension = records[0].size() - 1;
    ASSERT_GT(dimension, 10u);
    EXPECT_EQ(records[0].front(), "path");
    for (std::size_t d = 0; d < dimension; ++d) {
        std::string column = std::to_string(d);
        column.insert(column.begin(), 'v');
        ASSERT_EQ(records[0][d + 1], column);
    }
    std::set<std::string> seen;
    for (std::size_t i = 1; i < records.size(); ++i) {
        ASSERT_EQ(records[i].size(), dimension + 1);
        seen.insert(records[i][0]);
        double norm = 0.0;
        for (std::size_t d = 0; d < dimension; ++d)
            norm += std::pow(std::stod(records[i][d + 1]), 2);
        EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-3) << records[i][0];
    }
    EXPECT_EQ(seen.size(), 20u);
    EXPECT_TRUE(seen.contains(shapes.trickyName.string()));
}

TEST_F(LibraryCliTest, ModelsListShowsTheDescriptorModelActive) {
    RunResult result = run({"models", "list"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    std::vector<std::string> out = lines(result.out);
    ASSERT_EQ(out.size(), 2u) << result.out;
    EXPECT_TRUE(out[0].starts_with("   id  kind ")) << out[0];
    std::istringstream fields(out[1]);
    std::string active, id, kind, backbone, state;
    fields >> active >> id >> kind >> backbone >> state;
    EXPECT_EQ(active, "*");
    EXPECT_EQ(id, "1");
    EXPECT_EQ(kind, "descriptors");
    EXPECT_EQ(backbone, "none");
    EXPECT_EQ(state, "ready");

    RunResult unknown = run({"models", "use", "7"});
    EXPECT_EQ(unknown.exitCode, 1);
    EXPECT_TRUE(contains(unknown.err, "There is no model 7.")) << unknown.err;
    RunResult same = run({"models", "use", "1"});
    EXPECT_EQ(same.exitCode, 0) << same.err;
    EXPECT_EQ(same.out, "Look-alikes ready: 20 items, model 1 (descriptors)\n");
}

TEST_F(LibraryCliTest, UnknownItemsAndFilesFailAndChangeNothing) {
    const std::string groupsBefore = groupsList();
    const std::string red1 = id(photos / "red" / "red-1.png");
    const fs::path notImported = work / "not-imported.png";
    fixtures::writeBytes(notImported, fixtures::encodeImage(fixtures::productPhoto(fixtures::productKinds()[1], 9), ".png"));
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    for (const Case& c : std::vector<Case>{
             {{"similar", "999"}, "There is no item 999 in this library."},
             {{"similar", (work / "nowhere.png").string()}, (work / "nowhere.png").string() + ": no such item or file"},
             {{"groups", "create", "New", red1, "999"}, "There is no item 999 in this library."},
             {{"groups", "create", "New", red1, notImported.string()}, notImported.string() + " is not in this library"},
             {{"groups", "add", "nope", red1}, "There is no group 'nope'"},
             {{"groups", "delete", "12"}, "There is no group '12'"},
             {{"groups", "import", (work / "none.csv").string()}, (work / "none.csv").string() + ": cannot open the file"},
             {{"not-similar", red1, "0"}, "There is no item 0 in this library."},
             {{"not-similar", red1, "nowhere.png"}, "nowhere.png: no such item or file"},
         }) {
        RunResult result = run(c.args);
        EXPECT_EQ(result.exitCode, 1) << c.args[0] << " " << c.args[1];
        EXPECT_TRUE(contains(result.err, "lookalike-cli: " + c.message)) << result.err;
        EXPECT_EQ(result.out, "");
    }
    EXPECT_EQ(groupsList(), groupsBefore);
    EXPECT_EQ(lines(run({"similar", red1, "--k", "19", "--format", "csv"}).out).size(), 20u) << "no mark was stored";
}

TEST_F(LibraryCliTest, UsageErrorsOfTheLookAlikeCommands) {
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    for (const Case& c : std::vector<Case>{
             {{"similar"}, "similar needs one item"},
             {{"similar", "1", "--format", "xml"}, "--format expects text, csv or json, not 'xml'"},
             {{"similar", "1", "--k", "0"}, "--k expects a whole number from 1"},
             {{"similar", "1", "--ungrouped=yes"}, "--ungrouped takes no value"},
             {{"neighbors", "--format", "json"}, "--format expects csv, not 'json'"},
             {{"neighbors", "x"}, "neighbors takes no arguments"},
             {{"export-embeddings", "--k", "3"}, "export-embeddings: unknown option '--k'"},
             {{"groups"}, "groups needs what to do"},
             {{"groups", "shuffle"}, "unknown groups action 'shuffle'"},
             {{"groups", "create"}, "groups create needs a name"},
             {{"groups", "create", "  "}, "a group name cannot be empty"},
             {{"groups", "rename", "1"}, "groups rename needs a group and its new name"},
             {{"groups", "list", "x"}, "groups list takes no arguments"},
             {{"not-similar", "1"}, "not-similar needs two items"},
             {{"train", "--from-scratch=yes"}, "--from-scratch takes no value"},
             {{"train", "--epochs", "0"}, "--epochs expects a number from 0.01 to 1000, not '0'"},
             {{"train", "now"}, "train takes no arguments"},
             {{"models"}, "models needs what to do"},
             {{"models", "use", "first"}, "models use needs a model id"},
             {{"models", "drop", "1"}, "unknown models action 'drop'"},
         }) {
        RunResult result = run(c.args);
        EXPECT_EQ(result.exitCode, 2) << c.args[0];
        EXPECT_TRUE(contains(result.err, "lookalike-cli: " + c.message)) << result.err;
        EXPECT_EQ(result.out, "");
    }
}

// Without the shape library: commands on a missing or an empty library.
class EmptyLibraryCliTest : public ::testing::Test {
protected:
    RunResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"--library", library.string()});
        return fixtures::runCli(args, home.path(), work.path());
    }

    fixtures::TempDir home;
    fixtures::TempDir work;
    fs::path library = work / "library";
};

const std::vector<std::vector<std::string>>& readingCommands() {
    static const std::vector<std::vector<std::string>> commands = {
        {"similar", "1"},        {"neighbors"},     {"export-embeddings"},  {"groups", "list"},
        {"groups", "create", "x", "1"}, {"not-similar", "1", "2"}, {"models", "list"}, {"train", "--epochs", "1"}};
    return commands;
}

TEST_F(EmptyLibraryCliTest, CommandsOnAMissingLibraryFailWithoutCreatingIt) {
    for (const std::vector<std::string>& command : readingCommands()) {
        RunResult result = run(command);
        EXPECT_EQ(result.exitCode, 1) << command[0];
        EXPECT_TRUE(contains(result.err, "lookalike-cli: No library at " + library.string())) << result.err;
        EXPECT_EQ(result.out, "");
    }
    EXPECT_FALSE(fs::exists(library));
}

TEST_F(EmptyLibraryCliTest, CommandsOnALibraryWithoutItemsSaySoAndChangeNothing) {
    fs::create_directories(work / "empty-folder");
    RunResult imported = run({"import", (work / "empty-folder").string()});
    ASSERT_EQ(imported.exitCode, 0) << imported.err;
    EXPECT_TRUE(contains(imported.out, "Look-alikes ready: 0 items, model 1 (descriptors)")) << imported.out;
    const std::string modelsBefore = run({"models", "list"}).out;
    for (const std::vector<std::string>& command : readingCommands()) {
        if (command == std::vector<std::string>{"groups", "list"} || command == std::vector<std::string>{"models", "list"}) {
            EXPECT_EQ(run(command).exitCode, 0) << command[0];
            continue;
        }
        RunResult result = run(command);
        EXPECT_EQ(result.exitCode, 1) << command[0];
        EXPECT_TRUE(contains(result.err, "has no items yet (import a folder of photos first)")) << result.err;
    }
    EXPECT_EQ(run({"groups", "list"}).out, "");
    EXPECT_EQ(run({"models", "list"}).out, modelsBefore);
}

TEST_F(EmptyLibraryCliTest, HelpListsTheLookAlikeCommands) {
    RunResult result = run({"--help"});
    EXPECT_EQ(result.exitCode, 0);
    for (const char* command :
         {"similar ITEM|PHOTO [--k N] [--format text|csv|json] [--group GROUP] [--folder DIR] "
          "[--region LEFT,TOP,WIDTH,HEIGHT] [--ungrouped]",
          "neighbors [--k N] [--format csv]", "export-embeddings [--format csv]", "groups list|create|",
          "not-similar ITEM ITEM", "train [--epochs N] [--network pretrained|resnet] [--from-scratch]", "models list|use ID"})
        EXPECT_TRUE(contains(result.out, std::string("\n  ") + command)) << command << "\n" << result.out;
}

}  // namespace
