// A short real training run on Fashion-MNIST: the learned embedding must retrieve the right
// class well above raw pixels measured the same way, in the same test.

#include "core/datasets/fashion_mnist.h"
#include "core/training/fashion_mnist_eval.h"

#include <gtest/gtest.h>

#include <filesystem>

using namespace lookalike;

TEST(FashionMnistEval, ShortTrainingBeatsRawPixels) {
    if (!std::filesystem::exists(datasets::defaultFashionMnistDir()))
        GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
    training::FashionMnistEvalConfig config = training::defaultFashionMnistEvalConfig();
    config.trainLimit = 12000;
    config.testLimit = 2000;
    config.training.epochs = 2;
    training::FashionMnistEvalResult result =
        training::evaluateFashionMnist(datasets::defaultFashionMnistDir(), config);
    ASSERT_FALSE(result.training.collapse) << result.training.collapse.message;
    double learned = result.learned.recallAtK.front().recall;
    double pixels = result.rawPixels.recallAtK.front().recall;
    RecordProperty("recall_at_1", std::to_string(learned));
    RecordProperty("raw_pixel_recall_at_1", std::to_string(pixels));
    EXPECT_GT(pixels, 0.6);  // the baseline itself is sane
    EXPECT_GT(learned, pixels + 0.03) << "learned " << learned << " vs raw pixels " << pixels;
}
