// The training loop on small self-made data: it must learn, be deterministic for a seed, and
// stop when cancelled.

#include "core/metric/retrieval_metrics.h"
#include "core/training/trainer.h"
#include "core/training/whitening.h"

#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <atomic>
#include <cmath>
#include <random>

using namespace lookalike;

namespace {

// Four shape classes (filled circle, square, horizontal bar, vertical bar) drawn at random
// positions and sizes on white: a task the network can only solve by learning shapes.
training::LabelledImageSet shapes(int perClass, std::uint64_t seed) {
    training::LabelledImageSet set;
    std::mt19937 random(static_cast<unsigned>(seed));
    std::uniform_int_distribution<int> centre(10, 22), radius(4, 7), shade(0, 90);
    for (int i = 0; i < perClass; ++i) {
        for (int label = 0; label < 4; ++label) {
            cv::Mat image(32, 32, CV_8UC1, cv::Scalar(255));
            cv::Point c(centre(random), centre(random));
            int r = radius(random);
            cv::Scalar ink(shade(random));
            switch (label) {
            case 0: cv::circle(image, c, r, ink, cv::FILLED); break;
            case 1: cv::rectangle(image, c - cv::Point(r, r), c + cv::Point(r, r), ink, cv::FILLED); break;
            case 2: cv::rectangle(image, c - cv::Point(r + 4, 2), c + cv::Point(r + 4, 2), ink, cv::FILLED); break;
            default: cv::rectangle(image, c - cv::Point(2, r + 4), c + cv::Point(2, r + 4), ink, cv::FILLED); break;
            }
            set.images.push_back(image);
            set.labels.push_back(label);
        }
    }
    return set;
}

nn::NetworkConfig smallNetwork() {
    nn::NetworkConfig config = nn::NetworkConfig::forInput(1, 32);
    config.width = 8;
    config.blocksPerStage = {1, 1};
    config.embeddingDim = 16;
    return config;
}

training::TrainingConfig quickConfig() {
    training::TrainingConfig config;
    config.labelsPerBatch = 4;
    config.samplesPerLabel = 8;
    config.epochs = 6;
    config.learningRate = 3e-3f;
    config.threads = 2;
    config.seed = 3;
    config.augment = false;
    return config;
}

double recallAt1(const nn::Network& network, const training::LabelledImageSet& set) {
    std::vector<float> embeddings = training::embedImages(network, set.images, {.batch = 32});
    metric::RetrievalConfig retrieval;
    retrieval.recallAtK = {1};
    auto metrics = metric::evaluateRetrieval(
        {embeddings, set.images.size(), static_cast<std::size_t>(network.config().embeddingDim)}, set.labels,
        retrieval);
    return metrics.recallAtK.front().recall;
}

}  // namespace

TEST(Trainer, LearnsToSeparateShapesItHasNotSeen) {
    training::LabelledImageSet train = shapes(64, 1);
    training::LabelledImageSet test = shapes(32, 2);
    nn::Network network(smallNetwork(), 5);
    double before = recallAt1(network, test);

    training::TrainingResult result = training::train(network, train, quickConfig());
    double after = recallAt1(network, test);

    ASSERT_EQ(result.steps, training::trainingSteps(quickConfig(), train.images.size()));
    ASSERT_EQ(result.log.size(), static_cast<std::size_t>(result.steps));
    EXPECT_FALSE(result.collapse);
    // The loss of the last steps is below that of the first ones.
    auto meanLoss = [&](std::size_t from, std::size_t to) {
        double sum = 0;
        for (std::size_t i = from; i < to; ++i)
            sum += result.log[i].stats.loss;
        return sum / static_cast<double>(to - from);
    };
    std::size_t n = result.log.size();
    EXPECT_LT(meanLoss(n - 5, n), 0.7 * meanLoss(0, 5));
    EXPECT_GT(after, 0.95) << "before training: " << before;
    EXPECT_GT(after, before + 0.1);
}

TEST(Trainer, SameSeedSameResultWithAugmentation) {
    training::LabelledImageSet train = shapes(16, 1);
    training::TrainingConfig config = quickConfig();
    config.epochs = 1;
    config.augment = true;
    nn::Network first(smallNetwork(), 5);
    nn::Network second(smallNetwork(), 5);
    training::train(first, train, config);
    training::train(second, train, config);
    std::vector<float> a = training::embedImages(first, train.images, {.batch = 16});
    std::vector<float> b = training::embedImages(second, train.images, {.batch = 16});
    ASSERT_EQ(a, b);
}

TEST(Trainer, LaterMiningTakesOverAtItsFractionOfTheSteps) {
    training::LabelledImageSet train = shapes(16, 1);  // 64 images, batches of 4 x 8
    training::TrainingConfig config = quickConfig();
    config.epochs = 4;  // 8 steps
    nn::Network oneMode(smallNetwork(), 5);
    training::TrainingResult batchAll = training::train(oneMode, train, config);
    config.laterMiningFrom = 0.5;
    config.laterMining = metric::TripletMining::BatchHard;
    nn::Network twoModes(smallNetwork(), 5);
    training::TrainingResult switched = training::train(twoModes, train, config);

    ASSERT_EQ(batchAll.steps, 8);
    ASSERT_EQ(switched.steps, 8);
    for (std::size_t step = 0; step < 8; ++step) {
        const metric::TripletStats& before = batchAll.log[step].stats;
        const metric::TripletStats& after = switched.log[step].stats;
        EXPECT_EQ(before.tripletCount, 32u * 7u * 24u) << "batch-all: every (a, p, n) of 4 x 8";
        if (step < 4) {
            EXPECT_EQ(after.tripletCount, before.tripletCount) << step;
            EXPECT_EQ(after.loss, before.loss) << step;  // same seed, same steps: identical
        } else {
            EXPECT_EQ(after.tripletCount, 32u) << "batch-hard: one triplet per anchor, step " << step;
        }
    }

    config.laterMiningFrom = 1.5;
    EXPECT_THROW(training::train(twoModes, train, config), std::invalid_argument);
}

TEST(Trainer, CancelStopsAfterTheCurrentStep) {
    training::LabelledImageSet train = shapes(16, 1);
    nn::Network network(smallNetwork(), 5);
    CancelToken cancel;
    training::TrainingResult result = training::train(
        network, train, quickConfig(),
        [&](const training::StepLog& step) {
            if (step.step == 2)
                cancel.cancel();
        },
        &cancel);
    EXPECT_TRUE(result.cancelled);
    EXPECT_EQ(result.steps, 3);
}

TEST(Trainer, RejectsMismatchedLabelsAndBadImages) {
    training::LabelledImageSet set = shapes(4, 1);
    set.labels.pop_back();
    nn::Network network(smallNetwork(), 5);
    EXPECT_THROW(training::train(network, set, quickConfig()), std::invalid_argument);
    set = shapes(4, 1);
    set.images[3] = cv::Mat(32, 32, CV_32FC1);
    EXPECT_THROW(training::train(network, set, quickConfig()), std::invalid_argument);
}

TEST(Trainer, EmbedReportsProgressAndHonoursCancel) {
    training::LabelledImageSet set = shapes(10, 1);
    nn::Network network(smallNetwork(), 5);
    std::vector<std::int64_t> done;
    auto embeddings = training::embedImages(network, set.images, {.batch = 16},
                                            [&](const Progress& p) { done.push_back(p.done); });
    EXPECT_EQ(embeddings.size(), set.images.size() * 16);
    EXPECT_EQ(done, (std::vector<std::int64_t>{16, 32, 40}));
    CancelToken cancel;
    cancel.cancel();
    EXPECT_THROW(training::embedImages(network, set.images, {.batch = 16}, {}, &cancel), Cancelled);
}

TEST(Trainer, MirrorAveragedEmbeddingIsTheNormalisedMeanOfBothViews) {
    training::LabelledImageSet set = shapes(3, 1);
    nn::Network network(smallNetwork(), 5);
    std::vector<cv::Mat> mirrored;
    for (const cv::Mat& image : set.images) {
        cv::Mat flipped;
        cv::flip(image, flipped, 1);
        mirrored.push_back(flipped);
    }
    auto plain = training::embedImages(network, set.images, {.batch = 5});
    auto flipped = training::embedImages(network, mirrored, {.batch = 5});
    auto averaged = training::embedImages(network, set.images, {.batch = 5, .averageWithMirror = true});
    const std::size_t dimension = 16;
    ASSERT_EQ(averaged.size(), plain.size());
    for (std::size_t row = 0; row < set.images.size(); ++row) {
        double norm = 0;
        std::vector<double> mean(dimension);
        for (std::size_t d = 0; d < dimension; ++d) {
            mean[d] = plain[row * dimension + d] + flipped[row * dimension + d];
            norm += mean[d] * mean[d];
        }
        for (std::size_t d = 0; d < dimension; ++d)
            EXPECT_NEAR(averaged[row * dimension + d], mean[d] / std::sqrt(norm), 1e-4);
    }
}

namespace {

// Fixed features fused into the trained vector: computed once per view of every step, and the
// loss then sees them, so features that already separate the labels leave less to learn.
TEST(Trainer, FixedFeaturesAreComputedForEveryViewAndShareTheLoss) {
    training::LabelledImageSet train = shapes(16, 1);
    training::TrainingConfig config = quickConfig();
    config.epochs = 1;
    std::atomic<int> calls{0};
    config.fixedFeatures.dimension = 4;
    config.fixedFeatures.weight = 0.5f;
    config.fixedFeatures.compute = [&](const cv::Mat& view, std::span<float> out) {
        ++calls;
        std::fill(out.begin(), out.end(), 0.0f);
        out[static_cast<std::size_t>(cv::mean(view)[0]) % 4] = 1.0f;  // unit norm
    };
    nn::Network network(smallNetwork(), 3);
    training::TrainingResult result = training::train(network, train, config);
    ASSERT_GT(result.steps, 0);
    EXPECT_EQ(calls.load(), result.steps * static_cast<int>(config.labelsPerBatch * config.samplesPerLabel));
    for (const training::StepLog& step : result.log)
        EXPECT_TRUE(std::isfinite(step.stats.loss));

    config.fixedFeatures.weight = 1.0f;
    EXPECT_THROW(training::train(network, train, config), std::invalid_argument);
    config.fixedFeatures.weight = 0.5f;
    config.fixedFeatures.compute = nullptr;
    EXPECT_THROW(training::train(network, train, config), std::invalid_argument);
}

}  // namespace

namespace {

// Features that hide the shape under a nuisance: 8 x 8 area-averaged ink of the view (64
// values), then 64 values of noise (sd 0.5) seeded by the view's pixels, so each photo has
// its own "style" that dominates the plain cosine. A projection can learn to drop the noise.
constexpr int kShapeFeatures = 64;
constexpr int kPixelFeatures = 2 * kShapeFeatures;
void pixelFeatures(const cv::Mat& view, std::span<float> out) {
    cv::Mat small;
    cv::resize(view, small, cv::Size(8, 8), 0, 0, cv::INTER_AREA);
    std::uint32_t hash = 2166136261u;
    for (int y = 0; y < view.rows; ++y)
        for (int x = 0; x < view.cols; ++x)
            hash = (hash ^ view.at<std::uint8_t>(y, x)) * 16777619u;
    std::mt19937 random(hash);
    std::normal_distribution<float> noise(0.0f, 0.5f);
    for (int i = 0; i < kShapeFeatures; ++i) {
        out[static_cast<std::size_t>(i)] = (255.0f - small.at<std::uint8_t>(i / 8, i % 8)) / 255.0f;
        out[static_cast<std::size_t>(kShapeFeatures + i)] = noise(random);
    }
}

double projectedRecallAt1(nn::LinearEmbedding& projection, const training::LabelledImageSet& set) {
    std::vector<float> features(set.images.size() * kPixelFeatures);
    for (std::size_t i = 0; i < set.images.size(); ++i)
        pixelFeatures(set.images[i], {features.data() + i * kPixelFeatures, kPixelFeatures});
    std::span<const float> projected = projection.forward(features, static_cast<int>(set.images.size()), false);
    std::vector<float> vectors(projected.begin(), projected.end());
    metric::RetrievalConfig retrieval;
    retrieval.recallAtK = {1};
    return metric::evaluateRetrieval({vectors, set.images.size(), static_cast<std::size_t>(projection.outputDim())},
                                     set.labels, retrieval)
        .recallAtK.front()
        .recall;
}

// With the whole weight on the projected features the network is left alone and only the
// projection learns, from the same triplet loss: from a random start, it learns to drop the
// noise, and retrieves shapes it has not seen better.
TEST(Trainer, AProjectionOfTheFeaturesLearnsFromTheLossAndTheNetworkCanBeLeftAlone) {
    training::LabelledImageSet train = shapes(64, 1);
    training::LabelledImageSet test = shapes(32, 2);
    // A random start: 16 random mixtures of pixels and noise.
    nn::LinearEmbedding projection(kPixelFeatures, 16);
    {
        std::mt19937 random(4);
        std::normal_distribution<float> normal(0.0f, 0.125f);
        const std::vector<nn::Parameter> parameters = projection.parameters();
        for (float& weight : parameters[0].data)
            weight = normal(random);
    }
    const double before = projectedRecallAt1(projection, test);
    training::TrainingConfig config = quickConfig();
    config.epochs = 40;  // cheap: the network is not run
    config.fixedFeatures.dimension = kPixelFeatures;
    config.fixedFeatures.weight = 1.0f;
    config.fixedFeatures.compute = pixelFeatures;
    config.fixedFeatures.projection = &projection;
    nn::Network network(smallNetwork(), 3);
    std::vector<float> untouched;
    for (const nn::Parameter& parameter : network.parameters())
        untouched.insert(untouched.end(), parameter.data.begin(), parameter.data.end());

    training::TrainingResult result = training::train(network, train, config);
    const double after = projectedRecallAt1(projection, test);
    EXPECT_GT(after, before + 0.2) << "before " << before << ", after " << after;
    std::vector<float> now;
    for (const nn::Parameter& parameter : network.parameters())
        now.insert(now.end(), parameter.data.begin(), parameter.data.end());
    EXPECT_EQ(now, untouched);
    EXPECT_GT(result.steps, 0);

    // A projection that does not take the features is refused.
    nn::LinearEmbedding wrong(kPixelFeatures + 1, 16);
    config.fixedFeatures.projection = &wrong;
    EXPECT_THROW(training::train(network, train, config), std::invalid_argument);
}

}  // namespace
