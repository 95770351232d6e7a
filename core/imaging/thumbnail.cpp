#include "core/imaging/thumbnail.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

namespace lookalike::imaging {

EncodedThumbnail makeThumbnail(const cv::Mat& bgr, int maxSide, int jpegQuality) {
    CV_Assert(bgr.type() == CV_8UC3 && !bgr.empty() && maxSide > 0);
    cv::Mat scaled = bgr;
    int longest = std::max(bgr.cols, bgr.rows);
    if (longest > maxSide) {
        double scale = static_cast<double>(maxSide) / longest;
        cv::Size size(std::max(1, static_cast<int>(std::lround(bgr.cols * scale))),
                      std::max(1, static_cast<int>(std::lround(bgr.rows * scale))));
        cv::resize(bgr, scaled, size, 0, 0, cv::INTER_AREA);
    }
    EncodedThumbnail thumbnail;
    thumbnail.width = scaled.cols;
    thumbnail.height = scaled.rows;
    cv::imencode(".jpg", scaled, thumbnail.jpeg, {cv::IMWRITE_JPEG_QUALITY, jpegQuality});
    return thumbnail;
}

cv::Mat decodeThumbnail(const std::vector<std::uint8_t>& jpeg) {
    if (jpeg.empty())
        return {};
    try {
        return cv::imdecode(jpeg, cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
        return {};
    }
}

}  // namespace lookalike::imaging
