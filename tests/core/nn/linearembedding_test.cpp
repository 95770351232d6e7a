// LinearEmbedding: forward against a naive normalize(W x + b), weight and bias gradients of a
// weighted sum of the outputs against central finite differences, checkpoint round trip and
// the refusal of damaged or foreign checkpoints.

#include "core/nn/linearembedding.h"

#include "core/nn/checkpoint.h"
#include "core/nn/network.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace lookalike::nn {
namespace {

std::vector<float> randomValues(std::size_t size, std::uint32_t seed) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
    std::vector<float> values(size);
    for (float& value : values)
        value = uniform(random);
    return values;
}

LinearEmbedding randomEmbedding(int in, int out, std::uint32_t seed) {
    LinearEmbedding embedding(in, out);
    std::vector<Parameter> parameters = embedding.parameters();
    for (Parameter& parameter : parameters) {
        std::vector<float> values = randomValues(parameter.data.size(), seed++);
        std::copy(values.begin(), values.end(), parameter.data.begin());
    }
    return embedding;
}

std::vector<double> reference(const LinearEmbedding& embedding, const std::vector<float>& x, int batch) {
    const int in = embedding.inputDim(), out = embedding.outputDim();
    std::vector<double> y(static_cast<std::size_t>(batch) * out);
    for (int n = 0; n < batch; ++n) {
        double norm = 0.0;
        for (int k = 0; k < out; ++k) {
            double sum = embedding.bias()[k];
            for (int c = 0; c < in; ++c)
                sum += static_cast<double>(embedding.weights()[k * in + c]) * x[n * in + c];
            y[n * out + k] = sum;
            norm += sum * sum;
        }
        for (int k = 0; k < out; ++k)
            y[n * out + k] /= std::sqrt(norm);
    }
    return y;
}

TEST(LinearEmbedding, ForwardIsTheNormalisedAffineMap) {
    LinearEmbedding embedding = randomEmbedding(37, 16, 1);
    const int batch = 5;
    const std::vector<float> x = randomValues(batch * 37, 9);
    std::span<const float> y = embedding.forward(x, batch, false);
    const std::vector<double> expected = reference(embedding, x, batch);
    ASSERT_EQ(y.size(), expected.size());
    for (std::size_t i = 0; i < y.size(); ++i)
        EXPECT_NEAR(y[i], expected[i], 1e-5) << i;
    // Training mode computes the same.
    std::span<const float> trained = embedding.forward(x, batch, true);
    for (std::size_t i = 0; i < y.size(); ++i)
        EXPECT_NEAR(trained[i], expected[i], 1e-5) << i;
}

TEST(LinearEmbedding, GradientsMatchFiniteDifferences) {
    const int in = 7, out = 5, batch = 3;
    LinearEmbedding embedding = randomEmbedding(in, out, 3);
    const std::vector<float> x = randomValues(batch * in, 11);
    const std::vector<float> lossWeights = randomValues(batch * out, 12);
    const auto loss = [&](LinearEmbedding& e) {
        std::span<const float> y = e.forward(x, batch, true);
        double sum = 0.0;
        for (std::size_t i = 0; i < y.size(); ++i)
            sum += static_cast<double>(lossWeights[i]) * y[i];
        return sum;
    };
    loss(embedding);
    embedding.backward(lossWeights);
    std::vector<Parameter> parameters = embedding.parameters();
    const float step = 1e-3f;
    for (Parameter& parameter : parameters) {
        const std::vector<float> analytic(parameter.grad.begin(), parameter.grad.end());
        for (std::size_t i = 0; i < parameter.data.size(); ++i) {
            const float kept = parameter.data[i];
            parameter.data[i] = kept + step;
            const double plus = loss(embedding);
            parameter.data[i] = kept - step;
            const double minus = loss(embedding);
            parameter.data[i] = kept;
            EXPECT_NEAR(analytic[i], (plus - minus) / (2.0 * step), 2e-3) << parameter.name << "[" << i << "]";
        }
    }
}

TEST(LinearEmbedding, BackwardNeedsATrainingForward) {
    LinearEmbedding embedding = randomEmbedding(4, 3, 5);
    std::vector<float> gradient(3);
    EXPECT_THROW(embedding.backward(gradient), std::logic_error);
    const std::vector<float> x = randomValues(4, 6);
    embedding.forward(x, 1, false);
    EXPECT_THROW(embedding.backward(gradient), std::logic_error);
    embedding.forward(x, 1, true);
    EXPECT_THROW(embedding.backward(std::vector<float>(2)), std::invalid_argument);
    EXPECT_THROW(embedding.forward(std::vector<float>(3), 1, false), std::invalid_argument);
    EXPECT_THROW(LinearEmbedding(0, 3), std::invalid_argument);
}

TEST(LinearEmbedding, CheckpointRoundTripsAndDamageIsRefused) {
    LinearEmbedding embedding = randomEmbedding(12, 6, 7);
    const std::vector<std::byte> bytes = embedding.serialize();
    LinearEmbedding loaded = LinearEmbedding::deserialize(bytes);
    ASSERT_EQ(loaded.inputDim(), 12);
    ASSERT_EQ(loaded.outputDim(), 6);
    EXPECT_TRUE(std::equal(loaded.weights().begin(), loaded.weights().end(), embedding.weights().begin()));
    EXPECT_TRUE(std::equal(loaded.bias().begin(), loaded.bias().end(), embedding.bias().begin()));

    const auto reason = [](std::span<const std::byte> damaged) {
        try {
            LinearEmbedding::deserialize(damaged);
        } catch (const CheckpointError& error) {
            return error.reason();
        }
        ADD_FAILURE() << "accepted";
        return CheckpointError::Reason::Io;
    };
    EXPECT_EQ(reason(std::span(bytes).first(bytes.size() - 9)), CheckpointError::Reason::Truncated);
    std::vector<std::byte> flipped = bytes;
    flipped[bytes.size() / 2] ^= std::byte{0x40};
    EXPECT_EQ(reason(flipped), CheckpointError::Reason::ChecksumMismatch);
    // A network's checkpoint is not a linear embedding, and the reverse.
    Network network(NetworkConfig::forInput(1, 28), 1);
    EXPECT_EQ(reason(serializeCheckpoint(network)), CheckpointError::Reason::ArchitectureMismatch);
    EXPECT_THROW(deserializeCheckpoint(bytes), CheckpointError);
}

TEST(LinearEmbedding, ConcatenatedCheckpointsSplitBackIntoTheirParts) {
    Network network(NetworkConfig::forInput(1, 28), 2);
    LinearEmbedding embedding = randomEmbedding(9, 4, 8);
    std::vector<std::byte> both = serializeCheckpoint(network);
    const std::size_t networkBytes = both.size();
    const std::vector<std::byte> tail = embedding.serialize();
    both.insert(both.end(), tail.begin(), tail.end());
    const std::vector<std::span<const std::byte>> parts = splitTensorFiles(both);
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0].size(), networkBytes);
    EXPECT_EQ(deserializeCheckpoint(parts[0]).config(), network.config());
    EXPECT_EQ(LinearEmbedding::deserialize(parts[1]).inputDim(), 9);
    // A cut inside the second part is refused before anything is parsed.
    EXPECT_THROW(splitTensorFiles(std::span<const std::byte>(both).first(both.size() - 1)), CheckpointError);
    EXPECT_THROW(splitTensorFiles({}), CheckpointError);
}

}  // namespace
}  // namespace lookalike::nn
