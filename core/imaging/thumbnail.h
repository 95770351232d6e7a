#pragma once
// Catalog thumbnails: the photo scaled to fit a square, encoded as JPEG.

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <vector>

namespace lookalike::imaging {

struct EncodedThumbnail {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> jpeg;
};

// bgr: CV_8UC3. Scales down (never up) so the longest side is at most maxSide.
EncodedThumbnail makeThumbnail(const cv::Mat& bgr, int maxSide = 256, int jpegQuality = 85);

// Decodes a stored thumbnail back to CV_8UC3; empty Mat when the bytes are not a JPEG.
cv::Mat decodeThumbnail(const std::vector<std::uint8_t>& jpeg);

}  // namespace lookalike::imaging
