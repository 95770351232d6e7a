#pragma once
// Random training augmentations for catalog photos, on 8-bit OpenCV images. Runs once per
// training sample, so every step works at (or, for the crop, straight down to) the output size.
//
// Order: random resized crop -> resize to outputSize x outputSize -> horizontal flip -> small
// rotation (corners filled with white, because catalog photos are shot on white) -> colour
// jitter -> Gaussian blur -> random erasing. Each step after the crop happens with its own
// probability.
//
// Random resized crop (as torchvision's RandomResizedCrop): a crop covering a fraction of the
// image area drawn from [cropScaleMin, cropScaleMax], with aspect ratio (width / height) drawn
// log-uniformly from [cropRatioMin, cropRatioMax], at a uniform position; after 10 draws that
// do not fit, the largest centred crop whose ratio is clamped into the range. The identity
// config therefore takes the largest centred square; a square image of the output size comes
// back unchanged.
//
// Colour jitter: brightness, contrast and saturation factors drawn from [1 - x, 1 + x]. Contrast
// pulls towards the mean grey level; brightness and contrast are applied in one pass (clipping
// once, at the end). Saturation needs colour: it is skipped on single-channel images. Colour
// images are taken to be BGR, as OpenCV decodes them.
//
// Random erasing (Zhong et al., 2020): a rectangle covering a fraction of the output area drawn
// from [erasingAreaMin, erasingAreaMax], aspect ratio log-uniform in [erasingRatioMin,
// 1 / erasingRatioMin], filled with uniform noise; it stands in for a tag, a hand or a prop
// hiding part of the product. With erasingProbability 0 no random number is drawn for it, so
// the other steps give the same images as without the option.
//
// Determinism: all randomness comes from the std::mt19937 passed in, or seeded from `seed`, and
// is mapped to numbers by our own code (std::*_distribution differ between standard libraries),
// so a seed gives the same image on every platform. There is no global state: apply() is const
// and thread-safe.

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <random>

namespace lookalike::imaging {

struct AugmentationConfig {
    int outputSize = 224;  // side of the square output, >= 1

    float cropScaleMin = 0.6F;  // fraction of the image area, 0 < min <= max <= 1
    float cropScaleMax = 1.0F;
    float cropRatioMin = 3.0F / 4.0F;  // width / height, 0 < min <= max
    float cropRatioMax = 4.0F / 3.0F;

    float flipProbability = 0.5F;

    float colorJitterProbability = 0.8F;
    float brightness = 0.2F;  // each in [0, 1]
    float contrast = 0.2F;
    float saturation = 0.2F;

    float rotationProbability = 0.3F;
    float maxRotationDegrees = 10.0F;  // angle drawn from [-max, max], max in [0, 180]

    float blurProbability = 0.1F;
    float blurSigmaMin = 0.1F;  // pixels, 0 < min <= max
    float blurSigmaMax = 1.5F;

    float erasingProbability = 0.0F;
    float erasingAreaMin = 0.02F;  // fraction of the output area, 0 < min <= max < 1
    float erasingAreaMax = 0.25F;
    float erasingRatioMin = 0.3F;  // in (0, 1]; the ratio is drawn from [min, 1 / min]

    // Every probability 0 and the crop fixed to the whole (square) image: only the resize remains.
    static AugmentationConfig identity(int outputSize);
};

class Augmentation {
public:
    // Throws std::invalid_argument naming the first field out of range.
    explicit Augmentation(const AugmentationConfig& config);

    const AugmentationConfig& config() const { return m_config; }

    // image: CV_8UC1 or CV_8UC3 (BGR), any size -> new image [outputSize, outputSize] of the same
    // type; `image` is not modified. Throws std::invalid_argument for an empty image or another
    // type. The seeded overload gives the same output for the same seed.
    cv::Mat apply(const cv::Mat& image, std::uint64_t seed) const;
    cv::Mat apply(const cv::Mat& image, std::mt19937& random) const;

private:
    AugmentationConfig m_config;
};

}  // namespace lookalike::imaging
