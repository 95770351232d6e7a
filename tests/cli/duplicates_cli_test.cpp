// lookalike-cli duplicates, end to end: a folder of distinct photos and edited copies (re-
// compressed, resized, cropped) imported by the real binary, then its pairs and clusters read
// back from CSV, JSON and text.

#include "tests/cli/cli_runner.h"
#include "tests/cli/output_parsers.h"
#include "tests/support/near_duplicate_photos.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

using namespace lookalike;
using fixtures::PhotoEdit;
using fixtures::RunResult;
namespace fs = std::filesystem;

namespace {

using Cluster = std::set<std::string>;  // file names

class DuplicatesCliTest : public ::testing::Test {
protected:
    void SetUp() override {
        fs::create_directories(photos);
        for (int seed = 0; seed < 10; ++seed)
            fixtures::writeBytes(photos / name(seed), fixtures::encodeImage(photo(seed), ".png"));
        copy(1, PhotoEdit::Recompress, 35);
        copy(1, PhotoEdit::Resize, 0.5);
        copy(4, PhotoEdit::Crop, 0.03);  // larger crops are the methods' weak spot (bench README)
        copy(7, PhotoEdit::Resize, 1.6);
        RunResult imported = run({"import", photos.string()});
        ASSERT_EQ(imported.exitCode, 0) << imported.err;
    }

    static std::string name(int seed) { return "photo-" + std::to_string(seed) + ".png"; }
    static cv::Mat photo(int seed) { return fixtures::makeScenePhoto(static_cast<std::uint64_t>(seed) + 100); }
    void copy(int seed, PhotoEdit edit, double amount) {
        fixtures::writeBytes(photos / ("photo-" + std::to_string(seed) + "-" + fixtures::photoEditName(edit) + ".jpg"),
                             fixtures::encodeEdited(photo(seed), edit, amount, static_cast<std::uint64_t>(seed)));
    }

    RunResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"--library", library.string()});
        return fixtures::runCli(args, home.path(), work.path());
    }

    static std::set<Cluster> expectedClusters() {
        return {{"photo-1.png", "photo-1-recompressed.jpg", "photo-1-resized.jpg"},
                {"photo-4.png", "photo-4-cropped.jpg"},
                {"photo-7.png", "photo-7-resized.jpg"}};
    }

    fixtures::TempDir home;
    fixtures::TempDir work;
    fs::path photos = work / "photos";
    fs::path library = work / "library";
};

std::string fileName(const std::string& path) {
    return fs::path(path).filename().string();
}

TEST_F(DuplicatesCliTest, CsvListsThePairsOfEachClusterOfEditedCopies) {
    RunResult result = run({"duplicates", "--format", "csv"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    const std::vector<std::vector<std::string>> records = fixtures::parseCsv(result.out);
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records[0], (std::vector<std::string>{"cluster", "first", "second", "score", "first_path", "second_path"}));
    std::map<std::string, Cluster> clusters;
    double previousScore = 2.0;
    for (std::size_t i = 1; i < records.size(); ++i) {
        ASSERT_EQ(records[i].size(), 6u) << result.out;
        EXPECT_LT(std::stoll(records[i][1]), std::stoll(records[i][2]));
        const double score = std::stod(records[i][3]);
        EXPECT_LE(score, previousScore) << "pairs come best first";
        EXPECT_GE(score, 0.99);  // the default threshold
        previousScore = score;
        clusters[records[i][0]].insert(fileName(records[i][4]));
        clusters[records[i][0]].insert(fileName(records[i][5]));
    }
    std::set<Cluster> found;
    for (const auto& [number, cluster] : clusters)
        found.insert(cluster);
    EXPECT_EQ(found, expectedClusters()) << result.out;
    EXPECT_EQ(records.size() - 1, 3u + 1u + 1u) << "every pair inside the triple, one per couple";
}

TEST_F(DuplicatesCliTest, JsonAndTextAgreeWithTheClusters) {
    RunResult json = run({"duplicates", "--format", "json"});
    ASSERT_EQ(json.exitCode, 0) << json.err;
    const fixtures::JsonValue document = fixtures::JsonReader(json.out).parseDocument();
    EXPECT_EQ(document.members.at("method").text, "combined");
    EXPECT_EQ(document.members.at("items").number, 14.0);
    EXPECT_EQ(document.members.at("pairs").elements.size(), 5u);
    std::set<Cluster> clusters;
    for (const fixtures::JsonValue& cluster : document.members.at("clusters").elements) {
        Cluster names;
        for (const fixtures::JsonValue& path : cluster.members.at("paths").elements)
            names.insert(fileName(path.text));
        EXPECT_EQ(cluster.members.at("items").elements.size(), names.size());
        clusters.insert(names);
    }
    EXPECT_EQ(clusters, expectedClusters()) << json.out;
    ASSERT_EQ(document.members.at("clusters").elements.front().members.at("items").elements.size(), 3u)
        << "the largest cluster first";

    RunResult text = run({"duplicates"});
    ASSERT_EQ(text.exitCode, 0) << text.err;
    EXPECT_TRUE(fixtures::contains(text.out, "Near-duplicates among 14 items (combined, threshold 0.9900): 5 pairs in 3 clusters.\n"))
        << text.out;
    EXPECT_TRUE(fixtures::contains(text.out, "Cluster 1 (3 items):\n")) << text.out;
    EXPECT_TRUE(fixtures::contains(text.out, "photo-1-recompressed.jpg")) << text.out;
}

TEST_F(DuplicatesCliTest, MethodAndThresholdAreHonouredAndCheckedAndAHighThresholdFindsLess) {
    RunResult phash = run({"duplicates", "--method", "phash", "--threshold", "0.8", "--format", "json"});
    ASSERT_EQ(phash.exitCode, 0) << phash.err;
    const fixtures::JsonValue loose = fixtures::JsonReader(phash.out).parseDocument();
    EXPECT_EQ(loose.members.at("method").text, "phash");
    EXPECT_EQ(loose.members.at("threshold").number, 0.8);
    RunResult strict = run({"duplicates", "--method", "phash", "--threshold", "1", "--format", "json"});
    ASSERT_EQ(strict.exitCode, 0) << strict.err;
    EXPECT_LT(fixtures::JsonReader(strict.out).parseDocument().members.at("pairs").elements.size(),
              loose.members.at("pairs").elements.size());

    EXPECT_EQ(run({"duplicates", "--method", "md5"}).exitCode, 2);
    EXPECT_EQ(run({"duplicates", "--threshold", "1.5"}).exitCode, 2);
    EXPECT_EQ(run({"duplicates", "--method", "phash", "--threshold", "-0.5"}).exitCode, 2);
    EXPECT_EQ(run({"duplicates", "--format", "xml"}).exitCode, 2);
    EXPECT_EQ(run({"duplicates", "extra"}).exitCode, 2);
}

TEST(DuplicatesCli, AMissingLibraryIsAnErrorNotANewLibrary) {
    fixtures::TempDir home;
    RunResult result = fixtures::runCli({"--library", (home / "none").string(), "duplicates"}, home.path());
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_FALSE(fs::exists(home / "none" / "catalog.db"));
}

}  // namespace
