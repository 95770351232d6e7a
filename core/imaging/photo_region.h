#pragma once
// A rectangle of a photo to search look-alikes for. Fractions of the upright photo (after EXIF
// orientation) rather than pixels, so that a front end maps a scaled preview onto it without
// knowing the photo's size, and a reduced decode crops the same part as a full one.

namespace cv {
class Mat;
}

namespace lookalike::imaging {

struct PhotoRegion {
    double x = 0.0;       // left edge: 0 is the photo's left side, 1 its right side
    double y = 0.0;       // top edge: 0 is the photo's top, 1 its bottom
    double width = 1.0;   // fraction of the photo's width
    double height = 1.0;  // fraction of the photo's height
    bool operator==(const PhotoRegion&) const = default;
};

inline constexpr PhotoRegion kWholePhoto{};
// A region narrower or lower than this many pixels of the full-size photo is refused.
inline constexpr int kMinimumRegionSide = 8;

// The region clipped to the photo ([0, 1] on both axes). Throws std::invalid_argument when a
// value is not finite, the width or height is not positive, or no part of it lies on the photo.
PhotoRegion clipToPhoto(const PhotoRegion& region);

// The longest side a decoder must keep so that the clipped region still has at least `side`
// pixels on its longest side (for the whole photo: `side` itself).
int decodeSideForRegion(const PhotoRegion& clipped, int side);

// The clipped region of `image` (an upright decode of the photo, possibly reduced), as a view
// without copying. photoWidth/photoHeight: the full-size upright photo. Throws
// std::invalid_argument when the region is under kMinimumRegionSide pixels of the photo.
cv::Mat cropToRegion(const cv::Mat& image, const PhotoRegion& clipped, int photoWidth, int photoHeight);

}  // namespace lookalike::imaging
