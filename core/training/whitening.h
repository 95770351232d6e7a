#pragma once
// PCA whitening as the starting point of a descriptor projection (nn::LinearEmbedding).
//
// HOG + colour vectors are all-positive and dominated by a few directions that every photo or
// drawing shares (a white margin, a framed square, a theme's shading): their plain cosine is
// high for almost any pair. Centring them on the library's mean and rescaling the principal
// directions to comparable variance lets the rarer, telling directions count, and needs no
// labels. Measured on the cross-style icon set (tests/bench/quality): Recall@1 0.351 -> 0.365.

#include "core/nn/linearembedding.h"

#include <cstddef>
#include <cstdint>
#include <span>

namespace lookalike::training {

// Sets embedding (inputDim = D, outputDim = K) to y = normalize(W (x - mean)) with W's rows the
// top K principal directions of samples [count, D], each scaled by (eigenvalue + eps)^-power
// (power 0.5: full whitening; 0: plain PCA rotation), eps = 1e-4 * the largest eigenvalue.
// Directions beyond the samples' rank stay zero. W and b are then scaled together (the output
// is normalised, so this changes nothing but the size of later optimizer steps) so that W's
// kept rows have unit norm on average. Throws std::invalid_argument for count < 2,
// a wrong samples size or a power outside [0, 1].
void initialiseAsWhitening(nn::LinearEmbedding& embedding, std::span<const float> samples, std::size_t count,
                           float power = 0.5f);

// Metric learning from the owner's groups, in closed form: composes the embedding with a
// whitening of the within-group scatter of its own output, y' = normalize(W2 (W x + b)), where
// W2 = (S_w + reg * mean eigenvalue * I)^-power over the eigenvectors of S_w, the scatter of
// each group's members around their group's mean. Directions in which members of one group
// differ (a theme's style, a photo's lighting) shrink, the others grow. Samples [count, D]
// with labels [count]; only labels with at least two samples count. Throws
// std::invalid_argument for mismatched sizes, reg <= 0, a power outside [0, 1], or fewer than
// two samples in groups.
// Measured (tests/bench/quality, Python mirror): held-out icon names 0.421 -> 0.434 Recall@1.
void refineWithGroups(nn::LinearEmbedding& embedding, std::span<const float> samples,
                      std::span<const std::int64_t> labels, float reg = 0.3f, float power = 0.5f);

}  // namespace lookalike::training
