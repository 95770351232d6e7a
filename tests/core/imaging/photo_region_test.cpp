#include "core/imaging/photo_region.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include <cmath>
#include <stdexcept>

using namespace lookalike::imaging;

namespace {

TEST(PhotoRegionTest, ClippingKeepsThePartOnThePhoto) {
    EXPECT_EQ(clipToPhoto(kWholePhoto), kWholePhoto);
    EXPECT_EQ(clipToPhoto({0.25, 0.5, 0.5, 0.25}), (PhotoRegion{0.25, 0.5, 0.5, 0.25}));
    EXPECT_EQ(clipToPhoto({-0.5, 0.5, 1.0, 2.0}), (PhotoRegion{0.0, 0.5, 0.5, 0.5}));
    EXPECT_EQ(clipToPhoto({-1.0, -1.0, 3.0, 3.0}), kWholePhoto);
}

TEST(PhotoRegionTest, RegionsWithoutAreaOrOffThePhotoAreRefused) {
    for (PhotoRegion bad : {PhotoRegion{0, 0, 0, 1}, PhotoRegion{0, 0, 1, -1}, PhotoRegion{1, 0, 0.5, 1},
                            PhotoRegion{0, -2, 1, 1}, PhotoRegion{0, 0, INFINITY, 1}, PhotoRegion{NAN, 0, 1, 1}})
        EXPECT_THROW(clipToPhoto(bad), std::invalid_argument) << bad.x << " " << bad.y << " " << bad.width;
}

TEST(PhotoRegionTest, TheDecodeKeepsEnoughPixelsForTheRegion) {
    EXPECT_EQ(decodeSideForRegion(kWholePhoto, 256), 256);
    EXPECT_EQ(decodeSideForRegion({0, 0, 0.5, 1}, 256), 512);
    EXPECT_EQ(decodeSideForRegion({0, 0, 0.5, 0.1}, 256), 2560);
}

TEST(PhotoRegionTest, CropsTheSamePartOfAFullOrAReducedDecode) {
    cv::Mat full(100, 200, CV_8UC3, cv::Scalar(255, 255, 255));
    full(cv::Rect(100, 0, 100, 100)).setTo(cv::Scalar(0, 0, 255));
    cv::Mat reduced(50, 100, CV_8UC3, cv::Scalar(255, 255, 255));
    reduced(cv::Rect(50, 0, 50, 50)).setTo(cv::Scalar(0, 0, 255));
    const PhotoRegion rightHalf{0.5, 0.0, 0.5, 1.0};
    cv::Mat fromFull = cropToRegion(full, rightHalf, 200, 100);
    cv::Mat fromReduced = cropToRegion(reduced, rightHalf, 200, 100);
    EXPECT_EQ(fromFull.size(), cv::Size(100, 100));
    EXPECT_EQ(fromReduced.size(), cv::Size(50, 50));
    EXPECT_EQ(cv::norm(fromFull, full(cv::Rect(100, 0, 100, 100)), cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::mean(fromReduced), cv::Scalar(0, 0, 255, 0));
    // Whole photo: the image itself, not a copy.
    EXPECT_EQ(cropToRegion(full, kWholePhoto, 200, 100).data, full.data);
}

TEST(PhotoRegionTest, RegionsUnderEightPixelsOfThePhotoAreRefused) {
    cv::Mat reduced(50, 100, CV_8UC3, cv::Scalar::all(255));
    // 8 pixels of the 200-pixel photo: allowed even though the reduced decode has only 4.
    EXPECT_EQ(cropToRegion(reduced, {0, 0, 8.0 / 200, 1}, 200, 100).cols, 4);
    EXPECT_THROW(cropToRegion(reduced, {0, 0, 7.0 / 200, 1}, 200, 100), std::invalid_argument);
    EXPECT_THROW(cropToRegion(reduced, {0, 0, 1, 0.05}, 200, 100), std::invalid_argument);
    // The last pixel column still crops one pixel.
    EXPECT_EQ(cropToRegion(reduced, {0.995, 0, 0.005, 1}, 2000, 100).cols, 1);
}

}  // namespace
