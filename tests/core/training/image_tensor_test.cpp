#include "core/training/image_tensor.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <vector>

using lookalike::training::imageToTensor;

TEST(ImageTensor, ScalesPixelsToMinusOneToOne) {
    cv::Mat image(2, 2, CV_8UC1);
    image.at<std::uint8_t>(0, 0) = 0;
    image.at<std::uint8_t>(0, 1) = 255;
    image.at<std::uint8_t>(1, 0) = 51;
    image.at<std::uint8_t>(1, 1) = 102;
    std::vector<float> out(4);
    imageToTensor(image, 1, 2, out);
    EXPECT_FLOAT_EQ(out[0], -1.0f);
    EXPECT_FLOAT_EQ(out[1], 1.0f);
    EXPECT_NEAR(out[2], -0.6f, 1e-6);
    EXPECT_NEAR(out[3], -0.2f, 1e-6);
}

TEST(ImageTensor, WritesRgbPlanesFromBgrPixels) {
    cv::Mat image(1, 1, CV_8UC3, cv::Scalar(0, 0, 255));  // pure red in BGR
    std::vector<float> out(3);
    imageToTensor(image, 3, 1, out);
    EXPECT_FLOAT_EQ(out[0], 1.0f);   // R plane
    EXPECT_FLOAT_EQ(out[1], -1.0f);  // G
    EXPECT_FLOAT_EQ(out[2], -1.0f);  // B
}

TEST(ImageTensor, ConvertsBetweenGrayAndColourAndResizes) {
    cv::Mat gray(8, 8, CV_8UC1, cv::Scalar(255));
    std::vector<float> rgb(3 * 4 * 4);
    imageToTensor(gray, 3, 4, rgb);
    for (float value : rgb)
        EXPECT_FLOAT_EQ(value, 1.0f);
    cv::Mat colour(8, 8, CV_8UC3, cv::Scalar(0, 0, 0));
    std::vector<float> single(16);
    imageToTensor(colour, 1, 4, single);
    for (float value : single)
        EXPECT_FLOAT_EQ(value, -1.0f);
}

TEST(ImageTensor, RejectsWrongInputs) {
    std::vector<float> out(4);
    EXPECT_THROW(imageToTensor(cv::Mat(), 1, 2, out), std::invalid_argument);
    EXPECT_THROW(imageToTensor(cv::Mat(2, 2, CV_32FC1), 1, 2, out), std::invalid_argument);
    EXPECT_THROW(imageToTensor(cv::Mat(2, 2, CV_8UC1), 1, 3, out), std::invalid_argument);
}
