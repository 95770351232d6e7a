// Catalog thumbnails: fit inside a square, never upscale, stored as a JPEG that decodes.

#include "core/imaging/thumbnail.h"

#include "tests/support/test_images.h"

#include <gtest/gtest.h>

using namespace lookalike;
using namespace lookalike::imaging;

namespace {

struct SizeCase {
    int width;
    int height;
    int expectedWidth;
    int expectedHeight;
};

class ThumbnailSizeTest : public ::testing::TestWithParam<SizeCase> {};

}  // namespace

TEST_P(ThumbnailSizeTest, FitsTheLongestSideWithoutUpscaling) {
    const SizeCase& c = GetParam();
    cv::Mat photo = fixtures::makePhoto(c.width, c.height, 21);
    EncodedThumbnail thumbnail = makeThumbnail(photo);
    EXPECT_EQ(thumbnail.width, c.expectedWidth);
    EXPECT_EQ(thumbnail.height, c.expectedHeight);
    ASSERT_GE(thumbnail.jpeg.size(), 4u);
    EXPECT_EQ(thumbnail.jpeg[0], 0xFF);
    EXPECT_EQ(thumbnail.jpeg[1], 0xD8);
    cv::Mat decoded = decodeThumbnail(thumbnail.jpeg);
    ASSERT_FALSE(decoded.empty());
    EXPECT_EQ(decoded.type(), CV_8UC3);
    EXPECT_EQ(decoded.cols, c.expectedWidth);
    EXPECT_EQ(decoded.rows, c.expectedHeight);
}

INSTANTIATE_TEST_SUITE_P(Sizes, ThumbnailSizeTest,
                         ::testing::Values(SizeCase{1024, 768, 256, 192},   // landscape
                                           SizeCase{600, 1200, 128, 256},   // portrait
                                           SizeCase{512, 512, 256, 256},    // square
                                           SizeCase{256, 100, 256, 100},    // exactly fits
                                           SizeCase{100, 60, 100, 60},      // small: kept
                                           SizeCase{1, 1, 1, 1},
                                           SizeCase{3000, 2, 256, 1}),      // never 0 pixels
                         [](const auto& info) {
                             return std::to_string(info.param.width) + "x" +
                                    std::to_string(info.param.height);
                         });

TEST(ThumbnailTest, KeepsTheContent) {
    cv::Mat photo(400, 800, CV_8UC3, cv::Scalar(255, 0, 0));
    photo(cv::Rect(400, 0, 400, 400)).setTo(cv::Scalar(0, 0, 255));
    cv::Mat decoded = decodeThumbnail(makeThumbnail(photo).jpeg);
    ASSERT_EQ(decoded.size(), cv::Size(256, 128));
    cv::Scalar left = cv::mean(decoded(cv::Rect(0, 0, 100, 128)));
    cv::Scalar right = cv::mean(decoded(cv::Rect(156, 0, 100, 128)));
    EXPECT_GT(left[0], 240);
    EXPECT_LT(left[2], 15);
    EXPECT_LT(right[0], 15);
    EXPECT_GT(right[2], 240);
}

TEST(ThumbnailTest, CustomSideAndQuality) {
    cv::Mat photo = fixtures::makePhoto(640, 480, 22);
    EncodedThumbnail small = makeThumbnail(photo, 64, 50);
    EXPECT_EQ(small.width, 64);
    EXPECT_EQ(small.height, 48);
    EncodedThumbnail sharp = makeThumbnail(photo, 64, 98);
    EXPECT_GT(sharp.jpeg.size(), small.jpeg.size());
}

TEST(ThumbnailTest, DecodeThumbnailOfGarbageIsEmpty) {
    EXPECT_TRUE(decodeThumbnail({}).empty());
    EXPECT_TRUE(decodeThumbnail({0xFF, 0xD8, 0xFF, 0xD9}).empty());
    EXPECT_TRUE(decodeThumbnail({'n', 'o', 'p', 'e'}).empty());
}

TEST(ThumbnailTest, RejectsInputThatIsNotEightBitBgr) {
    EXPECT_THROW(makeThumbnail(cv::Mat()), cv::Exception);
    EXPECT_THROW(makeThumbnail(cv::Mat(10, 10, CV_8UC1)), cv::Exception);
}
