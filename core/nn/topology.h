#pragma once
// Topology: the layer list a NetworkConfig expands to. The training network, the fused
// inference network, the parameter list and flopsPerImage() all walk this one description,
// so they cannot disagree about the architecture.

#include "core/nn/networkconfig.h"

#include <optional>
#include <string>
#include <vector>

namespace lookalike::nn {

// A bias-free convolution followed by batch normalisation.
// src [N, inChannels, inSize, inSize] -> dst [N, outChannels, outSize, outSize]
struct ConvBnSpec {
    std::string name;  // parameter prefix, e.g. "stage1.block0.conv1"
    int inChannels = 0;
    int outChannels = 0;
    int kernel = 3;
    int stride = 1;
    int padding = 1;
    int inSize = 0;
    int outSize = 0;

    std::int64_t multiplyAddsPerImage() const;
};

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), shortcut = identity or 1x1 conv + BN.
struct ResidualBlockSpec {
    std::string name;
    ConvBnSpec conv1;
    ConvBnSpec conv2;
    std::optional<ConvBnSpec> shortcut;
};

struct Topology {
    ConvBnSpec stem;                       // followed by ReLU
    bool stemPool = false;                 // 3x3, stride 2, padding 1 max pool
    int pooledSize = 0;                    // spatial size after the stem (and pool)
    std::vector<ResidualBlockSpec> blocks;
    int featureChannels = 0;               // channels into global average pooling
    int featureSize = 0;                   // spatial size into global average pooling
    int embeddingDim = 0;                  // linear: featureChannels -> embeddingDim
};

// Validates the config (std::invalid_argument) and expands it.
Topology buildTopology(const NetworkConfig& config);

// Calls visit(const ConvBnSpec&) for every conv + BN, in network order.
template <typename Visitor>
void forEachConvBn(const Topology& topology, Visitor&& visit)
{
    visit(topology.stem);
    for (const ResidualBlockSpec& block : topology.blocks) {
        visit(block.conv1);
        visit(block.conv2);
        if (block.shortcut)
            visit(*block.shortcut);
    }
}

// One tensor of a Network's state, as named in checkpoints.
struct TensorSpec {
    enum class Kind { Parameter, State };
    std::string name;
    std::vector<std::int64_t> shape;
    Kind kind = Kind::Parameter;
    bool weightDecay = false;   // parameters only
    float initialValue = 0.f;   // states only
};

// Every tensor of the network in registration order (Network::parameters() and
// Network::states() keep this relative order). Costs no tensor memory, so a checkpoint can
// be checked against it before anything big is allocated.
std::vector<TensorSpec> networkTensors(const Topology& topology);

// Output size of a convolution or pooling window along one axis.
constexpr int slidingOutputSize(int inSize, int kernel, int stride, int padding)
{
    return (inSize + 2 * padding - kernel) / stride + 1;
}

}  // namespace lookalike::nn
