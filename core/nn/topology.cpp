#include "core/nn/topology.h"

#include <charconv>
#include <stdexcept>

namespace lookalike::nn {

std::vector<std::int64_t> ConvBnSpec::weightShape() const
{
    return {outChannels, inChannels / groups, kernel, kernel};
}

std::int64_t ConvBnSpec::multiplyAddsPerImage() const
{
    return std::int64_t{outChannels} * outSize * outSize * (inChannels / groups) * kernel * kernel;
}

namespace {

ConvBnSpec convBn(std::string name, int inChannels, int outChannels, int kernel, int stride,
                  int inSize)
{
    ConvBnSpec spec;
    spec.name = std::move(name);
    spec.inChannels = inChannels;
    spec.outChannels = outChannels;
    spec.kernel = kernel;
    spec.stride = stride;
    spec.padding = kernel / 2;
    spec.inSize = inSize;
    spec.outSize = slidingOutputSize(inSize, kernel, stride, spec.padding);
    return spec;
}

// Keras MobileNetV2 layer: BN epsilon 1e-3; 3x3 stride 2 pads like TensorFlow's "same"
// (correct_pad): (0, 1) for even sizes, (1, 1) for odd ones.
ConvBnSpec kerasConvBn(std::string name, std::string normName, int inChannels, int outChannels,
                       int kernel, int stride, int groups, Activation activation, int inSize)
{
    ConvBnSpec spec = convBn(std::move(name), inChannels, outChannels, kernel, stride, inSize);
    spec.normName = std::move(normName);
    spec.paddingEnd = kernel / 2;
    if (stride == 2 && inSize % 2 == 0)
        spec.padding = 0;
    spec.groups = groups;
    spec.outSize = (inSize + spec.padding + spec.paddingAfter() - kernel) / stride + 1;
    spec.epsilon = 1e-3f;
    spec.activation = activation;
    return spec;
}

// The cut "block_N" or "block_N_expand" as (N, expand only); throws for anything else.
std::pair<int, bool> parseCut(const std::string& cut)
{
    const std::string_view prefix = "block_";
    std::string_view rest = cut;
    const bool expandOnly = rest.ends_with("_expand");
    if (expandOnly)
        rest.remove_suffix(std::string_view("_expand").size());
    int block = -1;
    bool valid = rest.starts_with(prefix);
    if (valid) {
        rest.remove_prefix(prefix.size());
        const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), block);
        // One spelling per block: no sign, no leading zeros.
        valid = error == std::errc{} && end == rest.data() + rest.size()
                && (rest == "0" || !rest.starts_with('0'));
    }
    if (!valid || block < (expandOnly ? 1 : 0) || block > 16)
        throw std::invalid_argument("network config: cut must be block_0..block_16 or "
                                    "block_1_expand..block_16_expand, not '" + cut + "'");
    return {block, expandOnly};
}

struct InvertedResidualGroup {
    int expansion;
    int channels;
    int blocks;
    int stride;
};
constexpr InvertedResidualGroup kMobileNetV2Groups[] = {
    {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1},
};

Topology expandMobileNetV2(const NetworkConfig& config)
{
    const auto [cutBlock, cutAfterExpand] = parseCut(config.cut);
    Topology topology;
    topology.architecture = Architecture::MobileNetV2;
    topology.stem = kerasConvBn("Conv1", "bn_Conv1", config.inChannels, 32, 3, 2, 1, Activation::Relu6,
                                config.inputSize);
    topology.pooledSize = topology.stem.outSize;
    int channels = 32;
    int size = topology.pooledSize;
    int index = 0;
    for (const InvertedResidualGroup& group : kMobileNetV2Groups) {
        for (int i = 0; i < group.blocks && index <= cutBlock; ++i, ++index) {
            InvertedResidualSpec block;
            block.name = index == 0 ? "expanded_conv" : "block_" + std::to_string(index);
            const std::string prefix = block.name + "_";
            int expanded = channels;
            if (group.expansion != 1) {
                expanded = channels * group.expansion;
                block.expand = kerasConvBn(prefix + "expand", prefix + "expand_BN", channels, expanded, 1, 1, 1,
                                           Activation::Relu6, size);
            }
            if (!(index == cutBlock && cutAfterExpand)) {
                const int stride = i == 0 ? group.stride : 1;
                block.depthwise = kerasConvBn(prefix + "depthwise", prefix + "depthwise_BN", expanded, expanded,
                                              3, stride, expanded, Activation::Relu6, size);
                block.project = kerasConvBn(prefix + "project", prefix + "project_BN", expanded, group.channels,
                                            1, 1, 1, Activation::None, block.depthwise->outSize);
                block.residual = stride == 1 && channels == group.channels;
                channels = group.channels;
                size = block.project->outSize;
            } else {
                channels = expanded;
            }
            topology.invertedBlocks.push_back(std::move(block));
        }
    }
    topology.featureChannels = channels;
    topology.featureSize = size;
    topology.grid = config.grid;
    topology.embeddingDim = config.embeddingDim;
    return topology;
}

}  // namespace

Topology buildTopology(const NetworkConfig& config)
{
    config.validate();
    return expandTopology(config);
}

Topology expandTopology(const NetworkConfig& config)
{
    if (config.architecture == Architecture::MobileNetV2)
        return expandMobileNetV2(config);
    Topology topology;
    const int stemStride = config.downsampleStem ? 2 : 1;
    topology.stem = convBn("stem", config.inChannels, config.width, 3, stemStride, config.inputSize);
    topology.stem.activation = Activation::Relu;
    topology.stemPool = config.downsampleStem;
    topology.pooledSize = topology.stem.outSize;
    if (topology.stemPool)
        topology.pooledSize = slidingOutputSize(topology.pooledSize, 3, 2, 1);

    int channels = config.width;
    int size = topology.pooledSize;
    for (std::size_t stage = 0; stage < config.blocksPerStage.size(); ++stage) {
        const int stageChannels = config.width << stage;
        for (int block = 0; block < config.blocksPerStage[stage]; ++block) {
            const int stride = (stage > 0 && block == 0) ? 2 : 1;
            ResidualBlockSpec spec;
            spec.name = "stage" + std::to_string(stage + 1) + ".block" + std::to_string(block);
            spec.conv1 = convBn(spec.name + ".conv1", channels, stageChannels, 3, stride, size);
            spec.conv2 = convBn(spec.name + ".conv2", stageChannels, stageChannels, 3, 1,
                                spec.conv1.outSize);
            if (stride != 1 || channels != stageChannels)
                spec.shortcut = convBn(spec.name + ".shortcut", channels, stageChannels, 1, stride,
                                       size);
            channels = stageChannels;
            size = spec.conv1.outSize;
            topology.blocks.push_back(std::move(spec));
        }
    }
    topology.featureChannels = channels;
    topology.featureSize = size;
    topology.embeddingDim = config.embeddingDim;
    return topology;
}

std::vector<TensorSpec> networkTensors(const Topology& topology)
{
    using Kind = TensorSpec::Kind;
    std::vector<TensorSpec> tensors;
    const auto addConvBn = [&tensors](const ConvBnSpec& spec) {
        const std::int64_t channels = spec.outChannels;
        tensors.push_back({spec.name + ".weight", spec.weightShape(), Kind::Parameter, true, 0.f});
        tensors.push_back({spec.bnName() + ".weight", {channels}, Kind::Parameter, false, 0.f});
        tensors.push_back({spec.bnName() + ".bias", {channels}, Kind::Parameter, false, 0.f});
        tensors.push_back({spec.bnName() + ".running_mean", {channels}, Kind::State, false, 0.f});
        tensors.push_back({spec.bnName() + ".running_var", {channels}, Kind::State, false, 1.f});
    };
    forEachConvBn(topology, addConvBn);
    tensors.push_back({"head.linear.weight", {topology.embeddingDim, headFeatures(topology)},
                       Kind::Parameter, true, 0.f});
    tensors.push_back({"head.linear.bias", {topology.embeddingDim}, Kind::Parameter, false, 0.f});
    return tensors;
}

std::int64_t flopsPerImage(const NetworkConfig& config)
{
    const Topology topology = buildTopology(config);
    std::int64_t multiplyAdds = 0;
    forEachConvBn(topology, [&](const ConvBnSpec& spec) { multiplyAdds += spec.multiplyAddsPerImage(); });
    multiplyAdds += headFeatures(topology) * topology.embeddingDim;
    return 2 * multiplyAdds;
}

}  // namespace lookalike::nn
