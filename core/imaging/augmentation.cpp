#include "core/imaging/augmentation.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <string>

namespace lookalike::imaging {

namespace {

// Uniform in [0, 1) from the top 24 bits: exact in float and the same on every platform.
float uniform01(std::mt19937& random)
{
    return static_cast<float>(random() >> 8) * (1.0F / 16777216.0F);
}

float uniform(std::mt19937& random, float low, float high)
{
    return low + (high - low) * uniform01(random);
}

// Uniform integer in [0, bound], bound >= 0.
int uniformUpTo(std::mt19937& random, int bound)
{
    return std::min(bound, static_cast<int>(uniform01(random) * static_cast<float>(bound + 1)));
}

bool happens(std::mt19937& random, float probability)
{
    return uniform01(random) < probability;
}

void require(bool condition, const std::string& field, const std::string& rule)
{
    if (!condition) {
        throw std::invalid_argument("augmentation: " + field + " must be " + rule);
    }
}

bool isProbability(float value)
{
    return value >= 0.0F && value <= 1.0F;
}

// A rectangle covering a fraction of `size`'s area drawn from [areaMin, areaMax], with
// width / height log-uniform in [ratioMin, ratioMax], at a uniform position; nothing when none
// of 10 draws fits (strictly inside when !mayCoverAll).
std::optional<cv::Rect> randomRectangle(const cv::Size& size, float areaMin, float areaMax, float ratioMin,
                                        float ratioMax, bool mayCoverAll, std::mt19937& random)
{
    const float area = static_cast<float>(size.area());
    const float logRatioMin = std::log(ratioMin);
    const float logRatioMax = std::log(ratioMax);
    const int slack = mayCoverAll ? 0 : 1;
    for (int attempt = 0; attempt < 10; ++attempt) {
        const float targetArea = area * uniform(random, areaMin, areaMax);
        const float ratio = std::exp(uniform(random, logRatioMin, logRatioMax));
        const int width = static_cast<int>(std::lround(std::sqrt(targetArea * ratio)));
        const int height = static_cast<int>(std::lround(std::sqrt(targetArea / ratio)));
        if (width > 0 && height > 0 && width + slack <= size.width && height + slack <= size.height) {
            const int x = uniformUpTo(random, size.width - width);
            const int y = uniformUpTo(random, size.height - height);
            return cv::Rect{x, y, width, height};
        }
    }
    return std::nullopt;
}

cv::Rect randomResizedCrop(const cv::Size& size, const AugmentationConfig& config, std::mt19937& random)
{
    if (const std::optional<cv::Rect> crop = randomRectangle(size, config.cropScaleMin, config.cropScaleMax,
                                                             config.cropRatioMin, config.cropRatioMax, true, random)) {
        return *crop;
    }
    // Fallback: the largest centred crop with the ratio clamped into range.
    const float imageRatio = static_cast<float>(size.width) / static_cast<float>(size.height);
    int width = size.width;
    int height = size.height;
    if (imageRatio < config.cropRatioMin) {
        height = std::clamp(static_cast<int>(std::lround(static_cast<float>(width) / config.cropRatioMin)), 1, size.height);
    } else if (imageRatio > config.cropRatioMax) {
        width = std::clamp(static_cast<int>(std::lround(static_cast<float>(height) * config.cropRatioMax)), 1, size.width);
    }
    return {(size.width - width) / 2, (size.height - height) / 2, width, height};
}

// Fills a random rectangle of `image` with uniform noise; gives up quietly when no draw fits.
void eraseRandomRectangle(cv::Mat& image, const AugmentationConfig& config, std::mt19937& random)
{
    const std::optional<cv::Rect> rectangle =
        randomRectangle(image.size(), config.erasingAreaMin, config.erasingAreaMax, config.erasingRatioMin,
                        1.0F / config.erasingRatioMin, false, random);
    if (!rectangle) {
        return;
    }
    cv::Mat region = image(*rectangle);
    // OpenCV's generator is its own multiply-with-carry: the same noise on every platform.
    cv::RNG noise(random());
    noise.fill(region, cv::RNG::UNIFORM, cv::Scalar::all(0), cv::Scalar::all(256));
}

// Mean grey level (BT.601 weights, as cv::cvtColor uses) without building the grey image:
// the weighting is linear, so it can be applied to the channel means.
double meanGray(const cv::Mat& image)
{
    const cv::Scalar mean = cv::mean(image);
    return image.channels() == 1 ? mean[0] : 0.114 * mean[0] + 0.587 * mean[1] + 0.299 * mean[2];
}

}  // namespace

AugmentationConfig AugmentationConfig::identity(int outputSize)
{
    AugmentationConfig config;
    config.outputSize = outputSize;
    config.cropScaleMin = config.cropScaleMax = 1.0F;
    config.cropRatioMin = config.cropRatioMax = 1.0F;
    config.flipProbability = 0.0F;
    config.colorJitterProbability = 0.0F;
    config.rotationProbability = 0.0F;
    config.blurProbability = 0.0F;
    return config;
}

Augmentation::Augmentation(const AugmentationConfig& config) : m_config(config)
{
    require(config.outputSize >= 1, "outputSize", ">= 1");
    require(config.cropScaleMin > 0.0F && config.cropScaleMin <= config.cropScaleMax && config.cropScaleMax <= 1.0F,
            "the crop scale range", "within (0, 1] with min <= max");
    require(config.cropRatioMin > 0.0F && config.cropRatioMin <= config.cropRatioMax && std::isfinite(config.cropRatioMax),
            "the crop ratio range", "positive with min <= max");
    require(isProbability(config.flipProbability), "flipProbability", "in [0, 1]");
    require(isProbability(config.colorJitterProbability), "colorJitterProbability", "in [0, 1]");
    require(isProbability(config.brightness), "brightness", "in [0, 1]");
    require(isProbability(config.contrast), "contrast", "in [0, 1]");
    require(isProbability(config.saturation), "saturation", "in [0, 1]");
    require(isProbability(config.rotationProbability), "rotationProbability", "in [0, 1]");
    require(config.maxRotationDegrees >= 0.0F && config.maxRotationDegrees <= 180.0F, "maxRotationDegrees",
            "in [0, 180]");
    require(isProbability(config.blurProbability), "blurProbability", "in [0, 1]");
    require(config.blurSigmaMin > 0.0F && config.blurSigmaMin <= config.blurSigmaMax && std::isfinite(config.blurSigmaMax),
            "the blur sigma range", "positive with min <= max");
    require(isProbability(config.erasingProbability), "erasingProbability", "in [0, 1]");
    require(config.erasingAreaMin > 0.0F && config.erasingAreaMin <= config.erasingAreaMax && config.erasingAreaMax < 1.0F,
            "the erasing area range", "within (0, 1) with min <= max");
    require(config.erasingRatioMin > 0.0F && config.erasingRatioMin <= 1.0F, "erasingRatioMin", "in (0, 1]");
}

cv::Mat Augmentation::apply(const cv::Mat& image, std::uint64_t seed) const
{
    std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
    std::mt19937 random(sequence);
    return apply(image, random);
}

cv::Mat Augmentation::apply(const cv::Mat& image, std::mt19937& random) const
{
    if (image.empty()) {
        throw std::invalid_argument("augmentation: the image is empty");
    }
    if (image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3)) {
        throw std::invalid_argument("augmentation: expected an 8-bit grey or BGR image, got " +
                                    std::to_string(image.channels()) + " channels of depth " +
                                    std::to_string(image.depth()));
    }
    const cv::Size outputSize(m_config.outputSize, m_config.outputSize);

    // Crop and resize in one pass; INTER_AREA when shrinking avoids aliasing on large photos.
    const cv::Mat crop = image(randomResizedCrop(image.size(), m_config, random));
    cv::Mat result;
    if (crop.size() == outputSize) {
        result = crop.clone();
    } else {
        const bool shrinking = crop.cols > outputSize.width || crop.rows > outputSize.height;
        cv::resize(crop, result, outputSize, 0.0, 0.0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    }

    if (happens(random, m_config.flipProbability)) {
        cv::flip(result, result, 1);
    }

    if (happens(random, m_config.rotationProbability)) {
        const double angle = uniform(random, -m_config.maxRotationDegrees, m_config.maxRotationDegrees);
        const cv::Point2f centre(0.5F * static_cast<float>(result.cols - 1), 0.5F * static_cast<float>(result.rows - 1));
        cv::Mat rotated;
        cv::warpAffine(result, rotated, cv::getRotationMatrix2D(centre, angle, 1.0), result.size(), cv::INTER_LINEAR,
                       cv::BORDER_CONSTANT, cv::Scalar::all(255));
        result = rotated;
    }

    if (happens(random, m_config.colorJitterProbability)) {
        const float brightness = uniform(random, 1.0F - m_config.brightness, 1.0F + m_config.brightness);
        const float contrast = uniform(random, 1.0F - m_config.contrast, 1.0F + m_config.contrast);
        const float saturation = uniform(random, 1.0F - m_config.saturation, 1.0F + m_config.saturation);
        // contrast * (brightness * x - m) + m with m = brightness * mean grey, as one linear map.
        const double mean = brightness * meanGray(result);
        result.convertTo(result, -1, static_cast<double>(contrast) * brightness, (1.0 - contrast) * mean);
        if (result.channels() == 3) {
            cv::Mat gray;
            cv::cvtColor(result, gray, cv::COLOR_BGR2GRAY);
            cv::cvtColor(gray, gray, cv::COLOR_GRAY2BGR);
            cv::addWeighted(result, saturation, gray, 1.0 - saturation, 0.0, result);
        }
    }

    if (happens(random, m_config.blurProbability)) {
        const double sigma = uniform(random, m_config.blurSigmaMin, m_config.blurSigmaMax);
        cv::GaussianBlur(result, result, cv::Size(), sigma, sigma, cv::BORDER_REPLICATE);
    }

    if (m_config.erasingProbability > 0.0F && happens(random, m_config.erasingProbability)) {
        eraseRandomRectangle(result, m_config, random);
    }
    return result;
}

}  // namespace lookalike::imaging
