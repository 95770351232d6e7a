#pragma once
// A small library whose look-alikes are known: photos of four kinds of product (red circles,
// blue squares, green triangles, yellow bars), five each, drawn on white with a different
// position, size, shade and noise every time. Among them a file name holding a comma and
// quotes, and two different photos both called box.png. Header-only; needs OpenCV.

#include "tests/support/temp_dir.h"
#include "tests/support/test_images.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace lookalike::fixtures {

enum class ProductShape { Circle, Square, Triangle, Bar };

struct ProductKind {
    std::string folder;  // also the colour's name
    ProductShape shape;
    cv::Scalar bgr;
};

inline const std::vector<ProductKind>& productKinds() {
    static const std::vector<ProductKind> kinds = {
        {"red", ProductShape::Circle, cv::Scalar(40, 40, 220)},
        {"blue", ProductShape::Square, cv::Scalar(200, 80, 30)},
        {"green", ProductShape::Triangle, cv::Scalar(50, 170, 40)},
        {"yellow", ProductShape::Bar, cv::Scalar(30, 210, 235)},
    };
    return kinds;
}

// A 96 x 96 product photo; `variant` moves, scales and shades the shape.
inline cv::Mat productPhoto(const ProductKind& kind, int variant) {
    cv::RNG rng(static_cast<std::uint64_t>(variant) * 7919u + static_cast<std::uint64_t>(kind.shape) * 104729u + 17u);
    cv::Mat image(96, 96, CV_8UC3, cv::Scalar(255, 255, 255));
    const cv::Point centre(48 + rng.uniform(-8, 9), 48 + rng.uniform(-8, 9));
    const double scale = rng.uniform(0.8, 1.1);
    cv::Scalar colour = kind.bgr;
    for (int channel = 0; channel < 3; ++channel)
        colour[channel] = std::clamp(colour[channel] + rng.uniform(-15, 16), 0.0, 255.0);
    const int half = static_cast<int>(28 * scale);
    switch (kind.shape) {
    case ProductShape::Circle:
        cv::circle(image, centre, half, colour, cv::FILLED, cv::LINE_AA);
        break;
    case ProductShape::Square:
        cv::rectangle(image, centre - cv::Point(half, half), centre + cv::Point(half, half), colour, cv::FILLED);
        break;
    case ProductShape::Triangle: {
        std::vector<cv::Point> corners = {centre + cv::Point(0, -half), centre + cv::Point(half, half),
                                          centre + cv::Point(-half, half)};
        cv::fillConvexPoly(image, corners, colour, cv::LINE_AA);
        break;
    }
    case ProductShape::Bar:
        cv::rectangle(image, centre - cv::Point(40 * half / 28, 8), centre + cv::Point(40 * half / 28, 8), colour,
                      cv::FILLED);
        break;
    }
    cv::Mat noise(image.size(), CV_8UC3);
    rng.fill(noise, cv::RNG::UNIFORM, 0, 10);
    cv::subtract(image, noise, image);
    return image;
}

struct ShapeLibraryPhotos {
    std::vector<std::filesystem::path> files;  // every photo written
    std::filesystem::path trickyName;          // red/red, "circle" 5.png
    std::filesystem::path boxOne;              // blue/shelf-1/box.png
    std::filesystem::path boxTwo;              // blue/shelf-2/box.png
};

// Writes the 20 photos under `folder`/<colour>/.
inline ShapeLibraryPhotos writeShapeLibraryPhotos(const std::filesystem::path& folder) {
    ShapeLibraryPhotos photos;
    for (const ProductKind& kind : productKinds()) {
        for (int variant = 1; variant <= 5; ++variant) {
            std::filesystem::path path = folder / kind.folder / (kind.folder + "-" + std::to_string(variant) + ".png");
            if (kind.folder == "red" && variant == 5)
                path = photos.trickyName = folder / "red" / "red, \"circle\" 5.png";
            if (kind.folder == "blue" && variant >= 4)
                path = folder / "blue" / ("shelf-" + std::to_string(variant - 3)) / "box.png";
            if (variant == 3)
                path.replace_extension(".jpg");
            writeBytes(path, encodeImage(productPhoto(kind, variant), path.extension().string()));
            photos.files.push_back(path);
        }
    }
    photos.boxOne = folder / "blue" / "shelf-1" / "box.png";
    photos.boxTwo = folder / "blue" / "shelf-2" / "box.png";
    return photos;
}

// The colour folder a photo of the shape library lies in ("red", ...).
inline std::string productKindOf(const std::filesystem::path& photo, const std::filesystem::path& folder) {
    std::filesystem::path relative = photo.lexically_relative(folder);
    return relative.empty() ? std::string() : relative.begin()->string();
}

}  // namespace lookalike::fixtures
