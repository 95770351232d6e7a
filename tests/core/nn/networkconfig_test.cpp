// NetworkConfig: the architecture string round-trips and rejects anything malformed; the
// topology and FLOPs of the default configurations.

#include "core/nn/networkconfig.h"
#include "core/nn/topology.h"

#include <gtest/gtest.h>

namespace lookalike::nn {
namespace {

TEST(NetworkConfig, StringRoundTrips)
{
    NetworkConfig config = NetworkConfig::forInput(1, 28);
    config.width = 16;
    config.embeddingDim = 64;
    config.blocksPerStage = {2, 1, 3};
    EXPECT_EQ(NetworkConfig::fromString(config.toString()), config);
    EXPECT_EQ(NetworkConfig::forInput(3, 96).toString(),
              "lookalike-resnet/1 in_channels=3 input_size=96 width=32 embedding_dim=128 blocks=1,1,1,1 "
              "downsample_stem=1");
}

TEST(NetworkConfig, FromStringRejectsMalformedText)
{
    const std::string good = NetworkConfig{}.toString();
    for (const std::string& bad : std::vector<std::string>{
             std::string(), std::string("lookalike-resnet/2 in_channels=3"), good + " width=3",
             std::string("lookalike-resnet/1 in_channels=3"), good.substr(0, good.size() - 1) + "2",
             std::string("lookalike-resnet/1 in_channels=x input_size=96 width=32 embedding_dim=128 blocks=1 downsample_stem=1"),
             std::string("lookalike-resnet/1 in_channels=3 input_size=96 width=32 embedding_dim=128 blocks=1,,1 downsample_stem=1"),
             std::string("lookalike-resnet/1 in_channels=3 input_size=96 width=32 embedding_dim=128 blocks=1,1,1,1,1,1,1 downsample_stem=1"),
             std::string("lookalike-resnet/1 in_channels=3 input_size=96 width=99999999999 embedding_dim=128 blocks=1 downsample_stem=1"),
             std::string("lookalike-resnet/1 in_channels=3 input_size=96 width=32 embedding_dim=128 blocks=1 downsample_stem=1 extra=1"),
             std::string(2000, 'a')})
        EXPECT_THROW(NetworkConfig::fromString(bad), std::invalid_argument) << bad;
}

TEST(NetworkConfig, ValidateBoundsSizes)
{
    NetworkConfig config;
    EXPECT_NO_THROW(config.validate());
    config.width = 512;
    config.blocksPerStage = {16, 16, 16};  // ~ 1.2 G parameters
    EXPECT_THROW(config.validate(), std::invalid_argument);
    config = {};
    config.inChannels = 0;
    EXPECT_THROW(config.validate(), std::invalid_argument);
    config = {};
    config.blocksPerStage = {1, 0};
    EXPECT_THROW(config.validate(), std::invalid_argument);
}

TEST(Topology, DefaultPhotoNetworkShapes)
{
    const Topology topology = buildTopology(NetworkConfig::forInput(3, 96));
    EXPECT_EQ(topology.stem.outSize, 48);
    EXPECT_TRUE(topology.stemPool);
    EXPECT_EQ(topology.pooledSize, 24);
    ASSERT_EQ(topology.blocks.size(), 4u);
    EXPECT_FALSE(topology.blocks[0].shortcut.has_value());
    EXPECT_TRUE(topology.blocks[1].shortcut.has_value());
    EXPECT_EQ(topology.featureChannels, 256);
    EXPECT_EQ(topology.featureSize, 3);
}

TEST(Topology, FlopsOfDefaultConfigs)
{
    // The numbers quoted in networkconfig.h.
    EXPECT_EQ(flopsPerImage(NetworkConfig::forInput(3, 96)), 74'825'728);
    EXPECT_EQ(flopsPerImage(NetworkConfig::forInput(1, 28)), 103'736'320);
    const Topology fashion = buildTopology(NetworkConfig::forInput(1, 28));
    EXPECT_EQ(fashion.stem.outSize, 28);
    EXPECT_EQ(fashion.featureSize, 4);
}

}  // namespace
}  // namespace lookalike::nn
