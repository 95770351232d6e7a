#include "core/imaging/decoder.h"

#include "core/imaging/jpeg_scans.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace lookalike::imaging {

namespace {

std::string megapixels(double pixels) {
    return std::to_string(std::llround(pixels / 1e6)) + " megapixels";
}

// The largest JPEG DCT reduction (1/2, 1/4, 1/8) that keeps the longest side >= wanted.
int jpegReductionFlags(const ImageHeader& header, int minLongestSide) {
    if (minLongestSide <= 0)
        return cv::IMREAD_COLOR;
    std::int64_t longest = std::max(header.width, header.height);
    if (longest >= std::int64_t{8} * minLongestSide)
        return cv::IMREAD_REDUCED_COLOR_8;
    if (longest >= std::int64_t{4} * minLongestSide)
        return cv::IMREAD_REDUCED_COLOR_4;
    if (longest >= std::int64_t{2} * minLongestSide)
        return cv::IMREAD_REDUCED_COLOR_2;
    return cv::IMREAD_COLOR;
}

cv::Mat to8Bit(const cv::Mat& image) {
    switch (image.depth()) {
    case CV_8U: return image;
    case CV_8S: {
        cv::Mat out;
        image.convertTo(out, CV_8U, 1.0, 128.0);
        return out;
    }
    case CV_16U: {
        cv::Mat out;
        image.convertTo(out, CV_8U, 1.0 / 257.0);
        return out;
    }
    case CV_16S: {
        cv::Mat out;
        image.convertTo(out, CV_8U, 1.0 / 257.0, 128.0);
        return out;
    }
    case CV_32F:
    case CV_64F: {
        // Floating-point images (TIFF) are taken as 0..1.
        cv::Mat out;
        image.convertTo(out, CV_8U, 255.0);
        return out;
    }
    default: break;
    }
    throw DecodeError("unsupported pixel depth");
}

}  // namespace

cv::Mat toBgrOnWhite(const cv::Mat& image) {
    cv::Mat pixels = to8Bit(image);
    cv::Mat bgr;
    switch (pixels.channels()) {
    case 1: cv::cvtColor(pixels, bgr, cv::COLOR_GRAY2BGR); return bgr;
    case 3: return pixels;
    case 2:
    case 4: {
        // out = colour * alpha + white * (1 - alpha), with exact integer rounding.
        cv::Mat colour;
        cv::Mat alpha;
        if (pixels.channels() == 2) {
            cv::Mat planes[2];
            cv::split(pixels, planes);
            cv::cvtColor(planes[0], colour, cv::COLOR_GRAY2BGR);
            alpha = planes[1];
        } else {
            cv::cvtColor(pixels, colour, cv::COLOR_BGRA2BGR);
            cv::extractChannel(pixels, alpha, 3);
        }
        bgr.create(pixels.size(), CV_8UC3);
        for (int y = 0; y < pixels.rows; ++y) {
            const auto* c = colour.ptr<cv::Vec3b>(y);
            const auto* a = alpha.ptr<std::uint8_t>(y);
            auto* out = bgr.ptr<cv::Vec3b>(y);
            for (int x = 0; x < pixels.cols; ++x)
                for (int k = 0; k < 3; ++k)
                    out[x][k] = static_cast<std::uint8_t>((c[x][k] * a[x] + 255 * (255 - a[x]) + 127) / 255);
        }
        return bgr;
    }
    default: break;
    }
    throw DecodeError("unsupported number of colour channels (" +
                      std::to_string(pixels.channels()) + ")");
}

cv::Mat applyOrientation(const cv::Mat& image, int orientation) {
    cv::Mat out;
    switch (orientation) {
    case 2: cv::flip(image, out, 1); return out;
    case 3: cv::rotate(image, out, cv::ROTATE_180); return out;
    case 4: cv::flip(image, out, 0); return out;
    case 5: cv::transpose(image, out); return out;
    case 6: cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE); return out;
    case 7: {
        // Transverse: mirrored across the anti-diagonal, so the stored top-left corner ends up
        // bottom right. (Rotating clockwise and then mirroring left-right would transpose.)
        cv::Mat rotated;
        cv::rotate(image, rotated, cv::ROTATE_90_CLOCKWISE);
        cv::flip(rotated, out, 0);
        return out;
    }
    case 8: cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE); return out;
    default: return image;
    }
}

DecodedImage decodeImage(std::span<const std::uint8_t> bytes, const DecodeOptions& options) {
    ImageHeader header = readImageHeader(bytes);
    // Sides come from 32-bit header fields, so width * height may not fit in 64 signed bits:
    // compare by division, which cannot overflow (width * height > max <=> width > max / height).
    if (header.width > options.maxPixels / header.height)
        throw DecodeError("image too large: " + std::to_string(header.width) + "x" +
                          std::to_string(header.height) + " (" +
                          megapixels(static_cast<double>(header.width) *
                                     static_cast<double>(header.height)) +
                          ", the limit is " +
                          megapixels(static_cast<double>(options.maxPixels)) + ")");
    if (header.format == ImageFormat::Jpeg && !header.hasEndMarker)
        throw DecodeError("truncated JPEG (the file ends before the image data does)");
    if (header.format == ImageFormat::Jpeg &&
        countJpegScans(bytes, options.maxJpegScans + 1) > options.maxJpegScans)
        throw DecodeError("JPEG with more than " + std::to_string(options.maxJpegScans) +
                          " scans (photos have a few dozen at most): refused, decoding it could take minutes");

    // Orientation is applied here, the same way for every format, so OpenCV must not.
    int flags = header.format == ImageFormat::Jpeg
                    ? jpegReductionFlags(header, options.minLongestSide) | cv::IMREAD_IGNORE_ORIENTATION
                    : cv::IMREAD_UNCHANGED;
    cv::Mat raw;
    try {
        // imdecode reads from the buffer without copying it when given a Mat header.
        cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8U,
                       const_cast<std::uint8_t*>(bytes.data()));
        raw = cv::imdecode(buffer, flags);
    } catch (const cv::Exception&) {
        raw.release();
    }
    if (raw.empty())
        throw DecodeError("truncated or corrupt " + formatName(header.format) + " data");

    DecodedImage decoded;
    decoded.format = header.format;
    // OpenCV's TIFF decoder applies the Orientation tag itself, even with IMREAD_UNCHANGED
    // (the other decoders leave orientation to us), so applying it again would turn TIFFs twice.
    int orientationLeft = header.format == ImageFormat::Tiff ? 1 : header.orientation;
    decoded.bgr = applyOrientation(toBgrOnWhite(raw), orientationLeft);
    bool swapsSides = header.orientation >= 5;
    decoded.width = static_cast<int>(swapsSides ? header.height : header.width);
    decoded.height = static_cast<int>(swapsSides ? header.width : header.height);
    return decoded;
}

}  // namespace lookalike::imaging
