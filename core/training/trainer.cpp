#include "core/training/trainer.h"

#include "core/imaging/preprocessing.h"
#include "core/metric/pk_batch_sampler.h"
#include "core/nn/inferencenetwork.h"
#include "core/nn/learningrateschedule.h"
#include "core/nn/optimizer.h"
#include "core/training/image_tensor.h"
#include "core/util/scope_exit.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <optional>
#include <stdexcept>

namespace lookalike::training {

namespace {

// A per-sample seed that depends only on (seed, step, slot), so augmentation is the same
// whatever the thread count or the order in which slots are filled.
std::uint64_t sampleSeed(std::uint64_t seed, std::int64_t step, std::size_t slot) {
    std::uint64_t x = seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(step) * 0xBF58476D1CE4E5B9ull +
                      slot * 0x94D049BB133111EBull;
    x ^= x >> 31;
    x *= 0xD6E8FEB86659FD93ull;
    x ^= x >> 32;
    return x;
}

// src [C, size, size] -> dst [C, size, size] mirrored left-right.
void mirrorTensor(const float* source, int channels, int size, float* destination) {
    for (int c = 0; c < channels; ++c)
        for (int y = 0; y < size; ++y) {
            const float* in = source + (static_cast<std::size_t>(c) * size + y) * size;
            float* out = destination + (static_cast<std::size_t>(c) * size + y) * size;
            for (int x = 0; x < size; ++x)
                out[x] = in[size - 1 - x];
        }
}

}  // namespace

std::int64_t trainingSteps(const TrainingConfig& config, std::size_t imageCount, std::size_t batchSize) {
    double batch = static_cast<double>(batchSize ? batchSize : config.labelsPerBatch * config.samplesPerLabel);
    return std::max<std::int64_t>(1, std::llround(config.epochs * static_cast<double>(imageCount) / batch));
}

TrainingResult train(nn::Network& network, const LabelledImageSet& data, const TrainingConfig& config,
                     const std::function<void(const StepLog&)>& onStep, const CancelToken* cancel) {
    if (data.images.size() != data.labels.size())
        throw std::invalid_argument("train: every image needs a label");
    metric::PkSamplerConfig samplerConfig;
    samplerConfig.labelsPerBatch = config.labelsPerBatch;
    samplerConfig.samplesPerLabel = config.samplesPerLabel;
    samplerConfig.shrinkLabelsPerBatch = true;
    samplerConfig.seed = config.seed;
    metric::PkBatchSampler sampler(data.labels, samplerConfig);
    return train(network, data, config, sampler, onStep, cancel);
}

TrainingResult train(nn::Network& network, const LabelledImageSet& data, const TrainingConfig& config,
                     metric::BatchSampler& sampler, const std::function<void(const StepLog&)>& onStep,
                     const CancelToken* cancel) {
    const FixedFeatures& fixed = config.fixedFeatures;
    // The training batch's buffers are of no use once training ends, however it ends.
    const ScopeExit releasePlans{[&network] { network.releasePlans(); }};
    if (fixed.dimension > 0 && (!fixed.compute || !(fixed.weight >= 0.0f && fixed.weight <= 1.0f)))
        throw std::invalid_argument("train: fixed features need a compute function and a weight in [0, 1]");
    if (fixed.projection && fixed.projection->inputDim() != static_cast<int>(fixed.dimension))
        throw std::invalid_argument("train: the projection's input must have the features' dimension");
    const bool trainsProjection = fixed.projection && fixed.projectionLearningRateScale > 0.0f;
    if (fixed.dimension > 0 && fixed.weight == 1.0f && !trainsProjection)
        throw std::invalid_argument("train: with the whole weight on fixed features there is nothing to train");
    // Checked here because nothing may throw inside the parallel loops below.
    for (const cv::Mat& image : data.images)
        if (image.empty() || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
            throw std::invalid_argument("train: every image must be a non-empty 8-bit gray or colour image");
    const nn::NetworkConfig& architecture = network.config();
    const int channels = architecture.inChannels;
    const int size = architecture.inputSize;
    const std::size_t imageValues = static_cast<std::size_t>(channels) * size * size;

    const int batchSize = static_cast<int>(sampler.batchSize());
    const std::size_t embeddingDim = static_cast<std::size_t>(architecture.embeddingDim);
    // The features' part of the fused vector: the features, or their projection.
    const std::size_t branchDim =
        fixed.projection ? static_cast<std::size_t>(fixed.projection->outputDim()) : fixed.dimension;
    const std::size_t fusedDim = embeddingDim + branchDim;
    const float networkScale = std::sqrt(1.0f - fixed.weight);
    const float featureScale = std::sqrt(fixed.weight);
    const bool trainsNetwork = fixed.dimension == 0 || fixed.weight < 1.0f;

    if (!(config.laterMiningFrom >= 0.0 && config.laterMiningFrom <= 1.0))
        throw std::invalid_argument("train: laterMiningFrom must be in [0, 1]");
    metric::TripletLoss firstLoss(config.loss);
    metric::TripletLoss laterLoss({config.laterMining, config.loss.margin, config.loss.softMargin});
    metric::CollapseDetector collapseDetector(config.loss, config.collapse);
    network.setThreadCount(config.threads);
    nn::AdamW optimizer(network.trainableParameters(), {.weightDecay = config.weightDecay});
    std::optional<nn::AdamW> projectionOptimizer;
    if (fixed.projection)
        fixed.projection->setThreadCount(config.threads);
    if (trainsProjection) {
        projectionOptimizer.emplace(fixed.projection->parameters(), nn::AdamWOptions{.weightDecay = config.weightDecay});
    }
    const std::int64_t totalSteps = trainingSteps(config, data.images.size(), sampler.batchSize());
    const auto warmup = static_cast<std::int64_t>(config.warmupFraction * static_cast<double>(totalSteps));
    nn::LearningRateSchedule schedule(config.learningRate, warmup, totalSteps, config.finalLearningRate);
    const auto laterMiningStep = config.laterMiningFrom >= 1.0
                                     ? totalSteps
                                     : static_cast<std::int64_t>(config.laterMiningFrom * static_cast<double>(totalSteps));

    std::optional<imaging::Augmentation> augmentation;
    if (config.augment) {
        imaging::AugmentationConfig augmentationConfig = config.augmentation;
        augmentationConfig.outputSize = size;
        augmentation.emplace(augmentationConfig);
    }

    std::vector<float> images(static_cast<std::size_t>(batchSize) * imageValues);
    std::vector<float> gradient(static_cast<std::size_t>(batchSize) * embeddingDim);
    std::vector<float> features(static_cast<std::size_t>(batchSize) * fixed.dimension);
    std::vector<float> fused(fixed.dimension ? static_cast<std::size_t>(batchSize) * fusedDim : 0);
    std::vector<float> fusedGradient(fused.size());
    std::vector<float> branchGradient(static_cast<std::size_t>(batchSize) * branchDim);
    TrainingResult result;
    result.log.reserve(static_cast<std::size_t>(totalSteps));
    const auto start = std::chrono::steady_clock::now();

    for (std::int64_t step = 0; step < totalSteps; ++step) {
        if (cancel && cancel->isCancelled()) {
            result.cancelled = true;
            break;
        }
        metric::PkBatch batch = sampler.nextBatch();
#pragma omp parallel for num_threads(config.threads) schedule(dynamic)
        for (int slot = 0; slot < batchSize; ++slot) {
            const cv::Mat& source = data.images[batch.indices[static_cast<std::size_t>(slot)]];
            std::span<float> out(images.data() + static_cast<std::size_t>(slot) * imageValues, imageValues);
            // Pad first, so an augmented view is a crop of exactly what embedding sees.
            const cv::Mat view = augmentation ? augmentation->apply(imaging::padToSquareOnWhite(source),
                                                                    sampleSeed(config.seed, step, static_cast<std::size_t>(slot)))
                                              : source;
            if (trainsNetwork)
                imageToTensor(view, channels, size, out);
            if (fixed.dimension)
                fixed.compute(view, std::span<float>(features).subspan(static_cast<std::size_t>(slot) * fixed.dimension,
                                                                       fixed.dimension));
        }
        std::span<const float> embeddings;
        if (trainsNetwork)
            embeddings = network.forward(images, batchSize, true);
        metric::TripletLoss& loss = step < laterMiningStep ? firstLoss : laterLoss;
        StepLog entry;
        entry.step = step;
        entry.totalSteps = totalSteps;
        entry.learningRate = schedule.at(step);
        if (fixed.dimension) {
            // Loss on [a * e, b * f]; de = a * d(fused)[:, :D], df = b * d(fused)[:, D:].
            std::span<const float> branch =
                fixed.projection ? fixed.projection->forward(features, batchSize, trainsProjection)
                                 : std::span<const float>(features);
            for (std::size_t row = 0; row < static_cast<std::size_t>(batchSize); ++row) {
                float* fusedRow = fused.data() + row * fusedDim;
                for (std::size_t d = 0; d < embeddingDim; ++d)
                    fusedRow[d] = trainsNetwork ? networkScale * embeddings[row * embeddingDim + d] : 0.0f;
                for (std::size_t d = 0; d < branchDim; ++d)
                    fusedRow[embeddingDim + d] = featureScale * branch[row * branchDim + d];
            }
            metric::EmbeddingsView view{fused, static_cast<std::size_t>(batchSize), fusedDim};
            entry.stats = loss.compute(view, batch.labels, fusedGradient);
            for (std::size_t row = 0; row < static_cast<std::size_t>(batchSize); ++row) {
                const float* fusedRow = fusedGradient.data() + row * fusedDim;
                for (std::size_t d = 0; d < embeddingDim; ++d)
                    gradient[row * embeddingDim + d] = networkScale * fusedRow[d];
                for (std::size_t d = 0; d < branchDim; ++d)
                    branchGradient[row * branchDim + d] = featureScale * fusedRow[embeddingDim + d];
            }
            if (trainsProjection) {
                fixed.projection->backward(branchGradient);
                projectionOptimizer->step(entry.learningRate * fixed.projectionLearningRateScale);
            }
        } else {
            metric::EmbeddingsView view{embeddings, static_cast<std::size_t>(batchSize), embeddingDim};
            entry.stats = loss.compute(view, batch.labels, gradient);
        }
        if (trainsNetwork) {
            network.backward(gradient);
            optimizer.step(entry.learningRate);
        }
        entry.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        result.log.push_back(entry);
        result.steps = step + 1;
        if (onStep)
            onStep(entry);
        if (metric::CollapseReport report = collapseDetector.update(entry.stats)) {
            result.collapse = report;
            if (config.stopOnCollapse)
                break;
        }
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
}

namespace {

// embedImages (pooled = false) and pooledFeatures (true): the same batches, views and progress.
std::vector<float> runInferenceNetwork(nn::InferenceNetwork& embedder, const std::vector<cv::Mat>& images,
                                       const EmbedOptions& options, const ProgressCallback& progress,
                                       const CancelToken* cancel, bool pooled) {
    const nn::NetworkConfig& architecture = embedder.config();
    const int channels = architecture.inChannels;
    const int size = architecture.inputSize;
    const int batch = std::max(1, options.batch);
    const std::size_t imageValues = static_cast<std::size_t>(channels) * size * size;
    const int views = options.averageWithMirror ? 2 : 1;
    const std::size_t dimension = pooled ? static_cast<std::size_t>(embedder.pooledFeatureCount())
                                         : static_cast<std::size_t>(architecture.embeddingDim);

    std::vector<float> embeddings(images.size() * dimension);
    // Both views of a batch go through the network together: [views * count, C, H, W].
    std::vector<float> tensor(static_cast<std::size_t>(views * batch) * imageValues);
    Progress status;
    status.total = static_cast<std::int64_t>(images.size());
    for (std::size_t first = 0; first < images.size(); first += static_cast<std::size_t>(batch)) {
        if (cancel && cancel->isCancelled())
            throw Cancelled();
        const int count = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(batch), images.size() - first));
#pragma omp parallel for num_threads(options.threads)
        for (int i = 0; i < count; ++i) {
            float* slot = tensor.data() + static_cast<std::size_t>(i) * imageValues;
            imageToTensor(images[first + static_cast<std::size_t>(i)], channels, size, {slot, imageValues});
            if (views == 2)
                mirrorTensor(slot, channels, size, tensor.data() + static_cast<std::size_t>(count + i) * imageValues);
        }
        const std::span<const float> batchImages{tensor.data(), static_cast<std::size_t>(views * count) * imageValues};
        std::span<const float> out = pooled ? embedder.pooledFeatures(batchImages, views * count)
                                            : embedder.embed(batchImages, views * count);
        for (int i = 0; i < count; ++i) {
            float* row = embeddings.data() + (first + static_cast<std::size_t>(i)) * dimension;
            const float* plain = out.data() + static_cast<std::size_t>(i) * dimension;
            std::copy(plain, plain + dimension, row);
            if (views == 2) {
                const float* mirrored = out.data() + static_cast<std::size_t>(count + i) * dimension;
                double norm = 0.0;
                for (std::size_t d = 0; d < dimension; ++d) {
                    row[d] += mirrored[d];
                    norm += static_cast<double>(row[d]) * row[d];
                }
                // Embeddings: the normalised mean of both; features: their mean.
                const float scale = pooled ? 0.5f : norm > 0.0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
                for (std::size_t d = 0; d < dimension; ++d)
                    row[d] *= scale;
            }
        }
        status.done = static_cast<std::int64_t>(first) + count;
        if (progress)
            progress(status);
    }
    return embeddings;
}

}  // namespace

std::vector<float> embedImages(const nn::Network& network, const std::vector<cv::Mat>& images,
                               const EmbedOptions& options, const ProgressCallback& progress,
                               const CancelToken* cancel) {
    nn::InferenceNetwork embedder(network, options.threads);
    return runInferenceNetwork(embedder, images, options, progress, cancel, false);
}

std::vector<float> embedImages(nn::InferenceNetwork& embedder, const std::vector<cv::Mat>& images,
                               const EmbedOptions& options, const ProgressCallback& progress,
                               const CancelToken* cancel) {
    return runInferenceNetwork(embedder, images, options, progress, cancel, false);
}

std::vector<float> pooledFeatures(const nn::Network& network, const std::vector<cv::Mat>& images,
                                  const EmbedOptions& options, const ProgressCallback& progress,
                                  const CancelToken* cancel) {
    nn::InferenceNetwork embedder(network, options.threads);
    return runInferenceNetwork(embedder, images, options, progress, cancel, true);
}

}  // namespace lookalike::training
