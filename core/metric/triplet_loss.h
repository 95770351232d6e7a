#pragma once
// Triplet loss with online mining inside a batch, on embeddings that the network has already
// L2-normalised. The loss returns its value, per-step statistics and the gradient with respect
// to the embeddings; the network's L2-norm layer backpropagates that gradient.
//
// Distance: d(i, j) = sqrt(max(|x_i|^2 + |x_j|^2 - 2 <x_i, x_j>, 0) + kDistanceEpsilon), the
// Euclidean distance (not squared) with a small epsilon inside the square root. Non-squared
// distances keep the margin in the same unit as the distances (0..2 on the unit sphere) and
// were found more stable by Hermans et al.; the epsilon bounds the derivative
// (x_i - x_j) / d for coincident points, which is exactly what happens in a collapse, and is
// larger than the float rounding of 2 - 2<x_i, x_j>. The squared norms come from the same Gram
// matrix, so the formula and its gradient hold for any input, normalised or not.
//
// Mining (a = anchor, p = positive with the anchor's label, n = negative with another label):
// - BatchAll: every valid triplet. Hinge: mean over the active triplets (loss > 0), the "BA!=0"
//   variant of Hermans et al.; 0 when none is active. Soft margin: mean over all triplets.
// - BatchHard: per anchor, its farthest positive and its nearest negative (Hermans et al.,
//   "In Defense of the Triplet Loss"); mean over anchors that have both. Ties go to the lowest
//   index, so the gradient flows to that sample.
// - SemiHard (FaceNet): per anchor-positive pair, the nearest negative farther than the
//   positive (d_an > d_ap). When it lies inside the margin (d_an < d_ap + margin) that is the
//   semi-hard negative; when it lies beyond, no semi-hard negative exists and the pair
//   contributes 0. Fallback when every negative is at least as close as the positive: the
//   farthest of them (the easiest hard negative), because always taking the hardest negative
//   early in training is what drives the collapse FaceNet describes. Mean over pairs.
//
// Per triplet, hinge: max(0, d_ap - d_an + margin); soft margin: softplus(d_ap - d_an) (the
// margin is not used). The hinge's subgradient at its kink (argument exactly 0) is 0, the same
// convention as ReLU'(0): such a triplet counts as inactive.

#include "core/metric/embeddings_view.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace lookalike::metric {

inline constexpr float kDistanceEpsilon = 1e-6F;

enum class TripletMining { BatchAll, BatchHard, SemiHard };

struct TripletLossConfig {
    TripletMining mining = TripletMining::BatchHard;
    float margin = 0.2F;      // hinge only; must be >= 0
    bool softMargin = false;  // softplus(d_ap - d_an) instead of the hinge
};

// Statistics of one step. The triplets are those the mining mode selected (see above); the
// mean distances are over every positive / negative pair in the batch, independent of the
// mining mode, so that they are comparable across modes and describe the embedding geometry.
struct TripletStats {
    float loss = 0.0F;
    std::size_t tripletCount = 0;  // 0 when the batch has no (anchor, positive, negative)
    float activeFraction = 0.0F;   // triplets with d_ap - d_an + margin > 0 (soft: d_ap > d_an)
    float meanPositiveDistance = 0.0F;  // 0 when the batch has no positive pair
    float meanNegativeDistance = 0.0F;  // 0 when the batch has no negative pair
};

// The loss value for the triplet argument d_ap - d_an (+ margin for the hinge); shared with
// the collapse detector, which needs the value a collapsed network gets stuck at.
float tripletLossValue(const TripletLossConfig& config, float distanceDifference);

// Define once, run many: buffers and the oneDNN matmul are kept between calls, so calling
// compute() every step with the same batch shape allocates nothing. Not thread-safe.
class TripletLoss {
public:
    // Throws std::invalid_argument for a negative or non-finite margin.
    explicit TripletLoss(const TripletLossConfig& config);
    ~TripletLoss();
    TripletLoss(TripletLoss&&) noexcept;
    TripletLoss& operator=(TripletLoss&&) noexcept;

    const TripletLossConfig& config() const { return m_config; }

    // embeddings [N, D], labels [N] (equal label = positive) -> loss and statistics; writes
    // gradient [N, D] = dLoss/dEmbeddings (overwritten) unless `gradient` is empty.
    // Throws std::invalid_argument on mismatched sizes or non-finite embeddings (a diverged
    // network), naming the offending row.
    TripletStats compute(const EmbeddingsView& embeddings, std::span<const std::int64_t> labels,
                         std::span<float> gradient);

private:
    struct Impl;
    TripletLossConfig m_config;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace lookalike::metric
