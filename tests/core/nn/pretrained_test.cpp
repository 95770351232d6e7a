// loadPretrainedBackbone: copies a deeper checkpoint's backbone by name, ignores what lies
// beyond the cut, keeps the head, and rejects missing or misshaped tensors without changes.

#include "core/nn/pretrained.h"

#include "networktesting.h"

#include <gtest/gtest.h>

#include <limits>
#include <map>
#include <string>

namespace lookalike::nn::testing {
namespace {

// Every parameter and state of network, plus the extra tensors, as a parsed TensorFile whose
// byte buffer lives in `bytes`.
TensorFile tensorFileOf(Network& network, std::vector<std::byte>& bytes, const std::vector<TensorView>& extra = {},
                        const std::string& leaveOut = {})
{
    std::vector<TensorView> views;
    for (const Parameter& parameter : network.parameters())
        views.push_back({parameter.name, parameter.shape, parameter.data});
    for (const StateTensor& state : network.states())
        views.push_back({state.name, state.shape, state.data});
    std::erase_if(views, [&](const TensorView& view) { return view.name == leaveOut; });
    views.insert(views.end(), extra.begin(), extra.end());
    bytes = serializeTensorFile("keras-mobilenetv2-converted", views);
    return parseTensorFile(bytes);
}

std::map<std::string, std::vector<float>> snapshot(Network& network)
{
    std::map<std::string, std::vector<float>> values;
    for (const Parameter& parameter : network.parameters())
        values[parameter.name] = copyOf(parameter.data);
    for (const StateTensor& state : network.states())
        values[state.name] = copyOf(state.data);
    return values;
}

std::string messageOf(Network& network, const TensorFile& file)
{
    try {
        loadPretrainedBackbone(network, file);
    } catch (const CheckpointError& error) {
        EXPECT_EQ(error.reason(), CheckpointError::Reason::TensorMismatch);
        return error.what();
    }
    ADD_FAILURE() << "no CheckpointError";
    return {};
}

TEST(PretrainedBackbone, CopiesTheBackboneUpToTheCutAndKeepsTheHead)
{
    Network donor(tinyMobileNetConfig("block_4", 1), 1);  // deeper, another head shape
    perturbStatistics(donor, 2);
    Network network(tinyMobileNetConfig("block_3_expand", 2), 3);
    const std::map<std::string, std::vector<float>> before = snapshot(network);
    const std::vector<float> logits(10, 0.5f);
    std::vector<std::byte> bytes;
    const TensorFile file = tensorFileOf(donor, bytes, {{"Logits.bias", {10}, logits}});

    const int loaded = loadPretrainedBackbone(network, file);
    const std::map<std::string, std::vector<float>> donorValues = snapshot(donor);
    const std::map<std::string, std::vector<float>> after = snapshot(network);
    EXPECT_EQ(loaded, static_cast<int>(after.size()) - 2);  // all but head.linear.{weight,bias}
    for (const auto& [name, values] : after) {
        if (name.starts_with("head."))
            EXPECT_EQ(values, before.at(name)) << name;
        else
            EXPECT_EQ(values, donorValues.at(name)) << name;
    }
    EXPECT_EQ(after.count("block_3_depthwise.weight"), 0u);  // beyond the cut: ignored
}

TEST(PretrainedBackbone, RejectsMissingAndMisshapedTensorsWithoutChanges)
{
    Network donor(tinyMobileNetConfig("block_4", 1), 1);
    Network network(tinyMobileNetConfig("block_3_expand", 2), 3);
    const std::map<std::string, std::vector<float>> before = snapshot(network);
    std::vector<std::byte> bytes;
    EXPECT_NE(messageOf(network, tensorFileOf(donor, bytes, {}, "block_2_project_BN.running_var"))
                  .find("missing tensor block_2_project_BN.running_var"),
              std::string::npos);
    EXPECT_EQ(snapshot(network), before);

    NetworkConfig grayscale = tinyMobileNetConfig("block_4", 1);
    grayscale.inChannels = 1;
    Network grayDonor(grayscale, 4);
    const std::string message = messageOf(network, tensorFileOf(grayDonor, bytes));
    EXPECT_NE(message.find("Conv1.weight has shape [32, 1, 3, 3], the network needs [32, 3, 3, 3]"),
              std::string::npos)
        << message;
    EXPECT_EQ(snapshot(network), before);

    const std::vector<float> notFinite(32, std::numeric_limits<float>::infinity());
    Network resnet(tinyConfig(), 5);  // a ResNet file has none of the Keras names
    EXPECT_NE(messageOf(network, tensorFileOf(resnet, bytes)).find("missing tensor Conv1.weight"), std::string::npos);
    std::vector<TensorView> views;
    for (const Parameter& parameter : donor.parameters())
        views.push_back({parameter.name, parameter.shape,
                         parameter.name == "bn_Conv1.bias" ? std::span<const float>(notFinite) : parameter.data});
    for (const StateTensor& state : donor.states())
        views.push_back({state.name, state.shape, state.data});
    bytes = serializeTensorFile("x", views);
    EXPECT_NE(messageOf(network, parseTensorFile(bytes)).find("bn_Conv1.bias contains NaN"), std::string::npos);
    EXPECT_EQ(snapshot(network), before);
}

}  // namespace
}  // namespace lookalike::nn::testing
