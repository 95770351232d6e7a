#include "core/imaging/perceptual_hash.h"

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace lookalike::imaging {

namespace {

cv::Mat greyOf(const cv::Mat& image) {
    if (image.empty())
        throw std::invalid_argument("perceptualHash: empty image");
    if (image.channels() == 1)
        return image;
    cv::Mat grey;
    cv::cvtColor(image, grey, image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
    return grey;
}

PerceptualHash dctHash(const cv::Mat& grey) {
    cv::Mat small;
    cv::resize(grey, small, cv::Size(32, 32), 0, 0, cv::INTER_AREA);
    cv::Mat values;
    small.convertTo(values, CV_32F);
    cv::Mat frequencies;
    cv::dct(values, frequencies);
    std::array<float, 64> low{};
    for (int y = 0; y < 8; ++y)
        for (int x = 0; x < 8; ++x)
            low[static_cast<std::size_t>(y * 8 + x)] = frequencies.at<float>(y, x);
    // The median of the 63 AC terms: the DC term is the mean brightness, far above them, and
    // would only shift the median.
    std::array<float, 63> ac{};
    std::copy(low.begin() + 1, low.end(), ac.begin());
    std::nth_element(ac.begin(), ac.begin() + 31, ac.end());
    const float median = ac[31];
    PerceptualHash hash = 0;
    for (std::size_t i = 0; i < low.size(); ++i)
        if (low[i] > median)
            hash |= PerceptualHash{1} << i;
    return hash;
}

PerceptualHash differenceHash(const cv::Mat& grey) {
    cv::Mat small;
    cv::resize(grey, small, cv::Size(9, 8), 0, 0, cv::INTER_AREA);
    PerceptualHash hash = 0;
    int bit = 0;
    for (int y = 0; y < 8; ++y) {
        const auto* row = small.ptr<std::uint8_t>(y);
        for (int x = 0; x < 8; ++x, ++bit)
            if (row[x] < row[x + 1])
                hash |= PerceptualHash{1} << bit;
    }
    return hash;
}

}  // namespace

PerceptualHash perceptualHash(const cv::Mat& image, PerceptualHashKind kind) {
    const cv::Mat grey = greyOf(image);
    return kind == PerceptualHashKind::Dct ? dctHash(grey) : differenceHash(grey);
}

std::optional<PerceptualHash> thumbnailHash(const std::vector<std::uint8_t>& jpeg, PerceptualHashKind kind) {
    if (jpeg.empty())
        return std::nullopt;
    const cv::Mat bytes(1, static_cast<int>(jpeg.size()), CV_8UC1, const_cast<std::uint8_t*>(jpeg.data()));
    cv::Mat grey;
    try {
        grey = cv::imdecode(bytes, cv::IMREAD_REDUCED_GRAYSCALE_4);
    } catch (const cv::Exception&) {
        return std::nullopt;
    }
    if (grey.empty())
        return std::nullopt;
    return perceptualHash(grey, kind);
}

}  // namespace lookalike::imaging
