#pragma once
// Trains an embedding network with triplet loss on labelled images:
// P x K batches -> augmentation -> forward -> mined triplet loss -> backward -> AdamW.
//
// Labels are group ids: images with the same label should embed close together. For
// self-supervised training give every image its own label; the sampler then repeats it K times
// and augmentation turns the copies into different views.

#include "core/imaging/augmentation.h"
#include "core/metric/collapse_detector.h"
#include "core/metric/pk_batch_sampler.h"
#include "core/metric/triplet_loss.h"
#include "core/nn/inferencenetwork.h"
#include "core/nn/linearembedding.h"
#include "core/nn/network.h"
#include "core/util/progress.h"

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

namespace lookalike::training {

struct LabelledImageSet {
    std::vector<cv::Mat> images;        // CV_8UC1 or CV_8UC3, any size
    std::vector<std::int64_t> labels;   // [images.size()]
};

// Features computed outside the network (e.g. HOG + colour descriptors) that the final
// embedding is fused with. Training then optimises the fused vector
// [sqrt(1 - weight) * network(x), sqrt(weight) * f(x)], which has unit norm when both parts
// do, so the network learns what the features miss instead of relearning them. f is the
// features themselves, or their projection when one is given.
struct FixedFeatures {
    std::size_t dimension = 0;  // of compute's output; 0: no fusion
    float weight = 0.0f;        // in [0, 1]; 1: the network gets no share and is not trained
    // view (the augmented image the network sees) -> out [dimension], unit norm unless a
    // projection follows. Called from several threads at once; must not throw.
    std::function<void(const cv::Mat& view, std::span<float> out)> compute;
    // Optional: f = projection(features), trained together with the network by the same loss
    // (its own AdamW at learningRate * projectionLearningRateScale; 0: kept fixed).
    // inputDim() == dimension.
    nn::LinearEmbedding* projection = nullptr;
    float projectionLearningRateScale = 1.0f;
};

struct TrainingConfig {
    metric::TripletLossConfig loss{metric::TripletMining::BatchAll, 0.2f, false};
    // Optional second phase: from this fraction of the steps on, triplets are mined with
    // laterMining (same margin and loss), e.g. batch-hard after a batch-all warm-up, which
    // avoids batch-hard's collapse from scratch. 1: one phase.
    double laterMiningFrom = 1.0;
    metric::TripletMining laterMining = metric::TripletMining::BatchHard;
    std::size_t labelsPerBatch = 16;   // P
    std::size_t samplesPerLabel = 4;   // K
    double epochs = 1.0;               // passes over the images (steps = epochs * N / (P * K))
    float learningRate = 2e-3f;
    float finalLearningRate = 1e-5f;
    float weightDecay = 5e-4f;
    double warmupFraction = 0.05;      // of all steps
    bool augment = true;
    imaging::AugmentationConfig augmentation;
    metric::CollapseDetectorConfig collapse;
    bool stopOnCollapse = true;
    int threads = 2;
    std::uint64_t seed = 1;
    FixedFeatures fixedFeatures;
};

struct StepLog {
    std::int64_t step = 0;        // 0-based
    std::int64_t totalSteps = 0;
    float learningRate = 0.0f;
    metric::TripletStats stats;
    double seconds = 0.0;         // since training started
};

struct TrainingResult {
    std::int64_t steps = 0;       // steps run
    double seconds = 0.0;
    bool cancelled = false;
    metric::CollapseReport collapse;  // set when training collapsed
    std::vector<StepLog> log;         // one entry per step
};

// Number of steps a config runs on a data set of `imageCount` images, with batches of
// `batchSize` (by default P x K of the config).
std::int64_t trainingSteps(const TrainingConfig& config, std::size_t imageCount, std::size_t batchSize = 0);

// Trains `network` in place. onStep (optional) is called after every step. Throws
// std::invalid_argument for bad data (mismatched labels, fewer than 2 labels); a set cancel
// token ends training after the current step with result.cancelled.
TrainingResult train(nn::Network& network, const LabelledImageSet& data,
                     const TrainingConfig& config,
                     const std::function<void(const StepLog&)>& onStep = {},
                     const CancelToken* cancel = nullptr);
// The same with batches from `batches` (its indices refer to data.images) instead of a P x K
// sampler over data.labels.
TrainingResult train(nn::Network& network, const LabelledImageSet& data, const TrainingConfig& config,
                     metric::BatchSampler& batches, const std::function<void(const StepLog&)>& onStep = {},
                     const CancelToken* cancel = nullptr);

struct EmbedOptions {
    int batch = 64;
    int threads = 2;
    // Also embed the mirror image and use the normalised mean of both: a product photographed
    // facing left or right is the same product, and the average is steadier than one view.
    bool averageWithMirror = false;
};

// Embeds every image with the fused inference network, in batches; returns [N, D], rows of
// unit norm. progress reports images done; a set cancel token throws Cancelled.
std::vector<float> embedImages(const nn::Network& network, const std::vector<cv::Mat>& images,
                               const EmbedOptions& options = {},
                               const ProgressCallback& progress = {},
                               const CancelToken* cancel = nullptr);
// The same through an inference network built before (its oneDNN plans are kept between calls).
std::vector<float> embedImages(nn::InferenceNetwork& embedder, const std::vector<cv::Mat>& images,
                               const EmbedOptions& options = {}, const ProgressCallback& progress = {},
                               const CancelToken* cancel = nullptr);

// What the network's head reads (nn::InferenceNetwork::pooledFeatures), for fitting the head in
// closed form: [N, F], not normalised; with averageWithMirror the mean of both views. Progress
// and cancel as embedImages.
std::vector<float> pooledFeatures(const nn::Network& network, const std::vector<cv::Mat>& images,
                                  const EmbedOptions& options = {}, const ProgressCallback& progress = {},
                                  const CancelToken* cancel = nullptr);

}  // namespace lookalike::training
