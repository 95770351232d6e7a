// End-to-end: runs the built lookalike-cli on temporary folders and checks exit codes and
// what a person sees on stdout and stderr.

#include "core/datasets/fashion_mnist.h"
#include "core/util/install_paths.h"
#include "tests/cli/cli_runner.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_images.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace lookalike;
using fixtures::contains;
using fixtures::lines;
using fixtures::RunResult;
using fixtures::runCli;
namespace fs = std::filesystem;

namespace {

class CliTest : public ::testing::Test {
protected:
    RunResult run(const std::vector<std::string>& args) { return runCli(args, home.path()); }

    // Three good photos, three bad ones and a note that is not a photo.
    void makeMixedFolder() {
        fixtures::writeBytes(photos / "shirt.jpg", fixtures::encodeImage(fixtures::makePhoto(64, 48, 1), ".jpg"));
        fixtures::writeBytes(photos / "shoes" / "boot.png", fixtures::encodeImage(fixtures::makePhoto(30, 40, 2), ".png"));
        fixtures::writeBytes(photos / "shoes" / "sandal.webp", fixtures::encodeImage(fixtures::makePhoto(50, 50, 3), ".webp"));
        fixtures::writeText(photos / "readme.jpg", "not really a photo");
        fixtures::writeBytes(photos / "empty.png", {});
        fixtures::writeBytes(photos / "huge.png", fixtures::pngHeaderDeclaring(20000, 20000));
        fixtures::writeText(photos / "notes.txt", "ignored");
    }

    fixtures::TempDir home;
    fixtures::TempDir work;
    fs::path photos = work / "photos";
    fs::path library = work / "library";
};

}  // namespace

TEST_F(CliTest, VersionPrintsTheProjectVersion) {
    RunResult result = run({"--version"});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_EQ(result.out, std::string("lookalike-cli ") + LOOKALIKE_VERSION + "\n");
    EXPECT_EQ(result.err, "");
}

TEST_F(CliTest, HelpListsEveryCommandAndTheDefaultLibrary) {
    RunResult result = run({"--help"});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_TRUE(contains(result.out, "Usage: lookalike-cli [--library DIR|URI] COMMAND")) << result.out;
    for (const char* command : {"import DIR...", "list", "stats", "migrate FROM TO", "sample DIR", "demo"})
        EXPECT_TRUE(contains(result.out, std::string("\n  ") + command)) << command;
    EXPECT_TRUE(contains(result.out, (home / "data" / "lookalike" / "library").string())) << result.out;
    EXPECT_EQ(result.err, "");
    EXPECT_EQ(run({"import", "--help"}).exitCode, 0);
}

TEST_F(CliTest, NoCommandPrintsHelpToStderrWithUsageExit) {
    RunResult result = run({});
    EXPECT_EQ(result.exitCode, 2);
    EXPECT_EQ(result.out, "");
    EXPECT_TRUE(contains(result.err, "Usage: lookalike-cli")) << result.err;
}

TEST_F(CliTest, UsageErrorsExitWithTwoAndSayWhatIsWrong) {
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    std::string dir = work.path().string();
    for (const Case& c : std::vector<Case>{
             {{"frobnicate"}, "unknown command 'frobnicate'"},
             {{"--bogus", "list"}, "unknown option '--bogus'"},
             {{"--library"}, "--library needs a folder"},
             {{"--library="}, "--library needs a folder"},
             {{"import"}, "import needs at least one folder"},
             {{"import", dir, "--threads", "abc"}, "--threads expects a whole number from 1 to 64, not 'abc'"},
             {{"import", dir, "--threads=0"}, "--threads expects a whole number from 1 to 64, not '0'"},
             {{"import", dir, "--threads"}, "--threads needs a value"},
             {{"list", "extra"}, "list takes no arguments"},
             {{"list", "--color", "red"}, "list: unknown option '--color'"},
             {{"list", "--limit", "-3"}, "--limit expects a whole number"},
             {{"stats", "x"}, "stats takes no arguments"},
             {{"sample"}, "sample needs one output folder"},
             {{"sample", "out", "--count", "10001"}, "--count expects a whole number from 1 to 10000"},
             {{"sample", "out", "--split", "train", "--count", "60001"}, "--count expects a whole number from 1 to 60000"},
             {{"demo", "x"}, "demo takes no arguments"},
         }) {
        RunResult result = run(c.args);
        std::string shown;
        for (const std::string& arg : c.args)
            shown += arg + " ";
        EXPECT_EQ(result.exitCode, 2) << shown;
        EXPECT_TRUE(contains(result.err, "lookalike-cli: " + c.message)) << shown << "\n" << result.err;
        EXPECT_TRUE(contains(result.err, "Try 'lookalike-cli --help'.")) << shown;
        EXPECT_EQ(result.out, "") << shown;
    }
    EXPECT_FALSE(fs::exists(home / "data" / "lookalike")) << "a usage error created a library";
}

TEST_F(CliTest, ImportReportsCountsAndOneLinePerBadFile) {
    makeMixedFolder();
    RunResult result = run({"--library", library.string(), "import", photos.string()});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    std::vector<std::string> out = lines(result.out);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out[0], "Imported 3, updated 0, skipped 0 unchanged, 0 duplicates, 3 failed "
                      "(1 other file ignored).");
    ASSERT_EQ(out.size(), 7u) << result.out;
    EXPECT_EQ(out[1], "Failed:");
    EXPECT_EQ(out[2], "  " + (photos / "empty.png").string() + ": empty file (0 bytes)");
    EXPECT_TRUE(out[3].starts_with("  " + (photos / "huge.png").string() + ": image too large: 20000x20000"))
        << out[3];
    EXPECT_EQ(out[4], "  " + (photos / "readme.jpg").string() + ": not an image (unknown format)");
    EXPECT_EQ(out[5], "Library: " + library.string() + " (3 items)");
    EXPECT_EQ(out[6], "Look-alikes ready: 3 items, model 1 (descriptors)");
    EXPECT_TRUE(fs::exists(library / "catalog.db"));
    EXPECT_EQ(result.err, "");  // no progress line when stderr is not a terminal
}

TEST_F(CliTest, ReimportSaysSkipped) {
    makeMixedFolder();
    ASSERT_EQ(run({"--library", library.string(), "import", photos.string()}).exitCode, 0);
    RunResult again = run({"--library=" + library.string(), "import", photos.string(), "--threads", "1"});
    EXPECT_EQ(again.exitCode, 0) << again.err;
    EXPECT_TRUE(again.out.starts_with("Imported 0, updated 0, skipped 3 unchanged, 0 duplicates, 3 failed"))
        << again.out;
    EXPECT_TRUE(contains(again.out, "(3 items)")) << again.out;
}

TEST_F(CliTest, ImportCountsDuplicates) {
    fixtures::Bytes jpeg = fixtures::encodeImage(fixtures::makePhoto(20, 20, 4), ".jpg");
    fixtures::writeBytes(photos / "a.jpg", jpeg);
    fixtures::writeBytes(photos / "b.jpg", jpeg);
    RunResult result = run({"--library", library.string(), "import", photos.string()});
    EXPECT_EQ(result.exitCode, 0);
    EXPECT_TRUE(result.out.starts_with("Imported 1, updated 0, skipped 0 unchanged, 1 duplicate, 0 failed."))
        << result.out;
}

TEST_F(CliTest, ListPrintsIdNameAndPathOfEveryItem) {
    makeMixedFolder();
    ASSERT_EQ(run({"--library", library.string(), "import", photos.string()}).exitCode, 0);
    RunResult result = run({"--library", library.string(), "list"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(lines(result.out),
              (std::vector<std::string>{"1\tshirt\t" + (photos / "shirt.jpg").string(),
                                        "2\tboot\t" + (photos / "shoes" / "boot.png").string(),
                                        "3\tsandal\t" + (photos / "shoes" / "sandal.webp").string()}));
    RunResult page = run({"--library", library.string(), "list", "--offset", "1", "--limit", "1"});
    EXPECT_EQ(page.exitCode, 0);
    EXPECT_EQ(lines(page.out), std::vector<std::string>{"2\tboot\t" + (photos / "shoes" / "boot.png").string()});
}

TEST_F(CliTest, StatsSummarisesTheLibrary) {
    makeMixedFolder();
    ASSERT_EQ(run({"--library", library.string(), "import", photos.string()}).exitCode, 0);
    RunResult result = run({"--library", library.string(), "stats"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    std::vector<std::string> out = lines(result.out);
    ASSERT_EQ(out.size(), 8u) << result.out;
    EXPECT_EQ(out[0], "Library:      " + library.string());
    EXPECT_EQ(out[1], "Items:        3");
    EXPECT_EQ(out[2], "Files:        3");
    EXPECT_EQ(out[3], "Folders:      1");
    EXPECT_EQ(out[4], "Groups:       0");
    EXPECT_EQ(out[5], "Import runs:  1");
    EXPECT_TRUE(out[6].starts_with("Thumbnails:   ") && out[6].ends_with(" KB")) << out[6];
    EXPECT_EQ(out[7], "Megapixels:   0.0");  // 64*48 + 30*40 + 50*50 pixels
}

TEST_F(CliTest, ReadingCommandsOnAMissingLibraryFailWithoutCreatingIt) {
    for (const char* command : {"list", "stats"}) {
        RunResult result = run({"--library", library.string(), command});
        EXPECT_EQ(result.exitCode, 1) << command;
        EXPECT_TRUE(contains(result.err, "lookalike-cli: No library at " + library.string())) << result.err;
        EXPECT_TRUE(contains(result.err, "import a folder first")) << result.err;
        EXPECT_EQ(result.out, "");
    }
    EXPECT_FALSE(fs::exists(library));
    // Without --library the default one is meant, and it is not there either.
    RunResult result = run({"list"});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_TRUE(contains(result.err, (home / "data" / "lookalike" / "library").string())) << result.err;
}

TEST_F(CliTest, ImportOfAMissingFolderFails) {
    RunResult result = run({"--library", library.string(), "import", (work / "nowhere").string()});
    EXPECT_EQ(result.exitCode, 1);
    EXPECT_EQ(result.err, "lookalike-cli: " + (work / "nowhere").string() + ": no such file or folder\n");
}

TEST_F(CliTest, ADamagedCatalogIsReportedNotOverwritten) {
    makeMixedFolder();
    fixtures::writeText(library / "catalog.db", std::string(3000, 'z'));
    for (const std::vector<std::string>& args : std::vector<std::vector<std::string>>{
             {"--library", library.string(), "import", photos.string()},
             {"--library", library.string(), "list"}}) {
        RunResult result = run(args);
        EXPECT_EQ(result.exitCode, 1);
        EXPECT_TRUE(contains(result.err, "damaged or not a catalog")) << result.err;
    }
    EXPECT_EQ(fixtures::readText(library / "catalog.db"), std::string(3000, 'z'));
}

// A build-tree binary has no installed data beside it, so it imports the committed catalog,
// then walks the loop: look-alikes without labels, half the sample curated, training with a
// held-out check, and the look-alikes under the trained model.
TEST_F(CliTest, DemoWalksTheWholeLoopOnTheBuiltInSampleCatalog) {
    RunResult result = run({"--library", library.string(), "demo", "--epochs", "3"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    std::vector<std::string> out = lines(result.out);
    ASSERT_GE(out.size(), 24u) << result.out;
    const fs::path samples = sourceResourcesDir() / "sample-catalog";
    EXPECT_EQ(out[0], "Sample catalog: " + samples.string());
    // The source folder's README.md, LICENSE, regenerate.sh and demo-groups.csv are not photos.
    EXPECT_EQ(out[1], "Imported 200, updated 0, skipped 0 unchanged, 0 duplicates, 0 failed "
                      "(4 other files ignored).");
    EXPECT_EQ(out[2], "Library: " + library.string() + " (200 items)");
    EXPECT_EQ(out[3], "Look-alikes ready: 200 items, model 1 (descriptors)");
    const std::string first = (samples / "ankle-boot" / "ankle-boot-0001.png").string();
    EXPECT_EQ(out[5], "Look-alikes of " + first + ", before any labels:");
    EXPECT_EQ(out[6], "rank    item   score  path");
    EXPECT_EQ(out[13], "Curating half of the sample from " + (samples / "demo-groups.csv").string() + ":");
    EXPECT_EQ(out[14], "Rows: 100, matched: 100, groups created: 10, unmatched: 0.");
    EXPECT_TRUE(contains(result.out, "Trained model 2 (from scratch): ")) << result.out;
    EXPECT_TRUE(contains(result.out, "Learned from 8 curated groups, 100 single photos and 0 not-similar pairs."))
        << result.out;
    EXPECT_TRUE(contains(result.out, "Held-out check (2 groups, 20 photos): Recall@1 ")) << result.out;
    EXPECT_TRUE(contains(result.out, "Look-alikes of " + first + " under the trained model 2:")) << result.out;
    EXPECT_EQ(std::count(out.begin(), out.end(), std::string("rank    item   score  path")), 2);

    RunResult groups = run({"--library", library.string(), "groups", "list"});
    EXPECT_EQ(lines(groups.out).size(), 10u) << groups.out;
    // Running the demo again finds everything in place: nothing new to curate or train.
    RunResult again = run({"--library", library.string(), "demo"});
    EXPECT_EQ(again.exitCode, 0);
    EXPECT_TRUE(contains(again.out, "Imported 0, updated 0, skipped 200 unchanged")) << again.out;
    EXPECT_FALSE(contains(again.out, "Trained model")) << again.out;
}

TEST_F(CliTest, SampleWritesTheRequestedNumberOfPhotos) {
    if (!fs::exists(datasets::defaultFashionMnistDir() / "t10k-images-idx3-ubyte.gz"))
        GTEST_SKIP() << "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)";
    RunResult result = run({"sample", (work / "sample").string(), "--count", "20"});
    EXPECT_EQ(result.exitCode, 0) << result.err;
    EXPECT_EQ(result.out, "Wrote 20 Fashion-MNIST photos to " + (work / "sample").string() + "\n");
    int files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(work / "sample"))
        files += entry.is_regular_file() ? 1 : 0;
    EXPECT_EQ(files, 20);
}

TEST_F(CliTest, EvalFashionMnistRunsAShortRecipeAndRejectsBadOptions) {
    if (!fs::exists(datasets::defaultFashionMnistDir() / "train-images-idx3-ubyte.gz"))
        GTEST_SKIP() << "Fashion-MNIST is not installed (Debian package dataset-fashion-mnist)";
    RunResult result = run({"eval", "fashion-mnist", "--train-limit", "400", "--test-limit", "200", "--epochs", "1",
                            "--erasing", "0.25", "--hard-from", "0.5", "--crop-min", "0.8", "--k", "4", "--seed", "3",
                            "--log-every", "1"});
    ASSERT_EQ(result.exitCode, 0) << result.err;
    // 400 images in batches of 10 x 4: 10 steps, each logged.
    EXPECT_TRUE(contains(result.out, "training_steps: 10\n")) << result.out;
    EXPECT_TRUE(contains(result.err, "step     10/10")) << result.err;
    for (const char* field : {"recall_at_1: ", "recall_at_10: ", "map_at_r: ", "raw_pixel_recall_at_1: "}) {
        const std::size_t at = result.out.find(std::string("\n") + field);
        ASSERT_NE(at, std::string::npos) << field << " missing from\n" << result.out;
        const double value = std::stod(result.out.substr(at + 1 + std::string(field).size()));
        EXPECT_GT(value, 0.0) << field;
        EXPECT_LE(value, 1.0) << field;
    }

    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"eval", "fashion-mnist", "--erasing", "1.5"},
          std::vector<std::string>{"eval", "fashion-mnist", "--hard-from", "-0.1"},
          std::vector<std::string>{"eval", "fashion-mnist", "--crop-min", "0"},
          std::vector<std::string>{"eval", "mnist"}}) {
        RunResult refused = run(bad);
        EXPECT_EQ(refused.exitCode, 2) << bad[2];
        EXPECT_TRUE(contains(refused.err, bad.size() > 2 ? bad[2] : "fashion-mnist")) << refused.err;
        EXPECT_EQ(refused.out, "");
    }
}

TEST_F(CliTest, BenchTimesAGivenArchitectureWithFrozenBlocksAndRejectsBadOptions) {
    // A tiny MobileNetV2 (expanded_conv, block_1, block_2): the first two blocks frozen.
    const std::string architecture = "lookalike-mobilenetv2/1 in_channels=3 input_size=32 cut=block_2 grid=1 embedding_dim=16";
    const fs::path network = work / "network.lkckpt";
    RunResult train = run({"bench", "train", "--architecture", architecture, "--frozen-blocks", "2", "--batch", "8",
                           "--iters", "1", "--threads", "1", "--write-network", network.string()});
    ASSERT_EQ(train.exitCode, 0) << train.err;
    EXPECT_TRUE(contains(train.out, "architecture: " + architecture + "\n")) << train.out;
    EXPECT_TRUE(contains(train.out, "\nfrozen_blocks: 2\n")) << train.out;
    EXPECT_TRUE(contains(train.out, "\nflops_per_image: ")) << train.out;
    ASSERT_FALSE(lines(train.out).empty());
    const std::string last = lines(train.out).back();
    ASSERT_EQ(last.rfind("images_per_second: ", 0), 0u) << train.out;
    EXPECT_GT(std::stod(last.substr(std::string("images_per_second: ").size())), 0.0);
    EXPECT_EQ(fixtures::readText(network).substr(0, 8), "LKNNCKPT");

    RunResult infer = run({"bench", "infer", "--architecture", architecture, "--batch", "8", "--iters", "1",
                           "--threads", "1"});
    ASSERT_EQ(infer.exitCode, 0) << infer.err;
    EXPECT_TRUE(contains(infer.out, "architecture: " + architecture + "\n")) << infer.out;
    EXPECT_FALSE(contains(infer.out, "frozen_blocks")) << infer.out;

    for (const std::vector<std::string>& bad :
         {std::vector<std::string>{"bench", "infer", "--architecture", architecture, "--frozen-blocks", "1"},
          std::vector<std::string>{"bench", "train", "--architecture", architecture, "--size", "64"},
          std::vector<std::string>{"bench", "train", "--architecture", "lookalike-mobilenetv2/1 grid=9"}}) {
        RunResult refused = run(bad);
        EXPECT_EQ(refused.exitCode, 2) << bad[3] << " " << bad.back();
        EXPECT_TRUE(contains(refused.err, "--")) << refused.err;
        EXPECT_EQ(refused.out, "");
    }
    RunResult tooMany = run({"bench", "train", "--architecture", architecture, "--frozen-blocks", "4", "--iters", "1"});
    EXPECT_EQ(tooMany.exitCode, 1);
    EXPECT_TRUE(contains(tooMany.err, "4")) << tooMany.err;
}
