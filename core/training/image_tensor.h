#pragma once
// The one preprocessing used for training, embedding and query photos: pad to a square on
// white (aspect ratio kept) and resize (imaging::squareOnWhite), then scale pixels to [-1, 1].

#include <opencv2/core/mat.hpp>

#include <span>

namespace lookalike::training {

// image: CV_8UC1 or CV_8UC3 (BGR), any size; the image is centred on a white square first.
// out [channels, size, size] plain, channels 1 (gray) or 3 (RGB order). Thread-safe.
void imageToTensor(const cv::Mat& image, int channels, int size, std::span<float> out);

}  // namespace lookalike::training
