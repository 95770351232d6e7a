// End-to-end, slow: trains a network model on a small library through lookalike-cli, then
// switches models back and forth.

#include "tests/cli/cli_runner.h"
#include "tests/cli/output_parsers.h"
#include "tests/cli/shape_library.h"
#include "tests/support/temp_dir.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sstream>

using namespace lookalike;
using fixtures::contains;
using fixtures::lines;
using fixtures::RunResult;
namespace fs = std::filesystem;

namespace {

class TrainCliTest : public ::testing::Test {
protected:
    RunResult run(std::vector<std::string> args) {
        args.insert(args.begin(), {"--library", library.string()});
        return fixtures::runCli(args, home.path(), work.path());
    }

    // The model list's rows as (active marker, id, kind, backbone, state).
    std::vector<std::vector<std::string>> models() {
        RunResult result = run({"models", "list"});
        EXPECT_EQ(result.exitCode, 0) << result.err;
        std::vector<std::vector<std::string>> rows;
        std::vector<std::string> out = lines(result.out);
        for (std::size_t i = 1; i < out.size(); ++i) {
            std::istringstream fields(out[i].substr(1));
            std::string id, kind, backbone, state;
            fields >> id >> kind >> backbone >> state;
            rows.push_back({out[i].substr(0, 1), id, kind, backbone, state});
        }
        return rows;
    }

    fixtures::TempDir home;
    fixtures::TempDir work;
    fs::path photos = work / "photos";
    fs::path library = work / "library";
};

TEST_F(TrainCliTest, TrainAddsAnActiveNetworkModelAndModelsUseSwitchesBack) {
    fixtures::writeShapeLibraryPhotos(photos);
    ASSERT_EQ(run({"import", photos.string()}).exitCode, 0);
    ASSERT_EQ(run({"groups", "create", "Reds", (photos / "red" / "red-1.png").string(),
                   (photos / "red" / "red-2.png").string()})
                  .exitCode,
              0);

    RunResult trained = run({"train", "--epochs", "1", "--from-scratch"});
    ASSERT_EQ(trained.exitCode, 0) << trained.out << trained.err;
    std::vector<std::string> out = lines(trained.out);
    ASSERT_GE(out.size(), 4u) << trained.out;
    EXPECT_TRUE(out[0].starts_with("Trained model 2 (from scratch): ")) << out[0];
    EXPECT_EQ(out[1], "Learned from 1 curated group, 18 single photos and 0 not-similar pairs.");
    EXPECT_EQ(out.back(), "Model 2 is now active (model 1 is kept; 'lookalike-cli models use 1' switches back).");

    std::vector<std::vector<std::string>> rows = models();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0], (std::vector<std::string>{" ", "1", "descriptors", "none", "ready"}));
    EXPECT_EQ(rows[1], (std::vector<std::string>{"*", "2", "network", "resnet", "ready"}));

    RunResult withNetwork = run({"similar", (photos / "red" / "red-1.png").string(), "--k", "5", "--format", "csv"});
    ASSERT_EQ(withNetwork.exitCode, 0) << withNetwork.err;
    EXPECT_EQ(fixtures::parseCsv(withNetwork.out).size(), 6u);

    // Its weights can be exported and shipped: a fresh library then starts from them.
    const fs::path exported = work / "shipped.lkckpt";
    RunResult exportRun = run({"models", "export", "2", exported.string()});
    ASSERT_EQ(exportRun.exitCode, 0) << exportRun.err;
    EXPECT_TRUE(fs::file_size(exported) > 1000);
    EXPECT_NE(run({"models", "export", "1", (work / "none.lkckpt").string()}).exitCode, 0);
    EXPECT_FALSE(fs::exists(work / "none.lkckpt"));
    RunResult fresh = fixtures::runCli({"--library", (work / "fresh").string(), "import", photos.string()}, home.path(),
                                       work.path(), std::chrono::milliseconds(0), exported.string());
    ASSERT_EQ(fresh.exitCode, 0) << fresh.err;
    EXPECT_TRUE(contains(fresh.out, "Look-alikes ready: 20 items, model 2 (network)")) << fresh.out;

    RunResult back = run({"models", "use", "1"});
    ASSERT_EQ(back.exitCode, 0) << back.err;
    EXPECT_EQ(back.out, "Look-alikes ready: 20 items, model 1 (descriptors)\n");
    rows = models();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0][0], "*");
    EXPECT_EQ(rows[1][0], " ");

    // Search still works with the descriptors: red circles first.
    RunResult similar = run({"similar", (photos / "red" / "red-1.png").string(), "--k", "4", "--format", "csv"});
    ASSERT_EQ(similar.exitCode, 0) << similar.err;
    std::vector<std::vector<std::string>> records = fixtures::parseCsv(similar.out);
    ASSERT_EQ(records.size(), 5u) << similar.out;
    for (std::size_t i = 1; i < records.size(); ++i)
        EXPECT_EQ(fixtures::productKindOf(records[i][3], photos), "red") << records[i][3];

    // Ctrl+C in the middle of a long training run: exit 130, nothing switched, no model added.
    RunResult interrupted = fixtures::runCli({"--library", library.string(), "train", "--epochs", "500"}, home.path(),
                                             work.path(), std::chrono::milliseconds(3000));
    EXPECT_FALSE(interrupted.killedBySignal) << "Ctrl+C must stop training cleanly";
    EXPECT_EQ(interrupted.exitCode, 130) << interrupted.out << interrupted.err;
    EXPECT_EQ(interrupted.err, "Training interrupted: nothing was switched; model 1 stays active.\n");
    rows = models();
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0][0], "*");
}

// The opt-in: --network pretrained fits the shipped MobileNetV2 backbone (found in the source
// tree, as an installed program finds its own) to the library; models list names it, and
// later runs stay on it.
TEST_F(TrainCliTest, TrainOnThePretrainedNetworkAndModelsListNamesIt) {
    fixtures::writeShapeLibraryPhotos(photos);
    ASSERT_EQ(run({"import", photos.string()}).exitCode, 0);
    RunResult bogus = run({"train", "--network", "vgg"});
    EXPECT_EQ(bogus.exitCode, 2);
    EXPECT_TRUE(contains(bogus.err, "--network must be pretrained")) << bogus.err;
    EXPECT_EQ(run({"train", "--network", "pretrained", "--from-scratch"}).exitCode, 2);

    RunResult trained = run({"train", "--network", "pretrained"});
    ASSERT_EQ(trained.exitCode, 0) << trained.out << trained.err;
    EXPECT_TRUE(lines(trained.out)[0].starts_with("Trained model 2: the pretrained network and the descriptors fitted"))
        << trained.out;
    ASSERT_EQ(run({"groups", "create", "Reds", (photos / "red" / "red-1.png").string(),
                   (photos / "red" / "red-2.png").string()})
                  .exitCode,
              0);
    RunResult tuned = run({"train", "--epochs", "1"});
    ASSERT_EQ(tuned.exitCode, 0) << tuned.out << tuned.err;
    EXPECT_TRUE(lines(tuned.out)[0].starts_with("Trained model 3 (pretrained backbone from mobilenetv2-nsfwjs-block13.lkckpt): "))
        << tuned.out;
    std::vector<std::vector<std::string>> rows = models();
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[1], (std::vector<std::string>{" ", "2", "network", "mobilenetv2:block_10", "ready"}));
    EXPECT_EQ(rows[2], (std::vector<std::string>{"*", "3", "network", "mobilenetv2:block_10", "ready"}));
}

}  // namespace
