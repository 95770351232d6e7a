#include "core/training/whitening.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <vector>

namespace lookalike::training {

namespace {

// The output is normalised, so only W's direction matters; its scale sets how far an optimizer
// step moves it. (eigenvalue)^-power can reach 1e3, where a step of 1e-3 would change nothing:
// rescale W and b together so that W's `rows` kept rows have unit norm on average.
void rescaleRows(std::span<float> weights, std::span<float> bias, int rows) {
    double squares = 0.0;
    for (float w : weights)
        squares += static_cast<double>(w) * w;
    if (squares <= 0.0)
        return;
    const auto scale = static_cast<float>(std::sqrt(rows / squares));
    for (float& w : weights)
        w *= scale;
    for (float& b : bias)
        b *= scale;
}

}  // namespace

void initialiseAsWhitening(nn::LinearEmbedding& embedding, std::span<const float> samples, std::size_t count,
                           float power) {
    const int inputDim = embedding.inputDim(), outputDim = embedding.outputDim();
    if (count < 2 || samples.size() != count * static_cast<std::size_t>(inputDim))
        throw std::invalid_argument("initialiseAsWhitening: expected at least 2 samples of the input dimension");
    if (!(power >= 0.0f && power <= 1.0f))
        throw std::invalid_argument("initialiseAsWhitening: power must be within [0, 1]");
    const cv::Mat data(static_cast<int>(count), inputDim, CV_32F, const_cast<float*>(samples.data()));
    cv::Mat covariance, mean;
    cv::calcCovarMatrix(data, covariance, mean, cv::COVAR_NORMAL | cv::COVAR_ROWS | cv::COVAR_SCALE, CV_64F);
    cv::Mat eigenvalues, eigenvectors;  // descending; eigenvectors as rows
    cv::eigen(covariance, eigenvalues, eigenvectors);
    const double largest = std::max(eigenvalues.at<double>(0), 0.0);
    const double epsilon = 1e-4 * largest + 1e-12;
    const int rank = std::min<int>(static_cast<int>(count) - 1, inputDim);

    std::vector<nn::Parameter> parameters = embedding.parameters();
    std::span<float> weights = parameters[0].data, bias = parameters[1].data;
    std::fill(weights.begin(), weights.end(), 0.0f);
    std::fill(bias.begin(), bias.end(), 0.0f);
    for (int k = 0; k < std::min(outputDim, rank); ++k) {
        const double value = std::max(eigenvalues.at<double>(k), 0.0);
        const double scale = std::pow(value + epsilon, -static_cast<double>(power));
        double offset = 0.0;
        for (int d = 0; d < inputDim; ++d) {
            const double w = scale * eigenvectors.at<double>(k, d);
            weights[static_cast<std::size_t>(k) * inputDim + d] = static_cast<float>(w);
            offset += w * mean.at<double>(0, d);
        }
        bias[static_cast<std::size_t>(k)] = static_cast<float>(-offset);
    }
    rescaleRows(weights, bias, std::min(outputDim, rank));
}

void refineWithGroups(nn::LinearEmbedding& embedding, std::span<const float> samples,
                      std::span<const std::int64_t> labels, float reg, float power) {
    const int inputDim = embedding.inputDim(), outputDim = embedding.outputDim();
    const std::size_t count = labels.size();
    if (samples.size() != count * static_cast<std::size_t>(inputDim))
        throw std::invalid_argument("refineWithGroups: expected one sample of the input dimension per label");
    if (!(reg > 0.0f) || !(power >= 0.0f && power <= 1.0f))
        throw std::invalid_argument("refineWithGroups: reg must be > 0 and power within [0, 1]");
    std::vector<nn::Parameter> parameters = embedding.parameters();
    std::span<float> weights = parameters[0].data, bias = parameters[1].data;

    // z = W x + b per sample, then the scatter of each group around its mean.
    std::map<std::int64_t, std::vector<std::size_t>> groups;
    for (std::size_t i = 0; i < count; ++i)
        groups[labels[i]].push_back(i);
    cv::Mat scatter = cv::Mat::zeros(outputDim, outputDim, CV_64F);
    std::size_t members = 0;
    std::vector<double> z(static_cast<std::size_t>(outputDim));
    for (const auto& [label, indices] : groups) {
        if (indices.size() < 2)
            continue;
        cv::Mat group(static_cast<int>(indices.size()), outputDim, CV_64F);
        for (std::size_t row = 0; row < indices.size(); ++row) {
            const float* x = samples.data() + indices[row] * static_cast<std::size_t>(inputDim);
            for (int k = 0; k < outputDim; ++k) {
                double sum = bias[static_cast<std::size_t>(k)];
                const float* w = weights.data() + static_cast<std::size_t>(k) * inputDim;
                for (int d = 0; d < inputDim; ++d)
                    sum += static_cast<double>(w[d]) * x[d];
                group.at<double>(static_cast<int>(row), k) = sum;
            }
        }
        cv::Mat mean;
        cv::reduce(group, mean, 0, cv::REDUCE_AVG);
        group -= cv::repeat(mean, group.rows, 1);
        scatter += group.t() * group;
        members += indices.size();
    }
    if (members < 2)
        throw std::invalid_argument("refineWithGroups: no group has two samples");
    scatter /= static_cast<double>(members);
    const double meanEigenvalue = cv::trace(scatter)[0] / outputDim;
    scatter += cv::Mat::eye(outputDim, outputDim, CV_64F) * (static_cast<double>(reg) * meanEigenvalue + 1e-12);
    cv::Mat eigenvalues, eigenvectors;  // eigenvectors as rows
    cv::eigen(scatter, eigenvalues, eigenvectors);

    // W' = diag(lambda^-power) V W, b' = diag(lambda^-power) V b.
    cv::Mat refine(outputDim, outputDim, CV_64F);
    for (int k = 0; k < outputDim; ++k) {
        const double scale = std::pow(eigenvalues.at<double>(k), -static_cast<double>(power));
        for (int j = 0; j < outputDim; ++j)
            refine.at<double>(k, j) = scale * eigenvectors.at<double>(k, j);
    }
    cv::Mat oldWeights(outputDim, inputDim, CV_64F), oldBias(outputDim, 1, CV_64F);
    for (int k = 0; k < outputDim; ++k) {
        for (int d = 0; d < inputDim; ++d)
            oldWeights.at<double>(k, d) = weights[static_cast<std::size_t>(k) * inputDim + d];
        oldBias.at<double>(k) = bias[static_cast<std::size_t>(k)];
    }
    const cv::Mat newWeights = refine * oldWeights, newBias = refine * oldBias;
    for (int k = 0; k < outputDim; ++k) {
        for (int d = 0; d < inputDim; ++d)
            weights[static_cast<std::size_t>(k) * inputDim + d] = static_cast<float>(newWeights.at<double>(k, d));
        bias[static_cast<std::size_t>(k)] = static_cast<float>(newBias.at<double>(k));
    }
    rescaleRows(weights, bias, outputDim);
}

}  // namespace lookalike::training
