#include "core/nn/topology.h"

namespace lookalike::nn {

std::int64_t ConvBnSpec::multiplyAddsPerImage() const
{
    return std::int64_t{outChannels} * outSize * outSize * inChannels * kernel * kernel;
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

}  // namespace

Topology buildTopology(const NetworkConfig& config)
{
    config.validate();
    Topology topology;
    const int stemStride = config.downsampleStem ? 2 : 1;
    topology.stem = convBn("stem", config.inChannels, config.width, 3, stemStride, config.inputSize);
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
        tensors.push_back({spec.name + ".weight", {channels, spec.inChannels, spec.kernel, spec.kernel},
                           Kind::Parameter, true, 0.f});
        tensors.push_back({spec.name + ".bn.weight", {channels}, Kind::Parameter, false, 0.f});
        tensors.push_back({spec.name + ".bn.bias", {channels}, Kind::Parameter, false, 0.f});
        tensors.push_back({spec.name + ".bn.running_mean", {channels}, Kind::State, false, 0.f});
        tensors.push_back({spec.name + ".bn.running_var", {channels}, Kind::State, false, 1.f});
    };
    forEachConvBn(topology, addConvBn);
    tensors.push_back({"head.linear.weight", {topology.embeddingDim, topology.featureChannels},
                       Kind::Parameter, true, 0.f});
    tensors.push_back({"head.linear.bias", {topology.embeddingDim}, Kind::Parameter, false, 0.f});
    return tensors;
}

std::int64_t flopsPerImage(const NetworkConfig& config)
{
    const Topology topology = buildTopology(config);
    std::int64_t multiplyAdds = 0;
    forEachConvBn(topology, [&](const ConvBnSpec& spec) { multiplyAdds += spec.multiplyAddsPerImage(); });
    multiplyAdds += std::int64_t{topology.featureChannels} * topology.embeddingDim;
    return 2 * multiplyAdds;
}

}  // namespace lookalike::nn
