#include "core/imaging/photo_region.h"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace lookalike::imaging {

namespace {

// An edge at `fraction` of `pixels`, rounded to the nearest pixel boundary.
int pixelEdge(double fraction, int pixels) {
    return std::clamp(static_cast<int>(std::lround(fraction * pixels)), 0, pixels);
}

}  // namespace

PhotoRegion clipToPhoto(const PhotoRegion& region) {
    if (!std::isfinite(region.x) || !std::isfinite(region.y) || !std::isfinite(region.width) ||
        !std::isfinite(region.height))
        throw std::invalid_argument("the region's position and size must be numbers");
    if (region.width <= 0.0 || region.height <= 0.0)
        throw std::invalid_argument("the region must have a width and a height above 0");
    const double left = std::max(region.x, 0.0);
    const double top = std::max(region.y, 0.0);
    const double right = std::min(region.x + region.width, 1.0);
    const double bottom = std::min(region.y + region.height, 1.0);
    if (right <= left || bottom <= top)
        throw std::invalid_argument("the region lies outside the photo (x and y from 0 to 1, the photo's width and "
                                    "height being 1)");
    return {left, top, right - left, bottom - top};
}

int decodeSideForRegion(const PhotoRegion& clipped, int side) {
    // The region's longest side is at least its shorter fraction times the image's longest side.
    const double shorter = std::min(clipped.width, clipped.height);
    const double needed = std::ceil(side / shorter);
    return needed >= 1e9 ? 1'000'000'000 : static_cast<int>(needed);
}

cv::Mat cropToRegion(const cv::Mat& image, const PhotoRegion& clipped, int photoWidth, int photoHeight) {
    // A small tolerance so that a region of exactly the minimum, given in fractions, passes.
    const double regionWidth = clipped.width * photoWidth + 1e-6;
    const double regionHeight = clipped.height * photoHeight + 1e-6;
    if (regionWidth < kMinimumRegionSide || regionHeight < kMinimumRegionSide)
        throw std::invalid_argument("the region is " + std::to_string(static_cast<int>(regionWidth)) + " x " +
                                    std::to_string(static_cast<int>(regionHeight)) +
                                    " pixels of the photo; it needs at least " + std::to_string(kMinimumRegionSide) +
                                    " x " + std::to_string(kMinimumRegionSide));
    if (clipped == kWholePhoto)
        return image;
    // At least one pixel of the (possibly reduced) image, inside it.
    const int left = std::min(pixelEdge(clipped.x, image.cols), image.cols - 1);
    const int top = std::min(pixelEdge(clipped.y, image.rows), image.rows - 1);
    const int right = std::max(pixelEdge(clipped.x + clipped.width, image.cols), left + 1);
    const int bottom = std::max(pixelEdge(clipped.y + clipped.height, image.rows), top + 1);
    return image(cv::Rect(left, top, right - left, bottom - top));
}

}  // namespace lookalike::imaging
