#pragma once
// Catalog-like product photos for look-alike tests: one filled shape (circle, square or
// triangle) in one colour on white, with a seeded jitter in size, position and shade, so
// that photos of the same shape and colour are look-alikes and the others are not.
// Header-only; needs OpenCV.

#include "tests/support/temp_dir.h"
#include "tests/support/test_images.h"

#include <opencv2/imgproc.hpp>

#include <array>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace lookalike::fixtures {

enum class Shape { Circle, Square, Triangle };
inline constexpr std::array kShapes{Shape::Circle, Shape::Square, Shape::Triangle};
inline constexpr std::array<const char*, 3> kShapeNames{"circle", "square", "triangle"};
inline constexpr std::array<const char*, 3> kColourNames{"red", "green", "blue"};

// colour: 0 red, 1 green, 2 blue. BGR, 96 x 96 (or the given size).
inline cv::Mat makeShapePhoto(Shape shape, int colour, std::uint64_t seed, int size = 96) {
    std::mt19937_64 random(seed * 7919 + 17);
    auto jitter = [&](int range) { return static_cast<int>(random() % static_cast<std::uint64_t>(2 * range + 1)) - range; };
    cv::Mat image(size, size, CV_8UC3, cv::Scalar(255, 255, 255));
    const int shade = 150 + jitter(40);
    cv::Scalar paint = colour == 0 ? cv::Scalar(40, 40, shade + 60) : colour == 1 ? cv::Scalar(40, shade + 40, 40)
                                                                                 : cv::Scalar(shade + 60, 40, 40);
    const int centreX = size / 2 + jitter(size / 12);
    const int centreY = size / 2 + jitter(size / 12);
    const int radius = size * 3 / 10 + jitter(size / 16);
    switch (shape) {
    case Shape::Circle:
        cv::circle(image, {centreX, centreY}, radius, paint, cv::FILLED, cv::LINE_AA);
        break;
    case Shape::Square:
        cv::rectangle(image, {centreX - radius, centreY - radius}, {centreX + radius, centreY + radius}, paint, cv::FILLED);
        break;
    case Shape::Triangle: {
        std::vector<cv::Point> corners{{centreX, centreY - radius}, {centreX - radius, centreY + radius},
                                       {centreX + radius, centreY + radius}};
        cv::fillConvexPoly(image, corners, paint, cv::LINE_AA);
        break;
    }
    }
    cv::Mat noise(image.size(), image.type());
    cv::RNG(seed * 7919 + 18).fill(noise, cv::RNG::NORMAL, cv::Scalar::all(0), cv::Scalar::all(4));  // not the global RNG: the same photo whatever ran before
    cv::add(image, noise, image);
    return image;
}

struct ShapePhotoFile {
    std::filesystem::path path;
    std::string kind;  // e.g. "red-circle": the look-alike class
};

// Writes `perKind` PNG photos of each shape x colour into folder/<kind>/<kind>-<n>.png.
inline std::vector<ShapePhotoFile> writeShapePhotos(const std::filesystem::path& folder, int perKind,
                                                    std::uint64_t seed = 1, int shapes = 3, int colours = 3) {
    std::vector<ShapePhotoFile> files;
    for (int s = 0; s < shapes; ++s)
        for (int c = 0; c < colours; ++c) {
            const std::string kind = std::string(kColourNames[static_cast<std::size_t>(c)]) + "-" + kShapeNames[static_cast<std::size_t>(s)];
            for (int n = 0; n < perKind; ++n) {
                auto path = folder / kind / (kind + "-" + std::to_string(n) + ".png");
                cv::Mat photo = makeShapePhoto(kShapes[static_cast<std::size_t>(s)], c, seed * 1000 + static_cast<std::uint64_t>((s * 3 + c) * 100 + n));
                writeBytes(path, encodeImage(photo, ".png"));
                files.push_back({path, kind});
            }
        }
    return files;
}

// Two photos pasted side by side, left | right (the same height): a query for crop-to-search,
// whose left and right halves are exactly the two photos.
inline cv::Mat sideBySide(const cv::Mat& left, const cv::Mat& right) {
    cv::Mat joined;
    cv::hconcat(left, right, joined);
    return joined;
}

}  // namespace lookalike::fixtures
