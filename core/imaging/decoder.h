#pragma once
// Turns a photo's bytes into an upright 8-bit BGR image on white, refusing what is not safe or
// not an image. The same path serves import, query photos and (later) fuzzing.

#include "core/imaging/image_header.h"

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <cstdint>
#include <span>

namespace lookalike::imaging {

struct DecodeOptions {
    // Refused before decoding when the header declares more pixels than this.
    std::int64_t maxPixels = 50'000'000;
    // JPEGs with more scans than this are refused before decoding: each progressive scan costs
    // a pass over the whole image, and real photos have at most a few dozen (see jpeg_scans.h).
    std::size_t maxJpegScans = 128;
    // When > 0 the decoder may return a smaller image whose longest side is still at least
    // this (JPEG's cheap DCT downscale); width/height in the result stay the full size.
    int minLongestSide = 0;
};

struct DecodedImage {
    cv::Mat bgr;  // CV_8UC3, EXIF orientation applied, transparency composited on white
    int width = 0;  // full size after orientation
    int height = 0;
    ImageFormat format = ImageFormat::Unknown;
};

// Throws DecodeError with a reason a person can act on: empty file, not an image, unsupported
// format, too many pixels, too many JPEG scans, truncated or corrupt data.
DecodedImage decodeImage(std::span<const std::uint8_t> bytes, const DecodeOptions& options = {});

// Rotates/flips an image as EXIF orientation (1..8) prescribes.
cv::Mat applyOrientation(const cv::Mat& image, int orientation);

// Any depth and channel count to 8-bit BGR; alpha is composited on white.
cv::Mat toBgrOnWhite(const cv::Mat& image);

}  // namespace lookalike::imaging
