// Raw-pixel and HOG + colour descriptors (core/imaging/descriptors.*): the contract (unit norm,
// dimension, errors) and the look-alike properties they exist for, on drawn shapes.

#include "core/imaging/descriptors.h"

#include <gtest/gtest.h>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace lookalike::imaging;

namespace {

const cv::Scalar kWhite(255, 255, 255);
const cv::Scalar kRed(40, 40, 220);  // BGR
const cv::Scalar kBlue(220, 60, 30);

enum class Shape { Circle, Square, Bar };

// A filled shape on white, drawn at `side` px; the same scene at any side.
cv::Mat drawShape(Shape shape, const cv::Scalar& colour, int side = 200) {
    cv::Mat image(side, side, CV_8UC3, kWhite);
    const double unit = side / 100.0;
    auto at = [&](double x, double y) { return cv::Point(static_cast<int>(std::lround(x * unit)), static_cast<int>(std::lround(y * unit))); };
    switch (shape) {
    case Shape::Circle:
        cv::circle(image, at(50, 50), static_cast<int>(std::lround(32 * unit)), colour, cv::FILLED, cv::LINE_AA);
        break;
    case Shape::Square:
        cv::rectangle(image, at(20, 20), at(80, 80), colour, cv::FILLED);
        break;
    case Shape::Bar:
        cv::rectangle(image, at(10, 42), at(90, 58), colour, cv::FILLED);
        break;
    }
    return image;
}

float dot(std::span<const float> a, std::span<const float> b) {
    return std::inner_product(a.begin(), a.end(), b.begin(), 0.0F);
}

float norm(std::span<const float> a) {
    return std::sqrt(dot(a, a));
}

float cosine(std::span<const float> a, std::span<const float> b) {
    return dot(a, b) / (norm(a) * norm(b));
}

std::vector<float> raw(const cv::Mat& image, int size = kDefaultRawPixelSize) {
    std::vector<float> out(rawPixelDimension(size));
    rawPixelDescriptor(image, size, out);
    return out;
}

std::vector<float> hogColour(const cv::Mat& image, const HogColourDescriptor& descriptor = HogColourDescriptor()) {
    std::vector<float> out(descriptor.dimension());
    descriptor.compute(image, out);
    return out;
}

}  // namespace

// ---- raw pixels ----

TEST(RawPixelDescriptor, HasThreePlanesOfSizeSquaredValues) {
    EXPECT_EQ(rawPixelDimension(), 3u * 32 * 32);
    EXPECT_EQ(rawPixelDimension(8), 3u * 8 * 8);
    EXPECT_THROW(rawPixelDimension(0), std::invalid_argument);
}

TEST(RawPixelDescriptor, IsMeanCentredWithUnitNorm) {
    std::vector<float> out = raw(drawShape(Shape::Circle, kRed));
    EXPECT_NEAR(norm(out), 1.0F, 1e-5F);
    EXPECT_NEAR(std::accumulate(out.begin(), out.end(), 0.0), 0.0, 1e-4);
}

TEST(RawPixelDescriptor, CosineIsThePixelCorrelation) {
    // The negative is perfectly anti-correlated; a brighter copy perfectly correlated.
    cv::Mat gray;
    cv::cvtColor(drawShape(Shape::Square, kBlue, 64), gray, cv::COLOR_BGR2GRAY);
    cv::Mat negative = 255 - gray;
    cv::Mat brighter;
    gray.convertTo(brighter, CV_8U, 0.5, 100);
    // Up to the rounding of the 8-bit resize.
    EXPECT_NEAR(dot(raw(gray, 16), raw(negative, 16)), -1.0F, 1e-4F);
    EXPECT_NEAR(dot(raw(gray, 16), raw(brighter, 16)), 1.0F, 1e-3F);
}

TEST(RawPixelDescriptor, WritesRgbPlanesAndTreatsGrayAsEqualChannels) {
    cv::Mat image(1, 2, CV_8UC3);
    image.at<cv::Vec3b>(0, 0) = {0, 0, 255};  // red
    image.at<cv::Vec3b>(0, 1) = {255, 255, 255};
    std::vector<float> out(rawPixelDimension(1));
    // Padded to 2 x 2 and averaged to 1 x 1: R high, G and B lower.
    rawPixelDescriptor(image, 1, out);
    EXPECT_GT(out[0], 0.0F);
    EXPECT_LT(out[1], 0.0F);
    EXPECT_FLOAT_EQ(out[1], out[2]);

    cv::Mat colour = drawShape(Shape::Bar, cv::Scalar(90, 90, 90), 64);
    cv::Mat gray;
    cv::cvtColor(colour, gray, cv::COLOR_BGR2GRAY);
    std::vector<float> fromGray = raw(gray, 8);
    std::vector<float> fromColour = raw(colour, 8);
    for (std::size_t i = 0; i < fromGray.size(); ++i)
        EXPECT_NEAR(fromGray[i], fromColour[i], 1e-5F) << "value " << i;
}

TEST(RawPixelDescriptor, GivesZerosForAUniformGrayImageButNotForAUniformColour) {
    for (float value : raw(cv::Mat(20, 20, CV_8UC3, cv::Scalar(77, 77, 77)), 4))
        EXPECT_EQ(value, 0.0F);
    // Centred over all values: the channels' differences remain, so colours still compare.
    std::vector<float> orange = raw(cv::Mat(20, 20, CV_8UC3, cv::Scalar(30, 120, 240)), 4);
    std::vector<float> blue = raw(cv::Mat(20, 20, CV_8UC3, cv::Scalar(240, 120, 30)), 4);
    EXPECT_NEAR(norm(orange), 1.0F, 1e-5F);
    EXPECT_LT(dot(orange, blue), -0.9F);  // (110, -10, -100) against (-100, -10, 110)
}

TEST(RawPixelDescriptor, PadsAWideImageInsteadOfStretchingIt) {
    cv::Mat wide(50, 200, CV_8UC3, kWhite);
    cv::ellipse(wide, {100, 25}, {80, 18}, 0, 0, 360, kRed, cv::FILLED, cv::LINE_AA);
    cv::Mat padded(200, 200, CV_8UC3, kWhite);
    wide.copyTo(padded(cv::Rect(0, 75, 200, 50)));
    cv::Mat stretched;
    cv::resize(wide, stretched, {200, 200}, 0, 0, cv::INTER_AREA);
    EXPECT_GT(dot(raw(wide), raw(padded)), 0.999F);
    EXPECT_LT(dot(raw(wide), raw(stretched)), 0.8F);
}

TEST(RawPixelDescriptor, RejectsBadInput) {
    std::vector<float> out(rawPixelDimension(4));
    EXPECT_THROW(rawPixelDescriptor(cv::Mat(), 4, out), std::invalid_argument);
    EXPECT_THROW(rawPixelDescriptor(cv::Mat(8, 8, CV_32FC3, cv::Scalar::all(0)), 4, out), std::invalid_argument);
    EXPECT_THROW(rawPixelDescriptor(cv::Mat(8, 8, CV_8UC4, cv::Scalar::all(0)), 4, out), std::invalid_argument);
    EXPECT_THROW(rawPixelDescriptor(cv::Mat(8, 8, CV_8UC3, kWhite), 5, out), std::invalid_argument);
    EXPECT_THROW(rawPixelDescriptor(cv::Mat(8, 8, CV_8UC3, kWhite), 0, out), std::invalid_argument);
}

// ---- HOG + colour ----

TEST(HogColourDescriptor, DefaultDimensionFitsTheIndexBudget) {
    HogColourDescriptor descriptor;
    EXPECT_EQ(descriptor.dimension(), descriptor.hogDimension() + descriptor.colourDimension());
    EXPECT_LE(descriptor.dimension(), kMaxHogColourDimension);
}

TEST(HogColourDescriptor, CountsBlocksCellsBinsAndGridCells) {
    HogColourConfig config;
    config.imageSize = 64;
    config.cellSize = 16;
    config.blockCells = 2;
    config.blockStrideCells = 1;
    config.orientationBins = 9;
    config.colourGridSize = 4;
    HogColourDescriptor descriptor(config);
    EXPECT_EQ(descriptor.hogDimension(), 3u * 3 * 4 * 9);  // 3 x 3 blocks of 2 x 2 cells
    EXPECT_EQ(descriptor.colourDimension(), 4u * 4 * 3);
    EXPECT_EQ(hogColour(drawShape(Shape::Circle, kRed), descriptor).size(), 372u);
}

TEST(HogColourDescriptor, HasUnitNormAndIsDeterministic) {
    HogColourDescriptor descriptor;
    cv::Mat image = drawShape(Shape::Circle, kRed);
    std::vector<float> first = hogColour(image, descriptor);
    EXPECT_NEAR(norm(first), 1.0F, 1e-5F);
    EXPECT_EQ(first, hogColour(image, descriptor));
    HogColourDescriptor copy = descriptor;
    EXPECT_EQ(first, hogColour(image, copy));
    EXPECT_EQ(first, hogColour(image.clone(), HogColourDescriptor()));
}

TEST(HogColourDescriptor, GivesTheSameResultsFromSeveralThreads) {
    const HogColourDescriptor descriptor;
    std::vector<cv::Mat> images{drawShape(Shape::Circle, kRed), drawShape(Shape::Square, kBlue),
                                drawShape(Shape::Bar, kRed, 150), drawShape(Shape::Circle, kBlue, 90)};
    std::vector<std::vector<float>> expected;
    for (const cv::Mat& image : images)
        expected.push_back(hogColour(image, descriptor));
    std::vector<std::vector<std::vector<float>>> results(4);
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < results.size(); ++t)
        threads.emplace_back([&, t] {
            for (int repeat = 0; repeat < 20; ++repeat)
                for (const cv::Mat& image : images)
                    results[t].push_back(hogColour(image, descriptor));
        });
    for (std::thread& thread : threads)
        thread.join();
    for (const auto& result : results)
        for (std::size_t i = 0; i < result.size(); ++i)
            EXPECT_EQ(result[i], expected[i % images.size()]);
}

TEST(HogColourDescriptor, SeesTheSameShapeInAnotherColourThroughHogAndTheColourThroughTheLayout) {
    HogColourDescriptor descriptor;
    std::vector<float> red = hogColour(drawShape(Shape::Circle, kRed), descriptor);
    std::vector<float> blue = hogColour(drawShape(Shape::Circle, kBlue), descriptor);
    const std::size_t hog = descriptor.hogDimension();
    std::span<const float> redHog(red.data(), hog);
    std::span<const float> blueHog(blue.data(), hog);
    std::span<const float> redColour(red.data() + hog, descriptor.colourDimension());
    std::span<const float> blueColour(blue.data() + hog, descriptor.colourDimension());
    EXPECT_GT(cosine(redHog, blueHog), 0.98F);
    EXPECT_LT(cosine(redColour, blueColour), 0.6F);
}

TEST(HogColourDescriptor, CosineIsTheWeightedMeanOfThePartsCosines) {
    HogColourConfig config;
    config.hogWeight = 3.0F;
    config.colourWeight = 1.0F;
    HogColourDescriptor descriptor(config);
    std::vector<float> a = hogColour(drawShape(Shape::Circle, kRed), descriptor);
    std::vector<float> b = hogColour(drawShape(Shape::Square, kBlue), descriptor);
    const std::size_t hog = descriptor.hogDimension();
    const std::size_t colour = descriptor.colourDimension();
    const float hogCosine = cosine(std::span<const float>(a.data(), hog), std::span<const float>(b.data(), hog));
    const float colourCosine =
        cosine(std::span<const float>(a.data() + hog, colour), std::span<const float>(b.data() + hog, colour));
    EXPECT_NEAR(dot(a, b), 0.75F * hogCosine + 0.25F * colourCosine, 1e-5F);
}

TEST(HogColourDescriptor, PadsAWideImageInsteadOfStretchingIt) {
    cv::Mat wide(50, 200, CV_8UC3, kWhite);
    cv::ellipse(wide, {100, 25}, {80, 18}, 0, 0, 360, kRed, cv::FILLED, cv::LINE_AA);
    cv::Mat padded(200, 200, CV_8UC3, kWhite);
    wide.copyTo(padded(cv::Rect(0, 75, 200, 50)));
    cv::Mat stretched;
    cv::resize(wide, stretched, {200, 200}, 0, 0, cv::INTER_AREA);
    HogColourDescriptor descriptor;
    std::vector<float> wideValues = hogColour(wide, descriptor);
    EXPECT_GT(dot(wideValues, hogColour(padded, descriptor)), 0.999F);
    EXPECT_LT(dot(wideValues, hogColour(stretched, descriptor)), 0.8F);
}

TEST(HogColourDescriptor, IsAlmostUnchangedByUniformScale) {
    HogColourDescriptor descriptor;
    for (Shape shape : {Shape::Circle, Shape::Square, Shape::Bar}) {
        cv::Mat large = drawShape(shape, kRed, 400);
        cv::Mat small;
        cv::resize(large, small, {120, 120}, 0, 0, cv::INTER_AREA);
        EXPECT_GT(dot(hogColour(large, descriptor), hogColour(small, descriptor)), 0.97F)
            << "shape " << static_cast<int>(shape);
    }
}

TEST(HogColourDescriptor, ScoresADifferentShapeLowerThanTheSameShapeAtAnotherSize) {
    HogColourDescriptor descriptor;
    for (Shape shape : {Shape::Circle, Shape::Square, Shape::Bar}) {
        std::vector<float> query = hogColour(drawShape(shape, kBlue, 200), descriptor);
        const float same = dot(query, hogColour(drawShape(shape, kBlue, 96), descriptor));
        for (Shape other : {Shape::Circle, Shape::Square, Shape::Bar}) {
            if (other == shape)
                continue;
            const float different = dot(query, hogColour(drawShape(other, kBlue, 96), descriptor));
            EXPECT_LT(different, same - 0.1F) << "shape " << static_cast<int>(shape) << " vs " << static_cast<int>(other);
        }
    }
}

TEST(HogColourDescriptor, IgnoresHowMuchWhiteMarginSurroundsTheObject) {
    cv::Mat tight = drawShape(Shape::Circle, kRed, 200);
    cv::Mat loose(500, 420, CV_8UC3, kWhite);  // the same photo with wide, uneven margins
    tight.copyTo(loose(cv::Rect(150, 60, 200, 200)));
    EXPECT_GT(dot(hogColour(tight), hogColour(loose)), 0.98F);
    HogColourConfig uncropped;
    uncropped.cropToContent = false;
    const HogColourDescriptor framed(uncropped);
    EXPECT_LT(dot(hogColour(tight, framed), hogColour(loose, framed)), 0.8F);
}

TEST(HogColourDescriptor, AcceptsGrayImagesLikeTheirColourTwin) {
    cv::Mat colour = drawShape(Shape::Square, cv::Scalar(70, 70, 70));
    cv::Mat gray;
    cv::cvtColor(colour, gray, cv::COLOR_BGR2GRAY);
    HogColourDescriptor descriptor;
    EXPECT_GT(dot(hogColour(gray, descriptor), hogColour(colour, descriptor)), 0.9999F);
}

TEST(HogColourDescriptor, GivesZerosForAWhiteImageAndTheColourAloneForAUniformColour) {
    HogColourDescriptor descriptor;
    for (float value : hogColour(cv::Mat(50, 80, CV_8UC3, kWhite), descriptor))
        EXPECT_EQ(value, 0.0F);
    std::vector<float> red = hogColour(cv::Mat(50, 50, CV_8UC3, kRed), descriptor);
    EXPECT_NEAR(norm(red), 1.0F, 1e-5F);
    for (std::size_t i = 0; i < descriptor.hogDimension(); ++i)
        EXPECT_EQ(red[i], 0.0F);
}

TEST(HogColourDescriptor, RejectsBadInput) {
    HogColourDescriptor descriptor;
    std::vector<float> out(descriptor.dimension());
    std::vector<float> tooShort(descriptor.dimension() - 1);
    EXPECT_THROW(descriptor.compute(cv::Mat(), out), std::invalid_argument);
    EXPECT_THROW(descriptor.compute(cv::Mat(8, 8, CV_32FC3, cv::Scalar::all(0)), out), std::invalid_argument);
    EXPECT_THROW(descriptor.compute(cv::Mat(8, 8, CV_8UC4, cv::Scalar::all(0)), out), std::invalid_argument);
    EXPECT_THROW(descriptor.compute(cv::Mat(8, 8, CV_16UC1, cv::Scalar::all(0)), out), std::invalid_argument);
    EXPECT_THROW(descriptor.compute(cv::Mat(8, 8, CV_8UC3, kWhite), tooShort), std::invalid_argument);
}

TEST(HogColourDescriptor, RejectsInconsistentConfigs) {
    auto with = [](auto change) {
        HogColourConfig config;
        change(config);
        return config;
    };
    // 7 x 7 blocks of 2 x 2 cells x 9 bins = 1764 values: over the budget.
    EXPECT_THROW(HogColourDescriptor(with([](HogColourConfig& c) { c.cellSize = 8; })), std::invalid_argument);
    EXPECT_THROW(HogColourDescriptor(with([](HogColourConfig& c) { c.imageSize = 60; })), std::invalid_argument);
    EXPECT_THROW(HogColourDescriptor(with([](HogColourConfig& c) { c.blockStrideCells = 3; })), std::invalid_argument);
    EXPECT_THROW(HogColourDescriptor(with([](HogColourConfig& c) { c.orientationBins = 1; })), std::invalid_argument);
    EXPECT_THROW(HogColourDescriptor(with([](HogColourConfig& c) { c.colourGridSize = 0; })), std::invalid_argument);
    EXPECT_THROW(HogColourDescriptor(with([](HogColourConfig& c) { c.chromaWeight = -1.0F; })), std::invalid_argument);
    EXPECT_THROW(HogColourDescriptor(with([](HogColourConfig& c) {
                     c.hogWeight = 0.0F;
                     c.colourWeight = 0.0F;
                 })),
                 std::invalid_argument);
    EXPECT_THROW(HogColourDescriptor(with([](HogColourConfig& c) { c.colourWeight = std::nanf(""); })),
                 std::invalid_argument);
}
