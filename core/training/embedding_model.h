#pragma once
// An embedding model turns photos into unit vectors whose inner product says how alike they
// look. Two kinds back a library:
// - DescriptorModel: HOG + coarse colour layout (imaging/descriptors.h). Needs no training, so
//   it is what a fresh library searches with until its first training run finishes.
// - NetworkModel: the trained network, fused with the same descriptors or with their learned
//   projection P (nn::LinearEmbedding, whitening.h): [sqrt(1 - w) * network(x), sqrt(w) * P(d(x))],
//   trained that way too (see FixedFeatures in trainer.h), so the cosine is
//   (1 - w) * network cosine + w * descriptor-branch cosine. At w = 1 the network is not run.
// Preprocessing is the one of image_tensor.h for every caller: catalog items, training views
// and query photos.

#include "core/imaging/descriptors.h"
#include "core/nn/inferencenetwork.h"
#include "core/nn/linearembedding.h"
#include "core/nn/network.h"
#include "core/util/progress.h"

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

namespace lookalike::training {

class EmbeddingModel {
public:
    virtual ~EmbeddingModel() = default;
    virtual std::size_t dimension() const = 0;
    // images: CV_8UC1 or CV_8UC3 (BGR), any size -> out [N, dimension()], rows of unit norm.
    // progress reports images done; a set cancel token throws Cancelled between batches.
    // Throws std::invalid_argument for a wrong out size or an unusable image.
    virtual void embed(const std::vector<cv::Mat>& images, std::span<float> out,
                       const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr) = 0;
    // Frees what embed() keeps to be quicker next time (a network's batch buffers), for a caller
    // done with a long run of calls; the next embed() rebuilds what it needs.
    virtual void releaseWorkspace() {}
};

class DescriptorModel final : public EmbeddingModel {
public:
    explicit DescriptorModel(const imaging::HogColourConfig& config = {});
    std::size_t dimension() const override;
    void embed(const std::vector<cv::Mat>& images, std::span<float> out, const ProgressCallback& progress = {},
               const CancelToken* cancel = nullptr) override;
    const imaging::HogColourDescriptor& descriptor() const { return m_descriptor; }

private:
    imaging::HogColourDescriptor m_descriptor;
};

struct NetworkModelOptions {
    float descriptorWeight = 0.5f;  // w above, in [0, 1]
    bool averageWithMirror = true;  // embed the mirror image too and average (EmbedOptions)
    int threads = 2;
    int batch = 64;
    // The descriptors' learned projection (inputDim = the descriptors' dimension); null: the
    // descriptors as they are.
    std::shared_ptr<nn::LinearEmbedding> projection;
};

// [sqrt(1 - w) * network row, sqrt(w) * branch row] per image, rows renormalised; network may be
// empty when w = 1. Returns [N, networkDim + branchDim] (networkDim = 0 when w = 1).
std::vector<float> fuseParts(std::span<const float> network, std::size_t networkDim, std::span<const float> branch,
                             std::size_t branchDim, std::size_t count, float descriptorWeight);

class NetworkModel final : public EmbeddingModel {
public:
    // Throws std::invalid_argument for a weight outside [0, 1] or a projection whose input is
    // not the descriptors.
    NetworkModel(std::shared_ptr<const nn::Network> network, const NetworkModelOptions& options);
    std::size_t dimension() const override;
    void embed(const std::vector<cv::Mat>& images, std::span<float> out, const ProgressCallback& progress = {},
               const CancelToken* cancel = nullptr) override;
    void releaseWorkspace() override;

    // The parts before fusion: network [N, networkDimension()] (not computed, left empty, when
    // skipNetwork) and the descriptor branch [N, branchDimension()] (projected when a projection
    // is set). Progress and cancel as embed().
    void embedParts(const std::vector<cv::Mat>& images, std::vector<float>& network, std::vector<float>& branch,
                    bool skipNetwork, const ProgressCallback& progress = {}, const CancelToken* cancel = nullptr);
    std::size_t networkDimension() const;
    std::size_t branchDimension() const;

    const nn::Network& network() const { return *m_network; }
    const NetworkModelOptions& options() const { return m_options; }

private:
    std::vector<float> embedWithNetwork(const std::vector<cv::Mat>& images, const ProgressCallback& progress,
                                        const CancelToken* cancel);

    std::shared_ptr<const nn::Network> m_network;
    // Built on first use and kept: batch norm folded once, and the oneDNN plans of its batch
    // sizes reused by every later call (a search by photo, each chunk of an embedding run)
    // until releaseWorkspace().
    std::unique_ptr<nn::InferenceNetwork> m_inference;
    NetworkModelOptions m_options;
    DescriptorModel m_descriptors;
};

}  // namespace lookalike::training
