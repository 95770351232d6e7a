#include "core/nn/network.h"

#include "core/nn/layers/invertedresidualblock.h"
#include "core/nn/layers/l2normalize.h"
#include "core/nn/layers/linear.h"
#include "core/nn/layers/pooling.h"
#include "core/nn/layers/residualblock.h"
#include "core/nn/parameterstore.h"
#include "core/nn/randomnormal.h"
#include "core/nn/threadscope.h"
#include "core/nn/topology.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>

namespace lookalike::nn {

namespace {

using namespace layers;

constexpr std::size_t kMaxCachedPlans = 4;

void fillNormal(RandomNormal& random, float* data, std::int64_t count, float deviation)
{
    for (std::int64_t i = 0; i < count; ++i)
        data[i] = static_cast<float>(random.next()) * deviation;
}

}  // namespace

// Every primitive and buffer for one batch size in one mode; built once, stepped many times.
// images [N, C, H, W] -> embeddings [N, D]
class NetworkPlan {
public:
    // The stem and the first frozenBlocks blocks run in inference mode (Network::setFrozenBlocks).
    NetworkPlan(const Topology& topology, ParameterStore& store, const NetworkConfig& config,
                int batch, Mode mode, int frozenBlocks)
        : m_mode(mode),
          m_batch(batch),
          m_frozenBlocks(mode == Mode::Training ? frozenBlocks : 0),
          m_images(plainDesc({batch, config.inChannels, config.inputSize, config.inputSize}),
                   m_context.engine()),
          m_stem(m_context, topology.stem, m_images, store, modeOfBlock(-1), topology.stem.activation),
          m_normalize(batch, topology.embeddingDim),
          m_embeddings(static_cast<std::size_t>(batch) * topology.embeddingDim)
    {
        const memory* current = &m_stem.dst();
        if (topology.stemPool) {
            m_stemPool.emplace(m_context, PoolingShape{PoolingKind::Max, 3, 2, 1}, *current, modeOfBlock(-1));
            current = &m_stemPool->dst();
        }
        int block = 0;
        for (const ResidualBlockSpec& spec : topology.blocks) {
            m_blocks.push_back(std::make_unique<ResidualBlock>(m_context, spec, *current, store, modeOfBlock(block++)));
            current = &m_blocks.back()->dst();
        }
        for (const InvertedResidualSpec& spec : topology.invertedBlocks) {
            m_invertedBlocks.push_back(
                std::make_unique<InvertedResidualBlock>(m_context, spec, *current, store, modeOfBlock(block++)));
            current = &m_invertedBlocks.back()->dst();
        }
        m_headPool.emplace(m_context, gridPoolingShape(topology.featureSize, topology.grid), *current, mode);
        m_linear.emplace(m_context, topology.embeddingDim, m_headPool->dst(),
                         LinearParameters{store.value("head.linear.weight"),
                                          store.gradient("head.linear.weight"),
                                          store.value("head.linear.bias"),
                                          store.gradient("head.linear.bias")},
                         mode);
        const memory::desc featuresDesc = plainDesc({batch, topology.embeddingDim});
        m_features = LayoutAdapter(m_context, m_linear->dst(), featuresDesc);
        if (mode == Mode::Training)
            prepareBackward(featuresDesc);
    }

    Mode mode() const { return m_mode; }
    int batch() const { return m_batch; }

    std::span<const float> forward(std::span<const float> images)
    {
        std::copy(images.begin(), images.end(), static_cast<float*>(m_images.get_data_handle()));
        m_stem.forward();
        if (m_stemPool)
            m_stemPool->forward();
        for (auto& block : m_blocks)
            block->forward();
        for (auto& block : m_invertedBlocks)
            block->forward();
        m_headPool->forward();
        m_linear->forward();
        m_features.apply(m_context);
        m_context.stream().wait();
        m_normalize.forward(floats(m_features.output()), m_embeddings);
        return m_embeddings;
    }

    void backward(std::span<const float> gradEmbeddings)
    {
        m_normalize.backward(m_embeddings, gradEmbeddings, floats(m_diffFeatures));
        m_linear->backward();
        m_headPool->backward();
        forEachTrainableBlockBackToFront([](auto& block) { block.backward(); });
        if (m_frozenBlocks == 0) {
            if (m_stemPool)
                m_stemPool->backward();
            m_stem.backward();
        }
        m_context.stream().wait();
    }

private:
    // Built back to front: each layer learns the layout of the gradient it will receive.
    void prepareBackward(const memory::desc& featuresDesc)
    {
        m_diffFeatures = memory(featuresDesc, m_context.engine());
        m_linear->prepareBackward(m_diffFeatures, true);
        m_headPool->prepareBackward(m_linear->diffSrc());
        const memory* diff = &m_headPool->diffSrc();
        forEachTrainableBlockBackToFront([&diff](auto& block) {
            block.prepareBackward(*diff);
            diff = &block.diffSrc();
        });
        if (m_frozenBlocks > 0)
            return;
        if (m_stemPool) {
            m_stemPool->prepareBackward(*diff);
            diff = &m_stemPool->diffSrc();
        }
        m_stem.prepareBackward(*diff, false);  // no gradient w.r.t. the images
    }

    // block -1: the stem (and its pool).
    Mode modeOfBlock(int block) const { return m_frozenBlocks > 0 && block < m_frozenBlocks ? Mode::Inference : m_mode; }

    // The blocks above the frozen ones, last first (a topology has residual or inverted blocks).
    template <typename Visit>
    void forEachTrainableBlockBackToFront(Visit&& visit)
    {
        const auto blocks = static_cast<int>(m_blocks.size());
        for (int i = static_cast<int>(m_invertedBlocks.size()) - 1; i >= 0 && blocks + i >= m_frozenBlocks; --i)
            visit(*m_invertedBlocks[static_cast<std::size_t>(i)]);
        for (int i = blocks - 1; i >= 0 && i >= m_frozenBlocks; --i)
            visit(*m_blocks[static_cast<std::size_t>(i)]);
    }

    Context m_context;
    Mode m_mode;
    int m_batch;
    int m_frozenBlocks;
    memory m_images;
    ConvBn m_stem;
    std::optional<Pooling> m_stemPool;
    std::vector<std::unique_ptr<ResidualBlock>> m_blocks;
    std::vector<std::unique_ptr<InvertedResidualBlock>> m_invertedBlocks;
    std::optional<Pooling> m_headPool;
    std::optional<Linear> m_linear;
    LayoutAdapter m_features;
    memory m_diffFeatures;
    L2Normalize m_normalize;
    std::vector<float> m_embeddings;
};

struct Network::Impl {
    NetworkConfig config;
    Topology topology;
    ParameterStore store;
    int threads = 0;
    int frozenBlocks = 0;
    std::map<std::pair<int, Mode>, std::unique_ptr<NetworkPlan>> plans;
    NetworkPlan* lastTrainingPlan = nullptr;

    NetworkPlan& plan(int batch, Mode mode)
    {
        auto found = plans.find({batch, mode});
        if (found != plans.end())
            return *found->second;
        if (plans.size() >= kMaxCachedPlans) {
            // Batch sizes changing all the time would otherwise grow memory without bound.
            plans.clear();
            lastTrainingPlan = nullptr;
        }
        auto created = std::make_unique<NetworkPlan>(topology, store, config, batch, mode, frozenBlocks);
        return *plans.emplace(std::pair{batch, mode}, std::move(created)).first->second;
    }
};

Network::Network(const NetworkConfig& config, std::uint64_t seed) : m_impl(std::make_unique<Impl>())
{
    m_impl->config = config;
    m_impl->topology = buildTopology(config);  // validates
    const Topology& topology = m_impl->topology;
    ParameterStore& store = m_impl->store;
    for (TensorSpec& tensor : networkTensors(topology)) {
        if (tensor.kind == TensorSpec::Kind::Parameter)
            store.addParameter(std::move(tensor.name), std::move(tensor.shape), tensor.weightDecay);
        else
            store.addState(std::move(tensor.name), std::move(tensor.shape), tensor.initialValue);
    }
    store.allocate();

    // He (Kaiming) normal init for convolutions (fan-in, ReLU gain); BN starts as identity;
    // the linear head gets unit gain since no ReLU follows it.
    RandomNormal random(seed);
    forEachConvBn(topology, [&](const ConvBnSpec& spec) {
        const int fanIn = spec.inChannels / spec.groups * spec.kernel * spec.kernel;
        fillNormal(random, store.value(spec.name + ".weight"),
                   std::int64_t{spec.outChannels} * fanIn, std::sqrt(2.f / static_cast<float>(fanIn)));
        std::fill_n(store.value(spec.bnName() + ".weight"), spec.outChannels, 1.f);
    });
    fillNormal(random, store.value("head.linear.weight"),
               topology.embeddingDim * headFeatures(topology),
               std::sqrt(1.f / static_cast<float>(headFeatures(topology))));
}

Network::~Network() = default;
Network::Network(Network&&) noexcept = default;
Network& Network::operator=(Network&&) noexcept = default;

const NetworkConfig& Network::config() const
{
    return m_impl->config;
}

std::span<const float> Network::forward(std::span<const float> images, int batch, bool training)
{
    const NetworkConfig& config = m_impl->config;
    if (batch < 1 || batch > 65536)
        throw std::invalid_argument("Network::forward: batch must be 1..65536");
    const std::size_t expected = static_cast<std::size_t>(batch) * config.inChannels
                                 * config.inputSize * config.inputSize;
    if (images.size() != expected)
        throw std::invalid_argument("Network::forward: expected images [" + std::to_string(batch)
                                    + ", " + std::to_string(config.inChannels) + ", "
                                    + std::to_string(config.inputSize) + ", "
                                    + std::to_string(config.inputSize) + "]");
    ThreadScope threads(m_impl->threads);
    NetworkPlan& plan = m_impl->plan(batch, training ? Mode::Training : Mode::Inference);
    m_impl->lastTrainingPlan = training ? &plan : nullptr;
    return plan.forward(images);
}

void Network::backward(std::span<const float> gradEmbeddings)
{
    NetworkPlan* plan = m_impl->lastTrainingPlan;
    if (!plan)
        throw std::logic_error("Network::backward: call forward(..., training = true) first");
    if (gradEmbeddings.size() != static_cast<std::size_t>(plan->batch()) * m_impl->config.embeddingDim)
        throw std::invalid_argument("Network::backward: expected gradEmbeddings [N, D] of the last forward");
    ThreadScope threads(m_impl->threads);
    plan->backward(gradEmbeddings);
}

std::vector<Parameter> Network::parameters()
{
    return m_impl->store.parameters();
}

std::vector<Parameter> Network::trainableParameters()
{
    const Topology& topology = m_impl->topology;
    std::set<std::string> frozenLayers;
    if (m_impl->frozenBlocks > 0) {
        const auto freeze = [&](const ConvBnSpec& spec) {
            frozenLayers.insert(spec.name);
            frozenLayers.insert(spec.bnName());
        };
        freeze(topology.stem);
        int block = 0;
        for (const ResidualBlockSpec& spec : topology.blocks)
            if (block++ < m_impl->frozenBlocks) {
                freeze(spec.conv1);
                freeze(spec.conv2);
                if (spec.shortcut)
                    freeze(*spec.shortcut);
            }
        for (const InvertedResidualSpec& spec : topology.invertedBlocks)
            if (block++ < m_impl->frozenBlocks)
                for (const std::optional<ConvBnSpec>* unit : {&spec.expand, &spec.depthwise, &spec.project})
                    if (*unit)
                        freeze(**unit);
    }
    std::vector<Parameter> trainable;
    for (Parameter& parameter : m_impl->store.parameters())
        if (!frozenLayers.contains(parameter.name.substr(0, parameter.name.rfind('.'))))
            trainable.push_back(std::move(parameter));
    return trainable;
}

void Network::setFrozenBlocks(int blocks)
{
    const Topology& topology = m_impl->topology;
    const auto total = static_cast<int>(topology.blocks.size() + topology.invertedBlocks.size());
    if (blocks < 0 || blocks > total)
        throw std::invalid_argument("Network::setFrozenBlocks: " + std::to_string(blocks) + " is not within 0.."
                                    + std::to_string(total) + " blocks");
    if (blocks == m_impl->frozenBlocks)
        return;
    m_impl->frozenBlocks = blocks;
    m_impl->plans.clear();
    m_impl->lastTrainingPlan = nullptr;
    m_impl->store.zeroGradients();
}

int Network::frozenBlocks() const
{
    return m_impl->frozenBlocks;
}

std::vector<StateTensor> Network::states()
{
    return m_impl->store.states();
}

void Network::zeroGrad()
{
    m_impl->store.zeroGradients();
}

void Network::releasePlans()
{
    m_impl->plans.clear();
    m_impl->lastTrainingPlan = nullptr;
}

void Network::setThreadCount(int threads)
{
    m_impl->threads = std::max(threads, 0);
}

int Network::threadCount() const
{
    return m_impl->threads;
}

ParameterStore& Network::store() const
{
    return m_impl->store;
}

}  // namespace lookalike::nn
