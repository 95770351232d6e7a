#include "core/nn/inferencenetwork.h"

#include "core/nn/layers/batchnorm.h"
#include "core/nn/layers/convolution.h"
#include "core/nn/layers/l2normalize.h"
#include "core/nn/layers/linear.h"
#include "core/nn/layers/pooling.h"
#include "core/nn/network.h"
#include "core/nn/parameterstore.h"
#include "core/nn/threadscope.h"
#include "core/nn/topology.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>

namespace lookalike::nn {

namespace {

using namespace layers;

constexpr std::size_t kMaxCachedPlans = 4;
// A batch runs through plans of at most max(kSubBatchPerThread * threads, kMinSubBatch) images:
// a few images' activations stay in the caches and a plan's buffers stay small. bench infer,
// 2 threads, 2026-12-03, against one plan of 128: MobileNetV2 (block_10, 128 px) +18 % at 4
// images (2: +23 %, 8: +7 %), the ResNet (96 px) +10 % at 4 (8: +13 %, 2: -1 %).
constexpr int kSubBatchPerThread = 2;
constexpr int kMinSubBatch = 4;

// Folded parameters of one conv + BN: "<name>.weight" [O, I / groups, K, K], "<name>.bias" [O].
void registerFolded(ParameterStore& store, const ConvBnSpec& spec)
{
    store.addParameter(spec.name + ".weight", spec.weightShape(), false);
    store.addParameter(spec.name + ".bias", {spec.outChannels}, false);
}

void fold(ParameterStore& folded, ParameterStore& trained, const ConvBnSpec& spec)
{
    const float epsilon = spec.epsilon;
    const std::string bn = spec.bnName() + ".";
    const float* gamma = trained.value(bn + "weight");
    const float* beta = trained.value(bn + "bias");
    const float* mean = trained.state(bn + "running_mean");
    const float* variance = trained.state(bn + "running_var");
    const float* weights = trained.value(spec.name + ".weight");
    float* foldedWeights = folded.value(spec.name + ".weight");
    float* foldedBias = folded.value(spec.name + ".bias");
    const std::size_t perOutput = static_cast<std::size_t>(spec.inChannels / spec.groups) * spec.kernel * spec.kernel;
    for (int o = 0; o < spec.outChannels; ++o) {
        const float scale = gamma[o] / std::sqrt(variance[o] + epsilon);
        for (std::size_t i = 0; i < perOutput; ++i)
            foldedWeights[o * perOutput + i] = weights[o * perOutput + i] * scale;
        foldedBias[o] = beta[o] - mean[o] * scale;
    }
}

ConvolutionParameters foldedParameters(ParameterStore& store, const ConvBnSpec& spec)
{
    return {store.value(spec.name + ".weight"), nullptr, store.value(spec.name + ".bias"), nullptr};
}

// relu(conv2'(relu(conv1'(x))) + shortcut'(x)) with BN folded: the add and the final ReLU are
// post-ops of conv2, accumulating onto the shortcut's output (or x itself) in place.
// src [N, I, H, W] -> dst [N, O, H / stride, W / stride]
class FusedResidualBlock {
public:
    FusedResidualBlock(Context& context, const ResidualBlockSpec& spec, const memory& src, ParameterStore& store)
        : m_conv1(context, shapeOf(spec.conv1), src, foldedParameters(store, spec.conv1),
                  Mode::Inference, ConvolutionFusion{.relu = true}, true)
    {
        const memory* addend = &src;
        if (spec.shortcut) {
            m_shortcut.emplace(context, shapeOf(*spec.shortcut), src, foldedParameters(store, *spec.shortcut),
                               Mode::Inference, ConvolutionFusion{}, true);
            addend = &m_shortcut->dst();
        }
        m_conv2.emplace(context, shapeOf(spec.conv2), m_conv1.dst(), foldedParameters(store, spec.conv2),
                        Mode::Inference, ConvolutionFusion{.relu = true, .addend = addend}, true);
    }

    void forward()
    {
        m_conv1.forward();
        if (m_shortcut)
            m_shortcut->forward();
        m_conv2->forward();
    }
    const memory& dst() const { return m_conv2->dst(); }

private:
    Convolution m_conv1;
    std::optional<Convolution> m_shortcut;
    std::optional<Convolution> m_conv2;
};

ConvolutionFusion fusionOf(Activation activation, const memory* addend = nullptr)
{
    if (activation == Activation::None)
        return {.addend = addend};
    return {.relu = true, .reluUpperBound = activation == Activation::Relu6 ? std::optional<float>(6.f) : std::nullopt,
            .addend = addend};
}

// MobileNetV2's block with BN folded: each unit one convolution with ReLU6 fused; the
// residual add is a sum post-op of the projection, accumulating onto src in place.
// src [N, I, H, W] -> dst [N, O, H / stride, W / stride]
class FusedInvertedResidualBlock {
public:
    FusedInvertedResidualBlock(Context& context, const InvertedResidualSpec& spec, const memory& src,
                               ParameterStore& store)
    {
        const memory* current = &src;
        for (const std::optional<ConvBnSpec>* unit : {&spec.expand, &spec.depthwise, &spec.project}) {
            if (!*unit)
                continue;
            const bool last = unit == &spec.project;
            m_units.push_back(std::make_unique<Convolution>(
                context, shapeOf(**unit), *current, foldedParameters(store, **unit), Mode::Inference,
                fusionOf((*unit)->activation, last && spec.residual ? &src : nullptr), true));
            current = &m_units.back()->dst();
        }
    }

    void forward()
    {
        for (auto& unit : m_units)
            unit->forward();
    }
    const memory& dst() const { return m_units.back()->dst(); }

private:
    std::vector<std::unique_ptr<Convolution>> m_units;
};

}  // namespace

// images [N, C, H, W] -> embeddings [N, D] for one batch size.
class InferencePlan {
public:
    InferencePlan(const Topology& topology, ParameterStore& store, const NetworkConfig& config, int batch)
        : m_images(plainDesc({batch, config.inChannels, config.inputSize, config.inputSize}), m_context.engine(),
                   DNNL_MEMORY_NONE),
          m_stem(m_context, shapeOf(topology.stem), m_images, foldedParameters(store, topology.stem),
                 Mode::Inference, fusionOf(topology.stem.activation), true),
          m_normalize(batch, topology.embeddingDim),
          m_embeddings(static_cast<std::size_t>(batch) * topology.embeddingDim)
    {
        const memory* current = &m_stem.dst();
        if (topology.stemPool) {
            m_stemPool.emplace(m_context, PoolingShape{PoolingKind::Max, 3, 2, 1}, *current, Mode::Inference);
            current = &m_stemPool->dst();
        }
        for (const ResidualBlockSpec& spec : topology.blocks) {
            m_blocks.push_back(std::make_unique<FusedResidualBlock>(m_context, spec, *current, store));
            current = &m_blocks.back()->dst();
        }
        for (const InvertedResidualSpec& spec : topology.invertedBlocks) {
            m_invertedBlocks.push_back(std::make_unique<FusedInvertedResidualBlock>(m_context, spec, *current, store));
            current = &m_invertedBlocks.back()->dst();
        }
        m_headPool.emplace(m_context, gridPoolingShape(topology.featureSize, topology.grid), *current,
                           Mode::Inference);
        m_linear.emplace(m_context, topology.embeddingDim, m_headPool->dst(),
                         LinearParameters{store.value("head.linear.weight"), nullptr,
                                          store.value("head.linear.bias"), nullptr},
                         Mode::Inference, true);
        m_features = LayoutAdapter(m_context, m_linear->dst(), plainDesc({batch, topology.embeddingDim}));
        m_pooled = LayoutAdapter(m_context, m_headPool->dst(),
                                 plainDesc({batch, topology.featureChannels, topology.grid, topology.grid}));
        m_pooledCount = static_cast<std::size_t>(batch) * headFeatures(topology);
    }

    std::span<const float> forward(std::span<const float> images)
    {
        forwardToPool(images);
        m_linear->forward();
        m_features.apply(m_context);
        m_context.stream().wait();
        m_normalize.forward(floats(m_features.output()), m_embeddings);
        return m_embeddings;
    }

    std::span<const float> pooledFeatures(std::span<const float> images)
    {
        forwardToPool(images);
        m_pooled.apply(m_context);
        m_context.stream().wait();
        return floats(m_pooled.output()).first(m_pooledCount);
    }

private:
    void forwardToPool(std::span<const float> images)
    {
        // No backward pass will read the images again, so the caller's buffer is used directly
        // instead of copied; oneDNN only reads a primitive's src (the const_cast is safe).
        m_images.set_data_handle(const_cast<float*>(images.data()));
        m_stem.forward();
        if (m_stemPool)
            m_stemPool->forward();
        for (auto& block : m_blocks)
            block->forward();
        for (auto& block : m_invertedBlocks)
            block->forward();
        m_headPool->forward();
    }

    Context m_context;
    memory m_images;
    Convolution m_stem;
    std::optional<Pooling> m_stemPool;
    std::vector<std::unique_ptr<FusedResidualBlock>> m_blocks;
    std::vector<std::unique_ptr<FusedInvertedResidualBlock>> m_invertedBlocks;
    std::optional<Pooling> m_headPool;
    std::optional<Linear> m_linear;
    LayoutAdapter m_features;
    LayoutAdapter m_pooled;
    std::size_t m_pooledCount = 0;
    L2Normalize m_normalize;
    std::vector<float> m_embeddings;
};

struct InferenceNetwork::Impl {
    NetworkConfig config;
    Topology topology;
    ParameterStore store{false};
    int threads = 0;
    std::map<int, std::unique_ptr<InferencePlan>> plans;
    std::vector<float> output;  // the rows of a batch run in sub-batches
};

InferenceNetwork::InferenceNetwork(const Network& network, int threads) : m_impl(std::make_unique<Impl>())
{
    m_impl->config = network.config();
    m_impl->topology = buildTopology(m_impl->config);
    m_impl->threads = std::max(threads, 0);
    const Topology& topology = m_impl->topology;
    ParameterStore& folded = m_impl->store;
    ParameterStore& trained = network.store();

    forEachConvBn(topology, [&](const ConvBnSpec& spec) { registerFolded(folded, spec); });
    folded.addParameter("head.linear.weight", {topology.embeddingDim, headFeatures(topology)}, false);
    folded.addParameter("head.linear.bias", {topology.embeddingDim}, false);
    folded.allocate();

    forEachConvBn(topology, [&](const ConvBnSpec& spec) { fold(folded, trained, spec); });
    const std::size_t linearWeights = static_cast<std::size_t>(topology.embeddingDim * headFeatures(topology));
    std::copy_n(trained.value("head.linear.weight"), linearWeights, folded.value("head.linear.weight"));
    std::copy_n(trained.value("head.linear.bias"), topology.embeddingDim, folded.value("head.linear.bias"));
}

InferenceNetwork::~InferenceNetwork() = default;
InferenceNetwork::InferenceNetwork(InferenceNetwork&&) noexcept = default;
InferenceNetwork& InferenceNetwork::operator=(InferenceNetwork&&) noexcept = default;

const NetworkConfig& InferenceNetwork::config() const
{
    return m_impl->config;
}

int InferenceNetwork::subBatch() const
{
    return std::max(kSubBatchPerThread * omp_get_max_threads(), kMinSubBatch);  // inside run()'s ThreadScope
}

InferencePlan& InferenceNetwork::plan(int batch)
{
    auto found = m_impl->plans.find(batch);
    if (found == m_impl->plans.end()) {
        if (m_impl->plans.size() >= kMaxCachedPlans)
            m_impl->plans.clear();
        found = m_impl->plans
                    .emplace(batch, std::make_unique<InferencePlan>(m_impl->topology, m_impl->store, m_impl->config, batch))
                    .first;
    }
    return *found->second;
}

std::span<const float> InferenceNetwork::run(std::span<const float> images, int batch, bool pooled, const char* caller)
{
    const NetworkConfig& config = m_impl->config;
    if (batch < 1 || batch > 65536)
        throw std::invalid_argument(std::string(caller) + ": batch must be 1..65536");
    const std::size_t imageValues = static_cast<std::size_t>(config.inChannels) * config.inputSize * config.inputSize;
    if (images.size() != static_cast<std::size_t>(batch) * imageValues)
        throw std::invalid_argument(std::string(caller) + ": expected images [N, C, H, W] with N = "
                                    + std::to_string(batch) + ", C = " + std::to_string(config.inChannels)
                                    + ", H = W = " + std::to_string(config.inputSize));
    ThreadScope threads(m_impl->threads);
    const auto runPlan = [&](std::span<const float> part, int count) {
        InferencePlan& chosen = plan(count);
        return pooled ? chosen.pooledFeatures(part) : chosen.forward(part);
    };
    const int chunk = subBatch();
    if (batch <= chunk)
        return runPlan(images, batch);
    const std::size_t rowValues = pooled ? static_cast<std::size_t>(headFeatures(m_impl->topology))
                                         : static_cast<std::size_t>(m_impl->topology.embeddingDim);
    m_impl->output.resize(static_cast<std::size_t>(batch) * rowValues);
    for (int first = 0; first < batch; first += chunk) {
        const int count = std::min(chunk, batch - first);
        const std::span<const float> rows =
            runPlan(images.subspan(static_cast<std::size_t>(first) * imageValues, static_cast<std::size_t>(count) * imageValues),
                    count);
        std::copy(rows.begin(), rows.end(), m_impl->output.begin() + static_cast<std::ptrdiff_t>(first * rowValues));
    }
    return m_impl->output;
}

std::span<const float> InferenceNetwork::embed(std::span<const float> images, int batch)
{
    return run(images, batch, false, "InferenceNetwork::embed");
}

std::span<const float> InferenceNetwork::pooledFeatures(std::span<const float> images, int batch)
{
    return run(images, batch, true, "InferenceNetwork::pooledFeatures");
}

std::int64_t InferenceNetwork::pooledFeatureCount() const
{
    return headFeatures(m_impl->topology);
}

void InferenceNetwork::releasePlans()
{
    m_impl->plans.clear();
    m_impl->output = {};
}

void InferenceNetwork::setThreadCount(int threads)
{
    m_impl->threads = std::max(threads, 0);
}

}  // namespace lookalike::nn
