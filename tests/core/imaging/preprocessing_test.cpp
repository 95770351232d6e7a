// Square-on-white geometry shared by the network input and the descriptors.

#include "core/imaging/preprocessing.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <stdexcept>

using lookalike::imaging::cropToContent;
using lookalike::imaging::padToSquareOnWhite;
using lookalike::imaging::squareOnWhite;

TEST(Preprocessing, PadsAWideImageToASquareOnWhiteKeepingItCentred) {
    cv::Mat wide(2, 6, CV_8UC1, cv::Scalar(0));
    cv::Mat square = padToSquareOnWhite(wide);
    ASSERT_EQ(square.rows, 6);
    ASSERT_EQ(square.cols, 6);
    EXPECT_EQ(square.at<std::uint8_t>(0, 0), 255);
    EXPECT_EQ(square.at<std::uint8_t>(1, 3), 255);
    EXPECT_EQ(square.at<std::uint8_t>(2, 3), 0);
    EXPECT_EQ(square.at<std::uint8_t>(3, 3), 0);
    EXPECT_EQ(square.at<std::uint8_t>(4, 3), 255);
}

TEST(Preprocessing, PadsATallColourImageWithWhiteColumns) {
    cv::Mat tall(4, 2, CV_8UC3, cv::Scalar(10, 20, 30));
    cv::Mat square = padToSquareOnWhite(tall);
    ASSERT_EQ(square.rows, 4);
    ASSERT_EQ(square.cols, 4);
    EXPECT_EQ(square.at<cv::Vec3b>(2, 0), cv::Vec3b(255, 255, 255));
    EXPECT_EQ(square.at<cv::Vec3b>(2, 1), cv::Vec3b(10, 20, 30));
    EXPECT_EQ(square.at<cv::Vec3b>(2, 2), cv::Vec3b(10, 20, 30));
    EXPECT_EQ(square.at<cv::Vec3b>(2, 3), cv::Vec3b(255, 255, 255));
}

TEST(Preprocessing, ReturnsASquareOfTheRightSizeAsIs) {
    cv::Mat square(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
    EXPECT_EQ(padToSquareOnWhite(square).data, square.data);
    EXPECT_EQ(squareOnWhite(square, 8).data, square.data);
}

TEST(Preprocessing, ShrinksByAveragingAreas) {
    // A 2 x 2 checkerboard averages to mid grey; nearest or bilinear sampling would not.
    cv::Mat checker = (cv::Mat_<std::uint8_t>(4, 4) << 0, 200, 0, 200, 200, 0, 200, 0, 0, 200, 0, 200, 200, 0, 200, 0);
    cv::Mat small = squareOnWhite(checker, 2);
    ASSERT_EQ(small.size(), cv::Size(2, 2));
    ASSERT_EQ(small.type(), CV_8UC1);
    for (int y = 0; y < 2; ++y)
        for (int x = 0; x < 2; ++x)
            EXPECT_EQ(small.at<std::uint8_t>(y, x), 100);
}

TEST(Preprocessing, PadsBeforeResizingSoTheAspectRatioIsKept) {
    cv::Mat wide(10, 40, CV_8UC1, cv::Scalar(0));
    cv::Mat square = squareOnWhite(wide, 8);
    ASSERT_EQ(square.size(), cv::Size(8, 8));
    // 40 x 40 padded: the black band covers rows 15..24, i.e. rows 3..4 of 8 (5 px per row).
    EXPECT_EQ(square.at<std::uint8_t>(0, 4), 255);
    EXPECT_EQ(square.at<std::uint8_t>(3, 0), 0);
    EXPECT_EQ(square.at<std::uint8_t>(4, 7), 0);
    EXPECT_EQ(square.at<std::uint8_t>(7, 4), 255);
}

TEST(Preprocessing, RejectsAnEmptyImageOrANonPositiveSide) {
    EXPECT_THROW(squareOnWhite(cv::Mat(), 4), std::invalid_argument);
    EXPECT_THROW(squareOnWhite(cv::Mat(2, 2, CV_8UC1), 0), std::invalid_argument);
}

TEST(Preprocessing, CropsToTheContentIgnoringNearWhiteNoise) {
    cv::Mat photo(40, 60, CV_8UC3, cv::Scalar(255, 255, 255));
    photo(cv::Rect(0, 0, 60, 40)).setTo(cv::Scalar(245, 250, 242));  // JPEG-like noise on white
    photo(cv::Rect(10, 5, 20, 8)).setTo(cv::Scalar(30, 200, 250));
    photo.at<cv::Vec3b>(30, 44) = {255, 255, 100};  // one pixel with a single dark channel
    cv::Mat content = cropToContent(photo, 16, 0.0);
    EXPECT_EQ(content.size(), cv::Size(35, 26));  // x 10..44, y 5..30
    EXPECT_EQ(content.at<cv::Vec3b>(0, 0), cv::Vec3b(30, 200, 250));
    EXPECT_EQ(content.data, photo.data + photo.step * 5 + 3 * 10);  // a view, not a copy
}

TEST(Preprocessing, LeavesAWhiteMarginAroundTheContentWhereTheImageHasOne) {
    cv::Mat photo(100, 100, CV_8UC1, cv::Scalar(255));
    photo(cv::Rect(40, 2, 32, 16)).setTo(0);
    // 1/32 of the longest side (32) is 1 px each side.
    cv::Mat content = cropToContent(photo);
    EXPECT_EQ(content.size(), cv::Size(34, 18));
    EXPECT_EQ(content.data, photo.data + photo.step * 1 + 39);
    EXPECT_EQ(cropToContent(photo, 16, 0.25).size(), cv::Size(48, 26));  // 8 px, top clipped at 0
}

TEST(Preprocessing, KeepsAnAllWhiteOrEmptyImageWhole) {
    cv::Mat white(7, 9, CV_8UC1, cv::Scalar(250));
    EXPECT_EQ(cropToContent(white).size(), white.size());
    EXPECT_TRUE(cropToContent(cv::Mat()).empty());
    cv::Mat gray(7, 9, CV_8UC1, cv::Scalar(255));
    gray.at<std::uint8_t>(3, 4) = 0;
    EXPECT_EQ(cropToContent(gray, 16, 0.0).size(), cv::Size(1, 1));
    EXPECT_EQ(cropToContent(gray).size(), cv::Size(3, 3));  // a margin of at least one pixel
}
