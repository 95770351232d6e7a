#pragma once
// Near-duplicate fixtures: distinct product-like photos, and edited copies of a photo as a shop
// makes them without meaning to (re-compressed, resized, slightly cropped, brightened), encoded
// as the files an import would see. The core, CLI and UI tests and the duplicates bench share
// them. Header-only; needs OpenCV.

#include "tests/support/test_images.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>

namespace lookalike::fixtures {

// A product-like photo that differs from every other seed in layout, not only in colour: a
// background tone, a large object (ellipse or box) at a seeded place and size, a few smaller
// details and mild noise. BGR.
inline cv::Mat makeScenePhoto(std::uint64_t seed, int width = 320, int height = 240) {
    std::mt19937_64 random(seed * 0x9E3779B97F4A7C15ull + 11);
    const auto uniform = [&](int low, int high) {
        return low + static_cast<int>(random() % static_cast<std::uint64_t>(high - low + 1));
    };
    const int tone = uniform(120, 250);
    cv::Mat image(height, width, CV_8UC3, cv::Scalar(tone, tone - uniform(0, 40), tone - uniform(0, 60)));
    const int side = std::min(width, height);
    const cv::Point centre(uniform(width / 4, 3 * width / 4), uniform(height / 4, 3 * height / 4));
    const cv::Size axes(uniform(side / 6, side / 3), uniform(side / 6, side / 3));
    const cv::Scalar paint(uniform(0, 255), uniform(0, 255), uniform(0, 255));
    if (seed % 2 == 0)
        cv::ellipse(image, centre, axes, uniform(0, 180), 0, 360, paint, cv::FILLED, cv::LINE_AA);
    else
        cv::rectangle(image, centre - cv::Point(axes.width, axes.height), centre + cv::Point(axes.width, axes.height), paint,
                      cv::FILLED);
    for (int i = uniform(2, 5); i > 0; --i) {
        const cv::Point at(uniform(0, width - 1), uniform(0, height - 1));
        const int radius = uniform(side / 20, side / 8);
        cv::circle(image, at, radius, cv::Scalar(uniform(0, 255), uniform(0, 255), uniform(0, 255)), cv::FILLED,
                   cv::LINE_AA);
    }
    cv::Mat noise(image.size(), image.type());
    cv::RNG(seed + 1).fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(3));  // not the global RNG: the same photo whatever ran before
    cv::add(image, noise, image);
    return image;
}

enum class PhotoEdit { Recompress, Resize, Crop, Brighten };

inline const char* photoEditName(PhotoEdit edit) {
    switch (edit) {
    case PhotoEdit::Recompress: return "recompressed";
    case PhotoEdit::Resize: return "resized";
    case PhotoEdit::Crop: return "cropped";
    case PhotoEdit::Brighten: return "brightened";
    }
    return "?";
}

// The edited photo (pixels; encodeEdited makes its file). amount: the JPEG quality for
// Recompress (applied by encodeEdited), the scale for Resize (0.5 = half), the fraction of the
// width and of the height cut off for Crop (spread over the two edges by `seed`), the added
// brightness for Brighten.
inline cv::Mat editPhoto(const cv::Mat& photo, PhotoEdit edit, double amount, std::uint64_t seed = 0) {
    switch (edit) {
    case PhotoEdit::Recompress:
        return photo.clone();
    case PhotoEdit::Resize: {
        cv::Mat resized;
        cv::resize(photo, resized, cv::Size(), amount, amount, amount < 1.0 ? cv::INTER_AREA : cv::INTER_CUBIC);
        return resized;
    }
    case PhotoEdit::Crop: {
        std::mt19937_64 random(seed + 5);
        const double leftShare = static_cast<double>(random() % 1001) / 1000.0;
        const double topShare = static_cast<double>(random() % 1001) / 1000.0;
        const int cutX = static_cast<int>(photo.cols * amount);
        const int cutY = static_cast<int>(photo.rows * amount);
        const int left = static_cast<int>(cutX * leftShare);
        const int top = static_cast<int>(cutY * topShare);
        return photo(cv::Rect(left, top, photo.cols - cutX, photo.rows - cutY)).clone();
    }
    case PhotoEdit::Brighten: {
        cv::Mat brighter;
        photo.convertTo(brighter, -1, 1.0, amount);
        return brighter;
    }
    }
    return photo.clone();
}

// The edited copy as JPEG bytes (quality `amount` for Recompress, else 90).
inline Bytes encodeEdited(const cv::Mat& photo, PhotoEdit edit, double amount, std::uint64_t seed = 0) {
    const int quality = edit == PhotoEdit::Recompress ? static_cast<int>(amount) : 90;
    return encodeImage(editPhoto(photo, edit, amount, seed), ".jpg", {cv::IMWRITE_JPEG_QUALITY, quality});
}

}  // namespace lookalike::fixtures
