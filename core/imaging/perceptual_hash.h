#pragma once
// Perceptual hashes: 64-bit fingerprints of a photo's coarse look that survive re-compression,
// resizing and small edits, compared by Hamming distance. Used to find near-duplicate photos
// (services/near_duplicates.h). Pure functions; thread-safe.

#include <opencv2/core/mat.hpp>

#include <bit>
#include <cstdint>
#include <optional>
#include <vector>

namespace lookalike::imaging {

using PerceptualHash = std::uint64_t;

enum class PerceptualHashKind {
    Dct,         // pHash: signs of the 8x8 lowest frequencies of a 32x32 DCT against their median
    Difference,  // dHash: whether each pixel of a 9x8 grey image is brighter than its right neighbour
};

// image: CV_8UC1 or CV_8UC3 (BGR), any size >= 1x1. Throws std::invalid_argument when empty.
PerceptualHash perceptualHash(const cv::Mat& image, PerceptualHashKind kind);

// The hash of a stored thumbnail (a JPEG), decoded at a quarter of its size in grey: the
// decoder's DCT scaling makes that several times cheaper than a full decode and the hash only
// looks at 32x32 pixels anyway. nullopt when the bytes cannot be decoded.
std::optional<PerceptualHash> thumbnailHash(const std::vector<std::uint8_t>& jpeg, PerceptualHashKind kind);

inline int hammingDistance(PerceptualHash a, PerceptualHash b) noexcept {
    return std::popcount(a ^ b);
}

}  // namespace lookalike::imaging
