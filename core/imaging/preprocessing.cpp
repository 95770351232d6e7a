#include "core/imaging/preprocessing.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace lookalike::imaging {

cv::Mat padToSquareOnWhite(const cv::Mat& image) {
    if (image.rows == image.cols)
        return image;
    int side = std::max(image.rows, image.cols);
    int top = (side - image.rows) / 2;
    int left = (side - image.cols) / 2;
    cv::Mat square;
    cv::copyMakeBorder(image, square, top, side - image.rows - top, left, side - image.cols - left,
                       cv::BORDER_CONSTANT, cv::Scalar::all(255));
    return square;
}

cv::Mat squareOnWhite(const cv::Mat& image, int side) {
    if (image.empty())
        throw std::invalid_argument("squareOnWhite: empty image");
    if (side < 1)
        throw std::invalid_argument("squareOnWhite: the side must be at least 1 pixel");
    cv::Mat square = padToSquareOnWhite(image);
    if (square.rows == side)
        return square;
    cv::Mat resized;
    cv::resize(square, resized, cv::Size(side, side), 0, 0, square.rows > side ? cv::INTER_AREA : cv::INTER_LINEAR);
    return resized;
}

cv::Mat cropToContent(const cv::Mat& image, int tolerance, double marginFraction) {
    if (image.empty())
        return image;
    cv::Mat nearWhite;
    cv::inRange(image, cv::Scalar::all(255 - tolerance), cv::Scalar::all(255), nearWhite);
    cv::Rect bounds = cv::boundingRect(255 - nearWhite);
    if (bounds.area() == 0)
        return image;
    const int margin = static_cast<int>(std::ceil(marginFraction * std::max(bounds.width, bounds.height)));
    bounds = cv::Rect(bounds.x - margin, bounds.y - margin, bounds.width + 2 * margin, bounds.height + 2 * margin) &
             cv::Rect(0, 0, image.cols, image.rows);
    return image(bounds);
}

}  // namespace lookalike::imaging
