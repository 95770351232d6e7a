#pragma once
// `lookalike-cli eval fashion-mnist`: trains on the 60,000 Fashion-MNIST training images with
// triplet loss and measures leave-one-out retrieval on the 10,000 test images, next to the
// raw-pixel baseline computed the same way.

#include "core/metric/retrieval_metrics.h"
#include "core/training/trainer.h"

#include <filesystem>

namespace lookalike::training {

struct FashionMnistEvalConfig {
    TrainingConfig training;
    int inputSize = 28;
    int width = 32;
    int trainLimit = -1;  // use only the first N training images (tests); -1 = all
    int testLimit = -1;
    bool averageWithMirror = true;  // test-time: average each photo with its mirror image
};

// The recipe `eval fashion-mnist` uses by default.
FashionMnistEvalConfig defaultFashionMnistEvalConfig();

struct FashionMnistEvalResult {
    metric::RetrievalMetrics learned;            // as configured (averageWithMirror)
    metric::RetrievalMetrics learnedSingleView;  // one view per photo, for comparison
    metric::RetrievalMetrics rawPixels;
    TrainingResult training;
    double trainSeconds = 0.0;
    double embedSeconds = 0.0;
    std::string architecture;
    std::int64_t flopsPerImage = 0;
};

FashionMnistEvalResult evaluateFashionMnist(const std::filesystem::path& dataDir,
                                            const FashionMnistEvalConfig& config,
                                            const std::function<void(const StepLog&)>& onStep = {},
                                            const CancelToken* cancel = nullptr);

}  // namespace lookalike::training
