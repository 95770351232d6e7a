// ResidualBlock (conv-BN-ReLU-conv-BN + shortcut, ReLU) and ConvBn: every gradient (input,
// conv weights, BN scale/shift) of the composed training block against finite differences,
// for an identity and a projection shortcut, in the blocked layouts the network uses.

#include "core/nn/layers/residualblock.h"

#include "layertesting.h"

namespace lookalike::nn::testing {
namespace {

using layers::Mode;
using layers::ResidualBlock;

struct BlockCase {
    int inChannels, outChannels, stride, size;
};

ConvBnSpec convBn(std::string name, int in, int out, int kernel, int stride, int size)
{
    const int padding = kernel / 2;
    return {std::move(name), in, out, kernel, stride, padding, size, slidingOutputSize(size, kernel, stride, padding)};
}

class ResidualBlockTest : public ::testing::TestWithParam<BlockCase> {};

TEST_P(ResidualBlockTest, GradientsMatchFiniteDifferences)
{
    const BlockCase& c = GetParam();
    ResidualBlockSpec spec;
    spec.name = "block";
    spec.conv1 = convBn("block.conv1", c.inChannels, c.outChannels, 3, c.stride, c.size);
    spec.conv2 = convBn("block.conv2", c.outChannels, c.outChannels, 3, 1, spec.conv1.outSize);
    if (c.stride != 1 || c.inChannels != c.outChannels)
        spec.shortcut = convBn("block.shortcut", c.inChannels, c.outChannels, 1, c.stride, c.size);
    Topology topology;  // only used to register the block's tensors
    topology.stem = convBn("stem", 1, c.inChannels, 3, 1, c.size);
    topology.blocks = {spec};
    topology.featureChannels = c.outChannels;
    topology.embeddingDim = 2;
    ParameterStore store;
    for (TensorSpec& tensor : networkTensors(topology)) {
        if (tensor.kind == TensorSpec::Kind::Parameter)
            store.addParameter(tensor.name, tensor.shape, tensor.weightDecay);
        else
            store.addState(tensor.name, tensor.shape, tensor.initialValue);
    }
    store.allocate();
    std::uint32_t seed = 70;
    for (const Parameter& parameter : store.parameters()) {
        const bool isScale = parameter.name.ends_with(".bn.weight");
        const std::vector<float> values = randomVector(parameter.data.size(), ++seed, isScale ? 0.5f : -0.5f,
                                                       isScale ? 1.5f : 0.5f);
        std::copy(values.begin(), values.end(), parameter.data.begin());
    }

    Context context;
    const int batch = 3;
    const memory::dims dims{batch, c.inChannels, c.size, c.size};
    TestTensor input(context, dims, true);
    input.set(randomVector(elementCount(dims), 80));
    ResidualBlock block(context, spec, input.bound(), store, Mode::Training);
    const memory::dims dstDims = block.dst().get_desc().dims();
    TestTensor diffDst(context, dstDims, true);
    const std::vector<float> lossWeights = randomVector(elementCount(dstDims), 81);
    diffDst.set(lossWeights);
    block.prepareBackward(diffDst.bound());
    block.forward();
    block.backward();
    const std::vector<float> diffSrc = toPlain(context, block.diffSrc());
    std::vector<std::vector<float>> gradients;
    for (const Parameter& parameter : store.parameters())
        gradients.emplace_back(parameter.grad.begin(), parameter.grad.end());

    const auto loss = [&] {
        input.upload();
        block.forward();
        return weightedSum(toPlain(context, block.dst()), lossWeights);
    };
    // Every weight moves many pre-activations at once, so a step much larger than this often
    // carries one of them across a ReLU kink.
    constexpr double kStep = 1e-3;  // smaller drowns in float rounding (BN statistics)
    const Tolerance tolerance{5e-3, 2e-2};
    int skipped = expectGradientMatchesAwayFromKinks("diffSrc", input.values(), diffSrc, kStep, loss, tolerance,
                                                     sampleIndices(diffSrc.size(), 96, 82));
    int checked = static_cast<int>(std::min<std::size_t>(diffSrc.size(), 96));
    std::size_t index = 0;
    for (const Parameter& parameter : store.parameters()) {
        const std::vector<float>& gradient = gradients[index++];
        if (!parameter.name.starts_with("block."))
            continue;  // the stem's and head's tensors are not part of this block
        skipped += expectGradientMatchesAwayFromKinks(parameter.name, parameter.data, gradient, kStep, loss,
                                                      tolerance, sampleIndices(gradient.size(), 48, static_cast<std::uint32_t>(index)));
        checked += static_cast<int>(std::min<std::size_t>(gradient.size(), 48));
    }
    EXPECT_LE(skipped * 4, checked) << skipped << " of " << checked << " coordinates near a ReLU kink";
}

INSTANTIATE_TEST_SUITE_P(Shortcuts, ResidualBlockTest,
                         ::testing::Values(BlockCase{4, 4, 1, 4},     // identity shortcut
                                           BlockCase{16, 16, 1, 3},  // identity, unpadded
                                           BlockCase{4, 8, 2, 5}));   // strided 1x1 projection

}  // namespace
}  // namespace lookalike::nn::testing
