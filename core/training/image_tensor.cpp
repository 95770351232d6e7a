#include "core/training/image_tensor.h"

#include "core/imaging/preprocessing.h"

#include <opencv2/imgproc.hpp>

#include <stdexcept>

namespace lookalike::training {

void imageToTensor(const cv::Mat& image, int channels, int size, std::span<float> out) {
    if (image.empty() || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
        throw std::invalid_argument("imageToTensor: expects a non-empty 8-bit gray or BGR image");
    if ((channels != 1 && channels != 3) || size < 1 ||
        out.size() != static_cast<std::size_t>(channels) * size * size)
        throw std::invalid_argument("imageToTensor: output does not match channels x size x size");

    cv::Mat resized = imaging::squareOnWhite(image, size);
    cv::Mat converted = resized;
    if (channels == 1 && resized.channels() == 3)
        cv::cvtColor(resized, converted, cv::COLOR_BGR2GRAY);
    else if (channels == 3 && resized.channels() == 1)
        cv::cvtColor(resized, converted, cv::COLOR_GRAY2BGR);

    constexpr float kScale = 2.0f / 255.0f;
    const std::size_t plane = static_cast<std::size_t>(size) * size;
    for (int y = 0; y < size; ++y) {
        const std::uint8_t* row = converted.ptr<std::uint8_t>(y);
        for (int x = 0; x < size; ++x) {
            std::size_t at = static_cast<std::size_t>(y) * size + x;
            for (int c = 0; c < channels; ++c) {
                // BGR in OpenCV, RGB planes in the tensor.
                int source = channels == 3 ? 2 - c : 0;
                out[c * plane + at] = row[x * channels + source] * kScale - 1.0f;
            }
        }
    }
}

}  // namespace lookalike::training
