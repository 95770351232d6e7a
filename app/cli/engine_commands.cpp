#include "app/cli/engine_commands.h"

#include "app/cli/commands.h"
#include "core/datasets/fashion_mnist.h"
#include "core/nn/checkpoint.h"
#include "core/training/engine_bench.h"
#include "core/training/fashion_mnist_eval.h"

#include <cstdio>
#include <iomanip>
#include <ostream>
#include <stdexcept>

namespace lookalike::cli {

namespace {

metric::TripletMining parseMining(const Arguments& args, metric::TripletMining fallback) {
    std::optional<std::string> mining = args.option("mining");
    if (!mining)
        return fallback;
    if (*mining == "batch-all")
        return metric::TripletMining::BatchAll;
    if (*mining == "batch-hard")
        return metric::TripletMining::BatchHard;
    if (*mining == "semi-hard")
        return metric::TripletMining::SemiHard;
    throw UsageError("--mining expects batch-all, batch-hard or semi-hard, not '" + *mining + "'");
}

void printStep(const training::StepLog& step, std::ostream& err) {
    char line[200];
    std::snprintf(line, sizeof line,
                  "step %6lld/%lld  loss %.4f  active %5.1f%%  d+ %.3f  d- %.3f  lr %.5f  %6.0f s\n",
                  static_cast<long long>(step.step + 1), static_cast<long long>(step.totalSteps),
                  step.stats.loss, 100.0 * step.stats.activeFraction, step.stats.meanPositiveDistance,
                  step.stats.meanNegativeDistance, step.learningRate, step.seconds);
    err << line << std::flush;
}

double recallAt(const metric::RetrievalMetrics& metrics, std::size_t k) {
    for (const metric::RecallAtK& recall : metrics.recallAtK)
        if (recall.k == k)
            return recall.recall;
    return 0.0;
}

}  // namespace

int evalCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (args.positional.size() != 1 || args.positional[0] != "fashion-mnist")
        throw UsageError("eval needs the data set name: eval fashion-mnist");
    training::FashionMnistEvalConfig config = training::defaultFashionMnistEvalConfig();
    config.training.epochs = args.intOption("epochs", static_cast<int>(config.training.epochs), 1, 1000);
    config.inputSize = args.intOption("size", config.inputSize, 16, 256);
    config.width = args.intOption("width", config.width, 4, 256);
    config.training.threads = args.intOption("threads", config.training.threads, 1, 256);
    config.trainLimit = args.intOption("train-limit", -1, 100, 60000);
    config.testLimit = args.intOption("test-limit", -1, 100, 10000);
    config.training.loss.mining = parseMining(args, config.training.loss.mining);
    config.training.loss.margin =
        static_cast<float>(args.doubleOption("margin", config.training.loss.margin, 0.0, 2.0));
    if (std::optional<std::string> loss = args.option("loss")) {
        if (*loss != "hinge" && *loss != "soft")
            throw UsageError("--loss expects hinge or soft, not '" + *loss + "'");
        config.training.loss.softMargin = *loss == "soft";
    }
    config.training.learningRate =
        static_cast<float>(args.doubleOption("lr", config.training.learningRate, 1e-6, 1.0));
    imaging::AugmentationConfig& augmentation = config.training.augmentation;
    augmentation.cropScaleMin =
        static_cast<float>(args.doubleOption("crop-min", augmentation.cropScaleMin, 0.05, 1.0));
    augmentation.colorJitterProbability =
        static_cast<float>(args.doubleOption("jitter", augmentation.colorJitterProbability, 0.0, 1.0));
    augmentation.erasingProbability =
        static_cast<float>(args.doubleOption("erasing", augmentation.erasingProbability, 0.0, 1.0));
    config.training.samplesPerLabel = static_cast<std::size_t>(
        args.intOption("k", static_cast<int>(config.training.samplesPerLabel), 2, 1000));
    config.training.laterMiningFrom = args.doubleOption("hard-from", config.training.laterMiningFrom, 0.0, 1.0);
    config.training.weightDecay =
        static_cast<float>(args.doubleOption("weight-decay", config.training.weightDecay, 0.0, 1.0));
    config.training.seed = static_cast<std::uint64_t>(args.intOption("seed", 1, 0, 1'000'000));
    int logEvery = args.intOption("log-every", 50, 1, 1'000'000);

    out << "Fashion-MNIST from " << datasets::defaultFashionMnistDir().string() << "\n" << std::flush;
    auto onStep = [&](const training::StepLog& step) {
        if ((step.step + 1) % logEvery == 0 || step.step + 1 == step.totalSteps)
            printStep(step, err);
    };
    training::FashionMnistEvalResult result =
        training::evaluateFashionMnist(datasets::defaultFashionMnistDir(), config, onStep, nullptr);

    out << std::fixed << std::setprecision(4);
    out << "architecture: " << result.architecture << "\n"
        << "flops_per_image: " << result.flopsPerImage << "\n"
        << "training_steps: " << result.training.steps << "\n";
    if (result.training.collapse)
        out << "collapse: " << result.training.collapse.message << "\n";
    out << "recall_at_1: " << recallAt(result.learned, 1) << "\n"
        << "recall_at_10: " << recallAt(result.learned, 10) << "\n"
        << "map_at_r: " << result.learned.mapAtR << "\n"
        << "single_view_recall_at_1: " << recallAt(result.learnedSingleView, 1) << "\n"
        << "single_view_map_at_r: " << result.learnedSingleView.mapAtR << "\n"
        << "raw_pixel_recall_at_1: " << recallAt(result.rawPixels, 1) << "\n"
        << "raw_pixel_map_at_r: " << result.rawPixels.mapAtR << "\n"
        << std::setprecision(1) << "training_seconds: " << result.trainSeconds << "\n"
        << "embedding_seconds: " << result.embedSeconds << "\n";
    return result.training.collapse ? Failure : Success;
}

int benchCommand(const Arguments& args, std::ostream& out, std::ostream&) {
    if (args.positional.size() != 1 || (args.positional[0] != "train" && args.positional[0] != "infer"))
        throw UsageError("bench needs what to time: bench train or bench infer");
    bool isTraining = args.positional[0] == "train";
    training::EngineBenchConfig config;
    if (std::optional<std::string> architecture = args.option("architecture")) {
        if (args.option("size") || args.option("width"))
            throw UsageError("--architecture already gives the input size and width; drop --size and --width");
        try {
            config.network = nn::NetworkConfig::fromString(*architecture);
        } catch (const std::invalid_argument& error) {
            throw UsageError(std::string("--architecture: ") + error.what());
        }
    } else {
        int size = args.intOption("size", 96, 16, 512);
        config.network = nn::NetworkConfig::forInput(3, size);
        config.network.width = args.intOption("width", config.network.width, 4, 256);
    }
    if (args.option("frozen-blocks") && !isTraining)
        throw UsageError("--frozen-blocks is for bench train (inference has nothing to freeze)");
    config.frozenBlocks = args.intOption("frozen-blocks", 0, 0, 1000);
    config.batch = args.intOption("batch", 64, 2, 4096);
    config.threads = args.intOption("threads", 2, 1, 256);
    config.iterations = args.intOption("iters", 20, 1, 100000);
    config.mining = parseMining(args, config.mining);
    if (std::optional<std::string> path = args.option("write-network")) {
        // The weights the bench times, for a peer (tests/bench/train/compare_pytorch.py).
        nn::Network network = training::benchNetwork(config);
        nn::saveCheckpoint(*path, network);
    }

    training::EngineBenchResult result =
        isTraining ? training::benchTrainingStep(config) : training::benchInference(config);
    out << "architecture: " << config.network.toString() << "\n"
        << "flops_per_image: " << nn::flopsPerImage(config.network) << "\n";
    if (isTraining)
        out << "frozen_blocks: " << config.frozenBlocks << "\n";
    out << "batch: " << config.batch << "\nthreads: " << config.threads << "\n"
        << std::fixed << std::setprecision(2) << "median_step_ms: " << result.medianSeconds * 1000 << "\n"
        << "sgemm_gflops: " << training::measureSgemmGflops(config.threads) << "\n"
        << "images_per_second: " << result.imagesPerSecond << "\n";
    return Success;
}

}  // namespace lookalike::cli
