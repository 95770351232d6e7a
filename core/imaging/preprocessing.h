#pragma once
// The geometry every look-alike path shares (network input, descriptors, training views):
// catalog photos are shot on white, so an image is centred on a white square rather than
// stretched or cropped, and only then scaled. The descriptors also cut white margins off first.

#include <opencv2/core/mat.hpp>

namespace lookalike::imaging {

// Pads to a square on white, keeping the image centred; a square image is returned as is
// (sharing its pixels). Any channel count; the border is 255 in every channel, which is white
// for 8-bit images. Thread-safe.
cv::Mat padToSquareOnWhite(const cv::Mat& image);

// padToSquareOnWhite, then scaled to side x side: area averaging when shrinking (no aliasing),
// bilinear when enlarging. Same type as the input; returned as is when it is already that
// square. Throws std::invalid_argument for an empty image or a side < 1. Thread-safe.
cv::Mat squareOnWhite(const cv::Mat& image, int side);

// The smallest rectangle holding every pixel that is not near-white (some channel below
// 255 - tolerance, so that JPEG noise on white is still white), widened on every side by
// marginFraction of its longest side, rounded up, as far as the image allows: an object's
// outline is an edge only with some white around it. Shares the image's pixels; the whole image
// when it is all near-white. image: 8-bit, 1 or 3 channels. Thread-safe.
cv::Mat cropToContent(const cv::Mat& image, int tolerance = 16, double marginFraction = 1.0 / 32);

}  // namespace lookalike::imaging
