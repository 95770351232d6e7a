#pragma once
// NetworkConfig: the architecture of the embedding network, as plain data.
//
// The default network is a compact ResNet (see topology.h for the exact layer list):
//   stem   conv3x3(inChannels -> width) + BN + ReLU, stride 2 and a 3x3/2 max pool when
//          downsampleStem is set (photos >= 64 px), stride 1 and no pool otherwise (28/32 px);
//   stages s = 0..S-1 with width << s channels, blocksPerStage[s] basic residual blocks each
//          (conv3x3-BN-ReLU-conv3x3-BN + shortcut, ReLU); the first block of stages s > 0
//          downsamples with stride 2 and a 1x1 conv + BN projection shortcut;
//   head   global average pool, linear to embeddingDim, L2 normalisation.
//
// FLOPs per image of the default configs (flopsPerImage(), 2 x multiply-adds of conv+linear):
//   NetworkConfig::forInput(3, 96)  (width 32, blocks 1,1,1,1, stem 48 px -> pool 24 px):
//       74.8 MFLOP (74 825 728); 1.26 M parameters
//   NetworkConfig::forInput(1, 28)  (width 32, blocks 1,1,1,1, stem 28 px, no pool):
//       103.7 MFLOP (103 736 320); same parameters but the 1-channel stem
// (the 28 px network costs more: without the stem downsampling its stages run at 28/14/7/4)
// The config is serialised into checkpoints with toString()/fromString().
//
// Architecture::MobileNetV2 is instead Keras' MobileNetV2 (alpha 1.0) truncated after the
// layer `cut`, then a grid-pooling head (topology.h); width, blocks and downsample_stem are
// unused and must keep their defaults (as must cut and grid for a ResNet), so fromString()
// inverts toString(). Example, cut block_12_expand at 128 px: see topology.h.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::nn {

enum class Architecture { ResNet, MobileNetV2 };

struct NetworkConfig {
    Architecture architecture = Architecture::ResNet;
    int inChannels = 3;                    // 3 for RGB photos, 1 for grayscale (Fashion-MNIST)
    int inputSize = 96;                    // square input, H = W
    int width = 32;                        // channels of the first stage; doubles per stage
    int embeddingDim = 128;
    std::vector<int> blocksPerStage{1, 1, 1, 1};
    bool downsampleStem = true;            // stride-2 stem + max pool: 4x smaller feature maps
    // MobileNetV2 only: the last Keras layer kept, "block_N" (N = 0..16, 0 = expanded_conv)
    // or "block_N_expand" (N = 1..16); and the head's pooling grid (1 = global average).
    std::string cut = "block_16";
    int grid = 1;

    // Default architecture for an input: downsampleStem only for inputs of 64 px and more.
    static NetworkConfig forInput(int inChannels, int inputSize);

    // Throws std::invalid_argument naming the first out-of-range field. The bounds also keep
    // any config read from an untrusted checkpoint to a sane allocation size.
    void validate() const;

    // "lookalike-resnet/1 in_channels=3 input_size=96 width=32 embedding_dim=128
    //  blocks=1,1,1,1 downsample_stem=1", or for MobileNetV2
    // "lookalike-mobilenetv2/1 in_channels=3 input_size=128 cut=block_12_expand grid=2
    //  embedding_dim=128"
    std::string toString() const;
    // Inverse of toString(); throws std::invalid_argument on anything malformed or invalid.
    static NetworkConfig fromString(std::string_view text);

    bool operator==(const NetworkConfig&) const = default;
};

// Forward FLOPs per image (2 x multiply-accumulates of every convolution and the linear
// layer; BN, ReLU, pooling and adds are memory-bound and not counted). Throws like validate().
std::int64_t flopsPerImage(const NetworkConfig& config);

}  // namespace lookalike::nn
