#include "core/imaging/augmentation.h"

#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace lookalike::imaging {
namespace {

// A deterministic image with structure everywhere (gradients plus a few shapes), so that any
// crop, flip or rotation changes pixels.
cv::Mat texturedImage(int width, int height, int channels)
{
    cv::Mat image(height, width, CV_8UC3);
    for (int y = 0; y < height; ++y) {
        for (int x = 0; x < width; ++x) {
            image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uchar>((x * 255) / std::max(1, width - 1)),
                                                  static_cast<uchar>((y * 255) / std::max(1, height - 1)),
                                                  static_cast<uchar>(((x / 7 + y / 5) % 2) * 200));
        }
    }
    cv::circle(image, {width / 3, height / 2}, std::max(1, width / 6), cv::Scalar(10, 200, 30), cv::FILLED);
    cv::rectangle(image, {width / 2, height / 5}, {width - 2, height / 3}, cv::Scalar(250, 20, 120), cv::FILLED);
    if (channels == 1) {
        cv::cvtColor(image, image, cv::COLOR_BGR2GRAY);
    }
    return image;
}

bool identical(const cv::Mat& a, const cv::Mat& b)
{
    return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0.0;
}

class AugmentationChannelsTest : public ::testing::TestWithParam<int> {};

TEST_P(AugmentationChannelsTest, SameSeedGivesIdenticalOutput)
{
    const cv::Mat image = texturedImage(300, 200, GetParam());
    AugmentationConfig config;
    config.outputSize = 96;
    config.rotationProbability = 1.0F;  // every step on, so every step is covered
    config.colorJitterProbability = 1.0F;
    config.blurProbability = 1.0F;
    const Augmentation augmentation(config);
    for (const std::uint64_t seed : {0ULL, 1ULL, 0xDEADBEEFCAFEULL}) {
        EXPECT_TRUE(identical(augmentation.apply(image, seed), augmentation.apply(image, seed))) << seed;
    }
}

TEST_P(AugmentationChannelsTest, DifferentSeedsGiveDifferentOutputs)
{
    const cv::Mat image = texturedImage(300, 200, GetParam());
    const Augmentation augmentation(AugmentationConfig{});
    const cv::Mat first = augmentation.apply(image, 1);
    for (std::uint64_t seed = 2; seed < 10; ++seed) {
        EXPECT_FALSE(identical(first, augmentation.apply(image, seed))) << seed;
    }
    // Seeds differing only in their upper 32 bits are different seeds too.
    EXPECT_FALSE(identical(augmentation.apply(image, 1), augmentation.apply(image, 1 + (1ULL << 32))));
}

TEST_P(AugmentationChannelsTest, OutputIsTheRequestedSquareOfTheSameType)
{
    const int channels = GetParam();
    AugmentationConfig config;
    config.outputSize = 64;
    config.rotationProbability = 0.5F;
    config.blurProbability = 0.5F;
    const Augmentation augmentation(config);
    for (const cv::Size size : {cv::Size(640, 480), cv::Size(480, 640), cv::Size(64, 64), cv::Size(20, 30),
                                cv::Size(1, 1), cv::Size(1000, 3)}) {
        const cv::Mat image = texturedImage(size.width, size.height, channels);
        for (std::uint64_t seed = 0; seed < 8; ++seed) {
            const cv::Mat output = augmentation.apply(image, seed);
            EXPECT_EQ(output.size(), cv::Size(64, 64)) << size << " seed " << seed;
            EXPECT_EQ(output.type(), image.type());
        }
    }
}

TEST_P(AugmentationChannelsTest, IdentityConfigLeavesImageUnchanged)
{
    const cv::Mat image = texturedImage(128, 128, GetParam());
    const cv::Mat before = image.clone();
    const Augmentation augmentation(AugmentationConfig::identity(128));
    for (std::uint64_t seed = 0; seed < 5; ++seed) {
        EXPECT_TRUE(identical(augmentation.apply(image, seed), image)) << seed;
    }
    EXPECT_TRUE(identical(image, before)) << "the input must not be modified";

    // On a non-square image the identity keeps the largest centred square.
    const cv::Mat wide = texturedImage(200, 128, GetParam());
    EXPECT_TRUE(identical(augmentation.apply(wide, 3), wide(cv::Rect(36, 0, 128, 128))));
}

TEST_P(AugmentationChannelsTest, FlipMirrorsEveryRow)
{
    const cv::Mat image = texturedImage(90, 90, GetParam());
    AugmentationConfig config = AugmentationConfig::identity(90);
    config.flipProbability = 1.0F;
    const cv::Mat output = Augmentation(config).apply(image, 7);
    ASSERT_EQ(output.size(), image.size());
    const int bytesPerPixel = static_cast<int>(image.elemSize());
    for (int y = 0; y < image.rows; ++y) {
        for (int x = 0; x < image.cols; ++x) {
            for (int c = 0; c < bytesPerPixel; ++c) {
                ASSERT_EQ(output.ptr<uchar>(y)[x * bytesPerPixel + c],
                          image.ptr<uchar>(y)[(image.cols - 1 - x) * bytesPerPixel + c])
                    << "pixel " << x << "," << y;
            }
        }
    }
    EXPECT_FALSE(identical(output, image));
}

TEST_P(AugmentationChannelsTest, RotationFillsCornersWithWhite)
{
    const cv::Mat black = cv::Mat::zeros(100, 100, CV_8UC(GetParam()));
    AugmentationConfig config = AugmentationConfig::identity(100);
    config.rotationProbability = 1.0F;
    config.maxRotationDegrees = 10.0F;
    const Augmentation augmentation(config);
    int rotated = 0;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
        const cv::Mat output = augmentation.apply(black, seed);
        EXPECT_EQ(cv::norm(output(cv::Rect(30, 30, 40, 40)), cv::NORM_INF), 0.0) << "centre stays black";
        // At >= ~1 degree the corner pixel lies outside the rotated image.
        const cv::Mat corner = output(cv::Rect(0, 0, 1, 1));
        if (cv::mean(corner)[0] == 255.0) {
            ++rotated;
        }
    }
    EXPECT_GE(rotated, 7);
}

TEST_P(AugmentationChannelsTest, ColorJitterChangesPixelsAndKeepsSize)
{
    const cv::Mat image = texturedImage(64, 64, GetParam());
    AugmentationConfig config = AugmentationConfig::identity(64);
    config.colorJitterProbability = 1.0F;
    config.brightness = 0.4F;
    config.contrast = 0.4F;
    config.saturation = 0.4F;
    const cv::Mat output = Augmentation(config).apply(image, 11);
    EXPECT_EQ(output.size(), image.size());
    EXPECT_FALSE(identical(output, image));
}

TEST_P(AugmentationChannelsTest, ErasingChangesOneRectangleWithinTheAreaRange)
{
    // On a flat image the erased pixels are exactly those that differ (noise hits the flat
    // value with probability 1/256 per pixel, so the bounding box is still the rectangle).
    const cv::Mat flat(80, 80, CV_8UC(GetParam()), cv::Scalar::all(200));
    AugmentationConfig config = AugmentationConfig::identity(80);
    config.erasingProbability = 1.0F;
    config.erasingAreaMin = 0.05F;
    config.erasingAreaMax = 0.2F;
    config.erasingRatioMin = 0.5F;
    const Augmentation augmentation(config);
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        const cv::Mat output = augmentation.apply(flat, seed);
        ASSERT_EQ(output.size(), flat.size());
        ASSERT_EQ(output.type(), flat.type());
        cv::Mat difference;
        cv::absdiff(output, flat, difference);
        std::vector<cv::Mat> channels;
        cv::split(difference, channels);
        cv::Mat changed = channels[0];
        for (const cv::Mat& channel : channels)
            cv::max(changed, channel, changed);
        changed = changed > 0;
        const cv::Rect box = cv::boundingRect(changed);
        const double fraction = static_cast<double>(box.area()) / (80.0 * 80.0);
        EXPECT_GE(fraction, 0.05 * 0.8) << "seed " << seed;  // rounding of a small side
        EXPECT_LE(fraction, 0.2 * 1.2) << "seed " << seed;
        const double aspect = static_cast<double>(box.width) / box.height;
        EXPECT_GE(aspect, 0.5 * 0.8) << "seed " << seed;
        EXPECT_LE(aspect, 2.0 * 1.2) << "seed " << seed;
        // Nearly every pixel inside the box is noise, none outside it changed.
        EXPECT_GE(cv::countNonZero(changed(box)), box.area() * 9 / 10) << "seed " << seed;
        EXPECT_EQ(cv::countNonZero(changed), cv::countNonZero(changed(box))) << "seed " << seed;
    }
    EXPECT_TRUE(identical(augmentation.apply(flat, 3), augmentation.apply(flat, 3)));
}

INSTANTIATE_TEST_SUITE_P(GreyAndColour, AugmentationChannelsTest, ::testing::Values(1, 3),
                         [](const ::testing::TestParamInfo<int>& info) {
                             return info.param == 1 ? std::string("Grey") : std::string("Colour");
                         });

TEST(AugmentationTest, SaturationLeavesGreyPixelsGrey)
{
    // A colour image whose pixels are all grey has no saturation to change.
    cv::Mat grey(32, 32, CV_8UC3, cv::Scalar(90, 90, 90));
    AugmentationConfig config = AugmentationConfig::identity(32);
    config.colorJitterProbability = 1.0F;
    config.brightness = 0.0F;
    config.contrast = 0.0F;
    config.saturation = 1.0F;
    EXPECT_LE(cv::norm(Augmentation(config).apply(grey, 5), grey, cv::NORM_INF), 1.0);
}

TEST(AugmentationTest, PassedInGeneratorAdvances)
{
    const cv::Mat image = texturedImage(120, 100, 3);
    const Augmentation augmentation(AugmentationConfig{});
    std::mt19937 random(42);
    const cv::Mat first = augmentation.apply(image, random);
    const cv::Mat second = augmentation.apply(image, random);
    EXPECT_FALSE(identical(first, second));
    std::mt19937 replay(42);
    EXPECT_TRUE(identical(augmentation.apply(image, replay), first));
    EXPECT_TRUE(identical(augmentation.apply(image, replay), second));
}

TEST(AugmentationTest, CropStaysInsideTheImageRange)
{
    // A crop of scale <= 0.25 on a 2x2 checker of flat quadrants sees at most part of it, and
    // every output pixel is one of the four colours or a blend of them (no border fill).
    cv::Mat quadrants(200, 200, CV_8UC1, cv::Scalar(40));
    quadrants(cv::Rect(100, 0, 100, 100)).setTo(80);
    quadrants(cv::Rect(0, 100, 100, 100)).setTo(120);
    quadrants(cv::Rect(100, 100, 100, 100)).setTo(160);
    AugmentationConfig config = AugmentationConfig::identity(50);
    config.cropScaleMin = 0.05F;
    config.cropScaleMax = 0.25F;
    config.cropRatioMin = 0.5F;
    config.cropRatioMax = 2.0F;
    const Augmentation augmentation(config);
    for (std::uint64_t seed = 0; seed < 20; ++seed) {
        double minimum = 0.0;
        double maximum = 0.0;
        cv::minMaxLoc(augmentation.apply(quadrants, seed), &minimum, &maximum);
        EXPECT_GE(minimum, 40.0);
        EXPECT_LE(maximum, 160.0);
    }
}

TEST(AugmentationTest, ErasingOffDrawsNoRandomNumbers)
{
    // Turning the option off must give exactly the images an older build gave for a seed.
    std::mt19937 withoutOption(5);
    std::mt19937 withOptionOff(5);
    AugmentationConfig config;
    config.outputSize = 32;
    AugmentationConfig off = config;
    off.erasingAreaMax = 0.4F;  // ranges do not matter while the probability is 0
    const cv::Mat image = cv::Mat(48, 48, CV_8UC3, cv::Scalar(10, 100, 200));
    Augmentation(config).apply(image, withoutOption);
    Augmentation(off).apply(image, withOptionOff);
    EXPECT_EQ(withoutOption(), withOptionOff());
}

TEST(AugmentationTest, RejectsBadImagesAndConfigs)
{
    const Augmentation augmentation(AugmentationConfig{});
    EXPECT_THROW(augmentation.apply(cv::Mat(), 1), std::invalid_argument);
    EXPECT_THROW(augmentation.apply(cv::Mat(10, 10, CV_8UC4, cv::Scalar::all(0)), 1), std::invalid_argument);
    EXPECT_THROW(augmentation.apply(cv::Mat(10, 10, CV_16UC3, cv::Scalar::all(0)), 1), std::invalid_argument);
    EXPECT_THROW(augmentation.apply(cv::Mat(10, 10, CV_32FC1, cv::Scalar::all(0)), 1), std::invalid_argument);

    // Each edit alone makes a default config invalid.
    const std::vector<std::pair<const char*, std::function<void(AugmentationConfig&)>>> badEdits = {
        {"outputSize 0", [](AugmentationConfig& c) { c.outputSize = 0; }},
        {"crop scale min > max", [](AugmentationConfig& c) { c.cropScaleMin = 0.9F; c.cropScaleMax = 0.5F; }},
        {"flip probability 1.5", [](AugmentationConfig& c) { c.flipProbability = 1.5F; }},
        {"blur sigma min 0", [](AugmentationConfig& c) { c.blurSigmaMin = 0.0F; }},
        {"erasing probability -0.1", [](AugmentationConfig& c) { c.erasingProbability = -0.1F; }},
        {"erasing area max 1", [](AugmentationConfig& c) { c.erasingAreaMax = 1.0F; }},
        {"erasing area min > max", [](AugmentationConfig& c) { c.erasingAreaMin = 0.3F; c.erasingAreaMax = 0.2F; }},
        {"erasing ratio min 1.5", [](AugmentationConfig& c) { c.erasingRatioMin = 1.5F; }},
    };
    for (const auto& [name, edit] : badEdits) {
        AugmentationConfig config;
        edit(config);
        EXPECT_THROW(Augmentation{config}, std::invalid_argument) << name;
    }
}

}  // namespace
}  // namespace lookalike::imaging
