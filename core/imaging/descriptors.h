#pragma once
// Classic image descriptors: look-alike search before any network is trained, a part fused
// with the learned embedding, and the baselines of the quality benchmarks
// (tests/bench/lookalikes). Both see an image as the network does: centred on a white square
// (preprocessing.h), so a wide photo is padded, never stretched; HOG + colour first cuts white
// margins off. Vectors are compared by cosine (the inner product: they have unit norm).
//
// Input images: CV_8UC1 or CV_8UC3 (BGR), any size, transparency already composited on white.

#include <opencv2/core/mat.hpp>

#include <cstddef>
#include <memory>
#include <span>

namespace cv {
struct HOGDescriptor;
}

namespace lookalike::imaging {

// 32 x 32 keeps the silhouette and the main colours of a product photo in 3072 values.
inline constexpr int kDefaultRawPixelSize = 32;

// 3 * size * size. Throws std::invalid_argument when size < 1.
std::size_t rawPixelDimension(int size = kDefaultRawPixelSize);

// out [3, size, size]: the RGB planes of the image padded square on white and resized to
// size x size (area averaging), minus their mean over all 3 * size^2 values, L2-normalised; the
// cosine of two is the correlation of their pixels. A uniform gray image gives all zeros.
// Throws std::invalid_argument for an empty image, another type, size < 1 or a wrong out size.
// Thread-safe.
void rawPixelDescriptor(const cv::Mat& image, int size, std::span<float> out);

// HOG + coarse colour layout. The defaults were chosen with tests/bench/lookalikes (README.md)
// on cross-style icons and on Fashion-MNIST; they give 324 + 48 = 372 values.
struct HogColourConfig {
    // Cut white margins off first (imaging::cropToContent), so that the same object framed
    // tighter or looser still matches; then pad square on white and resize, as everywhere.
    bool cropToContent = true;

    // Shape: OpenCV's HOG (Dalal & Triggs: cell histograms of gradient orientation, L2-Hys
    // block norms; no gamma correction, which did not help) on the gray image padded square on
    // white and resized to imageSize x imageSize.
    int imageSize = 64;        // a multiple of cellSize
    int cellSize = 16;         // pixels
    int blockCells = 2;        // block side in cells; a block's cells are normalised together
    int blockStrideCells = 1;  // in cells, 1..blockCells
    int orientationBins = 9;
    // 0..360 degrees instead of 0..180: tells a dark edge on light from a light edge on dark.
    bool signedGradients = false;

    // Colour layout: the mean colour of each cell of a colourGridSize x colourGridSize grid,
    // as its CIELAB difference from white (L* - 100, a*, b*), so the white background counts
    // for nothing and a shape's colour counts where the shape is.
    int colourGridSize = 4;
    float chromaWeight = 1.0F;  // scale of a*, b* against L*; 0 keeps lightness only

    // Shares of the cosine: cos = (hogWeight * cos_hog + colourWeight * cos_colour) / (sum of
    // both). Each >= 0, not both 0.
    float hogWeight = 0.7F;
    float colourWeight = 0.3F;
};

// Vectors are stored per catalog item and indexed (hnswlib): no config may exceed this.
inline constexpr std::size_t kMaxHogColourDimension = 512;

class HogColourDescriptor {
public:
    // Throws std::invalid_argument naming the field when the config is inconsistent or its
    // dimension exceeds kMaxHogColourDimension.
    explicit HogColourDescriptor(const HogColourConfig& config = {});

    // out = [HOG part (hogDimension()), colour part [colourGridSize, colourGridSize, Lab]].
    std::size_t dimension() const { return hogDimension() + colourDimension(); }
    std::size_t hogDimension() const { return m_hogDimension; }
    std::size_t colourDimension() const { return m_colourDimension; }
    const HogColourConfig& config() const { return m_config; }

    // out [dimension()]: each part L2-normalised, scaled by the square root of its share, so
    // the whole has unit norm and the inner product of two is the weighted mean of the parts'
    // cosines. A part with nothing in it (no edges; an all-white image) stays zero and the rest
    // is renormalised; a uniform white image gives all zeros. Throws std::invalid_argument for
    // an empty image, another type or a wrong out size. Thread-safe (const, no shared mutable
    // state).
    void compute(const cv::Mat& image, std::span<float> out) const;

private:
    // square [imageSize, imageSize] 8-bit gray or BGR -> out, L2-normalised (or all zero).
    void computeHog(const cv::Mat& square, std::span<float> out) const;
    void computeColourLayout(const cv::Mat& square, std::span<float> out) const;

    HogColourConfig m_config;
    std::shared_ptr<const cv::HOGDescriptor> m_hog;  // immutable after construction: shared by copies
    std::size_t m_hogDimension = 0;
    std::size_t m_colourDimension = 0;
};

}  // namespace lookalike::imaging
