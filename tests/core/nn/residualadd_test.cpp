// ResidualAdd: a + b (optionally ReLU'd, optionally in place) against the definition, and the
// shared gradient of both inputs against finite differences (skipping kink crossings).

#include "core/nn/layers/residualadd.h"

#include "layertesting.h"

namespace lookalike::nn::testing {
namespace {

using layers::ResidualAdd;

struct AddCase {
    int channels;  // 8 in nChw16c has padded channels
    bool relu;
    bool inPlace;  // blocked only: in place over a plain tensor would overwrite the test's input
    bool blocked;
};

class ResidualAddTest : public ::testing::TestWithParam<AddCase> {};

TEST_P(ResidualAddTest, ForwardAndGradientMatchReference)
{
    const AddCase& c = GetParam();
    Context context;
    const memory::dims dims{2, c.channels, 3, 3};
    TestTensor a(context, dims, c.blocked);
    TestTensor b(context, dims, c.blocked);
    a.set(randomVector(elementCount(dims), 51));
    b.set(randomVector(elementCount(dims), 52));
    ResidualAdd add(context, a.bound(), b.bound(), c.relu, c.inPlace);
    TestTensor diffDst(context, dims, c.blocked);
    const std::vector<float> lossWeights = randomVector(elementCount(dims), 53);
    diffDst.set(lossWeights);
    add.prepareBackward(diffDst.bound());

    std::vector<double> expected(elementCount(dims));
    for (std::size_t i = 0; i < expected.size(); ++i) {
        expected[i] = double{a.values()[i]} + b.values()[i];
        if (c.relu)
            expected[i] = std::max(0.0, expected[i]);
    }
    add.forward();
    const std::vector<float> output = toPlain(context, add.dst());
    expectNear(output, expected, 1e-6, "dst");
    add.backward();
    const std::vector<float> diff = toPlain(context, add.diffSrc());

    std::vector<float> current;
    const auto loss = [&] {
        a.upload();  // in place: forward overwrote a
        add.forward();
        current = toPlain(context, add.dst());
        return weightedSum(current, lossWeights);
    };
    const auto crossesKink = [&] {
        for (std::size_t i = 0; i < output.size(); ++i)
            if ((output[i] > 0.f) != (current[i] > 0.f))
                return true;
        return false;
    };
    const std::function<bool()> kink = c.relu ? std::function<bool()>(crossesKink) : std::function<bool()>();
    expectGradientMatches("diff a", a.values(), diff, 1e-2, [] {}, loss, {1e-4, 1e-3}, kink);
    expectGradientMatches("diff b", b.values(), diff, 1e-2, [&] { b.upload(); }, loss, {1e-4, 1e-3}, kink);
}

INSTANTIATE_TEST_SUITE_P(Variants, ResidualAddTest,
                         ::testing::Values(AddCase{16, false, false, false}, AddCase{16, true, false, true},
                                           AddCase{16, true, true, true}, AddCase{16, false, true, true},
                                           AddCase{8, true, true, true}, AddCase{3, false, true, true}));

}  // namespace
}  // namespace lookalike::nn::testing
