#pragma once
// Topology: the layer list a NetworkConfig expands to. The training network, the fused
// inference network, the parameter list and flopsPerImage() all walk this one description,
// so they cannot disagree about the architecture.
//
// MobileNetV2 (NetworkConfig::architecture): Keras' MobileNetV2, alpha 1.0, layer for layer,
// with Keras' layer names as tensor names so a converted Keras checkpoint maps 1:1:
//   Conv1             3x3/2 conv 32, padding (0,1) ((1,1) for odd sizes, Keras' correct_pad),
//                     BN bn_Conv1, ReLU6
//   expanded_conv     block 0: depthwise 3x3/1 (expanded_conv_depthwise, BN
//                     expanded_conv_depthwise_BN, ReLU6), project 1x1 to 16
//                     (expanded_conv_project, BN expanded_conv_project_BN, linear)
//   block_1..block_16 (t, c, n, s) = (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2)
//                     (6,320,1,1): block_N_expand 1x1 to 6 x in (BN block_N_expand_BN, ReLU6),
//                     block_N_depthwise 3x3 with stride s on a group's first block, padded
//                     like Conv1 when strided, 1 otherwise (BN block_N_depthwise_BN, ReLU6),
//                     block_N_project 1x1 to c (BN block_N_project_BN, linear), + the block's
//                     input when stride 1 and in == out channels (no activation after the add)
//   cut               the network ends after layer `cut`: "block_N" keeps all of block N,
//                     "block_N_expand" only block N's expand conv + BN + ReLU6
//   head              grid pooling: the mean of each cell of a grid x grid partition of the
//                     [C, S, S] feature map (S divisible by grid), features ordered
//                     c * grid * grid + row * grid + column (row-major [C, grid, grid]), then
//                     head.linear to embeddingDim and L2 normalisation.
// Tensors: conv "<conv>.weight" OIHW [O, I, K, K] (depthwise [C, 1, 3, 3]); BN
// "<bn>.weight" (gamma), "<bn>.bias" (beta), "<bn>.running_mean", "<bn>.running_var" (the
// suffixes the ResNet's "<conv>.bn" uses); BN epsilon 1e-3 as in Keras (the ResNet: 1e-5).
// Input 128, cut block_12_expand (features 576 x 8 x 8): the backbone is 64.66 M multiply-adds
// (the "about 65 M") and 0.47 M conv weights; with grid 2 and embedding 128 the head
// adds 0.29 M of each: flopsPerImage() = 129.9 MFLOP (129 900 544).

#include "core/nn/networkconfig.h"

#include <optional>
#include <string>
#include <vector>

namespace lookalike::nn {

enum class Activation { None, Relu, Relu6 };

// A bias-free (optionally grouped) convolution followed by batch normalisation.
// src [N, inChannels, inSize, inSize] -> dst [N, outChannels, outSize, outSize]
struct ConvBnSpec {
    std::string name;  // conv weight "<name>.weight", e.g. "stage1.block0.conv1"
    int inChannels = 0;
    int outChannels = 0;
    int kernel = 3;
    int stride = 1;
    int padding = 1;                     // top/left
    int inSize = 0;
    int outSize = 0;
    std::optional<int> paddingEnd = {};  // bottom/right; unset: same as padding
    int groups = 1;                      // = channels: depthwise
    std::string normName = {};           // BN tensors "<normName>.weight" etc.; empty: "<name>.bn"
    float epsilon = 1e-5f;               // BN
    // After BN, for the stem and MobileNetV2's units (a ResidualBlock places its own ReLUs).
    Activation activation = Activation::None;

    std::string bnName() const { return normName.empty() ? name + ".bn" : normName; }
    int paddingAfter() const { return paddingEnd.value_or(padding); }
    std::vector<std::int64_t> weightShape() const;  // [O, I / groups, K, K]
    std::int64_t multiplyAddsPerImage() const;
};

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), shortcut = identity or 1x1 conv + BN.
struct ResidualBlockSpec {
    std::string name;
    ConvBnSpec conv1;
    ConvBnSpec conv2;
    std::optional<ConvBnSpec> shortcut;
};

// MobileNetV2's expand (optional) -> depthwise -> project (+ src when residual). A block cut
// after its expand layer has neither depthwise nor project.
struct InvertedResidualSpec {
    std::string name;                     // Keras prefix: "expanded_conv", "block_1", ...
    std::optional<ConvBnSpec> expand;     // absent in expanded_conv (expansion 1)
    std::optional<ConvBnSpec> depthwise;
    std::optional<ConvBnSpec> project;
    bool residual = false;
};

struct Topology {
    Architecture architecture = Architecture::ResNet;
    ConvBnSpec stem;                       // with its activation (ResNet ReLU, MobileNetV2 ReLU6)
    bool stemPool = false;                 // 3x3, stride 2, padding 1 max pool
    int pooledSize = 0;                    // spatial size after the stem (and pool)
    std::vector<ResidualBlockSpec> blocks;                // ResNet only
    std::vector<InvertedResidualSpec> invertedBlocks;     // MobileNetV2 only
    int featureChannels = 0;               // channels into the head's pooling
    int featureSize = 0;                   // spatial size into the head's pooling
    int grid = 1;                          // head pooling grid (1: global average pool)
    int embeddingDim = 0;                  // linear: featureChannels * grid^2 -> embeddingDim
};

// Inputs of head.linear: featureChannels * grid * grid.
constexpr std::int64_t headFeatures(const Topology& topology)
{
    return std::int64_t{topology.featureChannels} * topology.grid * topology.grid;
}

// Validates the config (std::invalid_argument) and expands it.
Topology buildTopology(const NetworkConfig& config);
// The expansion without validate(), for validate() itself; throws std::invalid_argument only
// for an unknown MobileNetV2 cut.
Topology expandTopology(const NetworkConfig& config);

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
    for (const InvertedResidualSpec& block : topology.invertedBlocks)
        for (const std::optional<ConvBnSpec>* spec : {&block.expand, &block.depthwise, &block.project})
            if (*spec)
                visit(**spec);
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
