#include "core/imaging/descriptors.h"

#include "core/imaging/preprocessing.h"

#include <opencv2/imgproc.hpp>
#include <opencv2/objdetect.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

namespace lookalike::imaging {

namespace {

void checkImage(const cv::Mat& image, const char* owner) {
    if (image.empty())
        throw std::invalid_argument(std::string(owner) + ": empty image");
    if (image.type() != CV_8UC1 && image.type() != CV_8UC3)
        throw std::invalid_argument(std::string(owner) + ": expects an 8-bit gray or BGR image");
}

void checkOutput(std::span<float> out, std::size_t dimension, const char* owner) {
    if (out.size() != dimension)
        throw std::invalid_argument(std::string(owner) + ": the output holds " + std::to_string(out.size()) +
                                    " values, expected " + std::to_string(dimension));
}

void require(bool condition, const std::string& rule) {
    if (!condition)
        throw std::invalid_argument("HogColourConfig: " + rule);
}

// Scales to unit L2 norm. A vector whose norm is at most `negligibleNorm` carries nothing but
// rounding noise, which normalising would blow up into a random direction: it becomes zero.
void normalise(std::span<float> values, double negligibleNorm = 0.0) {
    double squares = 0.0;
    for (float value : values)
        squares += static_cast<double>(value) * value;
    if (squares <= negligibleNorm * negligibleNorm) {
        std::fill(values.begin(), values.end(), 0.0F);
        return;
    }
    const auto scale = static_cast<float>(1.0 / std::sqrt(squares));
    for (float& value : values)
        value *= scale;
}

std::size_t blocksPerSide(const HogColourConfig& config) {
    const int block = config.blockCells * config.cellSize;
    const int stride = config.blockStrideCells * config.cellSize;
    return static_cast<std::size_t>((config.imageSize - block) / stride + 1);
}

void checkConfig(const HogColourConfig& config) {
    require(config.cellSize >= 2, "cellSize must be at least 2 pixels");
    require(config.blockCells >= 1, "blockCells must be at least 1");
    require(config.blockStrideCells >= 1 && config.blockStrideCells <= config.blockCells,
            "blockStrideCells must be within 1..blockCells");
    require(config.imageSize >= config.blockCells * config.cellSize && config.imageSize % config.cellSize == 0,
            "imageSize must be a multiple of cellSize and hold at least one block");
    require((config.imageSize / config.cellSize - config.blockCells) % config.blockStrideCells == 0,
            "blocks must tile the image: (imageSize / cellSize - blockCells) must be a multiple of "
            "blockStrideCells");
    require(config.orientationBins >= 2, "orientationBins must be at least 2");
    require(config.colourGridSize >= 1 && config.colourGridSize <= config.imageSize,
            "colourGridSize must be within 1..imageSize");
    require(std::isfinite(config.chromaWeight) && config.chromaWeight >= 0.0F, "chromaWeight must be >= 0");
    require(std::isfinite(config.hogWeight) && std::isfinite(config.colourWeight) && config.hogWeight >= 0.0F &&
                config.colourWeight >= 0.0F && config.hogWeight + config.colourWeight > 0.0F,
            "hogWeight and colourWeight must be >= 0 and not both 0");
}

}  // namespace

std::size_t rawPixelDimension(int size) {
    if (size < 1)
        throw std::invalid_argument("rawPixelDescriptor: the size must be at least 1");
    return 3 * static_cast<std::size_t>(size) * static_cast<std::size_t>(size);
}

void rawPixelDescriptor(const cv::Mat& image, int size, std::span<float> out) {
    checkImage(image, "rawPixelDescriptor");
    checkOutput(out, rawPixelDimension(size), "rawPixelDescriptor");
    const cv::Mat square = squareOnWhite(image, size);
    const int channels = square.channels();
    const std::size_t plane = static_cast<std::size_t>(size) * static_cast<std::size_t>(size);
    for (int y = 0; y < size; ++y) {
        const std::uint8_t* row = square.ptr<std::uint8_t>(y);
        for (int x = 0; x < size; ++x) {
            const std::size_t at = static_cast<std::size_t>(y) * static_cast<std::size_t>(size) + static_cast<std::size_t>(x);
            for (std::size_t c = 0; c < 3; ++c) {
                // RGB planes from BGR pixels; a gray pixel fills all three.
                const int source = channels == 3 ? 2 - static_cast<int>(c) : 0;
                out[c * plane + at] = static_cast<float>(row[x * channels + source]);
            }
        }
    }
    const double mean = std::accumulate(out.begin(), out.end(), 0.0) / static_cast<double>(out.size());
    for (float& value : out)
        value = static_cast<float>(value - mean);
    normalise(out);
}

HogColourDescriptor::HogColourDescriptor(const HogColourConfig& config) : m_config(config) {
    checkConfig(config);
    const std::size_t blocks = blocksPerSide(config);
    const auto cellsPerBlock = static_cast<std::size_t>(config.blockCells * config.blockCells);
    m_hogDimension = blocks * blocks * cellsPerBlock * static_cast<std::size_t>(config.orientationBins);
    const auto grid = static_cast<std::size_t>(config.colourGridSize);
    m_colourDimension = grid * grid * 3;
    if (dimension() > kMaxHogColourDimension)
        throw std::invalid_argument("HogColourConfig: " + std::to_string(m_hogDimension) + " HOG + " +
                                    std::to_string(m_colourDimension) + " colour values exceed the limit of " +
                                    std::to_string(kMaxHogColourDimension));

    const cv::Size window(config.imageSize, config.imageSize);
    const cv::Size block(config.blockCells * config.cellSize, config.blockCells * config.cellSize);
    const cv::Size stride(config.blockStrideCells * config.cellSize, config.blockStrideCells * config.cellSize);
    const cv::Size cell(config.cellSize, config.cellSize);
    auto hog = std::make_shared<cv::HOGDescriptor>(window, block, stride, cell, config.orientationBins);
    hog->signedGradient = config.signedGradients;
    if (hog->getDescriptorSize() != m_hogDimension)
        throw std::logic_error("HogColourDescriptor: OpenCV's HOG has " + std::to_string(hog->getDescriptorSize()) +
                               " values, expected " + std::to_string(m_hogDimension));
    m_hog = std::move(hog);
}

void HogColourDescriptor::computeHog(const cv::Mat& square, std::span<float> out) const {
    cv::Mat gray = square;
    if (square.channels() == 3)
        cv::cvtColor(square, gray, cv::COLOR_BGR2GRAY);
    std::vector<float> hogValues;
    // One window covering the whole image: winStride = window, no padding.
    m_hog->compute(gray, hogValues, cv::Size(m_config.imageSize, m_config.imageSize), cv::Size(0, 0));
    std::copy(hogValues.begin(), hogValues.end(), out.begin());
    normalise(out);
}

void HogColourDescriptor::computeColourLayout(const cv::Mat& square, std::span<float> out) const {
    // Cell means in float (exact averages; 8-bit would round them), then to Lab. Float BGR2Lab
    // takes sRGB in [0, 1] and gives L* in [0, 100], a*, b* in about [-127, 127].
    cv::Mat bgr = square;
    if (square.channels() == 1)
        cv::cvtColor(square, bgr, cv::COLOR_GRAY2BGR);
    cv::Mat bgrFloat;
    bgr.convertTo(bgrFloat, CV_32F, 1.0 / 255.0);
    const int grid = m_config.colourGridSize;
    cv::Mat cellMeans;
    cv::resize(bgrFloat, cellMeans, cv::Size(grid, grid), 0, 0, cv::INTER_AREA);
    cv::Mat lab;
    cv::cvtColor(cellMeans, lab, cv::COLOR_BGR2Lab);
    std::size_t at = 0;
    for (int y = 0; y < grid; ++y) {
        const auto* row = lab.ptr<cv::Vec3f>(y);
        for (int x = 0; x < grid; ++x) {
            out[at++] = row[x][0] - 100.0F;
            out[at++] = m_config.chromaWeight * row[x][1];
            out[at++] = m_config.chromaWeight * row[x][2];
        }
    }
    // Float Lab of pure white is 100, 0, 0 only up to rounding; a thousandth of a Lab unit is
    // far below what an eye can tell.
    normalise(out, 1e-3);
}

void HogColourDescriptor::compute(const cv::Mat& image, std::span<float> out) const {
    checkImage(image, "HogColourDescriptor");
    checkOutput(out, dimension(), "HogColourDescriptor");
    const cv::Mat content = m_config.cropToContent ? cropToContent(image) : image;
    const cv::Mat square = squareOnWhite(content, m_config.imageSize);
    std::span<float> hogPart = out.first(m_hogDimension);
    std::span<float> colourPart = out.subspan(m_hogDimension);

    // A part weighted 0 is left zero rather than computed: the benchmarks sweep parts alone.
    if (m_config.hogWeight > 0.0F)
        computeHog(square, hogPart);
    else
        std::fill(hogPart.begin(), hogPart.end(), 0.0F);
    if (m_config.colourWeight > 0.0F)
        computeColourLayout(square, colourPart);
    else
        std::fill(colourPart.begin(), colourPart.end(), 0.0F);

    const float totalWeight = m_config.hogWeight + m_config.colourWeight;
    const float hogScale = std::sqrt(m_config.hogWeight / totalWeight);
    const float colourScale = std::sqrt(m_config.colourWeight / totalWeight);
    for (float& value : hogPart)
        value *= hogScale;
    for (float& value : colourPart)
        value *= colourScale;
    // A no-op unless a part is empty; then the other part alone has unit norm.
    normalise(out);
}

}  // namespace lookalike::imaging
