#include "core/services/library_trainer.h"

#include "core/metric/mixed_batch_sampler.h"
#include "core/metric/retrieval_metrics.h"
#include "core/nn/checkpoint.h"
#include "core/nn/pretrained.h"
#include "core/nn/topology.h"
#include "core/services/active_model.h"
#include "core/services/key_values.h"
#include "core/services/library_models.h"
#include "core/services/phase_progress.h"
#include "core/training/embedding_model.h"
#include "core/training/trainer.h"
#include "core/training/whitening.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"
#include "core/util/unix_time.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace lookalike::services {

namespace fs = std::filesystem;
using catalog::ModelKind;
using catalog::ModelRecord;
using catalog::ModelState;

namespace {

constexpr std::size_t kMaxTrainingInstances = 20000;
constexpr double kTrainingViewsTarget = 40000; // views seen by a default run
constexpr int kProjectionDimension = 128;      // output of the descriptors' learned projection
// Partial whitening: 0.5 (full) helped icons as much but cost product photos a third of their
// MAP@R; 0.15 helps both (tests/bench/quality).
constexpr float kWhiteningPower = 0.15f;
constexpr float kCuratedDescriptorWeight = 0.85f;  // trained share with curated groups
// Within-group whitening of the curated groups (training::refineWithGroups).
constexpr float kGroupScatterRegularisation = 0.3f;
constexpr float kGroupWhiteningPower = 0.5f;
// The pretrained backbone (resources/models/README.md), its head fitted as a partial whitening
// of the grid features, fused with the projected descriptors. Chosen with
// tests/bench/quality/bench_backbone_cuts --fusion 1: block_10 to block_12_expand fuse within
// noise of each other, block_10 is the cheapest; power 0.25 keeps MAP@R (0.5 lost half of it).
// 128 px and the 2 x 2 grid: the measurements.
constexpr const char* kBackboneArchitecture =
    "lookalike-mobilenetv2/1 in_channels=3 input_size=128 cut=block_10 grid=2 embedding_dim=256";
constexpr float kBackboneWhiteningPower = 0.25f;
// The descriptors' share. With groups the network trains at 0.5 and the served share is then
// chosen on the held-out groups. Without groups nothing picks it, so it is the share that lost
// least across both quality-bench sets (tests/bench/quality: 0.5 cost the cross-style icons
// 0.048 Recall@1; 0.85 costs them 0.009 and gives product photos +0.006).
constexpr float kBackboneDescriptorWeight = 0.85f;
constexpr float kBackboneFineTuneDescriptorWeight = 0.5f;
constexpr std::size_t kHeadFitPhotos = 4000;       // photos whose grid features fit the head
// Fine-tuning with curated groups: the last blocks and the head train, the rest stays frozen.
// tests/bench/quality: 4 blocks against 2 gave held-out Fashion classes +0.019 MAP@R and the
// icons -0.002 (noise), in the same training time.
constexpr int kFineTunedBlocks = 4;
constexpr float kFineTuneLearningRate = 5e-4f;
constexpr double kFineTuneViewsTarget = 30000;
// The fusion weights chooseDescriptorWeight() tries besides the trained one. 1: the projected
// descriptors alone.
constexpr float kFusionCandidates[] = {0.3f, 0.5f, 0.7f, 0.85f, 0.95f, 1.0f};

// Which curated groups (2 or more photos) teach and which are held out to validate.
struct HeldOutSplit {
    std::int64_t trainingGroups = 0;
    std::size_t heldOutGroups = 0;
    std::vector<ItemId> items;                         // held-out photos
    std::vector<std::int64_t> labels;                  // their group ids
    std::unordered_map<ItemId, std::int64_t> labelOf;  // curated training items -> group id
};

HeldOutSplit splitCuratedGroups(catalog::Catalog& catalog, double heldOutFraction, std::mt19937_64& random) {
    std::vector<catalog::Group> curated;
    for (const catalog::Group& group : catalog.groups())
        if (group.itemCount >= 2)
            curated.push_back(group);
    std::sort(curated.begin(), curated.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    for (std::size_t i = curated.size(); i > 1; --i)
        std::swap(curated[i - 1], curated[random() % i]);
    // Recall needs at least 2 held-out groups to mean anything; with fewer curated groups than
    // that fraction allows, all of them teach and the report has no validation.
    HeldOutSplit split;
    split.heldOutGroups = static_cast<std::size_t>(std::lround(heldOutFraction * static_cast<double>(curated.size())));
    if (split.heldOutGroups < 2)
        split.heldOutGroups = 0;
    for (std::size_t g = 0; g < curated.size(); ++g)
        for (ItemId member : catalog.groupMembers(curated[g].id)) {
            if (g < split.heldOutGroups) {
                split.items.push_back(member);
                split.labels.push_back(curated[g].id);
            } else {
                split.labelOf[member] = curated[g].id;
            }
        }
    split.trainingGroups = static_cast<std::int64_t>(curated.size() - split.heldOutGroups);
    return split;
}

// The photos to train on: the curated ones, then the others (at most kMaxTrainingInstances of
// them). Held-out photos stay out of training altogether, so that their score is a fair check.
std::vector<ItemId> trainingItems(catalog::Catalog& catalog, const HeldOutSplit& split, std::mt19937_64& random) {
    std::vector<ItemId> instances;
    std::vector<ItemId> items;
    const std::unordered_set<ItemId> heldOut(split.items.begin(), split.items.end());
    for (ItemId id : catalog.itemIds())
        if (!heldOut.contains(id))
            (split.labelOf.contains(id) ? items : instances).push_back(id);
    if (instances.size() > kMaxTrainingInstances) {
        for (std::size_t i = instances.size(); i > 1; --i)
            std::swap(instances[i - 1], instances[random() % i]);
        instances.resize(kMaxTrainingInstances);
        std::sort(instances.begin(), instances.end());
    }
    items.insert(items.end(), instances.begin(), instances.end());
    return items;
}

// The descriptors' projection, fitted afresh on every run in closed form (whitening.h):
// whitening over the library's photos, then metric learning from the curated groups.
struct DescriptorProjection {
    std::shared_ptr<nn::LinearEmbedding> projection;
    std::string recipe;  // how it was fitted, for the model's recipe
};

DescriptorProjection fitDescriptorProjection(training::DescriptorModel& descriptors,
                                             const training::LabelledImageSet& data,
                                             const std::vector<std::uint8_t>& isCurated, std::int64_t curatedGroups,
                                             const CancelToken* cancel) {
    DescriptorProjection fitted;
    std::vector<float> samples(data.images.size() * descriptors.dimension());
    descriptors.embed(data.images, samples, {}, cancel);
    fitted.projection =
        std::make_shared<nn::LinearEmbedding>(static_cast<int>(descriptors.dimension()), kProjectionDimension);
    training::initialiseAsWhitening(*fitted.projection, samples, data.images.size(), kWhiteningPower);
    fitted.recipe = "whitening (power " + formatNumber(kWhiteningPower) + ") of " +
                    std::to_string(data.images.size()) + " photos";
    if (curatedGroups > 0) {
        std::vector<float> grouped;
        std::vector<std::int64_t> groupLabels;
        for (std::size_t i = 0; i < data.images.size(); ++i)
            if (isCurated[i]) {
                grouped.insert(grouped.end(), samples.begin() + static_cast<std::ptrdiff_t>(i * descriptors.dimension()),
                               samples.begin() + static_cast<std::ptrdiff_t>((i + 1) * descriptors.dimension()));
                groupLabels.push_back(data.labels[i]);
            }
        // Every curated group has 2 or more members, but some photos may be unreadable.
        if (std::set<std::int64_t>(groupLabels.begin(), groupLabels.end()).size() < groupLabels.size()) {
            training::refineWithGroups(*fitted.projection, grouped, groupLabels, kGroupScatterRegularisation,
                                       kGroupWhiteningPower);
            fitted.recipe += ", then within-group whitening of " + std::to_string(curatedGroups) + " curated groups";
        }
    }
    return fitted;
}

// The backbone in the pretrained file (a converted backbone or a shipped start model, whose
// first part holds the same Keras-named tensors), copied into kBackboneArchitecture. Empty when
// there is no file or it holds no MobileNetV2 backbone (a ResNet checkpoint); throws
// nn::CheckpointError for a damaged file or a backbone that does not fit.
std::shared_ptr<nn::Network> pretrainedBackbone(const fs::path& file, std::uint64_t seed) {
    if (file.empty())
        return {};
    const std::vector<std::uint8_t> bytes = readFileBytes(file, 1ull << 30);
    const std::vector<std::span<const std::byte>> parts = nn::splitTensorFiles(std::as_bytes(std::span(bytes)));
    const nn::TensorFile tensors = nn::parseTensorFile(parts.front());
    if (std::none_of(tensors.tensors.begin(), tensors.tensors.end(),
                     [](const nn::StoredTensor& tensor) { return tensor.name == "Conv1.weight"; }))
        return {};
    auto network = std::make_shared<nn::Network>(nn::NetworkConfig::fromString(kBackboneArchitecture), seed);
    nn::loadPretrainedBackbone(*network, tensors);
    return network;
}

// head.linear = the partial whitening of the grid features of (at most kHeadFitPhotos of) the
// photos, as a LinearEmbedding would compute it: normalize(W (features - mean)).
std::string fitHeadAsWhitening(nn::Network& network, const std::vector<cv::Mat>& photos, int threads,
                               std::mt19937_64& random, const CancelToken* cancel) {
    std::vector<cv::Mat> sample = photos;
    if (sample.size() > kHeadFitPhotos) {
        for (std::size_t i = sample.size(); i > 1; --i)
            std::swap(sample[i - 1], sample[random() % i]);
        sample.resize(kHeadFitPhotos);
    }
    const std::vector<float> features =
        training::pooledFeatures(network, sample, training::EmbedOptions{64, threads, false}, {}, cancel);
    const std::size_t inputs = features.size() / sample.size();
    nn::LinearEmbedding head(static_cast<int>(inputs), network.config().embeddingDim);
    training::initialiseAsWhitening(head, features, sample.size(), kBackboneWhiteningPower);
    const std::vector<nn::Parameter> fitted = head.parameters();
    for (const nn::Parameter& parameter : network.parameters())
        if (parameter.name == "head.linear.weight" || parameter.name == "head.linear.bias") {
            const std::span<const float> source = fitted[parameter.name.ends_with("weight") ? 0 : 1].data;
            std::copy(source.begin(), source.end(), parameter.data.begin());
        }
    return "whitening (power " + formatNumber(kBackboneWhiteningPower) + ") of " + std::to_string(sample.size()) +
           " photos' grid features";
}

}  // namespace

LibraryTrainer::LibraryTrainer(catalog::Catalog& catalog, catalog::ModelStore& store, ActiveModel& active,
                               int threads, std::vector<std::filesystem::path> backboneSources)
    : m_catalog(catalog), m_store(store), m_active(active), m_threads(threads),
      m_backboneSources(std::move(backboneSources)) {}

float LibraryTrainer::chooseDescriptorWeight(training::NetworkModel& model, std::vector<ItemId> items,
                                             const std::vector<std::int64_t>& labelsOfItems, float trained,
                                             const CancelToken* cancel) {
    std::unordered_map<ItemId, std::int64_t> labelOf;
    for (std::size_t i = 0; i < items.size(); ++i)
        labelOf[items[i]] = labelsOfItems[i];
    std::vector<cv::Mat> images = m_active.loadImages(items);
    std::vector<std::int64_t> labels;
    for (ItemId id : items)
        labels.push_back(labelOf[id]);
    if (images.size() < 2)
        return trained;
    std::vector<float> network, branch;
    model.embedParts(images, network, branch, false, {}, cancel);
    float best = trained;
    std::pair<double, double> bestScore{-1.0, -1.0};
    std::vector<float> candidates(std::begin(kFusionCandidates), std::end(kFusionCandidates));
    candidates.insert(candidates.begin(), trained);
    for (float weight : candidates) {
        const std::vector<float> fused = training::fuseParts(network, model.networkDimension(), branch,
                                                             model.branchDimension(), images.size(), weight);
        metric::RetrievalConfig config;
        config.recallAtK = {1};
        metric::RetrievalMetrics metrics =
            metric::evaluateRetrieval({fused, images.size(), fused.size() / images.size()}, labels, config);
        std::pair<double, double> score{metrics.recallAtK.front().recall, metrics.mapAtR};
        if (score > bestScore) {
            bestScore = score;
            best = weight;
        }
    }
    return best;
}

LibraryTrainingReport LibraryTrainer::train(const LibraryTrainingOptions& options, const ProgressCallback& progress,
                                            const CancelToken* cancel) {
    if (options.learningRate && !(*options.learningRate > 0.0f && std::isfinite(*options.learningRate)))
        throw std::invalid_argument("The learning rate must be a positive number.");
    LibraryTrainingReport result;
    reportPhase(progress, "preparing", 0, 0);
    m_active.refresh(phaseProgress(progress, "preparing"), cancel);
    const ModelRecord previous = m_active.model();
    result.previous = previous.id;

    std::mt19937_64 random(options.seed);
    const HeldOutSplit heldOut = splitCuratedGroups(m_catalog, options.heldOutFraction, random);
    result.curatedGroups = heldOut.trainingGroups;
    if (heldOut.heldOutGroups > 0)
        result.before = scoreStoredVectors(m_store, previous, heldOut.items, heldOut.labels);

    // The training set: curated items under their group, the others each their own label
    // (negative ids cannot clash with group ids).
    std::vector<ItemId> items = trainingItems(m_catalog, heldOut, random);
    // The pretrained backbone when chosen, or when the active model uses it (a library that
    // served a network trained from scratch moves to it in a new model version; models use
    // switches back).
    const bool useBackbone = !options.fromScratch && options.useBackbone.value_or(
                                                         catalog::isPretrainedBackbone(catalog::modelBackbone(previous)));
    std::shared_ptr<nn::Network> backbone;
    fs::path backboneFile;
    std::string withoutBackbone;  // checkpoints that hold none (a ResNet start model)
    for (const fs::path& source : useBackbone ? m_backboneSources : std::vector<fs::path>{}) {
        if (source.empty())
            continue;
        if ((backbone = pretrainedBackbone(source, options.seed))) {
            backboneFile = source;
            break;
        }
        withoutBackbone += (withoutBackbone.empty() ? "" : ", ") + source.string();
    }
    if (useBackbone && !backbone)
        throw LibraryError(
            "Training on the pretrained network needs its backbone, and " +
            (withoutBackbone.empty() ? std::string("none is installed")
                                     : "no MobileNetV2 backbone is in " + withoutBackbone) +
            " (resources/models/mobilenetv2-nsfwjs-block13.lkckpt; LOOKALIKE_BACKBONE).");
    const int inputSize = backbone ? backbone->config().inputSize : options.inputSize;
    reportPhase(progress, "loading photos", 0, static_cast<std::int64_t>(items.size()));
    training::LabelledImageSet data;
    data.images = m_active.loadImages(items, inputSize * 4 / 3);
    std::vector<std::uint8_t> isCurated;
    std::unordered_map<ItemId, std::size_t> indexOf;
    for (std::size_t i = 0; i < items.size(); ++i) {
        auto found = heldOut.labelOf.find(items[i]);
        data.labels.push_back(found != heldOut.labelOf.end() ? found->second : -items[i]);
        isCurated.push_back(found != heldOut.labelOf.end() ? 1 : 0);
        indexOf[items[i]] = i;
    }
    result.instances = static_cast<std::int64_t>(std::count(isCurated.begin(), isCurated.end(), 0));
    std::vector<std::pair<std::size_t, std::size_t>> pairs;
    for (const auto& [a, b] : m_catalog.notSimilarPairs())
        if (indexOf.contains(a) && indexOf.contains(b))
            pairs.emplace_back(indexOf[a], indexOf[b]);
    result.notSimilarPairs = static_cast<std::int64_t>(pairs.size());
    if (data.images.size() < 2)
        throw LibraryError("Training needs at least 2 photos in the library.");
    checkCancel(cancel);

    // The starting network: the active model's when it was trained (a share below 1), to
    // fine-tune, or a fresh one.
    float previousWeight = 1.0f;
    StoredNetwork stored;
    if (!backbone && !options.fromScratch && previous.kind == ModelKind::Network) {
        previousWeight =
            static_cast<training::NetworkModel&>(*makeEmbedder(m_store, previous, m_threads)).options().descriptorWeight;
        stored = readStoredNetwork(m_store.weights(previous.id));
    }
    const bool fineTune = stored.network && previousWeight < 1.0f;
    std::shared_ptr<nn::Network> network;
    std::string headRecipe;
    int fineTunedBlocks = 0;  // of the backbone
    if (backbone) {
        network = backbone;
        reportPhase(progress, "fitting the pretrained network", 0, 0);
        headRecipe = fitHeadAsWhitening(*network, data.images, m_threads, random, cancel);
        const nn::Topology topology = nn::buildTopology(network->config());
        const int blocks = static_cast<int>(topology.invertedBlocks.size());
        fineTunedBlocks = std::clamp(options.fineTunedBlocks.value_or(kFineTunedBlocks), 0, blocks);
        network->setFrozenBlocks(blocks - fineTunedBlocks);
    } else if (fineTune) {
        network = std::move(stored.network);
    } else {
        nn::NetworkConfig architecture = nn::NetworkConfig::forInput(3, options.inputSize);
        architecture.width = options.width;
        network = std::make_shared<nn::Network>(architecture, options.seed);
    }
    float descriptorWeight = result.curatedGroups > 0 ? kCuratedDescriptorWeight : 1.0f;
    if (fineTune)
        descriptorWeight = previousWeight;
    if (backbone)
        descriptorWeight = result.curatedGroups > 0 ? kBackboneFineTuneDescriptorWeight : kBackboneDescriptorWeight;
    if (options.descriptorWeight)
        descriptorWeight = std::clamp(*options.descriptorWeight, 0.0f, 1.0f);
    training::DescriptorModel descriptors;
    DescriptorProjection fitted;
    if (descriptorWeight > 0.0f) {
        reportPhase(progress, "preparing", 0, 0);
        fitted = fitDescriptorProjection(descriptors, data, isCurated, result.curatedGroups, cancel);
    }
    const std::shared_ptr<nn::LinearEmbedding>& projection = fitted.projection;
    checkCancel(cancel);

    training::TrainingConfig config;
    config.loss = {metric::TripletMining::BatchAll, 0.2f, false};
    config.labelsPerBatch = 16;
    config.samplesPerLabel = 4;
    const double viewsTarget = backbone ? kFineTuneViewsTarget : kTrainingViewsTarget;
    config.epochs = options.epochs > 0.0 ? options.epochs
                                         : std::clamp(viewsTarget / static_cast<double>(data.images.size()), 1.0, 30.0);
    config.learningRate = options.learningRate ? *options.learningRate
                          : backbone           ? kFineTuneLearningRate
                          : fineTune           ? 1e-3f
                                               : 3e-3f;
    config.threads = m_threads;
    config.seed = options.seed;
    if (descriptorWeight > 0.0f) {
        config.fixedFeatures.dimension = descriptors.dimension();
        config.fixedFeatures.weight = descriptorWeight;
        config.fixedFeatures.compute = [&descriptors](const cv::Mat& view, std::span<float> out) {
            descriptors.descriptor().compute(view, out);
        };
        config.fixedFeatures.projection = projection.get();
        config.fixedFeatures.projectionLearningRateScale = 0.0f;  // fitted above; the network learns around it
    }
    metric::MixedSamplerConfig samplerConfig;
    samplerConfig.labelsPerBatch = config.labelsPerBatch;
    samplerConfig.samplesPerLabel = config.samplesPerLabel;
    samplerConfig.seed = options.seed;
    metric::MixedBatchSampler sampler(data.labels, isCurated, pairs, samplerConfig);
    const std::int64_t steps = training::trainingSteps(config, data.images.size(), sampler.batchSize());
    // With the whole share on the projected descriptors there is no network to train: the
    // model is the projection fitted above.
    // The pretrained network learns only from curated groups: without them its fitted head is
    // the model (tests/bench/quality: fine-tuning on augmented views alone did not help).
    const bool runSteps = descriptorWeight < 1.0f && (!backbone || result.curatedGroups > 0);
    training::TrainingResult trained;
    if (runSteps)
        trained = training::train(
            *network, data, config, sampler,
            [&](const training::StepLog& step) {
                reportPhase(progress, "training", step.step + 1, steps);
                if (options.onStep)
                    options.onStep({step.step + 1, steps, step.stats.loss, step.stats.activeFraction,
                                    step.stats.meanPositiveDistance, step.stats.meanNegativeDistance});
            },
            cancel);
    data.images.clear();
    if (trained.cancelled)
        throw Cancelled();
    result.steps = trained.steps;
    result.trainingSeconds = trained.seconds;

    KeyValues recipe{{"embedder", projection ? "network+projected-hog-colour" : "network+hog-colour"},
                     {"architecture", network->config().toString()},
                     {"descriptor_weight", formatNumber(descriptorWeight)},
                     {"mirror_average", "1"},
                     {"start", backbone ? "pretrained backbone from " + backboneFile.filename().string()
                               : fineTune ? "fine-tune of model " + std::to_string(previous.id)
                                          : "from scratch"},
                     {"loss", "triplet batch-all margin 0.2"},
                     {"batch", "16x4 mixed (groups, instances, not-similar pairs)"},
                     {"epochs", formatNumber(config.epochs)},
                     {"steps", std::to_string(trained.steps)},
                     {"learning_rate", formatNumber(config.learningRate)},
                     {"seed", std::to_string(options.seed)},
                     {"curated_groups", std::to_string(result.curatedGroups)},
                     {"held_out_groups", std::to_string(heldOut.heldOutGroups)},
                     {"instances", std::to_string(result.instances)},
                     {"not_similar_pairs", std::to_string(result.notSimilarPairs)}};
    if (descriptorWeight >= 1.0f) {
        for (const char* key : {"loss", "batch", "epochs", "steps", "learning_rate", "architecture"})
            recipe.erase(key);
        recipe["network"] = "not trained: the descriptors' projection alone serves";
    } else if (backbone) {
        recipe["backbone"] = "MobileNetV2 (ImageNet, nsfwjs@4.4.0) to " + network->config().cut;
        recipe["head"] = headRecipe;
        if (runSteps) {
            recipe["fine_tuned"] = "the last " + std::to_string(fineTunedBlocks) + " blocks and the head (" +
                                   std::to_string(network->frozenBlocks()) + " blocks frozen)";
        } else {
            for (const char* key : {"loss", "batch", "epochs", "steps", "learning_rate"})
                recipe.erase(key);
            recipe["fine_tuned"] = "no: no curated groups";
        }
    }
    if (projection)
        recipe["descriptor_projection"] = std::to_string(projection->inputDim()) + " -> " +
                                          std::to_string(projection->outputDim()) + ": " + fitted.recipe;
    training::NetworkModel probe(network, training::NetworkModelOptions{descriptorWeight, true, m_threads, 64, projection});
    if (heldOut.heldOutGroups > 0) {
        // How much the served vector leans on the descriptors is chosen on the held-out groups:
        // the network earns its share only as far as it helps there.
        const float chosen = chooseDescriptorWeight(probe, heldOut.items, heldOut.labels, descriptorWeight, cancel);
        probe.releaseWorkspace();
        recipe["descriptor_weight"] = formatNumber(chosen);
        recipe["descriptor_weight_chosen"] = "on the held-out groups (trained at " + formatNumber(descriptorWeight) + ")";
        descriptorWeight = chosen;
    }
    const std::vector<std::uint8_t> weights = storedNetworkBytes(*network, projection.get());
    const int dimension = static_cast<int>(
        training::NetworkModel(network, {descriptorWeight, true, m_threads, 64, projection}).dimension());
    const ModelId id =
        m_store.createModel(ModelKind::Network, previous.id, dimension, formatKeyValues(recipe), weights, unixNow());
    result.model = id;
    result.network = catalog::modelBackbone(*m_store.model(id));
    KeyValues metrics{{"training_seconds", formatNumber(trained.seconds)}};
    if (result.before) {
        metrics["held_out_recall_at_1_before"] = formatNumber(result.before->recallAt1);
        metrics["held_out_map_at_r_before"] = formatNumber(result.before->mapAtR);
    }
    try {
        if (trained.collapse) {
            result.collapse = trained.collapse.message;
            metrics["collapsed"] = result.collapse;
            m_store.setMetrics(id, formatKeyValues(metrics));
            m_store.setState(id, ModelState::Failed);
            return result;
        }
        const ModelRecord model = requireModel(m_store, id);
        auto [prepared, why] = m_active.prepare(model, progress, cancel);
        (void)why;
        if (heldOut.heldOutGroups > 0) {
            result.after = scoreStoredVectors(m_store, model, heldOut.items, heldOut.labels);
            metrics["held_out_recall_at_1"] = formatNumber(result.after->recallAt1);
            metrics["held_out_map_at_r"] = formatNumber(result.after->mapAtR);
        }
        // Retraining must not make look-alikes worse: a model that scores below the previous
        // one on the held-out groups is kept, ready, but not switched to.
        const bool better = !result.before || !result.after ||
                            std::make_pair(result.after->recallAt1, result.after->mapAtR) >=
                                std::make_pair(result.before->recallAt1, result.before->mapAtR);
        if (!better)
            metrics["not_activated"] = "held-out scores fell below model " + std::to_string(previous.id);
        // The switch: one transaction. Until it commits, the previous model stays active.
        catalog::Transaction transaction(m_catalog.writer());
        m_store.setMetrics(id, formatKeyValues(metrics));
        m_store.setState(id, ModelState::Ready);
        if (better)
            m_store.setActiveModel(id);
        transaction.commit();
        if (better)
            m_active.serve(std::move(prepared));
        result.activated = better;
    } catch (...) {
        // Leave nothing half-built behind; the previous model was never touched.
        try {
            catalog::Transaction transaction(m_catalog.writer());
            m_store.deleteEmbeddings(id);
            m_store.deleteIndexRecord(id);
            m_store.setState(id, ModelState::Failed);
            transaction.commit();
            std::error_code ignored;
            fs::remove(m_active.indexPath(requireModel(m_store, id)), ignored);
        } catch (...) {
        }
        throw;
    }
    return result;
}

}  // namespace lookalike::services
