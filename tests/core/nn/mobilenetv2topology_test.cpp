// MobileNetV2 topology: the config string, Keras' layer geometry and names, the cut, FLOPs.

#include "core/nn/networkconfig.h"
#include "core/nn/topology.h"

#include <gtest/gtest.h>

namespace lookalike::nn {
namespace {

NetworkConfig mobileNet(int inputSize, std::string cut, int grid)
{
    NetworkConfig config;
    config.architecture = Architecture::MobileNetV2;
    config.inputSize = inputSize;
    config.cut = std::move(cut);
    config.grid = grid;
    return config;
}

TEST(MobileNetV2Config, StringRoundTrips)
{
    const NetworkConfig config = mobileNet(128, "block_12_expand", 2);
    const std::string text = "lookalike-mobilenetv2/1 in_channels=3 input_size=128 cut=block_12_expand grid=2 "
                             "embedding_dim=128";
    EXPECT_EQ(config.toString(), text);
    EXPECT_EQ(NetworkConfig::fromString(text), config);
    EXPECT_EQ(NetworkConfig::fromString(mobileNet(32, "block_0", 1).toString()), mobileNet(32, "block_0", 1));
}

TEST(MobileNetV2Config, RejectsBadCutsGridsAndKeys)
{
    const std::string head = "lookalike-mobilenetv2/1 in_channels=3 input_size=128 ";
    for (const char* cut : {"block_0_expand", "block_17", "block_01", "block_-1", "block_3_project",
                                   "Conv1", "block_", ""})
        EXPECT_THROW(NetworkConfig::fromString(head + "cut=" + std::string(cut) + " grid=1 embedding_dim=128"),
                     std::invalid_argument)
            << cut;
    // 128 px at block_12 is 8 x 8: grid 3 does not divide it; block_16 is 4 x 4.
    EXPECT_THROW(NetworkConfig::fromString(head + "cut=block_12 grid=3 embedding_dim=128"), std::invalid_argument);
    EXPECT_THROW(NetworkConfig::fromString(head + "cut=block_12 grid=0 embedding_dim=128"), std::invalid_argument);
    EXPECT_NO_THROW(NetworkConfig::fromString(head + "cut=block_16 grid=4 embedding_dim=128"));
    EXPECT_THROW(NetworkConfig::fromString(head + "cut=block_12 embedding_dim=128"), std::invalid_argument);
    EXPECT_THROW(NetworkConfig::fromString(head + "cut=block_12 grid=1 embedding_dim=128 width=32"),
                 std::invalid_argument);
    // A ResNet has no grid key, and grid must stay 1 for it.
    EXPECT_THROW(NetworkConfig::fromString(NetworkConfig{}.toString() + " grid=2"), std::invalid_argument);
    NetworkConfig resnet;
    resnet.grid = 2;
    EXPECT_THROW(resnet.validate(), std::invalid_argument);
    resnet = {};
    resnet.cut = "block_3";
    EXPECT_THROW(resnet.validate(), std::invalid_argument);
    // ResNet fields are not serialised for a MobileNetV2, so they must stay at their defaults.
    NetworkConfig wide = mobileNet(128, "block_12", 1);
    wide.width = 64;
    EXPECT_THROW(wide.validate(), std::invalid_argument);
}

TEST(MobileNetV2Topology, KerasGeometryUpToTheCut)
{
    const Topology topology = buildTopology(mobileNet(128, "block_12_expand", 2));
    EXPECT_EQ(topology.architecture, Architecture::MobileNetV2);
    EXPECT_EQ(topology.stem.name, "Conv1");
    EXPECT_EQ(topology.stem.normName, "bn_Conv1");
    EXPECT_EQ(topology.stem.padding, 0);
    EXPECT_EQ(topology.stem.paddingAfter(), 1);
    EXPECT_EQ(topology.stem.outSize, 64);
    EXPECT_EQ(topology.stem.epsilon, 1e-3f);
    EXPECT_EQ(topology.stem.activation, Activation::Relu6);
    EXPECT_FALSE(topology.stemPool);
    ASSERT_EQ(topology.invertedBlocks.size(), 13u);

    const InvertedResidualSpec& first = topology.invertedBlocks[0];
    EXPECT_EQ(first.name, "expanded_conv");
    EXPECT_FALSE(first.expand.has_value());
    ASSERT_TRUE(first.depthwise && first.project);
    EXPECT_EQ(first.depthwise->groups, 32);
    EXPECT_EQ(first.depthwise->weightShape(), (std::vector<std::int64_t>{32, 1, 3, 3}));
    EXPECT_EQ(first.depthwise->padding, 1);
    EXPECT_EQ(first.project->outChannels, 16);
    EXPECT_EQ(first.project->activation, Activation::None);
    EXPECT_FALSE(first.residual);

    const InvertedResidualSpec& strided = topology.invertedBlocks[1];
    ASSERT_TRUE(strided.expand && strided.depthwise);
    EXPECT_EQ(strided.expand->name, "block_1_expand");
    EXPECT_EQ(strided.expand->normName, "block_1_expand_BN");
    EXPECT_EQ(strided.expand->outChannels, 96);
    EXPECT_EQ(strided.depthwise->stride, 2);
    EXPECT_EQ(strided.depthwise->padding, 0);
    EXPECT_EQ(strided.depthwise->paddingAfter(), 1);
    EXPECT_EQ(strided.depthwise->outSize, 32);
    EXPECT_FALSE(strided.residual);
    EXPECT_TRUE(topology.invertedBlocks[2].residual);
    EXPECT_FALSE(topology.invertedBlocks[3].residual);   // first of the 32-channel group
    EXPECT_FALSE(topology.invertedBlocks[10].residual);  // 64 -> 96 channels at stride 1
    EXPECT_TRUE(topology.invertedBlocks[11].residual);

    const InvertedResidualSpec& cut = topology.invertedBlocks.back();
    EXPECT_EQ(cut.name, "block_12");
    ASSERT_TRUE(cut.expand.has_value());
    EXPECT_EQ(cut.expand->outChannels, 576);
    EXPECT_FALSE(cut.depthwise.has_value());
    EXPECT_FALSE(cut.project.has_value());
    EXPECT_FALSE(cut.residual);
    EXPECT_EQ(topology.featureChannels, 576);
    EXPECT_EQ(topology.featureSize, 8);
    EXPECT_EQ(headFeatures(topology), 576 * 4);
}

TEST(MobileNetV2Topology, OddSizesPadSymmetricallyLikeKeras)
{
    const Topology topology = buildTopology(mobileNet(33, "block_1", 1));
    EXPECT_EQ(topology.stem.padding, 1);
    EXPECT_EQ(topology.stem.outSize, 17);
    EXPECT_EQ(topology.invertedBlocks[1].depthwise->padding, 1);  // 17 px: odd again
    EXPECT_EQ(topology.featureSize, 9);
    EXPECT_EQ(topology.featureChannels, 24);
}

TEST(MobileNetV2Topology, TensorsUseKerasNames)
{
    const std::vector<TensorSpec> tensors = networkTensors(buildTopology(mobileNet(128, "block_12_expand", 2)));
    const auto find = [&](const std::string& name) -> const TensorSpec* {
        for (const TensorSpec& tensor : tensors)
            if (tensor.name == name)
                return &tensor;
        return nullptr;
    };
    using Shape = std::vector<std::int64_t>;
    ASSERT_FALSE(tensors.empty());
    EXPECT_EQ(tensors.front().name, "Conv1.weight");
    EXPECT_EQ(tensors.front().shape, (Shape{32, 3, 3, 3}));
    const std::vector<std::pair<std::string, Shape>> expected{
        {"bn_Conv1.weight", {32}}, {"bn_Conv1.bias", {32}}, {"bn_Conv1.running_mean", {32}},
        {"bn_Conv1.running_var", {32}}, {"expanded_conv_depthwise.weight", {32, 1, 3, 3}},
        {"expanded_conv_depthwise_BN.weight", {32}}, {"expanded_conv_project.weight", {16, 32, 1, 1}},
        {"expanded_conv_project_BN.running_var", {16}}, {"block_1_expand.weight", {96, 16, 1, 1}},
        {"block_1_depthwise.weight", {96, 1, 3, 3}}, {"block_1_project.weight", {24, 96, 1, 1}},
        {"block_12_expand.weight", {576, 96, 1, 1}}, {"block_12_expand_BN.running_mean", {576}},
        {"head.linear.weight", {128, 576 * 4}}, {"head.linear.bias", {128}}};
    for (const auto& [name, shape] : expected) {
        const TensorSpec* tensor = find(name);
        ASSERT_NE(tensor, nullptr) << name;
        EXPECT_EQ(tensor->shape, shape) << name;
    }
    EXPECT_EQ(find("block_12_depthwise.weight"), nullptr);
    EXPECT_EQ(find("block_13_expand.weight"), nullptr);
    EXPECT_EQ(tensors.back().name, "head.linear.bias");
    // 1 stem + 2 + 11 x 3 + 1 conv-BN units, 5 tensors each, and the head's 2.
    EXPECT_EQ(tensors.size(), (1u + 2u + 33u + 1u) * 5u + 2u);
}

TEST(MobileNetV2Topology, Flops)
{
    // The figure quoted in topology.h, computed independently (backbone 64 655 360 multiply-adds
    // plus the 576 * 4 * 128 head).
    EXPECT_EQ(flopsPerImage(mobileNet(128, "block_12_expand", 2)), 129'900'544);
    EXPECT_EQ(flopsPerImage(mobileNet(224, "block_16", 1)), 2 * (279'423'872 + 320 * 128));
}

}  // namespace
}  // namespace lookalike::nn
