#include "core/training/embedding_model.h"

#include "core/training/trainer.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace lookalike::training {

namespace {

void checkOutput(std::size_t images, std::size_t dimension, std::span<float> out) {
    if (out.size() != images * dimension)
        throw std::invalid_argument("embed: the output holds " + std::to_string(out.size()) + " values, expected " +
                                    std::to_string(images * dimension));
}

// Rows of unit norm whatever the parts gave: a blank (all-white) photo has no HOG edges and no
// colour, and the index refuses zero vectors, so it becomes the uniform direction instead.
void normaliseRows(std::span<float> out, std::size_t dimension) {
    for (std::size_t first = 0; first < out.size(); first += dimension) {
        std::span<float> row = out.subspan(first, dimension);
        double norm = 0.0;
        for (float value : row)
            norm += static_cast<double>(value) * value;
        if (norm > 1e-12) {
            const auto scale = static_cast<float>(1.0 / std::sqrt(norm));
            for (float& value : row)
                value *= scale;
        } else {
            std::fill(row.begin(), row.end(), static_cast<float>(1.0 / std::sqrt(static_cast<double>(dimension))));
        }
    }
}

// Descriptors are computed in chunks so that cancel and progress work the same as for the network.
constexpr std::size_t kDescriptorChunk = 256;

}  // namespace

DescriptorModel::DescriptorModel(const imaging::HogColourConfig& config) : m_descriptor(config) {}

std::size_t DescriptorModel::dimension() const {
    return m_descriptor.dimension();
}

void DescriptorModel::embed(const std::vector<cv::Mat>& images, std::span<float> out, const ProgressCallback& progress,
                            const CancelToken* cancel) {
    const std::size_t dimension = m_descriptor.dimension();
    checkOutput(images.size(), dimension, out);
    Progress status;
    status.total = static_cast<std::int64_t>(images.size());
    for (std::size_t first = 0; first < images.size(); first += kDescriptorChunk) {
        if (cancel && cancel->isCancelled())
            throw Cancelled();
        const std::size_t end = std::min(images.size(), first + kDescriptorChunk);
        // Checked here: nothing may throw inside the parallel loop.
        for (std::size_t i = first; i < end; ++i)
            if (images[i].empty() || images[i].depth() != CV_8U || (images[i].channels() != 1 && images[i].channels() != 3))
                throw std::invalid_argument("embed: image " + std::to_string(i) + " is not an 8-bit gray or colour image");
#pragma omp parallel for num_threads(2) schedule(dynamic)
        for (std::size_t i = first; i < end; ++i)
            m_descriptor.compute(images[i], out.subspan(i * dimension, dimension));
        normaliseRows(out.subspan(first * dimension, (end - first) * dimension), dimension);
        status.done = static_cast<std::int64_t>(end);
        if (progress)
            progress(status);
    }
}

std::vector<float> fuseParts(std::span<const float> network, std::size_t networkDim, std::span<const float> branch,
                             std::size_t branchDim, std::size_t count, float descriptorWeight) {
    const bool withNetwork = descriptorWeight < 1.0f;
    const std::size_t leftDim = withNetwork ? networkDim : 0;
    const std::size_t dimension = leftDim + branchDim;
    std::vector<float> out(count * dimension);
    const float networkScale = std::sqrt(1.0f - descriptorWeight);
    const float branchScale = std::sqrt(descriptorWeight);
    for (std::size_t i = 0; i < count; ++i) {
        float* row = out.data() + i * dimension;
        for (std::size_t d = 0; d < leftDim; ++d)
            row[d] = networkScale * network[i * networkDim + d];
        for (std::size_t d = 0; d < branchDim; ++d)
            row[leftDim + d] = branchScale * branch[i * branchDim + d];
    }
    normaliseRows(out, dimension);
    return out;
}

NetworkModel::NetworkModel(std::shared_ptr<const nn::Network> network, const NetworkModelOptions& options)
    : m_network(std::move(network)), m_options(options) {
    if (!m_network)
        throw std::invalid_argument("NetworkModel: no network");
    if (!(options.descriptorWeight >= 0.0f && options.descriptorWeight <= 1.0f))
        throw std::invalid_argument("NetworkModel: the descriptor weight must be within [0, 1]");
    if (options.projection && options.projection->inputDim() != static_cast<int>(m_descriptors.dimension()))
        throw std::invalid_argument("NetworkModel: the projection does not take the descriptors as input");
    if (options.projection)
        options.projection->setThreadCount(options.threads);
}

std::size_t NetworkModel::networkDimension() const {
    return static_cast<std::size_t>(m_network->config().embeddingDim);
}

std::size_t NetworkModel::branchDimension() const {
    return m_options.projection ? static_cast<std::size_t>(m_options.projection->outputDim()) : m_descriptors.dimension();
}

std::size_t NetworkModel::dimension() const {
    const float w = m_options.descriptorWeight;
    return (w < 1.0f ? networkDimension() : 0) + (w > 0.0f ? branchDimension() : 0);
}

std::vector<float> NetworkModel::embedWithNetwork(const std::vector<cv::Mat>& images, const ProgressCallback& progress,
                                                 const CancelToken* cancel) {
    if (!m_inference)
        m_inference = std::make_unique<nn::InferenceNetwork>(*m_network, m_options.threads);
    return embedImages(*m_inference, images,
                       EmbedOptions{m_options.batch, m_options.threads, m_options.averageWithMirror}, progress,
                       cancel);
}

void NetworkModel::releaseWorkspace() {
    if (m_inference)
        m_inference->releasePlans();
}

void NetworkModel::embedParts(const std::vector<cv::Mat>& images, std::vector<float>& network,
                              std::vector<float>& branch, bool skipNetwork, const ProgressCallback& progress,
                              const CancelToken* cancel) {
    // The network's share of the work is most of it: report its progress, then the descriptors'.
    ProgressCallback networkProgress;
    if (progress && !skipNetwork)
        networkProgress = [&](const Progress& status) {
            Progress scaled = status;
            scaled.done = status.done * 9 / 10;
            progress(scaled);
        };
    network.clear();
    if (!skipNetwork)
        network = embedWithNetwork(images, networkProgress, cancel);
    const std::size_t descriptorDim = m_descriptors.dimension();
    std::vector<float> descriptors(images.size() * descriptorDim);
    m_descriptors.embed(images, descriptors, {}, cancel);
    if (!m_options.projection) {
        branch = std::move(descriptors);
    } else {
        const std::size_t branchDim = branchDimension();
        branch.assign(images.size() * branchDim, 0.0f);
        for (std::size_t first = 0; first < images.size(); first += kDescriptorChunk) {
            const std::size_t count = std::min(kDescriptorChunk, images.size() - first);
            std::span<const float> projected = m_options.projection->forward(
                std::span<const float>(descriptors).subspan(first * descriptorDim, count * descriptorDim),
                static_cast<int>(count), false);
            std::copy(projected.begin(), projected.end(), branch.begin() + static_cast<std::ptrdiff_t>(first * branchDim));
        }
    }
    if (progress) {
        Progress done;
        done.total = done.done = static_cast<std::int64_t>(images.size());
        progress(done);
    }
}

void NetworkModel::embed(const std::vector<cv::Mat>& images, std::span<float> out, const ProgressCallback& progress,
                         const CancelToken* cancel) {
    const std::size_t dimension = this->dimension();
    checkOutput(images.size(), dimension, out);
    const float w = m_options.descriptorWeight;
    std::vector<float> network, branch;
    if (w == 0.0f) {  // the network alone: no descriptors to compute
        network = embedWithNetwork(images, progress, cancel);
        std::copy(network.begin(), network.end(), out.begin());
        return;
    }
    embedParts(images, network, branch, w >= 1.0f, progress, cancel);
    const std::vector<float> fused =
        fuseParts(network, networkDimension(), branch, branchDimension(), images.size(), w);
    std::copy(fused.begin(), fused.end(), out.begin());
}

}  // namespace lookalike::training
