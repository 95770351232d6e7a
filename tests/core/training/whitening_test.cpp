// PCA whitening as a LinearEmbedding's start: on correlated Gaussian samples the map
// W (x - mean) = W x + b has zero mean and a covariance proportional to the identity over the
// kept directions (the scale is free: the output is normalised), sorted by variance;
// directions beyond the samples' rank stay zero; bad arguments are refused.

#include "core/training/whitening.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <random>
#include <vector>

using namespace lookalike;

namespace {

// count samples of x = A z + offset, z ~ N(0, I): a full-rank, strongly correlated cloud.
std::vector<float> correlatedSamples(std::size_t count, int dim, std::uint32_t seed) {
    std::mt19937 random(seed);
    std::normal_distribution<float> normal;
    std::vector<float> mixing(static_cast<std::size_t>(dim) * dim);
    for (float& value : mixing)
        value = normal(random);
    std::vector<float> samples(count * dim);
    std::vector<float> z(dim);
    for (std::size_t n = 0; n < count; ++n) {
        for (float& value : z)
            value = normal(random);
        for (int i = 0; i < dim; ++i) {
            double sum = 3.0 + i;  // an offset the mean must remove
            for (int j = 0; j < dim; ++j)
                sum += mixing[i * dim + j] * z[j] * (j + 1);
            samples[n * dim + i] = static_cast<float>(sum);
        }
    }
    return samples;
}

// y = W x + b for every sample: [count, outputDim], before normalisation.
std::vector<double> affine(const nn::LinearEmbedding& embedding, const std::vector<float>& samples, std::size_t count) {
    const int in = embedding.inputDim(), out = embedding.outputDim();
    std::vector<double> y(count * out);
    for (std::size_t n = 0; n < count; ++n)
        for (int k = 0; k < out; ++k) {
            double sum = embedding.bias()[k];
            for (int d = 0; d < in; ++d)
                sum += static_cast<double>(embedding.weights()[k * in + d]) * samples[n * in + d];
            y[n * out + k] = sum;
        }
    return y;
}

TEST(Whitening, MapsSamplesToZeroMeanAndUnitCovariance) {
    const int dim = 6, kept = 4;
    const std::size_t count = 4000;
    const std::vector<float> samples = correlatedSamples(count, dim, 5);
    nn::LinearEmbedding embedding(dim, kept);
    training::initialiseAsWhitening(embedding, samples, count, 0.5f);
    const std::vector<double> y = affine(embedding, samples, count);
    double scale = 0.0;  // the common variance
    for (std::size_t n = 0; n < count; ++n)
        scale += y[n * kept] * y[n * kept] / count;
    ASSERT_GT(scale, 0.0);
    double squares = 0.0;
    for (float w : embedding.weights())
        squares += static_cast<double>(w) * w;
    EXPECT_NEAR(squares, kept, 1e-3) << "rows of unit norm on average";
    for (int a = 0; a < kept; ++a) {
        double mean = 0.0;
        for (std::size_t n = 0; n < count; ++n)
            mean += y[n * kept + a];
        EXPECT_NEAR(mean / count / std::sqrt(scale), 0.0, 1e-3) << a;
        for (int b = 0; b < kept; ++b) {
            double covariance = 0.0;
            for (std::size_t n = 0; n < count; ++n)
                covariance += y[n * kept + a] * y[n * kept + b];
            EXPECT_NEAR(covariance / count / scale, a == b ? 1.0 : 0.0, 2e-3) << a << "," << b;
        }
    }
}

TEST(Whitening, PowerZeroIsAPlainRotationOrderedByVariance) {
    const int dim = 5;
    const std::size_t count = 3000;
    const std::vector<float> samples = correlatedSamples(count, dim, 7);
    nn::LinearEmbedding embedding(dim, dim);
    training::initialiseAsWhitening(embedding, samples, count, 0.0f);
    const std::vector<double> y = affine(embedding, samples, count);
    double previous = INFINITY;
    for (int k = 0; k < dim; ++k) {
        double norm = 0.0, variance = 0.0;
        for (int d = 0; d < dim; ++d)
            norm += std::pow(embedding.weights()[k * dim + d], 2);
        for (std::size_t n = 0; n < count; ++n)
            variance += y[n * dim + k] * y[n * dim + k] / count;
        EXPECT_NEAR(norm, 1.0, 1e-4) << "row " << k << " is a unit direction (all rows scale alike)";
        EXPECT_LE(variance, previous * (1 + 1e-6)) << "directions come by decreasing variance";
        previous = variance;
    }
}

TEST(Whitening, DirectionsBeyondTheSamplesRankStayZero) {
    const int dim = 8;
    const std::size_t count = 3;  // rank 2 once centred
    const std::vector<float> samples = correlatedSamples(count, dim, 9);
    nn::LinearEmbedding embedding(dim, 5);
    training::initialiseAsWhitening(embedding, samples, count, 0.5f);
    for (int k = 0; k < 5; ++k) {
        double norm = 0.0;
        for (int d = 0; d < dim; ++d)
            norm += std::abs(embedding.weights()[k * dim + d]);
        if (k < 2)
            EXPECT_GT(norm, 0.0) << k;
        else
            EXPECT_EQ(norm, 0.0) << k;
    }
}

TEST(Whitening, RefusesTooFewSamplesAWrongSizeOrPower) {
    nn::LinearEmbedding embedding(3, 2);
    const std::vector<float> one{1.0f, 2.0f, 3.0f};
    EXPECT_THROW(training::initialiseAsWhitening(embedding, one, 1), std::invalid_argument);
    const std::vector<float> two{1.0f, 2.0f, 3.0f, 4.0f, 5.0f};
    EXPECT_THROW(training::initialiseAsWhitening(embedding, two, 2), std::invalid_argument);
    const std::vector<float> good{1.0f, 2.0f, 3.0f, 3.0f, 1.0f, 0.0f};
    EXPECT_THROW(training::initialiseAsWhitening(embedding, good, 2, 1.5f), std::invalid_argument);
    EXPECT_NO_THROW(training::initialiseAsWhitening(embedding, good, 2, 0.5f));
}

}  // namespace

namespace {

// Groups whose members differ mostly along a "style" direction that is as large as the
// differences between groups: plain cosine confuses them, the within-group whitening learned
// from some groups tells apart groups it has not seen.
TEST(Whitening, WithinGroupWhiteningLearnsWhichDirectionsDoNotTellGroupsApart) {
    const int dim = 16;
    std::mt19937 random(3);
    std::normal_distribution<float> normal;
    std::vector<float> style(dim);
    for (float& value : style)
        value = normal(random);
    const auto makeGroups = [&](int groups, int members, std::int64_t firstLabel, std::vector<float>& samples,
                                std::vector<std::int64_t>& labels) {
        for (int g = 0; g < groups; ++g) {
            std::vector<float> centre(dim);
            for (float& value : centre)
                value = normal(random);
            for (int m = 0; m < members; ++m) {
                const float amount = 3.0f * normal(random);
                for (int d = 0; d < dim; ++d)
                    samples.push_back(centre[d] + amount * style[d] + 0.2f * normal(random));
                labels.push_back(firstLabel + g);
            }
        }
    };
    std::vector<float> train, test;
    std::vector<std::int64_t> trainLabels, testLabels;
    makeGroups(40, 4, 0, train, trainLabels);
    makeGroups(40, 4, 1000, test, testLabels);
    const auto recall = [&](nn::LinearEmbedding& embedding) {
        std::span<const float> y = embedding.forward(test, static_cast<int>(testLabels.size()), false);
        const std::size_t n = testLabels.size(), k = static_cast<std::size_t>(embedding.outputDim());
        int hits = 0;
        for (std::size_t i = 0; i < n; ++i) {
            double best = -2.0;
            std::size_t found = i;
            for (std::size_t j = 0; j < n; ++j) {
                if (j == i)
                    continue;
                double dot = 0.0;
                for (std::size_t d = 0; d < k; ++d)
                    dot += static_cast<double>(y[i * k + d]) * y[j * k + d];
                if (dot > best) {
                    best = dot;
                    found = j;
                }
            }
            hits += testLabels[found] == testLabels[i];
        }
        return static_cast<double>(hits) / static_cast<double>(n);
    };
    nn::LinearEmbedding embedding(dim, dim);
    training::initialiseAsWhitening(embedding, train, trainLabels.size(), 0.0f);  // a rotation: plain cosine
    const double before = recall(embedding);
    training::refineWithGroups(embedding, train, trainLabels);
    const double after = recall(embedding);
    EXPECT_GT(after, before + 0.2) << "before " << before << ", after " << after;
    EXPECT_GT(after, 0.8);

    EXPECT_THROW(training::refineWithGroups(embedding, train, std::vector<std::int64_t>(3)), std::invalid_argument);
    const std::vector<std::int64_t> allDifferent = [&] {
        std::vector<std::int64_t> labels(trainLabels.size());
        std::iota(labels.begin(), labels.end(), 0);
        return labels;
    }();
    EXPECT_THROW(training::refineWithGroups(embedding, train, allDifferent), std::invalid_argument);
}

}  // namespace
