// The converted nsfwjs MobileNetV2 (resources/models/mobilenetv2-nsfwjs-block13.lkckpt) against
// the original model run by TF.js (tests/data/mobilenetv2_port_reference.lkckpt, written by
// resources/models/make_port_reference.sh): the same 4 inputs, and at each cut Lookalike's
// embedding must equal the head applied to TF.js' activations at that layer.

#include "core/nn/checkpoint.h"
#include "core/nn/inferencenetwork.h"
#include "core/nn/network.h"
#include "core/nn/pretrained.h"

#include "networktesting.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace lookalike::nn::testing {
namespace {

const std::filesystem::path kSource = LOOKALIKE_SOURCE_DIR;

std::vector<std::byte> readBytes(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << path;
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    std::memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

struct Tensor {
    std::vector<std::int64_t> shape;
    std::vector<float> data;
};

Tensor tensorNamed(const TensorFile& file, const std::string& name)
{
    for (const StoredTensor& stored : file.tensors)
        if (stored.name == name) {
            Tensor tensor{stored.shape, std::vector<float>(stored.data.size() / sizeof(float))};
            std::memcpy(tensor.data.data(), stored.data.data(), stored.data.size());
            return tensor;
        }
    ADD_FAILURE() << "no tensor " << name;
    return {};
}

// What the head makes of activations [N, C, H, W]: g x g grid means (feature c·g·g + row·g +
// col), the network's own linear layer, L2 normalisation.
std::vector<float> headOf(const Tensor& activations, int grid, Network& network)
{
    const auto n = activations.shape[0], c = activations.shape[1], h = activations.shape[2], w = activations.shape[3];
    const auto features = c * grid * grid;
    std::vector<double> pooled(static_cast<std::size_t>(n * features));
    const auto cellH = h / grid, cellW = w / grid;
    for (std::int64_t i = 0; i < n; ++i)
        for (std::int64_t ch = 0; ch < c; ++ch)
            for (int row = 0; row < grid; ++row)
                for (int col = 0; col < grid; ++col) {
                    double sum = 0;
                    for (auto y = row * cellH; y < (row + 1) * cellH; ++y)
                        for (auto x = col * cellW; x < (col + 1) * cellW; ++x)
                            sum += activations.data[static_cast<std::size_t>(((i * c + ch) * h + y) * w + x)];
                    pooled[static_cast<std::size_t>(i * features + ch * grid * grid + row * grid + col)] =
                        sum / double(cellH * cellW);
                }
    return applyHead(network, pooled, static_cast<std::size_t>(n));
}

float maxAbsDifference(std::span<const float> a, std::span<const float> b)
{
    EXPECT_EQ(a.size(), b.size());
    float worst = 0;
    for (std::size_t i = 0; i < std::min(a.size(), b.size()); ++i)
        worst = std::max(worst, std::abs(a[i] - b[i]));
    return worst;
}

struct PortCase {
    const char* cut;
    const char* tfjsLayer;
    int grid;
};

class MobileNetV2PortTest : public ::testing::TestWithParam<PortCase> {};

TEST_P(MobileNetV2PortTest, EmbeddingMatchesTheHeadOnTfjsActivations)
{
    const PortCase& port = GetParam();
    const std::vector<std::byte> backboneBytes = readBytes(kSource / "resources/models/mobilenetv2-nsfwjs-block13.lkckpt");
    const std::vector<std::byte> referenceBytes = readBytes(kSource / "tests/data/mobilenetv2_port_reference.lkckpt");
    const TensorFile backbone = parseTensorFile(backboneBytes);
    const TensorFile reference = parseTensorFile(referenceBytes);
    const Tensor input = tensorNamed(reference, "input");
    ASSERT_EQ(input.shape, (std::vector<std::int64_t>{4, 3, 128, 128}));

    const NetworkConfig config = NetworkConfig::fromString(std::string("lookalike-mobilenetv2/1 in_channels=3 input_size=128 cut=") +
                                                           port.cut + " grid=" + std::to_string(port.grid) +
                                                           " embedding_dim=64");
    Network network(config, 7);
    const std::vector<float> expected = headOf(tensorNamed(reference, port.tfjsLayer), port.grid, network);
    // The check can fail: the same head on the randomly initialised backbone is far off.
    const float randomError = maxAbsDifference(network.forward(input.data, 4, /*training*/ false), expected);
    EXPECT_GT(randomError, 0.05f);
    EXPECT_GT(loadPretrainedBackbone(network, backbone), 0);

    const std::span<const float> trained = network.forward(input.data, 4, /*training*/ false);
    const float trainingError = maxAbsDifference(trained, expected);
    InferenceNetwork fused(network, 2);
    const float fusedError = maxAbsDifference(fused.embed(input.data, 4), expected);
    RecordProperty("training_network_max_abs_error", std::to_string(trainingError));
    RecordProperty("fused_network_max_abs_error", std::to_string(fusedError));
    std::printf("cut %s: max abs difference to TF.js, training network %.3g, fused %.3g\n", port.cut, trainingError,
                fusedError);
    // Unit-norm embeddings of 64 components: TF.js' float32 rounding, not a layout or padding
    // error (those are off by 0.1 or more).
    EXPECT_LT(trainingError, 2e-4f);
    EXPECT_LT(fusedError, 2e-4f);
}

INSTANTIATE_TEST_SUITE_P(Cuts, MobileNetV2PortTest,
                         ::testing::Values(PortCase{"block_0", "expanded_conv_project_BN", 2},
                                           PortCase{"block_6", "block_6_project_BN", 2},
                                           PortCase{"block_10", "block_10_project_BN", 2},
                                           PortCase{"block_12_expand", "block_12_expand_relu", 2},
                                           PortCase{"block_13", "block_13_project_BN", 1}),
                         [](const auto& info) { return std::string(info.param.cut); });

}  // namespace
}  // namespace lookalike::nn::testing
